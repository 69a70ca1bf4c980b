"""Assessment stages of supply security: element resource, supply table, production, scenario."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from reymud.assess.results import jsonable, records
from reymud.assess.stages_data import RunState

__all__ = ["stage_production", "stage_scenario", "stage_supply"]

SUPPLY_COLUMNS: tuple[str, ...] = (
    "element", "oxide", "contained_oxide_t", "p10", "p50", "p90", "china_share_pct", "china_separation_share_pct",
    "china_share_of_japan_supply_pct", "hhi", "eu_sr", "eu_sr_status", "geopolrisk_japan", "geopolrisk_status",
    "control_status", "years_global", "years_global_p10", "years_global_p90", "years_japan",
    "years_japan_p10", "years_japan_p90", "price_usd_per_kg_2025e", "value_usd",
)
SCHEDULE_COLUMNS: tuple[str, ...] = (
    "year", "mud_lifted_wet_t", "mud_lifted_dry_t", "ore_dry_t", "head_total_rey_ppm", "concentrate_dry_t",
    "Nd_oxide_t", "Dy_oxide_t", "Tb_oxide_t", "Y_oxide_t", "treo_t", "revenue_usd",
)


def status_date(state: RunState) -> str:
    """ISO date of the export-control status (config or today, UTC)."""
    return state.config.status_date or dt.datetime.now(dt.UTC).date().isoformat()


def stage_supply(state: RunState) -> None:
    """Element resource (the hand-off) and the per-element supply-security table."""
    from reymud import resource, supply

    element = resource.element_resource(state.frames["resource_table"], state.frames["uncertainty"],
                                        cutoff=min(state.config.cutoffs_ppm))
    table = supply.supply_table(element, on=status_date(state))
    state.frames.update(element_resource=element, supply_summary=table)
    shown = [c for c in SUPPLY_COLUMNS if c in table.columns]
    treo = float(element["contained_oxide_t"].sum())
    state.results["supply"] = {
        "status_date": status_date(state),
        "element_resource_basis": str(element.attrs.get("basis", "")),
        "element_resource": records(element),
        "total_contained_oxide_t": treo,
        "summary": records(table[shown]),
        "notes": [str(n) for n in table.attrs.get("notes", [])],
    }


def stage_production(state: RunState) -> None:
    """Production schedule (preset, default the SIP trial) and its economics."""
    from reymud import supply

    cfg = supply.preset(state.config.production_preset)
    schedule = supply.production_schedule(state.frames["blocks"], cfg)
    econ = supply.economics(schedule, cfg)
    state.frames["production_schedule"] = schedule
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
    state.results["production"] = {
        "preset": state.config.production_preset,
        "config": jsonable(cfg),
        "schedule": records(schedule[[c for c in SCHEDULE_COLUMNS if c in schedule.columns]]),
        "totals": totals,
        "unpriced_elements": jsonable(schedule.attrs.get("unpriced_elements", [])),
    }


def stage_scenario(state: RunState) -> None:
    """The export-restriction scenario (default the supply stage's packaged example)."""
    from reymud import supply

    source = state.config.scenario or str(supply.example_scenario())
    scenario = supply.load_scenario(source)
    result = supply.run_scenario(scenario, blocks=state.frames["blocks"])
    state.frames.update(scenario_summary=result.summary, scenario_monthly=result.monthly)
    summary = result.summary
    unmet = summary.groupby("case", sort=False)["total_unmet_t"].sum()
    state.results["scenario"] = {
        "name": scenario.name,
        "source": source.rsplit("/", 1)[-1],
        "config": jsonable(scenario.model_dump(mode="json")),
        "results": records(summary),
        "total_unmet_t": {str(k): float(v) for k, v in unmet.items()},
        "monthly_totals": records(scenario_chart_frame(result.monthly)),
        "notes": [str(n) for n in result.notes],
    }


def scenario_chart_frame(monthly: pd.DataFrame, case: str | None = None) -> pd.DataFrame:
    """Monthly unmet demand summed over elements per case (for the scenario chart)."""
    frame = monthly if case is None else monthly[monthly["case"] == case]
    return frame.groupby(["case", "date"], sort=True)[["demand_t", "shortfall_t", "unmet_t", "deep_sea_t"]] \
        .sum().reset_index()
