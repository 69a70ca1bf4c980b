"""Read endpoints for the estimated grids (BLOCK MODEL) and the map outlines."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from reymud.web.deps import AppContext, cached_answer, context
from reymud.web.grids import grid_json
from reymud.web.schemas import ErrorResponse, GridResponse, json_body, json_response

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["estimates"],
                   responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})

Ctx = Annotated[AppContext, Depends(context)]


@router.get("/estimates", summary="Block model: variables and attributes")
def estimates(ctx: Ctx) -> Response:
    """The numeric variables of the 2-D block model, its grid (shape, cell size, extent, CRS) and
    its attributes (estimator, depth window, domain, synthetic flag)."""
    ds = ctx.state.block_model()
    variables = sorted(v for v in ds.data_vars if ds[v].dtype.kind in "fiub")
    east, north = ds["easting"].to_numpy(), ds["northing"].to_numpy()
    return json_response({
        "variables": variables,
        "shape": [int(ds.sizes["northing"]), int(ds.sizes["easting"])],
        "n_cells": int(ds.sizes["northing"] * ds.sizes["easting"]),
        "extent_m": {"easting": [float(east.min()), float(east.max())],
                     "northing": [float(north.min()), float(north.max())]},
        "attrs": {str(k): str(v) for k, v in ds.attrs.items()},
    })


@router.get("/estimates/{variable}", response_model=GridResponse, summary="One estimated grid for a heatmap")
def estimate_grid(
    ctx: Ctx,
    variable: str,
    max_cells: Annotated[int | None, Query(ge=4, description="largest number of cells returned; "
                                           "bigger grids are block-averaged (default from the server config)")] = None,
) -> Response:
    """A block-model variable as JSON arrays (``values[row][column]``, rows along ``northing_m``),
    masked outside the area of interest and decimated for display."""
    limit = min(max_cells or ctx.config.max_display_cells, ctx.config.max_display_cells * 25)
    try:
        payload = ctx.state.grid_payload(variable, limit)
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0])) from None
    return json_response(payload)


@router.get("/outlines", summary="EEZ circle and study box for the map")
async def outlines(ctx: Ctx) -> Response:
    """Polylines of the Minamitorishima EEZ (200 nautical miles) and of the Takaya et al. (2018)
    study box, in longitude/latitude and in the map's easting/northing."""
    return await cached_answer(ctx, "outlines", lambda: json_body(ctx.state.outlines()))


@router.get("/exceedance", summary="Exceedance probabilities: available cut-offs")
def exceedance(ctx: Ctx) -> Response:
    """Cut-offs (ppm) with a probability map from the conditional simulation, and its attributes
    (number of realisations, seed, simulated variable)."""
    ds = ctx.state.exceedance()
    return json_response({"cutoffs_ppm": [float(c) for c in ds["cutoff_ppm"].to_numpy()],
                          "attrs": {str(k): str(v) for k, v in ds.attrs.items()}})


@router.get("/exceedance/{cutoff_ppm}", response_model=GridResponse,
            summary="Probability that total REY is at or above a cut-off")
def exceedance_grid(
    ctx: Ctx,
    cutoff_ppm: float,
    max_cells: Annotated[int | None, Query(ge=4, description="largest number of cells returned")] = None,
) -> Response:
    """The fraction of simulated realisations at or above ``cutoff_ppm`` in each cell (0-1), for
    one of the cut-offs listed by ``GET /api/exceedance``."""
    ds = ctx.state.exceedance()
    cutoffs = ds["cutoff_ppm"].to_numpy().astype(float)
    match = np.flatnonzero(np.isclose(cutoffs, cutoff_ppm, rtol=0.0, atol=1e-6))
    if not np.isfinite(cutoff_ppm) or match.size == 0:
        raise HTTPException(404, f"no exceedance map at {cutoff_ppm:g} ppm; available: "
                            f"{', '.join(f'{c:g}' for c in cutoffs)}")
    limit = min(max_cells or ctx.config.max_display_cells, ctx.config.max_display_cells * 25)
    da = ds["probability"].isel(cutoff_ppm=int(match[0]))
    return json_response(grid_json(da, dict(ds.attrs), limit, f"P(total_rey_ppm >= {cutoffs[match[0]]:g})"))
