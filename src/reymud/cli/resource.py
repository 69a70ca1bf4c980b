"""CLI commands of the resource group: ``reymud resource`` (incl. ``--simple``)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.table import Table

from reymud.cli._common import console, fail, parse_numbers, print_json, resolve_record_path
from reymud.formatting import format_number

LABELS = {"measured": "Measured", "indicated": "Indicated", "measured+indicated": "M+I",
          "inferred": "Inferred", "measured+indicated+inferred": "M+I+Inf", "unclassified": "unclassif."}


BY_HELP = "Cut-off variable: total_rey (ppm total REY), treo (ppm total rare-earth oxide) or value (USD per dry t)."


def _entry_path(entry, base: Path) -> Path:
    if isinstance(entry, dict):
        entry = entry.get("path") or entry.get("file") or entry.get("netcdf") or entry.get("zarr")
    if not entry:
        raise ValueError("the grid record has no 'path'")
    return resolve_record_path(str(entry), base)


def _load_entry(project, name: str, project_path: Path):
    try:
        return project.load_json("grid", name)
    except (KeyError, FileNotFoundError, LookupError) as exc:
        fail(f"no grid named {name!r} in {project_path} ({exc}); see `reymud estimate`")


def _is_block_model(entry) -> bool:
    kind = str(entry.get("kind", "block_model")) if isinstance(entry, dict) else "block_model"
    return kind.startswith("block_model")


def _latest_grid_name(project, kind: str | None = None) -> str | None:
    """Latest saved block-model grid: the newest 2-D one, else the newest 3-D one; with ``kind``
    (``block_model_2d`` or ``block_model_3d``) the newest of that kind only.

    Realisation grids (``kind: realizations``) are skipped.
    """
    entries = [(name, project.load_json("grid", name)) for name in project.list_json("grid", newest_first=True)]
    models = [(name, entry) for name, entry in entries if _is_block_model(entry)]
    for name, entry in models:
        entry_kind = entry.get("kind", "block_model_2d") if isinstance(entry, dict) else "block_model_2d"
        if entry_kind == (kind or "block_model_2d"):
            return name
    return models[0][0] if models and kind is None else None


def _grid_path(project_path: Path, grid: str | None, kind: str | None = None) -> Path:
    """Path of the block model: ``--grid`` name registered in the project, or the latest one (of ``kind``)."""
    if not project_path.exists():
        fail(f"project {project_path} does not exist; create one with `reymud init` or `reymud assess --demo`")
    from reymud.store import Project

    try:
        project = Project.open(project_path)
    except Exception as exc:  # the store's own error names the file and the fix
        fail(str(exc))
    with project:
        name = grid or _latest_grid_name(project, kind)
        if grid is not None and not _is_block_model(_load_entry(project, grid, project_path)):
            fail(f"grid {grid!r} is not a block model (e.g. realisations); pick one from `reymud estimate`", 2)
        base = Path(project.artifact_dir)
        if name is None and kind == "block_model_3d":
            fail(f"--cutoff-basis slice needs a 3-D block model and {project_path} has none; run "
                 f"`reymud estimate {project_path} --slices 1` (slices of the SMU thickness) first", 2)
        if name is None:
            fallback = base / "block_model_2d.nc"
            if fallback.exists():
                return fallback
            fail(f"project {project_path} has no grid yet; run `reymud estimate {project_path}` first")
        return _entry_path(_load_entry(project, name, project_path), base)


def _open_dataset(path: Path):
    import xarray as xr

    if not path.exists():
        fail(f"block model file {path} does not exist; re-run `reymud estimate`")
    if path.suffix == ".zarr" or path.is_dir():
        return xr.open_zarr(path).load()
    with xr.open_dataset(path) as ds:
        return ds.load()


def _fmt(value: float, digits: int = 0) -> str:
    """A table cell: the report's number format (one for the package) with ``digits`` decimals."""
    return format_number(float(value), digits)


