"""Resource statement by class and cut-off, and grade-tonnage curves (as data)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from reymud.resource.config import DEFAULT_CUTOFFS_PPM
from reymud.resource.index import GradeTonnageIndex, resolve_by
from reymud.resource.value import block_value_usd_t

__all__ = ["STATEMENT_ROWS", "grade_tonnage", "resource_table"]

#: Rows of a resource statement at each cut-off: (label, classes summed, row type).
STATEMENT_ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("measured", ("measured",), "class"),
    ("indicated", ("indicated",), "class"),
    ("measured+indicated", ("measured", "indicated"), "cumulative"),
    ("inferred", ("inferred",), "class"),
    ("measured+indicated+inferred", ("measured", "indicated", "inferred"), "cumulative"),
    ("unclassified", ("unclassified",), "not a resource"),
)


def _cutoffs(cutoffs: Iterable[float] | float) -> np.ndarray:
    cut = np.atleast_1d(np.asarray(cutoffs, dtype=float))
    if cut.size == 0 or not np.all(np.isfinite(cut)):
        raise ValueError(f"cut-offs {cutoffs!r}: give one or more finite numbers, e.g. 400,1000,2000")
    return cut


def _footprint_km2(blocks: pd.DataFrame, by: str, cut: np.ndarray) -> np.ndarray:
    """Plan area (km2) of distinct (easting, northing) columns, per cut-off and statement row (3-D)."""
    col_id = pd.MultiIndex.from_frame(blocks[["easting", "northing"]]).factorize()[0] if len(blocks) else \
        np.zeros(0, dtype=np.int64)
    area = blocks["area_m2"].to_numpy(dtype=float)
    values = blocks[by].to_numpy(dtype=float)
    classes = blocks["class"].astype(str).to_numpy()
    out = np.zeros((cut.size, len(STATEMENT_ROWS)))
    for i, c in enumerate(cut):
        above = values >= c
        for j, (_, members, _) in enumerate(STATEMENT_ROWS):
            sel = above & np.isin(classes, members)
            ids, first = np.unique(col_id[sel], return_index=True)
            out[i, j] = area[sel][first].sum() / 1e6 if ids.size else 0.0
    return out


def resource_table(
    blocks: pd.DataFrame,
    cutoffs: Iterable[float] | float = DEFAULT_CUTOFFS_PPM,
    by: str = "total_rey_ppm",
    index: GradeTonnageIndex | None = None,
    prices_usd_per_kg: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Resource statement by cut-off and class, with cumulative rows.

    At each cut-off (blocks with ``by >= cutoff``) the rows are Measured, Indicated,
    Measured+Indicated, Inferred, Measured+Indicated+Inferred, and Unclassified (blocks that are
    not a resource, shown only if any exist). Every row is present even when empty (zero
    tonnage, NaN grades) and ``attrs["notes"]`` says which cut-offs have no block.

    Parameters
    ----------
    blocks : DataFrame
        From :func:`blocks_table`.
    cutoffs : float or iterable of float
        In the units of ``by``.
    by : str
        ``total_rey_ppm`` | ``treo_ppm`` | ``value_usd_t`` (aliases total_rey, treo, value).
    index : GradeTonnageIndex, optional
        Reuse an index built on the same blocks and ``by``.
    prices_usd_per_kg : mapping, optional
        Element -> USD per kg of oxide: recompute ``value_usd_t`` with these prices (see
        :mod:`reymud.resource.value`); default the blocks' own ``value_usd_t``.

    Returns
    -------
    DataFrame
        ``cutoff, by, class, row_type, n_blocks, area_km2, volume_m3, dry_t, total_rey_ppm,
        treo_ppm, value_usd_t, <El>_ppm, contained_rey_t, <El>_oxide_t, treo_t``.
    """
    by = resolve_by(by)
    cut = _cutoffs(cutoffs)
    if prices_usd_per_kg is not None:
        if index is not None:
            raise ValueError("give either prices_usd_per_kg or a prebuilt index, not both")
        attrs = dict(blocks.attrs)
        values, unpriced = block_value_usd_t(blocks, prices_usd_per_kg)
        blocks = blocks.assign(value_usd_t=values)
        blocks.attrs.update(attrs, unpriced=unpriced)
    index = index or GradeTonnageIndex(blocks, by=by)
    if index.by != by:
        raise ValueError(f"index was built for {index.by!r}, not {by!r}")
    counts, sums = index.sums(cut)
    pos = {name: j for j, name in enumerate(index.classes)}
    members = [[pos[c] for c in m] for _, m, _ in STATEMENT_ROWS]
    row_counts = np.stack([counts[:, m].sum(axis=1) for m in members], axis=1)
    row_sums = np.stack([sums[:, m, :].sum(axis=1) for m in members], axis=1)
    res = index.finalise(row_sums)
    n_rows = len(STATEMENT_ROWS)
    out = pd.DataFrame({
        "cutoff": np.repeat(cut, n_rows),
        "by": by,
        "class": np.tile([r[0] for r in STATEMENT_ROWS], cut.size),
        "row_type": np.tile([r[2] for r in STATEMENT_ROWS], cut.size),
        "n_blocks": row_counts.ravel(),
        **{k: v.ravel() for k, v in res.items()},
    })
    if index.three_d:
        out["area_km2"] = _footprint_km2(blocks, by, cut).ravel()
    for col in ("treo_ppm", "value_usd_t"):
        if col not in out:
            out[col] = np.nan
    n_unclassified = int(counts[:, pos["unclassified"]].max()) if cut.size else 0
    if n_unclassified == 0:
        out = out[out["class"] != "unclassified"]
    notes = list(blocks.attrs.get("notes", []))
    for c, n in zip(cut, counts.sum(axis=1), strict=True):
        if n == 0:
            notes.append(f"no block at or above the cut-off {c:g} ({by}): the rows at that cut-off are zero")
    lead = ["cutoff", "by", "class", "row_type", "n_blocks", "area_km2", "volume_m3", "dry_t",
            "total_rey_ppm", "treo_ppm", "value_usd_t"]
    rest = [c for c in out.columns if c not in lead]
    out = out[lead + rest].reset_index(drop=True)
    if by == "value_usd_t" and blocks.attrs.get("unpriced"):
        notes.append(f"value_usd_t: no price for {', '.join(blocks.attrs['unpriced'])} (valued at 0)")
    out.attrs.update(notes=notes, density_source=blocks.attrs.get("density_source", ""),
                     cutoff_rule=f"{by} >= cutoff", synthetic=blocks.attrs.get("synthetic", "unknown"))
    return out


