"""Geochemistry figures: normalised REY spider plots, anomaly plot, downhole logs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from reymud.data import read_reference
from reymud.elements import REY_PLOT_ORDER
from reymud.plot.base import PALETTE, base_layout, new_figure, require_columns

__all__ = ["CLASS_ORDER", "anomaly_plot", "downhole_logs", "normalised_rey", "spider_plot"]

#: Legend order of the sample classes (reymud.geochem labels, leanest first).
CLASS_ORDER: tuple[str, ...] = ("below", "rey_rich", "highly_rey_rich", "extremely_rey_rich")


def normalised_rey(samples: pd.DataFrame, reference: str) -> pd.DataFrame:
    """REY of each sample divided by a packaged reference composition (plot order columns).

    Parameters
    ----------
    samples : DataFrame
        Element symbol columns in ppm.
    reference : str
        Column of ``reference_compositions_ppm`` (e.g. ``"CI_McDonoughSun1995"``,
        ``"PAAS_TaylorMcLennan1985"``).
    """
    table = read_reference("reference_compositions_ppm").set_index("element")
    if reference not in table.columns:
        raise ValueError(f"unknown reference set {reference!r}; choose one of {list(table.columns)}")
    require_columns(samples, REY_PLOT_ORDER, f"spider plot ({reference})")
    ref = table[reference].reindex(list(REY_PLOT_ORDER)).astype(float)
    return samples[list(REY_PLOT_ORDER)].astype(float) / ref.to_numpy()


def _gapped(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flatten rows into one polyline separated by NaN gaps (one trace for many lines)."""
    n_rows, n_cols = values.shape
    y = np.full((n_rows, n_cols + 1), np.nan)
    y[:, :n_cols] = values
    x = np.tile(np.append(np.arange(n_cols, dtype=float), np.nan), n_rows)
    return x, y.ravel()


def spider_plot(samples: pd.DataFrame, reference: str, title: str, group: str | None = "rey_class",
                max_lines: int = 800) -> go.Figure:
    """Normalised REY patterns (log scale), one colour per ``group`` value, with the median.

    Samples beyond ``max_lines`` are thinned evenly for display (the median uses all).
    """
    norm = normalised_rey(samples, reference)
    labels = list(REY_PLOT_ORDER)
    fig = new_figure()
    step = max(1, math.ceil(len(norm) / max_lines))
    shown = norm.iloc[::step]
    has_group = bool(group) and group in samples.columns
    groups = samples[group].astype(str).iloc[::step] if has_group else pd.Series("samples", index=shown.index)
    present = set(groups.unique())
    order = [c for c in CLASS_ORDER if c in present] + sorted(present - set(CLASS_ORDER))
    for i, name in enumerate(n for n in order if (groups == n).any()):
        x, y = _gapped(shown[groups.to_numpy() == name].to_numpy())
        fig.add_scatter(x=x, y=y, mode="lines", name=str(name), opacity=0.35,
                        line={"width": 1, "color": PALETTE[i % len(PALETTE)]}, hoverinfo="skip")
    fig.add_scatter(x=np.arange(len(labels)), y=norm.median().to_numpy(), mode="lines+markers",
                    name="median", line={"width": 3, "color": "black"})
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(labels))), ticktext=labels)
    fig.update_yaxes(type="log", title=f"sample / {reference}")
    return base_layout(fig, title)


def anomaly_plot(samples: pd.DataFrame, title: str = "Ce/Ce* vs Y/Ho") -> go.Figure:
    """Ce anomaly against Y/Ho, coloured by total REY (seawater-like phases: low Ce/Ce*, high Y/Ho)."""
    require_columns(samples, ["ce_anomaly", "y_ho", "total_rey_ppm"], title)
    fig = new_figure()
    fig.add_scatter(
        x=samples["y_ho"], y=samples["ce_anomaly"], mode="markers",
        marker={"size": 6, "color": samples["total_rey_ppm"], "colorscale": "Viridis",
                "colorbar": {"title": "total REY ppm"}, "showscale": True},
        text=samples.get("sample_id"), name="samples",
    )
    fig.add_vline(x=28.0, line_dash="dot", annotation_text="chondritic Y/Ho ~28")
    fig.add_hline(y=1.0, line_dash="dot", annotation_text="no Ce anomaly")
    fig.update_layout(xaxis_title="Y/Ho (mass ratio)", yaxis_title="Ce/Ce* (shale-normalised)")
    return base_layout(fig, title)


def downhole_logs(samples: pd.DataFrame, value: str = "total_rey_ppm", threshold: float | None = 400.0,
                  columns: int = 6, max_cores: int = 36, title: str = "Downhole total REY") -> go.Figure:
    """Small multiples of ``value`` against depth per core (interval steps, depth down).

    Parameters
    ----------
    samples : DataFrame
        ``core_id, top_mbsf, bottom_mbsf, <value>``.
    threshold : float or None
        Drawn as a dashed vertical line (e.g. the 400 ppm REY-rich threshold).
    max_cores : int
        Cores beyond this number are left out of the figure (named in its title).
    """
    require_columns(samples, ["core_id", "top_mbsf", "bottom_mbsf", value], title)
    cores = list(dict.fromkeys(samples["core_id"].astype(str)))
    hidden = max(0, len(cores) - max_cores)
    cores = cores[:max_cores]
    ncols = min(columns, max(1, len(cores)))
    nrows = max(1, math.ceil(len(cores) / ncols))
    fig = make_subplots(figure=new_figure(), rows=nrows, cols=ncols, shared_yaxes=True, subplot_titles=cores,
                        horizontal_spacing=0.02, vertical_spacing=0.25 / nrows)
    frame = samples.assign(_core=samples["core_id"].astype(str)).sort_values(["_core", "top_mbsf"])
    for i, (core, part) in enumerate(frame.groupby("_core", sort=False)):
        if core not in cores:
            continue
        row, col = divmod(cores.index(core), ncols)
        grade = part[value].to_numpy(float)
        xs, ys = _staircase(grade, part["top_mbsf"].to_numpy(float), part["bottom_mbsf"].to_numpy(float))
        fig.add_scatter(x=xs, y=ys, mode="lines", line={"color": PALETTE[0], "width": 2}, name=core,
                        showlegend=False, row=row + 1, col=col + 1, connectgaps=False)
        if threshold is not None:
            fig.add_scatter(x=[threshold, threshold], y=[part["top_mbsf"].min(), part["bottom_mbsf"].max()],
                            mode="lines", line={"color": "grey", "dash": "dash", "width": 1},
                            showlegend=(i == 0), name=f"{threshold:g} threshold", row=row + 1, col=col + 1)
    fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(title_text="mbsf", col=1)
    note = f" ({hidden} more cores not shown)" if hidden else ""
    return base_layout(fig, title + note, height_px=max(300, 240 * nrows))


def _staircase(grade: np.ndarray, top: np.ndarray, bottom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step-plot vertices of interval data; a NaN break where intervals do not touch."""
    xs = np.repeat(grade, 2)
    ys = np.column_stack([top, bottom]).ravel()
    gaps = np.flatnonzero(top[1:] > bottom[:-1] + 1e-9) + 1  # interval index starting after a gap
    return np.insert(xs, 2 * gaps, np.nan), np.insert(ys, 2 * gaps, np.nan)
