"""``ingest_files``: lab files -> validated tables -> the project, one transaction per file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reymud.ingest.assays import wide_assays
from reymud.ingest.collars import collar_table, unpositioned_cores
from reymud.ingest.columns import recognise_column
from reymud.ingest.errors import EmptyTableError, IngestError, UnrecognisedTableError
from reymud.ingest.layout import Layout, classify
from reymud.ingest.longtable import parse_long
from reymud.ingest.mapping import IngestMapping
from reymud.ingest.reader import ReadLimits, finish_table, is_workbook, read_chunks
from reymud.ingest.samples import build_samples, text
from reymud.ingest.validate import (
    check_depth_in_core,
    check_intervals,
    check_major_sum,
    check_sample_collars,
    repeated_ids,
)
from reymud.ingest.workbook import Workbook
from reymud.store import Project, write_import

__all__ = ["ImportReport", "ParsedFile", "ingest_files", "parse_file"]

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
    unpositioned : tuple of str
        Cores stored without a position (no collar anywhere; ``position_status = "none"``).
    positioned : tuple of str
        Cores stored earlier without a position that this file gave one.
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
    unpositioned: tuple[str, ...] = ()
    positioned: tuple[str, ...] = ()


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


def parse_file(path: str | Path, mapping: IngestMapping | None = None, sha256: str | None = None,
               limits: ReadLimits | None = None) -> ParsedFile:
    """Read, recognise, convert and validate one file (no project needed).

    Parameters
    ----------
    path : str or Path
    mapping : IngestMapping, optional
    sha256 : str, optional
        The file's checksum when the caller has it already (saves reading the file twice).
    limits : ReadLimits, optional
        Shape limits and chunk size of the text reader (a long text table is converted chunk by
        chunk, see :mod:`reymud.ingest.longtable`).

    Raises
    ------
    IngestError
        For anything the file gets wrong (see the module documentation of :mod:`reymud.ingest`).
    """
    path = Path(path)
    mapping = mapping or IngestMapping()
    if sha256 is None:
        sha256 = _sha256(path) if path.is_file() else ""
    if is_workbook(path):
        with Workbook(path) as book:
            if mapping.sheet is None and (len(book.names) > 1 or mapping.core_id_from_sheet):
                return _parse_sheets(book, mapping, sha256)
            frame = finish_table(book.table(mapping.sheet), path.name, "excel")
        return _parse_frame(frame, path.name, sha256, mapping)
    chunks = read_chunks(path, encoding=mapping.encoding, limits=limits)
    return _parse_frame(next(chunks), path.name, sha256, mapping, rest=chunks)


def _sha256(path: Path) -> str:
    """Checksum of a file, read in 8 MB chunks (no second copy of a large file in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 23), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _parse_sheets(book: Workbook, mapping: IngestMapping, sha256: str) -> ParsedFile:
    """Every sheet of a workbook: layout detected per sheet, tables combined, skipped sheets reported.

    A sheet is skipped (and reported) when it holds no table: it is empty or has a header without data
    rows (:class:`EmptyTableError`), or none of its columns is recognised
    (:class:`UnrecognisedTableError`). Any other problem on a sheet is an error for the whole file.
    """
    file = book.path.name
    parts: list[ParsedFile] = []
    loaded: list[str] = []
    skipped: list[str] = []
    for name in book.names:
        label = f"{file} [sheet {name}]"
        try:
            frame = finish_table(book.table(name), file, "excel")
        except EmptyTableError as exc:
            skipped.append(f"{name}: {exc.problem.replace('the file ', 'the sheet ')}")
            continue
        if mapping.core_id_from_sheet and not any(recognise_column(c).role == "core_id" or
                                                  mapping.columns.get(c) == "core_id" for c in frame.columns):
            attrs = dict(frame.attrs)
            frame = frame.assign(core_id=name)
            frame.attrs.update(attrs)
        try:
            parts.append(_parse_frame(frame, label, sha256, mapping))
        except UnrecognisedTableError:
            skipped.append(f"{name}: no analyte, long-table or collar columns recognised")
            continue
        except EmptyTableError as exc:
            skipped.append(f"{name}: {exc.problem.replace('the file ', 'the sheet ')}")
            continue
        loaded.append(name)
    if not parts:
        raise IngestError(file, f"no sheet holds a table to load ({'; '.join(skipped)})",
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
            raise IngestError(file, f"sample id {sid!r} appears on sheet {first!r} and on sheet "
                              f"{str(sheet_of[dup[0]])!r}", "keep each sample on one sheet, or give the repeat its own "
                              "id", row=int(samples_all["_row"].iloc[dup[0]]))
    assays_all = None
    if assays:
        assays_all = pd.concat([a.astype({c: object for c in a.columns if isinstance(a[c].dtype, pd.CategoricalDtype)})
                                for a in assays], ignore_index=True)
    kinds = "+".join(dict.fromkeys(p.layout.kind for p in parts))
    layout = replace(parts[0].layout, kind=kinds)
    comments = [c for p in parts for c in p.header_comments]
    return ParsedFile(file, sha256, layout, sum(p.n_rows for p in parts), cores_all, samples_all, assays_all,
                      sum(p.not_analysed for p in parts), comments, any(p.synthetic for p in parts),
                      tuple(loaded), tuple(skipped))


def _chained(first: pd.DataFrame, rest: Iterator[pd.DataFrame] | None) -> Iterator[pd.DataFrame]:
    """``first`` then the chunks of ``rest``, without holding on to a chunk once it is handed out."""
    box = [first]
    del first
    yield box.pop()
    yield from rest or ()


def _parse_frame(frame: pd.DataFrame, file: str, sha256: str, mapping: IngestMapping,
                 rest: Iterator[pd.DataFrame] | None = None) -> ParsedFile:
    """Recognise, convert and validate one table (a file, or one sheet of a workbook).

    ``frame`` is the table, or its first chunk when ``rest`` yields the following ones: a long table is
    then converted chunk by chunk; other layouts (wide tables and collar files, which hold one row
    per sample or core) are joined first.
    """
    comments = list(frame.attrs.get("header_comments", []))
    layout, frame = classify(frame, mapping, file)
    if frame.empty:
        raise EmptyTableError(file, "the file has a header (and units) row but no data rows",
                              "export the table again with its data rows")
    synthetic = any("SYNTHETIC" in c.upper() for c in comments) or "SYNTHETIC" in file.upper()
    if layout.kind == "long":
        chunks = _chained(frame, rest)
        del frame  # parse_long frees each chunk once converted
        table = parse_long(chunks, layout, mapping, file, sha256)
        check_major_sum(table.assays, table.samples, file, mapping.bounds)
        return ParsedFile(file, sha256, layout, table.n_rows, table.cores, table.samples, table.assays,
                          table.not_analysed, comments, synthetic)
    more = list(rest or ())
    if more:
        attrs = dict(frame.attrs)
        frame = pd.concat([frame, *more], ignore_index=True)
        frame.attrs.update(attrs)
        del more
    rows = int(frame.attrs.get("first_data_row", 2)) + np.arange(len(frame))
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
        cores = collar_table(frame, layout, core_ids, rows, file, mapping)
        if "latitude" not in layout.roles or "longitude" not in layout.roles:
            raise IngestError(file, "the collar file needs both latitude and longitude columns",
                              "add the missing coordinate column (decimal degrees, WGS84)", row=int(rows[0]) - 1)
    else:
        samples = build_samples(frame, layout, mapping, file, sha256, rows)
        keep = repeated_ids(samples["sample_id"], frame, rows, file) | samples["is_dl"].to_numpy()
        frame, samples = frame.loc[keep], samples.loc[keep]
        cores = collar_table(frame, layout, samples["core_id"], samples["_row"].to_numpy(), file, mapping)
        assays, n_absent = wide_assays(frame, layout, samples, mapping, file)
        samples = samples.loc[~samples["is_dl"].to_numpy()]
        check_major_sum(assays, samples, file, mapping.bounds)
    return ParsedFile(file, sha256, layout, len(frame), cores, samples, assays, n_absent, comments, synthetic)


def _fmt(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value)


def _new_only(project: Project, table: str, frame: pd.DataFrame, keys: list[str], compare: list[str],
              file: str, what: str) -> pd.DataFrame:
    """Drop rows already stored identically; a stored row with different values is an error."""
    old = project.stored_rows(table, frame[keys], [c for c in compare if c not in keys])
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
    cores, positions, unpositioned = parsed.cores, None, ()
    if cores is not None:
        waiting = project.unpositioned_core_ids()
        if waiting:  # cores stored earlier without a position get the one this file gives
            given = cores["core_id"].isin(waiting).to_numpy()
            positions, cores = cores.loc[given], cores.loc[~given]
        cores = _new_only(project, "cores", cores, ["core_id"], ["latitude", "longitude", "water_depth_m"], file,
                          "core")
    samples, assays = parsed.samples, parsed.assays
    if samples is not None:
        known = project.core_ids()
        known |= set(parsed.cores["core_id"]) if parsed.cores is not None else set()
        if mapping.require_position:
            check_sample_collars(samples.loc[samples["sample_type"] != "crm"], known, file, roles)
        orphans = unpositioned_cores(samples, known)
        if len(orphans):
            cores = orphans if cores is None else pd.concat([cores, orphans], ignore_index=True)
            unpositioned = tuple(orphans["core_id"])
        lengths = project.core_lengths().reset_index()
        lengths = pd.concat([lengths, parsed.cores[["core_id", "core_length_m"]]] if parsed.cores is not None
                            and "core_length_m" in parsed.cores else [lengths], ignore_index=True)
        regular_all = samples.loc[samples["sample_type"] == "sample"]
        check_depth_in_core(regular_all, lengths.dropna().drop_duplicates("core_id", keep="last")
                            .set_index("core_id")["core_length_m"], file, roles, mapping.bounds)
        samples = _new_only(project, "samples", samples, ["sample_id"],
                            ["core_id", "top_mbsf", "bottom_mbsf", "sample_type"], file, "sample")
        regular = samples.loc[samples["sample_type"] == "sample"]
        existing = project.sample_intervals(regular["core_id"])
        check_intervals(regular, existing, file, roles)
        if project.count_samples(parsed.samples["sample_id"]):  # only samples already in the project can have clashing assay values
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
    import_id = write_import(project, record, cores, samples, assays, metadata, positions)
    qaqc = 0 if samples is None else int((samples["sample_type"] != "sample").sum())
    return ImportReport(
        file, parsed.sha256, "loaded" if import_id is not None else "skipped-duplicate", layout.kind,
        parsed.n_rows, n_values, n_censored, parsed.not_analysed,
        0 if samples is None else len(samples) - qaqc, qaqc, 0 if cores is None else len(cores),
        dict(layout.mapping_used), tuple(layout.unrecognised), tuple(parsed.header_comments), parsed.synthetic,
        parsed.sheets_loaded, parsed.sheets_skipped, unpositioned,
        () if positions is None else tuple(positions["core_id"]))


def _as_list(paths: Iterable[str | Path] | str | Path | None) -> list[str | Path]:
    if paths is None:
        return []
    return [paths] if isinstance(paths, (str, Path)) else list(paths)


def ingest_files(project: Project, paths: Iterable[str | Path] | str | Path,
                 collars: Iterable[str | Path] | str | Path | None = None,
                 mapping: str | Path | Mapping[str, Any] | IngestMapping | None = None,
                 progress: Callable[[int, int, str], None] | None = None,
                 limits: ReadLimits | None = None) -> list[ImportReport]:
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
    limits : ReadLimits, optional
        Shape limits and the chunk size of the text reader (default ``ReadLimits()``).

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
            reports.append(_one(project, path, mapping, i, len(ordered), progress, limits))
    return reports


def _one(project: Project, path: Path, mapping: IngestMapping, i: int, n: int,
         progress: Callable[[int, int, str], None] | None, limits: ReadLimits | None) -> ImportReport:
    if progress is not None:
        progress(i, n, path.name)
    if not path.is_file():
        raise IngestError(path.name, f"file {path} does not exist", "check the path")
    sha = _sha256(path)
    if project.has_import(sha):
        return ImportReport(path.name, sha, "skipped-duplicate")
    return _store(project, parse_file(path, mapping, sha, limits), mapping)

