"""Helpers shared by the command groups: consoles, clean failures, option parsing, tables.

Consoles are created per call so that the terminal width (``COLUMNS``) in force when a command
runs is honoured, also under ``typer.testing.CliRunner``.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

SYNTHETIC_BANNER = "[bold yellow]SYNTHETIC DEMO DATA: not real measurements[/]"


#: Width of tables when output goes to a pipe or a file (rich would cut them to 80 columns there).
PIPED_WIDTH = 200


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr).

    On a terminal (or with ``COLUMNS`` set) rich takes its width; piped or logged output gets
    :data:`PIPED_WIDTH` columns, so tables are not cut to 80 columns (``SYNT…``).
    """
    stream = sys.stderr if stderr else sys.stdout
    piped = not (hasattr(stream, "isatty") and stream.isatty()) and not os.environ.get("COLUMNS")
    return Console(stderr=stderr, width=PIPED_WIDTH if piped else None)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr without a traceback and exit.

    Exit code 1 is bad input, 2 a missing file or a malformed option.
    """
    console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def open_project(path: Path):
    """Open a project file or fail cleanly (2 when it does not exist, 1 when it is not a project)."""
    from reymud.store import Project, StoreError

    if not Path(path).exists():
        fail(f"project {path} not found; create one with `reymud init {path}` or `reymud demo-data DIR`", 2)
    try:
        return Project.open(path)
    except StoreError as exc:
        fail(str(exc), 1)


def is_synthetic(project) -> bool:
    """Whether a project holds the synthetic demo survey (its metadata says so)."""
    return str(project.metadata().get("synthetic", "false")).lower() == "true"


def synthetic_banner(project, stderr: bool = False) -> bool:
    """Print the SYNTHETIC banner when the project is synthetic (on stderr with ``stderr``); return the flag."""
    synthetic = is_synthetic(project)
    if synthetic:
        console(stderr=stderr).print(SYNTHETIC_BANNER)
    return synthetic


#: ``--json`` of the table commands: the tables on stdout as one JSON object, nothing else there.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the table(s) as one JSON object on stdout (notes and "
                                                       "the SYNTHETIC banner go to stderr), for scripts.")]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records (NaN -> null, timestamps ISO 8601, categories as text)."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def print_json(tables: Mapping[str, pd.DataFrame], **extra: Any) -> None:
    """Print ``{"<name>": [records...], ..., **extra}`` on stdout (the ``--json`` form of a table command)."""
    payload: dict[str, Any] = {name: records(frame) for name, frame in tables.items()}
    payload.update(extra)
    typer.echo(json.dumps(payload, default=str))


def parse_window(text: str, option: str = "--window") -> tuple[float, float]:
    """``"0-10"`` -> ``(0.0, 10.0)`` metres below seafloor."""
    try:
        top, base = (float(part) for part in text.split("-"))
    except ValueError:
        fail(f"{option} {text!r} must look like TOP-BASE in mbsf, e.g. 0-10", 2)
    if base <= top:
        fail(f"{option} {text!r}: base must be deeper than top", 2)
    return top, base


def parse_numbers(text: str, option: str, example: str) -> list[float]:
    """``"400,1000"`` -> ``[400.0, 1000.0]``; a clean error for anything else."""
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        fail(f"{option} {text!r}: give numbers separated by commas, e.g. {example}", 2)
    if not values:
        fail(f"{option}: give at least one number, e.g. {example}", 2)
    return values


def fmt(value: object, digits: int = 3) -> str:
    """Compact display of a table cell: ``-`` for missing, thousands separators for big numbers."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        if abs(value) >= 1e5:
            return f"{value:,.0f}"
        return f"{value:,.{digits}g}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)


def frame_table(frame: pd.DataFrame, title: str, columns: list[str] | None = None, digits: int = 3) -> Table:
    """A rich table of a DataFrame; numeric columns right-aligned."""
    cols = list(columns) if columns is not None else list(frame.columns)
    table = Table(title=title, title_justify="left")
    for col in cols:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
    for row in frame[cols].itertuples(index=False):
        table.add_row(*[fmt(v, digits) for v in row])
    return table


def record_path(path: Path, artifact_dir: Path) -> str:
    """How a file is recorded in the project: relative to ``<project>.files/`` when inside it, else absolute.

    Recording the path relative to the artefact folder keeps the record valid whether the project
    was opened by a relative or an absolute path, and when the project and its folder move together.
    """
    path, base = Path(path).resolve(), Path(artifact_dir).resolve()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def resolve_record_path(recorded: str | Path, artifact_dir: Path) -> Path:
    """The file a project record names (see :func:`record_path`).

    Absolute paths are used as they are; relative ones are looked up in ``<project>.files/``, then
    beside the project (records written before paths were stored relative to the folder, e.g.
    ``p.duckdb.files/block_model_2d.nc``), then from the working directory.
    """
    path = Path(str(recorded))
    if path.is_absolute():
        return path
    base = Path(artifact_dir)
    candidates = [base / path, base.parent / path, Path.cwd() / path]
    return next((c for c in candidates if c.exists()), candidates[0])
