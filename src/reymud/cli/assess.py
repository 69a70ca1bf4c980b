"""``reymud assess``: the whole job on a project (or the bundled SYNTHETIC demo survey)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from reymud.cli._common import console as make_console

__all__ = ["register"]

DEMO_PROJECT_NAME = "demo.duckdb"


def _config(project: Path | None, config_file: Path | None, plan_file: Path | None = None, **overrides: Any):
    """The run's config: the ONE plan (``--plan``, else the project's, else the defaults:
    :func:`reymud.spatial.plan.resolve_plan`), then ``--config``, then the options."""
    from reymud.assess import AssessConfig

    if plan_file is not None and not Path(plan_file).exists():
        raise FileNotFoundError(f"--plan {plan_file} not found")
    return AssessConfig.for_project(project, plan_file, config_file, **overrides)


def _demo(out: Path, seed: int, n_cores: int, console: Console) -> Path:
    """Create ``<out>/demo.duckdb`` from the seeded synthetic survey (replacing an older demo)."""
    from reymud.demo import demo_project

    path = out / DEMO_PROJECT_NAME
    if path.exists():
        console.print(f"[dim]replacing the previous demo project {path}[/dim]")
        path.unlink()
        shutil.rmtree(Path(f"{path}.files"), ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    demo_project(path, seed=seed, n_cores=n_cores).close()
    return path


CLASS_SHORT = {"measured+indicated": "M+I", "measured+indicated+inferred": "M+I+I (total)"}


def _fmt(value: Any, digits: int | None = None) -> str:
    from reymud.report import format_number

    if isinstance(value, (int, float)) and not isinstance(value, bool) and digits is not None \
            and value == value:  # not NaN
        return f"{value:,.{digits}f}"
    return format_number(value)


def _print_tables(console: Console, results: dict[str, Any]) -> None:
    from reymud.assess.results import cutoff_basis_statement

    cores = Table(title="Cores (first REY-rich layer, total thickness of layers)", header_style="bold")
    for col in ("core", "water m", "lyrs", "top mbsf", "base mbsf", "thick m", "mean ppm", "peak ppm",
                "peak mbsf"):
        cores.add_column(col, justify="left" if col == "core" else "right", no_wrap=col == "core",
                         min_width=10 if col == "core" else None)
    for row in results["cores"]["core_summary"]:
        cores.add_row(str(row["core_id"]), *(_fmt(row.get(k), d) for k, d in (
            ("water_depth_m", 0), ("n_layers", 0), ("layer_top_mbsf", 2), ("layer_base_mbsf", 2),
            ("layer_thickness_m", 2), ("mean_total_rey_ppm", 0), ("peak_total_rey_ppm", 0),
            ("peak_depth_mbsf", 2))))
    console.print(cores)
    res = Table(title=f"Resource by cut-off (total REY; density {results['resource']['density_t_m3']} t/m3)",
                header_style="bold")
    for col in ("cut-off ppm", "class", "area km2", "dry Mt", "total REY ppm", "TREO Mt"):
        res.add_column(col, justify="left" if col == "class" else "right", no_wrap=True)
    for row in results["resource"]["table"]:
        res.add_row(_fmt(row["cutoff"], 0), CLASS_SHORT.get(str(row["class"]), str(row["class"])),
                    _fmt(row["area_km2"], 1), _fmt((row["dry_t"] or 0) / 1e6, 1), _fmt(row["total_rey_ppm"], 0),
                    _fmt((row["treo_t"] or 0) / 1e6, 3))
    console.print(res)
    console.print(f"Cut-off basis: {cutoff_basis_statement(results)}", highlight=False)
    if results["uncertainty"].get("basis"):
        console.print(results["uncertainty"]["basis"], highlight=False)
    sup = Table(title="Supply security (resource at the lowest cut-off; years of demand: global proxy, Japan)",
                header_style="bold")
    for col in ("El", "oxide kt", "P10 kt", "P90 kt", "years global", "years Japan", "China control"):
        sup.add_column(col, justify="left" if col in ("El", "China control") else "right", overflow="fold")
    for row in results["supply"]["summary"]:
        kt = [None if row.get(k) is None else row[k] / 1e3 for k in ("contained_oxide_t", "p10", "p90")]
        sup.add_row(str(row["element"]), *(_fmt(v, 1) for v in kt),
                    _fmt(row.get("years_global"), 1), _fmt(row.get("years_japan"), 1),
                    str(row.get("control_status", "")))
    console.print(sup)
    totals = results["production"]["totals"]
    console.print(f"Trial production ({results['production']['preset']}): "
                  f"{_fmt(totals.get('treo_t_per_year'), 1)} t TREO per year; NPV {_fmt(totals.get('npv_usd'))} USD "
                  "(ASSUMED economics).")


def assess_command(
    project: Path | None = typer.Argument(None, help="Project file (*.duckdb). Omit (or give --demo) to run the "
                                                      "bundled SYNTHETIC demo survey."),
    demo: bool = typer.Option(False, "--demo", help="Create <out>/demo.duckdb from the seeded synthetic survey "
                                                     "(through the normal ingest path) and assess it."),
    out: Path = typer.Option(Path("assess-output"), "--out", help="Output folder for report.html, results.json "
                                                                  "and the NetCDF grids."),
    cell: float | None = typer.Option(None, "--cell", help="Block size in metres (default 250 m).", min=1.0),
    realizations: int | None = typer.Option(None, "--realizations", help="Number of conditional simulations "
                                                                         "(default 100).", min=2),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (simulation and demo survey; "
                                                         "default 20260202)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. "
                                                                   "tcp://10.0.0.5:8786 (default: a local "
                                                                   "cluster of 2 workers x 1 thread)."),
    config_file: Path | None = typer.Option(None, "--config", help="YAML file of AssessConfig parameters "
                                                                   "(options given here override it)."),
    plan_file: Path | None = typer.Option(None, "--plan", help="YAML estimation plan (reymud.spatial.plan); "
                                                               "its choices override --config's. Default: the plan "
                                                               "the project stores (`reymud plan show`; the demo "
                                                               "project stores reymud.demo.demo_plan), else the "
                                                               "defaults."),
    area: str | None = typer.Option(None, "--area", help="Area of interest: minlon,minlat,maxlon,maxlat or a "
                                                         "GeoJSON polygon file (default: the cores' convex hull "
                                                         "plus the margin)."),
    demo_cores: int = typer.Option(50, "--demo-cores", help="Number of cores in the demo survey (count: regional "
                                                            "grid + infill cluster, reymud.demo.DemoConfig).", min=3),
) -> None:
    """Run the whole assessment and write an offline HTML report, results.json and NetCDF grids."""
    from reymud.assess import assess
    from reymud.report import write_report

    console = make_console()
    try:
        options = {"cell_m": cell, "n_realizations": realizations, "seed": seed, "scheduler": scheduler,
                   "area": area}
        if demo or project is None:
            console.print("[bold red]SYNTHETIC DEMO DATA - not real measurements[/bold red]")
            project = _demo(out, _config(None, config_file, plan_file, **options).seed, demo_cores, console)
        elif not project.exists():
            raise FileNotFoundError(f"project {project} does not exist (create it with `reymud init` and "
                                    "`reymud ingest`, or use --demo)")
        cfg = _config(project, config_file, plan_file, **options)
        console.print(cfg.plan().describe(cfg.plan_source), highlight=False)
        with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} stages"), TimeElapsedColumn(),
                      console=console, transient=False) as bar:
            task = bar.add_task("starting", total=1)

            def progress(label: str, done: int, total: int) -> None:
                bar.update(task, description=label, completed=done, total=total)

            result = assess(project, out, cfg, progress=progress)
            bar.update(task, description="report")
            result.paths["report"] = write_report(result, out / "report.html", max_cells=cfg.max_display_cells)
    except (ValueError, FileNotFoundError, FileExistsError, KeyError, OSError, RuntimeError) as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    _print_tables(console, result.results)
    for w in result.results["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {w}")
    console.print(f"Report: [bold]{result.paths['report']}[/bold]  results: {result.paths['results']}  "
                  f"grids: {result.paths['block_model']}, {result.paths['exceedance']}")


def register(app: typer.Typer) -> None:
    """Add the ``assess`` command to the app."""
    app.command("assess")(assess_command)
