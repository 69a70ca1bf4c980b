"""Shared figure helpers: layout, grid decimation for display, map boundaries.

Figure builders take plain DataFrames / xarray objects and return ``plotly.graph_objects.Figure``;
they never read the project or run a stage.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr

from reymud.geography import EEZ_RADIUS_KM, MINAMITORISHIMA_LATLON, TAKAYA2018_BOX
from reymud.spatial.crs import box_outline, eez_outline

__all__ = [
    "EEZ_CENTRE_LATLON",
    "EEZ_RADIUS_M",
    "STUDY_BOX_LATLON",
    "Boundary",
    "bar_chart",
    "base_layout",
    "decimate",
    "line_chart",
    "map_boundaries",
    "new_figure",
    "require_columns",
]

#: Minamitorishima and its 200-nautical-mile EEZ radius, and the Takaya 2018 study box (one home:
#: :mod:`reymud.geography`; names kept for callers of the plot API).
EEZ_CENTRE_LATLON: tuple[float, float] = MINAMITORISHIMA_LATLON
EEZ_RADIUS_M: float = EEZ_RADIUS_KM * 1000.0
STUDY_BOX_LATLON: tuple[float, float, float, float] = TAKAYA2018_BOX

#: A named polyline in projected metres: (name, easting_m, northing_m).
Boundary = tuple[str, np.ndarray, np.ndarray]

#: A light template (white background, grey grids) built once: plotly's named templates are
#: deep-copied into every figure, which dominates report time.
LIGHT_TEMPLATE = go.layout.Template(layout={
    "paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"family": "system-ui, sans-serif", "size": 12},
    "xaxis": {"gridcolor": "#e8e8e8", "zeroline": False, "linecolor": "#999"},
    "yaxis": {"gridcolor": "#e8e8e8", "zeroline": False, "linecolor": "#999"},
    "colorway": ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"],
})

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def new_figure() -> go.Figure:
    """An empty figure with the report's light template (cheap to create)."""
    return go.Figure(layout={"template": LIGHT_TEMPLATE})


def base_layout(fig: go.Figure, title: str, height_px: int = 420) -> go.Figure:
    """Apply the report's common layout (title, margins, white template) and return ``fig``."""
    right_axis = any(getattr(axis, "side", None) == "right" for axis in fig.select_yaxes())
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}},
        height=height_px,
        # a right-hand axis needs room for its tick labels and title, else plotly clips them
        margin={"l": 70, "r": 90 if right_axis else 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.18},
    )
    fig.update_yaxes(automargin=True)
    return fig


def decimate(da: xr.DataArray, max_cells: int) -> xr.DataArray:
    """Take every k-th cell along each axis so that at most ``max_cells`` remain.

    Parameters
    ----------
    da : xarray.DataArray
        2-D grid with dims ``("northing", "easting")``.
    max_cells : int
        Largest number of cells kept (``>= 1``).

    Returns
    -------
    xarray.DataArray
        The strided grid (the input when it is already small enough).
    """
    if max_cells < 1:
        raise ValueError(f"max_cells must be >= 1, got {max_cells}")
    if da.ndim != 2:
        raise ValueError(f"decimate expects a 2-D grid, got dims {da.dims}")
    step = int(np.ceil(np.sqrt(da.size / max_cells))) if da.size > max_cells else 1
    return da.isel({da.dims[0]: slice(None, None, step), da.dims[1]: slice(None, None, step)})


def map_boundaries(crs: str, n_vertices: int = 721) -> list[Boundary]:
    """The Minamitorishima EEZ circle and the Takaya 2018 study box in projected metres.

    Parameters
    ----------
    crs : str
        Target projected CRS (the block model's ``crs`` attribute).
    n_vertices : int
        Vertices of the geodesic circle.
    """
    from pyproj import CRS, Transformer

    to_xy = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(crs), always_xy=True)
    eez_e, eez_n = to_xy.transform(*eez_outline(n_vertices=n_vertices))
    box_e, box_n = to_xy.transform(*box_outline(n_per_edge=50))
    return [("EEZ (200 nmi)", np.asarray(eez_e), np.asarray(eez_n)),
            ("Takaya 2018 study box", np.asarray(box_e), np.asarray(box_n))]


def bar_chart(frame: pd.DataFrame, x: str, ys: Sequence[str], title: str, y_title: str = "",
              log_y: bool = False, labels: Sequence[str] | None = None) -> go.Figure:
    """Grouped bars of the columns ``ys`` against the category column ``x``."""
    require_columns(frame, [x, *ys], title)
    fig = new_figure()
    for i, (col, label) in enumerate(zip(ys, labels or ys, strict=True)):
        fig.add_bar(x=frame[x].astype(str), y=frame[col], name=label, marker_color=PALETTE[i % len(PALETTE)])
    fig.update_layout(barmode="group", yaxis_title=y_title, xaxis_title=x)
    if log_y:
        fig.update_yaxes(type="log")
    return base_layout(fig, title)


def line_chart(frame: pd.DataFrame, x: str, ys: Sequence[str], title: str, y_title: str = "",
               labels: Sequence[str] | None = None, secondary: Sequence[str] = (), from_zero: bool = False,
               secondary_title: str | None = None) -> go.Figure:
    """Lines of the columns ``ys`` against ``x``; columns in ``secondary`` use a right-hand axis.

    ``from_zero`` starts both value axes at zero (quantities such as tonnes or revenue: a near-constant
    series then reads as constant instead of filling the axis with a 0.1 % wiggle), with tick labels of
    three significant figures (``.3~s``) so neighbouring ticks never print the same text.
    """
    require_columns(frame, [x, *ys], title)
    fig = new_figure()
    for i, (col, label) in enumerate(zip(ys, labels or ys, strict=True)):
        fig.add_scatter(x=frame[x], y=frame[col], name=label, mode="lines+markers",
                        line={"color": PALETTE[i % len(PALETTE)]},
                        yaxis="y2" if col in secondary else "y")
    fig.update_layout(xaxis_title=x, yaxis_title=y_title)
    axis = {"rangemode": "tozero", "tickformat": ".3~s"} if from_zero else {}
    fig.update_layout(yaxis=axis)
    if secondary:
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False,
                                  "title": secondary_title or ", ".join(secondary), **axis})
    return base_layout(fig, title)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: the table lacks column(s) {missing}; it has {list(frame.columns)}")
