"""Depth slices of a 3-D block model rescaled to the 2-D column model of the same window.

A stratiform deposit's seam (here the REY-mud window) is estimated once as a column: thickness and
window grade per block (the 2-D model). Kriging every 1 m slice alone, with the plan's drift fitted to
that slice's data, gives slices whose per-block sums wander from the column (each slice's linear
trend extrapolates on its own, and negative estimates are clipped at 0). The standard remedy is to
keep the slices' vertical *distribution* and constrain their *totals* to the column model, per block:

* dry tonnage: ``w_s = t_s * rho_s``, ``w_s' = w_s * W / sum_s w_s`` with ``W = T * rho`` of the
  column (without any density variable the densities cancel: ``t_s' = t_s * T / sum_s t_s``);
* metal, per grade variable: ``a_s = w_s' * g_s``, ``a_s' = a_s * (W * G) / sum_s a_s``,
  ``g_s' = a_s' / w_s'`` (the slice grades times one factor per block).

So :func:`reymud.resource.blocks_table` gives the 3-D model the 2-D model's tonnage and contained
metal at cut-off 0, while a cut-off applied per slice still selects the richer slices.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import xarray as xr

from reymud import defaults as _defaults

__all__ = ["DEFAULT_DENSITY_T_M3", "METAL_FACTOR_RANGE", "SliceReconciliationWarning", "reconcile_slices"]

#: Dry bulk density (t/m3) blocks_table assumes where a block has none (the one home, reymud.defaults).
DEFAULT_DENSITY_T_M3: float = _defaults.DENSITY_T_M3
#: P5-P95 of the per-block metal factor expected when slices and column agree; outside it, a warning.
METAL_FACTOR_RANGE: tuple[float, float] = (0.8, 1.25)

METHOD = ("slices kriged alone (per-slice plan recipe), negatives clipped at 0, then rescaled per block: "
          "slice dry tonnage (thickness x density) to the column's, slice metal (tonnage x grade) to the "
          "column's for every grade variable; kriging variances, slope of regression and distances are "
          "the slices' own")


class SliceReconciliationWarning(UserWarning):
    """The slices and the 2-D column model disagree by more than :data:`METAL_FACTOR_RANGE` on many blocks."""


def _stats(values: np.ndarray) -> dict:
    """Median, P5 and P95 of the finite values (None when there are none) and their count."""
    v = values[np.isfinite(values)]
    if not v.size:
        return {"n_blocks": 0, "median": None, "p5": None, "p95": None}
    p5, med, p95 = np.percentile(v, [5, 50, 95])
    return {"n_blocks": int(v.size), "median": float(med), "p5": float(p5), "p95": float(p95)}


def _disagreement(metal: dict, n_clipped: int, n_blocks: int) -> str | None:
    """The warning text when a metal factor's P5-P95 leaves :data:`METAL_FACTOR_RANGE` (None if none does)."""
    lo, hi = METAL_FACTOR_RANGE
    off = [v for v, s in metal.items() if s["n_blocks"] and (s["p5"] < lo or s["p95"] > hi)]
    if not off:
        return None
    first = metal[off[0]]
    others = f" (and {len(off) - 1} more grade variable(s) likewise)" if len(off) > 1 else ""
    why = []
    if first["p5"] < lo:
        why.append("below 1: the slices, negative estimates clipped at 0, held more metal than the column; "
                   f"{n_clipped} of {n_blocks} blocks had a clipped slice")
    if first["p95"] > hi:
        why.append("above 1: the slices held less metal than the column")
    return (f"the 3-D slices and the 2-D column model disagree: the factor that rescales a block's slice metal "
            f"to the column's has P5-P95 {first['p5']:.3f}-{first['p95']:.3f} for {off[0]}{others}, outside "
            f"{lo:g}-{hi:g}, i.e. more than 5 % of the blocks needed their slice grades changed by over 20 % "
            f"({'; '.join(why)}); each slice was kriged with its own drift and data and extrapolates "
            "differently from the column: check the plan (trend, neighbourhood, variograms) before relying on "
            "slice grades at a cut-off")


