"""CLI commands of the spatial group: ``variogram``, ``estimate``, ``validate``, ``simulate``.

Thin: read the project (store -> geochem.summarise -> cores.window_stats), call
:mod:`reymud.spatial`, render with rich.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reymud.cli._common import fail, fmt, open_project, parse_window, record_path, synthetic_banner

console = Console()
#: warnings and notes go to stderr so that ``--json`` output on stdout stays parseable
notes = Console(stderr=True)

ProjectArg = Annotated[Path, typer.Argument(help="Project file (*.duckdb).")]
WindowOpt = Annotated[str, typer.Option("--window", help="Depth window TOP-BASE in m below seafloor (mbsf).")]
CellOpt = Annotated[float, typer.Option("--cell", help="Block (cell) size in metres.")]
VariableOpt = Annotated[str, typer.Option("--variable", help="Variable to analyse (e.g. total_rey_ppm, thickness_m).")]


def _points(project, window: tuple[float, float] | None = None, plan=None, stderr_banner: bool = False):
    """Per-core window points with easting/northing, the summarised samples they come from, and the
    synthetic flag; the samples are returned so the 3-D model reuses them instead of re-reading the project.
    Built by :func:`reymud.spatial.points.window_points` (the same builder as ``assess``)."""
    from reymud.geochem import summarise
    from reymud.spatial.plan import EstimationPlan
    from reymud.spatial.points import NoPositionError, window_points

    if plan is None:
        plan = EstimationPlan() if window is None else EstimationPlan(window_top_mbsf=window[0],
                                                                       window_base_mbsf=window[1])
    samples = project.samples()
    if samples.empty:
        fail("the project has no samples; ingest assays first (`reymud ingest`)")
    samples = summarise(samples)
    try:
        pts = window_points(samples, project.cores(), plan)
    except NoPositionError as exc:
        fail(str(exc))
    for note in pts.attrs.get("notes", ()):
        notes.print(f"[yellow]note:[/] {note}", soft_wrap=True)
    if pts.attrs.get("dropped_cores"):
        notes.print(f"[yellow]note:[/] {len(pts.attrs['dropped_cores'])} core(s) without data in the window "
                      f"left out: {', '.join(pts.attrs['dropped_cores'][:10])}")
    if stderr_banner:  # --json: stdout carries the JSON only
        from reymud.cli._common import SYNTHETIC_BANNER, is_synthetic

        synthetic = is_synthetic(project)
        if synthetic:
            notes.print(SYNTHETIC_BANNER)
        return pts, samples, synthetic
    return pts, samples, synthetic_banner(project)


def load_plan(plan_file: Path | None, **overrides):
    """``--plan plan.yaml`` (or the defaults) with the command's options applied; fails cleanly."""
    from reymud.spatial.plan import EstimationPlan, PlanError

    if plan_file is not None and not Path(plan_file).exists():
        fail(f"--plan {plan_file} not found", 2)
    try:
        return EstimationPlan.from_yaml(plan_file, **overrides)
    except PlanError as exc:
        fail(str(exc), 2)


def resolve_cli_plan(project: Path | None, plan_file: Path | None, **overrides):
    """The run's plan and its source (:func:`reymud.spatial.plan.resolve_plan`): ``--plan FILE``, else
    the plan stored in the project (``reymud plan set``), else the defaults; options apply on top.

    Fails cleanly (exit 2) on a missing/invalid plan file, a missing project or an invalid stored plan.
    """
    from reymud.spatial.plan import PlanError, resolve_plan
    from reymud.store import StoreError

    if project is not None and not Path(project).exists():
        open_project(project)  # the one "project not found" message
    try:
        return resolve_plan(project, plan_file, **overrides)
    except PlanError as exc:
        fail(str(exc), 2)
    except StoreError as exc:
        fail(str(exc), 1)


