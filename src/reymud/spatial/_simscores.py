"""The simulation's normal scores: their variogram, declustering weights and the data they are made of.

One recipe for every entry point (:func:`nscore_model_for`, :func:`score_basis`): the data, or with a
trend the residuals of the trend surface in the trend space :func:`reymud.spatial.simulate.simulate_blocks`
resolves, declustered by polygonal weights over the estimate's blocks (:func:`block_weights`), with
the residuals' own tails. Re-exported by :mod:`reymud.spatial.simulate` (callers import them there).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr

from reymud.spatial._simdefaults import SIMULATION_DEFAULTS, SimulationDefaults
from reymud.spatial._simtrend import (
    SimTrend,
    plan_neighbours,
    plan_trend,
    residual_tails,
    resolve_trend_space,
)
from reymud.spatial.blockmodel import auto_model
from reymud.spatial.covariance import VariogramModel
from reymud.spatial.crs import Grid
from reymud.spatial.nscore import (
    TAIL_DEFAULTS,
    NormalScoreTransform,
    TailModel,
    constant_note,
    constant_value,
    polygonal_weights,
    standardise_sill,
)
from reymud.spatial.variogram import (
    VariogramFitError,
    experimental_variogram,
    fit_variogram,
    variogram_checks,
)

__all__ = ["ScoreBasis", "block_weights", "fit_nscore_variogram", "grid_of", "nscore_model_for", "score_basis"]


def fit_nscore_variogram(points: pd.DataFrame, variable: str, weights=None, kinds: tuple[str, ...] = ("spherical",),
                         tails: TailModel = TAIL_DEFAULTS) -> tuple[VariogramModel, pd.DataFrame, float]:
    """Normal-score variogram: fitted on declustered normal scores, checked, standardised to unit sill.

    The experimental variogram and fit are those of the estimation variogram
    (:func:`~reymud.spatial.variogram.experimental_variogram`, :func:`~reymud.spatial.variogram.fit_variogram`
    with its default weighting) and so are the checks
    (:func:`~reymud.spatial.variogram.variogram_checks`); every failed check is also issued as a
    ``UserWarning``. The fitted sill is divided out (:func:`~reymud.spatial.nscore.standardise_sill`).

    Parameters
    ----------
    points : DataFrame
        ``easting``, ``northing`` and ``variable``.
    variable : str
    weights : array_like, optional
        Declustering weights (one per row; default equal). Use :func:`block_weights` for an estimate.
    kinds : tuple of str
        Nested structure kinds.
    tails : TailModel

    Returns
    -------
    (VariogramModel, DataFrame, float)
        The unit-sill model, the checks table and the fitted sill that was divided out.
    """
    z = points[variable].to_numpy(float)
    ok = np.isfinite(z)
    xy = points.loc[ok, ["easting", "northing"]].to_numpy(float)
    w = None if weights is None else np.asarray(weights, dtype=float)[ok]
    y = NormalScoreTransform(tails).fit(z[ok], w).transform(z[ok])
    exp = experimental_variogram(xy, y)
    try:
        model = fit_variogram(exp, kinds, nugget=True)
    except VariogramFitError as exc:
        raise VariogramFitError(f"normal-score variogram of {variable}: {exc}") from exc
    checks = variogram_checks(exp, model, y, float(np.hypot(*np.ptp(xy, axis=0))))
    for msg in checks.loc[checks["passed"].eq(False), "message"]:
        warnings.warn(f"normal-score variogram of {variable}: {msg}", stacklevel=2)
    unit, sill = standardise_sill(model)
    return unit, checks, sill


def grid_of(ds: xr.Dataset) -> Grid:
    """The :class:`Grid` of a block model / kriged estimate (cell centres on ``easting``/``northing``)."""
    e, n = (np.asarray(ds[c].values, dtype=float) for c in ("easting", "northing"))
    if "cell_size_m" in ds.attrs:
        cell = float(np.asarray(ds.attrs["cell_size_m"], dtype=float).ravel()[0])
    elif len(e) > 1:
        cell = float(e[1] - e[0])
    else:
        raise ValueError("grid_of: the estimate has one column and no cell_size_m attribute")
    grid = Grid(float(e[0]), float(n[0]), len(e), len(n), cell, str(ds.attrs.get("crs", "")))
    if not (np.allclose(grid.easting, e) and np.allclose(grid.northing, n)):
        raise ValueError("grid_of: the estimate's coordinates are not a regular grid of cell_size_m")
    return grid


def block_weights(points: pd.DataFrame, variable: str, estimate: xr.Dataset) -> np.ndarray:
    """Polygonal declustering weights of ``points`` over the estimate's blocks inside the area.

    One weight per row of ``points`` (0 where ``variable`` is missing); see
    :func:`reymud.spatial.nscore.polygonal_weights`.
    """
    grid = grid_of(estimate)
    inside = (estimate["inside"].values.ravel().astype(bool) if "inside" in estimate
              else np.ones(grid.nx * grid.ny, dtype=bool))
    if "aoi_fraction" in estimate:
        inside &= np.nan_to_num(estimate["aoi_fraction"].values.ravel()) > 0
    ok = np.isfinite(points[variable].to_numpy(float))
    w = np.zeros(len(points))
    w[ok] = polygonal_weights(points.loc[ok, ["easting", "northing"]].to_numpy(float), grid.coords()[inside])
    return w


def _with_plan_neighbours(estimate: xr.Dataset, defaults: SimulationDefaults) -> SimulationDefaults:
    """``defaults`` with ``trend_neighbours`` = the estimate's plan ``max_samples`` (when it has one)."""
    hood = plan_neighbours(estimate)
    return replace(defaults, trend_neighbours=max(hood, 2)) if hood else defaults


