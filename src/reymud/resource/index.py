"""Fast cut-off queries: sort the blocks once, keep suffix sums, answer in O(log n).

A block counts at a cut-off when its grade is **at or above** the cut-off (``grade >= cutoff``).
Grades are tonnage-weighted means: ``sum(dry_t * grade) / sum(dry_t)``; contained oxide of an
element is ``sum(dry_t * <El>_ppm) * 1e-6 * oxide factor``; TREO is the sum of element oxides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from reymud.elements import oxide_factors
from reymud.resource.blocks import element_columns
from reymud.resource.config import CLASSES

__all__ = ["BY_ALIASES", "GradeTonnageIndex", "resolve_by"]

BY_ALIASES = {
    "total_rey": "total_rey_ppm", "total_rey_ppm": "total_rey_ppm", "rey": "total_rey_ppm",
    "treo": "treo_ppm", "treo_ppm": "treo_ppm",
    "value": "value_usd_t", "value_usd_t": "value_usd_t",
}


def resolve_by(by: str) -> str:
    """Canonical cut-off column for ``by`` (``total_rey``/``treo``/``value`` or the column name)."""
    try:
        return BY_ALIASES[by]
    except KeyError:
        raise ValueError(f"by = {by!r}: use total_rey_ppm, treo_ppm or value_usd_t (or total_rey|treo|value)") from None


def _class_codes(blocks: pd.DataFrame) -> np.ndarray:
    """Integer code of each block's class (index into CLASSES); categorical columns cost nothing."""
    if "class" not in blocks.columns:
        return np.full(len(blocks), CLASSES.index("unclassified"), dtype=np.int8)
    column = blocks["class"]
    if isinstance(column.dtype, pd.CategoricalDtype) and tuple(column.cat.categories) == CLASSES:
        codes = column.cat.codes.to_numpy()
        if (codes < 0).any():
            raise ValueError("blocks have a missing class label; classify every block (see classify_blocks)")
        return codes
    labels = column.astype(str).to_numpy()
    codes = pd.Index(list(CLASSES)).get_indexer(labels)
    if (codes < 0).any():
        unknown = sorted(set(labels[codes < 0]))
        raise ValueError(f"blocks have unknown class labels {unknown}; expected {CLASSES}")
    return codes


