"""The end-to-end assessment: the only place that chains every stage.

``assess(project, out_dir)`` reads a project (cores, samples, QA/QC), runs geochemistry, layers,
variography, block kriging, cross-validation, classification, the resource table, conditional
simulation and the supply/production/scenario summary, saves the artefacts into the project and
writes ``results.json``, ``block_model_2d.nc`` and ``exceedance.nc`` to ``out_dir`` (and
``block_model_3d.nc`` when the plan's cut-off applies per slice: ``cutoff_basis: slice``). The HTML report is
rendered by the caller (``reymud assess``, the web job) with ``reymud.report.write_report(result, path)``:
assess imports nothing of the stages that render it.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from reymud.assess.cluster import DaskSession
from reymud.assess.config import AssessConfig
from reymud.assess.pipeline import Stage, check_order, run_stage
from reymud.assess.products import BlockModelProduct, RunContext, SimulationProduct
from reymud.assess.provenance import provenance, utc_now
from reymud.assess.results import AssessResult, jsonable
from reymud.assess.schema import SCHEMA_VERSION, validate_results
from reymud.assess.stages_data import stage_cores, stage_data, stage_geochem, stage_qaqc, stage_window
from reymud.assess.stages_estimate import (
    stage_block_model,
    stage_cross_validation,
    stage_resource,
    stage_simulation,
    stage_variography,
)
from reymud.assess.stages_supply import stage_production, stage_scenario, stage_supply
from reymud.spatial.io import write_grid
from reymud.spatial.slices import slice_plan_problem
from reymud.store import Project

__all__ = ["SAVED_FRAMES", "STAGES", "Progress", "assess"]

#: progress(stage_label, stages_done, stages_total); called before each stage and once at the end.
Progress = Callable[[str, int, int], None]

#: Every stage in run order; each one's needs (its signature) are provided by an earlier one (checked).
STAGES: tuple[Stage, ...] = check_order((
    Stage("data", "data and import log", stage_data),
    Stage("qaqc", "QA/QC", stage_qaqc),
    Stage("geochemistry", "geochemistry", stage_geochem),
    Stage("cores", "layers and core summary", stage_cores),
    Stage("window", "depth window and projection", stage_window),
    Stage("variography", "variography", stage_variography),
    Stage("block_model", "block-model estimation", stage_block_model),
    Stage("cross_validation", "cross-validation", stage_cross_validation),
    Stage("resource", "classification and resource table", stage_resource),
    Stage("simulation", "conditional simulation", stage_simulation),
    Stage("supply", "element resource and supply security", stage_supply),
    Stage("production", "production schedule", stage_production),
    Stage("scenario", "export-restriction scenario", stage_scenario),
))

#: Frames saved into the project with ``Project.save_frame`` (docs/CONTRACTS.md, assess).
SAVED_FRAMES: tuple[str, ...] = (
    "core_summary", "layers", "samples_geochem", "window_points", "blocks", "resource_table", "grade_tonnage",
    "uncertainty", "element_resource", "supply_summary", "production_schedule", "cross_validation",
)

#: ``variography`` entry of the simulation's normal-score variogram (provided by the simulation stage).
NSCORE_VARIABLE = "total_rey_ppm_nscore"

#: results.json sections in their order (each provided by one stage product's ``sections()``).
SECTION_ORDER: tuple[str, ...] = (
    "data", "qaqc", "geochemistry", "cores", "window", "variography", "block_model", "cross_validation",
    "resource", "grade_tonnage", "simulation", "uncertainty", "supply", "production", "scenario",
)


def _open(project: Any):
    if isinstance(project, (str, Path)):
        path = Path(project)
        if not path.exists():
            raise FileNotFoundError(f"project {path} does not exist: create it with `reymud init` and "
                                    "`reymud ingest`, or run `reymud assess --demo`")
        return Project.open(path), True
    return project, False


def _results(ctx: RunContext, products: dict[type, Any]) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    for product in products.values():
        sections.update(product.sections())
    simulation = products.get(SimulationProduct)
    if simulation is not None and simulation.variography_entry is not None:  # the fit the simulation used
        sections["variography"] = {**sections["variography"], NSCORE_VARIABLE: simulation.variography_entry}
    return {
        "schema_version": SCHEMA_VERSION,
        "title": ("SYNTHETIC DEMO - " if ctx.synthetic else "") + "REY-rich mud resource assessment",
        "synthetic": ctx.synthetic,
        "project": Path(str(ctx.project.path)).name,
        **{k: sections[k] for k in SECTION_ORDER},
        "plan": jsonable(products[BlockModelProduct].plan.to_dict()) if BlockModelProduct in products else {},
        "plan_source": ctx.config.plan_source or "AssessConfig given by the caller",
        "provenance": provenance(ctx, products),
        "warnings": list(dict.fromkeys(ctx.warnings)),
    }


def _save_frames(project: Any, frames: dict[str, pd.DataFrame]) -> None:
    for name in SAVED_FRAMES:
        frame = frames[name].copy()
        frame.attrs = jsonable(dict(frame.attrs))
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.CategoricalDtype):
                frame[col] = frame[col].astype(str)
        project.save_frame(name, frame)


def _save(ctx: RunContext, frames: dict[str, pd.DataFrame], block_model, exceedance, out_dir: Path,
          block_model_3d=None) -> dict[str, Path]:
    """Save the contract's frames into the project and the grids as CF NetCDF (project and out_dir);
    the 3-D model of a per-slice cut-off plan as ``block_model_3d.nc`` beside the 2-D one."""
    project = ctx.project
    session = getattr(project, "session", None)
    with session() if session is not None else contextlib.nullcontext():
        _save_frames(project, frames)
    title = ("SYNTHETIC DEMO DATA - " if ctx.synthetic else "") + "reymud 2-D block model"
    paths: dict[str, Path] = {}
    for folder in (Path(project.artifact_dir), out_dir):
        paths["block_model"] = write_grid(block_model, folder / "block_model_2d.nc", title)
        paths["exceedance"] = write_grid(exceedance, folder / "exceedance.nc",
                                         title.replace("2-D block model", "exceedance probability"))
        if block_model_3d is not None:
            paths["block_model_3d"] = write_grid(block_model_3d, folder / "block_model_3d.nc",
                                                 title.replace("2-D block model", "3-D block model (depth slices)"))
    return paths


def _synthetic(project: Any) -> bool:
    return str(project.metadata().get("synthetic", "false")).lower() == "true"


def _check_basis(config: AssessConfig, project: Any) -> None:
    """Refuse, before any stage runs, a per-slice cut-off plan that cannot be stated (e.g. an SMU that is
    not a whole number of slices); a possible one is applied by the block-model and resource stages."""
    if config.cutoff_basis != "slice":
        return
    problem = slice_plan_problem(config.plan())
    if problem:
        raise ValueError(f"the plan ({config.plan_source or 'AssessConfig'}) has cutoff_basis: slice, but {problem}")


def assess(project: Any, out_dir: str | Path, config: AssessConfig | None = None,
           progress: Progress | None = None, report: bool | None = None) -> AssessResult:
    """Run the whole assessment on a project and write its outputs.

    Parameters
    ----------
    project : reymud.store.Project or path
        The project (``*.duckdb``) holding ingested cores and assays.
    out_dir : str or Path
        Folder for ``results.json``, ``block_model_2d.nc``, ``exceedance.nc`` (and ``block_model_3d.nc``
        with ``cutoff_basis: slice``: the resource is then stated with the cut-off applied per SMU).
    config : AssessConfig, optional
        Every judgement default (see :class:`AssessConfig`). None = the project's plan
        (:func:`reymud.spatial.plan.resolve_plan`: the plan the project stores, else the defaults),
        exactly what ``reymud estimate``/``resource``/``assess`` use without ``--plan``.
    progress : callable, optional
        ``progress(stage_label, stages_done, stages_total)``.
    report : None
        Deprecated, no effect: ``report=False`` is accepted with a ``DeprecationWarning``;
        ``report=True`` raises (render with ``reymud.report.write_report(result, out / "report.html")``).

    Returns
    -------
    AssessResult
        Frames, grids, the ``results.json`` dict and provenance. The same inputs, config and seed
        reproduce the same numbers (only ``provenance.timestamps`` differ).
    """
    if report is not None:
        if report:
            raise ValueError("assess(report=True): assess no longer writes report.html; call "
                             "reymud.report.write_report(result, out_dir / 'report.html') on its result")
        warnings.warn("assess(report=False) is deprecated: assess never writes report.html now",
                      DeprecationWarning, stacklevel=2)
    out = Path(out_dir)
    project, opened = _open(project)
    try:
        config = config or AssessConfig.for_project(project)
        _check_basis(config, project)
        out.mkdir(parents=True, exist_ok=True)
    except BaseException:
        if opened:
            project.close()
        raise
    dask_session = DaskSession(config).start()  # workers start while the first stages run
    total = len(STAGES) + 1
    notify = progress or (lambda label, done, n: None)
    current = {"stage": 0}
    ctx = RunContext(project=project, config=config, synthetic=_synthetic(project), dask=dask_session,
                     on_detail=lambda detail: notify(detail, current["stage"], total))
    ctx.timestamps["started_at"] = utc_now()
    seconds: dict[str, float] = {}
    ctx.timestamps["stage_seconds"] = seconds
    products: dict[type, Any] = {}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i, stage in enumerate(STAGES):
                current["stage"] = i
                notify(stage.label, i, total)
                start = time.perf_counter()
                run_stage(stage, ctx, products)
                seconds[stage.key] = round(time.perf_counter() - start, 3)
        package = str(Path(__file__).resolve().parents[1])
        ctx.warnings.extend(f"{w.category.__name__}: {w.message}" for w in caught  # reymud's own, not Dask's
                            if str(Path(w.filename).resolve()).startswith(package)
                            and not issubclass(w.category, (DeprecationWarning, ResourceWarning)))
        notify("saving results", len(STAGES), total)
        ctx.timestamps["finished_at"] = utc_now()
        results = _results(ctx, products)
        validate_results(results)
        frames: dict[str, pd.DataFrame] = {}
        for product in products.values():
            frames.update(product.frames())
        block_model, exceedance = products[BlockModelProduct].block_model, products[SimulationProduct].exceedance
        block_model_3d = products[BlockModelProduct].block_model_3d
        start = time.perf_counter()
        paths = _save(ctx, frames, block_model, exceedance, out, block_model_3d)
        seconds["save"] = round(time.perf_counter() - start, 3)
        result = AssessResult(results=results, frames=frames, block_model=block_model, exceedance=exceedance,
                              provenance=results["provenance"], paths=paths, products=products,
                              block_model_3d=block_model_3d)
        paths["results"] = out / "results.json"
        result.to_json(paths["results"])
        project.save_json("assess", "latest", result.to_dict())
        notify("done", total, total)
        return result
    finally:
        dask_session.close()
        if opened:
            project.close()
