"""Read methods ingest uses to compare a new file with what a project holds (no SQL outside the store).

:class:`IngestLookups` is a base class of :class:`reymud.store.Project`; its methods only read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

__all__ = ["IngestLookups"]

#: Tables whose stored rows ingest compares with a new file's rows, and their columns.
_COMPARABLE = {
    "cores": ("core_id", "cruise", "site", "hole", "latitude", "longitude", "water_depth_m", "core_length_m",
              "recovery", "position_status"),
    "samples": ("sample_id", "core_id", "top_mbsf", "bottom_mbsf", "sample_type", "reference", "label"),
    "assays": ("sample_id", "analyte", "value_raw", "unit_raw", "value", "unit", "detection_limit", "censored"),
}


class IngestLookups:
    """Lookups of stored cores, samples and imports (a base of :class:`reymud.store.Project`, whose ``sql`` they use)."""

    def has_import(self, sha256: str) -> bool:
        """Whether a file with this sha256 has been imported."""
        return not self.sql("SELECT 1 FROM imports WHERE sha256 = ? LIMIT 1", [sha256]).empty

    def core_ids(self) -> set[str]:
        """Ids of every stored core."""
        return set(self.sql("SELECT core_id FROM cores")["core_id"])

    def unpositioned_core_ids(self) -> set[str]:
        """Ids of the stored cores without a position (``position_status = 'none'``)."""
        return set(self.sql("SELECT core_id FROM cores WHERE position_status = 'none'")["core_id"])

    def core_lengths(self) -> pd.Series:
        """Recovered core length (m) by core id, for the cores where it is known."""
        frame = self.sql("SELECT core_id, core_length_m FROM cores WHERE core_length_m IS NOT NULL ORDER BY core_id")
        return frame.set_index("core_id")["core_length_m"]

    def sample_intervals(self, core_ids: Iterable[str]) -> pd.DataFrame:
        """``sample_id, core_id, top_mbsf, bottom_mbsf`` of the stored regular samples of these cores."""
        wanted = pd.DataFrame({"core_id": pd.Series(list(dict.fromkeys(core_ids)), dtype=object)})
        return self.sql("SELECT sample_id, core_id, top_mbsf, bottom_mbsf FROM samples WHERE sample_type = 'sample' "
                        "AND core_id IN (SELECT core_id FROM wanted) ORDER BY core_id, top_mbsf, sample_id",
                        frames={"wanted": wanted})

    def count_samples(self, sample_ids: Iterable[str]) -> int:
        """How many of these sample ids are stored (any sample type)."""
        wanted = pd.DataFrame({"sample_id": pd.Series(list(sample_ids), dtype=object)})
        return int(self.sql("SELECT count(*) AS n FROM samples WHERE sample_id IN (SELECT sample_id FROM wanted)",
                            frames={"wanted": wanted})["n"].iloc[0])

    def stored_rows(self, table: str, keys: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
        """Stored rows of ``table`` whose key columns equal a row of ``keys``.

        Parameters
        ----------
        table : {"cores", "samples", "assays"}
        keys : DataFrame
            Key columns (e.g. ``core_id``, or ``sample_id, analyte``); repeats are fine.
        columns : sequence of str
            Columns to return besides the keys.

        Returns
        -------
        DataFrame
            The key columns then ``columns``, one row per matching stored row.
        """
        allowed = _COMPARABLE.get(table)
        names = list(dict.fromkeys([*keys.columns, *columns]))
        if allowed is None or not set(names) <= set(allowed):
            raise ValueError(f"stored_rows: table {table!r} with columns {names}; choose a table of "
                             f"{sorted(_COMPARABLE)} and its columns")
        select = ", ".join(f"t.{c}" for c in names)
        on = " AND ".join(f"t.{k} = n.{k}" for k in keys.columns)
        distinct = ", ".join(keys.columns)
        return self.sql(f"SELECT {select} FROM {table} t JOIN (SELECT DISTINCT {distinct} FROM wanted) n ON {on}",
                        frames={"wanted": keys})