def _block_trend_space(points, variable, estimate, trend, space, defaults) -> str:
    """:func:`resolve_trend_space` on the estimate's block centres (shared by simulate_blocks and nscore_model_for)."""
    if trend == "none":
        return "linear"
    z = points[variable].to_numpy(float)
    ok = np.isfinite(z)
    hood = defaults.trend_neighbours if defaults.trend_scope == "local" else None
    return resolve_trend_space(space, trend, points.loc[ok, ["easting", "northing"]].to_numpy(float), z[ok],
                               grid_of(estimate).coords(), hood, variable)


def nscore_model_for(points: pd.DataFrame, variable: str, estimate: xr.Dataset,
                     kinds: tuple[str, ...] = ("spherical",), trend: str | None = None,
                     defaults: SimulationDefaults = SIMULATION_DEFAULTS, trend_space: str | None = None,
                     ) -> tuple[VariogramModel, float | None, str]:
    """The simulation's normal-score variogram for the blocks of ``estimate`` (one recipe for every entry point).

    Fitted by :func:`fit_nscore_variogram` on normal scores declustered with :func:`block_weights`
    (polygonal weights over the estimate's blocks inside the area), standardised to unit sill. When
    the fit fails (too few cores), the fallback is :func:`reymud.spatial.blockmodel.auto_model` on the
    same declustered scores, and the returned description says so.

    With a trend (``trend``, default the plan in ``estimate.attrs["plan"]``, as :func:`simulate_blocks`)
    the scores are those of the trend residuals (the trend of ``defaults.trend_scope``: the global
    OLS surface by default, or local fits of the plan's ``max_samples`` nearest data; the residual tails of
    :func:`reymud.spatial._simtrend.residual_tails`): the variogram :func:`simulate_blocks` needs.
    ``trend_space`` (default ``defaults.trend_space``, resolved as :func:`simulate_blocks` does): with
    "log" the residuals are those of the trend of ``log(value)``.

    When ``variable`` is constant in the data (:func:`reymud.spatial.nscore.constant_value`) there are
    no normal scores to fit: the model is a unit pure nugget that :func:`simulate` does not use (it
    simulates the constant), and the description is :func:`reymud.spatial.nscore.constant_note`.

    Returns
    -------
    (VariogramModel, float or None, str)
        The model, the fitted sill that was divided out (None for the fallback and for constant data)
        and how it was made.
    """
    value = constant_value(points[variable].to_numpy(float))
    if value is not None:
        return VariogramModel(nugget=1.0), None, f"none: {constant_note(variable, value)}"
    basis = score_basis(points, variable, estimate, trend, defaults, trend_space)
    try:
        model, _, sill = fit_nscore_variogram(basis.points, variable, basis.weights, kinds=kinds, tails=basis.tails)
        return model, float(sill), f"fitted on {basis.of}, standardised to unit sill"
    except VariogramFitError:
        xy, y = basis.scores(variable)
        return (auto_model(xy, y, f"{variable} (normal scores)"), None,
                f"fallback model (normal-score fit failed; {basis.of})")


