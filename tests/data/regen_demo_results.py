"""Rewrite ``tests/data/demo_results.json``: the demo assessment's results.json without volatile keys.

The regression guard ``tests/assess/test_demo_regression.py`` compares a fresh run of the demo
assessment with this stored copy. When the demo generator (``reymud.demo``) or a stage changes the
numbers ON PURPOSE, regenerate the copy and commit it with the change that explains it::

    .venv/bin/python tests/data/regen_demo_results.py

The run is the real demo, as ``make demo`` (``reymud assess --demo``) runs it: ``demo_project(path)``
with its default seed and core count, assessed with the plan the demo project stores
(:func:`reymud.demo.demo_plan`: the Takaya 2018 box, linear trend, exponential variogram; the other
choices the defaults: 250 m blocks, 100 realisations, leave-one-out cross-validation), resolved by
:meth:`reymud.assess.AssessConfig.for_project` like every entry point. Two settings are pinned because they are not part of
the numbers' recipe: ``status_date`` (the export-control status depends on the calendar date) and
``use_dask=False`` (the simulation is identical in-process, ``AssessConfig.use_dask``; a Dask
LocalCluster inside the test suite on a shared machine is only a source of start-up failures).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from reymud.assess import AssessConfig, assess, strip_volatile
from reymud.demo import demo_project

#: The stored copy compared by the regression guard.
STORED = Path(__file__).with_name("demo_results.json")

#: Export-control status date of the stored run (ISO); see the module docstring.
STATUS_DATE = "2026-11-24"

#: Provenance keys that name the software, not the numbers (versions change with every upgrade).
VERSION_KEYS: tuple[str, ...] = ("reymud_version", "software")


def demo_config(project: Any) -> AssessConfig:
    """The project's assessment configuration (its ONE plan) with the two pinned settings of the
    module docstring."""
    return AssessConfig.for_project(project, status_date=STATUS_DATE, use_dask=False)


def comparable(results: dict[str, Any]) -> dict[str, Any]:
    """``results`` without timings (:func:`reymud.assess.strip_volatile`) and software versions."""
    out = strip_volatile(results)
    out["provenance"] = {k: v for k, v in out["provenance"].items() if k not in VERSION_KEYS}
    return out


def run_demo(folder: Path) -> dict[str, Any]:
    """Assess a fresh demo project in ``folder`` and return its comparable results."""
    project = demo_project(folder / "demo.duckdb")
    try:
        result = assess(project, folder / "out", demo_config(project))
    finally:
        project.close()
    return comparable(result.to_dict())


def main() -> int:
    """Run the demo and rewrite :data:`STORED`."""
    with tempfile.TemporaryDirectory() as tmp:
        results = run_demo(Path(tmp))
    STORED.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {STORED} ({STORED.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
