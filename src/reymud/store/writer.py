"""Writing one imported file into a project in a single transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from reymud.store.project import Project, StoreError, WriteFailedError, _now, _write_failed, to_arrow

__all__ = ["write_import"]

_COLUMNS = {
    "cores": ["core_id", "cruise", "site", "hole", "latitude", "longitude", "water_depth_m", "core_length_m",
              "recovery", "position_status"],
    "samples": ["sample_id", "core_id", "top_mbsf", "bottom_mbsf", "sample_type", "reference", "label",
                "iodp_core", "iodp_core_type", "iodp_section", "iodp_half", "interval_top_cm",
                "interval_bottom_cm"],
    "assays": ["sample_id", "analyte", "value_raw", "unit_raw", "value", "unit", "detection_limit", "censored",
               "lab", "method"],
}


#: Rows converted to arrow and inserted at a time (bounds the memory of the conversion; all slices are
#: in the file's one transaction).
INSERT_SLICE_ROWS = 500_000


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, import_id: int) -> None:
    columns = [c for c in _COLUMNS[table] if c in frame.columns]
    names = ", ".join([*columns, "import_id"])
    for start in range(0, len(frame), INSERT_SLICE_ROWS):
        part = frame.iloc[start:start + INSERT_SLICE_ROWS]
        incoming = to_arrow(part[columns])
        incoming = incoming.append_column("import_id", pa.array(np.full(len(part), import_id, dtype=np.int32)))
        con.register("incoming", incoming)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming")
        con.unregister("incoming")
        del incoming


def _position(con: duckdb.DuckDBPyConnection, positions: pd.DataFrame) -> None:
    """Give stored cores without a position (``position_status = 'none'``) their collar fields."""
    columns = [c for c in _COLUMNS["cores"] if c in positions.columns and c not in ("core_id", "position_status")]
    con.register("positions", to_arrow(positions[["core_id", *columns]]))
    assignments = ", ".join(f"{c} = p.{c}" for c in columns)
    con.execute(f"UPDATE cores SET {assignments}, position_status = 'known' FROM positions p "
                "WHERE cores.core_id = p.core_id AND cores.position_status = 'none'")
    con.unregister("positions")


def write_import(project: Project, record: Mapping[str, Any], cores: pd.DataFrame | None = None,
                 samples: pd.DataFrame | None = None, assays: pd.DataFrame | None = None,
                 metadata: Mapping[str, str] | None = None, positions: pd.DataFrame | None = None) -> int | None:
    """Write one file's rows and its import-log entry in one transaction.

    Parameters
    ----------
    project : Project
    record : mapping
        Import-log fields: ``file_name, sha256, kind, n_rows, n_values, n_censored, mapping_json,
        header_json, unrecognised_json``.
    cores, samples, assays : DataFrame, optional
        New rows (columns as in the project tables; rows already stored must be filtered out).
    metadata : mapping, optional
        Metadata keys to set.
    positions : DataFrame, optional
        Collar fields for cores stored earlier without a position (their ``position_status`` becomes
        ``known``).

    Returns
    -------
    int or None
        The new import id, or None when a file with the same sha256 is already in the project
        (nothing is written).
    """
    try:
        with project.transaction() as con:
            con.execute("SET preserve_insertion_order = false")  # reads always ORDER BY
            # one writer thread: two parallel insert pipelines held ~280 MB more of a 200 MB file's uncommitted rows
            # (peak 1.13 GB against 0.85 GB, benchmarks/bench_ingest.py) for no gain in wall time; the setting
            # lives as long as this write's connection (Project opens one per call and closes it after)
            con.execute("SET threads = 1")
            if con.execute("SELECT 1 FROM imports WHERE sha256 = ?", [record["sha256"]]).fetchone():
                return None
            import_id = int(con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchone()[0])
            con.execute(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded')",
                [import_id, record["file_name"], record["sha256"], _now(), record["kind"], int(record["n_rows"]),
                 int(record["n_values"]), int(record["n_censored"]), record["mapping_json"],
                 record["header_json"], record["unrecognised_json"]])
            if positions is not None and len(positions):
                _position(con, positions)
            for table, frame in (("cores", cores), ("samples", samples), ("assays", assays)):
                if frame is not None and len(frame):
                    _insert(con, table, frame, import_id)
            if metadata:
                con.executemany("INSERT OR REPLACE INTO metadata VALUES (?, ?)",
                                [(k, str(v)) for k, v in metadata.items()])
    except duckdb.ConstraintException as exc:
        raise StoreError(f"{record['file_name']}: rows clash with data already in {project.path} "
                         f"({str(exc).splitlines()[0]}); nothing was written") from None
    except (duckdb.Error, OSError) as exc:
        raise StoreError(f"{record['file_name']}: {_write_failed(project.path, exc)}") from None
    except WriteFailedError as exc:
        raise StoreError(f"{record['file_name']}: {exc}") from None
    return import_id
