"""Sample support: the depth interval each sample stands for, and the gaps no sample stands for.

A core sampled contiguously is described by its samples themselves. A core sampled as spots or
with gaps (e.g. 2 cm slices every 50 cm) is not: counting only the slices' own length makes a
5 m layer look 0.2 m thick. Under the ``"midpoint"`` rule each sample represents the interval
reaching half-way to its neighbouring samples in the same core:

- an inner gap between two samples is split at its midpoint, each side taking at most
  ``max_gap_m / 2``; the middle part of a gap longer than ``max_gap_m`` stays unrepresented;
- the gap above the first sample (from the core top, 0 mbsf) and below the last sample (to the
  core's recovered length ``core_length_m`` when known) is taken by that end sample for at most
  ``max_gap_m / 2``; with no known recovered length the last sample is extended downwards by
  its extension on the inner side (at most ``max_gap_m / 2``; ``max_gap_m / 2`` for a core of
  one sample), as if the core continued;
- represented intervals never overlap (each gap is shared at its midpoint) and never extend
  above 0 mbsf or below the recovered length, so thickness in a window can never exceed it.

Under the ``"sample"`` rule each sample is its own interval (the pre-support behaviour; point
samples still get the small half-support of :mod:`reymud.cores.intervals`).

>>> import pandas as pd
>>> from reymud.cores import SampleSupport, window_stats
>>> spots = pd.DataFrame({"core_id": "A", "top_mbsf": [0.24, 0.74, 1.24], "bottom_mbsf": [0.26, 0.76, 1.26],
...                       "total_rey_ppm": 1000.0})          # 2 cm slices every 50 cm
>>> round(window_stats(spots, 0.0, 1.5, support=SampleSupport())["thickness_m"].item(), 3)
1.5
>>> round(window_stats(spots, 0.0, 1.5, support=None)["thickness_m"].item(), 3)
0.06
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_MAX_GAP_M", "SUPPORT_RULES", "SampleSupport", "core_lengths", "gap_report", "represent"]

SUPPORT_RULES = ("midpoint", "sample")

#: Default cap (m) on the unsampled length a pair of neighbouring samples may bridge.
DEFAULT_MAX_GAP_M = 1.0


@dataclass(frozen=True)
class SampleSupport:
    """How far each sample's grade is taken to extend down the core.

    Parameters
    ----------
    rule : {"midpoint", "sample"}
        ``"midpoint"`` (default): each sample stands for the interval reaching to the midpoints
        between it and its neighbours (see :mod:`reymud.cores.support`); contiguous samples are
        unchanged by it. ``"sample"``: each sample stands for its own length only.
    max_gap_m : float
        Longest unsampled gap (m) bridged between two neighbouring samples (each side takes at
        most half of it); longer gaps keep an unrepresented middle part and are listed by
        :func:`gap_report`. Default 1.0 m, a stated judgement assumption (override it): it
        bridges the common spot sampling of deep-sea cores, 2 cm slices every 50 cm (DOMAIN.md
        section 6), with room to spare, while never carrying a grade more than 0.5 m from where
        it was measured -- the high-grade part of the REY-rich mud is metre-scale (richest layer
        about 3 mbsf, Iijima 2016; layers above 5,000 ppm 1-2 m below the top of the REY-rich
        mud, JAMSTEC 2013; DOMAIN.md section 3), so a longer reach would smear it over barren
        intervals. Gaps longer than the cap keep an unrepresented middle part.
    use_core_length : bool
        Cap the last sample's extension at the core's recovered length ``core_length_m`` when
        it is known (default True).
    """

    rule: str = "midpoint"
    max_gap_m: float = DEFAULT_MAX_GAP_M
    use_core_length: bool = True

    def __post_init__(self) -> None:
        if self.rule not in SUPPORT_RULES:
            raise ValueError(f"SampleSupport.rule = {self.rule!r}: use one of {SUPPORT_RULES}")
        try:
            gap = float(self.max_gap_m)
        except (TypeError, ValueError):
            raise ValueError(f"SampleSupport.max_gap_m = {self.max_gap_m!r}: give a length in metres") from None
        if not np.isfinite(gap) or gap < 0:
            raise ValueError(f"SampleSupport.max_gap_m = {self.max_gap_m!r}: must be a finite length >= 0 m")
        object.__setattr__(self, "max_gap_m", gap)
        object.__setattr__(self, "use_core_length", bool(self.use_core_length))

    def to_dict(self) -> dict:
        """Plain dict (for plans and results.json)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SampleSupport:
        """Inverse of :meth:`to_dict`; unknown keys are an error naming them."""
        unknown = sorted(set(data) - {"rule", "max_gap_m", "use_core_length"})
        if unknown:
            raise ValueError(f"SampleSupport: unknown key(s) {unknown}; expected rule, max_gap_m, use_core_length")
        return cls(**data)

    def describe(self) -> str:
        """One line for printed plans and statements."""
        if self.rule == "sample":
            return "sample support: each sample stands for its own length (rule 'sample')"
        return (f"sample support: each sample stands for the interval to the midpoints with its neighbours "
                f"(rule 'midpoint'), gaps bridged up to max_gap_m = {self.max_gap_m:g} m"
                + (", capped at the recovered core length" if self.use_core_length else ""))


