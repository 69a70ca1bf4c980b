"""``ingest_files``: lab files -> validated tables -> the project, one transaction per file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reymud.ingest.assays import long_assays, wide_assays
from reymud.ingest.columns import recognise_column
from reymud.ingest.errors import IngestError
from reymud.ingest.layout import Layout, classify
from reymud.ingest.mapping import IngestMapping
from reymud.ingest.reader import read_table, sheet_names
from reymud.ingest.samples import build_samples, numbers, text
from reymud.ingest.validate import (
    check_cores,
    check_depth_in_core,
    check_intervals,
    check_major_sum,
    check_sample_collars,
    repeated_ids,
)
from reymud.store import Project, write_import

__all__ = ["ImportReport", "ParsedFile", "ingest_files", "parse_file"]

_SAMPLE_ROLES = ("sample_id", "core_id", "top_mbsf", "bottom_mbsf", "depth_mbsf", "section_top_mbsf",
                 "interval_top_cm", "interval_bottom_cm", "sample_type", "reference", "site", "hole", "cruise",
                 "latitude", "longitude", "water_depth_m", "core_length_m", "recovery")
_CORE_TEXT = ("cruise", "site", "hole")
_CORE_NUMBERS = ("latitude", "longitude", "water_depth_m", "core_length_m", "recovery")


@dataclass(frozen=True)
class ImportReport:
    """What happened to one file.

    Attributes
    ----------
    file, sha256 : str
    status : str
        ``"loaded"`` or ``"skipped-duplicate"`` (same sha256 already in the project).
    kind : str
        ``"wide"``, ``"long"`` or ``"collars"``.
    rows, values, censored, not_analysed, samples, qaqc, cores : int
        Data rows read; assay values stored; of which censored; cells marked not analysed (not
        stored); new samples, QA/QC records and cores stored.
    mapping : dict
        Column -> role or ``analyte [unit]`` as used.
    unrecognised : tuple of str
        Columns not read (neither recognised nor mapped).
    header_comments : tuple of str
    synthetic : bool
    sheets_loaded, sheets_skipped : tuple of str
        Workbooks: the sheets loaded, and the sheets skipped with the reason (``"Notes: empty"``).
    """

    file: str
    sha256: str
    status: str
    kind: str = ""
    rows: int = 0
    values: int = 0
    censored: int = 0
    not_analysed: int = 0
    samples: int = 0
    qaqc: int = 0
    cores: int = 0
    mapping: Mapping[str, str] = field(default_factory=dict)
    unrecognised: tuple[str, ...] = ()
    header_comments: tuple[str, ...] = ()
    synthetic: bool = False
    sheets_loaded: tuple[str, ...] = ()
    sheets_skipped: tuple[str, ...] = ()


@dataclass
class ParsedFile:
    """A file read and validated on its own (before comparing with the project)."""

    file: str
    sha256: str
    layout: Layout
    n_rows: int
    cores: pd.DataFrame | None
    samples: pd.DataFrame | None
    assays: pd.DataFrame | None
    not_analysed: int
    header_comments: list[str]
    synthetic: bool
    sheets_loaded: tuple[str, ...] = ()
    sheets_skipped: tuple[str, ...] = ()


def _collars(frame: pd.DataFrame, layout: Layout, core_ids: pd.Series, rows: np.ndarray, file: str,
             mapping: IngestMapping) -> pd.DataFrame | None:
    roles = layout.roles
    if "latitude" not in roles and "longitude" not in roles:
        return None
    cores = pd.DataFrame({"core_id": core_ids.to_numpy(dtype=object), "_row": rows})
    for col in _CORE_TEXT:
        cores[col] = text(frame, roles.get(col)).replace("", None).to_numpy(dtype=object)
    for col in _CORE_NUMBERS:
        cores[col] = numbers(frame, roles[col], file, rows) if col in roles else np.nan
    cores = cores.loc[cores["core_id"].notna().to_numpy()].reset_index(drop=True)
    keep = repeated_ids(cores["core_id"], cores.drop(columns=["_row"]), cores["_row"].to_numpy(), file, "core")
    cores = cores.loc[keep].reset_index(drop=True)
    check_cores(cores, file, mapping, dict(roles))
    return cores


def parse_file(path: str | Path, mapping: IngestMapping | None = None, sha256: str | None = None) -> ParsedFile:
    """Read, recognise, convert and validate one file (no project needed).

    Parameters
    ----------
    path : str or Path
    mapping : IngestMapping, optional
    sha256 : str, optional
        The file's checksum when the caller has it already (saves reading the file twice).

    Raises
    ------
    IngestError
        For anything the file gets wrong (see the module documentation of :mod:`reymud.ingest`).
    """
    path = Path(path)
    mapping = mapping or IngestMapping()
    if sha256 is None:
        sha256 = _sha256(path) if path.is_file() else ""
    if mapping.sheet is None and path.is_file() and _head(path) == b"PK\x03\x04":
        names = sheet_names(path)
        if len(names) > 1 or mapping.core_id_from_sheet:
            return _parse_sheets(path, names, mapping, sha256)
    frame = read_table(path, sheet=mapping.sheet, encoding=mapping.encoding)
    return _parse_frame(frame, path.name, sha256, mapping)


def _sha256(path: Path) -> str:
    """Checksum of a file, read in 8 MB chunks (no second copy of a large file in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 23), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4)


