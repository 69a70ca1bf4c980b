"""reymud: deep-sea rare-earth mud, from core assays to resource and supply security.

The stages read as the pipeline and each can be used alone; the most used names are re-exported
here (like gstools). Data flows forward as pandas DataFrames and xarray Datasets::

    store -> ingest -> geochem -> cores -> spatial -> resource -> supply -> assess -> report / web

The end-to-end run is ``reymud.assess.assess(project, out_dir)`` (the subpackage shares its name).

Re-exports are resolved lazily (PEP 562), so ``import reymud`` and every CLI command start without
importing dask, xarray and the plotting stack they do not need.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> stage that defines it, in pipeline order
_EXPORTS: dict[str, str] = {
    "Project": "store",
    "IngestError": "ingest",
    "ingest_files": "ingest",
    "GeochemConfig": "geochem",
    "Thresholds": "geochem",
    "normalise": "geochem",
    "summarise": "geochem",
    "total_rey": "geochem",
    "composite": "cores",
    "core_summary": "cores",
    "find_layers": "cores",
    "window_stats": "cores",
    "SampleSupport": "cores",
    "gap_report": "cores",
    "demo_project": "demo",
    "write_demo_survey": "demo",
    "AreaOfInterest": "spatial",
    "Grid": "spatial",
    "Neighbourhood": "spatial",
    "OrdinaryKriging": "spatial",
    "SimpleKriging": "spatial",
    "VariogramModel": "spatial",
    "estimate_block_model": "spatial",
    "fit_variogram": "spatial",
    "simulate": "spatial",
    "ClassificationRules": "resource",
    "GradeTonnageIndex": "resource",
    "ResourceConfig": "resource",
    "blocks_table": "resource",
    "resource_table": "resource",
    "slab_tonnage": "resource",
    "ProductionConfig": "supply",
    "ScenarioConfig": "supply",
    "production_schedule": "supply",
    "run_scenario": "supply",
    "AssessConfig": "assess",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    stage = _EXPORTS.get(name)
    if stage is None:
        raise AttributeError(f"module 'reymud' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"reymud.{stage}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
