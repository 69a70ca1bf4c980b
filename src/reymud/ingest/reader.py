"""Reading lab tables (CSV, TSV, XLSX, Parquet) with clear errors for what is not a table.

Text files must be UTF-8 (a UTF-8 BOM is fine); other encodings are refused with the encoding to
use, unless the mapping file names one. Lines starting with ``#`` above the header are kept as
header comments (``attrs["header_comments"]``). Text cells are read as strings, so values such
as ``<0.05`` or ``ND`` reach the value parser unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from reymud.ingest.errors import IngestError

__all__ = ["read_table", "sheet_names"]

_TEXT = {".csv", ".txt", ".tsv", ".tab", ".dat"}
_EXCEL = {".xlsx", ".xlsm"}
_PARQUET = {".parquet", ".pq"}
#: Refuse wider tables early (assumption: the widest real lab export has a few hundred columns; overridable
#: only by splitting the file). Reading a 1,000,000-column header would otherwise cost gigabytes.
MAX_COLUMNS = 5000
_FIX_FORMAT = "export the table as CSV (UTF-8), XLSX or Parquet with one header row"


def _sniff_kind(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        if suffix in _TEXT:
            raise IngestError(path.name, "the file is a zip archive or Excel workbook, not CSV text",
                              "rename it to .xlsx if it is an Excel workbook, or export it as CSV")
        return "excel"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(path.name, "the file is an old binary Excel (.xls) workbook",
                          "open it in Excel or LibreOffice and save it as .xlsx or CSV (UTF-8)")
    if suffix in _EXCEL:
        raise IngestError(path.name, "the file has an Excel extension but is not an .xlsx workbook", _FIX_FORMAT)
    if suffix in _PARQUET:
        raise IngestError(path.name, "the file has a Parquet extension but is not a Parquet file", _FIX_FORMAT)
    return "text"


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise IngestError(path.name, f"cannot decode the file as {encoding} ({exc})",
                              "set the right 'encoding' in the mapping file or re-save the file as UTF-8") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 3 and data[1:4:2] == b"\x00\x00"
                                                       and b"\x00" not in data[0:4:2]):
        raise IngestError(path.name, "the file is UTF-16 encoded text",
                          "save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)'), or set "
                          "'encoding: utf-16' in the mapping file")
    if b"\x00" in data[:65536]:
        raise IngestError(path.name, "the file is binary, not a table", _FIX_FORMAT)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(path.name, f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
                          "it is probably Windows-1252/Latin-1 text",
                          "re-save it as UTF-8, or set 'encoding: cp1252' (or latin-1) in the mapping file",
                          row=line) from None


def _split_comments(lines: list[str]) -> tuple[list[str], int]:
    comments = []
    for line in lines:
        if line.lstrip().startswith("#"):
            comments.append(line.strip().lstrip("#").strip())
        elif not line.strip() and not comments:
            comments.append("")
        else:
            break
    return [c for c in comments if c], len(comments)


def _read_text_arrow(data: bytes | None, header: str, sep: str, n_comment: int) -> pd.DataFrame | None:
    """Fast path: pyarrow's CSV reader, every column as text. None when it cannot read the file."""
    if data is None:
        return None
    names = next(csv.reader([header], delimiter=sep))
    if len(set(names)) != len(names) or any(not n.strip() for n in names):
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(data.removeprefix(b"\xef\xbb\xbf")),
            read_options=pacsv.ReadOptions(skip_rows=n_comment),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return table.to_pandas()