#: Problems that mean "this sheet holds no table to load" (notes, charts, empty sheets): skipped, reported.
_SKIP_SHEET = ("no analyte columns", "is empty", "no data rows", "the file has a header")


def _parse_sheets(path: Path, names: list[str], mapping: IngestMapping, sha256: str) -> ParsedFile:
    """Every sheet of a workbook: layout detected per sheet, tables combined, skipped sheets reported."""
    parts: list[ParsedFile] = []
    loaded: list[str] = []
    skipped: list[str] = []
    for name in names:
        label = f"{path.name} [sheet {name}]"
        try:
            frame = read_table(path, sheet=name)
        except IngestError as exc:
            if any(key in exc.problem for key in _SKIP_SHEET):
                skipped.append(f"{name}: {exc.problem.replace('the file ', 'the sheet ')}")
                continue
            raise
        if mapping.core_id_from_sheet and not any(recognise_column(c).role == "core_id" or
                                                  mapping.columns.get(c) == "core_id" for c in frame.columns):
            attrs = dict(frame.attrs)
            frame = frame.assign(core_id=name)
            frame.attrs.update(attrs)
        try:
            parts.append(_parse_frame(frame, label, sha256, mapping))
        except IngestError as exc:
            if exc.problem.startswith("no analyte columns"):
                skipped.append(f"{name}: no analyte, long-table or collar columns recognised")
                continue
            raise
        loaded.append(name)
    if not parts:
        raise IngestError(path.name, f"no sheet holds a table to load ({'; '.join(skipped)})",
                          "name the columns as in the documentation, or set 'sheet' and map the columns in the "
                          "mapping file")
    cores = [p.cores for p in parts if p.cores is not None]
    samples = [p.samples for p in parts if p.samples is not None]
    assays = [p.assays for p in parts if p.assays is not None]
    cores_all = pd.concat(cores, ignore_index=True).drop_duplicates("core_id") if cores else None
    samples_all = pd.concat(samples, ignore_index=True) if samples else None
    if samples_all is not None:
        sheet_of = np.repeat([n for n, p in zip(loaded, parts, strict=True) if p.samples is not None],
                             [len(x) for x in samples])
        dup = np.flatnonzero(samples_all["sample_id"].duplicated().to_numpy())
        if dup.size:
            sid = samples_all["sample_id"].iloc[dup[0]]
            first = str(sheet_of[np.flatnonzero((samples_all["sample_id"] == sid).to_numpy())[0]])
            raise IngestError(path.name, f"sample id {sid!r} appears on sheet {first!r} and on sheet "
                              f"{str(sheet_of[dup[0]])!r}", "keep each sample on one sheet, or give the repeat its own "
                              "id", row=int(samples_all["_row"].iloc[dup[0]]))
    assays_all = None
    if assays:
        assays_all = pd.concat([a.astype({c: object for c in a.columns if isinstance(a[c].dtype, pd.CategoricalDtype)})
                                for a in assays], ignore_index=True)
    kinds = "+".join(dict.fromkeys(p.layout.kind for p in parts))
    layout = replace(parts[0].layout, kind=kinds)
    comments = [c for p in parts for c in p.header_comments]
    return ParsedFile(path.name, sha256, layout, sum(p.n_rows for p in parts), cores_all, samples_all, assays_all,
                      sum(p.not_analysed for p in parts), comments, any(p.synthetic for p in parts),
                      tuple(loaded), tuple(skipped))