class GradeTonnageIndex:
    """Grade-tonnage index of a blocks table (see :func:`reymud.resource.blocks_table`).

    Parameters
    ----------
    blocks : DataFrame
        ``dry_t`` (or ``volume_m3`` with ``density_t_m3``), the ``by`` column, ``total_rey_ppm``,
        optional ``<El>_ppm``, ``treo_ppm``, ``value_usd_t``, ``area_m2``, ``class``.
    by : str
        Cut-off column.
    density_t_m3 : float, optional
        If given, tonnage is recomputed as ``volume_m3 * density_t_m3``.

    Notes
    -----
    Construction sorts once (O(n log n)) and stores per-class cumulative sums (n x k floats);
    :meth:`query` and :meth:`curve` cost O(log n) per cut-off and class.
    """

    def __init__(self, blocks: pd.DataFrame, by: str = "total_rey_ppm", density_t_m3: float | None = None):
        self.by = resolve_by(by)
        if self.by not in blocks.columns:
            raise ValueError(f"blocks have no {self.by!r} column to apply the cut-off to")
        if density_t_m3 is not None:
            if "volume_m3" not in blocks.columns:
                raise ValueError("density_t_m3 given but blocks have no volume_m3 column")
            dry_t = blocks["volume_m3"].to_numpy(dtype=float) * float(density_t_m3)
        elif "dry_t" in blocks.columns:
            dry_t = blocks["dry_t"].to_numpy(dtype=float)
        else:
            raise ValueError("blocks have no dry_t column; build them with blocks_table() or pass density_t_m3")
        self.elements = element_columns(blocks)
        self.grade_columns = ["total_rey_ppm"] + [c for c in ("treo_ppm", "value_usd_t") if c in blocks.columns]
        if self.by not in self.grade_columns:
            self.grade_columns.append(self.by)
        self.three_d = "depth_mbsf" in blocks.columns
        n = len(blocks)
        grade_names = self.grade_columns + [f"{el}_ppm" for el in self.elements]
        # quantities summed, one contiguous row each (k x n): dry_t, volume_m3, area_m2, dry_t * grade ...
        self._columns = ["dry_t", "volume_m3", "area_m2"] + [f"w_{c}" for c in self.grade_columns] + \
            [f"w_{el}" for el in self.elements]
        matrix = np.empty((len(self._columns), n))
        matrix[0] = dry_t
        matrix[1] = blocks["volume_m3"].to_numpy(dtype=float) if "volume_m3" in blocks.columns else np.nan
        matrix[2] = blocks["area_m2"].to_numpy(dtype=float) if "area_m2" in blocks.columns else np.nan
        for i, name in enumerate(grade_names):
            np.multiply(dry_t, blocks[name].to_numpy(dtype=float), out=matrix[3 + i])
        np.nan_to_num(matrix, copy=False)
        values = blocks[self.by].to_numpy(dtype=float)
        keep = np.isfinite(values) & np.isfinite(dry_t)
        codes = _class_codes(blocks)
        # one sort: by class, then by value within class (each class's values ascending)
        order = np.lexsort((values, codes))
        order = order[keep[order]]
        bounds = np.searchsorted(codes[order], np.arange(len(CLASSES) + 1), side="left")
        self.classes = CLASSES
        self._values: dict[str, np.ndarray] = {}
        self._cums: dict[str, np.ndarray] = {}
        for j, name in enumerate(CLASSES):
            idx = order[bounds[j]:bounds[j + 1]]
            self._values[name] = values[idx]
            cums = np.zeros((matrix.shape[0], idx.size + 1))
            np.cumsum(matrix[:, idx], axis=1, out=cums[:, 1:])
            self._cums[name] = cums
        self.n_blocks = int(keep.sum())

    def sums(self, cutoffs: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw sums above each cut-off per class.

        Returns
        -------
        counts : ndarray, shape (n_cutoffs, n_classes)
        sums : ndarray, shape (n_cutoffs, n_classes, k)
            Columns as ``self.columns``.
        """
        cut = np.atleast_1d(np.asarray(cutoffs, dtype=float))
        counts = np.zeros((cut.size, len(self.classes)), dtype=np.int64)
        sums = np.zeros((cut.size, len(self.classes), len(self._columns)))
        for j, name in enumerate(self.classes):
            vals, cums = self._values[name], self._cums[name]
            start = np.searchsorted(vals, cut, side="left")
            counts[:, j] = vals.size - start
            sums[:, j, :] = (cums[:, -1:] - cums[:, start]).T
        return counts, sums

    @property
    def columns(self) -> list[str]:
        """Names of the summed quantities."""
        return list(self._columns)

    def finalise(self, sums: np.ndarray) -> dict[str, np.ndarray]:
        """Turn raw sums (..., k) into tonnage, mean grades and contained oxide (vectorised)."""
        col = {c: sums[..., i] for i, c in enumerate(self._columns)}
        dry = col["dry_t"]
        with np.errstate(invalid="ignore", divide="ignore"):
            out = {"area_km2": col["area_m2"] / 1e6, "volume_m3": col["volume_m3"], "dry_t": dry}
            for c in self.grade_columns:
                out[c] = np.where(dry > 0, col[f"w_{c}"] / dry, np.nan)
            factors = oxide_factors()
            for el in self.elements:
                out[f"{el}_ppm"] = np.where(dry > 0, col[f"w_{el}"] / dry, np.nan)
            out["contained_rey_t"] = col["w_total_rey_ppm"] * 1e-6
            treo = np.zeros_like(dry)
            for el in self.elements:
                out[f"{el}_oxide_t"] = col[f"w_{el}"] * 1e-6 * factors[el]
                treo = treo + out[f"{el}_oxide_t"]
            out["treo_t"] = treo if self.elements else np.full_like(dry, np.nan)
        return out

    def query(self, cutoff: float) -> dict:
        """Everything at or above one cut-off: per class and in total.

        Returns
        -------
        dict
            ``{"cutoff", "by", "total": {...}, "classes": {class: {...}}}`` where each inner dict
            holds ``n_blocks, area_km2, volume_m3, dry_t, total_rey_ppm, ..., <El>_oxide_t, treo_t``.
        """
        counts, sums = self.sums([cutoff])
        per_class = self.finalise(sums[0])
        total = self.finalise(sums[0].sum(axis=0))
        result = {"cutoff": float(cutoff), "by": self.by,
                  "total": {"n_blocks": int(counts[0].sum()), **{k: float(v) for k, v in total.items()}},
                  "classes": {}}
        for j, name in enumerate(self.classes):
            result["classes"][name] = {"n_blocks": int(counts[0, j]),
                                       **{k: float(v[j]) for k, v in per_class.items()}}
        if self.three_d:
            result["total"]["area_km2"] = float("nan")
            for name in self.classes:
                result["classes"][name]["area_km2"] = float("nan")
        return result

    def curve(self, cutoffs: Iterable[float], by_class: bool = False) -> pd.DataFrame:
        """Grade-tonnage curve: one row per cut-off (and per class when ``by_class``).

        The ``class`` column is ``"all"`` for the whole model (every class, unclassified included).
        ``area_km2`` is NaN for 3-D models (a footprint needs distinct columns; see resource_table).
        """
        cut = np.asarray(list(cutoffs), dtype=float)
        counts, sums = self.sums(cut)
        frames = []
        if by_class:
            res = self.finalise(sums)
            for j, name in enumerate(self.classes):
                frames.append(pd.DataFrame({"cutoff": cut, "class": name, "n_blocks": counts[:, j],
                                            **{k: v[:, j] for k, v in res.items()}}))
        res = self.finalise(sums.sum(axis=1))
        frames.append(pd.DataFrame({"cutoff": cut, "class": "all", "n_blocks": counts.sum(axis=1), **res}))
        out = pd.concat(frames, ignore_index=True)
        if self.three_d:
            out["area_km2"] = np.nan
        out.insert(1, "by", self.by)
        return out.sort_values(["cutoff"], kind="stable").reset_index(drop=True)
