"""Assessment stages of the estimate: variography, block model, validation, resource, simulation."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import xarray as xr

from reymud import resource
from reymud.assess.cluster import DaskSession
from reymud.assess.products import (
    BlockModelProduct,
    CrossValidationProduct,
    GeochemProduct,
    ResourceProduct,
    RunContext,
    SimulationProduct,
    VariographyProduct,
    WindowProduct,
)
from reymud.assess.results import jsonable, records
from reymud.elements import REY
from reymud.resource.basis import statement_blocks
from reymud.resource.config import DensitySpec
from reymud.spatial import (
    OrdinaryKriging,
    cell_declustering,
    cross_validate,
    cv_summary,
    estimate_block_model,
    swath,
)
from reymud.spatial.blockmodel import fit_plan_model, plan_grid
from reymud.spatial.crs import Grid
from reymud.spatial.simulate import nscore_model_for, score_basis, simulate_blocks
from reymud.spatial.slices import plan_block_model_3d
from reymud.spatial.variogram import experimental_variogram, plan_resolution, variogram_diagnostics

__all__ = [
    "stage_block_model",
    "stage_cross_validation",
    "stage_resource",
    "stage_simulation",
    "stage_variography",
]

VARIOGRAM_VARIABLES: tuple[str, ...] = ("total_rey_ppm", "thickness_m")
#: what the simulation says of the plan's trend (spatial._simtrend), copied into ``simulation.band_method``
SIMULATION_TREND_ATTRS: tuple[str, ...] = ("trend", "trend_method", "trend_clipped_share", "trend_space")
RESOURCE_TABLE_COLUMNS: tuple[str, ...] = (
    "cutoff", "class", "row_type", "n_blocks", "area_km2", "volume_m3", "dry_t", "total_rey_ppm", "treo_ppm",
    "contained_rey_t", "treo_t",
)


def _fit(ctx: RunContext, name: str, xy: np.ndarray, values: np.ndarray):
    """Experimental variogram and fitted model of one variable (the plan's recipe, shared with
    ``reymud estimate``; fallback: ``auto_model``)."""
    plan = ctx.config.plan()
    if name.endswith("_nscore"):  # the simulation has no drift: its normal-score variogram is of the data
        plan = plan.replace(trend="none")
    experimental, model, how, warning = fit_plan_model(xy, values, plan, name)
    if warning:
        ctx.warnings.append(warning)
    return experimental.assign(variable=name), model, how


def _diagnostics(ctx: RunContext, name: str, experimental, model, xy: np.ndarray, values: np.ndarray) -> list[str]:
    """Variogram warnings (range beyond the survey, sill vs variance, thin lags), printed and stored."""
    ok = np.isfinite(values)
    if ok.sum() < 2 or not np.ptp(values[ok]) > 0:  # constant data are not kriged: nothing to diagnose
        return []
    extent = float(np.hypot(*np.ptp(xy[ok], axis=0)))
    found = [f"variogram {name}: {w}" for w in variogram_diagnostics(experimental, model, values[ok], extent)]
    ctx.warnings.extend(found)
    return found


def stage_variography(ctx: RunContext, window: WindowProduct) -> VariographyProduct:
    """Experimental variograms and fitted models of total REY and thickness (the estimation's).

    The normal-score variogram of the simulation is fitted by the simulation stage on scores
    declustered over the estimate's blocks; its entry ``total_rey_ppm_nscore`` of the
    ``variography`` section is that fit (:attr:`SimulationProduct.variography_entry`).
    """
    points = window.points
    xy = points[["easting", "northing"]].to_numpy(float)
    models, curves, experimental, section = {}, {}, [], {}
    targets = [(v, points[v].to_numpy(float), None) for v in VARIOGRAM_VARIABLES]
    for name, values, transform in targets:
        exp, model, how = _fit(ctx, name, xy, values)
        models[name] = model
        experimental.append(exp)
        lag = np.linspace(0.0, float(exp["lag_m"].max()) * 1.1 if len(exp) else 1.0, 120)
        curves[name] = (lag, np.asarray(model.variogram(lag), float))
        section[name] = {"model": jsonable(model.to_dict()), "experimental": records(exp.drop(columns="variable")),
                         "transform": transform, "method": how, "sill": float(model.sill),
                         "data_variance": float(np.nanvar(values, ddof=0)),
                         "trend": ctx.config.trend,
                         "diagnostics": _diagnostics(ctx, name, exp, model, xy, values)}
    return VariographyProduct(models=models, curves=curves, experimental=pd.concat(experimental, ignore_index=True),
                              section=section)


def estimate_on(ctx: RunContext, window: WindowProduct, variography: VariographyProduct,
                cell_m: float) -> tuple[xr.Dataset, Grid]:
    """BLOCK MODEL of the window points on the plan's grid of ``cell_m`` cells (area of interest:
    the plan's, default the cores' convex hull plus the margin; blocks weighted by ``aoi_fraction``)."""
    cfg, points = ctx.config, window.points
    plan = cfg.plan().replace(cell_m=cell_m)
    grid, fractions, aoi = plan_grid(points, plan)
    models = {k: v for k, v in variography.models.items() if k in VARIOGRAM_VARIABLES}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # constant overburden etc.: noted in ds attrs
        ds = estimate_block_model(
            points, grid=grid, models=models,
            estimator=OrdinaryKriging(None, plan.neighbourhood(), plan.block_discretisation, drift=plan.trend),
            inside=fractions > 0, window=plan.window,
            domain="rey_rich" if cfg.thickness_above_threshold else "window", synthetic=ctx.synthetic,
            plan=plan.to_dict())
    ds["aoi_fraction"] = fractions
    ds.attrs["area_of_interest"] = aoi.describe(grid.crs)
    ds.attrs["variogram_resolution"] = json.dumps(  # read by the classification's resolution rules
        plan_resolution(points, plan, models.get("total_rey_ppm")))
    return ds, grid


def stage_block_model(ctx: RunContext, window: WindowProduct, variography: VariographyProduct,
                      chem: GeochemProduct) -> BlockModelProduct:
    """2-D block model (ordinary block kriging) of thickness, overburden, total REY and each REY.

    A plan whose cut-off applies per slice (``cutoff_basis: slice``) also gets the 3-D model of the
    window in slices of ``slice_m`` (else ``smu_thickness_m``) on the same blocks
    (:func:`reymud.spatial.slices.plan_block_model_3d`, as ``reymud estimate --slices``).
    """
    ds, grid = estimate_on(ctx, window, variography, ctx.config.cell_m)
    ds3 = None
    if ctx.config.cutoff_basis == "slice":
        ds3 = plan_block_model_3d(chem.samples, window.points, grid, ctx.config.plan(), ds, ctx.synthetic,
                                  ctx.config.plan_source)
    inside = ds["inside"].to_numpy()
    area_km2 = float(np.where(inside, ds["aoi_fraction"].to_numpy(), 0.0).sum()) * grid.cell_m**2 / 1e6
    names = ["thickness_m", "overburden_m", "total_rey_ppm", "nearest_core_m", "slope_of_regression",
             "kriging_efficiency"]
    means = {v: jsonable(float(np.nanmean(np.where(inside, np.asarray(ds[v], dtype=float), np.nan))))
             for v in names if v in ds and inside.any()}
    section = {
        "crs": str(ds.attrs.get("crs", "")), "cell_size_m": float(grid.cell_m), "nx": int(grid.nx),
        "ny": int(grid.ny), "n_cells": int(grid.nx * grid.ny), "n_inside": int(inside.sum()),
        "area_inside_km2": area_km2, "x0_m": float(grid.x0), "y0_m": float(grid.y0),
        "estimator": str(ds.attrs.get("estimator", "")), "means": means,
        "block_discretisation": list(ctx.config.block_discretisation),
        "area_of_interest": str(ds.attrs.get("area_of_interest", "")),
    }
    if ds3 is not None:
        section["slices"] = {"slice_thickness_m": float(ds3.attrs["slice_thickness_m"]),
                             "n_slices": int(ds3.sizes["depth_mbsf"]),
                             "depth_mbsf": [float(d) for d in ds3["depth_mbsf"].to_numpy()],
                             "estimator": str(ds3.attrs.get("estimator", ""))}
    return BlockModelProduct(block_model=ds, grid=grid, plan=ctx.config.plan(), section=section,
                             block_model_3d=ds3)


def stage_cross_validation(ctx: RunContext, window: WindowProduct, variography: VariographyProduct,
                           block: BlockModelProduct) -> CrossValidationProduct:
    """Leave-one-out (or k-fold) cross-validation, swath plots and declustered mean."""
    cfg, points, ds = ctx.config, window.points, block.block_model
    xy = points[["easting", "northing"]].to_numpy(float)
    frames, summary = [], []
    for name in VARIOGRAM_VARIABLES:
        estimator = OrdinaryKriging(variography.models[name], neighbourhood=cfg.plan().neighbourhood())
        values = points[name].to_numpy(float)
        ok = np.isfinite(values)
        with warnings.catch_warnings():
            if np.ptp(values[ok]) == 0:  # e.g. every core spans the window: the block model notes it already
                warnings.filterwarnings("ignore", message=r".*zero variance", category=UserWarning)
            cv = cross_validate(estimator, xy[ok], values[ok], folds=cfg.cv_folds, seed=cfg.seed)
        frames.append(cv.assign(variable=name, core_id=points["core_id"].to_numpy()[ok]))
        summary.append({"variable": name, **jsonable(cv.attrs.get("summary", cv_summary(cv)))})
    table = pd.concat(frames, ignore_index=True)
    swaths = pd.concat([swath(ds, points, "total_rey_ppm", axis=a).assign(axis=a)
                        for a in ("easting", "northing")], ignore_index=True)
    values = points["total_rey_ppm"].to_numpy(float)
    ok = np.isfinite(values)
    xy, values = xy[ok], values[ok]
    span = float(np.ptp(xy, axis=0).max())
    declus = cell_declustering(xy, values, [span / k for k in (8, 6, 4, 3, 2)])
    best = declus.attrs.get("best_cell_size_m")
    row = declus.loc[declus["cell_size_m"] == best] if best is not None else declus.iloc[[0]]
    inside = ds["inside"].to_numpy()
    cv_points = table[["variable", "core_id", "easting", "northing", "true", "estimate",
                                                   "error", "std_error"]]
    swath_cols = ["axis", "band_centre_m", "mean_estimate", "n_cells", "mean_data", "n_data"]
    section = {
        "folds": cfg.cv_folds, "summary": summary, "points": records(cv_points),
        "swath": records(swaths[[c for c in swath_cols if c in swaths]]),
        "global_mean": {
            "data_mean_ppm": float(values.mean()),
            "declustered_mean_ppm": jsonable(row["declustered_mean"].iloc[0]),
            "declustering_cell_m": jsonable(row["cell_size_m"].iloc[0]),
            "block_mean_ppm": jsonable(float(np.nanmean(np.where(inside, ds["total_rey_ppm"], np.nan)))),
        },
    }
    return CrossValidationProduct(table=table, swath=swaths, section=section)


def _slab_check(points: pd.DataFrame, area_km2: float, density_t_m3: float, gt: pd.DataFrame) -> dict:
    """Takaya-style slab of the data alone: area x mean core thickness x density x mean core grade.

    Compared with the block model's contained TREO at the lowest grade-tonnage cut-off (normally 0).
    """
    thickness = float(points["thickness_m"].mean())
    grade = float(points["total_rey_ppm"].mean())
    pattern = {e: float(points[e].mean()) for e in REY if e in points.columns}
    slab = resource.slab_tonnage(area_km2, thickness, grade, density_t_m3, oxide_factor=pattern or None)
    lowest = gt.loc[gt["cutoff"] == gt["cutoff"].min()]
    slab.update(area_km2=area_km2, mean_thickness_m=thickness, mean_grade_ppm=grade,
                block_model_treo_t=float(lowest["treo_t"].iloc[0]) if len(lowest) else None,
                inputs_basis="measured: the project's cores (mean thickness and mean total REY in the window); "
                             "density: the resource stage's stated density; oxide factor: the mud's own measured "
                             "REY pattern (TREO/REY mass ratio of the window's mean pattern), not PAAS"
                             if pattern else "oxide factor: PAAS fallback (no REY columns in the window points)")
    return jsonable(slab)


def stage_resource(ctx: RunContext, window: WindowProduct, block: BlockModelProduct) -> ResourceProduct:
    """Classification, blocks table, resource table by cut-off, grade-tonnage, slab check.

    The cut-off applies per column of the 2-D model, or with ``cutoff_basis: slice`` per selective
    mining unit of ``smu_thickness_m`` (the 3-D model's slices merged into SMUs): the blocks are
    those of :func:`reymud.resource.basis.statement_blocks`, as ``reymud resource`` makes them.
    """
    cfg, ds = ctx.config, block.block_model
    density = DensitySpec.resolve(cfg.density_t_m3, "density_t_m3 of the assessment config")
    rcfg = resource.ResourceConfig.with_density(density, cutoffs=tuple(cfg.cutoffs_ppm))
    per_smu = block.block_model_3d is not None
    made = statement_blocks(block.block_model_3d if per_smu else ds, rcfg.rules, density.blocks_density,
                            cfg.smu_thickness_m if per_smu else None, strict=True)
    blocks = made.blocks
    classes = resource.classify_blocks(ds, rcfg.rules)  # of the 2-D model (the class map; the column's classes)
    table = resource.resource_table(blocks, rcfg.cutoffs)
    gt = resource.grade_tonnage(blocks, cfg.grade_tonnage_cutoffs_ppm)
    if per_smu:
        counts = blocks["class"].astype(str).value_counts()
    else:
        counts = pd.Series(np.asarray(classes.to_numpy(), dtype=str)[ds["inside"].to_numpy()]).value_counts()
    slab = _slab_check(window.points, block.section["area_inside_km2"], rcfg.density_t_m3, gt)
    section = {
        "density_t_m3": rcfg.density_t_m3,
        "density_source": str(blocks.attrs.get("density_source", "")),
        "density_basis": rcfg.density_basis,
        "cutoffs_ppm": [float(c) for c in rcfg.cutoffs],
        "classification_rules": jsonable(rcfg.rules),
        "variogram_range_m": jsonable(classes.attrs.get("range_m")),
        "class_counts": {str(k): int(v) for k, v in counts.items()},
        "table": records(table),
        "notes": [str(n) for n in (*table.attrs.get("notes", []), *blocks.attrs.get("notes", []))],
        "slab_check": jsonable(slab),
    }
    if per_smu:  # the column basis is the plan's default (results.json "plan"); a per-SMU one is stated here
        section["cutoff_basis"] = {**made.basis.to_dict(), "n_smu_blocks": len(blocks),
                                   "class_counts_of": "SMU blocks (each SMU classified on its own slices)",
                                   "classification": str(made.classes.attrs.get("resolution", ""))}
    shown = [c for c in ("cutoff", "class", "n_blocks", "area_km2", "dry_t", "total_rey_ppm", "contained_rey_t",
                         "treo_t") if c in gt.columns]
    return ResourceProduct(classes=classes, config=rcfg, blocks=blocks, table=table, grade_tonnage=gt,
                           section=section, grade_tonnage_section=records(gt[shown]), basis=made.basis,
                           statement_model=made.model if per_smu else None)


def stage_simulation(ctx: RunContext, window: WindowProduct, variography: VariographyProduct,
                     block: BlockModelProduct, resource_: ResourceProduct) -> SimulationProduct:
    """Conditional simulation of total REY on the kriged estimate's blocks: P10/P50/P90, exceedance.

    The realisations live on exactly the blocks (and area fractions) of the block model, so the
    band and the kriged statement total the same blocks. A plan ``sim_cell_m`` finer than the
    blocks simulates ``cell_m / sim_cell_m`` nodes per block side and averages them up (block
    support); a coarser one is not used (a band on other blocks would not match the estimate).
    """
    cfg = ctx.config
    ds = block.block_model
    refine = max(1, round(cfg.cell_m / cfg.simulation_cell_m)) if cfg.simulation_cell_m < cfg.cell_m else 1
    if cfg.simulation_cell_m > cfg.cell_m:
        ctx.warnings.append(f"simulation: sim_cell_m {cfg.simulation_cell_m:g} m is coarser than the "
                              f"{cfg.cell_m:g} m blocks; simulating on the blocks themselves")
    conditioning = window.points.dropna(subset=["total_rey_ppm"])
    fitted_sill, how, entry = None, "stated in the plan", None
    if cfg.simulation_transform == "nscore":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model, fitted_sill, how = nscore_model_for(conditioning, "total_rey_ppm", ds, trend=cfg.trend)
        found = [str(w.message) for w in caught]
        ctx.warnings.extend(found)
        entry = _nscore_entry(conditioning, ds, model, fitted_sill, how, found, cfg.trend)
    else:
        model = variography.models["total_rey_ppm"]
    session = ctx.dask
    own = session is None
    if own:
        session = DaskSession(cfg)
    try:
        client = session.get()
        realizations = simulate_blocks(conditioning, "total_rey_ppm", model, ds, cfg.n_realizations, cfg.seed,
                                       refine=refine, client=client, transform=cfg.simulation_transform,
                                       fitted_sill=fitted_sill,
                                       progress=lambda done, total, info: ctx.report(
                                           f"conditional simulation {done}/{total}"))
    finally:
        if own:
            session.close()
    constant = realizations.attrs.get("constant_data")
    if constant:  # the data are one value: the band is that value's (density uncertainty still applies)
        ctx.warnings.append(f"simulation: {constant}")
    rcfg = resource_.config
    measured = conditioning.get("dry_density_g_cm3")
    factor = None
    if measured is not None and np.isfinite(measured.to_numpy(float)).sum() >= 2:
        factor = resource.density_factors(cfg.n_realizations, cfg.seed, measured=measured.to_numpy(float))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = resource.uncertainty_summary(realizations, ds, rcfg.cutoffs, density_t_m3=rcfg.density_t_m3,
                                               density_factor=factor)
    ctx.warnings.extend(str(w.message) for w in caught)
    probability = xr.concat([resource.exceedance_probability(realizations, c) for c in rcfg.cutoffs],
                            dim=pd.Index([float(c) for c in rcfg.cutoffs], name="cutoff_ppm"))
    exceedance = probability.rename("probability").to_dataset()
    exceedance.attrs.update(crs=window.crs, n_realizations=cfg.n_realizations, seed=cfg.seed,
                            variable="total_rey_ppm", cell_size_m=float(ds.attrs.get("cell_size_m", cfg.cell_m)),
                            synthetic=str(ctx.synthetic).lower())
    mean_prob = {f"{c:g}": jsonable(float(probability.sel(cutoff_ppm=c).where(ds["inside"]).mean()))
                 for c in probability["cutoff_ppm"].to_numpy()}
    section = {
        "variable": "total_rey_ppm", "n_realizations": cfg.n_realizations, "seed": cfg.seed,
        "cell_size_m": float(ds.attrs.get("cell_size_m", cfg.cell_m)), "nodes_per_block_side": refine,
        "scheduler": session.label, "transform": cfg.simulation_transform,
        "method": str(realizations.attrs.get("method", "")), "n_cells": int(ds.sizes["northing"] * ds.sizes["easting"]),
        "support": str(realizations.attrs.get("support", "")), "model": jsonable(model.to_dict()),
        "model_basis": how, "nscore_fitted_sill": jsonable(fitted_sill),
        "constant_data": constant or "none",
        "density_uncertainty": "bootstrap of the measured mean density" if factor is not None else "none (fixed)",
        "band_method": jsonable({**summary.attrs, **{k: realizations.attrs[k] for k in SIMULATION_TREND_ATTRS
                                                     if k in realizations.attrs}}),
    }
    band = {
        "table": records(summary), "exceedance_cutoffs_ppm": [float(c) for c in rcfg.cutoffs],
        "mean_exceedance_probability": mean_prob,
    }
    if resource_.basis.kind != "column":  # the band is of the 2-D model: say so beside a per-SMU statement
        band["basis"] = (f"P10-P90 band computed per column; not per SMU: the realisations are of the 2-D column "
                         f"model (window average grade), and its 'kriged' values and the kriged-in-P25-P75 check are "
                         f"the column model's (like with like); the resource statement is per SMU "
                         f"({resource_.basis.statement})")
    return SimulationProduct(realizations=realizations, exceedance=exceedance, model=model, uncertainty=summary,
                             section=section, uncertainty_section=band, variography_entry=entry)


def _nscore_entry(conditioning: pd.DataFrame, ds: xr.Dataset, model, fitted_sill: float | None, how: str,
                  diagnostics: list[str], trend: str = "none") -> dict:
    """The ``variography.total_rey_ppm_nscore`` entry: the normal-score fit the simulation used.

    Its experimental variogram is that of the scores declustered over the estimate's blocks
    (``block_weights``, as :func:`~reymud.spatial.simulate.fit_nscore_variogram` computes it):
    of the data, or with a plan ``trend`` of the trend residuals (:func:`~reymud.spatial.simulate.score_basis`,
    the recipe of :func:`~reymud.spatial.simulate.nscore_model_for`); the model is the unit-sill model
    simulated with; ``fitted_sill`` is the sill divided out.
    """
    basis = score_basis(conditioning, "total_rey_ppm", ds, trend)
    xy, scores = basis.scores("total_rey_ppm")
    space = basis.space
    exp = experimental_variogram(xy, scores)
    entry = {"model": jsonable(model.to_dict()), "experimental": records(exp), "transform": "nscore",
             "method": how, "sill": float(model.sill), "fitted_sill": jsonable(fitted_sill),
             "data_variance": float(np.var(scores, ddof=0)), "trend": trend,
             "declustering": "polygonal weights over the estimate's blocks inside the area (block_weights)",
             "diagnostics": diagnostics}
    if trend != "none":
        entry["trend_space"] = space
        entry["scores_of"] = f"{trend}-trend residuals" + (" of log(value)" if space == "log" else "")
    return entry
