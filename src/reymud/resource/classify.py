"""Measured / Indicated / Inferred classification of BLOCK MODEL cells (vectorised)."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from reymud.resource.config import CLASSES, ClassificationRules, variogram_range_m

__all__ = ["class_codes", "classify_blocks", "resolution_failures", "resolve_range_m"]


def resolve_range_m(ds: xr.Dataset, rules: ClassificationRules) -> float:
    """Variogram range used by ``rules``: the rule's own, else the block model's attributes.

    Raises
    ------
    ValueError
        When neither gives a range (with how to fix it).
    """
    if rules.range_m is not None:
        return float(rules.range_m)
    found = variogram_range_m(dict(ds.attrs))
    if found is None or not found > 0:
        raise ValueError(
            "classification needs the variogram range: the block model has no 'variogram_range_m' or "
            "'variogram' attribute; set ClassificationRules(range_m=...), 'range_m:' in the rules YAML, "
            "or --range-m on the command line"
        )
    return found


def _var(ds: xr.Dataset, name: str, fill: float = np.nan) -> xr.DataArray:
    if name in ds:
        return ds[name].astype(float)
    return xr.full_like(ds["total_rey_ppm"], fill, dtype=float)


def _limit(rules: ClassificationRules, cls: str, range_m: float) -> float:
    """Distance limit of a class: fraction x range, capped by the absolute limit if set."""
    limit = getattr(rules, f"{cls}_max_range_fraction") * range_m
    cap = getattr(rules, f"{cls}_max_distance_m")
    return limit if cap is None else min(limit, cap)


def _at_least(value: xr.DataArray, threshold: float | None) -> xr.DataArray:
    """``value >= threshold`` with NaN failing; ``None`` threshold always passes."""
    if threshold is None:
        return xr.ones_like(value, dtype=bool)
    return value.fillna(-np.inf) >= threshold


def resolution_failures(facts: dict | None, rules: ClassificationRules) -> list[str] | None:
    """Variogram-resolution rules of ``rules`` that the block model's facts fail (empty: all pass).

    Parameters
    ----------
    facts : dict or None
        :func:`reymud.spatial.variogram.plan_resolution` output (``attrs["variogram_resolution"]``).
    rules : ClassificationRules

    Returns
    -------
    list of str or None
        One sentence per failed rule; ``None`` when there are no facts (rules not applied).
    """
    if not facts:
        return None
    failed = []
    rng, extent = facts.get("range_m"), facts.get("extent_m")
    limit = rules.measured_max_range_to_extent
    if limit is not None and rng is not None and extent and rng > limit * extent:
        failed.append(f"fitted range {rng:,.0f} m exceeds {limit:g} x the survey extent {extent:,.0f} m "
                      "(measured_max_range_to_extent)")
    if rules.measured_min_pairs_per_lag is not None and rng is not None:
        reliable = [lag for lag, n in facts.get("lags", []) if lag <= rng and n >= rules.measured_min_pairs_per_lag]
        if len(reliable) < rules.measured_min_reliable_lags:
            failed.append(f"only {len(reliable)} lag class(es) within the {rng:,.0f} m range hold >= "
                          f"{rules.measured_min_pairs_per_lag} pairs (need {rules.measured_min_reliable_lags}; "
                          "measured_min_pairs_per_lag / measured_min_reliable_lags)")
    loo, low = facts.get("loo_correlation"), rules.measured_min_loo_correlation
    if low is not None and (loo is None or loo < low):
        shown = "not computable" if loo is None else f"{loo:.2f}"
        failed.append(f"leave-one-out correlation {shown} is below {low:g} (measured_min_loo_correlation)")
    return failed


def _facts(ds: xr.Dataset) -> dict | None:
    raw = ds.attrs.get("variogram_resolution")
    if raw is None:
        return None
    try:
        return json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (json.JSONDecodeError, TypeError, ValueError):
        return None


def class_codes(ds: xr.Dataset, rules: ClassificationRules | None = None) -> xr.DataArray:
    """Class of every block as an int8 index into :data:`CLASSES` (0 = measured ... 3 = unclassified).

    Same rules and inputs as :func:`classify_blocks`; the compact form used for large models.
    """
    rules = rules or ClassificationRules()
    if "total_rey_ppm" not in ds:
        raise ValueError("block model has no 'total_rey_ppm' variable; is this a reymud BLOCK MODEL?")
    missing = [v for v in (rules.distance_variable, "n_cores_in_search") if v not in ds]
    if missing:
        raise ValueError(f"block model lacks {missing} needed for classification (see BLOCK MODEL contract)")
    range_m = resolve_range_m(ds, rules)
    dist = ds[rules.distance_variable].astype(float).fillna(np.inf)
    cores = ds["n_cores_in_search"].astype(float).fillna(0)
    slope = _var(ds, "slope_of_regression")
    ke = _var(ds, "kriging_efficiency")
    inside = ds["inside"].astype(bool) if "inside" in ds else xr.ones_like(dist, dtype=bool)
    valid = inside & ds["total_rey_ppm"].notnull()
    if "thickness_m" in ds:
        valid = valid & ds["thickness_m"].notnull()

    inferred = valid & (dist <= _limit(rules, "inferred", range_m)) & (cores >= rules.inferred_min_cores)
    indicated = (
        inferred
        & (dist <= _limit(rules, "indicated", range_m))
        & (cores >= rules.indicated_min_cores)
        & _at_least(slope, rules.indicated_min_slope)
        & _at_least(ke, rules.indicated_min_kriging_efficiency)
    )
    measured = (
        indicated
        & (dist <= _limit(rules, "measured", range_m))
        & (cores >= rules.measured_min_cores)
        & _at_least(slope, rules.measured_min_slope)
        & _at_least(ke, rules.measured_min_kriging_efficiency)
    )
    # nested criteria: 3 - (M + I + Inf) gives 0 measured, 1 indicated, 2 inferred, 3 unclassified
    code = (3 - (measured.astype(np.int8) + indicated.astype(np.int8) + inferred.astype(np.int8))).astype(np.int8)
    code = code.broadcast_like(ds["total_rey_ppm"]).transpose(*ds["total_rey_ppm"].dims)
    failed = resolution_failures(_facts(ds), rules)
    if failed:  # the variogram is not resolved: Measured blocks become Indicated
        code = xr.where(code == 0, np.int8(1), code).astype(np.int8)
    resolution = ("variogram resolution rules not applied (the block model has no 'variogram_resolution' "
                  "facts)" if failed is None else
                  ("no Measured: " + "; ".join(failed)) if failed else "variogram resolution rules passed")
    if rules.max_class_with_assumed_density is not None:
        assumed = ~ds["density_t_m3"].notnull() if "density_t_m3" in ds else xr.ones_like(code, dtype=bool)
        cap = np.int8(CLASSES.index(rules.max_class_with_assumed_density))
        code = xr.where(assumed & (code < cap), cap, code).astype(np.int8)
    code.name = "resource_class_code"
    code.attrs.update(range_m=range_m, rules=repr(rules), flag_values=list(range(len(CLASSES))),
                      flag_meanings=" ".join(CLASSES), resolution=resolution)
    return code


def classify_blocks(ds: xr.Dataset, rules: ClassificationRules | None = None) -> xr.DataArray:
    """Resource class of every block: ``measured|indicated|inferred|unclassified``.

    A block takes the highest class whose every criterion it meets (see
    :class:`ClassificationRules`).

    Parameters
    ----------
    ds : xarray.Dataset
        BLOCK MODEL (2-D or 3-D) with ``total_rey_ppm``, ``nearest_core_m`` (or
        ``mean_distance_m``), ``n_cores_in_search``, ``slope_of_regression``, ``inside``;
        optional ``kriging_efficiency``.
    rules : ClassificationRules, optional
        Defaults to ``ClassificationRules()``.

    Returns
    -------
    xarray.DataArray
        Strings (dtype object) with the dims of ``total_rey_ppm``; ``attrs`` hold the range used
        and the rules as text.
    """
    code = class_codes(ds, rules)
    labels = np.array(CLASSES, dtype=object)
    out = xr.DataArray(labels[code.values], dims=code.dims, coords=code.coords, name="resource_class")
    out.attrs.update(range_m=code.attrs["range_m"], rules=code.attrs["rules"], resolution=code.attrs["resolution"])
    return out
