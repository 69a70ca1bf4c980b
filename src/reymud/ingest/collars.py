"""Core-level fields (collars) of a table: one row per core with coordinates, water depth, length."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reymud.ingest.layout import Layout
from reymud.ingest.mapping import IngestMapping
from reymud.ingest.samples import numbers, text
from reymud.ingest.validate import check_cores, repeated_ids

__all__ = ["CORE_NUMBERS", "CORE_TEXT", "collar_table", "unpositioned_cores"]

CORE_TEXT = ("cruise", "site", "hole")
CORE_NUMBERS = ("latitude", "longitude", "water_depth_m", "core_length_m", "recovery")


def collar_table(frame: pd.DataFrame, layout: Layout, core_ids: pd.Series, rows: np.ndarray, file: str,
                 mapping: IngestMapping) -> pd.DataFrame | None:
    """The cores named in ``frame`` with their collar fields (None when the table has no coordinates).

    Parameters
    ----------
    frame : DataFrame
        Table rows (aligned with ``core_ids`` and ``rows``).
    core_ids : Series
        Core id of each row (rows without one are left out).
    rows : ndarray
        Spreadsheet row of each row (kept as ``_row``).

    Raises
    ------
    IngestError
        A core given twice with different fields, or coordinates / depths out of range.
    """
    roles = layout.roles
    if "latitude" not in roles and "longitude" not in roles:
        return None
    cores = pd.DataFrame({"core_id": core_ids.to_numpy(dtype=object), "_row": rows})
    for col in CORE_TEXT:
        cores[col] = text(frame, roles.get(col)).replace("", None).to_numpy(dtype=object)
    for col in CORE_NUMBERS:
        cores[col] = numbers(frame, roles[col], file, rows) if col in roles else np.nan
    cores["position_status"] = "known"
    cores = cores.loc[cores["core_id"].notna().to_numpy()].reset_index(drop=True)
    keep = repeated_ids(cores["core_id"], cores.drop(columns=["_row"]), cores["_row"].to_numpy(), file, "core")
    cores = cores.loc[keep].reset_index(drop=True)
    check_cores(cores, file, mapping, dict(roles))
    return cores


def unpositioned_cores(samples: pd.DataFrame, known: set[str]) -> pd.DataFrame:
    """Cores named by regular samples but without a collar anywhere: stored with ``position_status = 'none'``.

    Parameters
    ----------
    samples : DataFrame
        ``core_id, sample_type, _row`` of the file's samples.
    known : set of str
        Cores with a collar (in the project or this file).

    Returns
    -------
    DataFrame
        ``core_id, _row`` (first sample row of the core), latitude/longitude NaN, ``position_status``.
    """
    regular = samples.loc[(samples["sample_type"] != "crm").to_numpy() & samples["core_id"].notna().to_numpy()]
    orphan = regular.loc[~regular["core_id"].isin(known).to_numpy()].drop_duplicates("core_id")
    out = pd.DataFrame({"core_id": orphan["core_id"].to_numpy(dtype=object), "_row": orphan["_row"].to_numpy()})
    for col in (*CORE_TEXT, *CORE_NUMBERS):
        out[col] = None if col in CORE_TEXT else np.nan
    out["position_status"] = "none"
    return out
