"""Assessment stages of supply security: element resource, supply table, production, scenario."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from reymud import resource, supply
from reymud.assess.products import (
    ProductionProduct,
    ResourceProduct,
    RunContext,
    ScenarioProduct,
    SimulationProduct,
    SupplyProduct,
)
from reymud.assess.results import jsonable, records
from reymud.supply.coverage import japan_split_sensitivity

__all__ = ["stage_production", "stage_scenario", "stage_supply"]

SUPPLY_COLUMNS: tuple[str, ...] = (
    "element", "oxide", "contained_oxide_t", "p10", "p50", "p90", "china_share_pct", "china_separation_share_pct",
    "china_share_of_japan_supply_pct", "hhi", "eu_sr", "eu_sr_status", "geopolrisk_japan", "geopolrisk_japan_low",
    "geopolrisk_japan_high", "geopolrisk_status",
    "control_status", "years_global", "years_global_p10", "years_global_p90", "years_japan",
    "years_japan_p10", "years_japan_p90", "price_usd_per_kg_2025e", "value_usd",
)
SCHEDULE_COLUMNS: tuple[str, ...] = (
    "year", "mud_lifted_wet_t", "mud_lifted_dry_t", "ore_dry_t", "head_total_rey_ppm", "concentrate_dry_t",
    "Nd_oxide_t", "Dy_oxide_t", "Tb_oxide_t", "Y_oxide_t", "treo_t", "revenue_usd",
)


def status_date(ctx: RunContext) -> str:
    """ISO date of the export-control status (config or today, UTC)."""
    return ctx.config.status_date or dt.datetime.now(dt.UTC).date().isoformat()


def stage_supply(ctx: RunContext, resource_: ResourceProduct, simulation: SimulationProduct) -> SupplyProduct:
    """Element resource (the hand-off) and the per-element supply-security table."""
    element = resource.element_resource(resource_.table, simulation.uncertainty, cutoff=min(ctx.config.cutoffs_ppm))
    ref = supply.load_reference()
    table = supply.supply_table(element, ref, on=status_date(ctx))
    sens = japan_split_sensitivity(element, ref.series("japan_demand_t"),
                                   alternative_t=ref.series("japan_demand_world_mix_t"))
    shown = [c for c in SUPPLY_COLUMNS if c in table.columns]
    treo = float(element["contained_oxide_t"].sum())
    section = {
        "status_date": status_date(ctx),
        "element_resource_basis": str(element.attrs.get("basis", "")),
        "element_resource": records(element),
        "total_contained_oxide_t": treo,
        "summary": records(table[shown]),
        "japan_split_sensitivity": records(sens),
        "notes": [str(n) for n in (*table.attrs.get("notes", []), *sens.attrs.get("notes", []))],
    }
    return SupplyProduct(element_resource=element, table=table, section=section)


def stage_production(ctx: RunContext, resource_: ResourceProduct) -> ProductionProduct:
    """Production schedule (preset, default the SIP trial) and its economics."""
    cfg = supply.preset(ctx.config.production_preset)
    schedule = supply.production_schedule(resource_.blocks, cfg)
    econ = supply.economics(schedule, cfg)
    totals = {
        "years": len(schedule),
        "mud_lifted_wet_t": float(schedule["mud_lifted_wet_t"].sum()),
        "mud_lifted_dry_t": float(schedule["mud_lifted_dry_t"].sum()),
        "treo_t": float(schedule["treo_t"].sum()),
        "revenue_usd": float(schedule["revenue_usd"].sum()),
        "treo_t_per_year": float(schedule["treo_t"].mean()) if len(schedule) else None,
        "exhausted": bool(schedule.attrs.get("exhausted", False)),
        **jsonable(econ),
    }
    section = {
        "preset": ctx.config.production_preset,
        "config": jsonable(cfg),
        "schedule": records(schedule[[c for c in SCHEDULE_COLUMNS if c in schedule.columns]]),
        "totals": totals,
        "unpriced_elements": jsonable(schedule.attrs.get("unpriced_elements", [])),
    }
    return ProductionProduct(schedule=schedule, config=cfg, section=section)


def stage_scenario(ctx: RunContext, resource_: ResourceProduct) -> ScenarioProduct:
    """The export-restriction scenario (default the supply stage's packaged example)."""
    source = ctx.config.scenario or str(supply.example_scenario())
    scenario = supply.load_scenario(source)
    result = supply.run_scenario(scenario, blocks=resource_.blocks)
    summary = result.summary
    unmet = summary.groupby("case", sort=False)["total_unmet_t"].sum()
    section = {
        "name": scenario.name,
        "source": source.rsplit("/", 1)[-1],
        "config": jsonable(scenario.model_dump(mode="json")),
        "results": records(summary),
        "total_unmet_t": {str(k): float(v) for k, v in unmet.items()},
        "monthly_totals": records(scenario_chart_frame(result.monthly)),
        "notes": [str(n) for n in result.notes],
    }
    return ScenarioProduct(summary=summary, monthly=result.monthly, section=section)


def scenario_chart_frame(monthly: pd.DataFrame, case: str | None = None) -> pd.DataFrame:
    """Monthly unmet demand summed over elements per case (for the scenario chart)."""
    frame = monthly if case is None else monthly[monthly["case"] == case]
    return frame.groupby(["case", "date"], sort=True)[["demand_t", "shortfall_t", "unmet_t", "deep_sea_t"]] \
        .sum().reset_index()
