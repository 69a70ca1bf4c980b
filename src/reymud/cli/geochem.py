"""CLI commands of the geochem group: ``demo-data``, ``samples``, ``cores``.

Thin: parse, call :mod:`reymud.demo`, :mod:`reymud.geochem`, :mod:`reymud.cores`, render with rich.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from reymud.cli._common import (
    JsonFlag,
    console,
    fail,
    open_project,
    parse_window,
    print_json,
    synthetic_banner,
)
from reymud.formatting import format_number


def _num(value: object, digits: int = 1) -> str:
    """A table cell: the report's number format (one for the package) with ``digits`` decimals."""
    return format_number(value, digits)


def demo_data(
    directory: Annotated[Path, typer.Argument(help="Folder to write the SYNTHETIC_*.csv files into (created).")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives identical files.")] = 20260202,
    cores: Annotated[int, typer.Option(help="Number of piston cores (sites) to generate: a regional grid plus "
                                            "an infill cluster (reymud.demo.DemoConfig).")] = 50,
) -> None:
    """Write the SYNTHETIC demo survey (collars, assays with QA/QC rows, CRM values) as lab-style CSV files.

    Positions in degrees WGS84, water depth in m, depths in mbsf, REY in ppm, majors in wt %.
    """
    from reymud.demo import write_demo_survey

    try:
        files = write_demo_survey(directory, seed=seed, n_cores=cores)
    except (ValueError, OSError) as exc:
        fail(str(exc))
    table = Table(title=f"SYNTHETIC demo survey (seed={seed}, {cores} cores)")
    table.add_column("file")
    table.add_column("path")
    for name in ("collars", "assays", "crm_values", "metadata", "plan"):
        table.add_row(name, str(getattr(files, name)))
    console().print(table)
    console().print(f"Load them with: reymud ingest PROJECT {files.assays} --collars {files.collars}")


def samples(
    project: Annotated[Path, typer.Argument(help="Project file (*.duckdb).")],
    reference: Annotated[str, typer.Option(
        help="Reference composition for Ce/Ce* and Eu/Eu* (e.g. PAAS_TaylorMcLennan1985, CI_McDonoughSun1995)."
    )] = "PAAS_TaylorMcLennan1985",
    limit: Annotated[int, typer.Option(help="Rows to show (0 = all).")] = 30,
    censored: Annotated[str, typer.Option(
        help="Below-detection values: half_limit | limit | zero | nan (ppm substituted)."
    )] = "half_limit",
    as_json: JsonFlag = False,
) -> None:
    """Per-sample geochemistry: total REY (ppm), class, Ce/Ce*, Eu/Eu*, Y/Ho (mass ratio)."""
    from reymud.geochem import GeochemConfig, summarise

    try:
        config = GeochemConfig(reference=reference)
        with open_project(project) as proj:
            synthetic = synthetic_banner(proj, stderr=as_json)
            frame = summarise(proj.samples(censored=censored), config)
    except typer.Exit:
        raise
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        fail(str(exc))
    if as_json:  # every row and column (limit applies to the printed table only)
        print_json({"samples": frame}, reference=reference, censored=censored, synthetic=synthetic,
                   notes=list(frame.attrs.get("notes", [])))
        return
    table = Table(title=f"Samples ({len(frame)}; anomalies normalised to {reference})")
    for col in ("sample", "core", "top mbsf", "bottom mbsf", "total REY ppm", "class", "Ce/Ce*", "Eu/Eu*", "Y/Ho"):
        table.add_column(col, justify="left" if col in ("sample", "core", "class") else "right")
    shown = frame if limit <= 0 else frame.head(limit)
    for row in shown.itertuples(index=False):  # rendering only the rows shown
        table.add_row(str(row.sample_id), str(row.core_id), _num(row.top_mbsf, 2), _num(row.bottom_mbsf, 2),
                      _num(row.total_rey_ppm, 0), str(row.rey_class), _num(row.ce_anomaly, 2),
                      _num(row.eu_anomaly, 2), _num(row.y_ho, 1))
    console().print(table)
    counts = frame["rey_class"].value_counts().reindex(frame["rey_class"].cat.categories, fill_value=0)
    console().print("classes: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for note in frame.attrs.get("notes", []):
        console().print(f"[dim]note: {note}[/]")


def cores_cmd(
    project: Annotated[Path, typer.Argument(help="Project file (*.duckdb).")],
    threshold: Annotated[float, typer.Option(help="REY-rich threshold, total REY in ppm.")] = 400.0,
    gap: Annotated[float, typer.Option(help="Longest unsampled gap (m) that does not split a layer.")] = 0.5,
    window: Annotated[str, typer.Option(help="Depth window TOP-BASE in mbsf for the window mean.")] = "0-10",
    plan_file: Annotated[Path | None, typer.Option("--plan", help="YAML estimation plan (else the project's "
                                                                  "stored plan): its support_rule and "
                                                                  "support_max_gap_m (m) apply.")] = None,
    support: Annotated[str | None, typer.Option(help="Sample support: midpoint (each sample stands for the interval "
                                                     "to the midpoints between its neighbours, as in the "
                                                     "estimate's window) or sample (its own length only, the old "
                                                     "rule) [plan: midpoint].")] = None,
    support_max_gap: Annotated[float | None, typer.Option(help="Longest gap (m) the midpoint support bridges "
                                                               "[plan: 1.0].")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Per-core table: position, water depth (m), REY-rich layer top/base (mbsf), thickness (m),
    mean and peak total REY (ppm), depth of the peak (mbsf), mean total REY in the window (ppm).

    Layer thickness uses the plan's sample support (default midpoint rule), like the estimate's window: the
    plan is resolved as every estimation command does (--plan, else the project's plan, else the defaults)."""
    from reymud.cli.spatial import resolve_cli_plan
    from reymud.cores import core_summary, window_stats

    top, base = parse_window(window)
    if support is not None and support not in ("midpoint", "sample"):
        fail(f"--support {support!r}: use midpoint or sample", 2)
    plan, plan_source = resolve_cli_plan(project, plan_file, support_rule=support, support_max_gap_m=support_max_gap)
    rule = plan.support()
    try:
        with open_project(project) as proj:
            synthetic = synthetic_banner(proj, stderr=as_json)
            sample_frame = proj.samples()
            collars = proj.cores()
        summary = core_summary(sample_frame, collars, threshold=threshold, max_gap_m=gap, support=rule)
        win = window_stats(sample_frame, top, base, columns=["total_rey_ppm"], support=rule,
                           cores=collars if "core_length_m" in collars.columns else None)
    except typer.Exit:
        raise
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        fail(str(exc))
    summary = summary.merge(win[["core_id", "total_rey_ppm"]].rename(columns={"total_rey_ppm": "window"}),
                            on="core_id", how="left")
    if as_json:
        print_json({"cores": summary.rename(columns={"window": "window_total_rey_ppm"})},
                   threshold_ppm=threshold, max_gap_m=gap, window_mbsf=[top, base], synthetic=synthetic,
                   plan_source=plan_source, support={"rule": rule.rule, "max_gap_m": rule.max_gap_m})
        return
    table = Table(title=f"Cores: REY-rich layers (total REY >= {threshold:g} ppm, gaps <= {gap:g} m)")
    headers = ("core", "lat °N", "lon °E", "water m", "layers", "top mbsf", "base mbsf", "thick m",
               "mean ppm", "peak ppm", "peak mbsf", f"{top:g}-{base:g} mbsf ppm")
    for h in headers:
        table.add_column(h, justify="left" if h == "core" else "right")
    for r in summary.itertuples(index=False):
        table.add_row(str(r.core_id), _num(r.latitude, 4), _num(r.longitude, 4), _num(r.water_depth_m, 0),
                      str(r.n_layers), _num(r.layer_top_mbsf, 2), _num(r.layer_base_mbsf, 2),
                      _num(r.layer_thickness_m, 2), _num(r.mean_total_rey_ppm, 0), _num(r.peak_total_rey_ppm, 0),
                      _num(r.peak_depth_mbsf, 2), _num(r.window, 0))
    console().print(table)
    console().print(f"[dim]mean of core means {top:g}-{base:g} mbsf: {_num(float(win['total_rey_ppm'].mean()), 0)} ppm; "
                  "layer top/base = first layer, thickness = all layers[/]")
    how = (f"midpoint rule (each sample to the midpoints between its neighbours, gaps up to {rule.max_gap_m:g} m)"
           if rule.rule == "midpoint" else "sample rule (each sample's own length)")
    console().print(f"[dim]sample support ({plan_source}): {how}; --support sample for the samples' own lengths[/]",
                    highlight=False)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("demo-data")(demo_data)
    app.command("samples")(samples)
    app.command("cores")(cores_cmd)