def core_lengths(samples: pd.DataFrame, cores: pd.DataFrame | None, ids: np.ndarray, what: str) -> np.ndarray:
    """Recovered length (m) per core code, NaN where unknown.

    Taken from ``cores`` (``core_id, core_length_m``) when given, else from a ``core_length_m``
    column of ``samples``.
    """
    out = np.full(len(ids), np.nan)
    source = None
    if cores is not None:
        if "core_id" not in cores.columns or "core_length_m" not in cores.columns:
            raise ValueError(f"{what}: cores table needs core_id and core_length_m columns "
                             "(as returned by reymud.store.Project.cores())")
        source = cores[["core_id", "core_length_m"]]
    elif "core_length_m" in samples.columns:
        source = samples[["core_id", "core_length_m"]]
    if source is None:
        return out
    length = pd.to_numeric(source["core_length_m"], errors="coerce")
    bad = length < 0
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{what}: core {source['core_id'].iloc[row]!r} has a negative core_length_m "
                         f"({length.iloc[row]}); fix the cores table")
    per_core = length.groupby(source["core_id"].to_numpy()).max()
    return per_core.reindex(pd.Index(ids)).to_numpy(dtype=float)


def _neighbours(core: np.ndarray, top: np.ndarray, bottom: np.ndarray):
    n = len(top)
    prev_same = np.zeros(n, dtype=bool)
    next_same = np.zeros(n, dtype=bool)
    prev_same[1:] = core[1:] == core[:-1]
    next_same[:-1] = core[:-1] == core[1:]
    gap_above = np.full(n, np.nan)
    gap_below = np.full(n, np.nan)
    gap_above[1:] = top[1:] - bottom[:-1]
    gap_below[:-1] = top[1:] - bottom[:-1]
    return prev_same, next_same, np.where(prev_same, gap_above, np.nan), np.where(next_same, gap_below, np.nan)


def represent(core: np.ndarray, top: np.ndarray, bottom: np.ndarray, length: np.ndarray,
              support: SampleSupport) -> tuple[np.ndarray, np.ndarray]:
    """Represented ``(top, bottom)`` of sorted, non-overlapping samples (arrays as in ``Intervals``).

    ``length`` is the recovered core length per sample (NaN = unknown).
    """
    if support.rule == "sample" or len(top) == 0:
        return top, bottom
    half = 0.5 * support.max_gap_m
    prev_same, next_same, gap_above, gap_below = _neighbours(core, top, bottom)
    up = np.minimum(0.5 * gap_above, half)
    down = np.minimum(0.5 * gap_below, half)
    # end samples: the first takes the gap from the core top (0 mbsf) up to half the cap; the
    # last takes the gap to the recovered length up to half the cap, or, with that length unknown
    # (or not used), the extension on its inner side, as if the core continued
    up = np.where(prev_same, up, np.minimum(top, half))
    last_down = np.where(prev_same, up, half)
    if support.use_core_length:
        known = np.isfinite(length)
        last_down = np.where(known, np.minimum(np.maximum(length - bottom, 0.0), half), last_down)
    down = np.where(next_same, down, last_down)
    return top - np.maximum(up, 0.0), bottom + np.maximum(down, 0.0)


def gap_report(samples: pd.DataFrame, support: SampleSupport | None = None,
               cores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per core, the sampling gaps longer than ``support.max_gap_m``.

    Parameters
    ----------
    samples : DataFrame
        ``core_id, top_mbsf, bottom_mbsf`` (as returned by ``reymud.store.Project.samples()``).
    support : SampleSupport, optional
        The rule and cap (default ``SampleSupport()``).
    cores : DataFrame, optional
        ``core_id, core_length_m``: the gap below the last sample is reported when the recovered
        length is known (also read from a ``core_length_m`` column of ``samples``).

    Returns
    -------
    DataFrame
        One row per gap: ``core_id, position`` (``top`` = core top to first sample, ``inner``,
        ``bottom`` = last sample to recovered length), ``gap_top_mbsf, gap_base_mbsf, gap_m`` and
        ``unrepresented_m`` (the part no sample stands for under ``support``). Sorted by core and
        depth; empty (same columns) when no gap exceeds the cap.
    """
    from reymud.cores.intervals import prepare

    support = SampleSupport() if support is None else support
    iv = prepare(samples, "gap_report", 0.0)
    length = core_lengths(iv.frame, cores, iv.cores, "gap_report")[iv.core]
    rep_top, rep_bottom = represent(iv.core, iv.top, iv.bottom, length, support)
    prev_same, next_same, _, _ = _neighbours(iv.core, iv.top, iv.bottom)
    parts = []
    first = ~prev_same
    parts.append(("top", np.flatnonzero(first), np.zeros(first.sum()), iv.top[first],
                  rep_top[first] - 0.0))
    inner = np.flatnonzero(prev_same)
    parts.append(("inner", inner, iv.bottom[inner - 1], iv.top[inner], rep_top[inner] - rep_bottom[inner - 1]))
    last = np.flatnonzero(~next_same & np.isfinite(length))
    parts.append(("bottom", last, iv.bottom[last], np.maximum(length[last], iv.bottom[last]),
                  np.maximum(length[last], iv.bottom[last]) - rep_bottom[last]))
    frames = []
    for position, rows, gap_top, gap_base, unrep in parts:
        gap = gap_base - gap_top
        keep = gap > support.max_gap_m + 1e-9
        frames.append(pd.DataFrame({
            "core_id": iv.cores[iv.core[rows[keep]]], "position": position,
            "gap_top_mbsf": gap_top[keep], "gap_base_mbsf": gap_base[keep], "gap_m": gap[keep],
            "unrepresented_m": np.maximum(unrep[keep], 0.0),
        }))
    out = pd.concat(frames, ignore_index=True)
    out["core_id"] = out["core_id"].astype(object)
    out = out.sort_values(["core_id", "gap_top_mbsf"], kind="stable").reset_index(drop=True)
    out.attrs.update(support.to_dict())
    return out
