"""Assay values of wide and long tables -> the store's long assay rows in canonical units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reymud.ingest.columns import ColumnSpec, known_units, split_name
from reymud.ingest.errors import IngestError
from reymud.ingest.layout import Layout
from reymud.ingest.mapping import IngestMapping
from reymud.ingest.samples import text
from reymud.ingest.units import conversion, normalise_unit, parse_analyte
from reymud.ingest.validate import check_concentrations
from reymud.ingest.values import CellProblem, ParsedCells, parse_cells

__all__ = ["long_assays", "wide_assays"]

_MIXED_FIX = "report one column in one unit (convert the odd values, or split them into another column)"


def _parse(raw: pd.Series, mapping: IngestMapping, file: str, rows: np.ndarray, column: str) -> ParsedCells:
    try:
        return parse_cells(raw, mapping.negative_means_below_detection)
    except CellProblem as problem:
        raise IngestError(file, problem.problem, problem.fix, row=int(rows[problem.position]), column=column) from None


def _categorical(values: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """``values[codes]`` as a categorical (cheap for repeated strings)."""
    categories, inverse = np.unique(values.astype(str), return_inverse=True)
    return pd.Categorical.from_codes(inverse.astype(_code_dtype(len(categories)))[codes], categories=categories)


def _code_dtype(n: int) -> type:
    """The smallest integer type for ``n`` category codes (codes per value stay small in memory)."""
    return np.int8 if n < 127 else np.int16 if n < 32767 else np.int32


def _raw_arrow(raw: pd.Series) -> pa.Array:
    """Cells as reported, as an arrow string array ('' for missing)."""
    if pd.api.types.is_string_dtype(raw.dtype) and not pd.api.types.is_object_dtype(raw.dtype):
        arr = pa.array(raw.fillna(""), from_pandas=True)
        return arr.cast(pa.string()) if arr.type != pa.string() else arr
    return pa.array(_raw_text(raw), type=pa.string())


def _raw_text(raw: pd.Series) -> np.ndarray:
    """Cells as text: numbers via arrow's shortest round-trip formatting, missing as ''."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        arr = pc.cast(pa.array(raw.to_numpy(dtype=np.float64, na_value=np.nan), from_pandas=True), pa.string())
        return pc.fill_null(arr, "").to_numpy(zero_copy_only=False).astype(object)
    return raw.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v),
                   na_action=None).to_numpy(dtype=object)


def _column_unit(spec: ColumnSpec, parsed: ParsedCells, raw: pd.Series, file: str, rows: np.ndarray) -> str:
    """The column's unit key, checking units written in cells against it."""
    if parsed.suffix is None:
        return spec.unit
    suffix = pd.Series(parsed.suffix)
    present = suffix.notna().to_numpy()
    keys = suffix[present].map(normalise_unit).to_numpy(dtype=object)
    positions = np.flatnonzero(present)
    unknown = np.flatnonzero(pd.isna(keys))
    if unknown.size:
        i = positions[unknown[0]]
        raise IngestError(file, f"unknown unit {parsed.suffix[i]!r} in value {raw.iloc[i]!r}",
                          f"use one of {known_units()}", row=int(rows[i]), column=spec.name)
    expected = spec.unit if spec.unit is not None else keys[0]
    differ = np.flatnonzero(keys != expected)
    if differ.size:
        i = positions[differ[0]]
        raise IngestError(file, f"mixed units in one column: value {raw.iloc[i]!r} is not in "
                          f"{spec.unit_text or parsed.suffix[positions[0]]}", _MIXED_FIX, row=int(rows[i]),
                          column=spec.name)
    return expected


