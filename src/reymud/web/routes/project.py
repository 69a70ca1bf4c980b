"""Read endpoints for the project, its cores, samples (with geochemistry) and REY-rich layers."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from reymud.web.deps import AppContext, cached_answer, context
from reymud.web.schemas import (
    ErrorResponse,
    ProjectInfo,
    Table,
    Vocabulary,
    frame_body,
    frame_json,
    frame_response,
    json_body,
    json_response,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["project"],
                   responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})

Ctx = Annotated[AppContext, Depends(context)]


@router.get("/health", summary="Liveness check")
def health() -> dict[str, str]:
    """``{"status": "ok"}`` when the server answers."""
    return {"status": "ok"}


@router.get("/vocabulary", response_model=Vocabulary, summary="Element list and class names for the page")
def vocabulary() -> Response:
    """REY elements in plot order, resource classes, the REY-rich threshold and the cut-off
    columns, as the package defines them (``reymud.elements``, ``reymud.resource``,
    ``reymud.geochem``)."""
    from reymud.elements import REY_PLOT_ORDER
    from reymud.geochem import Thresholds
    from reymud.resource import CLASSES
    from reymud.resource.index import BY_ALIASES

    return json_response({"elements": list(REY_PLOT_ORDER), "classes": list(CLASSES),
                          "rey_rich_threshold_ppm": Thresholds().rey_rich_ppm,
                          "cutoff_columns": sorted(set(BY_ALIASES.values()))})


@router.get("/project", response_model=ProjectInfo, summary="Project summary")
async def project_info(ctx: Ctx) -> Response:
    """Name, metadata, SYNTHETIC flag, counts and which results exist."""
    def build() -> bytes:
        info = dict(ctx.state.info())
        info.update(token_required=ctx.guard.required, max_upload_mb=ctx.config.max_upload_mb,
                    default_cutoff_ppm=ctx.config.default_cutoff_ppm)
        return json_body(info)
    return await cached_answer(ctx, "project", build)


@router.get("/cores", response_model=Table, summary="Cores with location and layer summary")
async def cores(ctx: Ctx) -> Response:
    """One row per core: ``core_id, latitude, longitude, easting, northing, water_depth_m`` and,
    when known, the REY-rich layer summary (``n_layers, layer_top_mbsf, mean_total_rey_ppm``...).
    ``easting``/``northing`` are in the block model's CRS (``crs`` key)."""
    return await cached_answer(ctx, "cores", lambda: frame_body(ctx.state.cores(), crs=ctx.state.crs()))


def _core_or_404(ctx: AppContext, core_id: str) -> pd.DataFrame:
    table = ctx.state.cores()
    row = table[table["core_id"].astype(str) == core_id] if len(table) else table
    if not len(row):
        known = table["core_id"].astype(str).tolist()[:10] if len(table) else []
        raise HTTPException(404, f"no core {core_id!r} in this project (e.g. {', '.join(known) or 'none yet'})")
    return row


@router.get("/cores/{core_id}", summary="One core with its downhole samples and layers")
def core_detail(ctx: Ctx, core_id: str) -> Response:
    """The core row, its samples top to bottom (all geochemistry columns) and its REY-rich layers:
    everything a downhole log needs."""
    row = _core_or_404(ctx, core_id)
    samples = ctx.state.samples()
    layers = ctx.state.layers()
    return json_response({
        "core": frame_json(row)["rows"][0],
        "samples": _subset(samples, core_id),
        "layers": _subset(layers, core_id),
    })


def _subset(df: pd.DataFrame, core_id: str) -> dict:
    if "core_id" in df.columns and len(df):
        df = df[df["core_id"].astype(str) == core_id]
        if "top_mbsf" in df.columns:
            df = df.sort_values("top_mbsf", kind="stable")
    return frame_json(df)


@router.get("/samples", response_model=Table, summary="Samples with geochemistry columns")
def samples(
    ctx: Ctx,
    core_id: Annotated[str | None, Query(description="only this core")] = None,
    columns: Annotated[str | None, Query(description="comma-separated columns to return "
                                         "(default all); sample_id, core_id, top_mbsf, bottom_mbsf always")] = None,
    limit: Annotated[int, Query(ge=1, description="rows per page (at most the server's max_sample_rows; "
                                "the schema states the configured maximum)")] = 10_000,
    offset: Annotated[int, Query(ge=0, description="rows to skip")] = 0,
) -> Response:
    """Wide samples, one row per sample: depths, element columns (ppm) and derived geochemistry
    (``total_rey_ppm``, ``ce_anomaly``, ``rey_class``...). Paged with ``limit``/``offset``."""
    if limit > ctx.config.max_sample_rows:
        raise HTTPException(422, f"limit {limit} is above the maximum page of {ctx.config.max_sample_rows} rows; "
                            "page with offset")
    df = ctx.state.samples()
    if core_id is not None:
        _core_or_404(ctx, core_id)
        df = df[df["core_id"].astype(str) == core_id]
    if columns:
        wanted = [c.strip() for c in columns.split(",") if c.strip()]
        unknown = [c for c in wanted if c not in df.columns]
        if unknown:
            raise HTTPException(422, f"unknown column(s) {unknown}; available: {list(map(str, df.columns))}")
        keys = [c for c in ("sample_id", "core_id", "top_mbsf", "bottom_mbsf") if c in df.columns]
        df = df[keys + [c for c in wanted if c not in keys]]
    total = len(df)
    return frame_response(df.iloc[offset:offset + limit], total=total, offset=offset, limit=limit)


@router.get("/layers", response_model=Table, summary="REY-rich layers per core")
def layers(ctx: Ctx, core_id: Annotated[str | None, Query(description="only this core")] = None) -> Response:
    """One row per REY-rich layer (``core_id, layer, top_mbsf, base_mbsf, thickness_m,
    mean_total_rey_ppm, peak_total_rey_ppm, <El>_ppm``)."""
    df = ctx.state.layers()
    if core_id is not None:
        _core_or_404(ctx, core_id)
        df = df[df["core_id"].astype(str) == core_id]
    return frame_response(df)


@router.get("/results", summary="The latest assessment's results.json")
def results(ctx: Ctx) -> Response:
    """Every number of the latest assessment (the ``results.json`` dict saved by ``assess``)."""
    return json_response(ctx.state.results())


@router.get("/imports", response_model=Table, summary="Import log")
def imports(ctx: Ctx) -> Response:
    """Every file ingested: name, SHA-256, time, rows, values, status."""
    with ctx.state.reading() as project:
        df = project.imports()
    return frame_response(df)
