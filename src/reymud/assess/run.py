"""The end-to-end assessment: the only place that chains every stage.

``assess(project, out_dir)`` reads a project (cores, samples, QA/QC), runs geochemistry, layers,
variography, block kriging, cross-validation, classification, the resource table, conditional
simulation and the supply/production/scenario summary, saves the artefacts into the project and
writes ``report.html``, ``results.json``, ``block_model_2d.nc`` and ``exceedance.nc`` to ``out_dir``.
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
from reymud.assess.provenance import provenance, utc_now
from reymud.assess.results import AssessResult, jsonable
from reymud.assess.schema import SCHEMA_VERSION, validate_results
from reymud.assess.stages_data import (
    RunState,
    stage_cores,
    stage_data,
    stage_geochem,
    stage_qaqc,
    stage_window,
)
from reymud.assess.stages_estimate import (
    stage_block_model,
    stage_cross_validation,
    stage_resource,
    stage_simulation,
    stage_variography,
)
from reymud.assess.stages_supply import stage_production, stage_scenario, stage_supply
from reymud.spatial.io import write_grid

__all__ = ["SAVED_FRAMES", "STAGES", "Progress", "assess"]

#: progress(stage_label, stages_done, stages_total); called before each stage and once at the end.
Progress = Callable[[str, int, int], None]

#: (key, label, function) of every stage, in order; the report is rendered after the last one.
STAGES: tuple[tuple[str, str, Callable[[RunState], None]], ...] = (
    ("data", "data and import log", stage_data),
    ("qaqc", "QA/QC", stage_qaqc),
    ("geochemistry", "geochemistry", stage_geochem),
    ("cores", "layers and core summary", stage_cores),
    ("window", "depth window and projection", stage_window),
    ("variography", "variography", stage_variography),
    ("block_model", "block-model estimation", stage_block_model),
    ("cross_validation", "cross-validation", stage_cross_validation),
    ("resource", "classification and resource table", stage_resource),
    ("simulation", "conditional simulation", stage_simulation),
    ("supply", "element resource and supply security", stage_supply),
    ("production", "production schedule", stage_production),
    ("scenario", "export-restriction scenario", stage_scenario),
)

#: Frames saved into the project with ``Project.save_frame`` (docs/CONTRACTS.md, assess).
SAVED_FRAMES: tuple[str, ...] = (
    "core_summary", "layers", "samples_geochem", "window_points", "blocks", "resource_table", "grade_tonnage",
    "uncertainty", "element_resource", "supply_summary", "production_schedule", "cross_validation",
)

def _open(project: Any):
    from reymud.store import Project

    if isinstance(project, (str, Path)):
        path = Path(project)
        if not path.exists():
            raise FileNotFoundError(f"project {path} does not exist: create it with `reymud init` and "
                                    "`reymud ingest`, or run `reymud assess --demo`")
        return Project.open(path), True
    return project, False


def _results(state: RunState) -> dict[str, Any]:
    r = state.results
    synthetic = state.synthetic
    return {
        "schema_version": SCHEMA_VERSION,
        "title": ("SYNTHETIC DEMO - " if synthetic else "") + "REY-rich mud resource assessment",
        "synthetic": synthetic,
        "project": Path(str(state.project.path)).name,
        **{k: r[k] for k in ("data", "qaqc", "geochemistry", "cores", "window", "variography", "block_model",
                             "cross_validation", "resource", "grade_tonnage", "simulation", "uncertainty",
                             "supply", "production", "scenario")},
        "plan": r.get("plan", {}),
        "provenance": provenance(state),
        "warnings": list(dict.fromkeys(state.warnings)),
    }


def _save_frames(state: RunState) -> None:
    project = state.project
    for name in SAVED_FRAMES:
        frame = state.frames[name].copy()
        frame.attrs = jsonable(dict(frame.attrs))
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.CategoricalDtype):
                frame[col] = frame[col].astype(str)
        project.save_frame(name, frame)


def _save(state: RunState, out_dir: Path) -> dict[str, Path]:
    """Save the contract's frames into the project and the grids as CF NetCDF (project and out_dir)."""
    project = state.project
    session = getattr(project, "session", None)
    with session() if session is not None else contextlib.nullcontext():
        _save_frames(state)
    title = ("SYNTHETIC DEMO DATA - " if state.synthetic else "") + "reymud 2-D block model"
    paths: dict[str, Path] = {}
    for folder in (Path(project.artifact_dir), out_dir):
        paths["block_model"] = write_grid(state.objects["block_model"], folder / "block_model_2d.nc", title)
        paths["exceedance"] = write_grid(state.objects["exceedance"], folder / "exceedance.nc",
                                           title.replace("2-D block model", "exceedance probability"))
    return paths