def window_overrides(window: str | None) -> dict:
    """``--window TOP-BASE`` as plan fields (empty when not given)."""
    if window is None:
        return {}
    top, base = parse_window(window)
    return {"window_top_mbsf": top, "window_base_mbsf": base}


def _saved_model(project, name: str):
    from reymud.spatial import VariogramModel

    try:
        if name in project.list_json("variogram"):
            return VariogramModel.from_dict(project.load_json("variogram", name))
    except (KeyError, ValueError, TypeError):
        return None
    return None


def _model_table(model, title: str) -> Table:
    t = Table(title=title)
    for c in ("structure", "sill", "range_m", "range_minor_m", "azimuth_deg"):
        t.add_column(c, justify="right" if c != "structure" else "left")
    t.add_row("nugget", fmt(model.nugget, 4), "", "", "")
    for s in model.structures:
        t.add_row(s.kind, fmt(s.sill, 4), f"{s.range_m:,.0f}", f"{s.minor_m:,.0f}", f"{s.azimuth_deg:.1f}")
    return t


PlanOpt = Annotated[Path | None, typer.Option("--plan", help="YAML estimation plan (see reymud.spatial.plan); "
                                                             "options given here override it.")]
AreaOpt = Annotated[str | None, typer.Option("--area", help="Area of interest: minlon,minlat,maxlon,maxlat or a "
                                                            "GeoJSON polygon file (default: the cores' convex "
                                                            "hull plus the margin).")]


def variogram(
    project: ProjectArg,
    variable: VariableOpt = "total_rey_ppm",
    window: Annotated[str | None, typer.Option("--window", help="Depth window TOP-BASE in mbsf [plan: 0-10].")] = None,
    azimuth: Annotated[str | None, typer.Option(help="Directions, degrees clockwise from north, comma-separated "
                                                      "(e.g. 0,90); omit for omnidirectional.")] = None,
    angle_tol: Annotated[float, typer.Option(help="Angular half-tolerance of a direction, degrees.")] = 22.5,
    bandwidth: Annotated[float | None, typer.Option(help="Max perpendicular pair offset, metres.")] = None,
    lags: Annotated[int | None, typer.Option(help="Number of lag classes [plan: 12].")] = None,
    max_lag: Annotated[float | None, typer.Option(help="Largest lag, metres (default half the extent; with "
                                                       "--plan its max_lag_fraction of the diagonal).")] = None,
    kinds: Annotated[str | None, typer.Option(help="Nested structures, comma-separated: spherical, exponential, "
                                                   "gaussian [plan: spherical].")] = None,
    nscore: Annotated[bool, typer.Option("--nscore", help="Normal-score transform the values first.")] = False,
    name: Annotated[str | None, typer.Option(help="Name to save the model under (default the variable, "
                                                  "with _nscore appended for --nscore).")] = None,
    plan_file: PlanOpt = None,
) -> None:
    """Experimental variogram and fitted model; the model is saved to the project.

    With a plan trend (linear/quadratic) the variogram is of the trend-surface residuals, as the
    estimate's universal kriging needs (normal scores: of the data, as the simulation uses)."""
    from reymud.spatial import NormalScoreTransform, VariogramFitError, experimental_variogram, fit_variogram
    from reymud.spatial.trend import TrendSurface

    plan, source = resolve_cli_plan(project, plan_file, n_lags=lags, variogram_kinds=None if kinds is None else
                                    [k.strip() for k in kinds.split(",")], **window_overrides(window))
    with open_project(project) as proj:
        pts, _, _ = _points(proj, plan=plan)
        console.print(f"plan source: {source}", highlight=False)
        if variable not in pts.columns:
            fail(f"unknown variable {variable!r}; choose from {[c for c in pts.columns if c.endswith(('_m', '_ppm'))]}", 2)
        pts = pts[np.isfinite(pts[variable])]
        xy = pts[["easting", "northing"]].to_numpy(float)
        z = pts[variable].to_numpy(float)
        trend = "none" if nscore else plan.trend
        if nscore:
            z = NormalScoreTransform().fit(z).transform(z)
        elif trend != "none":
            z = TrendSurface(trend).fit(xy, z).residuals(xy, z)
            console.print(f"variogram of the residuals of the plan's {trend} trend", highlight=False)
        if max_lag is None and source != "defaults":
            max_lag = plan.max_lag_fraction * float(np.hypot(*np.ptp(xy, axis=0)))
        az = None if azimuth is None else [float(a) for a in azimuth.split(",")]
        try:
            exp = experimental_variogram(xy, z, n_lags=plan.n_lags,
                                         max_lag=max_lag, azimuth=az, angle_tol=angle_tol, bandwidth=bandwidth)
        except ValueError as exc:
            fail(str(exc))
        table = Table(title=f"experimental variogram of {variable}{' (normal scores)' if nscore else ''}")
        for c in ("azimuth", "lag_m", "gamma", "n_pairs"):
            table.add_column(c, justify="right")
        for r in exp.itertuples():
            table.add_row("omni" if not np.isfinite(r.azimuth) else f"{r.azimuth:.0f}", f"{r.lag_m:,.0f}",
                          fmt(float(r.gamma), 4), str(r.n_pairs))
        console.print(table)
        try:
            model = fit_variogram(exp, tuple(plan.variogram_kinds), nugget=True, weighting=plan.variogram_weighting)
        except VariogramFitError as exc:
            fail(f"variogram of {variable}: {exc}")
        console.print(_model_table(model, "fitted model (practical ranges, azimuth clockwise from north)"))
        key = name or (f"{variable}_nscore" if nscore else variable)
        proj.save_json("variogram", key, {**model.to_dict(), "variable": variable, "window_mbsf": list(plan.window),
                                          "nscore": nscore, "trend": trend})
        console.print(f"saved as variogram '{key}'; gstools: {model.to_gstools()!r}")


