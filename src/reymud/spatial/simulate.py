"""Conditional Gaussian simulation by kriging the residuals of an unconditional field, on Dask.

Method (Journel & Huijbregts 1978; Chiles & Delfiner 2012, ch. 7): in normal-score space,
``Y_c(x) = Y_u(x) + SK*[y - Y_u(data)](x)`` where ``Y_u`` is an unconditional field with the model
covariance drawn jointly at the grid cells and the data, and ``SK*`` is simple kriging (mean 0) of
the data residuals. This honours the covariance *between* cells; gstools' CondSRF instead rescales
an unconditional field by the kriging standard deviation, which gets block covariance wrong.

Unconditional fields:

- ``"cholesky"`` (exact, data at their true positions): lower Cholesky factor of the joint
  covariance of grid cells and data; used when ``cells + data <= cholesky_max``.
- ``"fft"`` (exact on the grid): circulant embedding on a padded torus. Data are relocated to the
  nearest grid node for the simulation (as GSLIB ``sgsim`` does); several data in one node are averaged.

Honest uncertainty (issue 9), all on by default and recorded in the result's attrs:

- the normal-score transform is declustered (cell-declustering weights) and back-transforms with
  stated tail models (:class:`reymud.spatial.nscore.TailModel`, Deutsch & Journel 1998);
- the normal-score variogram is standardised to unit sill (the divided-out sill is recorded);
- the histogram (and so the mean) is resampled once per realisation by the spatial bootstrap
  (Journel 1994; Pyrcz & Deutsch 2014): each realisation reads the data through its own resampled
  declustered cdf, so the band carries the uncertainty of the mean that the cores leave. The
  variogram parameters are *not* resampled: the conditioning-kriging weights stay fixed (computed
  once), which the bootstrap of the histogram, the dominant term for area totals, does not need;
- :func:`simulate_blocks` simulates on exactly the blocks of a kriged estimate (optionally on a grid
  ``refine`` times finer, averaged up to the estimate's blocks).

Trend (issues 8/9): when the plan has ``trend: linear|quadratic`` (read by :func:`simulate_blocks`
and :func:`nscore_model_for` from the estimate's ``attrs["plan"]``; a ``trend=`` argument overrides),
the residuals of the OLS trend surface (:class:`reymud.spatial.trend.TrendSurface`) are simulated -
declustered normal scores of the residuals, their unit-sill variogram, the spatial bootstrap of the
residual histogram - and the trend is added back at the simulation nodes before blocks are averaged.
By default the trend is one global OLS surface (``SimulationDefaults.trend_scope="global"``); "local"
fits it at every node on the plan's ``max_samples`` nearest data (a locally varying mean).
``SimulationDefaults.trend_space`` / ``trend_space=``: "log" fits the trend to log(value) and returns
exp(trend + residual) (positive), "linear" clips trend + residual at 0 (warned above 1 % of the
nodes), "auto" (default) is linear unless that trend is negative on more than 1 % of the nodes
(then log, for positive data; the calibrated choice, see ``_simtrend``).
The trend's *slopes* are drawn per realisation from their OLS sampling distribution under the
residual correlation (the constant's uncertainty is the bootstrap's), with the data honoured; the
attrs ``trend`` (JSON: coefficients, slope standard deviations, what was drawn), ``trend_method``
and ``trend_clipped_share`` record it (:mod:`reymud.spatial._simtrend`). ``trend: none`` gives the
stationary simulation unchanged (same random stream, same numbers).

The kriging weights do not change between realisations, so they are computed once (moving
neighbourhood, batched solver), in fixed slabs of cells on the workers, as sparse rows, and so is the
bootstrap's Cholesky factor (one task, shared by every batch); each task makes a fixed-size batch of
realisations whose kriged residuals are one sparse product, and workers on this machine write it
straight into shared memory (see :mod:`reymud.spatial._simengine`). Every realisation draws from its own
``numpy.random.SeedSequence(seed).spawn(n)`` child, so results are identical whatever the number of
Dask workers.

Layout: the defaults are :mod:`reymud.spatial._simdefaults`; the normal-score recipe
(:func:`fit_nscore_variogram`, :func:`block_weights`, :func:`grid_of`, :class:`ScoreBasis`,
:func:`score_basis`, :func:`nscore_model_for`) is :mod:`reymud.spatial._simscores`; both are
re-exported here, where callers import them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
import xarray as xr

from reymud.spatial._checks import as_coords_values
from reymud.spatial._simdefaults import SIMULATION_DEFAULTS, SimulationDefaults
from reymud.spatial._simengine import Plan, circulant_sqrt, run_dask, run_sync
from reymud.spatial._simscores import (
    ScoreBasis,
    _block_trend_space,
    _with_plan_neighbours,
    block_weights,
    fit_nscore_variogram,
    grid_of,
    nscore_model_for,
    score_basis,
)
from reymud.spatial._simtrend import SimTrend, add_trend, plan_trend, residual_tails, resolve_trend_space
from reymud.spatial.covariance import VariogramModel
from reymud.spatial.crs import Grid
from reymud.spatial.neighbourhood import Neighbourhood
from reymud.spatial.nscore import (
    NormalScoreTransform,
    constant_note,
    constant_value,
    declustering_weights,
    standardise_sill,
)

__all__ = [
    "SIMULATION_DEFAULTS",
    "ScoreBasis",
    "SimulationDefaults",
    "block_weights",
    "fit_nscore_variogram",
    "grid_of",
    "nscore_model_for",
    "score_basis",
    "simulate",
    "simulate_blocks",
]


#: ASSUMPTION (judgement): above this share of nodes clipped at 0 under a trend, :func:`simulate` warns.
CLIP_WARN_SHARE = 0.01


def _plan(xy, z, model, grid, transform, neighbourhood, method, defaults, weights=None,
          trend: SimTrend | None = None) -> tuple[Plan, tuple, dict]:
    nscore, info = None, {}
    z_raw, w = z.copy(), None
    if transform == "nscore":
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            info["declustering"] = "given weights"
        elif defaults.decluster:
            w, size = declustering_weights(xy, z)
            info["declustering"] = f"cell declustering, cell {size:.0f} m (Deutsch & Journel 1998, declus)"
        else:
            w = np.ones(len(z)) / len(z)
            info["declustering"] = "none (equal weights)"
        nscore = NormalScoreTransform(defaults.tails).fit(z, w)
        info["tails"] = defaults.tails.describe()
        info["declustered_mean"] = float(np.sum(w * z) / np.sum(w))
        y = nscore.transform(z)
        if defaults.unit_sill:
            model, sill = standardise_sill(model)
            info["nscore_fitted_sill"] = sill
            if abs(sill - 1.0) > 0.05:
                warnings.warn(f"simulate: normal-score variogram sill {sill:.3g} rescaled to 1 (normal scores have "
                              "unit variance)", stacklevel=3)
    elif transform is None or transform == "none":
        y = z.copy()
    else:
        raise ValueError(f"transform must be 'nscore' or None, got {transform!r}")
    gxy = grid.coords()
    m, n = len(gxy), len(xy)
    if method == "auto":
        method = "cholesky" if m + n <= defaults.cholesky_max else "fft"
    if method not in ("cholesky", "fft"):
        raise ValueError(f"method must be 'auto', 'cholesky' or 'fft', got {method!r}")
    data_nodes = None
    if method == "fft":
        col = np.rint((xy[:, 0] - grid.x0) / grid.cell_m).astype(np.int64)
        row = np.rint((xy[:, 1] - grid.y0) / grid.cell_m).astype(np.int64)
        inside = (col >= 0) & (col < grid.nx) & (row >= 0) & (row < grid.ny)
        if (~inside).any():
            warnings.warn(f"simulate: {int((~inside).sum())} data outside the grid are ignored", stacklevel=3)
        node = row[inside] * grid.nx + col[inside]
        uniq, inv = np.unique(node, return_inverse=True)
        if len(uniq) < inside.sum():
            warnings.warn(f"simulate: {int(inside.sum()) - len(uniq)} data share a grid node and are averaged",
                          stacklevel=3)
        y = np.bincount(inv, y[inside]) / np.bincount(inv)
        data_nodes, xy_data, xy = uniq, xy, gxy[uniq]
        node_inv = inv
    else:
        xy_data, node_inv, inside = xy, None, np.ones(len(xy), dtype=bool)
    cond = (None if len(xy) == 0 else xy, model, neighbourhood, grid)  # conditioning weights: computed in slabs
    boot = {}
    if nscore is not None and defaults.bootstrap and len(z_raw) > 1:
        bxy = xy_data[inside]
        boot = {"boot_xy": bxy, "boot_model": model, "boot_w": w[inside],
                "z_data": z_raw[inside], "node_inv": node_inv}
        info["parameter_uncertainty"] = ("spatial bootstrap of the declustered histogram, one resample per "
                                         "realisation (Journel 1994; Pyrcz & Deutsch 2014); variogram fixed")
    if trend is not None and trend.factor is not None:
        boot.update(z_data=z_raw[inside], node_inv=node_inv, boot_w=None if w is None else w[inside],
                    trend_factor=trend.factor,
                    trend_data=trend.design(xy_data[inside]), trend_cells=trend.design(gxy),
                    trend_log=trend.space == "log")
    info["variogram"] = model.to_dict()
    if method == "cholesky":
        allxy = np.vstack([gxy, xy])
        cov = model.covariance_between(allxy[:, None, :], allxy[None, :, :])
        jitter = 1e-10 * model.sill
        chol = np.linalg.cholesky(cov + jitter * np.eye(len(allxy)))
        return Plan(method, grid.shape, y, chol=chol, nscore=nscore, **boot), cond, info
    sqrt_eig, torus = circulant_sqrt(model, grid)
    info["fft_torus"] = f"{torus[0]}x{torus[1]} nodes (rfft, float32)"
    return Plan(method, grid.shape, y, sqrt_eig=sqrt_eig, torus=torus, data_nodes=data_nodes, nscore=nscore,
                **boot), cond, info


def simulate(
    points: pd.DataFrame,
    variable: str,
    model: VariogramModel,
    grid: Grid,
    n_realizations: int = 100,
    seed: int = 0,
    client=None,
    transform: str | None = "nscore",
    neighbourhood: Neighbourhood | None = None,
    method: str = "auto",
    n_workers: int | None = None,
    progress: Callable[[int, int, dict], None] | None = None,
    defaults: SimulationDefaults = SIMULATION_DEFAULTS,
    weights=None,
    fitted_sill: float | None = None,
    trend: str = "none",
    trend_space: str | None = None,
) -> xr.DataArray:
    """Conditional realisations of ``variable`` on ``grid`` (dims realization, northing, easting).

    Parameters
    ----------
    points : DataFrame
        ``easting``, ``northing`` and ``variable``.
    variable : str
    model : VariogramModel
        Covariance of the *transformed* variable (normal scores: total sill about 1).
    grid : Grid
    n_realizations, seed : int
        Realisation ``i`` uses ``SeedSequence(seed).spawn(n_realizations)[i]``.
    client : distributed.Client, str, "sync" or None
        A Dask client, a scheduler address (``tcp://host:8786``), ``"sync"`` (run in this process)
        or None (start a LocalCluster of ``n_workers`` workers, 1 thread each, closed afterwards).
    transform : {"nscore", None}
        Normal-score transform and back-transform (default) or simulate the values directly.
    neighbourhood : Neighbourhood, optional
        Conditioning-kriging neighbourhood (default 24 nearest data).
    method : {"auto", "cholesky", "fft"}
        Unconditional field generator (see module docstring).
    progress : callable, optional
        ``progress(done, total, info)`` after every realisation; ``info`` has ``realization``,
        ``method``, ``workers``.
    defaults : SimulationDefaults
        Declustering, bootstrap, unit sill and tails switches (all on by default).
    weights : array_like, optional
        Declustering weights of the points (default: cell declustering when ``defaults.decluster``).
    fitted_sill : float, optional
        The sill already divided out of ``model`` (third value of :func:`fit_nscore_variogram`),
        recorded as ``nscore_fitted_sill`` instead of the (unit) sill of ``model``.
    trend : {"none", "linear", "quadratic"}
        Trend surface (the plan's ``trend``): not "none" simulates the residuals of an OLS trend
        surface and adds the trend back (:mod:`reymud.spatial._simtrend`); ``model`` must then be the
        residuals' (normal-score) variogram, as :func:`nscore_model_for` fits it.
    trend_space : {"auto", "linear", "log"}, optional
        Space of the trend (default ``defaults.trend_space``): "log" fits it on ``log(value)`` and
        returns ``exp(trend + residual)`` (values must be > 0); see :mod:`reymud.spatial._simtrend`.

    Returns
    -------
    xarray.DataArray
        Named ``variable``; attrs record the method, seed, transform, tails, declustering,
        parameter uncertainty, the unit-sill variogram used (``nscore_fitted_sill``: the sill divided
        out) and the trend (``trend``: "none" or a JSON record of the surface and its uncertainty).
        With ``transform="nscore"`` and ``variable`` constant in the data
        (:func:`reymud.spatial.nscore.constant_value`) every
        realisation is that constant (no grade uncertainty can be inferred from data that all agree)
        and ``constant_data`` (also in ``parameter_uncertainty``) states it
        (:func:`reymud.spatial.nscore.constant_note`).
    """
    if variable not in points.columns:
        raise ValueError(f"simulate: points have no column {variable!r}")
    if n_realizations < 1:
        raise ValueError("simulate: n_realizations must be >= 1")
    xy, z = as_coords_values(points[["easting", "northing"]].to_numpy(float), points[variable].to_numpy(float),
                             "simulate")
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (len(points),):
            raise ValueError(f"simulate: {weights.size} weights for {len(points)} points")
        weights = weights[np.isfinite(points[variable].to_numpy(float))]
    value = constant_value(z) if transform == "nscore" else None  # no normal scores of one value
    if value is not None:
        return _constant_field(variable, value, grid, n_realizations, seed, transform, progress)
    trend = plan_trend(None, trend or "none")
    sim_trend, z_sim = None, z
    if trend != "none":
        hood = defaults.trend_neighbours if defaults.trend_scope == "local" else None
        space = resolve_trend_space(trend_space or defaults.trend_space, trend, xy, z, grid.coords(), hood, variable)
        sim_trend = SimTrend(trend, xy, np.log(z) if space == "log" else z, hood)
        sim_trend.space = space
        z_sim = sim_trend.residuals
        if defaults.trend_slopes and len(sim_trend.surface.term_names_) > 1:
            sim_trend.fit_slope_draws(model)
        defaults = replace(defaults, tails=residual_tails(z_sim, defaults.tails, sim_trend.draw_margin()))
    plan, cond, made = _plan(xy, z_sim, model, grid, transform, neighbourhood or defaults.neighbourhood, method,
                             defaults, weights, sim_trend)
    seeds = np.random.SeedSequence(seed).spawn(n_realizations)
    out = np.empty((n_realizations, *grid.shape))
    info = {"method": plan.method, "workers": 1}
    sizes = (defaults.weight_slab_cells, defaults.batch_size)
    if isinstance(client, str) and client == "sync":
        run_sync(plan, cond, seeds, out, progress, info, *sizes)
    else:
        run_dask(plan, cond, seeds, out, client, n_workers or defaults.n_workers, progress, info, *sizes)
    made["trend"] = "none"
    if sim_trend is not None:
        made.update(add_trend(out, sim_trend, grid.coords(), bool((z >= 0).all()), space, CLIP_WARN_SHARE))
        if "declustered_mean" in made:  # of the residuals the transform was fitted to
            made["declustered_residual_mean"] = made.pop("declustered_mean")
    da = xr.DataArray(out, dims=("realization", "northing", "easting"), name=variable,
                      coords={"realization": np.arange(n_realizations), **grid.template().coords})
    da.attrs.update(method=f"conditioning by kriging ({plan.method} unconditional field)", seed=int(seed),
                    transform=str(transform), crs=grid.crs, n_realizations=int(n_realizations),
                    seeds=f"numpy SeedSequence({int(seed)}).spawn({int(n_realizations)})")
    if fitted_sill is not None and "nscore_fitted_sill" in made:
        made["nscore_fitted_sill"] = float(fitted_sill) * made["nscore_fitted_sill"]
    da.attrs.update({k: (v if isinstance(v, (int, float)) else str(v)) for k, v in made.items()})
    return da


def _constant_field(variable: str, value: float, grid: Grid, n_realizations: int, seed: int, transform,
                    progress) -> xr.DataArray:
    """Every realisation equal to ``value`` on ``grid``: the simulation of data that are all one constant."""
    note = constant_note(variable, value)
    out = np.full((n_realizations, *grid.shape), value)
    for done in range(1, n_realizations + 1) if progress is not None else ():
        progress(done, n_realizations, {"realization": done - 1, "method": "constant", "workers": 0})
    da = xr.DataArray(out, dims=("realization", "northing", "easting"), name=variable,
                      coords={"realization": np.arange(n_realizations), **grid.template().coords})
    da.attrs.update(method="constant (the data are all one value; nothing simulated)", seed=int(seed),
                    transform=str(transform), crs=grid.crs, n_realizations=int(n_realizations),
                    seeds=f"numpy SeedSequence({int(seed)}).spawn({int(n_realizations)}) (unused)",
                    constant_data=note, parameter_uncertainty=f"none: {note}", trend="none")
    return da


def simulate_blocks(points: pd.DataFrame, variable: str, model: VariogramModel, estimate: xr.Dataset,
                    n_realizations: int = 100, seed: int = 0, refine: int = 1, trend: str | None = None,
                    trend_space: str | None = None, **kwargs) -> xr.DataArray:
    """Realisations on exactly the blocks of a kriged ``estimate`` (same coordinates and support).

    Parameters
    ----------
    points, variable, model, n_realizations, seed
        As :func:`simulate`.
    estimate : xarray.Dataset
        The kriged block model (``easting``/``northing`` cell centres, ``cell_size_m``).
    refine : int
        Simulate on a grid ``refine`` times finer in each direction and average each
        ``refine x refine`` group of nodes up to the estimate's block (block support); 1 = block
        centres (point support at the block centre).
    trend : {"none", "linear", "quadratic"}, optional
        Default: the ``trend`` of the plan stored in ``estimate.attrs["plan"]`` ("none" without a
        plan), so a universal-kriging estimate is simulated with its trend (residuals simulated, the
        trend added at the fine nodes before they are averaged up; see :func:`simulate`). Give it to
        override the plan.
    trend_space : {"auto", "linear", "log"}, optional
        As :func:`simulate` (default ``defaults.trend_space``); "auto" is resolved on the estimate's
        block centres, as :func:`nscore_model_for` does, so both use the same residuals.
    **kwargs
        Passed to :func:`simulate` (client, n_workers, progress, defaults, weights, ...). Without
        ``weights`` the normal-score transform is declustered by :func:`block_weights` (polygonal
        weights over the estimate's blocks inside the area).

    Returns
    -------
    xarray.DataArray
        Dims ``(realization, northing, easting)`` with the estimate's coordinates.
    """
    refine = int(refine)
    if refine < 1:
        raise ValueError(f"simulate_blocks: refine must be >= 1, got {refine}")
    grid = grid_of(estimate)
    fine_cell = grid.cell_m / refine
    fine = Grid(grid.x0 - grid.cell_m / 2 + fine_cell / 2, grid.y0 - grid.cell_m / 2 + fine_cell / 2,
                grid.nx * refine, grid.ny * refine, fine_cell, grid.crs)
    defaults = kwargs["defaults"] = _with_plan_neighbours(estimate, kwargs.get("defaults", SIMULATION_DEFAULTS))
    if kwargs.get("weights") is None and defaults.decluster and kwargs.get("transform", "nscore") == "nscore":
        kwargs["weights"] = block_weights(points, variable, estimate)
    trend = plan_trend(estimate, trend)
    if kwargs.get("transform", "nscore") == "nscore" and constant_value(points[variable].to_numpy(float)) is not None:
        trend = "none"
    space = _block_trend_space(points, variable, estimate, trend, trend_space or defaults.trend_space, defaults)
    real = simulate(points, variable, model, fine, n_realizations, seed, trend=trend, trend_space=space, **kwargs)
    if "weights" in kwargs and "declustering" in real.attrs and real.attrs["declustering"] == "given weights":
        real.attrs["declustering"] = "polygonal over the estimate's blocks inside (Isaaks & Srivastava 1989)"
    vals = real.values
    if refine > 1:
        vals = vals.reshape(n_realizations, grid.ny, refine, grid.nx, refine).mean(axis=(2, 4))
    out = xr.DataArray(vals, dims=("realization", "northing", "easting"), name=variable,
                       coords={"realization": np.arange(n_realizations), "northing": estimate["northing"].values,
                               "easting": estimate["easting"].values})
    out.attrs.update(real.attrs)
    out.attrs.update(support=f"{refine}x{refine} nodes averaged per {grid.cell_m:g} m block" if refine > 1
                     else f"block centres of the {grid.cell_m:g} m estimate grid")
    return out
