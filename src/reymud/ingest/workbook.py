"""Excel workbooks (.xlsx) read once: every sheet's table from one parse of the file.

The file is read from disk once and parsed once with cached cell values. Only when a sheet holds
formulas (``<f>`` elements in its XML) is the same in-memory copy parsed a second time for the
formula text, to refuse a formula cell that has no computed result (files written by scripts):
such a cell would otherwise read as empty, that is as below detection.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from reymud.ingest.errors import EmptyTableError, IngestError

__all__ = ["FIX_FORMAT", "Workbook"]

FIX_FORMAT = "export the table as CSV (UTF-8), XLSX or Parquet with one header row"
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of the workbook (zip) holds a formula element."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as handle:
                        if _FORMULA_RE.search(handle.read()):
                            return True
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return True  # let openpyxl report the damage
    return False


class Workbook:
    """One ``.xlsx`` file, parsed once; ``table(sheet)`` gives each sheet's table.

    Parameters
    ----------
    path : str or Path

    Attributes
    ----------
    names : list of str
        Sheet names in order.
    parses : int
        How many times the file was parsed (1, or 2 when it holds formulas).

    Raises
    ------
    IngestError
        The file is not a readable workbook.
    """

    def __init__(self, path: str | Path) -> None:
        import openpyxl

        self.path = Path(path)
        data = self.path.read_bytes()
        try:
            self._values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            self._formulas = (openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
                              if _has_formulas(data) else None)
        except Exception as exc:  # openpyxl raises several unrelated types for damaged files
            raise IngestError(self.path.name, f"the file is not a readable .xlsx workbook ({type(exc).__name__})",
                              FIX_FORMAT) from None
        self.parses = 1 if self._formulas is None else 2
        self.names: list[str] = list(self._values.sheetnames)

    def close(self) -> None:
        """Release the parsed workbook."""
        self._values.close()
        if self._formulas is not None:
            self._formulas.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def resolve(self, sheet: str | int | None) -> str:
        """The sheet name for a name, a 0-based number or None (the first sheet)."""
        name = self.path.name
        if sheet is None:
            return self.names[0]
        if isinstance(sheet, int):
            if not 0 <= sheet < len(self.names):
                raise IngestError(name, f"no sheet number {sheet} (the workbook has {len(self.names)})",
                                  "set 'sheet' in the mapping file to a sheet name")
            return self.names[sheet]
        if sheet not in self.names:
            raise IngestError(name, f"no sheet named {sheet!r} (sheets: {', '.join(self.names)})",
                              "set 'sheet' in the mapping file to one of the sheet names")
        return sheet

    def _rows(self, name: str) -> list[list[object]]:
        """Cell values of one sheet; a formula cell without a cached result is an IngestError."""
        values = [list(r) for r in self._values[name].iter_rows(values_only=True)]
        if self._formulas is None:
            return values
        formulas = self._formulas[name].iter_rows(values_only=True)
        for i, (vrow, frow) in enumerate(zip(values, formulas, strict=False)):
            for j, (v, f) in enumerate(zip(vrow, frow, strict=False)):
                if v is None and isinstance(f, str) and f.startswith("="):
                    from openpyxl.utils import get_column_letter

                    raise IngestError(self.path.name, f"sheet {name!r}, cell {get_column_letter(j + 1)}{i + 1} holds "
                                      f"the formula {f[:60]!r} without a computed result (the file was written by a "
                                      "program, not saved by Excel)", "open the workbook in Excel or LibreOffice and "
                                      "save it (formulas are then computed), or export the values as CSV", row=i + 1)
        return values

    def table(self, sheet: str | int | None = None) -> pd.DataFrame:
        """One sheet as a table: ``#`` comment rows and blank rows above the header skipped.

        Returns
        -------
        DataFrame
            ``attrs``: ``header_comments``, ``first_data_row``, ``sheet``.

        Raises
        ------
        EmptyTableError
            The sheet is empty (no header row).
        IngestError
            Repeated column names, a value in a column without header, a formula without result.
        """
        file = self.path.name
        sheet = self.resolve(sheet)
        rows = self._rows(sheet)
        width = max((len(r) for r in rows), default=0)
        raw = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
        empty = EmptyTableError(file, f"sheet {sheet!r} is empty (no header row)",
                                "put the header in the first row, or name the right sheet in the mapping file")
        if raw.empty:
            raise empty
        first = raw.iloc[:, 0].astype(str).str.strip() if raw.shape[1] else pd.Series(dtype=str)
        n_comment = 0
        while n_comment < len(raw) and (first.iloc[n_comment].startswith("#") or raw.iloc[n_comment].isna().all()):
            n_comment += 1
        if n_comment >= len(raw):
            raise empty
        comments = [str(c).lstrip("#").strip() for c in raw.iloc[:n_comment, 0] if isinstance(c, str)]
        header = [str(h).strip() if pd.notna(h) else f"Unnamed: {i}" for i, h in enumerate(raw.iloc[n_comment])]
        seen: dict[str, int] = {}
        for i, name in enumerate(header):
            if name in seen and not name.startswith("Unnamed: "):
                raise IngestError(file, f"sheet {sheet!r}: the column name {name!r} appears twice (columns "
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
            raise IngestError(file, f"sheet {sheet!r}: column {j + 1} has a value ({frame.iloc[i, j]!r}) but no "
                              "header; a row with an extra or shifted cell would move values into the wrong columns",
                              "give the column a header, or move the row's cells back under their headers",
                              row=n_comment + 2 + i)
        frame = frame.loc[:, ~unnamed]
        frame.attrs.update(header_comments=comments, first_data_row=n_comment + 2, sheet=str(sheet))
        return frame