def _parse_frame(frame: pd.DataFrame, file: str, sha256: str, mapping: IngestMapping) -> ParsedFile:
    """Recognise, convert and validate one table (a file, or one sheet of a workbook)."""
    comments = list(frame.attrs.get("header_comments", []))
    layout, frame = classify(frame, mapping, file)
    if frame.empty:
        raise IngestError(file, "the file has a header (and units) row but no data rows",
                          "export the table again with its data rows")
    rows = int(frame.attrs.get("first_data_row", 2)) + np.arange(len(frame))
    synthetic = any("SYNTHETIC" in c.upper() for c in comments) or "SYNTHETIC" in file.upper()
    samples = assays = None
    n_absent = 0
    if layout.kind == "collars":
        if "core_id" in layout.roles:
            core_ids, id_column = text(frame, layout.roles["core_id"]), layout.roles["core_id"]
        else:  # IODP/JAMSTEC collar tables: the hole U1366D is site U1366 + hole D
            site, hole = text(frame, layout.roles["site"]), text(frame, layout.roles["hole"])
            core_ids = (site + hole).where((site != "") & (hole != ""), "")
            id_column = layout.roles["site"]
        missing = np.flatnonzero((core_ids == "").to_numpy())
        if missing.size:
            raise IngestError(file, "the core id is empty", "give every collar row a core id (or a site and a hole)",
                              row=int(rows[missing[0]]), column=id_column)
        cores = _collars(frame, layout, core_ids, rows, file, mapping)
        if "latitude" not in layout.roles or "longitude" not in layout.roles:
            raise IngestError(file, "the collar file needs both latitude and longitude columns",
                              "add the missing coordinate column (decimal degrees, WGS84)", row=int(rows[0]) - 1)
    elif layout.kind == "wide":
        samples = build_samples(frame, layout, mapping, file, sha256, rows)
        keep = repeated_ids(samples["sample_id"], frame, rows, file) | samples["is_dl"].to_numpy()
        frame, samples = frame.loc[keep], samples.loc[keep]
        cores = _collars(frame, layout, samples["core_id"], samples["_row"].to_numpy(), file, mapping)
        assays, n_absent = wide_assays(frame, layout, samples, mapping, file)
        samples = samples.loc[~samples["is_dl"].to_numpy()]
    else:
        sid = layout.roles["sample_id"] if "sample_id" in layout.roles else None
        if sid is None:
            raise IngestError(file, "no sample id column was recognised", "name it 'sample_id' or map it",
                              row=int(rows[0]) - 1)
        level = [layout.roles[r] for r in _SAMPLE_ROLES if r in layout.roles]
        labels = text(frame, sid)
        first = ~labels.duplicated().to_numpy()
        distinct = ~frame[level].duplicated().to_numpy()
        if distinct.sum() != first.sum():
            repeated_ids(labels[distinct], frame.loc[distinct, level], rows[distinct], file)
        head = frame.loc[first]
        samples = build_samples(head, layout, mapping, file, sha256, rows[first])
        cores = _collars(head, layout, samples["core_id"], rows[first], file, mapping)
        label_codes, label_names = pd.factorize(labels)
        stored_of = pd.Series(samples["sample_id"].to_numpy(), index=labels[first].to_numpy())
        stored = pd.Categorical.from_codes(label_codes, categories=stored_of.reindex(label_names).to_numpy())
        assays, n_absent = long_assays(frame, layout, stored, mapping, file, rows)
        keep = np.ones(len(assays), dtype=bool)
        if assays.duplicated(["sample_id", "analyte"], keep=False).any():
            keep = repeated_ids(assays["sample_id"].astype(str) + " / " + assays["analyte"].astype(str),
                                assays[["value_raw", "unit_raw"]], assays["_row"].to_numpy(), file,
                                what="sample/analyte")
        assays = assays.loc[keep].drop(columns="_row").reset_index(drop=True)
    if samples is not None:
        check_major_sum(assays, samples, file, mapping.bounds)
    return ParsedFile(file, sha256, layout, len(frame), cores, samples, assays, n_absent, comments, synthetic)


