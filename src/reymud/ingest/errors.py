"""The one error type of the ingest stage."""

from __future__ import annotations

__all__ = ["IngestError"]


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
