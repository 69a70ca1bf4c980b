"""Fixed-length composites and depth-window statistics, by interval overlap (no row loops).

Composites: the depth axis of every core is cut into bins ``[top_mbsf + k L, top_mbsf + (k+1) L)``.
Each sample contributes to each bin its overlap length; a composite's grade is the
overlap-weighted mean and its ``length_m`` the covered (sampled) length, so
``sum(length_m * grade)`` over composites equals ``sum(sample length * grade)`` over the samples
below ``top_mbsf`` (exactly, up to float rounding). Unsampled parts of a bin are not filled in;
bins with no sample are not returned. A NaN grade makes that composite's grade NaN.

Sample support (:mod:`reymud.cores.support`): with a ``SampleSupport`` of rule ``"midpoint"``
every sample counts over the interval it represents, so spot-sampled cores get their true
thickness. ``window_stats`` uses the midpoint rule by default; ``composite`` only when asked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from reymud.cores.intervals import DEFAULT_POINT_HALF_SUPPORT_M, prepare
from reymud.cores.layers import ensure_value
from reymud.cores.support import SampleSupport
from reymud.elements import REY

__all__ = ["SPARSE_COLUMNS", "composite", "default_columns", "window_stats"]

#: Columns measured on a subset of samples only; ``window_stats`` averages them over the samples
#: that have a value (the measured dry bulk density, see reymud.ingest role ``dry_density_g_cm3``).
SPARSE_COLUMNS: tuple[str, ...] = ("dry_density_g_cm3",)

_META = {"core_id", "top_mbsf", "bottom_mbsf", "sample_id", "latitude", "longitude"}


def default_columns(samples: pd.DataFrame) -> list[str]:
    """``total_rey_ppm`` (if present) and the REY element columns present, in REY order."""
    cols = [c for c in ("total_rey_ppm",) if c in samples.columns]
    return cols + [el for el in REY if el in samples.columns] + [f"{el}_ppm" for el in REY
                                                                  if f"{el}_ppm" in samples.columns]


def _check_columns(samples: pd.DataFrame, columns: Sequence[str], what: str) -> list[str]:
    columns = list(columns)
    missing = [c for c in columns if c not in samples.columns]
    if missing:
        raise ValueError(f"{what}: samples have no column(s) {missing}")
    bad = [c for c in columns if c in _META]
    if bad:
        raise ValueError(f"{what}: {bad} are depth/id columns, not grades")
    return columns


def composite(
    samples: pd.DataFrame,
    length_m: float = 1.0,
    columns: Sequence[str] | None = None,
    top_mbsf: float = 0.0,
    point_half_support_m: float = DEFAULT_POINT_HALF_SUPPORT_M,
    support: SampleSupport | None = None,
    cores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Composite every core to fixed lengths, conserving length x grade.

    Parameters
    ----------
    samples : DataFrame
        ``core_id, top_mbsf, bottom_mbsf`` and grade columns.
    length_m : float
        Composite length (m), > 0.
    columns : sequence of str, optional
        Grade columns (default :func:`default_columns`).
    top_mbsf : float
        Depth of the first composite's top; sample parts above it are left out.
    point_half_support_m : float
        Half-support of point samples (see :mod:`reymud.cores.intervals`).
    support : SampleSupport, optional
        Default None: each sample covers its own length. ``SampleSupport()`` (midpoint rule):
        each sample covers the interval it represents, so ``length_m`` is the represented length.
    cores : DataFrame, optional
        ``core_id, core_length_m`` (recovered lengths capping the support).

    Returns
    -------
    DataFrame
        ``core_id, top_mbsf, bottom_mbsf, length_m`` (covered length) and the columns.
    """
    if not length_m > 0:
        raise ValueError(f"composite length_m must be > 0 m, got {length_m}")
    if columns is not None and "total_rey_ppm" in columns:
        samples = ensure_value(samples, "total_rey_ppm")
    columns = _check_columns(samples, default_columns(samples) if columns is None else columns, "composite")
    iv = prepare(samples, "composite", point_half_support_m, support, cores)
    top = np.maximum(iv.top, top_mbsf)
    bottom = iv.bottom
    keep = bottom > top
    idx = np.flatnonzero(keep)
    first_bin = np.floor((top[idx] - top_mbsf) / length_m).astype(np.int64)
    last_bin = np.ceil((bottom[idx] - top_mbsf) / length_m).astype(np.int64) - 1
    last_bin = np.maximum(last_bin, first_bin)
    counts = last_bin - first_bin + 1
    rep = np.repeat(idx, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    bins = np.repeat(first_bin, counts) + offsets
    bin_top = top_mbsf + bins * length_m
    overlap = np.minimum(bottom[rep], bin_top + length_m) - np.maximum(top[rep], bin_top)
    ok = overlap > 0
    rep, bins, overlap = rep[ok], bins[ok], overlap[ok]
    key = np.stack([iv.core[rep], bins], axis=1)
    groups, group = np.unique(key, axis=0, return_inverse=True)
    group = group.ravel()
    n = len(groups)
    covered = np.bincount(group, overlap, minlength=n)
    grades = iv.values(columns)
    out = pd.DataFrame({
        "core_id": iv.cores[groups[:, 0]],
        "top_mbsf": top_mbsf + groups[:, 1] * length_m,
        "bottom_mbsf": top_mbsf + (groups[:, 1] + 1) * length_m,
        "length_m": covered,
    })
    for j, col in enumerate(columns):
        out[col] = np.bincount(group, overlap * grades[rep, j], minlength=n) / covered
    out.attrs.update(composite_length_m=float(length_m), composite_top_mbsf=float(top_mbsf))
    return out


def window_stats(
    samples: pd.DataFrame,
    top_mbsf: float = 0.0,
    base_mbsf: float = 10.0,
    columns: Sequence[str] | None = None,
    threshold: float | None = None,
    value: str = "total_rey_ppm",
    point_half_support_m: float = DEFAULT_POINT_HALF_SUPPORT_M,
    support: SampleSupport | None = SampleSupport(),
    cores: pd.DataFrame | None = None,
    skipna: Sequence[str] = SPARSE_COLUMNS,
) -> pd.DataFrame:
    """Length-weighted statistics of each core in a depth window.

    Parameters
    ----------
    samples : DataFrame
        ``core_id, top_mbsf, bottom_mbsf`` and grade columns.
    top_mbsf, base_mbsf : float
        The window (mbsf); samples are clipped to it.
    columns : sequence of str, optional
        Columns to average (default :func:`default_columns`, total REY computed if absent).
    threshold : float, optional
        If given, only samples with ``value >= threshold`` are counted (NaN never counts).
    value : str
        Column the threshold applies to.
    point_half_support_m : float
        Half-support of point samples under the ``"sample"`` rule (see :mod:`reymud.cores.intervals`).
    support : SampleSupport or None
        Which interval each sample stands for (default ``SampleSupport()``: midpoint rule, gaps
        bridged up to 1 m; see :mod:`reymud.cores.support`). None = the samples' own lengths.
    cores : DataFrame, optional
        ``core_id, core_length_m``: recovered lengths capping the support (else a
        ``core_length_m`` column of ``samples`` is used when present).
    skipna : sequence of str
        Columns measured on a subset of samples only (default: the measured dry bulk density
        ``dry_density_g_cm3``): their mean is over the counted samples that have a value, NaN
        when none has. Other columns: a NaN in a counted sample makes the core's mean NaN.

    Returns
    -------
    DataFrame
        One row per core: ``core_id, top_mbsf, base_mbsf`` (the window), ``thickness_m`` (counted
        represented length in the window, never more than the window), the mean of each column,
        ``overburden_m`` (mbsf of the top of the first counted interval; NaN when nothing counts),
        ``sampled_m`` (length of the samples themselves in the window), ``represented_m`` (length
        of the window all samples stand for) and ``gap_m`` (window length no sample stands for).
        Cores with nothing counted have thickness 0 and NaN means. ``attrs`` carry the window,
        threshold and the support settings.
    """
    if not base_mbsf > top_mbsf:
        raise ValueError(f"window base_mbsf ({base_mbsf}) must be below top_mbsf ({top_mbsf})")
    if threshold is not None or columns is None or value in columns:
        samples = ensure_value(samples, value)
    columns = _check_columns(samples, default_columns(samples) if columns is None else columns, "window_stats")
    iv = prepare(samples, "window_stats", point_half_support_m, support, cores)
    n = len(iv.cores)
    top = np.clip(iv.top, top_mbsf, base_mbsf)
    bottom = np.clip(iv.bottom, top_mbsf, base_mbsf)
    length = bottom - top
    inside = length > 0
    counted = inside.copy()
    if threshold is not None:
        counted &= iv.values([value])[:, 0] >= threshold
    w = np.where(counted, length, 0.0)
    thickness = np.bincount(iv.core, w, minlength=n)
    grades = iv.values(columns)
    overburden = np.full(n, np.inf)
    np.minimum.at(overburden, iv.core[counted], top[counted])
    out = pd.DataFrame({
        "core_id": iv.cores,
        "top_mbsf": float(top_mbsf),
        "base_mbsf": float(base_mbsf),
        "thickness_m": thickness,
    })
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, col in enumerate(columns):
            if col in skipna:
                has = counted & np.isfinite(grades[:, j])
                wj = np.bincount(iv.core, np.where(has, w, 0.0), minlength=n)
                metal = np.bincount(iv.core, np.where(has, w * grades[:, j], 0.0), minlength=n)
                out[col] = np.where(wj > 0, metal / np.where(wj > 0, wj, 1.0), np.nan)
                continue
            metal = np.bincount(iv.core, np.where(counted, w * grades[:, j], 0.0), minlength=n)
            out[col] = np.where(thickness > 0, metal / thickness, np.nan)
    out["overburden_m"] = np.where(np.isfinite(overburden), overburden, np.nan)
    own = np.clip(iv.own_bottom, top_mbsf, base_mbsf) - np.clip(iv.own_top, top_mbsf, base_mbsf)
    out["sampled_m"] = np.bincount(iv.core, own, minlength=n)
    represented = np.bincount(iv.core, np.where(inside, length, 0.0), minlength=n)
    out["represented_m"] = np.minimum(represented, base_mbsf - top_mbsf)
    out["gap_m"] = np.maximum((base_mbsf - top_mbsf) - out["represented_m"].to_numpy(), 0.0)
    out.attrs.update(window_top_mbsf=float(top_mbsf), window_base_mbsf=float(base_mbsf), threshold=threshold,
                     support=None if support is None else support.to_dict())
    return out
