"""The error type of the ingest stage, and the subtypes that say a file or sheet holds no table."""

from __future__ import annotations

__all__ = ["EmptyTableError", "IngestError", "NoTableError", "UnrecognisedTableError"]


class IngestError(ValueError):
    """A file cannot be loaded. The message names file, row, column, the problem and the fix.

    Rows are numbered as a spreadsheet shows them: the header is row 1 and the first data row
    is row 2 (comment lines above the header, if any, count as rows too).

    Parameters
    ----------
    file : str
        File name.
    problem : str
        What is wrong.
    fix : str
        How to fix it.
    row : int, optional
        1-based spreadsheet row.
    column : str, optional
        Column name as written in the file.
    """

    def __init__(self, file: str, problem: str, fix: str, row: int | None = None,
                 column: str | None = None) -> None:
        self.file, self.problem, self.fix, self.row, self.column = file, problem, fix, row, column
        where = [str(file)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}. Fix: {fix}")


class NoTableError(IngestError):
    """The file or sheet holds no table to load (a workbook skips such a sheet and reports why)."""


class EmptyTableError(NoTableError):
    """Nothing to read: an empty file or sheet, only comment lines, or a header without data rows."""


class UnrecognisedTableError(NoTableError):
    """Rows are present but no analyte, long-table or collar column was recognised."""
