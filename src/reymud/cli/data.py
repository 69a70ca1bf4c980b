"""CLI commands of the data group: init, ingest, export, qaqc (thin: parse, call the API, render)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.progress import Progress
from rich.table import Table

from reymud.cli._common import JsonFlag, console, fail, frame_table, open_project, print_json


def init(project: Path = typer.Argument(..., help="Project file to create (a DuckDB file, e.g. survey.duckdb).")
         ) -> None:
    """Create an empty reymud project file."""
    from reymud.store import Project, StoreError

    try:
        Project.init(project)
    except StoreError as exc:
        fail(str(exc))
    console().print(f"created project [bold]{project}[/]")


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

    store = open_project(project)
    with Progress(console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("ingesting", total=len(files) + len(collars or []))

        def step(i: int, n: int, name: str) -> None:
            bar.update(task, completed=i, description=f"ingesting {name}")

        try:
            reports = ingest_files(store, files, collars=collars or None, mapping=mapping, progress=step)
        except (IngestError, StoreError) as exc:
            fail(str(exc))
    table = Table(title=f"ingest into {project}", title_justify="left")
    for name in ("file", "status", "layout", "rows", "values", "censored", "samples", "QA/QC", "cores",
                 "unrecognised columns"):
        table.add_column(name, justify="right" if name in ("rows", "values", "censored", "samples", "QA/QC",
                                                            "cores") else "left")
    for r in reports:
        table.add_row(r.file, r.status, r.kind, str(r.rows), str(r.values), str(r.censored), str(r.samples),
                      str(r.qaqc), str(r.cores), ", ".join(r.unrecognised) or "-")
    console().print(table)
    for r in reports:
        if r.sheets_loaded or r.sheets_skipped:
            console().print(f"{r.file}: sheets loaded: {', '.join(r.sheets_loaded) or 'none'}; skipped: "
                            f"{'; '.join(r.sheets_skipped) or 'none'}", soft_wrap=True)
    for r in reports:
        if r.unpositioned:
            console().print(f"[yellow]note:[/] {r.file}: {len(r.unpositioned)} core(s) stored without a position (no "
                            f"collar): {', '.join(r.unpositioned[:10])}{', ...' if len(r.unpositioned) > 10 else ''}; "
                            "geochemistry, layers and composites use them, the spatial stage leaves them out until "
                            "a collar file (--collars) gives their latitude and longitude", soft_wrap=True)
        if r.positioned:
            console().print(f"{r.file}: position given to {len(r.positioned)} core(s) stored without one: "
                            f"{', '.join(r.positioned[:10])}", soft_wrap=True)
    if any(r.synthetic for r in reports):
        console().print("[yellow]SYNTHETIC data: the project is labelled synthetic.[/]")


def export(
    project: Path = typer.Argument(..., help="Project file (*.duckdb)."),
    what: str = typer.Option("tables", "--what", help="tables: cores, samples, assays, QA/QC; blocks: the block "
                             "model with every variable, diagnostic and resource class."),
    format: str = typer.Option("csv", "--format", help="tables: csv or parquet. blocks: gslib (GeoEAS, .dat), "
                               "vtk (.vtu/.vtk, ParaView), geotiff (.tif, one file per variable) or csv "
                               "(XC YC ZC XINC YINC ZINC + attributes; Leapfrog/Datamine)."),
    out: Path = typer.Option(None, "--out", help="tables: output folder (default <project>.files/export). "
                             "blocks: output file, extension matching --format (default "
                             "<project>.files/export/block_model.<ext>)."),
    censored: str = typer.Option("half_limit", "--censored", help="Below-detection values in the wide sample "
                                 "table: half_limit, limit, zero or nan (concentrations in ppm / wt %)."),
    grid: Path = typer.Option(None, "--grid", help="blocks: block-model NetCDF/Zarr to export (default the one "
                              "`reymud assess` / `reymud estimate` left in <project>.files/block_model_2d.nc)."),
) -> None:
    """Export the data tables (CSV/Parquet) or the block model (GSLIB, VTK, GeoTIFF, block-model CSV)."""
    from reymud.store import CENSORED_POLICIES

    if what == "blocks":
        _export_blocks(project, format, out, grid)
        return
    if what != "tables":
        fail(f"--what {what!r}: use tables or blocks", 2)
    if format not in ("csv", "parquet"):
        fail(f"--format {format!r}: tables are exported as csv or parquet (use --what blocks for gslib, vtk, "
             "geotiff or the block-model csv)", 2)
    if censored not in CENSORED_POLICIES:
        fail(f"--censored {censored!r}: use one of {', '.join(CENSORED_POLICIES)}", 2)
    store = open_project(project)
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
    console().print(table)


def _export_blocks(project: Path, format: str, out: Path | None, grid: Path | None) -> None:
    import xarray as xr

    from reymud.spatial import exchange

    if format == "omf":
        fail("--format omf is not available: the only omf release with wheels (2.0.0a0) needs properties==0.6.0b0, "
             "published as source only; export vtk (Leapfrog, ParaView) or csv (XC/YC/ZC, Leapfrog/Datamine) "
             "instead", 2)
    if format not in exchange.EXPORT_FORMATS:
        fail(f"--format {format!r}: the block model is exported as {', '.join(exchange.EXPORT_FORMATS)}", 2)
    store = open_project(project)
    path = out or store.artifact_dir / "export" / f"block_model{exchange.EXPORT_FORMATS[format][0]}"
    try:
        exchange.check_extension(path, format)
    except ValueError as exc:
        fail(str(exc), 2)
    source = grid or store.artifact_dir / "block_model_2d.nc"
    if not source.exists():
        fail(f"no block model at {source}: run `reymud assess {project}` or `reymud estimate {project}` first, "
             "or name one with --grid", 2)
    with xr.open_zarr(source) if source.suffix == ".zarr" else xr.open_dataset(source) as ds:
        model = ds.load()
    if "blocks" in store.list_frames() and grid is None:
        try:
            model = exchange.attach_blocks_table(model, store.load_frame("blocks"))
        except ValueError as exc:
            console(stderr=True).print(f"[yellow]warning:[/] resource class not attached: {exc}")
    try:
        paths = exchange.export_block_model(model, path, format)
    except ValueError as exc:
        fail(str(exc))
    table = Table(title=f"block model of {project} as {format}", title_justify="left")
    table.add_column("file")
    table.add_column("blocks", justify="right")
    table.add_column("variables", justify="right")
    n_blocks = model.sizes["easting"] * model.sizes["northing"] * model.sizes.get("depth_mbsf", 1)
    n_vars = sum(1 for v in model.data_vars if v != "spatial_ref")
    for p in paths:
        table.add_row(str(p), f"{n_blocks:,}", str(n_vars if len(paths) == 1 else 1))
    console().print(table)


def qaqc(project: Path = typer.Argument(..., help="Project file (*.duckdb)."), as_json: JsonFlag = False) -> None:
    """QA/QC summary: CRM mean/SD/RSD %, duplicate pairs' relative difference %, blanks vs detection limit."""
    from reymud.ingest import blank_check, crm_stats, duplicate_pairs

    store = open_project(project)
    records = store.qaqc()
    empty = pd.DataFrame()
    crm = crm_stats(records) if not records.empty else empty
    pairs = duplicate_pairs(records, store.assays()) if not records.empty else empty
    summary = empty
    if not pairs.empty:
        summary = pairs.groupby(["analyte", "unit"]).agg(
            n_pairs=("rel_diff_pct", "size"), mean_rel_diff_pct=("rel_diff_pct", "mean"),
            max_rel_diff_pct=("rel_diff_pct", "max")).reset_index()
    blanks = blank_check(records) if not records.empty else empty
    if as_json:
        print_json({"crm": crm, "duplicates": summary, "blanks": blanks}, n_qaqc_records=len(records))
        return
    if records.empty:
        console().print("no QA/QC records (crm, duplicate or blank rows) in this project")
        return
    if not crm.empty:
        console().print(frame_table(crm, "CRMs: repeat analyses (values in unit shown; RSD %)"))
    if not summary.empty:
        console().print(frame_table(summary, "Duplicates: relative difference to parent, 100|a-b|/mean (%)"))
    if not blanks.empty:
        console().print(frame_table(blanks, "Blanks against detection limits"))


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("init")(init)
    app.command("ingest")(ingest)
    app.command("export")(export)
    app.command("qaqc")(qaqc)