def _density(ds: xr.Dataset, shape: tuple[int, ...], default: float) -> np.ndarray:
    """The model's ``density_t_m3`` where finite, ``default`` elsewhere (as blocks_table reads it)."""
    if "density_t_m3" not in ds:
        return np.full(shape, default)
    rho = np.broadcast_to(np.asarray(ds["density_t_m3"].values, dtype=float), shape)
    return np.where(np.isfinite(rho), rho, default)


def reconcile_slices(slices: xr.Dataset, column: xr.Dataset, *, source: str = "2-D block model of the window",
                     default_density_t_m3: float = DEFAULT_DENSITY_T_M3) -> xr.Dataset:
    """The slices of ``slices`` rescaled so each block's slices total the ``column`` model.

    Parameters
    ----------
    slices : xarray.Dataset
        3-D BLOCK MODEL ``(depth_mbsf, northing, easting)``: ``thickness_m``, ``total_rey_ppm`` and
        other ``*_ppm`` grades, optionally ``density_t_m3``.
    column : xarray.Dataset
        2-D BLOCK MODEL of the same window on the same grid: ``thickness_m`` and the grades;
        ``inside`` (optional) limits the blocks that are reconciled.
    source : str
        What the column is, for the record.
    default_density_t_m3 : float
        Density where a model carries none (blocks_table's default).

    Returns
    -------
    xarray.Dataset
        A copy of ``slices`` with ``thickness_m`` and every ``*_ppm`` grade the column also has
        rescaled on the blocks inside the column; other variables as kriged.
        ``attrs["slice_reconciliation"]`` (JSON) records the method, the per-block factors (median,
        P5, P95), the blocks whose slices summed to 0 and the clipped negative estimates.

    Notes
    -----
    Edge cases, per block inside the column (blocks outside are untouched):

    * column thickness or total REY NaN: the block's reconciled variables are set to NaN (the 2-D
      model has no estimate there; a 3-D estimate of its own would not be constrained);
    * no slice with a thickness and a total REY estimate (inside the slice's own ``inside``, when the
      slices have one): the block stays NaN;
    * slice tonnage summing to 0 while the column's is > 0: the column's tonnage is spread evenly over
      the estimated slices; slice metal summing to 0 while the column's is > 0: the column grade is
      given to every slice with tonnage;
    * a slice left with no tonnage keeps its (clipped) kriged grade: it holds no metal.

    Raises
    ------
    ValueError
        Grids that differ, or a model without ``thickness_m`` / ``total_rey_ppm``.
    """
    for name, ds in (("slices", slices), ("column", column)):
        if {"thickness_m", "total_rey_ppm"} - set(ds.data_vars):
            raise ValueError(f"reconcile_slices: the {name} model needs thickness_m and total_rey_ppm")
    for dim in ("northing", "easting"):
        a, b = slices[dim].values.astype(float), column[dim].values.astype(float)
        if a.shape != b.shape or not np.allclose(a, b, rtol=0, atol=1e-6):
            raise ValueError(f"reconcile_slices: the slices and the column are on different grids ({dim})")
    slices = slices.transpose("depth_mbsf", "northing", "easting", ...)
    column = column.transpose("northing", "easting", ...)
    dims3 = slices["thickness_m"].dims
    others = sorted(v for v in slices.data_vars if v.endswith("_ppm") and v in column and v != "total_rey_ppm"
                    and slices[v].dims == dims3)
    grades = ["total_rey_ppm", *others]
    shape = slices["thickness_m"].shape
    inside = (np.asarray(column["inside"].fillna(False).values, dtype=bool) if "inside" in column
              else np.ones(shape[1:], dtype=bool))

    t = np.asarray(slices["thickness_m"].values, dtype=float)
    g = {v: np.asarray(slices[v].values, dtype=float) for v in grades}
    negative = (t < 0) | np.logical_or.reduce([g[v] < 0 for v in grades])
    negative &= inside
    t, g = np.clip(t, 0.0, None), {v: np.clip(a, 0.0, None) for v, a in g.items()}
    big_t = np.clip(np.asarray(column["thickness_m"].values, dtype=float), 0.0, None)
    big_g = {v: np.clip(np.asarray(column[v].values, dtype=float), 0.0, None) for v in grades}

    rho = _density(slices, shape, default_density_t_m3)
    big_w = big_t * _density(column, shape[1:], default_density_t_m3)
    valid = np.isfinite(t) & np.isfinite(g["total_rey_ppm"])  # the slice-blocks blocks_table keeps
    if "inside" in slices:
        valid &= np.broadcast_to(np.asarray(slices["inside"].fillna(False).values, dtype=bool), shape)
    n_valid = valid.sum(axis=0)
    col_ok = inside & np.isfinite(big_w) & np.isfinite(big_g["total_rey_ppm"])
    nan_col = inside & ~col_ok
    no_slices = col_ok & (n_valid == 0)
    act = col_ok & (n_valid > 0)  # blocks reconciled

    w = np.where(valid, t * rho, 0.0)
    wsum = w.sum(axis=0)
    zero_w = act & (wsum <= 0) & (big_w > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f_t = np.where(wsum > 0, big_w / wsum, np.nan)
        w_new = np.where(zero_w, big_w / np.maximum(n_valid, 1), w * np.where(np.isfinite(f_t), f_t, 0.0))
        w_new = np.where(valid, w_new, np.nan)
        t_new = w_new / rho
    out = slices.copy()
    t_out = np.where(act, t_new, np.asarray(slices["thickness_m"].values, dtype=float))
    t_out = np.where(nan_col | no_slices, np.nan, t_out)
    out["thickness_m"] = (dims3, t_out, slices["thickness_m"].attrs)

    metal, zero_a = {}, {"thickness_m": int(zero_w.sum())}
    for v in grades:
        gv = g[v]
        a = np.where(valid & np.isfinite(gv), w_new * gv, 0.0)
        asum, big_a = a.sum(axis=0), big_w * big_g[v]
        with np.errstate(invalid="ignore", divide="ignore"):
            f_a = np.where(asum > 0, big_a / asum, np.nan)
        spread = act & (asum <= 0) & (big_a > 0)
        scaled = np.where(spread, big_g[v], gv * np.where(np.isfinite(f_a), f_a, 0.0))
        g_new = np.where(valid & (w_new > 0), scaled, gv)  # no tonnage: the kriged grade, no metal
        g_out = np.where(act, g_new, np.asarray(slices[v].values, dtype=float))
        g_out = np.where(nan_col | no_slices, np.nan, g_out)
        out[v] = (dims3, g_out, slices[v].attrs)
        metal[v] = _stats(f_a[act])
        zero_a[v] = int(spread.sum())

    slice_m = float(slices.attrs.get("slice_thickness_m", np.nan))
    record = {
        "method": METHOD,
        "column": source,
        "variables": ["thickness_m", *grades],
        "density": ("dry tonnage reconciled with density_t_m3" if "density_t_m3" in slices or "density_t_m3"
                    in column else "no density variable: thickness reconciled (densities cancel)")
        + f"; {default_density_t_m3:g} t/m3 where a model has none",
        "n_blocks_reconciled": int(act.sum()),
        "thickness_factor": _stats(f_t[act]),
        "metal_factor": metal,
        "n_blocks_slices_summed_to_zero": zero_a,
        "n_clipped_negative": {"slice_blocks": int(negative.sum()), "blocks": int(negative.any(axis=0).sum())},
        "n_blocks_column_nan": int(nan_col.sum()),
        "n_blocks_without_slice_estimates": int(no_slices.sum()),
        "max_slice_thickness_m": float(np.nanmax(t_new[:, act])) if np.isfinite(t_new[:, act]).any() else None,
        "slice_thickness_m": slice_m if np.isfinite(slice_m) else None,
        "note": "blocks outside the column model's area are as kriged; slices with no tonnage keep their "
                "kriged grade and hold no metal",
    }
    text = _disagreement(metal, record["n_clipped_negative"]["blocks"], int(act.sum()))
    if text:
        record["warning"] = text
        warnings.warn(text, SliceReconciliationWarning, stacklevel=3)
    out.attrs["slice_totals"] = "column"
    out.attrs["slice_reconciliation"] = json.dumps(record)
    return out