def wide_assays(frame: pd.DataFrame, layout: Layout, samples: pd.DataFrame, mapping: IngestMapping,
                file: str) -> tuple[pd.DataFrame, int]:
    """Long assay rows from a wide table (loop over analyte columns; each column is vectorised).

    Parameters
    ----------
    frame : DataFrame
        The table (rows aligned with ``samples``).
    samples : DataFrame
        From :func:`reymud.ingest.samples.build_samples` (``is_dl`` marks a detection-limit row).

    Returns
    -------
    (DataFrame, int)
        Assay rows in store columns, and the number of cells marked not analysed.
    """
    is_dl = samples["is_dl"].to_numpy()
    if is_dl.sum() > 1:
        raise IngestError(file, "more than one detection-limit row", "keep one row of detection limits",
                          row=int(samples["_row"].to_numpy()[np.flatnonzero(is_dl)[1]]))
    data = frame.loc[~is_dl]
    rows = samples["_row"].to_numpy()[~is_dl]
    ids = samples["sample_id"].to_numpy(dtype=object)[~is_dl]
    lab_codes, lab_names = pd.factorize(text(data, layout.roles.get("lab")).replace("", None))
    method_codes, method_names = pd.factorize(text(data, layout.roles.get("method")).replace("", None))
    lab_codes = lab_codes.astype(_code_dtype(len(lab_names) + 1))
    method_codes = method_codes.astype(_code_dtype(len(method_names) + 1))
    positions, raw_parts, censored, names, units, units_raw = [], [], [], [], [], []
    capacity = len(data) * len(layout.analytes)  # values and limits filled in place (no list + concatenate copy)
    values, limits, filled = np.empty(capacity), np.empty(capacity), 0
    n_absent = 0
    for spec in layout.analytes:
        raw = data[spec.name]
        parsed = _parse(raw, mapping, file, rows, spec.name)
        unit = _column_unit(spec, parsed, raw, file, rows)
        if unit is None:
            raise IngestError(file, "the concentration column has no unit",
                              f"write the unit in the header (e.g. '{spec.name} (ppm)') or in the mapping file",
                              row=int(rows[0]) - 1, column=spec.name)
        conv = conversion(spec.analyte, unit)
        limit = parsed.limit
        if spec.name in layout.limit_columns:
            dl_column = layout.limit_columns[spec.name]
            own = _parse(data[dl_column], mapping, file, rows, dl_column)
            limit = np.where(np.isnan(limit), np.where(np.isnan(own.value), own.limit, own.value), limit)
        if is_dl.any():
            dl_cell = frame.loc[is_dl, spec.name]
            dl = _parse(dl_cell, mapping, file, samples["_row"].to_numpy()[is_dl], spec.name)
            dl_value = dl.value[0] if not np.isnan(dl.value[0]) else dl.limit[0]
            limit = np.where(np.isnan(limit), dl_value, limit)
        keep = ~parsed.not_analysed
        n_absent += int((~keep).sum())
        positions.append(np.flatnonzero(keep).astype(np.int32))
        raw_parts.append(pc.filter(_raw_arrow(raw), pa.array(keep)))
        n_kept = len(positions[-1])
        values[filled:filled + n_kept] = conv.apply(parsed.value[keep])
        check_concentrations(values[filled:filled + n_kept], conv.unit, rows[keep], file, spec.name, mapping.bounds)
        limits[filled:filled + n_kept] = conv.apply(limit[keep])
        filled += n_kept
        censored.append(parsed.censored[keep])
        names.append(conv.analyte)
        units.append(conv.unit)
        units_raw.append(spec.unit_text or unit)
    counts = np.array([len(p) for p in positions], dtype=np.int64)
    column = np.repeat(np.arange(len(names), dtype=_code_dtype(len(names) + 1)), counts)
    pos = np.concatenate(positions) if positions else np.array([], dtype=np.int32)
    del positions
    assays = pd.DataFrame({
        "sample_id": _categorical(ids, pos),
        "analyte": _categorical(np.array(names, dtype=object), column),
        "value_raw": pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array(raw_parts, type=pa.string()))),
        "unit_raw": _categorical(np.array(units_raw, dtype=object), column),
        "value": values[:filled],
        "unit": _categorical(np.array(units, dtype=object), column),
        "detection_limit": limits[:filled],
        "censored": np.concatenate(censored) if censored else np.array([], dtype=bool),
        "lab": pd.Categorical.from_codes(lab_codes[pos], categories=lab_names),
        "method": pd.Categorical.from_codes(method_codes[pos], categories=method_names)}, copy=False)
    if "dry_density_g_cm3" in layout.roles:
        density = _density_rows(data, layout.roles["dry_density_g_cm3"], ids, rows, mapping, file)
        assays = pd.concat([assays.astype({c: object for c in ("sample_id", "analyte", "unit_raw", "unit", "lab",
                                                                "method")}), density], ignore_index=True)
    return assays, n_absent


#: Plausible dry bulk densities of sediment (g/cm3); outside this a unit mix-up (kg/m3) is likely.
DRY_DENSITY_RANGE_G_CM3 = (0.1, 3.0)


def _density_rows(data: pd.DataFrame, column: str, ids: np.ndarray, rows: np.ndarray, mapping: IngestMapping,
                  file: str) -> pd.DataFrame:
    """Assay rows of a measured dry bulk density column (analyte ``dry_density_g_cm3``, unit g/cm3)."""
    raw = data[column]
    parsed = _parse(raw, mapping, file, rows, column)
    keep = ~parsed.not_analysed & np.isfinite(parsed.value)
    lo, hi = DRY_DENSITY_RANGE_G_CM3
    bad = np.flatnonzero(keep & ((parsed.value < lo) | (parsed.value > hi)))
    if bad.size:
        i = int(bad[0])
        raise IngestError(file, f"dry bulk density {raw.iloc[i]!r} is outside {lo}-{hi} g/cm3",
                          "give dry bulk density in g/cm3 (== t/m3), e.g. 0.55; convert kg/m3 by dividing by 1000",
                          row=int(rows[i]), column=column)
    n = int(keep.sum())
    return pd.DataFrame({
        "sample_id": ids[keep], "analyte": "dry_density_g_cm3", "value_raw": _raw_text(raw)[keep],
        "unit_raw": "g/cm3", "value": parsed.value[keep], "unit": "g/cm3", "detection_limit": np.full(n, np.nan),
        "censored": np.zeros(n, dtype=bool), "lab": None, "method": "dry bulk density (measured)"})


