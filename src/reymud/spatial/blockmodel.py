"""The BLOCK MODEL (docs/CONTRACTS.md): 2-D for a depth window, 3-D over depth slices.

Element grades (``<El>_ppm``) share the variogram of ``total_rey_ppm`` scaled to each element's
variance (the stated choice: the elements are strongly correlated with the total and a handful of
cores cannot support 15 separate fits). With a proportional covariance the ordinary-kriging weights
are identical, so all elements are kriged in one pass with the total's weights; their sum then equals
the kriged total exactly when the total is the sum of the elements. ``thickness_m``,
``overburden_m`` and ``total_rey_ppm`` get their own models (given, or fitted automatically).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from reymud import defaults as _defaults
from reymud.elements import REY
from reymud.spatial.covariance import Structure, VariogramModel
from reymud.spatial.crs import Grid
from reymud.spatial.kriging import OrdinaryKriging, SimpleKriging, _Kriging
from reymud.spatial.neighbourhood import Neighbourhood
from reymud.spatial.variogram import VariogramFitError, experimental_variogram, fit_variogram

__all__ = [
    "BLOCK_DEFAULTS",
    "BlockModelDefaults",
    "auto_model",
    "element_column",
    "estimate_block_model",
    "estimate_block_model_3d",
    "fit_plan_model",
    "plan_grid",
    "resolve_estimator",
    "variogram_attrs",
]

BASE_VARIABLES = ("thickness_m", "overburden_m", "total_rey_ppm")


@dataclass(frozen=True)
class BlockModelDefaults:
    """Judgement defaults of the block model, stated in one place."""

    block: tuple[int, int] = _defaults.BLOCK_DISCRETISATION  #: discretisation of each block
    neighbourhood: Neighbourhood = field(default_factory=lambda: Neighbourhood(max_samples=_defaults.MAX_SAMPLES,
                                                                               min_samples=_defaults.MIN_SAMPLES))
    fallback_range_fraction: float = 0.33  #: auto model range when a fit fails (x bbox diagonal)


BLOCK_DEFAULTS = BlockModelDefaults()


def _version() -> str:
    from reymud import __version__

    return f"reymud {__version__}"


def element_column(frame: pd.DataFrame, el: str) -> str | None:
    """Column holding element ``el`` in ppm: ``<El>_ppm`` or the bare symbol."""
    for name in (f"{el}_ppm", el):
        if name in frame.columns:
            return name
    return None


def auto_model(xy: np.ndarray, values: np.ndarray, name: str = "value",
               defaults: BlockModelDefaults = BLOCK_DEFAULTS) -> VariogramModel:
    """Fit nugget + spherical to the omnidirectional variogram; warn and fall back when it fails.

    The fallback is a spherical with the data variance as sill and a range of
    ``fallback_range_fraction`` x the bounding-box diagonal (a stated guess, flagged in a warning).
    """
    ok = np.isfinite(values)
    var = float(np.var(values[ok])) if ok.sum() > 1 else 0.0
    try:
        return fit_variogram(experimental_variogram(xy[ok], values[ok]), ("spherical",), nugget=True)
    except (VariogramFitError, ValueError) as exc:
        diag = float(np.hypot(*np.ptp(xy[ok], axis=0))) if ok.sum() > 1 else 1.0
        rng = max(diag * defaults.fallback_range_fraction, 1.0)
        warnings.warn(f"{name}: variogram not fitted ({exc}); using spherical sill {var:.4g} range "
                      f"{rng:.0f} m - give a model to override", stacklevel=2)
        return VariogramModel(0.0 if var > 0 else 1e-12, (Structure("spherical", max(var, 1e-12), rng),))


def estimate_block_model(
    points: pd.DataFrame,
    variables: list[str] | None = None,
    grid: Grid | None = None,
    models: dict[str, VariogramModel] | None = None,
    estimator: _Kriging | str | None = None,
    neighbourhood: Neighbourhood | None = None,
    block: tuple[int, int] | None = BLOCK_DEFAULTS.block,
    inside: xr.DataArray | None = None,
    window: tuple[float, float] = (0.0, 10.0),
    domain: str = "window",
    synthetic: bool | str = False,
    defaults: BlockModelDefaults = BLOCK_DEFAULTS,
    plan: dict | None = None,
    drift: str = "none",
) -> xr.Dataset:
    """Krige thickness, overburden, total REY and each REY element on a grid.

    Parameters
    ----------
    points : DataFrame
        One row per core: ``easting``, ``northing`` and the variables (``points_from_cores`` output).
    variables : list of str, optional
        Default ``thickness_m``, ``overburden_m``, ``total_rey_ppm`` and every REY present.
    grid : Grid
    models : dict, optional
        ``{variable: VariogramModel}``; missing base variables are fitted by :func:`auto_model`.
    estimator : OrdinaryKriging or SimpleKriging, optional
        The estimator, as a template: its neighbourhood, block discretisation and drift are used
        and its ``model`` is replaced by each variable's (``SimpleKriging(mean=None)``: each
        variable's data mean). Default ``OrdinaryKriging(neighbourhood=neighbourhood, block=block,
        drift=drift)``. The strings ``"ok"`` / ``"sk"`` still work (DeprecationWarning).
    neighbourhood : Neighbourhood, optional
        Only without an estimator object (default ``defaults.neighbourhood``).
    block : (int, int) or None
        Block discretisation; None = point kriging at cell centres (only without an estimator object).
    inside : DataArray of bool, optional
        Area-of-interest mask on the grid (e.g. :func:`reymud.spatial.aoi_mask`).
    window : (float, float)
        Depth window (mbsf) the point values describe (attrs).
    domain : {"window", "rey_rich"}
    synthetic : bool or str
        Whether the data are synthetic (attrs, "true"/"false").
    defaults : BlockModelDefaults
        Fallbacks (discretisation, neighbourhood, auto-model range).
    plan : dict, optional
        ``EstimationPlan.to_dict()`` of the run, stored as JSON in ``attrs["plan"]``.
    drift : {"none", "linear", "quadratic"}
        Ordinary-kriging drift in easting/northing (universal kriging; the plan's ``trend``; only
        without an estimator object).

    Returns
    -------
    xarray.Dataset
        The BLOCK MODEL per docs/CONTRACTS.md; ``thickness_m`` is clipped to [0, window length]
        and ``overburden_m`` to >= 0 (kriging weights can be negative).
    """
    _check_points(points, grid)
    template = resolve_estimator(estimator, neighbourhood, block, drift, defaults)
    models = dict(models or {})
    variables = _variables(points, variables)
    blocks = _Blocks(grid)
    used, diagnostics = _krige_grades(blocks, points, variables, models, template, defaults)
    for v in _other_variables(points, variables, models):
        used.update(_krige_variable(blocks, points, v, models, template, defaults))
    _estimate_density(blocks, points, template, defaults)
    _clip_and_fill(blocks, window)
    _put_diagnostics(blocks, diagnostics)
    ds = blocks.ds
    aoi = np.ones(grid.shape, dtype=bool) if inside is None else np.asarray(inside, dtype=bool)
    if aoi.shape != grid.shape:
        raise ValueError(f"estimate_block_model: inside mask shape {aoi.shape} != grid {grid.shape}")
    ds["inside"] = (("northing", "easting"), aoi & np.isfinite(ds["total_rey_ppm"].values))
    syn = synthetic if isinstance(synthetic, str) else ("true" if synthetic else "false")
    ds.attrs.update(
        crs=grid.crs, cell_size_m=grid.cell_m, window_top_mbsf=float(window[0]),
        window_base_mbsf=float(window[1]), domain=domain, synthetic=syn, estimator=describe_estimator(template),
        created_by=_version(), variogram=json.dumps(used["total_rey_ppm"]), variogram_models=json.dumps(used),
        element_models="total_rey_ppm model scaled to each element's variance (same kriging weights)",
        n_points=len(points),
    )
    ds.attrs.update(variogram_attrs(VariogramModel.from_dict(used["total_rey_ppm"])))
    if plan is not None:
        ds.attrs["plan"] = json.dumps(plan)
    return ds


def variogram_attrs(model: VariogramModel) -> dict[str, float]:
    """What later stages read of the total REY variogram, as named block-model attributes.

    ``variogram_range_m`` (the longest structure's major range: the classification's distance
    scale), ``variogram_sill`` (total sill) and ``variogram_nugget``. The full model stays in
    ``attrs["variogram"]`` (JSON) for the record; no other stage parses it.
    """
    out = {"variogram_sill": float(model.sill), "variogram_nugget": float(model.nugget)}
    if model.structures:  # a pure nugget has no range: classification then needs a stated range_m
        out["variogram_range_m"] = float(max(s.range_m for s in model.structures))
    return out


def resolve_estimator(estimator: _Kriging | str | None, neighbourhood: Neighbourhood | None = None,
                      block: tuple[int, int] | None = BLOCK_DEFAULTS.block, drift: str = "none",
                      defaults: BlockModelDefaults = BLOCK_DEFAULTS) -> _Kriging:
    """The block model's estimator template (its neighbourhood always set).

    ``None`` builds ordinary kriging from ``neighbourhood``, ``block`` and ``drift``; the strings
    ``"ok"`` / ``"sk"`` do the same (simple kriging: each variable's data mean, no drift) with a
    ``DeprecationWarning``; an :class:`OrdinaryKriging` / :class:`SimpleKriging` object is used as it
    is (giving ``neighbourhood``, ``block`` or ``drift`` as well raises: set them on the object).
    """
    if isinstance(estimator, str):
        if estimator not in ("ok", "sk"):
            raise ValueError(f"estimator must be 'ok' or 'sk', got {estimator!r}")
        warnings.warn(f"estimate_block_model(estimator={estimator!r}) is deprecated: pass an estimator object, "
                      f"e.g. {'SimpleKriging(None, mean=None' if estimator == 'sk' else 'OrdinaryKriging(None'}, "
                      "neighbourhood=..., block=...)", DeprecationWarning, stacklevel=3)
    if estimator is None or isinstance(estimator, str):
        hood = neighbourhood or defaults.neighbourhood
        if estimator == "sk":
            return SimpleKriging(None, None, hood, block)
        return OrdinaryKriging(None, hood, block, drift=drift)
    if not isinstance(estimator, _Kriging):
        raise TypeError(f"estimate_block_model: estimator must be an OrdinaryKriging or SimpleKriging object "
                        f"(a template; its model is set per variable), got {type(estimator).__name__}")
    if neighbourhood is not None or drift != "none" or block != BLOCK_DEFAULTS.block:
        raise ValueError("estimate_block_model: with an estimator object give neighbourhood, block and drift on "
                         "the estimator, not as arguments")
    if estimator.neighbourhood is None:
        estimator = _with(estimator, neighbourhood=defaults.neighbourhood)
    return estimator


def describe_estimator(template: _Kriging) -> str:
    """The block model's ``attrs["estimator"]`` text (method, drift, support, neighbourhood)."""
    kind = "simple" if isinstance(template, SimpleKriging) else "ordinary"
    drift = "" if template.drift == "none" else f" with {template.drift} drift (universal)"
    support = "block " + "x".join(map(str, template.block)) if template.block else "point"
    return f"{kind} kriging{drift}, {support}; {template.neighbourhood.describe()}"


def _with(template: _Kriging, **params) -> _Kriging:
    """A fresh copy of ``template`` with ``params`` changed (scikit-learn ``clone`` + ``set_params``)."""
    return type(template)(**{**template.get_params(), **params})


class _Blocks:
    """The block model being written: one ``(northing, easting)`` variable at a time."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.ds = grid.template()

    def put(self, name: str, values: np.ndarray, attrs: dict | None = None) -> None:
        self.ds[name] = (("northing", "easting"), np.reshape(values, self.grid.shape), attrs or {})

    def nan(self) -> np.ndarray:
        return np.full(self.grid.nx * self.grid.ny, np.nan)


def _check_points(points: pd.DataFrame, grid: Grid | None) -> None:
    if grid is None:
        raise ValueError("estimate_block_model: a Grid is required (Grid.around(points, cell_m))")
    missing = {"easting", "northing"} - set(points.columns)
    if missing:
        raise ValueError(f"estimate_block_model: points lack {sorted(missing)}; use points_from_cores")


def _variables(points: pd.DataFrame, variables: list[str] | None) -> list[str]:
    if variables is None:
        elements = [el for el in REY if element_column(points, el) is not None]
        variables = [v for v in BASE_VARIABLES if v in points.columns] + [f"{el}_ppm" for el in elements]
    if "total_rey_ppm" not in variables or "total_rey_ppm" not in points.columns:
        raise ValueError("estimate_block_model: points need a total_rey_ppm column (geochem.summarise)")
    return list(variables)


def _grade_elements(variables: list[str], models: dict) -> list[str]:
    """Element grades kriged with the total's weights (those without a model of their own)."""
    return [v for v in variables if v.endswith("_ppm") and v[:-4] in REY and v not in models]


def _other_variables(points: pd.DataFrame, variables: list[str], models: dict) -> list[str]:
    grades = {"total_rey_ppm", *_grade_elements(variables, models)}
    others = [v for v in variables if v not in grades]
    for v in others:
        if v not in points.columns and not (v.endswith("_ppm") and element_column(points, v[:-4])):
            raise ValueError(f"estimate_block_model: variable {v!r} not in points")
    return others


def _xy(points: pd.DataFrame) -> np.ndarray:
    return points[["easting", "northing"]].to_numpy(float)


def _krige_grades(blocks: _Blocks, points: pd.DataFrame, variables: list[str], models: dict, template: _Kriging,
                  defaults: BlockModelDefaults) -> tuple[dict[str, dict], dict[str, np.ndarray]]:
    """Total REY and every element grade in one pass with the total's weights.

    Returns the model used (as a dict) and the kriging result, whose diagnostics describe the blocks.
    """
    xy = _xy(points)
    total = points["total_rey_ppm"].to_numpy(float)
    model = models.get("total_rey_ppm") or auto_model(xy, total, "total_rey_ppm", defaults)
    ok = np.isfinite(total)
    kt = _with(template, model=model).fit(xy[ok], total[ok])
    el_vars = _grade_elements(variables, models)
    cols = [total[ok]] + [points[element_column(points, v[:-4])].to_numpy(float)[ok] for v in el_vars]
    stack = np.column_stack(cols)
    res = kt.predict_many(blocks.grid, np.where(np.isfinite(stack), stack, np.nanmean(stack, axis=0)))
    blocks.put("total_rey_ppm", res["estimate"][:, 0], {"units": "ppm", "long_name": "total REY (incl. Ce)"})
    blocks.put("total_rey_ppm_variance", res["variance"], {"units": "ppm2"})
    for j, v in enumerate(el_vars):
        blocks.put(v, res["estimate"][:, j + 1], {"units": "ppm"})
    return {"total_rey_ppm": model.to_dict()}, res


def _put_diagnostics(blocks: _Blocks, res: dict[str, np.ndarray]) -> None:
    """Search and kriging diagnostics of the total REY pass (they describe every block)."""
    blocks.put("n_samples", res["n_samples"].astype(np.int64))
    blocks.put("mean_distance_m", res["mean_distance_m"], {"units": "m"})
    blocks.put("nearest_core_m", res["nearest_sample_m"], {"units": "m"})
    blocks.put("n_cores_in_search", np.asarray(res["n_in_search"], dtype=np.int64))
    blocks.put("slope_of_regression", res["slope_of_regression"])
    blocks.put("kriging_efficiency", res["kriging_efficiency"])


def _krige_variable(blocks: _Blocks, points: pd.DataFrame, v: str, models: dict, template: _Kriging,
                    defaults: BlockModelDefaults) -> dict[str, dict]:
    """One variable with its own model (a constant where the data are constant); its model as a dict."""
    col = v if v in points.columns else element_column(points, v[:-4])
    z = points[col].to_numpy(float)
    okv = np.isfinite(z)
    units = "m" if v.endswith("_m") else "ppm"
    estimated = np.isfinite(blocks.ds["total_rey_ppm"].values).ravel()
    if okv.any() and np.ptp(z[okv]) == 0:  # constant (e.g. no overburden anywhere): no kriging needed
        blocks.put(v, np.where(estimated, z[okv][0], np.nan), {"units": units, "note": "constant in the data"})
        if v == "thickness_m":
            blocks.put("thickness_m_variance", np.zeros(blocks.grid.nx * blocks.grid.ny), {"units": "m2"})
        return {}
    xy = _xy(points)
    model = models.get(v) or auto_model(xy[okv], z[okv], v, defaults)
    r = _with(template, model=model).fit(xy[okv], z[okv]).estimate(blocks.grid)
    blocks.put(v, r["estimate"].values, {"units": units})
    if v == "thickness_m":
        blocks.put("thickness_m_variance", r["variance"].values, {"units": "m2"})
    return {v: model.to_dict()}


def _clip_and_fill(blocks: _Blocks, window: tuple[float, float]) -> None:
    """Missing thickness/overburden as NaN; kriging weights can be negative, so clip to the physical range."""
    ds = blocks.ds
    for v in ("thickness_m", "overburden_m"):
        if v not in ds:
            blocks.put(v, blocks.nan(), {"units": "m", "note": "not in points"})
    if "thickness_m_variance" not in ds:
        blocks.put("thickness_m_variance", blocks.nan(), {"units": "m2"})
    window_m = float(window[1]) - float(window[0])
    ds["thickness_m"] = ds["thickness_m"].clip(0.0, window_m).assign_attrs(
        {**ds["thickness_m"].attrs, "clipped_to_m": f"0-{window_m:g}"})
    ds["overburden_m"] = ds["overburden_m"].clip(0.0, None).assign_attrs(ds["overburden_m"].attrs)


def _estimate_density(blocks: _Blocks, points: pd.DataFrame, template: _Kriging,
                      defaults: BlockModelDefaults) -> None:
    """``density_t_m3`` from the cores' measured dry bulk density (``dry_density_g_cm3``; g/cm3 == t/m3).

    Ordinary kriging with its own automatic model (a constant when all measurements agree), in the
    same neighbourhood as the grades. Blocks with fewer measured cores than the neighbourhood's
    minimum stay NaN: their tonnage uses the stated default density and their class is capped by
    ``ClassificationRules.max_class_with_assumed_density``. Without measurements nothing is added.
    """
    if "dry_density_g_cm3" not in points.columns:
        return
    ds, grid, hood, xy_all = blocks.ds, blocks.grid, template.neighbourhood, _xy(points)
    z = points["dry_density_g_cm3"].to_numpy(float)
    ok = np.isfinite(z)
    if ok.sum() < max(hood.min_samples, 2):
        return
    attrs = {"units": "t m-3", "long_name": "dry bulk density (kriged from measured cores)"}
    if np.ptp(z[ok]) == 0:
        blocks.put("density_t_m3", np.where(np.isfinite(ds["total_rey_ppm"].values), z[ok][0], np.nan).ravel(), attrs)
        return
    model = auto_model(xy_all[ok], z[ok], "dry_density_g_cm3", defaults)
    est = OrdinaryKriging(model, hood, template.block).fit(xy_all[ok], z[ok]).estimate(grid)["estimate"].values
    blocks.put("density_t_m3", np.where(np.isfinite(ds["total_rey_ppm"].values), est, np.nan).ravel(), attrs)


def fit_plan_model(xy: np.ndarray, values: np.ndarray, plan, name: str = "variable",
                   defaults: BlockModelDefaults = BLOCK_DEFAULTS):
    """Experimental variogram and fitted model of one variable as the plan says (one recipe for
    ``reymud estimate`` and ``assess``); falls back to :func:`auto_model` when the fit fails.

    Parameters
    ----------
    xy : ndarray (n, 2)
        Easting/northing (m).
    values : ndarray (n,)
        Values; NaN (e.g. barren cores in the ``rey_rich`` domain) are left out.
    plan : EstimationPlan
        ``n_lags``, ``max_lag_fraction`` (of the data's bounding-box diagonal), ``variogram_kinds``,
        ``variogram_weighting`` and ``trend`` (not "none": the variogram of the trend-surface
        residuals, :func:`reymud.spatial.trend.fit_trend_and_variogram`).
    name : str
        Variable name for messages.

    Returns
    -------
    experimental : DataFrame
    model : VariogramModel
    how : str
        ``"weighted least squares fit"``, ``"fallback (auto_model)"`` or, for constant data,
        ``"not fitted: all n values equal v ..."`` (the fit is skipped: a negligible-sill placeholder
        model is returned and :func:`estimate_block_model` uses the constant without kriging).
    warning : str or None
        Why the fit failed, when it did (None for constant data: that is a note, not a failure).
    """
    ok = np.isfinite(values)
    xy, values = np.asarray(xy, float)[ok], np.asarray(values, float)[ok]
    diagonal = float(np.hypot(*np.ptp(xy, axis=0))) if len(xy) else 0.0
    if len(values) and np.ptp(values) == 0:  # constant (e.g. every core spans the window): nothing to fit
        experimental = experimental_variogram(xy, values, n_lags=plan.n_lags,
                                              max_lag=plan.max_lag_fraction * diagonal or None)
        model = VariogramModel(0.0, (Structure("spherical", 1e-12, max(diagonal * defaults.fallback_range_fraction,
                                                                       1.0)),))
        return (experimental, model, f"not fitted: all {len(values)} values equal {values[0]:g} (constant; "
                                     "estimated as that constant, no kriging)", None)
    if plan.trend != "none" and np.ptp(values) > 0:  # universal kriging needs the residual variogram
        from reymud.spatial.trend import TrendSurface, fit_trend_and_variogram

        try:
            _, model, experimental, _ = fit_trend_and_variogram(
                xy, values, trend=plan.trend, kinds=tuple(plan.variogram_kinds), weighting=plan.variogram_weighting,
                n_lags=plan.n_lags, max_lag=plan.max_lag_fraction * diagonal)
            return experimental, model, f"weighted least squares fit on {plan.trend}-trend residuals", None
        except VariogramFitError as exc:
            resid = TrendSurface(plan.trend).fit(xy, values).residuals(xy, values)
            experimental = experimental_variogram(xy, resid, n_lags=plan.n_lags,
                                                  max_lag=plan.max_lag_fraction * diagonal)
            return (experimental, auto_model(xy, resid, name=name), "fallback (auto_model on residuals)",
                    f"variogram {name}: residual fit failed ({exc}); automatic fallback model used")
    experimental = experimental_variogram(xy, values, n_lags=plan.n_lags, max_lag=plan.max_lag_fraction * diagonal)
    try:
        model = fit_variogram(experimental, kinds=tuple(plan.variogram_kinds), nugget=True,
                              weighting=plan.variogram_weighting)
        return experimental, model, "weighted least squares fit", None
    except VariogramFitError as exc:
        return (experimental, auto_model(xy, values, name=name), "fallback (auto_model)",
                f"variogram {name}: fit failed ({exc}); automatic fallback model used")


def plan_grid(points: pd.DataFrame, plan) -> tuple[Grid, xr.DataArray, object]:
    """Grid, block fractions and area of interest of a plan: the same blocks for every entry point.

    Parameters
    ----------
    points : DataFrame
        Window points (``longitude``, ``latitude``; ``attrs["crs"]`` the projected CRS).
    plan : EstimationPlan
        ``area`` (None = the cores' convex hull plus ``margin_m``) and ``cell_m``.

    Returns
    -------
    grid : Grid
        The smallest grid of ``plan.cell_m`` blocks covering the area.
    fractions : DataArray
        ``aoi_fraction``: part (0..1) of each block inside the area; tonnage is weighted by it.
    area : AreaOfInterest
    """
    crs = str(points.attrs.get("crs") or plan.crs or "")
    if not crs:
        raise ValueError("plan_grid: the points carry no projected CRS (attrs['crs']); use window_points")
    aoi = plan.area_of_interest(points["longitude"].to_numpy(float), points["latitude"].to_numpy(float), crs=crs)
    grid = aoi.grid(plan.cell_m, crs)
    return grid, aoi.block_fractions(grid), aoi


from reymud.spatial.blockmodel3d import estimate_block_model_3d  # noqa: E402  (re-exported; imports this module)
