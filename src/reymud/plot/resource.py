"""Resource figures: grade-tonnage curves, P10/P50/P90 by element, resource by class."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from reymud.plot.base import PALETTE, base_layout, new_figure, require_columns

__all__ = ["grade_tonnage_plot", "resource_by_class_plot", "uncertainty_plot"]


def grade_tonnage_plot(frame: pd.DataFrame, cutoff: str = "cutoff", tonnes: str = "dry_t",
                       grade: str = "total_rey_ppm", title: str = "Grade-tonnage curve",
                       group: str | None = None) -> go.Figure:
    """Tonnes above cut-off (left axis, Mt) and mean grade above cut-off (right axis).

    Parameters
    ----------
    frame : DataFrame
        One row per cut-off (and per ``group`` value when given, e.g. a class).
    """
    require_columns(frame, [cutoff, tonnes, grade], title)
    fig = new_figure()
    parts = frame.groupby(group, sort=False) if group and group in frame.columns else [("all", frame)]
    for i, (name, part) in enumerate(parts):
        colour = PALETTE[i % len(PALETTE)]
        fig.add_scatter(x=part[cutoff], y=part[tonnes] / 1e6, mode="lines", name=f"{name}: Mt above cut-off",
                        line={"color": colour, "width": 2})
        fig.add_scatter(x=part[cutoff], y=part[grade], mode="lines", name=f"{name}: mean grade",
                        line={"color": colour, "dash": "dash"}, yaxis="y2")
    fig.update_layout(xaxis_title="cut-off total REY (ppm)", yaxis_title="dry tonnes above cut-off (Mt)",
                      yaxis2={"overlaying": "y", "side": "right", "title": "mean grade above cut-off (ppm)",
                              "showgrid": False})
    return base_layout(fig, title, height_px=420)


def uncertainty_plot(frame: pd.DataFrame, title: str = "Contained oxide: P10 / P50 / P90",
                     element: str = "element", unit: str = "t") -> go.Figure:
    """P50 bars with P10-P90 whiskers per element, one colour per cut-off (log scale)."""
    require_columns(frame, ["cutoff", element, "p10", "p50", "p90"], title)
    fig = new_figure()
    for i, (cutoff, part) in enumerate(frame.groupby("cutoff", sort=True)):
        fig.add_bar(x=part[element].astype(str), y=part["p50"], name=f"cut-off {cutoff:g} ppm",
                    marker_color=PALETTE[i % len(PALETTE)],
                    error_y={"type": "data", "symmetric": False, "array": part["p90"] - part["p50"],
                             "arrayminus": part["p50"] - part["p10"]})
    fig.update_layout(barmode="group", yaxis_title=f"P50 ({unit}); whiskers P10-P90")
    fig.update_yaxes(type="log")
    return base_layout(fig, title, height_px=420)


def resource_by_class_plot(table: pd.DataFrame, title: str = "Resource by class and cut-off",
                           value: str = "treo_t") -> go.Figure:
    """Stacked bars of ``value`` (default contained TREO) by class for each cut-off."""
    require_columns(table, ["cutoff", "class", value], title)
    colours = {"measured": "#1a9850", "indicated": "#d9b400", "inferred": "#fc8d59"}
    fig = new_figure()
    for i, (cls, part) in enumerate(table.groupby("class", sort=False)):
        if str(cls).lower() in ("total", "all"):
            continue
        fig.add_bar(x=part["cutoff"].map(lambda c: f"{c:g} ppm"), y=part[value] / 1e6, name=str(cls),
                    marker_color=colours.get(str(cls), PALETTE[i % len(PALETTE)]))
    fig.update_layout(barmode="stack", xaxis_title="cut-off", yaxis_title=f"{value} (millions)")
    return base_layout(fig, title, height_px=380)
