"""Long tables (one row per sample and analyte) read, validated and converted chunk by chunk.

A long table repeats its sample-level cells (id, core, depths) on every analyte row, so a large
file holds far more cells than samples. Each chunk from :func:`reymud.ingest.reader.read_chunks`
is checked and converted on its own, in the order of a whole-file read (sample-level cells, new
samples, collars, assay values); what is kept between chunks is compact: the distinct sample-level
rows, the new samples, and the assay rows with the sample as an integer code and repeated strings
as categoricals. Checks that span the file (a sample id repeated with other cells, a sample/analyte
pair given twice, duplicates whose parent is in another chunk) run on that compact state, so a
file gives the same stored rows and, for one problem, the same error whatever the chunk size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from reymud.ingest.assays import long_assays
from reymud.ingest.collars import collar_table
from reymud.ingest.errors import IngestError
from reymud.ingest.layout import Layout
from reymud.ingest.mapping import IngestMapping
from reymud.ingest.samples import build_samples, inherit_from_parents, text
from reymud.ingest.validate import repeated_ids

__all__ = ["SAMPLE_ROLES", "LongTable", "parse_long"]

#: Roles whose cells describe the sample (repeated on each of its rows; they must agree).
SAMPLE_ROLES = ("sample_id", "core_id", "top_mbsf", "bottom_mbsf", "depth_mbsf", "section_top_mbsf",
                "interval_top_cm", "interval_bottom_cm", "sample_type", "reference", "site", "hole", "cruise",
                "latitude", "longitude", "water_depth_m", "core_length_m", "recovery")


@dataclass(frozen=True)
class LongTable:
    """A long table converted: store rows plus counts.

    Attributes
    ----------
    samples : DataFrame
        One row per sample (store columns plus ``_row``, ``is_dl``).
    cores : DataFrame or None
        Collars given in the table (None without coordinate columns).
    assays : DataFrame
        Store assay rows (sample id and repeated strings as categoricals).
    n_rows, not_analysed : int
        Data rows read; cells marked not analysed (not stored).
    """

    samples: pd.DataFrame
    cores: pd.DataFrame | None
    assays: pd.DataFrame
    n_rows: int
    not_analysed: int


class _Codes:
    """Integer code of each distinct sample label, in order of first appearance across chunks."""

    def __init__(self) -> None:
        self.of: dict[str, int] = {}

    def add(self, labels: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Codes of ``labels`` and the mask of rows where a label appears for the first time in the file."""
        local, uniques = pd.factorize(labels)
        mapped = np.empty(len(uniques), dtype=np.int32)
        new = np.zeros(len(uniques), dtype=bool)
        for k, label in enumerate(uniques):
            code = self.of.get(label)
            if code is None:
                code = self.of[label] = len(self.of)
                new[k] = True
            mapped[k] = code
        first = ~pd.Series(local).duplicated().to_numpy() & new[local]
        return mapped[local], first


