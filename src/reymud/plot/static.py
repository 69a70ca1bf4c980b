"""Static PNG of a plotly figure drawn with matplotlib (plotly's own image export needs a browser: kaleido).

The conversion covers what :mod:`reymud.plot` draws: scatter (lines, markers), bar and heatmap traces, subplot
grids (each axis pair placed at its plotly domain), right-hand ``overlaying`` axes, log and reversed axes,
categorical tick labels, and the figure and subplot titles. It is a faithful quick look, not a restyle.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go

__all__ = ["save_png"]


def _axis_name(ref: str | None, letter: str) -> str:
    """``'x2'`` -> ``'xaxis2'``; ``None``/``'x'`` -> ``'xaxis'``."""
    suffix = (ref or letter)[1:]
    return f"{letter}axis{suffix}"


def _style_axis(ax, axis, which: str) -> None:
    if axis is None:
        return
    set_scale = ax.set_xscale if which == "x" else ax.set_yscale
    if axis.type == "log":
        set_scale("log")
    title = axis.title.text if axis.title is not None else None
    if title:
        (ax.set_xlabel if which == "x" else ax.set_ylabel)(title)
    if axis.tickvals is not None and axis.ticktext is not None:
        (ax.set_xticks if which == "x" else ax.set_yticks)(list(axis.tickvals), list(axis.ticktext))
    if axis.autorange == "reversed":
        (ax.invert_xaxis if which == "x" else ax.invert_yaxis)()
    if axis.range is not None and axis.type != "log":
        (ax.set_xlim if which == "x" else ax.set_ylim)(*axis.range)


def _draw(ax, trace) -> None:
    name = trace.name if trace.showlegend is not False else None
    if trace.type == "heatmap":
        z = np.asarray(trace.z, float)
        x = np.asarray(trace.x, float) if trace.x is not None else np.arange(z.shape[1])
        y = np.asarray(trace.y, float) if trace.y is not None else np.arange(z.shape[0])
        mesh = ax.pcolormesh(x, y, z, shading="nearest", cmap="viridis")
        ax.figure.colorbar(mesh, ax=ax, fraction=0.04)
        return
    if trace.type == "bar":
        x = np.asarray(trace.x)
        ax.bar([str(v) for v in x] if x.dtype.kind in "OUS" else x, np.asarray(trace.y, float), label=name,
               alpha=trace.opacity if trace.opacity is not None else 1.0,
               color=getattr(trace.marker, "color", None) if isinstance(getattr(trace.marker, "color", None), str)
               else None)
        return
    if trace.type in ("scatter", "scattergl"):
        x = np.asarray(trace.x) if trace.x is not None else np.arange(len(trace.y))
        y = np.asarray(trace.y, float)
        mode = trace.mode or "lines"
        colour = trace.line.color if trace.line is not None and isinstance(trace.line.color, str) else None
        dashed = trace.line is not None and trace.line.dash in ("dash", "dot")
        linestyle = ("--" if dashed else "-") if "lines" in mode else "none"
        ax.plot(x, y, label=name, color=colour, markersize=3, linestyle=linestyle,
                marker="o" if "markers" in mode else None,
                alpha=trace.opacity if trace.opacity is not None else 1.0)


def save_png(fig: go.Figure, path: str | Path, dpi: int = 120, width_in: float = 10.0) -> Path:
    """Draw ``fig`` with matplotlib and save it as a PNG.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        A figure from :mod:`reymud.plot`.
    path : str or Path
        Output ``.png`` file.
    dpi : int
        Resolution.
    width_in : float
        Width in inches (height follows the plotly figure's aspect, 420 px tall by default).

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"{path}: save_png writes PNG files (.png)")
    layout = fig.layout
    height_px = layout.height or 420
    mfig = plt.figure(figsize=(width_in, max(3.0, width_in * height_px / 1000.0)), dpi=dpi)
    axes: dict[tuple[str, str], object] = {}
    try:
        for trace in fig.data:
            xname, yname = _axis_name(trace.xaxis, "x"), _axis_name(trace.yaxis, "y")
            key = (xname, yname)
            if key not in axes:
                yaxis = layout[yname]
                if yaxis.overlaying:
                    host = axes.get((xname, _axis_name(yaxis.overlaying, "y"))) or mfig.add_subplot(111)
                    ax = host.twinx()
                else:
                    xd = layout[xname].domain or (0.0, 1.0)
                    yd = yaxis.domain or (0.0, 1.0)
                    ax = mfig.add_axes([0.08 + 0.86 * xd[0], 0.12 + 0.76 * yd[0], 0.86 * (xd[1] - xd[0]),
                                        0.76 * (yd[1] - yd[0])])
                _style_axis(ax, layout[xname], "x")
                _style_axis(ax, yaxis, "y")
                axes[key] = ax
            _draw(axes[key], trace)
        title = layout.title.text if layout.title is not None else None
        if title:
            mfig.suptitle(title)
        for ax in axes.values():
            _handles, labels = ax.get_legend_handles_labels()
            if labels and len(labels) <= 12:
                ax.legend(fontsize=7, loc="best")
        mfig.savefig(path)
    finally:
        plt.close(mfig)
    return path
