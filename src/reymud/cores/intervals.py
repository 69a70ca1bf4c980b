"""Sample intervals of many cores as sorted numpy arrays: validation and point-sample support.

Conventions (shared by layers, composites and windows):

- A sample is the depth interval ``[top_mbsf, bottom_mbsf]``. Sorting is by core then top.
- A *point sample* has no length (``bottom_mbsf`` equal to ``top_mbsf`` or missing). It is given
  a support interval reaching half-way to its neighbouring samples in the same core, at most
  ``point_half_support_m`` on each side (default 0.25 m), and never overlapping a neighbour; a
  core's first/last point is extended by the same half-spacing as on its inner side (capped).
  Without this, a point would carry zero length and so zero weight.
- Unsampled gaps (next top > previous bottom) stay unsampled: nothing is interpolated into them,
  unless a :class:`reymud.cores.support.SampleSupport` with rule ``"midpoint"`` is given: then each
  sample's interval is its *represented* interval (see :mod:`reymud.cores.support`) and the
  sample's own depths are kept in ``sample_top``/``sample_bottom``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reymud.cores.support import SampleSupport, core_lengths, represent

__all__ = ["DEFAULT_POINT_HALF_SUPPORT_M", "Intervals", "prepare"]

#: Largest half-support (m) given to a point sample on each side.
DEFAULT_POINT_HALF_SUPPORT_M = 0.25


@dataclass(frozen=True)
class Intervals:
    """Sorted sample intervals: ``core`` codes (int), ``cores`` (code -> id), ``top``, ``bottom``,
    ``order`` (positions in the input frame), ``frame`` (the input rows in sorted order) and the
    samples' own depths ``sample_top``/``sample_bottom`` (equal to ``top``/``bottom`` unless a
    midpoint support extended them)."""

    core: np.ndarray
    cores: np.ndarray
    top: np.ndarray
    bottom: np.ndarray
    order: np.ndarray
    frame: pd.DataFrame
    sample_top: np.ndarray | None = None
    sample_bottom: np.ndarray | None = None

    @property
    def length(self) -> np.ndarray:
        """Sample lengths (m)."""
        return self.bottom - self.top

    @property
    def own_top(self) -> np.ndarray:
        """Top depths (m) of the samples themselves (before any midpoint support)."""
        return self.top if self.sample_top is None else self.sample_top

    @property
    def own_bottom(self) -> np.ndarray:
        """Bottom depths (m) of the samples themselves (before any midpoint support)."""
        return self.bottom if self.sample_bottom is None else self.sample_bottom

    @property
    def sampled_length(self) -> np.ndarray:
        """Lengths (m) of the samples themselves (before any midpoint support)."""
        return self.own_bottom - self.own_top

    def values(self, columns: Sequence[str]) -> np.ndarray:
        """(n, k) float block of ``columns`` in sorted order."""
        return self.frame[list(columns)].to_numpy(dtype=float, na_value=np.nan)


def _require(samples: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(samples, pd.DataFrame):
        raise TypeError(f"{what}: expected a pandas DataFrame of samples, got {type(samples).__name__}")
    missing = [c for c in columns if c not in samples.columns]
    if missing:
        raise ValueError(
            f"{what}: samples lack column(s) {missing}; expected core_id, top_mbsf, bottom_mbsf "
            "(as returned by reymud.store.Project.samples())"
        )


def prepare(
    samples: pd.DataFrame,
    what: str,
    point_half_support_m: float = DEFAULT_POINT_HALF_SUPPORT_M,
    support: SampleSupport | None = None,
    cores: pd.DataFrame | None = None,
) -> Intervals:
    """Validate and sort sample intervals; give samples their support.

    With ``support`` of rule ``"midpoint"`` the intervals become the represented intervals
    (``point_half_support_m`` is then not used; recovered lengths come from ``cores`` or a
    ``core_length_m`` column of ``samples``). Otherwise point samples get ``point_half_support_m``.

    Raises
    ------
    ValueError
        Missing columns, missing or negative top depth, bottom above top, or overlapping intervals
        within a core (message names the core and depths).
    """
    _require(samples, ("core_id", "top_mbsf", "bottom_mbsf"), what)
    if point_half_support_m < 0:
        raise ValueError(f"{what}: point_half_support_m must be >= 0 m")
    if samples["core_id"].isna().any():
        raise ValueError(f"{what}: {int(samples['core_id'].isna().sum())} sample(s) have no core_id")
    top = pd.to_numeric(samples["top_mbsf"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bottom = pd.to_numeric(samples["bottom_mbsf"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(top).any() or (top < 0).any():
        row = int(np.flatnonzero(np.isnan(top) | (top < 0))[0])
        raise ValueError(f"{what}: sample at position {row} has a missing or negative top_mbsf; fix the depths")
    bottom = np.where(np.isnan(bottom), top, bottom)
    if (bottom < top).any():
        row = int(np.flatnonzero(bottom < top)[0])
        raise ValueError(
            f"{what}: sample at position {row} (core {samples['core_id'].iloc[row]!r}) has bottom_mbsf "
            f"{bottom[row]} above top_mbsf {top[row]}; swap or correct the depths"
        )
    codes, uniques = pd.factorize(samples["core_id"], sort=True)
    order = np.lexsort((bottom, top, codes))
    core, top, bottom = codes[order], top[order], bottom[order]
    same = core[1:] == core[:-1]
    overlap = same & (top[1:] < bottom[:-1] - 1e-9)
    if overlap.any():
        i = int(np.flatnonzero(overlap)[0])
        raise ValueError(
            f"{what}: overlapping samples in core {uniques[core[i]]!r}: "
            f"{top[i]}-{bottom[i]} and {top[i + 1]}-{bottom[i + 1]} mbsf; remove duplicates or fix depths"
        )
    frame = samples.iloc[order].reset_index(drop=True)
    ids = np.asarray(uniques, dtype=object)
    if support is not None and support.rule == "midpoint":
        length = core_lengths(frame, cores, ids, what)[core]
        rep_top, rep_bottom = represent(core, top, bottom, length, support)
        return Intervals(core, ids, rep_top, rep_bottom, order, frame, top, bottom)
    top, bottom = _point_support(core, top, bottom, float(point_half_support_m))
    return Intervals(core, ids, top, bottom, order, frame)


def _point_support(core: np.ndarray, top: np.ndarray, bottom: np.ndarray, cap: float):
    point = bottom == top
    if not point.any() or cap == 0:
        return top, bottom
    n = len(top)
    prev_same = np.zeros(n, dtype=bool)
    prev_same[1:] = core[1:] == core[:-1]
    next_same = np.zeros(n, dtype=bool)
    next_same[:-1] = core[:-1] == core[1:]
    prev_bottom = np.empty(n)
    prev_bottom[1:] = bottom[:-1]
    next_top = np.empty(n)
    next_top[:-1] = top[1:]
    up = np.where(prev_same, 0.5 * (top - prev_bottom), np.nan)
    down = np.where(next_same, 0.5 * (next_top - bottom), np.nan)
    # where a neighbour is an interval sample, the point may reach all the way to it
    prev_interval = np.zeros(n, dtype=bool)
    prev_interval[1:] = ~point[:-1]
    next_interval = np.zeros(n, dtype=bool)
    next_interval[:-1] = ~point[1:]
    up = np.where(prev_same & prev_interval, 2 * up, up)
    down = np.where(next_same & next_interval, 2 * down, down)
    up = np.where(np.isnan(up), down, up)
    down = np.where(np.isnan(down), up, down)
    up = np.minimum(np.nan_to_num(up, nan=cap), cap)
    down = np.minimum(np.nan_to_num(down, nan=cap), cap)
    new_top = np.where(point, np.maximum(top - up, 0.0), top)
    new_bottom = np.where(point, bottom + down, bottom)
    return new_top, new_bottom
