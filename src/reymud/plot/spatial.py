"""Estimation figures: variograms, grid maps with cores and boundaries, validation plots."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from plotly.subplots import make_subplots

from reymud.plot.base import PALETTE, Boundary, base_layout, decimate, new_figure, require_columns

__all__ = ["category_map", "cv_scatter", "grid_map", "probability_maps", "swath_plot", "variogram_plot"]

CLASS_COLOURS = {"measured": "#1a9850", "indicated": "#fee08b", "inferred": "#fc8d59", "unclassified": "#d9d9d9"}


def variogram_plot(experimental: pd.DataFrame, model_lag_m: np.ndarray, model_gamma: np.ndarray,
                   title: str, model_label: str = "fitted model", data_variance: float | None = None) -> go.Figure:
    """Experimental semivariogram (marker size ~ pairs, pairs labelled per lag) with the fitted model curve.

    Parameters
    ----------
    experimental : DataFrame
        ``lag_m, gamma, n_pairs``.
    model_lag_m, model_gamma : array_like
        The fitted model evaluated on a lag grid (metres, variable units squared).
    data_variance : float, optional
        Drawn as a dashed horizontal line (the usual sill reference).
    """
    require_columns(experimental, ["lag_m", "gamma", "n_pairs"], title)
    pairs = experimental["n_pairs"].to_numpy(float)
    size = 6 + 14 * np.sqrt(pairs / max(pairs.max(), 1.0))
    fig = new_figure()
    fig.add_scatter(x=experimental["lag_m"], y=experimental["gamma"], mode="markers+text", name="experimental",
                    marker={"size": size, "color": PALETTE[0]}, customdata=pairs,
                    text=[f"{p:.0f}" for p in pairs], textposition="top center", textfont={"size": 9},
                    hovertemplate="lag %{x:.0f} m<br>gamma %{y:.4g}<br>%{customdata:.0f} pairs")
    fig.add_scatter(x=np.asarray(model_lag_m), y=np.asarray(model_gamma), mode="lines", name=model_label,
                    line={"color": PALETTE[1], "width": 2})
    if data_variance is not None:
        fig.add_hline(y=data_variance, line_dash="dash", line_color="grey", annotation_text="data variance")
    fig.update_layout(xaxis_title="lag (m)", yaxis_title="semivariance")
    return base_layout(fig, title, height_px=360)


def _add_context(fig: go.Figure, points: pd.DataFrame | None, boundaries: Sequence[Boundary],
                 x_range: tuple[float, float], y_range: tuple[float, float], **where: int) -> None:
    for i, (name, east, north) in enumerate(boundaries):
        fig.add_scatter(x=east, y=north, mode="lines", name=name, showlegend=not where,
                        line={"color": ("black", "#444")[i % 2], "dash": ("solid", "dash")[i % 2], "width": 1.5},
                        hoverinfo="name", **where)
    if points is not None and len(points):
        fig.add_scatter(x=points["easting"], y=points["northing"], mode="markers", name="cores",
                        showlegend=not where, text=points.get("core_id"),
                        marker={"symbol": "triangle-up", "size": 8, "color": "white",
                                "line": {"color": "black", "width": 1}}, **where)
    kwargs = {"row": where["row"], "col": where["col"]} if where else {}
    fig.update_xaxes(range=list(x_range), title_text="easting (m)", **kwargs)
    first_panel = not where or where.get("col") == 1
    fig.update_yaxes(range=list(y_range), title_text="northing (m)" if first_panel else None,
                     scaleanchor="x" if not where else None, **kwargs)


def _ranges(da: xr.DataArray, pad_fraction: float = 0.03) -> tuple[tuple[float, float], tuple[float, float]]:
    e, n = da["easting"].to_numpy(), da["northing"].to_numpy()
    pad = pad_fraction * max(np.ptp(e), np.ptp(n), 1.0)
    return (float(e.min() - pad), float(e.max() + pad)), (float(n.min() - pad), float(n.max() + pad))


def grid_map(grid: xr.DataArray, title: str, points: pd.DataFrame | None = None,
             boundaries: Sequence[Boundary] = (), max_cells: int = 40_000, colorscale: str = "Viridis",
             unit: str = "", zmin: float | None = None, zmax: float | None = None) -> go.Figure:
    """Heatmap of a 2-D grid (dims northing, easting), decimated for display, with cores and boundaries.

    Values are sent as float32 (about 4 bytes per cell) to keep the report small.
    """
    shown = decimate(grid, max_cells)
    z = shown.to_numpy().astype(np.float32)
    fig = new_figure()
    fig.add_heatmap(x=shown["easting"].to_numpy(), y=shown["northing"].to_numpy(), z=z, colorscale=colorscale,
                    zmin=zmin, zmax=zmax, colorbar={"title": unit}, name=str(grid.name or ""),
                    hovertemplate="E %{x:.0f}<br>N %{y:.0f}<br>%{z:.4g} " + unit + "<extra></extra>")
    x_range, y_range = _ranges(grid)
    _add_context(fig, points, boundaries, x_range, y_range)
    return base_layout(fig, title, height_px=520)


def category_map(categories: xr.DataArray, title: str, points: pd.DataFrame | None = None,
                 boundaries: Sequence[Boundary] = (), max_cells: int = 40_000,
                 colours: dict[str, str] = CLASS_COLOURS) -> go.Figure:
    """Map of a categorical grid (e.g. resource classes) with a discrete colour per category."""
    shown = decimate(categories, max_cells)
    labels = [c for c in colours if (shown.astype(str) == c).any()] or list(colours)
    codes = np.full(shown.shape, np.nan, dtype=np.float32)
    values = shown.astype(str).to_numpy()
    for i, name in enumerate(labels):
        codes[values == name] = i
    n = max(len(labels), 1)
    scale = []
    for i, name in enumerate(labels):
        scale += [[i / n, colours[name]], [(i + 1) / n, colours[name]]]
    fig = new_figure()
    fig.add_heatmap(x=shown["easting"].to_numpy(), y=shown["northing"].to_numpy(), z=codes, zmin=-0.5,
                    zmax=n - 0.5, colorscale=scale,
                    colorbar={"tickvals": list(range(n)), "ticktext": labels, "title": "class"},
                    hovertemplate="E %{x:.0f}<br>N %{y:.0f}<extra></extra>")
    x_range, y_range = _ranges(categories)
    _add_context(fig, points, boundaries, x_range, y_range)
    return base_layout(fig, title, height_px=520)


def probability_maps(probability: xr.DataArray, title: str, points: pd.DataFrame | None = None,
                     max_cells: int = 20_000, cutoff_dim: str = "cutoff_ppm") -> go.Figure:
    """One panel per cut-off: probability that the block grade exceeds it (0-1)."""
    cutoffs = probability[cutoff_dim].to_numpy()
    fig = make_subplots(figure=new_figure(), rows=1, cols=len(cutoffs), subplot_titles=[f"P(> {c:g} ppm)" for c in cutoffs],
                        horizontal_spacing=0.04)
    for i, cutoff in enumerate(cutoffs):
        shown = decimate(probability.sel({cutoff_dim: cutoff}), max_cells)
        fig.add_heatmap(x=shown["easting"].to_numpy(), y=shown["northing"].to_numpy(),
                        z=shown.to_numpy().astype(np.float32), zmin=0, zmax=1, colorscale="RdYlGn",
                        showscale=(i == 0), colorbar={"title": "probability"}, row=1, col=i + 1)
        x_range, y_range = _ranges(probability.sel({cutoff_dim: cutoff}))
        _add_context(fig, points, (), x_range, y_range, row=1, col=i + 1)
    return base_layout(fig, title, height_px=420)


def cv_scatter(frame: pd.DataFrame, observed: str, estimate: str, title: str, unit: str = "") -> go.Figure:
    """Cross-validation: estimate against observed with the 1:1 line, and errors against observed."""
    require_columns(frame, [observed, estimate], title)
    obs, est = frame[observed].to_numpy(float), frame[estimate].to_numpy(float)
    fig = make_subplots(figure=new_figure(), rows=1, cols=2, subplot_titles=["estimate vs observed", "error vs observed"])
    fig.add_scatter(x=obs, y=est, mode="markers", name="cores", text=frame.get("core_id"),
                    marker={"color": PALETTE[0]}, row=1, col=1)
    lo, hi = float(np.nanmin([obs.min(), est.min()])), float(np.nanmax([obs.max(), est.max()]))
    fig.add_scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="1:1", line={"dash": "dash", "color": "grey"},
                    row=1, col=1)
    fig.add_scatter(x=obs, y=est - obs, mode="markers", name="error", marker={"color": PALETTE[1]},
                    showlegend=False, row=1, col=2)
    fig.add_hline(y=0.0, line_dash="dot", row=1, col=2)
    fig.update_xaxes(title_text=f"observed {unit}")
    fig.update_yaxes(title_text=f"estimate {unit}", row=1, col=1)
    fig.update_yaxes(title_text=f"estimate - observed {unit}", row=1, col=2)
    return base_layout(fig, title, height_px=380)


def swath_plot(frame: pd.DataFrame, position: str, series: Sequence[str], title: str,
               count: str | None = None, axis_label: str = "") -> go.Figure:
    """Swath plot: mean estimate and mean data per slice along one axis (optional counts as bars)."""
    require_columns(frame, [position, *series], title)
    fig = new_figure()
    for i, col in enumerate(series):
        fig.add_scatter(x=frame[position], y=frame[col], mode="lines+markers", name=col,
                        line={"color": PALETTE[i % len(PALETTE)]})
    if count and count in frame.columns:
        fig.add_bar(x=frame[position], y=frame[count], name=count, yaxis="y2", opacity=0.25,
                    marker_color="grey")
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "title": count, "showgrid": False})
    fig.update_layout(xaxis_title=axis_label or position, yaxis_title="mean")
    return base_layout(fig, title, height_px=360)
