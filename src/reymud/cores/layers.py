"""REY-rich layers per core and the per-core summary table.

A layer is a run of consecutive samples of one core whose value is at or above the threshold.
A sample below the threshold, or with a NaN value, ends the layer. An unsampled gap between two
qualifying samples ends it only when longer than ``max_gap_m``; a tolerated gap counts in the
layer's thickness (top to base) but not in its sampled length or its means.
Means are length-weighted over the samples (weights = sample lengths; layers made only of
zero-length points fall back to equal weights). The peak is the highest sample (the shallowest
on ties) and its depth is that sample's mid-depth.
By default (``support=PLAN_SUPPORT``, the estimation plan's default :class:`~reymud.cores.support.SampleSupport`:
midpoint rule, 1 m maximum gap) every sample counts over the interval it represents (tops, bases,
thickness and weights), as in the depth window of the estimate, so spot-sampled layers keep their
true thickness; ``max_gap_m`` then applies to what is left of a gap beyond the support.
``support=None`` (or ``SampleSupport(rule="sample")``) keeps the old rule: each sample counts
over its own length only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from reymud.cores.intervals import DEFAULT_POINT_HALF_SUPPORT_M, Intervals, prepare
from reymud.cores.support import SampleSupport
from reymud.elements import REY

__all__ = ["PLAN_SUPPORT", "core_summary", "ensure_value", "find_layers"]

#: Default sample support of the layer table: the estimation plan's default (``EstimationPlan().support()``,
#: midpoint rule with a 1 m maximum gap), so ``reymud cores`` and the estimate's window agree.
PLAN_SUPPORT = SampleSupport()


def ensure_value(samples: pd.DataFrame, value: str) -> pd.DataFrame:
    """Return ``samples`` with column ``value``; ``total_rey_ppm`` is computed from REY if absent."""
    if value in samples.columns:
        return samples
    if value == "total_rey_ppm":
        from reymud.geochem import total_rey

        return samples.assign(total_rey_ppm=total_rey(samples).to_numpy())
    raise ValueError(f"samples have no column {value!r}; add it (e.g. with reymud.geochem.summarise)")


def _element_columns(frame: pd.DataFrame, elements: Sequence[str]) -> list[tuple[str, str]]:
    pairs = []
    for el in elements:
        for col in (el, f"{el}_ppm"):
            if col in frame.columns:
                pairs.append((col, f"{el}_ppm"))
                break
    return pairs


def _weighted_means(groups: np.ndarray, n: int, weights: np.ndarray, block: np.ndarray) -> np.ndarray:
    wsum = np.bincount(groups, weights, minlength=n)
    equal = wsum <= 0
    if equal.any():  # zero-length points only: equal weights
        weights = np.where(equal[groups], 1.0, weights)
        wsum = np.bincount(groups, weights, minlength=n)
    out = np.empty((n, block.shape[1]))
    for j in range(block.shape[1]):  # loop over columns, not samples
        out[:, j] = np.bincount(groups, weights * block[:, j], minlength=n) / wsum
    return out


def _layer_rows(iv: Intervals, values: np.ndarray, threshold: float, max_gap_m: float):
    above = values >= threshold
    prev_ok = np.zeros(len(values), dtype=bool)
    if len(values) > 1:
        gap = iv.top[1:] - iv.bottom[:-1]
        prev_ok[1:] = above[:-1] & (iv.core[1:] == iv.core[:-1]) & (gap <= max_gap_m + 1e-9)
    start = above & ~prev_ok
    rows = np.flatnonzero(above)
    lid = np.cumsum(start)[rows] - 1
    return rows, lid


def find_layers(
    samples: pd.DataFrame,
    value: str = "total_rey_ppm",
    threshold: float = 400.0,
    max_gap_m: float = 0.5,
    elements: Sequence[str] = REY,
    point_half_support_m: float = DEFAULT_POINT_HALF_SUPPORT_M,
    support: SampleSupport | None = PLAN_SUPPORT,
    cores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """REY-rich layers of every core.

    Parameters
    ----------
    samples : DataFrame
        ``core_id, top_mbsf, bottom_mbsf`` and ``value`` (``total_rey_ppm`` is computed from the
        element columns when absent) plus element columns in ppm.
    value : str
        Column compared with the threshold.
    threshold : float
        Inclusive lower bound (units of ``value``; default 400 ppm total REY).
    max_gap_m : float
        Longest unsampled gap (m) between qualifying samples that does not split a layer.
    elements : sequence of str
        Elements whose length-weighted means are reported as ``<El>_ppm``.
    point_half_support_m : float
        Half-support of point samples (see :mod:`reymud.cores.intervals`).
    support : SampleSupport or None
        Interval each sample stands for; default :data:`PLAN_SUPPORT` (midpoint rule, 1 m maximum
        gap, the estimation plan's default). ``None``: the samples' own lengths (the old rule).
    cores : DataFrame, optional
        ``core_id, core_length_m`` (recovered lengths capping the support).

    Returns
    -------
    DataFrame
        One row per layer: ``core_id, layer`` (1 = shallowest), ``top_mbsf, base_mbsf, thickness_m``
        (base - top), ``mean_<value>, peak_<value>, peak_depth_mbsf, n_samples, sampled_length_m``
        (the samples' own length), ``<El>_ppm`` and ``represented_m`` (length the layer's samples
        stand for; equal to ``sampled_length_m`` without a midpoint support).
    """
    if max_gap_m < 0:
        raise ValueError("max_gap_m must be >= 0 m")
    samples = ensure_value(samples, value)
    iv = prepare(samples, "find_layers", point_half_support_m, support, cores)
    values = iv.values([value])[:, 0]
    rows, lid = _layer_rows(iv, values, float(threshold), float(max_gap_m))
    pairs = _element_columns(iv.frame, elements)
    columns = ["core_id", "layer", "top_mbsf", "base_mbsf", "thickness_m", f"mean_{value}", f"peak_{value}",
               "peak_depth_mbsf", "n_samples", "sampled_length_m", *[p[1] for p in pairs], "represented_m"]
    if rows.size == 0:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "core_id" else float) for c in columns})
    n = int(lid[-1]) + 1
    first = rows[np.flatnonzero(np.r_[True, lid[1:] != lid[:-1]])]
    last = rows[np.flatnonzero(np.r_[lid[1:] != lid[:-1], True])]
    length = iv.length[rows]
    block = np.column_stack([values[rows], iv.values([c for c, _ in pairs])[rows]]) if pairs else values[rows, None]
    means = _weighted_means(lid, n, length, block)
    order = np.lexsort((-iv.top[rows], values[rows], lid))
    peak = rows[order[np.flatnonzero(np.r_[lid[order][1:] != lid[order][:-1], True])]]
    core = iv.core[first]
    layer_no = np.arange(n) - np.searchsorted(core, core, side="left") + 1
    out = pd.DataFrame({
        "core_id": iv.cores[core],
        "layer": layer_no,
        "top_mbsf": iv.top[first],
        "base_mbsf": iv.bottom[last],
        "thickness_m": iv.bottom[last] - iv.top[first],
        f"mean_{value}": means[:, 0],
        f"peak_{value}": values[peak],
        "peak_depth_mbsf": 0.5 * (iv.own_top[peak] + iv.own_bottom[peak]),
        "n_samples": np.bincount(lid, minlength=n),
        "sampled_length_m": np.bincount(lid, iv.sampled_length[rows], minlength=n),
    })
    for j, (_, name) in enumerate(pairs, start=1):
        out[name] = means[:, j]
    out["represented_m"] = np.bincount(lid, length, minlength=n)
    out.attrs["threshold"] = float(threshold)
    out.attrs["max_gap_m"] = float(max_gap_m)
    out.attrs["support"] = None if support is None else support.to_dict()
    return out


def core_summary(
    samples: pd.DataFrame,
    cores: pd.DataFrame | None = None,
    threshold: float = 400.0,
    max_gap_m: float = 0.5,
    value: str = "total_rey_ppm",
    point_half_support_m: float = DEFAULT_POINT_HALF_SUPPORT_M,
    support: SampleSupport | None = PLAN_SUPPORT,
) -> pd.DataFrame:
    """The per-core table of ``reymud cores``.

    Layers are found on the represented intervals of ``support`` (default :data:`PLAN_SUPPORT`,
    the estimation plan's midpoint rule; ``None``: the samples' own lengths), see
    :func:`find_layers`; recovered lengths are taken from ``cores.core_length_m`` when present.
    The mean over all layers is weighted by the represented length (the sampled length when
    ``support`` is None).

    Returns one row per core of ``cores`` (plus any core that has samples but no collar):
    ``core_id, latitude, longitude, water_depth_m, n_layers, layer_top_mbsf, layer_base_mbsf``
    (top and base of the first, shallowest layer), ``layer_thickness_m`` (total of all layers),
    ``mean_total_rey_ppm`` (length-weighted over all layers), ``peak_total_rey_ppm`` and
    ``peak_depth_mbsf`` (the core's highest sample, reported even when it is below the threshold),
    then ``n_samples`` and ``sampled_to_mbsf``. Columns follow ``value`` when it is not total REY.
    """
    samples = ensure_value(samples, value)
    lengths = cores if cores is not None and "core_length_m" in cores.columns else None
    layers = find_layers(samples, value, threshold, max_gap_m, elements=(), point_half_support_m=point_half_support_m,
                         support=support, cores=lengths)
    iv = prepare(samples, "core_summary", point_half_support_m, support, lengths)
    values = iv.values([value])[:, 0]
    ids = pd.Index(iv.cores)
    n_cores = len(ids)
    finite = np.isfinite(values)
    order = np.lexsort((-iv.top, np.where(finite, values, -np.inf), iv.core))
    boundary = iv.core[order][1:] != iv.core[order][:-1]
    last = order[np.flatnonzero(np.r_[boundary, True])] if len(order) else np.array([], dtype=int)
    starts = np.flatnonzero(np.r_[True, iv.core[1:] != iv.core[:-1]]) if len(order) else np.array([], dtype=int)
    per_core = pd.DataFrame({
        "core_id": iv.cores,
        f"peak_{value}": np.where(finite[last], values[last], np.nan),
        "peak_depth_mbsf": np.where(finite[last], 0.5 * (iv.own_top[last] + iv.own_bottom[last]), np.nan),
        "n_samples": np.bincount(iv.core, minlength=n_cores),
        "sampled_to_mbsf": np.maximum.reduceat(iv.own_bottom, starts) if len(order) else np.array([]),
    })
    code = ids.get_indexer(layers["core_id"]) if len(layers) else np.array([], dtype=int)
    first = np.flatnonzero(layers["layer"].to_numpy() == 1) if len(layers) else np.array([], dtype=int)
    midpoint = support is not None and support.rule == "midpoint"
    w = layers["represented_m" if midpoint else "sampled_length_m"].to_numpy(dtype=float)
    metal = np.bincount(code, w * layers[f"mean_{value}"].to_numpy(dtype=float), minlength=n_cores)
    wsum = np.bincount(code, w, minlength=n_cores)
    n_layers = np.bincount(code, minlength=n_cores)
    layer_top = np.full(n_cores, np.nan)
    layer_base = np.full(n_cores, np.nan)
    layer_top[code[first]] = layers["top_mbsf"].to_numpy()[first]
    layer_base[code[first]] = layers["base_mbsf"].to_numpy()[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_layers > 0, metal / wsum, np.nan)
    per_core.insert(1, "n_layers", n_layers)
    per_core.insert(2, "layer_top_mbsf", layer_top)
    per_core.insert(3, "layer_base_mbsf", layer_base)
    per_core.insert(4, "layer_thickness_m", np.bincount(code, layers["thickness_m"].to_numpy(dtype=float),
                                                         minlength=n_cores))
    per_core.insert(5, f"mean_{value}", mean)
    collar_cols = ["core_id", "latitude", "longitude", "water_depth_m"]
    if cores is None:
        collars = pd.DataFrame({c: pd.Series(dtype=float) for c in collar_cols}).astype({"core_id": object})
    else:
        missing = [c for c in collar_cols if c not in cores.columns]
        if missing:
            raise ValueError(f"core_summary: cores table lacks {missing} (use reymud.store.Project.cores())")
        collars = cores[collar_cols]
    merged = collars.merge(per_core, on="core_id", how="outer", sort=False)
    merged["n_layers"] = merged["n_layers"].fillna(0).astype(int)
    merged["n_samples"] = merged["n_samples"].fillna(0).astype(int)
    merged.loc[merged["n_samples"] == 0, "layer_thickness_m"] = np.nan
    merged = merged.sort_values("core_id", kind="stable").reset_index(drop=True)
    merged.attrs.update(threshold=float(threshold), max_gap_m=float(max_gap_m), value=value,
                        support=None if support is None else support.to_dict())
    return merged
