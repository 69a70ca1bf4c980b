"""The 3-D BLOCK MODEL over depth slices (docs/CONTRACTS.md), re-exported by ``spatial.blockmodel``.

Each slice is a 2-D block model of the composites' length-weighted means inside the slice, built by
:func:`reymud.spatial.blockmodel.estimate_block_model`. Given the run's
:class:`~reymud.spatial.plan.EstimationPlan`, every slice follows the same recipe as the 2-D model of
that plan (``reymud estimate``, ``assess``): the plan's neighbourhood and block discretisation, its
``trend`` as the kriging drift (universal kriging) and, for ``total_rey_ppm`` and ``thickness_m``,
the variogram :func:`~reymud.spatial.blockmodel.fit_plan_model` fits to the slice's data (of the
trend-surface residuals when the plan has a trend).

Kriged alone, the slices need not total the 2-D model: each slice's drift is fitted to that slice's
data and extrapolates on its own, and negative slice estimates are clipped at 0 by the resource stage
(with the demo's linear-trend plan the slices' contained REY at cut-off 0 was +3.1 % above the 2-D
model's on the 14-core seed-7 survey at 2 km blocks, +1.4 % on the demo survey at 1 km blocks). Given the
2-D model of the window (``column=``, as ``reymud estimate`` does) and the plan's ``slice_totals``
``"column"`` (the default), the slices of every block are rescaled so their dry tonnage and metal
equal the column's (:mod:`reymud.spatial._reconcile`): the 2-D and 3-D models then give the same
tonnage and contained metal at zero cut-off (to round-off) whatever the plan's trend, and a cut-off
per slice still selects the richer slices. ``slice_totals: independent``, or no column, keeps the
slices as kriged (``attrs["slice_totals"]`` says which).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import xarray as xr

from reymud.spatial._reconcile import reconcile_slices
from reymud.spatial.covariance import VariogramModel
from reymud.spatial.crs import Grid

__all__ = ["estimate_block_model_3d", "slice_points"]

_PLAN_FITTED = ("total_rey_ppm", "thickness_m")  #: variables fitted per slice by the plan's recipe (as in 2-D)


def slice_points(composites: pd.DataFrame, positions: pd.DataFrame, top: float, bottom: float) -> pd.DataFrame:
    """One row per core of the composites' length-weighted means inside the slice ``top``-``bottom`` mbsf.

    Parameters
    ----------
    composites : DataFrame
        ``core_id, top_mbsf, bottom_mbsf`` and numeric grade columns.
    positions : DataFrame
        ``core_id, easting, northing`` (one row per core).
    top, bottom : float
        Slice limits, mbsf.

    Returns
    -------
    DataFrame
        ``core_id``, the length-weighted mean of every numeric column, ``thickness_m`` (the composite
        length inside the slice), ``easting``, ``northing``. Cores that did not reach the slice are absent.
    """
    top_c = composites["top_mbsf"].to_numpy(float)
    bot_c = composites["bottom_mbsf"].to_numpy(float)
    overlap = np.clip(np.minimum(bot_c, bottom) - np.maximum(top_c, top), 0.0, None)
    sel = composites[overlap > 0].assign(_w=overlap[overlap > 0])
    if sel.empty:
        raise ValueError(f"estimate_block_model_3d: no composite in slice {top:g}-{bottom:g} mbsf")
    num = sel.select_dtypes(include=[np.number]).drop(columns=["top_mbsf", "bottom_mbsf", "_w"], errors="ignore")
    wsum = sel.groupby("core_id")["_w"].sum()
    wmean = num.mul(sel["_w"], axis=0).groupby(sel["core_id"]).sum().div(wsum, axis=0)
    wmean["thickness_m"] = wsum
    return wmean.reset_index().merge(positions, on="core_id", how="inner")


def _slice_models(pts: pd.DataFrame, models: dict[str, VariogramModel], plan, label: str) -> tuple[dict, dict]:
    """The slice's models: the given ones, plus the plan's fit of total REY and thickness (as the 2-D model).

    Returns the models and ``{variable: how}`` (how each was fitted, for the record); a failed fit
    is a warning naming the slice.
    """
    from reymud.spatial.blockmodel import fit_plan_model

    out, how = dict(models), {}
    xy = pts[["easting", "northing"]].to_numpy(float)
    for v in _PLAN_FITTED:
        if v in out or v not in pts.columns:
            continue
        _, out[v], how[v], warning = fit_plan_model(xy, pts[v].to_numpy(float), plan, v)
        if warning:
            warnings.warn(f"slice {label} mbsf: {warning}", stacklevel=3)
    return out, how


def estimate_block_model_3d(
    composites: pd.DataFrame,
    positions: pd.DataFrame,
    grid: Grid,
    slice_m: float = 1.0,
    top_mbsf: float = 0.0,
    base_mbsf: float = 10.0,
    models: dict[str, VariogramModel] | None = None,
    plan=None,
    column: xr.Dataset | None = None,
    **kwargs,
) -> xr.Dataset:
    """3-D block model over depth slices (leading dim ``depth_mbsf``, slice centres).

    Parameters
    ----------
    composites : DataFrame
        ``reymud.cores.composite`` output: ``core_id, top_mbsf, bottom_mbsf, length_m`` and grades
        (``total_rey_ppm`` and element columns).
    positions : DataFrame
        ``core_id, easting, northing`` (e.g. :func:`points_from_cores` output).
    grid : Grid
    slice_m, top_mbsf, base_mbsf : float
        Slice thickness and the depth range, mbsf.
    models : dict, optional
        Models per variable, shared by every slice (default: fitted per slice).
    plan : EstimationPlan, optional
        The run's plan: each slice is kriged with its neighbourhood, block discretisation and
        ``trend`` (drift), and ``total_rey_ppm`` / ``thickness_m`` without a given model get the
        plan's variogram fit of the slice's data (trend residuals under a trend), as the 2-D model
        does. Options in ``kwargs`` (``neighbourhood``, ``block``, ``drift``, ``estimator``) win.
        Without a plan: :func:`estimate_block_model`'s defaults (ordinary kriging, no drift,
        automatic models).
    column : xarray.Dataset, optional
        The 2-D block model of the same window, grid and plan (``reymud estimate``'s). Unless the
        plan's ``slice_totals`` is ``"independent"``, every block's slices are rescaled to it: slice
        dry tonnage to the column's and slice metal to the column's for ``total_rey_ppm`` and every
        ``<El>_ppm`` the column has (negative slice estimates clipped at 0 first); kriging
        variances, slope of regression and distances stay the slices' own. Blocks outside the
        column's ``inside`` are untouched. Without it the slices are independent.
    **kwargs
        Passed to :func:`estimate_block_model`.

    Returns
    -------
    xarray.Dataset
        The slices concatenated along ``depth_mbsf``; ``attrs["slice_variogram_fits"]`` (JSON, with a
        plan) says how each slice's models were fitted; ``attrs["slice_totals"]`` is ``"column"`` or
        ``"independent"`` and ``attrs["slice_reconciliation"]`` (JSON) records the method, the per-block
        scale factors (median, P5, P95), blocks whose slices summed to 0 and the clipped negatives.

    Warns
    -----
    SliceReconciliationWarning
        The per-block metal factor's P5-P95 lies outside 0.8-1.25: slices and column disagree.

    Notes
    -----
    In each slice ``thickness_m`` is the sampled composite length inside the slice (kriged), and
    ``overburden_m`` is the slice top depth. Cores that did not reach a slice do not inform it.
    """
    from reymud.spatial.blockmodel import estimate_block_model

    need = {"core_id", "top_mbsf", "bottom_mbsf"}
    if need - set(composites.columns):
        raise ValueError(f"estimate_block_model_3d: composites lack {sorted(need - set(composites.columns))}")
    if not slice_m > 0:
        raise ValueError(f"estimate_block_model_3d: slice_m must be > 0, got {slice_m!r}")
    if plan is not None and "estimator" not in kwargs:
        kwargs = {"neighbourhood": plan.neighbourhood(), "block": plan.block_discretisation, "drift": plan.trend,
                  "plan": plan.to_dict(), **kwargs}
    pos = positions[["core_id", "easting", "northing"]].drop_duplicates("core_id")
    tops = np.arange(top_mbsf, base_mbsf - 1e-9, slice_m)
    layers, fits = [], {}
    for top in tops:  # a loop over a handful of depth slices, each fully vectorised
        pts = slice_points(composites, pos, float(top), float(top + slice_m))
        layer_models = dict(models or {})
        if plan is not None:
            label = f"{top:g}-{top + slice_m:g}"
            layer_models, fits[label] = _slice_models(pts, layer_models, plan, label)
        layer = estimate_block_model(pts, grid=grid, models=layer_models, window=(top, top + slice_m), **kwargs)
        layer["overburden_m"] = xr.full_like(layer["total_rey_ppm"], float(top)).assign_attrs(
            units="m", note="slice top depth")
        layers.append(layer)
    out = xr.concat(layers, dim=pd.Index(tops + slice_m / 2.0, name="depth_mbsf"), combine_attrs="override")
    out["depth_mbsf"].attrs["units"] = "m below seafloor (slice centre)"
    out.attrs.update(slice_thickness_m=float(slice_m), window_top_mbsf=float(top_mbsf),
                     window_base_mbsf=float(base_mbsf))
    if plan is not None:
        out.attrs["slice_variogram_fits"] = json.dumps(fits)
    totals = "column" if plan is None else plan.slice_totals
    if column is not None and totals == "column":
        return reconcile_slices(out, column)
    why = ("the plan's slice_totals is 'independent'" if column is not None
           else "no 2-D column model was given (column=None)")
    out.attrs["slice_totals"] = "independent"
    out.attrs["slice_reconciliation"] = json.dumps(
        {"method": f"independent: each slice kriged alone, not rescaled to a column model ({why})"})
    return out