def _read_text_checked(path: Path, text: str, sep: str, n_comment: int) -> pd.DataFrame:
    """Row-by-row reader for what pyarrow refuses: every row is checked against the header.

    Duplicate column names are refused; trailing empty fields (a comma at the end of every line)
    are dropped; any other row with more or fewer fields than the header is refused with its row
    number, because loading it would shift or drop values.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=sep, skipinitialspace=True)
    try:
        for _ in range(n_comment):
            next(reader)
        header = [h.strip() for h in next(reader)]
        while header and not header[-1]:
            header.pop()
        header_row = reader.line_num
        seen: dict[str, int] = {}
        for i, name in enumerate(header):
            if not name:
                header[i] = f"Unnamed: {i}"
            elif name in seen:
                raise IngestError(path.name, f"the column name {name!r} appears twice (columns {seen[name] + 1} and "
                                  f"{i + 1})", "rename or remove one of the two columns", row=header_row, column=name)
            seen.setdefault(header[i], i)
        n = len(header)
        records = []
        for fields in reader:
            if not fields or not any(f.strip() for f in fields):
                continue
            if len(fields) > n and not any(f.strip() for f in fields[n:]):
                fields = fields[:n]
            if len(fields) != n:
                more = len(fields) > n
                hint = ("an extra field (often a stray separator at the start of the line, or an unquoted "
                        f"{sep!r} inside a cell) would shift every column to the right" if more else
                        "missing fields would leave the last columns empty")
                raise IngestError(path.name, f"the row has {len(fields)} fields but the header has {n}; {hint}",
                                  "make every row have the same number of fields as the header (quote cells that "
                                  "contain the separator)", row=reader.line_num)
            records.append(fields)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise IngestError(path.name, f"a cell is longer than {csv.field_size_limit():,} characters, which no "
                              "lab value or name is", "check the file for a broken export (an unclosed quote, "
                              "or a run-away number)", row=reader.line_num) from None
        raise IngestError(path.name, f"the file is not a regular table ({exc})",
                          "make every row have the same number of columns as the header (quote cells "
                          "that contain the separator)", row=reader.line_num) from None
    except StopIteration:
        raise IngestError(path.name, "the file is empty (no header row)",
                          "export the table again with its header row and data") from None
    return pd.DataFrame(records, columns=header, dtype=object).astype(str) if records else \
        pd.DataFrame(columns=header, dtype=object)


def _read_text(path: Path, text: str, sep: str | None, data: bytes | None = None,
               full_text: Callable[[], str] | None = None) -> pd.DataFrame:
    lines = text[:262144].splitlines()
    comments, n_comment = _split_comments(lines[:1000])
    body = lines[n_comment:] if n_comment < len(lines) else []
    if not any(line.strip() for line in body):
        raise IngestError(path.name, "the file is empty (no header row)" if not comments else
                          "the file has only comment lines, no header row",
                          "export the table again with its header row and data")
    header = body[0]
    if sep is None:
        counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
        sep = max(counts, key=counts.get)
        if counts[sep] == 0:
            raise IngestError(path.name, "the file is not a table: its first line has no comma, tab, semicolon "
                              "or | separating columns", _FIX_FORMAT, row=n_comment + 1)
    if header.count(sep) + 1 > MAX_COLUMNS:
        raise IngestError(path.name, f"the header has more than {MAX_COLUMNS:,} columns (lab tables have tens to "
                          "hundreds)", "check the separator and the export; a table with one analyte per column "
                          "needs one column per analyte, not per sample (write long tables as analyte, value, unit)",
                          row=n_comment + 1)
    frame = _read_text_arrow(data, header, sep, n_comment)
    if frame is not None:
        frame.attrs.update(header_comments=comments, first_data_row=n_comment + 2, delimiter=sep)
        return frame
    frame = _read_text_checked(path, full_text() if full_text is not None else text, sep, n_comment)
    frame.attrs.update(header_comments=comments, first_data_row=n_comment + 2, delimiter=sep)
    return frame


def _sheet_rows(path: Path, book_values, book_formulas, name: str) -> list[list[object]]:
    """Cell values of one sheet; a formula cell without a cached result is an IngestError."""
    values = [list(r) for r in book_values[name].iter_rows(values_only=True)]
    formulas = book_formulas[name].iter_rows(values_only=True) if book_formulas is not None else None
    if formulas is not None:
        for i, (vrow, frow) in enumerate(zip(values, formulas, strict=False)):
            for j, (v, f) in enumerate(zip(vrow, frow, strict=False)):
                if v is None and isinstance(f, str) and f.startswith("="):
                    from openpyxl.utils import get_column_letter

                    raise IngestError(path.name, f"sheet {name!r}, cell {get_column_letter(j + 1)}{i + 1} holds the "
                                      f"formula {f[:60]!r} without a computed result (the file was written by a "
                                      "program, not saved by Excel)", "open the workbook in Excel or LibreOffice and "
                                      "save it (formulas are then computed), or export the values as CSV", row=i + 1)
    return values


def sheet_names(path: str | Path) -> list[str]:
    """Sheet names of an .xlsx workbook, in order."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for damaged files
        raise IngestError(Path(path).name, f"the file is not a readable .xlsx workbook ({type(exc).__name__})",
                          _FIX_FORMAT) from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _read_excel(path: Path, sheet: str | int | None) -> pd.DataFrame:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises several unrelated types for damaged files
        raise IngestError(path.name, f"the file is not a readable .xlsx workbook ({type(exc).__name__})",
                          _FIX_FORMAT) from None
    try:
        names = list(book.sheetnames)
        if sheet is None:
            sheet = names[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise IngestError(path.name, f"no sheet number {sheet} (the workbook has {len(names)})",
                                  "set 'sheet' in the mapping file to a sheet name")
            sheet = names[sheet]
        elif sheet not in names:
            raise IngestError(path.name, f"no sheet named {sheet!r} (sheets: {', '.join(names)})",
                              "set 'sheet' in the mapping file to one of the sheet names")
        rows = _sheet_rows(path, book, formulas, sheet)
    finally:
        book.close()
        formulas.close()
    width = max((len(r) for r in rows), default=0)
    raw = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    if raw.empty:
        raise IngestError(path.name, f"sheet {sheet!r} is empty (no header row)",
                          "put the header in the first row, or name the right sheet in the mapping file")
    first = raw.iloc[:, 0].astype(str).str.strip() if raw.shape[1] else pd.Series(dtype=str)
    n_comment = 0
    while n_comment < len(raw) and (first.iloc[n_comment].startswith("#") or raw.iloc[n_comment].isna().all()):
        n_comment += 1
    if n_comment >= len(raw):
        raise IngestError(path.name, f"sheet {sheet!r} is empty (no header row)",
                          "put the header in the first row, or name the right sheet in the mapping file")
    comments = [str(c).lstrip("#").strip() for c in raw.iloc[:n_comment, 0] if isinstance(c, str)]
    header = [str(h).strip() if pd.notna(h) else f"Unnamed: {i}" for i, h in enumerate(raw.iloc[n_comment])]
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen and not name.startswith("Unnamed: "):
            raise IngestError(path.name, f"sheet {sheet!r}: the column name {name!r} appears twice (columns "
                              f"{seen[name] + 1} and {i + 1})", "rename or remove one of the two columns",
                              row=n_comment + 1, column=name)
        seen.setdefault(name, i)
    frame = raw.iloc[n_comment + 1:].reset_index(drop=True)
    filled = np.flatnonzero(~frame.isna().all(axis=1).to_numpy())
    frame = frame.iloc[: filled[-1] + 1 if filled.size else 0]  # trailing empty (formatted) rows
    frame.columns = header
    unnamed = frame.columns.str.startswith("Unnamed: ")
    stray = np.flatnonzero(unnamed & frame.notna().any().to_numpy())
    if stray.size:
        j = int(stray[0])
        i = int(np.flatnonzero(frame.iloc[:, j].notna().to_numpy())[0])
        raise IngestError(path.name, f"sheet {sheet!r}: column {j + 1} has a value ({frame.iloc[i, j]!r}) but no "
                          "header; a row with an extra or shifted cell would move values into the wrong columns",
                          "give the column a header, or move the row's cells back under their headers",
                          row=n_comment + 2 + i)
    frame = frame.loc[:, ~unnamed]
    frame.attrs.update(header_comments=comments, first_data_row=n_comment + 2, sheet=str(sheet))
    return frame


def read_table(path: str | Path, sheet: str | int | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read a lab table into a DataFrame.

    Parameters
    ----------
    path : str or Path
        A ``.csv``/``.txt`` (separator sniffed: comma, tab, semicolon or ``|``), ``.tsv``,
        ``.xlsx`` or ``.parquet`` file (the content decides when the extension is unusual).
    sheet : str or int, optional
        Excel sheet (default: the first).
    encoding : str, optional
        Text encoding; default UTF-8 (other encodings are refused with a hint).

    Returns
    -------
    DataFrame
        Text cells as strings. ``attrs``: ``header_comments`` (the ``#`` lines above the header),
        ``first_data_row`` (spreadsheet row of the first data row) and ``file_format``.

    Raises
    ------
    IngestError
        Empty file, wrong encoding, binary or non-tabular content, damaged workbook.
    """
    path = Path(path)
    if not path.is_file():
        raise IngestError(path.name, f"file {path} does not exist", "check the path")
    data = path.read_bytes()
    if not data[:65536].strip() and not data.strip():
        raise IngestError(path.name, "the file is empty", "export the table again with its header and data rows")
    kind = _sniff_kind(path, data[:8])
    if kind == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid and others
            raise IngestError(path.name, f"the Parquet file cannot be read ({exc})", _FIX_FORMAT) from None
        frame.attrs.update(header_comments=[], first_data_row=2)
    elif kind == "excel":
        frame = _read_excel(path, sheet)
    else:
        sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else None
        if encoding:
            frame = _read_text(path, _decode(path, data, encoding), sep)
        else:  # the whole file is decoded only when pyarrow cannot read it (pyarrow checks UTF-8 itself)
            _decode(path, data[:65536].rsplit(b"\n", 1)[0] if len(data) > 65536 else data, None)
            head = data[:262144].decode("utf-8-sig", errors="replace")
            frame = _read_text(path, head, sep, data, full_text=lambda: _decode(path, data, None))
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise IngestError(path.name, "the file has a header row but no data rows",
                          "export the table again with its data rows", row=frame.attrs["first_data_row"])
    frame.attrs["file_format"] = kind
    return frame
