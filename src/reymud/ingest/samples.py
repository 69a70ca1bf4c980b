"""Sample-level fields of a lab table: ids, types, references, cores and depths (vectorised).

Depth rules, in order: ``top``/``bottom`` columns; else one ``depth`` column (a point sample,
``top = bottom = depth``, or ``depth -+ IngestMapping.point_half_thickness_m``); else an IODP
sample name (``U1366D-2H-3-W 50/52``) plus a ``Section top depth CSF-A (m)`` column
(``top = section top + interval top / 100``). IODP names without any depth column are refused.
QA/QC rows get unique stored ids ``<label>#<sha8>-<row>`` (CRMs and blanks are measured many
times under one name); their written id is kept in ``label``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from reymud.ingest.errors import IngestError
from reymud.ingest.iodp import parse_iodp_names
from reymud.ingest.layout import Layout
from reymud.ingest.mapping import IngestMapping
from reymud.ingest.values import shown_cell

__all__ = ["DETECTION_LIMIT_LABELS", "KNOWN_CRMS", "build_samples", "inherit_from_parents", "is_crm_name", "numbers",
           "text"]

#: Names of certified reference materials recognised without a sample_type column.
KNOWN_CRMS: tuple[str, ...] = (
    "JMS-1", "JMS-2", "JSd-1", "JSd-2", "JSd-3", "JLk-1", "JA-1", "JA-2", "JA-3", "JB-1", "JB-1a", "JB-2", "JB-3",
    "JG-1", "JG-1a", "JG-2", "JG-3", "JR-1", "JR-2", "BHVO-2", "BCR-2", "AGV-2", "GSP-2", "MAG-1", "SCo-1",
    "SDO-1", "NOD-A-1", "NOD-P-1", "MESS-3", "MESS-4", "PACS-2", "PACS-3", "GSD-9", "GSD-12",
)
_CRM_KEYS = {re.sub(r"[^A-Z0-9]", "", c.upper()): c for c in KNOWN_CRMS}
#: sample_id/sample_type cells that mark a detection-limit row of a wide table.
DETECTION_LIMIT_LABELS: frozenset[str] = frozenset({
    "dl", "d.l.", "detection limit", "detection limits", "detection_limit", "lod", "lld", "mdl", "ldl",
    "limit of detection", "reporting limit", "lower limit of detection"})
_DUP_SUFFIX = r"(?i)[\s_\-]*(?:dup|duplicate|rep|replicate)\s*\d*$"


def text(frame: pd.DataFrame, column: str | None) -> pd.Series:
    """Column as stripped strings ('' for missing); all '' when the column is None."""
    if column is None:
        return pd.Series("", index=frame.index, dtype="str")
    series = frame[column]
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
        return series.fillna("").str.strip()
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


def is_crm_name(names: pd.Series) -> pd.Series:
    """Whether each name is a known CRM (punctuation and case ignored: ``jms1`` = ``JMS-1``)."""
    return names.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True).isin(_CRM_KEYS)


def depths(frame: pd.DataFrame, layout: Layout, role: str, file: str, rows: np.ndarray) -> np.ndarray:
    """A depth column in metres (converted from its stated cm/mm unit, see :mod:`reymud.ingest.depth_units`)."""
    column = layout.roles[role]
    return numbers(frame, column, file, rows) * layout.depth_factors.get(column, 1.0)


def numbers(frame: pd.DataFrame, column: str, file: str, rows: np.ndarray) -> np.ndarray:
    """A depth/coordinate column as floats (NaN where empty); any other text is an IngestError."""
    raw = frame[column]
    out = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    cells = text(frame, column)
    bad = np.flatnonzero(np.isnan(out) & (cells != "").to_numpy())
    if bad.size:
        cell = cells.iloc[bad[0]]
        fix = "write the depth/coordinate as a number in the column's unit (metres, decimal degrees)"
        if cell.replace(",", "", 1).replace("-", "", 1).isdigit() and "," in cell:
            fix = ("the value uses a decimal comma: write decimals with a point, or re-export the file with '.' "
                   "as decimal separator (files with ';' between columns often use ',' in numbers)")
        elif cell.lower().lstrip("+-").startswith("0x"):
            fix = "write the number in decimal, not hexadecimal"
        raise IngestError(file, f"{cell!r} is not a number", fix, row=int(rows[bad[0]]), column=column)
    infinite = np.flatnonzero(np.isinf(out))
    if infinite.size:
        cell = cells.iloc[infinite[0]]
        raise IngestError(file, f"{shown_cell(cell)!r} is too large to be a number (it overflows to infinity)",
                          "write the measured value; check the cell for a typing or export error",
                          row=int(rows[infinite[0]]), column=column)
    return out


def build_samples(frame: pd.DataFrame, layout: Layout, mapping: IngestMapping, file: str, sha256: str,
                  rows: np.ndarray) -> pd.DataFrame:
    """One row per table row: sample-level fields in store columns plus ``_row`` and ``is_dl``.

    Raises
    ------
    IngestError
        Missing id/core/depth, unknown sample type, QA/QC rows without their reference.
    """
    roles = layout.roles
    ids = text(frame, roles.get("sample_id"))
    type_text = text(frame, roles.get("sample_type"))
    is_dl = (ids.str.lower().isin(DETECTION_LIMIT_LABELS) | type_text.str.lower().isin(DETECTION_LIMIT_LABELS))
    is_dl = is_dl.to_numpy() if layout.kind == "wide" else np.zeros(len(frame), dtype=bool)
    if "sample_id" not in roles:
        raise IngestError(file, "no sample id column was recognised", "name it 'sample_id' (or map your column "
                          "to sample_id in the mapping file)", row=int(rows[0]) - 1 if len(rows) else 1)
    spellings = mapping.sample_type_spellings()
    if "sample_type" in roles:
        kinds = type_text.str.lower().map(spellings)
        unknown = np.flatnonzero(kinds.isna().to_numpy() & ~is_dl)
        if unknown.size:
            i = unknown[0]
            raise IngestError(file, f"unknown sample type {type_text.iloc[i]!r}",
                              "use sample, crm, duplicate or blank (or add the spelling under sample_types in the "
                              "mapping file)", row=int(rows[i]), column=roles["sample_type"])
        kinds = kinds.fillna("sample")
    else:
        kinds = pd.Series(np.where(is_crm_name(ids), "crm",
                                   np.where(ids.str.lower().str.startswith("blank"), "blank", "sample")),
                          index=frame.index)
    kinds = kinds.to_numpy(dtype=object)
    missing_id = np.flatnonzero((ids == "").to_numpy() & (kinds != "crm") & (kinds != "blank") & ~is_dl)
    if missing_id.size:
        raise IngestError(file, "the sample id is empty", "give every sample a unique id",
                          row=int(rows[missing_id[0]]), column=roles["sample_id"])
    out = pd.DataFrame({"sample_id": ids, "label": ids,
                        "sample_type": kinds, "_row": rows, "is_dl": is_dl}, index=frame.index)
    iodp = parse_iodp_names(ids)
    has_iodp = iodp["site"].notna().to_numpy()
    for col in ("core", "core_type", "section", "half"):
        out[f"iodp_{col}"] = iodp[col].where(has_iodp, None).to_numpy(dtype=object)
    out["interval_top_cm"] = iodp["interval_top_cm"].to_numpy()
    out["interval_bottom_cm"] = iodp["interval_bottom_cm"].to_numpy()
    # cores
    core = text(frame, roles.get("core_id"))
    if "core_id" not in roles and {"site", "hole"} <= set(roles):
        core = text(frame, roles["site"]) + text(frame, roles["hole"])
    core = core.where(core != "", iodp["core_id"].fillna(""))
    out["core_id"] = core.where(core != "", None).to_numpy(dtype=object)
    # depths
    _depths(frame, layout, mapping, file, rows, out, has_iodp)
    needs_core = (kinds == "sample") & ~is_dl
    no_core = np.flatnonzero(needs_core & pd.isna(out["core_id"]).to_numpy())
    if no_core.size:
        raise IngestError(file, f"sample {ids.iloc[no_core[0]]!r} has no core id",
                          "add a core_id column (or an IODP sample name, or map your core column to core_id)",
                          row=int(rows[no_core[0]]), column=roles.get("core_id"))
    for name, col in (("top", "top_mbsf"), ("bottom", "bottom_mbsf")):
        missing = np.flatnonzero(needs_core & np.isnan(out[col].to_numpy()))
        if missing.size:
            raise IngestError(file, f"sample {ids.iloc[missing[0]]!r} has no {name} depth",
                              "fill in the depth (mbsf) of every sample", row=int(rows[missing[0]]),
                              column=roles.get(col) or roles.get("depth_mbsf"))
    _references(frame, layout, file, sha256, rows, out)
    return out


def _depths(frame, layout, mapping, file, rows, out, has_iodp) -> None:
    roles = layout.roles
    if "top_mbsf" in roles and "bottom_mbsf" in roles:
        top = depths(frame, layout, "top_mbsf", file, rows)
        bottom = depths(frame, layout, "bottom_mbsf", file, rows)
        flat = np.flatnonzero(top == bottom)
        if flat.size and not mapping.bounds.allow_zero_thickness:
            raise IngestError(file, f"zero-thickness interval {top[flat[0]]:g}-{bottom[flat[0]]:g} m", "give the "
                              "interval's real bottom depth, or use one depth column for point samples (or set "
                              "bounds.allow_zero_thickness: true in the mapping file)", row=int(rows[flat[0]]),
                              column=roles["bottom_mbsf"])
    elif "depth_mbsf" in roles:
        depth = depths(frame, layout, "depth_mbsf", file, rows)
        half = mapping.point_half_thickness_m or 0.0
        top, bottom = np.maximum(depth - half, 0.0), depth + half
    elif "section_top_mbsf" in roles and (has_iodp.any() or "interval_top_cm" in roles):
        section_top = depths(frame, layout, "section_top_mbsf", file, rows)
        itop = out["interval_top_cm"].to_numpy()
        ibot = out["interval_bottom_cm"].to_numpy()
        if "interval_top_cm" in roles:
            itop = numbers(frame, roles["interval_top_cm"], file, rows)
            ibot = numbers(frame, roles["interval_bottom_cm"], file, rows) if "interval_bottom_cm" in roles else itop
        top, bottom = section_top + itop / 100.0, section_top + ibot / 100.0
    elif "top_mbsf" in roles or "bottom_mbsf" in roles:
        have = "top_mbsf" if "top_mbsf" in roles else "bottom_mbsf"
        raise IngestError(file, f"the file has a {have.split('_')[0]} depth column but no "
                          f"{'bottom' if have == 'top_mbsf' else 'top'} depth column",
                          "add the other depth column, or name a single depth column 'depth_mbsf' (point samples)",
                          row=int(rows[0]) - 1 if len(rows) else 1, column=roles[have])
    else:
        hint = ("sample names are IODP-style but intervals in cm need the section top depth: add "
                "'Top depth CSF-A (m)' and 'Bottom depth CSF-A (m)' or 'Section top depth CSF-A (m)'"
                if has_iodp.any() else "add top_mbsf and bottom_mbsf columns (or one depth_mbsf column)")
        if not (out["sample_type"] == "sample").any():
            top = bottom = np.full(len(frame), np.nan)
        else:
            raise IngestError(file, "no sample depth columns were recognised", hint,
                              row=int(rows[0]) - 1 if len(rows) else 1)
    neg = np.flatnonzero(top < 0)
    if neg.size:
        raise IngestError(file, f"negative depth {top[neg[0]]:g} m", "depths are metres below seafloor (positive "
                          "down)", row=int(rows[neg[0]]), column=roles.get("top_mbsf") or roles.get("depth_mbsf"))
    out["top_mbsf"] = top
    out["bottom_mbsf"] = bottom


def _references(frame, layout, file, sha256, rows, out) -> None:
    roles = layout.roles
    ref = text(frame, roles.get("reference"))
    kinds = out["sample_type"].to_numpy()
    labels = out["label"]
    crm = kinds == "crm"
    crm_named = np.zeros(len(labels), dtype=bool)
    if crm.any():
        crm_named[crm] = is_crm_name(labels[crm]).to_numpy()
    ref = ref.where(~(crm & (ref == "").to_numpy() & (crm_named | (labels != "").to_numpy())), labels)
    nameless = np.flatnonzero(crm & (ref == "").to_numpy())
    if nameless.size:
        raise IngestError(file, "a CRM row does not name its reference material", "write the CRM name (e.g. JMS-2) "
                          "in the reference or sample_id column", row=int(rows[nameless[0]]),
                          column=roles.get("reference"))
    dup = kinds == "duplicate"
    inferred = labels.copy()
    if dup.any():
        inferred[dup] = labels[dup].str.replace(_DUP_SUFFIX, "", regex=True)
    ref = ref.where(~(dup & (ref == "").to_numpy() & (inferred != labels).to_numpy()), inferred)
    orphan = np.flatnonzero(dup & (ref == "").to_numpy())
    if orphan.size:
        raise IngestError(file, f"duplicate {labels.iloc[orphan[0]]!r} does not name its parent sample",
                          "write the parent sample id in a 'reference' column", row=int(rows[orphan[0]]),
                          column=roles.get("reference"))
    out["reference"] = ref.where(ref != "", None).to_numpy(dtype=object)
    qualify = (kinds == "crm") | (kinds == "blank") | (dup & ((labels == ref) | labels.duplicated(keep=False)
                                                              | (labels == "")).to_numpy())
    base = labels.where(labels != "", ref.fillna("qc"))
    qualified = base + "#" + sha256[:8] + "-" + pd.Series(rows, index=out.index).astype(str)
    out["sample_id"] = np.where(qualify, qualified.to_numpy(dtype=object), out["sample_id"].to_numpy(dtype=object))
    inherit_from_parents(out)


def inherit_from_parents(samples: pd.DataFrame) -> None:
    """Duplicates that state no core or interval take their parent sample's (in place)."""
    kinds = samples["sample_type"].to_numpy()
    dup = kinds == "duplicate"
    if not dup.any():
        return
    parents = samples.loc[kinds == "sample"].drop_duplicates("sample_id").set_index("sample_id")
    for col in ("core_id", "top_mbsf", "bottom_mbsf"):
        fill = samples["reference"].map(parents[col])
        samples[col] = samples[col].where(~(dup & pd.isna(samples[col]).to_numpy()), fill)
