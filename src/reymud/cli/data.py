"""CLI commands of the data group: init, ingest, export, qaqc (thin: parse, call the API, render)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table


def _out() -> Console:
    return Console()


def _errc() -> Console:
    return Console(stderr=True)


def _fail(message: str, code: int = 1) -> None:
    _errc().print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _open(project: Path):
    from reymud.store import Project, StoreError

    try:
        return Project.open(project)
    except StoreError as exc:
        _fail(str(exc))


def _frame_table(frame: pd.DataFrame, title: str, digits: int = 3) -> Table:
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), justify="right" if pd.api.types.is_numeric_dtype(frame[col]) else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:.{digits}g}" if isinstance(v, float) else ("" if v is None else str(v)) for v in row])
    return table


def init(project: Path = typer.Argument(..., help="Project file to create (a DuckDB file, e.g. survey.duckdb).")
         ) -> None:
    """Create an empty reymud project file."""
    from reymud.store import Project, StoreError

    try:
        Project.init(project)
    except StoreError as exc:
        _fail(str(exc))
    _out().print(f"created project [bold]{project}[/]")


def ingest(
    project: Path = typer.Argument(..., help="Project file (*.duckdb), created with `reymud init`."),
    files: list[Path] = typer.Argument(..., help="Assay files: CSV, TSV, XLSX or Parquet, wide (one column per "
                                       "analyte, e.g. 'La (ppm)', 'SiO2 (wt%)') or long (analyte, value, unit). "
                                       "Depths in metres below seafloor (mbsf)."),
    collars: list[Path] = typer.Option(None, "--collars", help="Collar file(s): core_id, latitude, longitude "
                                       "(decimal degrees WGS84), water_depth_m (m, positive down), core_length_m."),
    mapping: Path = typer.Option(None, "--mapping", help="YAML mapping for columns automatic recognition cannot "
                                 "resolve (column -> role or {analyte, unit}; units; sheet; encoding)."),
) -> None:
    """Load lab files into a project (atomic per file; a file already loaded is skipped).

    Values are stored as reported and in canonical units: elements in ppm, major oxides in wt %.
    Below-detection values (<0.05, bdl, n.d., ...) are kept as censored with their limit.
    """
    from reymud.ingest import IngestError, ingest_files
    from reymud.store import StoreError

    store = _open(project)
    with Progress(console=_errc(), transient=True) as bar:
        task = bar.add_task("ingesting", total=len(files) + len(collars or []))

        def step(i: int, n: int, name: str) -> None:
            bar.update(task, completed=i, description=f"ingesting {name}")

        try:
            reports = ingest_files(store, files, collars=collars or None, mapping=mapping, progress=step)
        except (IngestError, StoreError) as exc:
            _fail(str(exc))
    table = Table(title=f"ingest into {project}", title_justify="left")
    for name in ("file", "status", "layout", "rows", "values", "censored", "samples", "QA/QC", "cores",
                 "unrecognised columns"):
        table.add_column(name, justify="right" if name in ("rows", "values", "censored", "samples", "QA/QC",
                                                            "cores") else "left")
    for r in reports:
        table.add_row(r.file, r.status, r.kind, str(r.rows), str(r.values), str(r.censored), str(r.samples),
                      str(r.qaqc), str(r.cores), ", ".join(r.unrecognised) or "-")
    _out().print(table)
    if any(r.synthetic for r in reports):
        _out().print("[yellow]SYNTHETIC data: the project is labelled synthetic.[/]")


def export(
    project: Path = typer.Argument(..., help="Project file (*.duckdb)."),
    format: str = typer.Option("csv", "--format", help="Output format: csv or parquet."),
    out: Path = typer.Option(None, "--out", help="Output folder (default: <project>.files/export)."),
    censored: str = typer.Option("half_limit", "--censored", help="Below-detection values in the wide sample "
                                 "table: half_limit, limit, zero or nan (concentrations in ppm / wt %)."),
) -> None:
    """Export cores, samples (wide, ppm / wt %), assays (long) and QA/QC as CSV or Parquet files."""
    from reymud.store import CENSORED_POLICIES

    if format not in ("csv", "parquet"):
        _fail(f"--format {format!r}: use csv or parquet", 2)
    if censored not in CENSORED_POLICIES:
        _fail(f"--censored {censored!r}: use one of {', '.join(CENSORED_POLICIES)}", 2)
    store = _open(project)
    folder = out or store.artifact_dir / "export"
    folder.mkdir(parents=True, exist_ok=True)
    synthetic = store.metadata().get("synthetic") == "true"
    prefix = "SYNTHETIC_" if synthetic else ""
    frames = {"cores": store.cores(), "samples": store.samples(censored=censored), "assays": store.assays(),
              "qaqc": store.qaqc()}
    table = Table(title=f"export of {project}", title_justify="left")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, frame in frames.items():
        path = folder / f"{prefix}{name}.{format}"
        if format == "csv":
            with open(path, "w", encoding="utf-8", newline="") as fh:
                if synthetic:
                    fh.write("# SYNTHETIC DEMO DATA - exported by reymud; not a real survey\n")
                frame.to_csv(fh, index=False)
        else:
            frame.attrs = {}
            frame.to_parquet(path, index=False)
        table.add_row(str(path), str(len(frame)))
    _out().print(table)


def qaqc(project: Path = typer.Argument(..., help="Project file (*.duckdb).")) -> None:
    """QA/QC summary: CRM mean/SD/RSD %, duplicate pairs' relative difference %, blanks vs detection limit."""
    from reymud.ingest import blank_check, crm_stats, duplicate_pairs

    store = _open(project)
    records = store.qaqc()
    if records.empty:
        _out().print("no QA/QC records (crm, duplicate or blank rows) in this project")
        return
    crm = crm_stats(records)
    if not crm.empty:
        _out().print(_frame_table(crm, "CRMs: repeat analyses (values in unit shown; RSD %)"))
    pairs = duplicate_pairs(records, store.assays())
    if not pairs.empty:
        summary = pairs.groupby(["analyte", "unit"]).agg(
            n_pairs=("rel_diff_pct", "size"), mean_rel_diff_pct=("rel_diff_pct", "mean"),
            max_rel_diff_pct=("rel_diff_pct", "max")).reset_index()
        _out().print(_frame_table(summary, "Duplicates: relative difference to parent, 100|a-b|/mean (%)"))
    blanks = blank_check(records)
    if not blanks.empty:
        _out().print(_frame_table(blanks, "Blanks against detection limits"))


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("init")(init)
    app.command("ingest")(ingest)
    app.command("export")(export)
    app.command("qaqc")(qaqc)