def _block_model(proj, pts, plan, synthetic):
    """The plan's grid (area of interest, block fractions) and block model of the window points."""
    from reymud.spatial import estimate_block_model
    from reymud.spatial.blockmodel import fit_plan_model, plan_grid
    from reymud.spatial.variogram import plan_resolution

    models = {v: m for v in ("total_rey_ppm", "thickness_m", "overburden_m")
              if (m := _saved_model(proj, v)) is not None}
    xy = pts[["easting", "northing"]].to_numpy(float)
    for v in ("total_rey_ppm", "thickness_m"):  # not saved by `reymud variogram`: the plan's fit, as assess
        if v not in models and v in pts.columns:
            _, models[v], how, warning = fit_plan_model(xy, pts[v].to_numpy(float), plan, v)
            if warning:
                notes.print(f"[yellow]warning:[/] {warning}")
            elif how.startswith("not fitted"):
                notes.print(f"note: variogram {v} {how}", highlight=False)
    if len(pts) < plan.min_samples:
        fail(f"only {len(pts)} cores with data in the window; the neighbourhood needs {plan.min_samples} "
             "(lower --min-samples)")
    grid, fractions, aoi = plan_grid(pts, plan)
    ds = estimate_block_model(pts, grid=grid, models=models, neighbourhood=plan.neighbourhood(),
                              block=plan.block_discretisation, inside=fractions > 0, window=plan.window,
                              synthetic=synthetic, plan=plan.to_dict(), drift=plan.trend)
    ds["aoi_fraction"] = fractions
    ds.attrs["area_of_interest"] = aoi.describe(grid.crs)
    # facts the classification's variogram-resolution rules read (range vs extent, pairs per lag, LOO)
    ds.attrs["variogram_resolution"] = json.dumps(plan_resolution(pts, plan, models.get("total_rey_ppm")))
    return ds, grid