def grade_tonnage(
    blocks: pd.DataFrame,
    cutoffs: Iterable[float] | float | None = None,
    by: str = "total_rey_ppm",
    by_class: bool = False,
) -> pd.DataFrame:
    """Grade-tonnage curve: tonnage, mean grade and contained oxide above each cut-off.

    Parameters
    ----------
    blocks : DataFrame
        From :func:`blocks_table`.
    cutoffs : iterable of float, optional
        Default: 0 to the maximum of ``by`` in 50 steps.
    by : str
        Cut-off column (``total_rey_ppm``, ``treo_ppm``, ``value_usd_t``).
    by_class : bool
        Add per-class rows beside the ``all`` row.

    Returns
    -------
    DataFrame
        ``cutoff, by, class, n_blocks, area_km2, volume_m3, dry_t, <grades>, <El>_ppm,
        contained_rey_t, <El>_oxide_t, treo_t``.
    """
    by = resolve_by(by)
    if cutoffs is None:
        top = float(np.nanmax(blocks[by])) if len(blocks) and blocks[by].notna().any() else 0.0
        cutoffs = np.linspace(0.0, top, 51)
    cut = _cutoffs(cutoffs)
    index = GradeTonnageIndex(blocks, by=by)
    return index.curve(cut, by_class=by_class)