class _Heads:
    """The sample-level cells of each sample's first row; every later row of the sample must repeat them."""

    def __init__(self, level: list[str]) -> None:
        self.level = level
        self.cells: list[pd.DataFrame] = []  # per chunk: head rows' cells, in code order
        self.rows: list[np.ndarray] = []
        self.starts: list[int] = []  # first code of each chunk's heads

    def _of(self, codes: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """Head cells and rows of these (earlier chunks') codes."""
        chunk = np.searchsorted(np.asarray(self.starts), codes, side="right") - 1
        cells, rows = [], []
        for j in np.unique(chunk):
            at = codes[chunk == j] - self.starts[j]
            cells.append(self.cells[j].iloc[at])
            rows.append(self.rows[j][at])
        return pd.concat(cells, ignore_index=True), np.concatenate(rows)

    def check(self, frame: pd.DataFrame, labels: pd.Series, codes: np.ndarray, first: np.ndarray, rows: np.ndarray,
              n_codes: int, file: str) -> None:
        """Refuse a sample whose rows disagree on a sample-level cell; then remember this chunk's heads."""
        cells = frame[self.level]
        distinct = ~cells.duplicated().to_numpy()
        in_chunk_first = ~labels.duplicated().to_numpy()
        conflict = bool((distinct & ~in_chunk_first).any())
        earlier = np.flatnonzero(in_chunk_first & ~first)
        if earlier.size:
            old, _ = self._of(codes[earlier])
            new = cells.iloc[earlier].reset_index(drop=True)
            differ = np.zeros(earlier.size, dtype=bool)
            for column in self.level:
                differ |= old[column].astype(str).to_numpy() != new[column].astype(str).to_numpy()
            conflict = conflict or bool(differ.any())
        if conflict:  # repeated_ids names the first sample, rows and column that disagree
            ids = labels[distinct].reset_index(drop=True)
            content = cells.loc[distinct].reset_index(drop=True)
            where = rows[distinct]
            if earlier.size:
                old, old_rows = self._of(np.unique(codes[earlier]))
                ids = pd.concat([old[self.level[0]].rename(None).pipe(lambda s: s.astype(str).str.strip()), ids],
                                ignore_index=True)
                content = pd.concat([old, content], ignore_index=True)
                where = np.concatenate([old_rows, where])
            repeated_ids(ids, content, where, file)
        self.starts.append(n_codes - int(first.sum()))  # new codes are the last ones given
        self.cells.append(cells.loc[first].reset_index(drop=True))
        self.rows.append(rows[first])


def _columns(frame: pd.DataFrame) -> dict[str, object]:
    """A chunk's columns as separate arrays (so each can be freed once concatenated)."""
    return {column: frame[column].array for column in frame.columns}


def _concat(chunks: list[dict[str, object]]) -> pd.DataFrame:
    """Concatenate chunks column by column, emptying ``chunks`` as it goes (no second full copy).

    Categorical columns stay categorical (union of the chunks' categories).
    """
    out: dict[str, object] = {}
    for column in list(chunks[0]):
        parts = [chunk.pop(column) for chunk in chunks]
        if len(parts) == 1:  # one chunk (most files): no copy
            out[column] = parts[0]
        elif isinstance(parts[0], pd.Categorical):
            out[column] = union_categoricals(parts, ignore_order=True)
        elif isinstance(parts[0], pd.arrays.ArrowExtensionArray):
            out[column] = pd.concat([pd.Series(p, copy=False) for p in parts], ignore_index=True).array
        else:
            out[column] = np.concatenate([np.asarray(p) for p in parts])
        del parts
    chunks.clear()
    return pd.DataFrame(out, copy=False)


def _unique_sample_analyte(assays: pd.DataFrame, file: str) -> np.ndarray:
    """Rows to keep: a sample/analyte pair given twice with the same value is kept once, else an error."""
    def keys() -> np.ndarray:
        key = assays["sample_id"].cat.codes.to_numpy().astype(np.int64)
        key *= len(assays["analyte"].cat.categories) + 1
        key += assays["analyte"].cat.codes.to_numpy()
        return key

    keep = np.ones(len(assays), dtype=bool)
    ordered = keys()
    ordered.sort()
    if not (ordered[1:] == ordered[:-1]).any():  # the usual case, without a hash table of every row
        return keep
    del ordered
    dup = pd.Series(keys()).duplicated(keep=False).to_numpy()
    sub = assays.loc[dup]
    keep[dup] = repeated_ids(sub["sample_id"].astype(str) + " / " + sub["analyte"].astype(str),
                             sub[["value_raw", "unit_raw"]], sub["_row"].to_numpy(), file, what="sample/analyte")
    return keep


def parse_long(chunks: Iterable[pd.DataFrame], layout: Layout, mapping: IngestMapping, file: str,
               sha256: str) -> LongTable:
    """Validate and convert a long table given as consecutive chunks of rows.

    Parameters
    ----------
    chunks : iterable of DataFrame
        The table's rows in order; ``attrs["first_data_row"]`` of each chunk is the spreadsheet row
        of its first row.
    layout : Layout
        From :func:`reymud.ingest.layout.classify` (``kind == "long"``).

    Raises
    ------
    IngestError
        The first problem met, naming file, row and column.
    """
    sid = layout.roles.get("sample_id")
    level = [layout.roles[r] for r in SAMPLE_ROLES if r in layout.roles]
    codes_of = _Codes()
    heads = _Heads(level)
    samples, cores, assays = [], [], []
    n_rows = n_absent = 0
    for frame in chunks:
        rows = int(frame.attrs.get("first_data_row", 2)) + np.arange(len(frame))
        if sid is None:
            raise IngestError(file, "no sample id column was recognised", "name it 'sample_id' or map it",
                              row=int(rows[0]) - 1)
        labels = text(frame, sid)
        codes, first = codes_of.add(labels)
        heads.check(frame, labels, codes, first, rows, len(codes_of.of), file)
        head = frame.loc[first]
        if len(head) or not samples:
            part = build_samples(head, layout, mapping, file, sha256, rows[first])
            samples.append(part)
            collars = collar_table(head, layout, part["core_id"], rows[first], file, mapping)
            if collars is not None:
                cores.append(collars)
        converted, absent = long_assays(frame, layout, codes, mapping, file, rows)
        assays.append(_columns(converted))
        n_rows, n_absent = n_rows + len(frame), n_absent + absent
        del frame, labels, codes, head, converted
    sample_table = pd.concat(samples, ignore_index=True) if len(samples) > 1 else samples[0]
    if len(samples) > 1:
        inherit_from_parents(sample_table)
    core_table = None
    if cores:
        core_table = pd.concat(cores, ignore_index=True)
        if len(cores) > 1:  # a core repeated in two chunks with different collar fields
            keep = repeated_ids(core_table["core_id"], core_table.drop(columns=["_row"]),
                                core_table["_row"].to_numpy(), file, "core")
            core_table = core_table.loc[keep].reset_index(drop=True)
    table = _concat(assays)
    table["sample_id"] = pd.Categorical.from_codes(table["sample_id"].to_numpy(),
                                                   categories=sample_table["sample_id"].to_numpy(dtype=object))
    keep = _unique_sample_analyte(table, file)
    table = table.drop(columns="_row")
    if not keep.all():
        table = table.loc[keep].reset_index(drop=True)
    return LongTable(sample_table, core_table, table, n_rows, n_absent)