def estimate(
    project: ProjectArg,
    plan_file: PlanOpt = None,
    area: AreaOpt = None,
    cell: Annotated[float | None, typer.Option("--cell", help="Block (cell) size in metres [plan: 250].")] = None,
    window: Annotated[str | None, typer.Option("--window", help="Depth window TOP-BASE in mbsf [plan: 0-10].")] = None,
    slices: Annotated[float | None, typer.Option(help="Also build a 3-D model of depth slices this thick, "
                                                      "metres (e.g. 1).")] = None,
    margin: Annotated[float | None, typer.Option(help="Margin around the cores' hull for the default area, "
                                                      "metres [plan: 2000].")] = None,
    trend: Annotated[str | None, typer.Option(help="Drift: none, linear or quadratic [plan: none].")] = None,
    max_samples: Annotated[int | None, typer.Option(help="Most cores used per block [plan: 16].")] = None,
    min_samples: Annotated[int | None, typer.Option(help="Fewest cores to estimate a block [plan: 3].")] = None,
    out: Annotated[Path | None, typer.Option(help="Output file (.nc NetCDF or .zarr); default "
                                                  "<project>.files/block_model_2d.nc.")] = None,
) -> None:
    """Block model (thickness, overburden, grades, kriging diagnostics) written to NetCDF/Zarr."""
    from reymud.defaults import ARTIFACT_BLOCK_MODEL_2D
    from reymud.spatial import write_grid
    from reymud.spatial.io import check_grid_path

    if cell is not None and not cell > 0:
        fail("--cell must be > 0 m", 2)
    plan, source = resolve_cli_plan(project, plan_file, area=area, cell_m=cell, margin_m=margin, trend=trend,
                                    max_samples=max_samples, min_samples=min_samples, slice_m=slices,
                                    **window_overrides(window))
    win = plan.window
    if out is not None:
        try:
            check_grid_path(out)
        except ValueError as exc:
            fail(f"--out {exc}", 2)
    with open_project(project) as proj:
        pts, samples, synthetic = _points(proj, plan=plan)
        console.print(plan.describe(source), highlight=False)
        with console.status(f"kriging the blocks of the area from {len(pts)} cores"), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                ds, grid = _block_model(proj, pts, plan, synthetic)
            except ValueError as exc:
                fail(str(exc))
        ds.attrs["plan_source"] = source
        for w in caught:
            notes.print(f"[yellow]warning:[/] {w.message}")
        console.print(ds.attrs["area_of_interest"], highlight=False)
        path = out or proj.artifact_dir / ARTIFACT_BLOCK_MODEL_2D
        path.parent.mkdir(parents=True, exist_ok=True)
        write_grid(ds, path, "reymud block model (2-D)")
        proj.save_json("grid", path.stem, {"path": record_path(path, proj.artifact_dir), "kind": "block_model_2d",
                                           "crs": grid.crs, "cell_size_m": plan.cell_m, "window_mbsf": list(win),
                                           "plan": plan.to_dict(), "plan_source": source})
        proj.save_json("plan", "estimate", plan.to_dict())
        _summary(ds, path)
        if plan.slice_m:
            from reymud.spatial._reconcile import SliceReconciliationWarning
            from reymud.spatial.slices import plan_block_model_3d

            with warnings.catch_warnings(record=True) as caught3:
                warnings.simplefilter("always")  # per-slice fit notes stay quiet; a slice/column mismatch is said
                ds3 = plan_block_model_3d(samples, pts, grid, plan, ds, synthetic, source)  # as assess builds it
            for w in caught3:
                if issubclass(w.category, SliceReconciliationWarning):
                    notes.print(f"[yellow]warning:[/] {w.message}")
            plan3 = plan.replace(cutoff_basis="slice", smu_thickness_m=float(plan.slice_m))
            p3 = path.with_name(path.stem.replace("2d", "3d") + ("_3d" if "2d" not in path.stem else "")
                                + path.suffix)
            write_grid(ds3, p3, "reymud block model (3-D depth slices)")
            proj.save_json("grid", p3.stem, {"path": record_path(p3, proj.artifact_dir), "kind": "block_model_3d",
                                             "crs": grid.crs, "cell_size_m": plan.cell_m,
                                             "slice_thickness_m": float(plan.slice_m), "plan": plan3.to_dict()})
            totals = ("slice totals rescaled to the 2-D model per block" if ds3.attrs["slice_totals"] == "column"
                      else "slices kriged independently")
            console.print(f"3-D model: {ds3.sizes['depth_mbsf']} slices ({totals}) -> {p3}")