def assess(project: Any, out_dir: str | Path, config: AssessConfig | None = None,
           progress: Progress | None = None, report: bool = True) -> AssessResult:
    """Run the whole assessment on a project and write its outputs.

    Parameters
    ----------
    project : reymud.store.Project or path
        The project (``*.duckdb``) holding ingested cores and assays.
    out_dir : str or Path
        Folder for ``report.html``, ``results.json``, ``block_model_2d.nc``, ``exceedance.nc``.
    config : AssessConfig, optional
        Every judgement default (see :class:`AssessConfig`).
    progress : callable, optional
        ``progress(stage_label, stages_done, stages_total)``.
    report : bool
        Render ``report.html`` (True by default).

    Returns
    -------
    AssessResult
        Frames, grids, the ``results.json`` dict and provenance. The same inputs, config and seed
        reproduce the same numbers (only ``provenance.timestamps`` differ).
    """
    config = config or AssessConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    project, opened = _open(project)
    state = RunState(project=project, config=config)
    dask_session = DaskSession(config).start()  # workers start while the first stages run
    state.objects["dask"] = dask_session
    state.timestamps["started_at"] = utc_now()
    seconds: dict[str, float] = {}
    state.timestamps["stage_seconds"] = seconds
    total = len(STAGES) + int(report) + 1
    notify = progress or (lambda label, done, n: None)
    current = {"stage": 0}
    state.on_detail = lambda detail: notify(detail, current["stage"], total)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i, (key, label, run) in enumerate(STAGES):
                current["stage"] = i
                notify(label, i, total)
                start = time.perf_counter()
                run(state)
                seconds[key] = round(time.perf_counter() - start, 3)
        package = str(Path(__file__).resolve().parents[1])
        state.warnings += [f"{w.category.__name__}: {w.message}" for w in caught  # reymud's own, not Dask's
                           if str(Path(w.filename).resolve()).startswith(package)
                           and not issubclass(w.category, (DeprecationWarning, ResourceWarning))]
        notify("saving results", len(STAGES), total)
        state.timestamps["finished_at"] = utc_now()
        results = _results(state)
        validate_results(results)
        start = time.perf_counter()
        paths = _save(state, out)
        seconds["save"] = round(time.perf_counter() - start, 3)
        result = AssessResult(results=results, frames=dict(state.frames), block_model=state.objects["block_model"],
                              exceedance=state.objects["exceedance"], provenance=results["provenance"],
                              paths=paths, objects={k: v for k, v in state.objects.items() if k != "dask"})
        if report:
            from reymud.report import write_report

            notify("report", len(STAGES) + 1, total)
            start = time.perf_counter()
            paths["report"] = write_report(result, out / "report.html", max_cells=config.max_display_cells)
            seconds["report"] = round(time.perf_counter() - start, 3)
        paths["results"] = out / "results.json"
        result.to_json(paths["results"])
        project.save_json("assess", "latest", result.to_dict())
        notify("done", total, total)
        return result
    finally:
        dask_session.close()
        if opened:
            project.close()
