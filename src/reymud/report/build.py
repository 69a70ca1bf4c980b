"""Build every report figure from an :class:`~reymud.assess.AssessResult` and write the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import xarray as xr

import reymud.plot as rp
from reymud.assess.products import ResourceProduct, VariographyProduct
from reymud.assess.stages_supply import scenario_chart_frame
from reymud.plot import geochem as fg
from reymud.plot import resource as fr
from reymud.plot import spatial as fs
from reymud.plot.base import PALETTE, bar_chart, base_layout, line_chart, map_boundaries, new_figure
from reymud.report.html import write_html

__all__ = ["NotComputed", "build_figures", "cv_figure", "risk_figure", "write_report"]


def _accumulation(ds: xr.Dataset, density_t_m3: float) -> xr.DataArray:
    """REY accumulation (kg/m2) = thickness (m) x density (t/m3) x grade (ppm) / 1000."""
    acc = ds["thickness_m"] * density_t_m3 * ds["total_rey_ppm"] / 1000.0
    return acc.where(ds["inside"]).rename("accumulation_kg_m2")


def _with_rows(frame, reason: str):
    """``frame``, or a ValueError (shown in place of the figure) when it is empty: no empty charts."""
    if frame is None or len(frame) == 0:
        raise ValueError(reason)
    return frame


class NotComputed(ValueError):
    """A figure whose quantities were not computed (the message says why; shown in its place)."""


def _reasons(frame, value: str, status: str, skip=None) -> list[str]:
    """Distinct reasons (the ``status`` column) of the rows whose ``value`` is missing."""
    if value not in frame.columns:
        return [f"{value}: not in the supply summary"]
    missing = frame[value].isna() if skip is None else frame[value].isna() & ~skip
    if status not in frame.columns:
        return [f"{value} not computed"] if missing.any() else []
    return list(dict.fromkeys(str(r) for r in frame.loc[missing, status].dropna()))


def _short(reason: str, width: int = 150) -> str:
    reason = reason if reason.startswith("not computed") else f"not computed: {reason}"
    return reason if len(reason) <= width else reason[: width - 3].rstrip() + "..."


def cv_figure(cv, name: str, unit: str, folds) -> go.Figure:
    """Cross-validation scatter of ``name`` (rows of ``cv`` with ``variable == name``).

    A variable constant in the data (e.g. the window thickness when every core spans the window)
    has nothing to cross-validate: every estimate is that constant, and a scatter of one point on
    axes of zero width only looks like a result. It raises :class:`NotComputed` with the constant
    instead (shown in the figure's place).
    """
    part = cv[cv["variable"] == name]
    observed = part["true"].to_numpy(float) if "true" in part.columns else np.array([])
    observed = observed[np.isfinite(observed)]
    if observed.size and np.ptp(observed) == 0:
        value = f"{float(observed[0]):,.6g}" + (f" {unit}" if unit else "")
        raise NotComputed(f"not computed: {name} is constant in the data (value {value}); "
                          "cross-validation is not informative")
    return fs.cv_scatter(part, "true", "estimate", f"Cross-validation ({folds}): {name}", unit)


def risk_figure(summary) -> go.Figure:
    """Supply-risk indices by element: GeoPolRisk (Japan) as a value or its low-high bounds (a range
    bar), EU SR on its own axis where computed; what was not computed is said on the chart, and a
    chart with nothing computed raises :class:`NotComputed` with the reasons (no empty chart)."""
    frame = summary.reset_index(drop=True)
    x = frame["element"].astype(str)
    fig = new_figure()
    drawn = False
    low = frame.get("geopolrisk_japan_low")
    high = frame.get("geopolrisk_japan_high")
    bounded = (low.notna() & high.notna()) if low is not None and high is not None else None
    if bounded is not None and bounded.any():
        fig.add_bar(x=x[bounded], y=(high - low)[bounded], base=low[bounded], name="GeoPolRisk (Japan): bounds",
                    marker_color=PALETTE[1], opacity=0.6,
                    hovertemplate="%{x}: %{base:.3f} to %{customdata:.3f}<extra>GeoPolRisk bounds</extra>",
                    customdata=high[bounded])
        drawn = True
    if "geopolrisk_japan" in frame.columns and frame["geopolrisk_japan"].notna().any():
        fig.add_scatter(x=x, y=frame["geopolrisk_japan"], mode="markers", name="GeoPolRisk (Japan)",
                        marker={"color": PALETTE[0], "size": 9, "symbol": "diamond"})
        drawn = True
    if "eu_sr" in frame.columns and frame["eu_sr"].notna().any():
        fig.add_scatter(x=x, y=frame["eu_sr"], mode="markers", name="EU supply risk (SR, right axis)",
                        yaxis="y2", marker={"color": PALETTE[2], "size": 9, "symbol": "square"})
        fig.update_layout(yaxis2={"title": "EU SR (0-10)", "overlaying": "y", "side": "right", "rangemode": "tozero"})
        drawn = True
    notes = [f"EU SR {_short(r)}" for r in _reasons(frame, "eu_sr", "eu_sr_status")]
    notes += [f"GeoPolRisk (Japan) {_short(r)}"
              for r in _reasons(frame, "geopolrisk_japan", "geopolrisk_status", skip=bounded)]
    if not drawn:
        raise NotComputed("; ".join(notes) or "not computed: no supply-risk index in the supply summary")
    for i, note in enumerate(notes[:3]):
        fig.add_annotation(text=note, xref="paper", yref="paper", x=0.0, y=-0.18 - 0.07 * i, showarrow=False,
                           xanchor="left", font={"size": 10})
    fig.update_layout(yaxis_title="GeoPolRisk (Japan)", barmode="overlay",
                      margin={"b": 80 + 25 * min(len(notes), 3)})
    fig.update_yaxes(rangemode="tozero")
    return base_layout(fig, "Supply-risk indices by element (bars: GeoPolRisk low-high bounds)",
                       height_px=420 + 25 * min(len(notes), 3))


def _figure_specs(result: Any, max_cells: int) -> dict[str, Callable[[], go.Figure]]:
    """Name -> zero-argument builder of each figure (evaluated one by one, errors reported)."""
    frames, ds = result.frames, result.block_model
    classes = result.product(ResourceProduct).classes
    samples = frames["samples_geochem"]
    points = frames["window_points"]
    density = float(result.results["resource"]["density_t_m3"])
    crs = str(ds.attrs.get("crs", ""))
    bounds = map_boundaries(crs) if crs else []
    curves = result.product(VariographyProduct).curves
    ev = frames["experimental_variograms"]
    cv = frames["cross_validation"]
    swath = frames["swath"]
    threshold = float(result.results["cores"]["threshold_ppm"])

    def vario(name: str, title: str) -> Callable[[], go.Figure]:
        variance = result.results["variography"].get(name, {}).get("data_variance")
        return lambda: fs.variogram_plot(ev[ev["variable"] == name], *curves[name], title=title,
                                         data_variance=variance)

    def cvplot(name: str, unit: str) -> Callable[[], go.Figure]:
        return lambda: cv_figure(cv, name, unit, result.results["cross_validation"]["folds"])

    def gridmap(var: str, title: str, unit: str, scale: str = "Viridis") -> Callable[[], go.Figure]:
        return lambda: fs.grid_map(ds[var].where(ds["inside"]), title, points, bounds, max_cells, scale, unit)

    scenario = frames.get("scenario_monthly")
    specs: dict[str, Callable[[], go.Figure]] = {
        "spider_chondrite": lambda: rp.spider(samples, "CI_McDonoughSun1995",
                                              title="REY normalised to CI chondrite (McDonough & Sun 1995)"),
        "spider_paas": lambda: rp.spider(samples, "PAAS_TaylorMcLennan1985",
                                         title="REY normalised to PAAS (Taylor & McLennan 1985)"),
        "anomalies": lambda: fg.anomaly_plot(samples),
        "downhole": lambda: rp.downhole_log(samples, threshold=threshold, title="Downhole total REY"),
        "crm": lambda: bar_chart(_with_rows(frames["qaqc_crm"].dropna(subset=["bias_pct"]),
                                            "no CRM analysis with a certified value"), "analyte", ["bias_pct"],
                                 "CRM bias against certified values (%)", "bias (%)"),
        "duplicates": lambda: bar_chart(frames["qaqc_duplicates"], "analyte", ["precision_pct", "p90_rpd_pct"],
                                        "Duplicate precision", "%", labels=["pooled CV (%)", "P90 RPD (%)"]),
        "variogram_total_rey": vario("total_rey_ppm", "Variogram: total REY (ppm)"),
        "variogram_thickness": vario("thickness_m", "Variogram: window thickness (m)"),
        "map_grade": gridmap("total_rey_ppm", "Total REY, block estimate (ppm)", "ppm"),
        "map_thickness": gridmap("thickness_m", "Thickness in the window (m)", "m", "Cividis"),
        "map_accumulation": lambda: fs.grid_map(_accumulation(ds, density), "REY accumulation (kg/m2)", points,
                                                bounds, max_cells, "Magma", "kg/m2"),
        "map_slope": gridmap("slope_of_regression", "Slope of regression", "", "RdYlGn"),
        "cv_total_rey": cvplot("total_rey_ppm", "ppm"),
        "cv_thickness": cvplot("thickness_m", "m"),
        "swath_easting": lambda: rp.swath(swath, "easting", "Swath along easting (total REY)"),
        "swath_northing": lambda: rp.swath(swath, "northing", "Swath along northing (total REY)"),
        "map_class": lambda: fs.category_map(classes.where(ds["inside"], "unclassified"),
                                             "Resource classification", points, bounds, max_cells),
        "resource_by_class": lambda: fr.resource_by_class_plot(
            frames["resource_table"][frames["resource_table"]["class"].isin(["measured", "indicated", "inferred"])]),
        "grade_tonnage": lambda: rp.grade_tonnage(frames["grade_tonnage"]),
        "uncertainty": lambda: fr.uncertainty_plot(
            frames["uncertainty"][~frames["uncertainty"]["element"].isin(["ore", "REY"])]),
        "probability_maps": lambda: fs.probability_maps(result.exceedance["probability"],
                                                        "Probability that total REY exceeds the cut-off", points),
        "production": lambda: line_chart(frames["production_schedule"], "year", ["treo_t", "revenue_usd"],
                                         "Production schedule: oxide output and revenue", "TREO (t)",
                                         labels=["TREO (t)", "revenue (USD)"], secondary=["revenue_usd"],
                                         from_zero=True, secondary_title="revenue (USD)"),
        "years_of_supply": lambda: bar_chart(frames["supply_summary"], "element", ["years_global", "years_japan"],
                                             "Years of supply by element (P50 resource estimate)", "years",
                                             log_y=True, labels=["global demand (proxy)", "Japan demand"]),
        "risk_indices": lambda: risk_figure(frames["supply_summary"]),
    }
    if scenario is not None:
        def scenario_chart() -> go.Figure:
            monthly = scenario_chart_frame(scenario)
            fig = new_figure()
            for case, part in monthly.groupby("case", sort=False):
                fig.add_scatter(x=part["date"], y=part["unmet_t"], mode="lines", name=f"{case}: unmet")
                fig.add_scatter(x=part["date"], y=part["deep_sea_t"], mode="lines", name=f"{case}: deep-sea",
                                line={"dash": "dot"})
            fig.update_layout(yaxis_title="t REO per month (all elements)")
            return base_layout(fig, "Export-restriction scenario: unmet demand and deep-sea supply")

        specs["scenario"] = scenario_chart
    return specs


def build_figures(result: Any, max_cells: int = 40_000) -> dict[str, go.Figure | str]:
    """Every report figure by name; a figure whose inputs are unusable becomes its error message."""
    figures: dict[str, go.Figure | str] = {}
    for name, make in _figure_specs(result, max_cells).items():
        try:
            figures[name] = make()
        except NotComputed as exc:  # said as it is: "not computed: reason"
            figures[name] = str(exc)
        except (KeyError, ValueError, TypeError) as exc:
            figures[name] = f"{type(exc).__name__}: {exc}"
    return figures


def write_report(result: Any, path: str | Path, max_cells: int = 40_000) -> Path:
    """Render ``report.html`` for an assessment result (plotly.js inline once; works offline).

    Parameters
    ----------
    result : AssessResult
        From :func:`reymud.assess.assess`.
    path : str or Path
        Output file.
    max_cells : int
        Largest number of grid cells drawn per map (grids are decimated beyond).
    """
    return write_html(path, result.results, build_figures(result, max_cells))
