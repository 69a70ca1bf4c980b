"""Whole-table checks: repeated sample ids, depth intervals, collars (all vectorised)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reymud.ingest.bounds import PlausibilityBounds
from reymud.ingest.errors import IngestError
from reymud.ingest.mapping import IngestMapping

__all__ = ["check_concentrations", "check_cores", "check_depth_in_core", "check_intervals", "check_major_sum",
           "check_sample_collars", "repeated_ids"]


def repeated_ids(ids: pd.Series, content: pd.DataFrame, rows: np.ndarray, file: str,
                 what: str = "sample") -> np.ndarray:
    """Rows to keep: a repeated id with identical content is dropped; with different content it is an error.

    Parameters
    ----------
    ids : Series
        Stored id per row.
    content : DataFrame
        The cells that must agree between repeats (aligned with ``ids``).
    rows : ndarray
        Spreadsheet rows.
    """
    ids = ids.reset_index(drop=True)
    dup = ids.duplicated(keep=False).to_numpy()
    if not dup.any():
        return np.ones(len(ids), dtype=bool)
    sub = content.reset_index(drop=True).loc[dup].astype(object).where(lambda d: d.notna(), "").astype(str)
    sub.insert(0, "__id", ids[dup].to_numpy())
    varying = sub.groupby("__id", sort=False).nunique() > 1
    if varying.to_numpy().any():
        bad_id = varying.index[varying.any(axis=1).to_numpy()][0]
        column = varying.columns[varying.loc[bad_id].to_numpy()][0]
        where = np.flatnonzero((ids == bad_id).to_numpy())
        first, second = where[0], where[1:][sub.loc[where[1:], column].to_numpy() != sub.loc[where[0], column]][0]
        raise IngestError(file, f"{what} id {bad_id!r} appears on rows {rows[first]} and {rows[second]} with "
                          f"different values ({sub.loc[first, column]!r} vs {sub.loc[second, column]!r})",
                          "keep one row per sample, or mark the repeat as sample_type=duplicate with "
                          f"reference={bad_id}", row=int(rows[second]), column=str(column))
    return ~ids.duplicated(keep="first").to_numpy()


def check_intervals(samples: pd.DataFrame, existing: pd.DataFrame, file: str, columns: dict) -> None:
    """Inverted intervals and overlaps within a core (this file plus samples already in the project).

    Parameters
    ----------
    samples : DataFrame
        ``sample_id, core_id, top_mbsf, bottom_mbsf, _row`` of this file's regular samples.
    existing : DataFrame
        ``sample_id, core_id, top_mbsf, bottom_mbsf`` already stored for the same cores.
    columns : dict
        Role -> column name (for the message).
    """
    top, bottom = samples["top_mbsf"].to_numpy(), samples["bottom_mbsf"].to_numpy()
    inverted = np.flatnonzero(top > bottom)
    if inverted.size:
        i = inverted[0]
        raise IngestError(file, f"inverted interval: top {top[i]:g} m is below bottom {bottom[i]:g} m "
                          f"(sample {samples['sample_id'].iloc[i]!r})", "swap the top and bottom depths",
                          row=int(samples["_row"].iloc[i]), column=columns.get("top_mbsf") or columns.get("depth_mbsf"))
    both = pd.concat([samples[["sample_id", "core_id", "top_mbsf", "bottom_mbsf", "_row"]],
                      existing.assign(_row=-1)], ignore_index=True)
    both = both.sort_values(["core_id", "top_mbsf", "bottom_mbsf"], kind="stable").reset_index(drop=True)
    same_core = (both["core_id"] == both["core_id"].shift()).to_numpy()
    prev_top, prev_bottom = both["top_mbsf"].shift().to_numpy(), both["bottom_mbsf"].shift().to_numpy()
    overlap = np.flatnonzero(same_core & ((both["top_mbsf"].to_numpy() < prev_bottom)
                                          | (both["top_mbsf"].to_numpy() == prev_top)))
    if overlap.size:
        i = overlap[0]
        a, b = both.iloc[i - 1], both.iloc[i]
        where_a = f"row {a['_row']}" if a["_row"] > 0 else "already in the project"
        row = b["_row"] if b["_row"] > 0 else a["_row"]
        raise IngestError(file, f"overlapping intervals in core {b['core_id']!r}: sample {b['sample_id']!r} "
                          f"({b['top_mbsf']:g}-{b['bottom_mbsf']:g} mbsf) overlaps sample {a['sample_id']!r} "
                          f"({a['top_mbsf']:g}-{a['bottom_mbsf']:g} mbsf, {where_a})",
                          "correct the depths; a repeat analysis of one interval is sample_type=duplicate with "
                          "reference=<parent id>", row=int(row), column=columns.get("top_mbsf") or
                          columns.get("depth_mbsf"))


def check_cores(cores: pd.DataFrame, file: str, mapping: IngestMapping, columns: dict) -> None:
    """Collar checks: coordinates present and in range, water depth not negative."""
    rows = cores["_row"].to_numpy()
    for col, (lo, hi) in (("latitude", mapping.latitude_range_deg), ("longitude", mapping.longitude_range_deg)):
        values = cores[col].to_numpy(dtype=np.float64)
        missing = np.flatnonzero(np.isnan(values))
        if missing.size:
            i = missing[0]
            raise IngestError(file, f"core {cores['core_id'].iloc[i]!r} has no {col}",
                              f"fill in the {col} in decimal degrees (WGS84)", row=int(rows[i]),
                              column=columns.get(col, col))
        out = np.flatnonzero((values < lo) | (values > hi))
        if out.size:
            i = out[0]
            raise IngestError(file, f"{col} {values[i]:g} of core {cores['core_id'].iloc[i]!r} is outside "
                              f"{lo:g}..{hi:g} degrees", f"write the {col} in decimal degrees (WGS84); check for "
                              "swapped latitude/longitude or degrees-minutes", row=int(rows[i]),
                              column=columns.get(col, col))
    bounds = mapping.bounds
    if "water_depth_m" in cores:
        depth = cores["water_depth_m"].to_numpy(dtype=np.float64)
        bad = np.flatnonzero(depth < 0)
        if bad.size:
            raise IngestError(file, f"negative water depth {depth[bad[0]]:g} m", "water depth is metres, positive "
                              "down (write 5700, not -5700)", row=int(rows[bad[0]]),
                              column=columns.get("water_depth_m"))
        lo, hi = bounds.water_depth_range_m
        bad = np.flatnonzero((depth < lo) | (depth > hi))
        if bad.size:
            raise IngestError(file, f"water depth {depth[bad[0]]:g} m of core {cores['core_id'].iloc[bad[0]]!r} is "
                              f"outside {lo:g}-{hi:g} m", "write the water depth in metres (check for feet, cm or a "
                              "typing error); the range is bounds.water_depth_range_m in the mapping file",
                              row=int(rows[bad[0]]), column=columns.get("water_depth_m"))
    if "core_length_m" in cores:
        length = cores["core_length_m"].to_numpy(dtype=np.float64)
        bad = np.flatnonzero(length <= 0)
        if bad.size:
            raise IngestError(file, f"core length {length[bad[0]]:g} m of core {cores['core_id'].iloc[bad[0]]!r} is "
                              "not positive", "write the recovered core length in metres (leave it empty if "
                              "unknown)", row=int(rows[bad[0]]), column=columns.get("core_length_m"))


def check_concentrations(values: np.ndarray, unit: str, rows: np.ndarray, file: str, column: str,
                         bounds: PlausibilityBounds) -> None:
    """No concentration above ``bounds.max_concentration_ppm`` (``unit`` is the stored unit: ppm or wt%)."""
    ppm = values * (10000.0 if unit == "wt%" else 1.0)
    bad = np.flatnonzero(ppm > bounds.max_concentration_ppm)
    if bad.size:
        i = bad[0]
        raise IngestError(file, f"concentration {values[i]:g} {unit} is above {bounds.max_concentration_ppm:g} ppm "
                          f"({bounds.max_concentration_ppm / 1e4:g} %), which is impossible",
                          "check the value and the column's unit (ppb written as ppm?); the bound is "
                          "bounds.max_concentration_ppm in the mapping file", row=int(rows[i]), column=column)


def check_major_sum(assays: pd.DataFrame, samples: pd.DataFrame, file: str, bounds: PlausibilityBounds) -> None:
    """The oxide (wt %) values of one sample add up to at most ``bounds.max_major_sum_wt_pct``."""
    if assays is None or samples is None or assays.empty:
        return
    unit = assays["unit"]
    if isinstance(unit.dtype, pd.CategoricalDtype):  # compare codes, not one string per row
        codes = np.flatnonzero(unit.cat.categories == "wt%")
        wt = unit.cat.codes.to_numpy() == (codes[0] if codes.size else -2)
    else:
        wt = unit.astype(object).to_numpy() == "wt%"
    majors = assays.loc[wt, ["sample_id", "value"]]
    if majors.empty:
        return
    total = majors.groupby(majors["sample_id"].astype(object), sort=False)["value"].sum(min_count=1)
    bad = total[total > bounds.max_major_sum_wt_pct]
    if len(bad):
        sid = bad.index[0]
        where = samples.loc[samples["sample_id"].to_numpy() == sid, "_row"]
        raise IngestError(file, f"the oxides of sample {sid!r} add up to {bad.iloc[0]:.1f} wt %, above "
                          f"{bounds.max_major_sum_wt_pct:g} wt %", "check the major-element columns and their units "
                          "(ppm written as wt %?); the bound is bounds.max_major_sum_wt_pct in the mapping file",
                          row=int(where.iloc[0]) if len(where) else None)


def check_depth_in_core(samples: pd.DataFrame, lengths: pd.Series, file: str, columns: dict,
                        bounds: PlausibilityBounds) -> None:
    """Every sample's bottom depth lies within its core's length plus ``bounds.depth_tolerance_m``.

    Parameters
    ----------
    lengths : Series
        Core id -> core length (m; NaN when unknown: no check).
    """
    if samples.empty or lengths.empty:
        return
    length = samples["core_id"].map(lengths).to_numpy(dtype=np.float64)
    bottom = samples["bottom_mbsf"].to_numpy(dtype=np.float64)
    bad = np.flatnonzero(bottom > length + bounds.depth_tolerance_m)
    if bad.size:
        i = bad[0]
        raise IngestError(file, f"sample {samples['sample_id'].iloc[i]!r} at {samples['top_mbsf'].iloc[i]:g}-"
                          f"{bottom[i]:g} mbsf lies below the end of core {samples['core_id'].iloc[i]!r} "
                          f"({length[i]:g} m long)", "check the depth unit (cm written as m?) and the core length; "
                          "the tolerance is bounds.depth_tolerance_m in the mapping file",
                          row=int(samples["_row"].iloc[i]), column=columns.get("bottom_mbsf") or
                          columns.get("depth_mbsf"))


def check_sample_collars(samples: pd.DataFrame, known: set[str], file: str, columns: dict) -> None:
    """Every sample's core must have a collar (in this file, the collar file or the project)."""
    cores = samples["core_id"]
    orphan = np.flatnonzero(cores.notna().to_numpy() & ~cores.isin(known).to_numpy())
    if orphan.size:
        i = orphan[0]
        raise IngestError(file, f"core {cores.iloc[i]!r} of sample {samples['sample_id'].iloc[i]!r} has no collar "
                          "(latitude/longitude)", "add the core to a collar file (--collars FILE) or put latitude "
                          "and longitude columns in this file", row=int(samples["_row"].iloc[i]),
                          column=columns.get("core_id"))
