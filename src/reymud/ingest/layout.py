"""Which layout a table has (wide, long or collars) and what each column is, in final units."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from reymud.ingest.columns import ColumnSpec, known_units, name_key, recognise_column, split_name
from reymud.ingest.depth_units import DEPTH_ROLES, depth_factor, split_depth_name
from reymud.ingest.errors import IngestError, UnrecognisedTableError
from reymud.ingest.mapping import IngestMapping
from reymud.ingest.units import conversion, normalise_unit, parse_analyte

__all__ = ["Layout", "classify"]

#: Per-analyte detection-limit column names: ``La_DL``, ``DL La``, ``La LOD (ppm)``.
_DL_RE = re.compile(r"^\s*(?:(?:dl|lod|mdl)[\s_\-]+(?P<a>[A-Za-z][A-Za-z0-9]*)|(?P<b>[A-Za-z][A-Za-z0-9]*)[\s_\-]+"
                    r"(?:dl|lod|mdl))\s*(?:[(\[](?P<unit>[^)\]]*)[)\]])?\s*$", re.IGNORECASE)
_UNITLESS_FIX = ("write the unit in the header (e.g. 'La (ppm)'), add a units row under the header, or set it "
                 "in the mapping file (units: {{'{col}': ppm}} or default_unit: ppm)")


@dataclass(frozen=True)
class Layout:
    """The reading of one table.

    Attributes
    ----------
    kind : str
        ``"wide"`` (one column per analyte), ``"long"`` (analyte, value, unit columns) or ``"collars"``.
    roles : mapping
        Role -> column name.
    analytes : tuple of ColumnSpec
        Analyte columns (wide) with their final unit key in ``unit``.
    unrecognised : tuple of str
        Columns neither recognised nor mapped (listed in the report, not read).
    units_row : bool
        Whether the first data row held units (and was consumed).
    mapping_used : mapping
        Column -> role or ``analyte [unit]`` as used.
    depth_factors : mapping
        Depth column -> metres per unit (from the mapping file, units row or column name).
    limit_columns : mapping
        Analyte column -> its per-analyte detection-limit column (``La_DL``, ``DL La``), same unit.
    """

    kind: str
    roles: Mapping[str, str]
    analytes: tuple[ColumnSpec, ...] = ()
    unrecognised: tuple[str, ...] = ()
    units_row: bool = False
    mapping_used: Mapping[str, str] = field(default_factory=dict)
    depth_factors: Mapping[str, float] = field(default_factory=dict)
    limit_columns: Mapping[str, str] = field(default_factory=dict)


def _spec_from_mapping(column: str, target: object) -> ColumnSpec:
    if isinstance(target, str):
        return ColumnSpec(column, target)
    analyte = parse_analyte(str(target["analyte"]))
    unit_text = target.get("unit")
    return ColumnSpec(column, "analyte", analyte, unit_text, normalise_unit(unit_text))


def _is_units_row(frame: pd.DataFrame, analytes: list[ColumnSpec]) -> bool:
    if frame.empty or not analytes:
        return False
    cells = [frame[spec.name].iloc[0] for spec in analytes]
    texts = [str(c).strip().strip("()[]") for c in cells if pd.notna(c) and str(c).strip()]
    return bool(texts) and all(normalise_unit(t) is not None for t in texts)


def classify(frame: pd.DataFrame, mapping: IngestMapping, file: str) -> tuple[Layout, pd.DataFrame]:
    """Recognise every column of ``frame`` and resolve analyte units.

    Returns
    -------
    (Layout, DataFrame)
        The frame is returned without its units row, if it had one (``attrs`` kept, with
        ``first_data_row`` moved down).
    """
    header_row = int(frame.attrs.get("first_data_row", 2)) - 1
    roles: dict[str, str] = {}
    analytes: list[ColumnSpec] = []
    unrecognised: list[str] = []
    used: dict[str, str] = {}
    dl_columns: dict[str, tuple[str, str | None]] = {}
    for column in frame.columns:
        target = mapping.columns.get(column)
        found = _DL_RE.match(str(column)) if target is None else None
        if found and parse_analyte(found.group("a") or found.group("b")) is not None:
            element = parse_analyte(found.group("a") or found.group("b"))
            dl_columns[str(element)] = (column, found.group("unit"))
            used[column] = "detection limit"
            continue
        spec = recognise_column(column) if target is None else _spec_from_mapping(column, target)
        if spec.role == "ignore":
            used[column] = "ignore"
            continue
        if spec.role == "analyte":
            analytes.append(spec)
            continue
        if spec.role == "unrecognised":
            if spec.problem == "not_analyte":
                token = (split_name(column) or (column, None))[0]
                raise IngestError(file, f"the column looks like a concentration ({spec.unit_text}) but {token!r} is "
                                  "not an element symbol or oxide formula",
                                  "rename it to an element or oxide (e.g. 'La (ppm)', 'La2O3 (wt%)'), or map it in "
                                  f"the mapping file (columns: {{'{column}': {{analyte: La, unit: ppm}}}} or "
                                  f"'{column}': ignore)", row=header_row, column=column)
            unrecognised.append(column)
            continue
        if spec.role in roles:
            raise IngestError(file, f"columns {roles[spec.role]!r} and {column!r} both look like {spec.role}",
                              "map one of them to another role or to ignore in the mapping file",
                              row=header_row, column=column)
        roles[spec.role] = column
        used[column] = spec.role
    if "analyte_name" in roles and "value" in roles:
        kind = "long"
    elif analytes:
        kind = "wide"
    elif ("core_id" in roles or {"site", "hole"} <= set(roles)) and ("latitude" in roles or "longitude" in roles):
        kind = "collars"
    elif "latitude" in roles or "longitude" in roles:
        found = ", ".join(repr(roles[r]) for r in ("latitude", "longitude", "site", "hole") if r in roles)
        raise IngestError(file, f"the file has collar columns ({found}) but no core id: neither a core_id column nor "
                          "both site and hole columns were recognised",
                          "add a core_id column, or site and hole columns (IODP style: site U1366 + hole D = core "
                          "U1366D, as in sample names like U1366D-2H-3-W 50/52), or map a column to core_id",
                          row=header_row)
    else:
        raise UnrecognisedTableError(
            file, "no analyte columns (e.g. 'La (ppm)'), no analyte/value columns and no collar columns (core_id, "
            f"latitude, longitude) were recognised; unrecognised: {', '.join(unrecognised) or 'none'}",
            "name the columns as in the documentation or map them in a mapping file (--mapping)", row=header_row)
    units_row = kind == "wide" and _is_units_row(frame, analytes)
    if units_row:
        unit_cells = frame.iloc[0]
        attrs = dict(frame.attrs)
        frame = frame.iloc[1:].reset_index(drop=True)
        frame.attrs.update(attrs, first_data_row=attrs.get("first_data_row", 2) + 1)
    factors: dict[str, float] = {}
    for role in DEPTH_ROLES:
        column = roles.get(role)
        if column is None:
            continue
        stated = [("mapping file", mapping.units[column])] if column in mapping.units else []
        if units_row and pd.notna(unit_cells[column]) and str(unit_cells[column]).strip():
            stated.append(("units row", str(unit_cells[column]).strip().strip("()[]")))
        from_name = split_depth_name(name_key(column))
        if from_name is not None:
            stated.append(("column name", from_name[1]))
        factors[column] = depth_factor(stated, file, column, header_row)
    final: list[ColumnSpec] = []
    limits: dict[str, str] = {}
    seen: dict[str, str] = {}
    for spec in analytes:
        token = (split_name(spec.name) or (spec.name, None))[0]
        override = mapping.units.get(spec.name) or mapping.units.get(token)
        unit_text = override or spec.unit_text
        if unit_text is None and units_row:
            cell = unit_cells[spec.name]
            unit_text = str(cell).strip().strip("()[]") if pd.notna(cell) and str(cell).strip() else None
        if unit_text is None:
            unit_text = mapping.default_unit
        if unit_text is None:
            raise IngestError(file, "the concentration column has no unit", _UNITLESS_FIX.format(col=spec.name),
                              row=header_row, column=spec.name)
        unit = normalise_unit(unit_text)
        if unit is None:
            raise IngestError(file, f"unknown unit {unit_text!r}",
                              f"use one of {known_units()} in the header (e.g. 'La (ppm)'), or set the unit in the "
                              f"mapping file (units: {{'{spec.name}': ppm}})", row=header_row, column=spec.name)
        canonical = conversion(spec.analyte, unit).analyte
        if canonical in seen:
            raise IngestError(file, f"analyte {canonical} is given by two columns, {seen[canonical]!r} and "
                              f"{spec.name!r}", f"keep one, or set '{spec.name}': ignore in the mapping file",
                              row=header_row, column=spec.name)
        seen[canonical] = spec.name
        final.append(ColumnSpec(spec.name, "analyte", spec.analyte, unit_text, unit))
        if str(spec.analyte) in dl_columns:
            dl_column, dl_unit = dl_columns.pop(str(spec.analyte))
            if dl_unit and normalise_unit(dl_unit) != unit:
                raise IngestError(file, f"the detection-limit column is in {dl_unit!r} but {spec.name!r} is in "
                                  f"{unit_text!r}", "report the limit in the unit of its analyte column",
                                  row=header_row, column=dl_column)
            limits[spec.name] = dl_column
        used[spec.name] = f"{canonical} [{unit}]"
    for dl_column, _ in dl_columns.values():  # a limit without its analyte column is not read
        unrecognised.append(dl_column)
        used.pop(dl_column, None)
    layout = Layout(kind, roles, tuple(final), tuple(unrecognised), units_row, used, factors, limits)
    return layout, frame