def _render_simple(values: tuple[float, float, float, float], oxide_factor: float | None,
                   as_json: bool = False) -> None:
    from reymud.resource import slab_tonnage

    area, thickness, grade, density = values
    res = slab_tonnage(area, thickness, grade, density, oxide_factor=oxide_factor)
    if as_json:
        import json

        inputs = {"area_km2": area, "thickness_m": thickness, "grade_ppm": grade, "density_t_m3": density}
        typer.echo(json.dumps({"inputs": inputs, "slab": dict(res),
                               "method": "Takaya et al. 2018: one mean grade over a slab; no classification, "
                                         "no uncertainty"}, default=str))
        return
    out = console()
    table = Table(title="Slab tonnage (area x thickness x dry bulk density x grade x oxide factor)")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    rows = [
        ("area", f"{area:,.3f} km2 = {res['area_m2']:,.0f}", "m2"),
        ("thickness", f"{thickness:g}", "m"),
        ("volume", _fmt(res["volume_m3"]), "m3"),
        ("dry bulk density", f"{density:g}", "t/m3 (== g/cm3)"),
        ("dry tonnes", _fmt(res["dry_t"]), "t"),
        ("grade (total REY)", f"{grade:g}", "ppm (g/t)"),
        ("contained REY", _fmt(res["contained_rey_t"]), "t"),
        ("oxide factor", f"{res['oxide_factor']:.4f}", f"REO/REY ({res['oxide_factor_basis']})"),
        ("contained REO", f"{_fmt(res['contained_reo_t'])} ({res['contained_reo_mt']:.2f} Mt)", "t"),
    ]
    for row in rows:
        table.add_row(*row)
    out.print(table)
    out.print("Method of Takaya et al. 2018: one mean grade over a slab; no classification, no uncertainty.")