def _fmt(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value)


def _new_only(project: Project, table: str, frame: pd.DataFrame, keys: list[str], compare: list[str],
              file: str, what: str) -> pd.DataFrame:
    """Drop rows already stored identically; a stored row with different values is an error."""
    cols = ", ".join(f"t.{c}" for c in dict.fromkeys(keys + compare))
    on = " AND ".join(f"t.{k} = n.{k}" for k in keys)
    old = project.sql(f"SELECT {cols} FROM {table} t JOIN (SELECT DISTINCT {', '.join(keys)} FROM new) n ON {on}",
                      frames={"new": frame[keys]})
    if old.empty:
        return frame
    merged = frame.reset_index(drop=True).merge(old, on=keys, how="left", suffixes=("", "_old"), indicator=True)
    stored = (merged["_merge"] == "both").to_numpy()
    same = np.ones(len(merged), dtype=bool)
    for col in compare:
        a, b = merged[col], merged[f"{col}_old"]
        if pd.api.types.is_numeric_dtype(a.dtype) and not pd.api.types.is_bool_dtype(a.dtype):
            eq = np.isclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-12, atol=0, equal_nan=True)
        else:
            eq = (a.astype(object).fillna("") == b.astype(object).fillna("")).to_numpy()
        bad = np.flatnonzero(stored & ~eq)
        if bad.size:
            i = bad[0]
            key = ", ".join(str(merged[k].iloc[i]) for k in keys)
            row = merged["_row"].iloc[i] if "_row" in merged else None
            raise IngestError(file, f"{what} {key} is already in the project with {col} = {_fmt(b.iloc[i])}; this "
                              f"file says {_fmt(a.iloc[i])}", "correct the file, or give the new record its own id",
                              row=None if row is None or pd.isna(row) else int(row), column=col)
        same &= eq
    return frame.reset_index(drop=True).loc[~(stored & same)].reset_index(drop=True)


