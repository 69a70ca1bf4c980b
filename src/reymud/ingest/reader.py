"""Reading lab tables (CSV, TSV, XLSX, Parquet) with clear errors for what is not a table.

Text files must be UTF-8 (a UTF-8 BOM is fine); other encodings are refused with the encoding to
use, unless the mapping file names one. Lines starting with ``#`` above the header are kept as
header comments (``attrs["header_comments"]``). Text cells are read as strings, so values such
as ``<0.05`` or ``ND`` reach the value parser unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from reymud.ingest.errors import EmptyTableError, IngestError
from reymud.ingest.workbook import FIX_FORMAT as _FIX_FORMAT
from reymud.ingest.workbook import Workbook

__all__ = ["MAX_COLUMNS", "ReadLimits", "finish_table", "is_workbook", "read_chunks", "read_table"]

_TEXT = {".csv", ".txt", ".tsv", ".tab", ".dat"}
_EXCEL = {".xlsx", ".xlsm"}
_PARQUET = {".parquet", ".pq"}
#: Refuse wider tables early (assumption: the widest real lab export has a few hundred columns; overridable
#: with ``ReadLimits(max_columns=...)``). Reading a 1,000,000-column header would otherwise cost gigabytes.
MAX_COLUMNS = 5000
#: Text read to find comment lines, the header and the separator (bytes).
_HEAD_BYTES = 262144


@dataclass(frozen=True)
class ReadLimits:
    """Shape limits and chunking of the text reader.

    Attributes
    ----------
    max_columns : int
        Wider headers are refused before any row is read (default :data:`MAX_COLUMNS`).
    chunk_bytes : int
        A text table is read, validated and converted in chunks of about this many bytes, so memory
        stays bounded whatever the file size (default 4 MiB: about 100,000 long-table rows; an
        assumption balancing per-chunk overhead against peak memory, see benchmarks/bench_ingest.py).
    max_cell_chars : int
        Longer cells are refused (default 131,072, the limit of Python's ``csv`` module; no lab value
        or name comes near it, a longer cell is a broken export).
    max_rows : int
        More data rows are refused as soon as the reader passes them (default 50,000,000: about ten times
        the 4.9 M-row benchmark file, whose conversion peaks under 1 GB; what is kept grows with the
        rows, so larger files should be split, each file being one transaction).
    """

    max_columns: int = MAX_COLUMNS
    chunk_bytes: int = 4 * 2**20
    max_cell_chars: int = 131072
    max_rows: int = 50_000_000

    def __post_init__(self) -> None:
        if self.max_columns < 1 or self.chunk_bytes < 1024 or self.max_cell_chars < 1 or self.max_rows < 1:
            raise ValueError(f"ReadLimits: max_columns, max_cell_chars and max_rows must be >= 1 and chunk_bytes "
                             f">= 1024, got {self}")


def _check_rows(path: Path, n_rows: int, first_row: int, limit: int) -> None:
    """Refuse a table with more than ``limit`` data rows (``first_row`` = spreadsheet row of the first)."""
    if n_rows > limit:
        raise IngestError(path.name, f"the table has more than {limit:,} data rows", "split it into several files "
                          "(each file is loaded as one transaction), or raise ReadLimits.max_rows",
                          row=first_row + limit)


def _check_cells(path: Path, batch: pa.RecordBatch, first_row: int, limit: int) -> None:
    """Refuse a cell longer than ``limit`` bytes (``first_row`` = spreadsheet row of the batch's first row)."""
    for column in batch.columns:
        if (pc.max(pc.binary_length(column)).as_py() or 0) <= limit:  # bytes >= characters: a cheap first test
            continue
        lengths = pc.utf8_length(column)
        if (pc.max(lengths).as_py() or 0) > limit:
            row = int(pc.index(pc.greater(lengths, limit), True).as_py())
            raise IngestError(path.name, f"a cell is longer than {limit:,} characters, which no lab value or name "
                              "is", "check the file for a broken export (an unclosed quote, or a run-away number)",
                              row=first_row + row)


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` is an .xlsx workbook (a zip archive without a text-file extension)."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() in _TEXT:
        return False
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


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
    options = _arrow_options(header, sep, n_comment) if data is not None else None
    if options is None:
        return None
    try:
        table = pacsv.read_csv(io.BytesIO(data.removeprefix(b"\xef\xbb\xbf")), *options)
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


def _text_header(path: Path, text: str, sep: str | None, limits: ReadLimits) -> tuple[list[str], int, str, str]:
    """Comment lines, their count, the header line and the separator of a text table (from its start)."""
    lines = text[:_HEAD_BYTES].splitlines()
    comments, n_comment = _split_comments(lines[:1000])
    body = lines[n_comment:] if n_comment < len(lines) else []
    if not any(line.strip() for line in body):
        raise EmptyTableError(path.name, "the file is empty (no header row)" if not comments else
                              "the file has only comment lines, no header row",
                              "export the table again with its header row and data")
    header = body[0]
    if sep is None:
        counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
        sep = max(counts, key=counts.get)
        if counts[sep] == 0:
            raise IngestError(path.name, "the file is not a table: its first line has no comma, tab, semicolon "
                              "or | separating columns", _FIX_FORMAT, row=n_comment + 1)
    if header.count(sep) + 1 > limits.max_columns:
        raise IngestError(path.name, f"the header has more than {limits.max_columns:,} columns (lab tables have tens "
                          "to hundreds)", "check the separator and the export; a table with one analyte per column "
                          "needs one column per analyte, not per sample (write long tables as analyte, value, unit)",
                          row=n_comment + 1)
    return comments, n_comment, header, sep


def _read_text(path: Path, text: str, sep: str | None, data: bytes | None = None,
               full_text: Callable[[], str] | None = None, limits: ReadLimits | None = None) -> pd.DataFrame:
    comments, n_comment, header, sep = _text_header(path, text, sep, limits or ReadLimits())
    frame = _read_text_arrow(data, header, sep, n_comment)
    if frame is None:
        frame = _read_text_checked(path, full_text() if full_text is not None else text, sep, n_comment)
    frame.attrs.update(header_comments=comments, first_data_row=n_comment + 2, delimiter=sep)
    return frame


def _arrow_options(header: str, sep: str, n_comment: int, block_size: int | None = None):
    """pyarrow CSV options reading every column as text; None when the header has repeated/empty names."""
    names = next(csv.reader([header], delimiter=sep))
    if len(set(names)) != len(names) or any(not n.strip() for n in names):
        return None
    read = pacsv.ReadOptions(skip_rows=n_comment, **({"block_size": block_size, "use_threads": False} if block_size
                                                    else {}))
    return (read, pacsv.ParseOptions(delimiter=sep),
            pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                                 quoted_strings_can_be_null=False))


def finish_table(frame: pd.DataFrame, file: str, kind: str) -> pd.DataFrame:
    """Strip column names, refuse a table without data rows, record the file format."""
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise EmptyTableError(file, "the file has a header row but no data rows",
                              "export the table again with its data rows", row=frame.attrs["first_data_row"])
    frame.attrs["file_format"] = kind
    return frame


def _empty_file(path: Path) -> EmptyTableError:
    return EmptyTableError(path.name, "the file is empty", "export the table again with its header and data rows")


def read_table(path: str | Path, sheet: str | int | None = None, encoding: str | None = None,
               limits: ReadLimits | None = None) -> pd.DataFrame:
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
    limits : ReadLimits, optional
        Shape limits (default ``ReadLimits()``).

    Returns
    -------
    DataFrame
        Text cells as strings. ``attrs``: ``header_comments`` (the ``#`` lines above the header),
        ``first_data_row`` (spreadsheet row of the first data row) and ``file_format``.

    Raises
    ------
    IngestError
        Empty file, wrong encoding, binary or non-tabular content, damaged workbook
        (:class:`~reymud.ingest.errors.EmptyTableError` when there is nothing to read).
    """
    path = Path(path)
    if not path.is_file():
        raise IngestError(path.name, f"file {path} does not exist", "check the path")
    data = path.read_bytes()
    if not data[:65536].strip() and not data.strip():
        raise _empty_file(path)
    kind = _sniff_kind(path, data[:8])
    if kind == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid and others
            raise IngestError(path.name, f"the Parquet file cannot be read ({exc})", _FIX_FORMAT) from None
        frame.attrs.update(header_comments=[], first_data_row=2)
    elif kind == "excel":
        with Workbook(path) as book:
            frame = book.table(sheet)
    else:
        sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else None
        if encoding:
            frame = _read_text(path, _decode(path, data, encoding), sep, limits=limits)
        else:  # the whole file is decoded only when pyarrow cannot read it (pyarrow checks UTF-8 itself)
            _decode(path, data[:65536].rsplit(b"\n", 1)[0] if len(data) > 65536 else data, None)
            head = data[:_HEAD_BYTES].decode("utf-8-sig", errors="replace")
            frame = _read_text(path, head, sep, data, full_text=lambda: _decode(path, data, None), limits=limits)
    return finish_table(frame, path.name, kind)


def read_chunks(path: str | Path, encoding: str | None = None, limits: ReadLimits | None = None,
                ) -> Iterator[pd.DataFrame]:
    """Read a lab table as consecutive chunks of rows (bounded memory for large text files).

    A UTF-8 text table is streamed with pyarrow's CSV reader in chunks of about
    ``limits.chunk_bytes``; each chunk's ``attrs["first_data_row"]`` is the spreadsheet row of its
    first row, so row numbers in errors are those of the whole file. Anything the streaming reader
    refuses (ragged rows, invalid UTF-8, repeated or empty column names) is read again by
    :func:`read_table`, whose checks name the row. Other formats (and an explicit ``encoding``) are
    read whole, as one chunk.

    Parameters
    ----------
    path : str or Path
    encoding : str, optional
    limits : ReadLimits, optional

    Yields
    ------
    DataFrame
        At least one chunk with at least one row (else :class:`EmptyTableError` is raised).
    """
    path, limits = Path(path), limits or ReadLimits()
    if not path.is_file():
        raise IngestError(path.name, f"file {path} does not exist", "check the path")
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if size <= len(head) and not head.strip():
        raise _empty_file(path)
    if encoding or not head.strip() or _sniff_kind(path, head[:8]) != "text":
        whole = read_table(path, encoding=encoding, limits=limits)
        _check_rows(path, len(whole), int(whole.attrs["first_data_row"]), limits.max_rows)
        yield whole
        return
    sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else None
    _decode(path, head[:65536].rsplit(b"\n", 1)[0] if size > 65536 else head, None)
    comments, n_comment, header, sep = _text_header(path, head.decode("utf-8-sig", errors="replace"), sep, limits)
    options = _arrow_options(header, sep, n_comment, block_size=limits.chunk_bytes)
    if options is None:
        whole = read_table(path, limits=limits)
        _check_rows(path, len(whole), int(whole.attrs["first_data_row"]), limits.max_rows)
        yield whole
        return
    offset = 0
    with open(path, "rb") as handle:
        if handle.read(3) != b"\xef\xbb\xbf":
            handle.seek(0)
        try:
            for batch in pacsv.open_csv(handle, *options):
                if not batch.num_rows:
                    continue
                _check_cells(path, batch, n_comment + 2 + offset, limits.max_cell_chars)
                frame = batch.to_pandas()
                del batch
                frame.attrs.update(header_comments=comments, first_data_row=n_comment + 2 + offset, delimiter=sep)
                offset += len(frame)
                _check_rows(path, offset, n_comment + 2, limits.max_rows)
                box = [finish_table(frame, path.name, "text")]
                del frame
                yield box.pop()  # the generator keeps no reference to a chunk once it is handed out
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            whole = read_table(path, limits=limits)  # names the offending row, or reads what arrow refuses
            _check_rows(path, len(whole), int(whole.attrs["first_data_row"]), limits.max_rows)
            rest = whole.iloc[offset:]
            if len(rest):
                rest.attrs.update(whole.attrs, first_data_row=int(whole.attrs["first_data_row"]) + offset)
                yield rest
            return
    if not offset:
        frame = pd.DataFrame(columns=[str(c).strip() for c in options[2].column_types])
        frame.attrs.update(header_comments=comments, first_data_row=n_comment + 2)
        finish_table(frame, path.name, "text")