def long_assays(frame: pd.DataFrame, layout: Layout, stored_ids: pd.Categorical, mapping: IngestMapping,
                file: str, rows: np.ndarray) -> tuple[pd.DataFrame, int]:
    """Long assay rows from a long table (analyte, value, unit columns), converted per (analyte, unit) pair.

    Parameters
    ----------
    stored_ids : Categorical
        The stored sample id of each row.
    rows : ndarray
        Spreadsheet row of each row.
    """
    roles = layout.roles
    analyte_text = text(frame, roles["analyte_name"])
    unit_text = text(frame, roles.get("unit"))
    a_codes, a_names = pd.factorize(analyte_text)
    u_codes, u_names = pd.factorize(unit_text)
    pair = a_codes.astype(np.int64) * max(len(u_names), 1) + u_codes
    pair_values, first_row, codes = np.unique(pair, return_index=True, return_inverse=True)
    uniques = [f"{a_names[v // max(len(u_names), 1)]}\x1f{u_names[v % max(len(u_names), 1)]}" for v in pair_values]
    n = len(uniques)
    num, den, factor = np.ones(n), np.ones(n), np.ones(n)
    names, units, units_raw = np.empty(n, dtype=object), np.empty(n, dtype=object), np.empty(n, dtype=object)
    for k, key in enumerate(uniques):
        name, unit_cell = key.split("\x1f")
        i = int(first_row[k])
        token, name_unit = split_name(name) or (name, None)
        unit_raw = unit_cell or name_unit or mapping.units.get(token) or mapping.default_unit
        analyte = parse_analyte(token, case_insensitive=True) if name else None
        if analyte is None:
            raise IngestError(file, f"analyte {name!r} is not an element symbol or oxide formula",
                              "write element symbols (La, Ce, ...) or oxide formulas (SiO2, La2O3); remove other "
                              "rows or map them", row=int(rows[i]), column=roles["analyte_name"])
        if unit_raw is None:
            raise IngestError(file, f"the value of {name!r} has no unit", "add a 'unit' column, write the unit in "
                              "the analyte name (La_ppm), or set default_unit in the mapping file",
                              row=int(rows[i]), column=roles["value"])
        unit = normalise_unit(unit_raw)
        if unit is None:
            raise IngestError(file, f"unknown unit {unit_raw!r}", f"use one of {known_units()}", row=int(rows[i]),
                              column=roles.get("unit") or roles["analyte_name"])
        conv = conversion(analyte, unit)
        num[k], den[k], factor[k] = conv.num, conv.den, conv.oxide_factor
        names[k], units[k], units_raw[k] = conv.analyte, conv.unit, unit_raw
    raw = frame[roles["value"]]
    parsed = _parse(raw, mapping, file, rows, roles["value"])
    if parsed.suffix is not None:
        suffix = pd.Series(parsed.suffix).map(normalise_unit, na_action="ignore").to_numpy(dtype=object)
        row_unit = np.array([normalise_unit(u) for u in units_raw], dtype=object)[codes]
        clash = np.flatnonzero(pd.notna(suffix) & (suffix != row_unit))
        if clash.size:
            i = clash[0]
            raise IngestError(file, f"mixed units: value {raw.iloc[i]!r} contradicts the row's unit "
                              f"{units_raw[codes[i]]!r}", _MIXED_FIX, row=int(rows[i]), column=roles["value"])
    limit = parsed.limit
    if "detection_limit" in roles:
        dl = _parse(frame[roles["detection_limit"]], mapping, file, rows, roles["detection_limit"])
        limit = np.where(np.isnan(limit), np.where(np.isnan(dl.value), dl.limit, dl.value), limit)
    num_r, den_r, factor_r = num[codes], den[codes], factor[codes]
    keep = ~parsed.not_analysed
    lab_codes, lab_names = pd.factorize(text(frame, roles.get("lab")).replace("", None))
    method_codes, method_names = pd.factorize(text(frame, roles.get("method")).replace("", None))
    assays = pd.DataFrame({
        "sample_id": stored_ids, "analyte": _categorical(names, codes),
        "value_raw": pd.Series(pd.arrays.ArrowExtensionArray(_raw_arrow(raw))),
        "unit_raw": _categorical(units_raw, codes), "value": parsed.value * num_r / den_r / factor_r,
        "unit": _categorical(units, codes), "detection_limit": limit * num_r / den_r / factor_r,
        "censored": parsed.censored, "lab": pd.Categorical.from_codes(lab_codes, categories=lab_names),
        "method": pd.Categorical.from_codes(method_codes, categories=method_names), "_row": rows.astype(np.int32)})
    unit_rows = assays["unit"].astype(object).to_numpy()
    for unit in ("ppm", "wt%"):
        here = unit_rows == unit
        if here.any():
            check_concentrations(assays["value"].to_numpy()[here], unit, rows[here], file, roles["value"],
                                 mapping.bounds)
    return assays.loc[keep].reset_index(drop=True), int((~keep).sum())