@dataclass(frozen=True)
class ScoreBasis:
    """What the simulation's normal scores are made of (:func:`score_basis`).

    ``points`` carry the data, or with a trend the trend residuals, in the column of the variable;
    ``weights`` are the declustering weights over the estimate's blocks (one per row); ``tails`` the
    tail model of the transform; ``space`` the trend space ("linear" or "log"); ``of`` says it in words.
    """

    points: pd.DataFrame
    weights: np.ndarray
    tails: TailModel
    trend: str
    space: str
    of: str

    def scores(self, variable: str) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates and declustered normal scores of the finite values (what the variogram is fitted on).

        Values that are all one constant (:func:`reymud.spatial.nscore.constant_value`) have no
        normal-score transform: each gets the score 0 (the median), so their variogram is 0.
        """
        z = self.points[variable].to_numpy(float)
        ok = np.isfinite(z)
        xy = self.points.loc[ok, ["easting", "northing"]].to_numpy(float)
        if constant_value(z[ok]) is not None:
            return xy, np.zeros(int(ok.sum()))
        return xy, NormalScoreTransform(self.tails).fit(z[ok], self.weights[ok]).transform(z[ok])


def score_basis(points: pd.DataFrame, variable: str, estimate: xr.Dataset, trend: str | None = None,
                defaults: SimulationDefaults = SIMULATION_DEFAULTS, trend_space: str | None = None) -> ScoreBasis:
    """The values, declustering weights and tails behind the simulation's normal scores for ``estimate``.

    One recipe for :func:`nscore_model_for` and for reporting the scores (assess's variography entry):
    the data, or with a trend (default the plan's, as :func:`simulate_blocks`) the residuals of the
    trend surface in the trend space :func:`simulate_blocks` resolves for these blocks, with the
    residuals' own tails (:func:`reymud.spatial._simtrend.residual_tails`).
    """
    weights = np.asarray(block_weights(points, variable, estimate), dtype=float)
    trend = plan_trend(estimate, trend)
    if trend == "none":
        return ScoreBasis(points, weights, TAIL_DEFAULTS, "none", "linear", "declustered normal scores")
    z = points[variable].to_numpy(float)
    ok = np.isfinite(z)
    resid = np.full(len(z), np.nan)
    defaults = _with_plan_neighbours(estimate, defaults)
    hood = defaults.trend_neighbours if defaults.trend_scope == "local" else None
    space = _block_trend_space(points, variable, estimate, trend, trend_space or defaults.trend_space, defaults)
    zt = np.log(z[ok]) if space == "log" else z[ok]
    resid[ok] = SimTrend(trend, points.loc[ok, ["easting", "northing"]].to_numpy(float), zt, hood).residuals
    of = f"declustered normal scores of the {trend}-trend residuals" + (" of log(value)" if space == "log" else "")
    return ScoreBasis(points.assign(**{variable: resid}), weights, residual_tails(resid[ok], TAIL_DEFAULTS), trend,
                      space, of)
