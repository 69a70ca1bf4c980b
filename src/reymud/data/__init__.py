"""Packaged reference tables, each a CSV whose first line is ``# source: ...``.

The package never reads files outside itself at run time: every table used by reymud is
shipped here with its source and edition. Users override any table by passing their own
file to the function that uses it (see :func:`read_reference`).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["available", "read_reference", "reference_path", "source_of"]


def reference_path(name: str) -> Path:
    """Path of a packaged table, e.g. ``reference_path("oxide_factors")``."""
    stem = name.removesuffix(".csv")
    path = Path(str(resources.files(__name__).joinpath(f"{stem}.csv")))
    if not path.is_file():
        raise FileNotFoundError(
            f"no packaged reference table {stem!r}; available: {', '.join(available())}"
        )
    return path


def available() -> list[str]:
    """Names of the packaged reference tables."""
    root = Path(str(resources.files(__name__)))
    return sorted(p.stem for p in root.glob("*.csv"))


def source_of(path: str | Path) -> str:
    """The ``# source:`` line of a reference CSV (empty string if it has none)."""
    with open(path, encoding="utf-8") as fh:
        first = fh.readline().strip()
    return first.removeprefix("#").strip().removeprefix("source:").strip() if first.startswith("#") else ""


@lru_cache(maxsize=32)
def _read_cached(path: str) -> pd.DataFrame:
    return pd.read_csv(path, comment=None, skiprows=_n_comment_lines(path))


def _n_comment_lines(path: str) -> int:
    n = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            n += 1
    return n


def read_reference(name_or_path: str | Path) -> pd.DataFrame:
    """Read a reference table: a packaged name or a user's own CSV path.

    The returned frame carries ``attrs["source"]`` (the file's source line) and
    ``attrs["path"]``. A copy is returned, so callers may modify it freely.
    """
    candidate = Path(name_or_path)
    path = candidate if candidate.suffix == ".csv" and candidate.exists() else reference_path(str(name_or_path))
    frame = _read_cached(str(path)).copy()
    frame.attrs["source"] = source_of(path)
    frame.attrs["path"] = str(path)
    return frame
