"""Read endpoints for the estimated grids (BLOCK MODEL) and the map outlines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from reymud.web.deps import AppContext, context
from reymud.web.schemas import ErrorResponse, GridResponse, json_response

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
def outlines(ctx: Ctx) -> Response:
    """Polylines of the Minamitorishima EEZ (200 nautical miles) and of the Takaya et al. (2018)
    study box, in longitude/latitude and in the map's easting/northing."""
    return json_response(ctx.state.outlines())
