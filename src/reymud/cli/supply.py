"""CLI commands of the supply group: supply, production, scenario, reference show|export.

Thin: parse options, call :mod:`reymud.supply`, render with rich. Errors print one clean line
(no traceback) and exit with code 1 (bad input) or 2 (missing file/frame).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import Progress

from reymud.cli._common import console, fail, frame_table, records

_console = Console(width=200)


def _load_frame(project: Path, name: str) -> pd.DataFrame:
    from reymud.store import Project, StoreError

    try:
        with Project.open(project) as proj:
            return proj.load_frame(name)
    except StoreError as exc:
        fail(str(exc), 2)
    except KeyError:
        hint = "run `reymud assess` (or the resource stage) first" if name != "element_resource" else \
            "run `reymud assess` first, or pass --resource FILE with element,contained_oxide_t"
        fail(f"{project}: no saved frame {name!r}; {hint}", 2)
    raise AssertionError  # pragma: no cover


def _reference(overrides: Path | None):
    from reymud.supply import load_reference

    return load_reference(overrides)


def _notes(lines: list[str]) -> None:
    for line in lines:
        if line:
            _console.print(f"[dim]- {line}[/]", highlight=False, soft_wrap=True)


def supply(
    project: Path | None = typer.Argument(None, help="Project file (*.duckdb) holding the saved 'element_resource' frame."),
    resource: Path | None = typer.Option(None, "--resource", help="CSV/YAML of element,contained_oxide_t (t oxide) instead of a project."),
    date: str = typer.Option("2026-11-24", "--date", help="Date (YYYY-MM-DD) of the export-control status."),
    price_year: str = typer.Option("2025e", "--price-year", help="USGS price year for value (USD/kg oxide): 2021..2024, 2025e."),
    production_year: str = typer.Option("2025e", "--production-year", help="USGS mine-production year (t REO): 2023, 2024, 2025e."),
    overrides: Path | None = typer.Option(None, "--overrides", help="YAML/CSV of reference overrides (demand t/yr, prices USD/kg, WGI 0-10...)."),
    scenario_file: Path | None = typer.Option(None, "--scenario", help="Also run this scenario YAML (t REO per month)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full per-element table and notes as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Write the full per-element table to this CSV."),
) -> None:
    """Per-element supply security: resource, China shares (mining, separation, Japan's supply), HHI,
    EU SR and Japan GeoPolRisk from WGI 2024-update scores (or 'not computed' / bounded, with the reason
    and every input's source), controls, years (Japan: sector-basis demand and its sensitivity), value."""
    from reymud.supply import OverrideError, read_resource, supply_table
    from reymud.supply.coverage import japan_split_sensitivity

    if project is None and resource is None:
        fail("give a PROJECT or --resource FILE (CSV/YAML with element,contained_oxide_t)", 2)
    try:
        res = read_resource(resource) if resource is not None else _load_frame(project, "element_resource")
        ref = _reference(overrides)
        table = supply_table(res, ref, on=date, price_year=price_year, production_year=production_year)
        sens = japan_split_sensitivity(res, ref.series("japan_demand_t"),
                                       alternative_t=ref.series("japan_demand_world_mix_t"))
    except (OverrideError, ValueError, FileNotFoundError) as exc:
        fail(str(exc), 1)
    notes = [*table.attrs.get("notes", []), *sens.attrs["notes"]]
    if out is not None:
        table.to_csv(out, index=False)
    if as_json:
        typer.echo(json.dumps({"rows": records(table), "japan_split_sensitivity": records(sens),
                               "notes": notes}))
        return
    cols = ["element", "contained_oxide_t", "p10", "p50", "p90", "china_mining_share_pct",
            "china_separation_share_pct", "china_share_of_japan_supply_pct", "hhi", "control_status",
            "years_global", "years_japan", "value_usd"]
    _console.print(frame_table(table, f"Supply security per element (controls on {date}, prices {price_year})", cols))
    eu_cols = ["element", "eu_sr", "eu_import_reliance", "eu_eol_rir", "eu_substitution_index",
               "geopolrisk_japan", "geopolrisk_japan_low", "geopolrisk_japan_high"]
    _console.print(frame_table(table, "EU 2017 supply risk and Japan GeoPolRisk (NaN = not computed or only "
                               "bounded: see the statuses and sources below)", eu_cols))
    _console.print(frame_table(sens, "Years of Japanese demand: sensitivity to the per-element split (ASSUMPTION)"))
    _notes(notes)
    if scenario_file is not None:
        scenario(scenario_file, project=None, draws=0, seed=0, overrides=overrides, pooled=False,
                 as_json=False, out=None)
    if out is not None:
        _console.print(f"wrote {out}")


def production(
    project: Path = typer.Argument(..., help="Project file (*.duckdb) holding the saved 'blocks' frame."),
    preset_name: str = typer.Option("trial", "--preset", help="Named case: trial (350 t/day SIP) or commercial (ASSUMPTION)."),
    rate: float | None = typer.Option(None, "--rate", help="Lifting rate, t of mud per day [preset: trial 350 (SIP), commercial 10,000 ASSUMPTION]."),
    days: float | None = typer.Option(None, "--days", help="Operating days per year [300, ASSUMPTION; or set by --availability/--weather-days]."),
    basis: str | None = typer.Option(None, "--basis", help="Rate basis: wet (with --water) or dry t/day [wet]."),
    water: float | None = typer.Option(None, "--water", help="Water content of lifted mud, mass fraction of wet mud (0-1) [0.58, DERIVED 1 - 0.55/1.32]."),
    order: str | None = typer.Option(None, "--order", help="Block order: richest (default), shallowest, value or nearest (nearest-neighbour path)."),
    start: str | None = typer.Option(None, "--start", help="Start point 'easting,northing' of --order nearest (default: the richest block)."),
    depth: float = typer.Option(5700.0, "--depth", help="Water depth of the lift, m (5,700: midpoint of 5,600-5,800 m)."),
    pipe: float = typer.Option(0.25, "--pipe-diameter", help="Riser inner diameter, m (ASSUMPTION 0.25)."),
    solids: float = typer.Option(0.10, "--solids", help="Slurry solids volume fraction in the riser (ASSUMPTION 0.10)."),
    availability: float | None = typer.Option(None, "--availability", help="Availability 0-1 (ASSUMPTION 0.85); with --weather-days sets operating days unless --days."),
    weather_days: float | None = typer.Option(None, "--weather-days", help="Weather days lost per year (ASSUMPTION 30)."),
    as_json: bool = typer.Option(False, "--json", help="Print schedule, economics, parameters and lifting as JSON."),
    mass_pull: float | None = typer.Option(None, "--mass-pull", help="Hydrocyclone mass pull, dry fraction (0-1) [0.30, ASSUMPTION]."),
    upgrade: float | None = typer.Option(None, "--upgrade", help="Hydrocyclone grade upgrade factor (x; 2.6 UNVERIFIED default)."),
    leach: float | None = typer.Option(None, "--leach", help="Leach recovery, fraction (0-1), all elements [0.80, ASSUMPTION]."),
    separation: float | None = typer.Option(None, "--separation", help="Separation recovery, fraction (0-1) [0.95, ASSUMPTION]."),
    price_year: str | None = typer.Option(None, "--price-year", help="USGS price year (USD/kg oxide): 2021..2024, 2025e [2025e]."),
    capex: float | None = typer.Option(None, "--capex", help="Capital cost, USD (year 0) [trial 500e6, commercial 2e9; ASSUMPTIONS]."),
    opex: float | None = typer.Option(None, "--opex", help="Operating cost, USD per dry t lifted [trial 300, commercial 150; ASSUMPTIONS]."),
    discount: float | None = typer.Option(None, "--discount", help="Discount rate per year, fraction [0.08, ASSUMPTION]."),
    years: int | None = typer.Option(None, "--years", help="Schedule horizon, years [trial 20, commercial 25; ASSUMPTIONS]."),
    draws: int = typer.Option(10_000, "--draws", help="Monte Carlo draws (0 = none)."),
    seed: int = typer.Option(20260202, "--seed", help="Random seed of the Monte Carlo."),
    overrides: Path | None = typer.Option(None, "--overrides", help="YAML/CSV of reference overrides (prices USD/kg ...)."),
    out: Path | None = typer.Option(None, "--out", help="Write the annual schedule to this CSV."),
) -> None:
    """Lifting-to-oxide production schedule, economics (NPV, IRR, break-even), Monte Carlo and tornado."""
    from reymud.supply import (
        OverrideError,
        economics,
        enduse_equivalents,
        monte_carlo,
        preset,
        production_schedule,
        tornado,
    )
    from reymud.supply.lifting import LiftingConfig, lifting_parameters, lifting_summary, operating_days
    from reymud.supply.production import process_parameters

    blocks = _load_frame(project, "blocks")
    start_e = start_n = None
    if start is not None:
        try:
            start_e, start_n = (float(v) for v in start.split(","))
        except ValueError:
            fail(f"--start {start!r}: give 'easting,northing' in the blocks' CRS, e.g. 500000,2600000", 2)
    try:
        lift = LiftingConfig(water_depth_m=depth, pipe_inner_diameter_m=pipe, solids_volume_fraction=solids)
        lift = lift.replace(availability=availability, weather_days_per_year=weather_days)
        if days is None and (availability is not None or weather_days is not None):
            days = operating_days(lift)
        config = preset(preset_name, start_easting=start_e, start_northing=start_n, lifting_rate_t_per_day=rate, operating_days_per_year=days,
                        lifting_basis=basis, water_content_wet_fraction=water, block_order=order,
                        mass_pull_fraction=mass_pull, grade_upgrade_factor=upgrade, leach_recovery=leach,
                        separation_recovery=separation, price_year=price_year, capex_usd=capex,
                        opex_usd_per_t_lifted=opex, discount_rate=discount, max_years=years)
        ref = _reference(overrides)
        with Progress(console=console(stderr=True), transient=True) as bar:
            task = bar.add_task("production model", total=3)
            sched = production_schedule(blocks, config, ref)
            econ = economics(sched, config)
            bar.advance(task)
            mc = monte_carlo(blocks, config, draws, seed, reference=ref) if draws > 0 else None
            bar.advance(task)
            torn = tornado(blocks, config, reference=ref)
            bar.advance(task)
        lifted = lifting_summary(config.lifting_rate_t_per_day * config.dry_fraction, lift)
    except (OverrideError, ValueError) as exc:
        fail(str(exc), 1)
    params = process_parameters(config)
    lift_params = lifting_parameters(lift)
    if out is not None:
        sched.to_csv(out, index=False)
    if as_json:
        typer.echo(json.dumps({
            "schedule": records(sched), "economics": json.loads(pd.Series(econ).to_json()),
            "process_parameters": records(params), "lifting_parameters": records(lift_params),
            "lifting": lifted, "tornado": records(torn),
            "monte_carlo": records(mc) if mc is not None else None,
            "basis": f"mud_lifted_dry_t = {config.lifting_basis} rate x dry fraction {config.dry_fraction:.3f}"}))
        return
    els = [c for c in sched.columns if c.endswith("_oxide_t")]
    cols = ["year", "mud_lifted_dry_t", "blocks_mined", "head_total_rey_ppm", *[c for c in els
            if c[:2] in ("Nd", "Pr", "Dy", "Tb", "Y_")], "treo_t", "revenue_usd"]
    _console.print(frame_table(sched, f"Production schedule: {config.name} ({config.block_order}-first, "
                                 f"{config.annual_dry_t:,.0f} dry t/yr)", cols))
    _console.print(frame_table(params, "Process parameters (value, unit, source or ASSUMPTION)"))
    _console.print(frame_table(lift_params, "Lifting parameters (value, unit, source or ASSUMPTION)"))
    _console.print(frame_table(pd.DataFrame([lifted]), f"Lifting from {lift.water_depth_m:,.0f} m "
                               f"({config.lifting_rate_t_per_day:,.0f} {config.lifting_basis} t/day = "
                               f"{lifted['dry_t_per_day']:,.1f} dry t/day)"))
    e = pd.DataFrame([{k: v for k, v in econ.items() if k != "unpriced_elements"}])
    _console.print(frame_table(e, "Economics (all cost inputs are ASSUMPTIONS unless you set them)"))
    _notes([f"break-even opex: {econ['break_even_opex_note']}"])
    if mc is not None:
        q = mc[["npv_usd", "treo_t_year1", "mean_annual_treo_t"]].quantile([0.1, 0.5, 0.9]).T
        q.columns = ["P10", "P50", "P90"]
        _console.print(frame_table(q.reset_index(names="output"), f"Monte Carlo ({draws:,} draws, seed {seed})"))
    _console.print(frame_table(torn, "Tornado on NPV (USD): one input at a time at P10 / P90"))
    mean_oxide = sched[els].mean().rename(lambda c: c.removesuffix("_oxide_t"))
    uses = enduse_equivalents(mean_oxide)
    _console.print(frame_table(uses, "End-use equivalents of the mean annual oxide output (units per year)",
                          ["application", "unit", "units_per_year", "limiting_element", "magnet_re_pct", "statuses"]))
    _notes([f"unpriced elements (no USGS price, not valued): {', '.join(econ['unpriced_elements']) or 'none'}",
            f"grade upgrade {config.grade_upgrade_factor} x is UNVERIFIED; recoveries are ASSUMPTIONS",
            "blocks exhausted within the horizon" if sched.attrs.get("exhausted") else
            f"horizon {config.max_years} years reached before all blocks were mined",
            f"wet vs dry: the rate is {config.lifting_basis}; mud_lifted_dry_t = rate x dry fraction "
            f"{config.dry_fraction:.3f} x {config.operating_days_per_year:g} days; mud_lifted_wet_t = dry / that fraction",
            "lifting energy is reported, not charged to opex (opex per dry t is one ASSUMED figure)"])
    if out is not None:
        _console.print(f"wrote {out}")


def scenario(
    file: Path = typer.Argument(..., help="Scenario YAML (or the name of a packaged example, e.g. japan_hree_cut)."),
    project: Path | None = typer.Option(None, "--project", help="Project (*.duckdb) whose 'blocks' feed deep_sea.from_production."),
    draws: int = typer.Option(0, "--draws", help="Monte Carlo draws over share cut, duration, stockpile, demand (0 = none)."),
    seed: int = typer.Option(20260202, "--seed", help="Random seed of the Monte Carlo."),
    overrides: Path | None = typer.Option(None, "--overrides", help="YAML/CSV of reference overrides (Japan demand t/yr ...)."),
    pooled: bool = typer.Option(False, "--pooled", help="Also run the pooled US-Japan case(s) (file's pooled_us section)."),
    as_json: bool = typer.Option(False, "--json", help="Print summary, monthly series and notes as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Write the monthly results (t per month) to this CSV."),
) -> None:
    """Export-restriction scenario, with and without deep-sea output side by side: unmet demand per
    element (over the restriction months), monthly shortfall, and months covered (defined in the notes)."""
    from reymud.supply import OverrideError, ScenarioError, load_scenario, run_scenario, scenario_monte_carlo
    from reymud.supply.scenarios import side_by_side

    try:
        cfg = load_scenario(file)
        blocks = _load_frame(project, "blocks") if project is not None else None
        ref = _reference(overrides)
        result = run_scenario(cfg, ref, blocks, pooled=pooled)
        mc = scenario_monte_carlo(cfg, draws, seed, reference=ref, blocks=blocks) if draws > 0 else None
    except (ScenarioError, OverrideError, ValueError) as exc:
        fail(str(exc), 1)
    if out is not None:
        result.monthly.to_csv(out, index=False)
    if as_json:
        typer.echo(json.dumps({"name": cfg.name, "summary": records(result.summary),
                               "monthly": records(result.monthly),
                               "monte_carlo": records(mc) if mc is not None else None,
                               "notes": list(result.notes)}))
        return
    cols = ["case", "element", "demand_t_per_yr", "china_share", "restricted", "stockpile_t", "months_covered",
            "covered_throughout", "first_unmet_date", "total_unmet_t", "unmet_share_pct"]
    _console.print(frame_table(result.summary, f"Scenario: {cfg.name} ({cfg.months} months from {cfg.start})", cols))
    for column, title in (("months_covered_text", "months covered"),
                          ("mean_monthly_shortfall_in_cut_t", "mean monthly shortfall during the restriction, t REO/month"),
                          ("peak_monthly_unmet_t", "peak monthly unmet demand, t REO/month"),
                          ("unmet_share_pct", "unmet share of demand over the restriction months, %")):
        _console.print(frame_table(side_by_side(result, column), f"Cases side by side: {title}"))
    if mc is not None:
        _console.print(frame_table(mc, f"Scenario Monte Carlo ({draws:,} draws)"))
    _notes(result.notes)
    if out is not None:
        _console.print(f"wrote {out}")


reference_app = typer.Typer(help="Reference data in force (packaged tables, assumptions and your overrides).",
                            no_args_is_help=True)


@reference_app.command("show")
def reference_show(
    overrides: Path | None = typer.Option(None, "--overrides", help="YAML/CSV of overrides to apply."),
    item: str | None = typer.Option(None, "--item", help="Show only this item (e.g. japan_demand_t)."),
) -> None:
    """List every table and value in force and where it came from."""
    from reymud.supply import OverrideError, reference_in_force

    try:
        frame = reference_in_force(overrides)
    except OverrideError as exc:
        fail(str(exc), 1)
    if item:
        frame = frame[frame["item"] == item]
    _console.print(frame_table(frame[frame["kind"] == "table"], "Tables in force",
                          ["item", "edition", "year", "value", "origin", "source"]))
    _console.print(frame_table(frame[frame["kind"] == "value"], "Values in force", ["item", "key", "value", "unit", "origin"]))


@reference_app.command("export")
def reference_export(
    out: Path = typer.Option(Path("reference_in_force"), "--out", help="Folder to write the tables and values (CSV)."),
    overrides: Path | None = typer.Option(None, "--overrides", help="YAML/CSV of overrides to apply."),
) -> None:
    """Write every table in force and a values_in_force.csv (with origins) to a folder."""
    from reymud.supply import OverrideError, load_reference, reference_in_force

    try:
        ref = load_reference(overrides)
    except OverrideError as exc:
        fail(str(exc), 1)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in ref.tables.items():
        path = out / f"{name}.csv"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(f"# source: {frame.attrs.get('source', '')} [origin: {frame.attrs.get('origin', '')}]\n")
            frame.to_csv(fh, index=False)
    reference_in_force(ref).to_csv(out / "values_in_force.csv", index=False)
    _console.print(f"wrote {len(ref.tables) + 1} files to {out}")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("supply")(supply)
    app.command("production")(production)
    app.command("scenario")(scenario)
    app.add_typer(reference_app, name="reference")
