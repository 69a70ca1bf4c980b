"""Read endpoints for resource tables by cut-off and the grade-tonnage curve.

Cut-off queries go through :class:`reymud.resource.GradeTonnageIndex`, built once per project
state and cut-off column, so each query is O(log n) in the number of blocks.
"""

from __future__ import annotations

import json
import math
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from reymud.resource.index import resolve_by
from reymud.web.cache import ASSESS
from reymud.web.deps import AppContext, cached_answer, context
from reymud.web.schemas import ErrorResponse, ResourceQuery, Table, cached_json, frame_body, frame_response

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["resource"],
                   responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})

Ctx = Annotated[AppContext, Depends(context)]
By = Annotated[str, Query(description="cut-off column: total_rey_ppm, treo_ppm or value_usd_t")]
_NUMBER = r"[-+]?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})([eE][-+]?\d{1,2})?"
#: Comma-separated finite numbers (at most 15 digits each side of the point, exponent below 100).
CUTOFFS_PATTERN = rf"^\s*{_NUMBER}(\s*,\s*{_NUMBER})*\s*,?\s*$"


def _index(ctx: AppContext, by: str):
    try:
        return ctx.state.gt_index(by)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


def _column(by: str) -> str:
    try:
        return resolve_by(by)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


def _finite(value: float, name: str) -> float:
    if not math.isfinite(value):
        raise HTTPException(422, f"{name} must be a finite number (got {value})")
    return float(value)


@router.get("/resource", response_model=ResourceQuery, summary="Resource at one cut-off")
async def resource_at_cutoff(
    ctx: Ctx,
    cutoff: Annotated[float, Query(description="cut-off in the units of `by` (ppm for total REY)")],
    by: By = "total_rey_ppm",
) -> Response:
    """Tonnage (dry t), area (km2), tonnage-weighted grades (ppm), contained oxide per element and
    TREO (t) of the blocks at or above ``cutoff``: in total and per class (measured, indicated,
    inferred, unclassified)."""
    # A current cut-off index answers in microseconds (two binary searches per class), so the
    # query runs on the event loop; building the index (seconds for 1,000,000 blocks) runs in the
    # threadpool, never on the loop.
    index = ctx.state.gt_index_if_ready(by)
    if index is None:
        index = await run_in_threadpool(_index, ctx, by)
    result = index.query(_finite(cutoff, "cutoff"))
    result["n_blocks_model"] = index.n_blocks
    result["elements"] = list(index.elements)
    return cached_json(_query_body(result))


def _plain(values: dict) -> dict:
    """Non-finite floats as None (the flat dicts of GradeTonnageIndex.query)."""
    return {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in values.items()}


def _query_body(result: dict) -> bytes:
    """JSON of a cut-off query: its known shape cleaned directly (a generic walk costs more than
    the query itself)."""
    out = {**_plain({k: v for k, v in result.items() if k not in ("total", "classes")}),
           "total": _plain(result["total"]), "classes": {c: _plain(v) for c, v in result["classes"].items()}}
    return json.dumps(out, allow_nan=False, separators=(",", ":")).encode()


@router.get("/grade-tonnage", response_model=Table, summary="Grade-tonnage curve")
async def grade_tonnage_curve(
    ctx: Ctx,
    cutoffs: Annotated[str | None, Query(pattern=CUTOFFS_PATTERN, max_length=60_000,
                                         description="comma-separated cut-offs, e.g. 0,400,1000 (not empty; "
                                         "at most the server's max_curve_points, 2000 by default)")] = None,
    start: Annotated[float | None, Query(description="first cut-off (default from the server config)")] = None,
    stop: Annotated[float | None, Query(description="last cut-off (inclusive)")] = None,
    step: Annotated[float | None, Query(gt=0, description="cut-off step")] = None,
    by: By = "total_rey_ppm",
    by_class: Annotated[bool, Query(description="one row per class as well as 'all'")] = False,
) -> Response:
    """Tonnage and mean grade above each cut-off (rows with ``class`` = ``all`` for the whole model)."""
    limit = ctx.config.max_curve_points
    if cutoffs is not None:
        try:
            values = np.array([float(c) for c in cutoffs.split(",") if c.strip()], dtype=float)
        except ValueError:
            raise HTTPException(422, f"cutoffs must be comma-separated numbers, e.g. 0,400,1000 (got {cutoffs!r})") from None
        if values.size == 0:
            raise HTTPException(422, "cutoffs is empty; give e.g. cutoffs=0,400,1000")
    else:
        d_start, d_stop, d_step = ctx.config.curve_cutoffs_ppm
        lo, hi, st = (d_start if start is None else start), (d_stop if stop is None else stop), (step or d_step)
        for name, v in (("start", lo), ("stop", hi), ("step", st)):
            _finite(v, name)
        if hi < lo:
            raise HTTPException(422, f"stop ({hi}) must not be below start ({lo})")
        n = math.floor((hi - lo) / st + 1e-9) + 1
        if n > limit:
            raise HTTPException(422, f"{n} cut-offs requested; the maximum is {limit}: use a larger step")
        values = lo + st * np.arange(n)
    if values.size > limit:
        raise HTTPException(422, f"{values.size} cut-offs requested; the maximum is {limit}")
    if not np.isfinite(values).all():
        raise HTTPException(422, "cut-offs must be finite numbers")
    column = _column(by)
    if cutoffs is None and (lo, hi, st) == (d_start, d_stop, d_step):  # the page's curve: built once per version
        return await cached_answer(ctx, f"curve:{column}:{by_class}",
                                   lambda: frame_body(_index(ctx, column).curve(values, by_class=by_class)), ASSESS)
    return await run_in_threadpool(lambda: frame_response(_index(ctx, column).curve(values, by_class=by_class)))


@router.get("/resource/table", response_model=Table, summary="Resource table saved by the assessment")
async def resource_table(ctx: Ctx) -> Response:
    """The assessment's resource table by class and reported cut-off (``resource_table`` frame)."""
    return await cached_answer(ctx, "resource_table", lambda: frame_body(ctx.state.frame("resource_table")), ASSESS)


@router.get("/resource/elements", response_model=Table, summary="Contained oxide per element (P10/P50/P90)")
async def element_resource(ctx: Ctx) -> Response:
    """The hand-off to supply: ``element, oxide, contained_oxide_t, p10, p50, p90``."""
    return await cached_answer(ctx, "element_resource", lambda: frame_body(ctx.state.frame("element_resource")), ASSESS)


@router.get("/uncertainty", response_model=Table, summary="Simulation P10/P50/P90 by cut-off")
async def uncertainty(ctx: Ctx) -> Response:
    """Conditional-simulation summary (``cutoff, element, p10, p50, p90``)."""
    return await cached_answer(ctx, "uncertainty", lambda: frame_body(ctx.state.frame("uncertainty")), ASSESS)
