"""Provenance of an assessment: inputs, parameters, reference data, software, seeds, times."""

from __future__ import annotations

import datetime as dt
import importlib.metadata as md
import json
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import reymud
from reymud.assess.products import (
    DataProduct,
    GeochemProduct,
    ProductionProduct,
    ResourceProduct,
    RunContext,
    SimulationProduct,
    VariographyProduct,
)
from reymud.assess.results import jsonable
from reymud.data import available, reference_path, source_of

#: the project's stored plan text (reymud.spatial.plan.store_plan); results.json holds the plan itself
PLAN_METADATA_KEY = "estimation_plan"

__all__ = ["SOFTWARE", "provenance", "software_versions", "utc_now"]

#: Distributions whose versions are recorded (name in results -> distribution name).
SOFTWARE: dict[str, str] = {
    "reymud": "reymud", "python": "", "numpy": "numpy", "scipy": "scipy", "pandas": "pandas",
    "xarray": "xarray", "gstools": "gstools", "dask": "dask", "distributed": "distributed", "duckdb": "duckdb",
    "plotly": "plotly", "jinja2": "jinja2", "pyproj": "pyproj", "netCDF4": "netCDF4",
}


def utc_now() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def software_versions() -> dict[str, str]:
    """Installed versions of reymud and the libraries the numbers depend on."""
    out: dict[str, str] = {}
    for name, dist in SOFTWARE.items():
        if name == "python":
            out[name] = platform.python_version()
        elif name == "reymud":
            out[name] = reymud.__version__
        else:
            try:
                out[name] = md.version(dist)
            except md.PackageNotFoundError:
                out[name] = "not installed"
    return out


def _reference_sources() -> dict[str, str]:
    return {name: source_of(reference_path(name)) for name in available()}


def _demo_seed(ctx: RunContext) -> int | None:
    """Seed of the synthetic demo survey, from the metadata file the demo writes beside its inputs."""
    for path in sorted(Path(ctx.project.artifact_dir).rglob("SYNTHETIC_metadata.json")):
        try:
            return int(json.loads(path.read_text(encoding="utf-8"))["config"]["seed"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def provenance(ctx: RunContext, products: Mapping[type, Any]) -> dict[str, Any]:
    """The ``provenance`` section of ``results.json`` from the run's context and stage products."""
    cfg = ctx.config
    imports = products[DataProduct].section["imports"]
    params: dict[str, Any] = {"assess": cfg.to_dict()}
    if GeochemProduct in products:
        params["geochem"] = products[GeochemProduct].section["config"]
    if ResourceProduct in products:
        params["resource"] = jsonable(products[ResourceProduct].config)
    if ProductionProduct in products:
        params["production"] = products[ProductionProduct].section["config"]
    models = products[VariographyProduct].models if VariographyProduct in products else {}
    params["variogram_models"] = {k: jsonable(m.to_dict()) for k, m in models.items()}
    simulation = products.get(SimulationProduct)
    if simulation is not None and simulation.variography_entry is not None:  # the model simulated with
        params["variogram_models"]["total_rey_ppm_nscore"] = jsonable(simulation.model.to_dict())
    seeds = {"simulation": cfg.seed, "cross_validation": cfg.seed}
    demo_seed = _demo_seed(ctx)
    if demo_seed is not None:
        seeds["demo_survey"] = demo_seed
    return {
        "reymud_version": software_versions()["reymud"],
        "software": software_versions(),
        "parameters": params,
        "plan_source": cfg.plan_source or "AssessConfig given by the caller",
        "seeds": seeds,
        "inputs": [{k: r.get(k) for k in ("file_name", "sha256", "kind", "n_rows", "n_values", "status")}
                   for r in imports],
        "reference_data": _reference_sources(),
        "project_metadata": {k: str(v) for k, v in ctx.project.metadata().items()
                             if k not in ("created_at", PLAN_METADATA_KEY)},  # the plan: results["plan"]
        "timestamps": ctx.timestamps,
    }