def _render_statement(frame, cfg_table, notes, density_source, synthetic) -> None:
    out = console()
    big = len(frame) and float(frame["treo_t"].max()) >= 1e5
    unit, scale = ("kt", 1e-3) if big else ("t", 1.0)
    by = frame["by"].iloc[0] if len(frame) else ""
    table = Table(title=f"Resource by cut-off ({by} >= cut-off; area km2, dry Mt, oxides in {unit})",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    extra = {"treo_ppm": "TREO ppm", "value_usd_t": "USD/t"}.get(by)
    columns = ["cutoff", "class", "km2", "dry Mt", "REY ppm"] + ([extra] if extra else []) + \
        ["TREO", "Nd2O3", "Dy2O3", "Tb4O7"]
    for col in columns:
        table.add_column(col, justify="left" if col == "class" else "right", no_wrap=True, min_width=len(col))
    for _, row in frame.iterrows():
        style = "bold" if row["row_type"] == "cumulative" else ("dim" if row["row_type"] == "not a resource" else None)
        table.add_row(
            f"{row['cutoff']:g}", LABELS.get(row["class"], row["class"]), _fmt(row["area_km2"], 2),
            _fmt(row["dry_t"] / 1e6, 2), _fmt(row["total_rey_ppm"]), *([_fmt(row[by])] if extra else []),
            _fmt(row["treo_t"] * scale),
            *(_fmt(row.get(f"{el}_oxide_t", float("nan")) * scale) for el in ("Nd", "Dy", "Tb")),
            style=style,
        )
    out.print(table)
    if str(synthetic).lower() == "true":
        out.print("[bold yellow]SYNTHETIC DATA: this block model comes from synthetic demo data.[/]")
    out.print(f"Density: {density_source}")
    for note in notes:
        out.print(f"[yellow]note:[/] {note}")
    assumptions = Table(title="Stated assumptions (judgement defaults, overridable)", box=box.SIMPLE_HEAD,
                        pad_edge=False)
    assumptions.add_column("assumption", no_wrap=True)
    assumptions.add_column("basis", overflow="fold")
    seen: set[str] = set()
    for _, row in cfg_table.iterrows():
        unit_text = "" if row["unit"] == "-" else f" {row['unit']}"
        basis = "" if row["basis"] in seen else row["basis"]
        seen.add(row["basis"])
        assumptions.add_row(f"{row['parameter']} = {row['value']}{unit_text}", basis)
    out.print(assumptions)


def resource(
    project: Path | None = typer.Argument(None, help="Project file (*.duckdb). Not needed with --simple or --grid PATH."),
    cutoff: str | None = typer.Option(None, "--cutoff", help="Cut-offs, comma-separated, in the units of --by (ppm, or USD/t for value); default 400,1000,2000."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP + " Default total_rey."),
    density: float | None = typer.Option(None, "--density", help="Dry bulk density in t/m3 (== g/cm3) where the data carry none; default 0.55 (stated assumption)."),
    grid: str | None = typer.Option(None, "--grid", help="Grid name registered in the project (default: the latest 2-D block model, else the latest 3-D), or a path to a NetCDF/Zarr block model."),
    rules: Path | None = typer.Option(None, "--rules", help="YAML file of classification rules (range fractions, distances in m, core counts, slope), or a full config with density_t_m3 (t/m3), cutoffs and a classification: section. Command-line options win."),
    range_m: float | None = typer.Option(None, "--range-m", help="Variogram range in m used by the classification (default: from the block model)."),
    out: Path | None = typer.Option(None, "--out", help="Also write the resource table to this CSV file (tonnes, ppm, km2, m3)."),
    simple: tuple[float, float, float, float] | None = typer.Option(
        None, "--simple", help="AREA_KM2 THICKNESS_M GRADE_PPM DENSITY_T_M3: transparent slab tonnage; no project needed."),
    oxide_factor: float | None = typer.Option(None, "--oxide-factor", help="Mean REO/REY mass ratio for --simple (default 1.204 from the PAAS REY pattern; Takaya's check uses 1.2)."),
    plan_file: Path | None = typer.Option(None, "--plan", help="YAML estimation plan (reymud.spatial.plan): its cutoffs_ppm, cutoff_basis and smu_thickness_m (m) apply; options given here override it."),
    cutoff_basis: str | None = typer.Option(None, "--cutoff-basis", help="Where the cut-off applies: column (the 2-D model: window-average grade of each block column) or slice (the 3-D model: each selective mining unit of smu_thickness_m, default 1 m, from `reymud estimate --slices`). Default: the plan's, else column (or the --grid model's own)."),
    as_json: bool = typer.Option(False, "--json", help="Print the resource table, the stated assumptions, the notes "
                                                       "and the plan as one JSON object on stdout, for scripts."),
) -> None:
    """Resource table by class and cut-off (area km2, dry t, grades ppm, contained oxide t), or --simple slab tonnage."""
    if simple is not None:
        try:
            _render_simple(simple, oxide_factor, as_json)
        except ValueError as exc:
            fail(str(exc), 2)
        return
    import dataclasses

    from reymud.cli.spatial import resolve_cli_plan
    from reymud.resource import ResourceConfig, resource_table
    from reymud.resource.basis import BasisError, statement_blocks
    from reymud.resource.index import resolve_by

    if cutoff_basis is not None and cutoff_basis not in ("column", "slice"):
        fail(f"--cutoff-basis {cutoff_basis!r}: use column or slice", 2)
    # one plan resolution (reymud.spatial.plan.resolve_plan): --plan FILE, else the project's plan, else the
    # defaults; the defaults alone keep the grid's own basis (latest 2-D model, else the latest 3-D one)
    project_arg = (project if project is not None and Path(project).exists()  # a missing one: _grid_path says so
                   and not (grid is not None and Path(grid).exists()) else None)
    plan, source = resolve_cli_plan(project_arg, plan_file, cutoff_basis=cutoff_basis)
    if source == "defaults" and not cutoff_basis:
        plan = None
    # where the cut-off applies: --cutoff-basis / --plan FILE, else an explicit --grid's own kind, else the plan's
    basis_plan = plan if plan_file is not None or cutoff_basis or grid is None else None
    try:
        config = ResourceConfig.from_yaml(rules) if rules else ResourceConfig()
        changes = {}
        if plan is not None:
            changes["cutoffs"] = tuple(plan.cutoffs_ppm)
        if cutoff is not None:
            changes["cutoffs"] = tuple(parse_numbers(cutoff, "--cutoff", "400,1000,2000"))
        if by is not None:
            changes["cutoff_variable"] = resolve_by(by)
        if density is not None:
            changes.update(density_t_m3=density, density_source="given")
        if range_m is not None:
            changes["rules"] = dataclasses.replace(config.rules, range_m=range_m)
        config = dataclasses.replace(config, **changes)
    except (ValueError, FileNotFoundError, TypeError) as exc:
        fail(str(exc), 2)
    rule_set, by_col, cutoffs = config.rules, config.cutoff_variable, list(config.cutoffs)
    # one density resolution (resource.config.DensitySpec): --density or a density in the config file is
    # "given" even when it equals the default; None keeps the stated default (and says so)
    user_density = config.density.blocks_density
    kind = (None if basis_plan is None or grid is not None
            else f"block_model_{'3d' if basis_plan.cutoff_basis == 'slice' else '2d'}")
    if grid is not None and Path(grid).exists():
        path = Path(grid)
    elif project is None:
        fail("give a PROJECT (or --grid PATH to a block model file), or use --simple AREA_KM2 THICKNESS_M GRADE_PPM DENSITY", 2)
    else:
        path = _grid_path(project, grid, kind)
    ds = _open_dataset(path)
    three_d = "depth_mbsf" in ds.dims
    if basis_plan is not None and (basis_plan.cutoff_basis == "slice") != three_d:
        fail(f"{path} is a {'3-D' if three_d else '2-D'} block model but the cut-off basis is "
             f"{basis_plan.cutoff_basis} (plan: {source}); "
             f"use a {'2-D' if three_d else '3-D'} model (--grid) or --cutoff-basis {'slice' if three_d else 'column'}",
             2)
    try:
        made = statement_blocks(ds, rule_set, user_density,
                                basis_plan.smu_thickness_m if three_d and basis_plan is not None else None)
        table = resource_table(made.blocks, cutoffs, by=by_col)
    except BasisError as exc:
        fail(f"{path}: {exc}", 2)
    except ValueError as exc:
        fail(f"{path}: {exc}")
    ds, classes, notes = made.model, made.classes, list(made.notes)
    basis = made.basis.label  # the CSV and the JSON state where the cut-off applied
    if out is not None:
        table.assign(cutoff_basis=basis).to_csv(out, index=False)
    if classes is not None:
        config = dataclasses.replace(config, rules=dataclasses.replace(rule_set, range_m=classes.attrs["range_m"]))
    all_notes = [n for n in notes + table.attrs.get("notes", []) if not n.startswith("blocks not classified")]
    if as_json:
        import json

        print_json({"resource": table.assign(cutoff_basis=basis), "assumptions": config.describe()},
                   block_model=str(path), plan_source=source, cutoff_basis=basis,
                   cutoff_basis_statement=made.basis.statement,
                   density_source=table.attrs.get("density_source", ""), notes=all_notes,
                   synthetic=str(ds.attrs.get("synthetic", "unknown")).lower() == "true",
                   plan=json.loads(ds.attrs["plan"]) if "plan" in ds.attrs else None)
        return
    _render_statement(table, config.describe(), all_notes, table.attrs.get("density_source", ""),
                      ds.attrs.get("synthetic", "unknown"))
    console().print(f"Block model: {path}")
    console().print(f"Plan source: {source}" + ("" if basis_plan is not None else
                                                 " (cut-off basis: the block model's)"), highlight=False)
    _print_plan(ds)


def _print_plan(ds) -> None:
    """The estimation plan the block model was made with, and where the cut-off applies."""
    import json

    from reymud.spatial.plan import EstimationPlan, PlanError

    if "area_of_interest" in ds.attrs:
        console().print(str(ds.attrs["area_of_interest"]), highlight=False)
    if "depth_mbsf" in ds.dims:
        merged = (f", merged from {float(ds.attrs['merged_from_slice_m']):g} m slices"
                  if "merged_from_slice_m" in ds.attrs else "")
        basis = (f"cut-off applied per {float(ds.attrs.get('slice_thickness_m', float('nan'))):g} m slice "
                 f"(3-D model){merged}: each slice is a selective mining unit")
    else:
        basis = "cut-off applied per column (window average grade, 2-D model)"
    console().print(basis, highlight=False)
    if "plan" not in ds.attrs:
        return
    try:
        plan = EstimationPlan.from_dict(json.loads(ds.attrs["plan"]), source="block model attrs['plan']")
    except (ValueError, PlanError) as exc:
        console().print(f"[yellow]note:[/] the stored plan cannot be read ({exc})")
        return
    console().print("Estimation plan of the block model:\n" + plan.describe(ds.attrs.get("plan_source")),
                    highlight=False)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("resource")(resource)
