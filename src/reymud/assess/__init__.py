"""End-to-end assessment: one call from a project of core assays to a reviewable report.

>>> from reymud.assess import AssessConfig, assess
>>> result = assess("survey.duckdb", "out", AssessConfig(n_realizations=50))   # doctest: +SKIP
>>> result["resource_table"]                                                   # doctest: +SKIP

Outputs: ``out/report.html``, ``out/results.json`` (schema in ``docs/results-schema.md``),
``out/block_model_2d.nc``, ``out/exceedance.nc``; artefacts saved in the project.
"""

from __future__ import annotations

from reymud.assess.config import AssessConfig
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
    "assess",
    "jsonable",
    "resolve_key",
    "results_json_schema",
    "strip_volatile",
    "validate_results",
]