def _summary(ds, path: Path) -> None:
    inside = ds["inside"].values
    t = Table(title=f"block model {ds.sizes['northing']} x {ds.sizes['easting']} cells of "
                    f"{ds.attrs['cell_size_m']:.0f} m ({ds.attrs['crs']})")
    t.add_column("variable")
    for c in ("mean", "min", "max"):
        t.add_column(c, justify="right")
    for v in ("thickness_m", "overburden_m", "total_rey_ppm", "total_rey_ppm_variance", "slope_of_regression",
              "kriging_efficiency", "nearest_core_m"):
        a = ds[v].values[inside]
        a = a[np.isfinite(a)]
        t.add_row(v, *(fmt(float(f(a)) if a.size else None) for f in (np.mean, np.min, np.max)))
    console.print(t)
    console.print(f"{int(inside.sum()):,} blocks inside the area of interest; written {path}")


def validate(
    project: ProjectArg,
    plan_file: PlanOpt = None,
    variable: VariableOpt = "total_rey_ppm",
    window: Annotated[str | None, typer.Option("--window", help="Depth window TOP-BASE in mbsf [plan: 0-10].")] = None,
    folds: Annotated[int, typer.Option(help="Spatial k-fold: number of folds (blocks of space).")] = 5,
    cell: Annotated[float | None, typer.Option("--cell", help="Block (cell) size in metres [plan: 250].")] = None,
    max_samples: Annotated[int | None, typer.Option(help="Most cores used per estimate [plan: 16].")] = None,
) -> None:
    """Cross-validation (leave-one-out and spatial k-fold), declustering and swath data."""
    from reymud.spatial import (
        Neighbourhood,
        OrdinaryKriging,
        cell_declustering,
        cross_validate,
        swath,
    )
    from reymud.spatial.blockmodel import fit_plan_model

    if cell is not None and not cell > 0:
        fail("--cell must be > 0 m", 2)
    plan, source = resolve_cli_plan(project, plan_file, cell_m=cell, max_samples=max_samples,
                                    **window_overrides(window))
    with open_project(project) as proj:
        pts, _, _ = _points(proj, plan=plan)
        if variable not in pts.columns:
            fail(f"unknown variable {variable!r}", 2)
        pts = pts[np.isfinite(pts[variable])]
        xy = pts[["easting", "northing"]].to_numpy(float)
        z = pts[variable].to_numpy(float)
        console.print(plan.describe(source), highlight=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = _saved_model(proj, variable) or fit_plan_model(xy, z, plan, variable)[1]
        est = OrdinaryKriging(model, Neighbourhood(max_samples=plan.max_samples, min_samples=2), drift=plan.trend)
        try:
            loo = cross_validate(est, xy, z, "loo")
            kf = cross_validate(est, xy, z, min(folds, len(z)))
        except ValueError as exc:
            fail(str(exc))
        t = Table(title=f"cross-validation of {variable} ({model.describe()})")
        t.add_column("statistic")
        t.add_column("leave-one-out", justify="right")
        t.add_column(f"spatial {folds}-fold", justify="right")
        for key in loo.attrs["summary"]:
            t.add_row(key, fmt(loo.attrs["summary"][key], 4), fmt(kf.attrs["summary"][key], 4))
        console.print(t)
        proj.save_frame("cross_validation", loo.assign(variable=variable))
        span = float(np.ptp(xy, axis=0).max()) or 1.0
        dec = cell_declustering(xy, z, np.linspace(span / 20, span / 2, 8))
        t = Table(title="cell declustering")
        for c in ("cell_size_m", "declustered_mean", "naive_mean"):
            t.add_column(c, justify="right")
        for r in dec.itertuples():
            t.add_row(f"{r.cell_size_m:,.0f}", fmt(r.declustered_mean, 5), fmt(r.naive_mean, 5))
        console.print(t)
        from reymud.spatial import Grid

        grid = Grid.around(pts, plan.cell_m, 0.0, crs=pts.attrs["crs"])
        ds = est.fit(xy, z).predict(grid).rename({"estimate": variable})
        for axis in ("easting", "northing"):
            sw = swath(ds, pts, variable, axis=axis, n_bands=6)
            t = Table(title=f"swath along {axis}")
            for c in ("band_centre_m", "mean_estimate", "n_cells", "mean_data", "n_data"):
                t.add_column(c, justify="right")
            for r in sw.itertuples():
                t.add_row(f"{r.band_centre_m:,.0f}", fmt(r.mean_estimate, 5), str(r.n_cells),
                          fmt(r.mean_data, 5), str(r.n_data))
            console.print(t)


def simulate(
    project: ProjectArg,
    plan_file: PlanOpt = None,
    realizations: Annotated[int | None, typer.Option(help="Number of realisations [plan: 100].")] = None,
    variable: VariableOpt = "total_rey_ppm",
    window: Annotated[str | None, typer.Option("--window", help="Depth window TOP-BASE in mbsf [plan: 0-10].")] = None,
    cell: Annotated[float | None, typer.Option("--cell", help="Block (cell) size in metres [plan: 250].")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 "
                                                       "(default: a local cluster).")] = None,
    workers: Annotated[int, typer.Option(help="Local Dask workers (1 thread each); 0 runs in this process "
                                              "without Dask.")] = 2,
    seed: Annotated[int | None, typer.Option(help="Random seed (identical results whatever the workers) "
                                                  "[plan: 20260202].")] = None,
    cutoffs: Annotated[str | None, typer.Option(help="Cut-offs in ppm total REY, comma-separated (0 = no cut-off, "
                                                     "always reported) [plan: 400,1000,2000].")] = None,
    out: Annotated[Path | None, typer.Option(help="Output NetCDF (default <project>.files/realizations.nc).")] = None,
    area: Annotated[str | None, typer.Option(help="Area of interest: lon/lat box 'minlon,minlat,maxlon,maxlat' or a "
                                                  "GeoJSON file; blocks count by their fraction inside.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the P10/P50/P90 table as JSON.")] = False,
) -> None:
    """Conditional simulation on the kriged estimate's blocks; prints P10/P50/P90 and the kriged value."""
    from reymud.resource import uncertainty_summary
    from reymud.spatial import write_grid
    from reymud.spatial.simulate import nscore_model_for, simulate_blocks

    if realizations is not None and realizations < 1:
        fail("--realizations must be >= 1", 2)
    if cell is not None and not cell > 0:
        fail("--cell must be > 0 m", 2)
    # the simulation runs on the estimate's own blocks: the plan's grid (sim_cell_m = cell_m)
    plan, source = resolve_cli_plan(project, plan_file, area=area, cell_m=cell, seed=seed,
                                    **window_overrides(window))
    plan = plan.replace(sim_cell_m=plan.cell_m)
    realizations = realizations or plan.n_realizations
    seed = plan.seed
    with open_project(project) as proj:
        pts, _, synthetic = _points(proj, plan=plan, stderr_banner=as_json)
        pts = pts[np.isfinite(pts[variable])]
        if not as_json:
            console.print(plan.describe(source), highlight=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ds, grid = _block_model(proj, pts, plan, synthetic)
            except ValueError as exc:
                fail(f"--area: {exc}" if area else str(exc), 2 if area else 1)
            # declustered normal scores (polygonal weights over the estimate's blocks), as simulate_blocks uses
            model = _saved_model(proj, f"{variable}_nscore")
        if model is not None and plan.trend != "none":  # `reymud variogram --nscore`: the data's scores
            if not as_json:
                notes.print(f"note: the saved {variable}_nscore model (normal scores of the data) is not used: the "
                            f"plan's {plan.trend} trend is simulated, so the variogram of the trend residuals' "
                            "normal scores is fitted", highlight=False)
            model = None
        if model is None:  # the one recipe (also assess's): declustered normal scores (of trend residuals), unit sill
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model, _, _ = nscore_model_for(pts, variable, ds, trend=plan.trend)
            for w in caught:
                if not as_json:
                    notes.print(f"[yellow]warning:[/] {w.message}", highlight=False)
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, disable=as_json) as bar:
            task = bar.add_task(f"simulating {grid.nx * grid.ny:,} cells", total=realizations)
            try:
                real = simulate_blocks(pts, variable, model, ds, realizations, seed,
                                       client=scheduler or ('sync' if workers == 0 else None),
                                       n_workers=workers, progress=lambda d, n, info: bar.update(task, completed=d))
            except (ValueError, OSError) as exc:
                fail(str(exc))
        path = out or proj.artifact_dir / "realizations.nc"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_grid(real.to_dataset(), path, "reymud conditional realisations")
        proj.save_json("grid", path.stem, {"path": record_path(path, proj.artifact_dir), "kind": "realizations", "variable": variable,
                                           "n_realizations": realizations, "seed": seed,
                                           "plan": plan.to_dict(), "plan_source": source})
        if not as_json:
            console.print(f"{realizations} realisations ({real.attrs['method']}) -> {path}")
        if variable != "total_rey_ppm":
            return  # tonnage summaries are defined on total REY grade realisations
        try:
            cuts = (sorted({0.0, *plan.cutoffs_ppm}) if cutoffs is None
                    else [float(c) for c in cutoffs.split(",") if c.strip()])
        except ValueError:
            fail(f"--cutoffs {cutoffs!r}: give comma-separated numbers in ppm, e.g. 0,400,1000", 2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            summ = uncertainty_summary(real, ds, cuts, by_class="resource_class" in ds)
        if as_json:
            cols = ["resource_class", "cutoff", "element", "quantity", "unit", "p10", "p25", "p50", "p75", "p90",
                    "mean", "kriged", "kriged_in_p25_p75"]
            typer.echo(json.dumps({"rows": summ[cols].to_dict(orient="records"),
                                   "how": {k: (v if isinstance(v, (int, float, str, list, dict)) else str(v))
                                           for k, v in summ.attrs.items()},
                                   "warnings": [str(w.message) for w in caught]}, default=str))
            return
        t = Table(title="P10 / P50 / P90 above cut-off (tonnes), kriged value over the same blocks")
        for c in ("cutoff", "element", "p10", "p50", "p90", "kriged"):
            t.add_column(c, justify="right")
        for r in summ[summ["resource_class"] == "all"].itertuples():
            t.add_row(f"{r.cutoff:,.0f}", str(r.element),
                      *(f"{getattr(r, c):,.0f}" for c in ("p10", "p50", "p90", "kriged")))
        console.print(t)
        console.print(f"{summ.attrs['n_realizations']} realisations, seeds {summ.attrs['seeds']}; "
                      + "; ".join(f"{k}: {v}" for k, v in summ.attrs["simulation"].items()))
        for w in caught:
            notes.print(f"[yellow]warning: {w.message}[/]")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("variogram")(variogram)
    app.command("estimate")(estimate)
    app.command("validate")(validate)
    app.command("simulate")(simulate)
