"""End-to-end assessment: one call from a project of core assays to a reviewable report.

>>> import tempfile, pathlib
>>> from reymud.assess import AssessConfig, assess
>>> from reymud.demo import demo_project
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> project = demo_project(folder / "survey.duckdb", n_cores=6)
>>> config = AssessConfig(cell_m=4_000.0, sim_cell_m=8_000.0, n_realizations=2, use_dask=False, cv_folds=3)
>>> result = assess(project, folder / "out", config)
>>> sorted(p.name for p in (folder / "out").iterdir())
['block_model_2d.nc', 'exceedance.nc', 'results.json']
>>> {"cutoff", "class", "dry_t", "treo_t"} <= set(result.frames["resource_table"].columns)
True
>>> from reymud.report import write_report  # the report is the caller's (reymud assess, the web job)
>>> write_report(result, folder / "out" / "report.html").name
'report.html'
>>> project.close()

Outputs: ``out/results.json`` (schema in ``docs/results-schema.md``), ``out/block_model_2d.nc``,
``out/exceedance.nc``; artefacts saved in the project. Stages and their typed products:
:mod:`reymud.assess.pipeline`, :mod:`reymud.assess.products` (docs/CONTRACTS.md, assess).
"""

from __future__ import annotations

from reymud.assess.config import AssessConfig
from reymud.assess.pipeline import Stage, StageOrderError, check_order, order_stages
from reymud.assess.results import AssessResult, jsonable, resolve_key, strip_volatile
from reymud.assess.run import SAVED_FRAMES, STAGES, Progress, assess
from reymud.assess.schema import SCHEMA_VERSION, Results, results_json_schema, validate_results

__all__ = [
    "SAVED_FRAMES",
    "SCHEMA_VERSION",
    "STAGES",
    "AssessConfig",
    "AssessResult",
    "Progress",
    "Results",
    "Stage",
    "StageOrderError",
    "assess",
    "check_order",
    "jsonable",
    "order_stages",
    "resolve_key",
    "results_json_schema",
    "strip_volatile",
    "validate_results",
]
