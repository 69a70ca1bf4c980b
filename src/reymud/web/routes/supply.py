"""Supply summary and export-restriction scenarios (run synchronously here, or as a job)."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
import yaml
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from reymud.supply import ScenarioConfig, ScenarioError, example_scenario, run_scenario
from reymud.supply.scenario_config import list_examples
from reymud.web.deps import AppContext, context
from reymud.web.schemas import (
    ErrorResponse,
    ScenarioRunResponse,
    Table,
    frame_json,
    frame_response,
    json_response,
)
from reymud.web.state import NotAvailable, ProjectState

__all__ = ["router", "scenario_payload"]

router = APIRouter(prefix="/api", tags=["supply"],
                   responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})

Ctx = Annotated[AppContext, Depends(context)]


@router.get("/supply", response_model=Table, summary="Supply-security summary per element")
def supply(ctx: Ctx) -> Response:
    """Per element: contained oxide, China share, HHI, EU supply risk, GeoPolRisk, export-control
    status and years of supply (``supply_summary`` frame of the assessment)."""
    df = ctx.state.frame("supply_summary")
    notes = df.attrs.get("notes", [])
    return frame_response(df, notes=list(notes) if isinstance(notes, list | tuple) else [str(notes)])


@router.get("/production", response_model=Table, summary="Production schedule")
def production(ctx: Ctx) -> Response:
    """The assessment's production schedule (``production_schedule`` frame)."""
    return frame_response(ctx.state.frame("production_schedule"))


@router.get("/scenarios/examples", summary="Packaged example scenarios")
def scenario_examples() -> dict[str, Any]:
    """Each packaged scenario as JSON (the body ``POST /api/scenarios`` accepts)."""
    out = {}
    for name in list_examples():
        raw = yaml.safe_load(example_scenario(name).read_text(encoding="utf-8"))
        out[name] = ScenarioConfig.model_validate(raw).model_dump(mode="json", exclude_none=True)
    return {"examples": out, "default": next(iter(out), None)}


def _blocks_or_none(state: ProjectState) -> pd.DataFrame | None:
    try:
        return state.blocks()
    except NotAvailable:
        return None


def scenario_payload(state: ProjectState, config: ScenarioConfig) -> dict[str, Any]:
    """Run ``config`` and shape the result for JSON (also used by the scenario job).

    Raises
    ------
    ValueError
        From the supply stage when the scenario cannot run (e.g. production needs blocks).
    """
    blocks = _blocks_or_none(state) if config.deep_sea is not None and config.deep_sea.from_production else None
    result = run_scenario(config, blocks=blocks)
    monthly = result.monthly
    unmet = (monthly.groupby(["case", "date"], sort=True, as_index=False)[["demand_t", "unmet_t", "shortfall_t"]]
             .sum())
    return {
        "name": config.name,
        "monthly": frame_json(monthly),
        "summary": frame_json(result.summary),
        "unmet_by_month": frame_json(unmet),
        "notes": list(result.notes),
    }


@router.post("/scenarios", response_model=ScenarioRunResponse, summary="Run a scenario now")
def run_posted_scenario(ctx: Ctx, config: ScenarioConfig) -> Response:
    """Run an export-restriction scenario (the JSON form of a scenario YAML file) and return the
    monthly series, the per-element summary and unmet demand per month. Long runs: use
    ``POST /api/jobs/scenario``. Read-only: nothing is written to the project."""
    try:
        payload = scenario_payload(ctx.state, config)
    except (ScenarioError, ValueError, KeyError) as exc:
        raise HTTPException(422, f"scenario cannot run: {exc}") from None
    return json_response(payload)
