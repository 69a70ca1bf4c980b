"""The embedded SYNTHETIC demo survey: a seeded generator of lab-style files and a demo project.

>>> import tempfile, pathlib
>>> from reymud.demo import demo_project, write_demo_survey
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> files = write_demo_survey(folder / "demo_files", n_cores=5)
>>> files.assays.name.startswith("SYNTHETIC_")
True
>>> project = demo_project(folder / "demo.duckdb", n_cores=5)
>>> len(project.cores())
5
>>> project.close()

Everything it writes is labelled SYNTHETIC (file names, first line, metadata); the REY patterns
and spatial model are stated assumptions (:mod:`reymud.demo.pattern`, :mod:`reymud.demo.survey`).
"""

from __future__ import annotations

from reymud.demo.files import (
    DemoFiles,
    demo_plan,
    demo_project,
    header_line,
    write_demo_plan,
    write_demo_survey,
)
from reymud.demo.pattern import BACKGROUND_PAAS_RATIOS, RICH_PAAS_RATIOS
from reymud.demo.samples import DETECTION_LIMITS_PPM, build_survey
from reymud.demo.survey import DemoConfig

__all__ = [
    "BACKGROUND_PAAS_RATIOS",
    "DETECTION_LIMITS_PPM",
    "RICH_PAAS_RATIOS",
    "DemoConfig",
    "DemoFiles",
    "build_survey",
    "demo_plan",
    "demo_project",
    "header_line",
    "write_demo_plan",
    "write_demo_survey",
]