def _store(project: Project, parsed: ParsedFile, mapping: IngestMapping) -> ImportReport:
    file, layout = parsed.file, parsed.layout
    roles = dict(layout.roles)
    cores = parsed.cores
    if cores is not None:
        cores = _new_only(project, "cores", cores, ["core_id"], ["latitude", "longitude", "water_depth_m"], file,
                          "core")
    samples, assays = parsed.samples, parsed.assays
    if samples is not None:
        known = set(project.sql("SELECT core_id FROM cores")["core_id"])
        known |= set(parsed.cores["core_id"]) if parsed.cores is not None else set()
        check_sample_collars(samples.loc[samples["sample_type"] != "crm"], known, file, roles)
        lengths = project.sql("SELECT core_id, core_length_m FROM cores WHERE core_length_m IS NOT NULL")
        lengths = pd.concat([lengths, parsed.cores[["core_id", "core_length_m"]]] if parsed.cores is not None
                            and "core_length_m" in parsed.cores else [lengths], ignore_index=True)
        regular_all = samples.loc[samples["sample_type"] == "sample"]
        check_depth_in_core(regular_all, lengths.dropna().drop_duplicates("core_id", keep="last")
                            .set_index("core_id")["core_length_m"], file, roles, mapping.bounds)
        samples = _new_only(project, "samples", samples, ["sample_id"],
                            ["core_id", "top_mbsf", "bottom_mbsf", "sample_type"], file, "sample")
        regular = samples.loc[samples["sample_type"] == "sample"]
        existing = project.sql(
            "SELECT sample_id, core_id, top_mbsf, bottom_mbsf FROM samples WHERE sample_type = 'sample' AND "
            "core_id IN (SELECT DISTINCT core_id FROM new)", frames={"new": regular[["core_id"]]})
        check_intervals(regular, existing, file, roles)
        stored_before = project.sql("SELECT count(*) AS n FROM samples WHERE sample_id IN (SELECT sample_id FROM new)",
                                    frames={"new": parsed.samples[["sample_id"]]})["n"].iloc[0]
        if stored_before:  # only samples already in the project can have clashing assay values
            assays = _new_only(project, "assays", assays, ["sample_id", "analyte"], ["value", "censored"], file,
                               "sample/analyte")
    n_values = 0 if assays is None else len(assays)
    n_censored = 0 if assays is None else int(assays["censored"].sum())
    record = {"file_name": file, "sha256": parsed.sha256, "kind": layout.kind, "n_rows": parsed.n_rows,
              "n_values": n_values, "n_censored": n_censored,
              "mapping_json": json.dumps({"columns": dict(layout.mapping_used), "options": json.loads(mapping.to_json())}),
              "header_json": json.dumps(parsed.header_comments),
              "unrecognised_json": json.dumps(list(layout.unrecognised))}
    metadata = {"synthetic": "true"} if parsed.synthetic else None
    import_id = write_import(project, record, cores, samples, assays, metadata)
    qaqc = 0 if samples is None else int((samples["sample_type"] != "sample").sum())
    return ImportReport(
        file, parsed.sha256, "loaded" if import_id is not None else "skipped-duplicate", layout.kind,
        parsed.n_rows, n_values, n_censored, parsed.not_analysed,
        0 if samples is None else len(samples) - qaqc, qaqc, 0 if cores is None else len(cores),
        dict(layout.mapping_used), tuple(layout.unrecognised), tuple(parsed.header_comments), parsed.synthetic,
        parsed.sheets_loaded, parsed.sheets_skipped)


def _as_list(paths: Iterable[str | Path] | str | Path | None) -> list[str | Path]:
    if paths is None:
        return []
    return [paths] if isinstance(paths, (str, Path)) else list(paths)


def ingest_files(project: Project, paths: Iterable[str | Path] | str | Path,
                 collars: Iterable[str | Path] | str | Path | None = None,
                 mapping: str | Path | Mapping[str, Any] | IngestMapping | None = None,
                 progress: Callable[[int, int, str], None] | None = None) -> list[ImportReport]:
    """Load lab files into a project; each file is one transaction.

    Parameters
    ----------
    project : Project
    paths : path or list of paths
        Assay (or collar) files: CSV, TSV, XLSX, Parquet; wide or long.
    collars : path or list of paths, optional
        Collar files (core_id, latitude, longitude, water depth ...), loaded first.
    mapping : path, dict or IngestMapping, optional
        The YAML mapping (see :class:`reymud.ingest.IngestMapping`).
    progress : callable, optional
        Called as ``progress(i, n, file_name)`` before each file.

    Returns
    -------
    list of ImportReport
        One per file, collar files first. A file already in the project (same sha256) is
        ``skipped-duplicate`` and nothing is written.

    Raises
    ------
    IngestError
        At the first bad file; files before it stay loaded, nothing of it is written.
    """
    mapping = IngestMapping.load(mapping)
    ordered = [Path(p) for p in _as_list(collars)] + [Path(p) for p in _as_list(paths)]
    reports = []
    with project.session():
        for i, path in enumerate(ordered):
            reports.append(_one(project, path, mapping, i, len(ordered), progress))
    return reports


def _one(project: Project, path: Path, mapping: IngestMapping, i: int, n: int,
         progress: Callable[[int, int, str], None] | None) -> ImportReport:
    if progress is not None:
        progress(i, n, path.name)
    if not path.is_file():
        raise IngestError(path.name, f"file {path} does not exist", "check the path")
    sha = _sha256(path)
    if not project.sql("SELECT 1 FROM imports WHERE sha256 = ?", [sha]).empty:
        return ImportReport(path.name, sha, "skipped-duplicate")
    return _store(project, parse_file(path, mapping, sha), mapping)

