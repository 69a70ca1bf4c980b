"""Provenance of an assessment: inputs, parameters, reference data, software, seeds, times."""

from __future__ import annotations

import datetime as dt
import importlib.metadata as md
from typing import Any

from reymud.assess.results import jsonable
from reymud.assess.stages_data import RunState

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
    import platform

    import reymud

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
    from reymud.data import available, reference_path, source_of

    return {name: source_of(reference_path(name)) for name in available()}


def _demo_seed(state: RunState) -> int | None:
    """Seed of the synthetic demo survey, from the metadata file the demo writes beside its inputs."""
    import json
    from pathlib import Path

    for path in sorted(Path(state.project.artifact_dir).rglob("SYNTHETIC_metadata.json")):
        try:
            return int(json.loads(path.read_text(encoding="utf-8"))["config"]["seed"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def provenance(state: RunState) -> dict[str, Any]:
    """The ``provenance`` section of ``results.json``."""
    cfg = state.config
    imports = state.results["data"]["imports"]
    params: dict[str, Any] = {"assess": cfg.to_dict()}
    if "geochemistry" in state.results:
        params["geochem"] = state.results["geochemistry"]["config"]
    rcfg = state.objects.get("resource_config")
    if rcfg is not None:
        params["resource"] = jsonable(rcfg)
    if "production" in state.results:
        params["production"] = state.results["production"]["config"]
    models = state.objects.get("models", {})
    params["variogram_models"] = {k: jsonable(m.to_dict()) for k, m in models.items()}
    seeds = {"simulation": cfg.seed, "cross_validation": cfg.seed}
    demo_seed = _demo_seed(state)
    if demo_seed is not None:
        seeds["demo_survey"] = demo_seed
    return {
        "reymud_version": software_versions()["reymud"],
        "software": software_versions(),
        "parameters": params,
        "seeds": seeds,
        "inputs": [{k: r.get(k) for k in ("file_name", "sha256", "kind", "n_rows", "n_values", "status")}
                   for r in imports],
        "reference_data": _reference_sources(),
        "project_metadata": {k: str(v) for k, v in state.project.metadata().items() if k != "created_at"},
        "timestamps": state.timestamps,
    }
