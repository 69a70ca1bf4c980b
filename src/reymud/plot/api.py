"""The plotting API: one call per figure a geologist asks for, each returning a plotly figure.

The report (``reymud.report``) draws its figures with these functions and the builders beneath them
(:mod:`reymud.plot.geochem`, :mod:`reymud.plot.spatial`, :mod:`reymud.plot.resource`). For a static image use
:func:`reymud.plot.save_png` (matplotlib; no browser needed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr

from reymud.plot import geochem as _geochem
from reymud.plot import resource as _resource
from reymud.plot import spatial as _spatial
from reymud.plot.base import map_boundaries

__all__ = ["block_map", "downhole_log", "grade_tonnage", "spider", "swath", "variogram"]


def spider(samples: pd.DataFrame, reference: str = "CI_McDonoughSun1995", group: str | None = "rey_class",
           title: str | None = None) -> go.Figure:
    """Spider diagram: REY normalised to a packaged reference set (log scale), median in black.

    Parameters
    ----------
    samples : pandas.DataFrame
        Wide samples with element-symbol columns in ppm (``La`` ... ``Y``); ``group`` colours the lines.
    reference : str
        A column of the packaged ``reference_compositions_ppm`` table, e.g. ``"CI_McDonoughSun1995"`` or
        ``"PAAS_TaylorMcLennan1985"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from reymud.elements import REY
    >>> fig = spider(pd.DataFrame([{el: 100.0 for el in REY}]))
    >>> fig.data[-1].name
    'median'
    """
    return _geochem.spider_plot(samples, reference, title or f"REY normalised to {reference}", group=group)


def variogram(experimental: pd.DataFrame, model=None, title: str = "Variogram",
              data_variance: float | None = None, max_lag_m: float | None = None) -> go.Figure:
    """Experimental semivariogram with the number of pairs per lag (marker size and label) and the model.

    Parameters
    ----------
    experimental : pandas.DataFrame
        ``lag_m, gamma, n_pairs`` (from :func:`reymud.spatial.experimental_variogram`).
    model : reymud.spatial.VariogramModel, optional
        Drawn as a curve from 0 to ``max_lag_m`` (default: the largest lag).
    data_variance : float, optional
        Dashed sill reference.
    """
    lags = np.asarray([], float)
    gamma = np.asarray([], float)
    if model is not None:
        top = float(max_lag_m or experimental["lag_m"].max() or 1.0)
        lags = np.linspace(0.0, top, 200)
        gamma = np.asarray(model.variogram(lags), float)
    return _spatial.variogram_plot(experimental, lags, gamma, title=title, data_variance=data_variance)


def downhole_log(samples: pd.DataFrame, value: str = "total_rey_ppm", threshold: float | None = 400.0,
                 cores: Sequence[str] | None = None, title: str | None = None) -> go.Figure:
    """Downhole log per core: ``value`` against depth as interval steps, depth down.

    Parameters
    ----------
    samples : pandas.DataFrame
        ``core_id, top_mbsf, bottom_mbsf`` and ``value`` (e.g. from :func:`reymud.geochem.summarise`).
    threshold : float or None
        Dashed reference line (default 400 ppm, the REY-rich threshold of ``reymud.geochem.Thresholds``).
    cores : sequence of str, optional
        Only these cores, in this order.
    """
    frame = samples
    if cores is not None:
        frame = samples[samples["core_id"].astype(str).isin([str(c) for c in cores])]
        if frame.empty:
            raise ValueError(f"downhole_log: none of the cores {list(cores)} is in the samples")
    return _geochem.downhole_logs(frame, value=value, threshold=threshold,
                                  title=title or f"Downhole {value}")


def grade_tonnage(table: pd.DataFrame, cutoffs: Sequence[float] | None = None, by: str = "total_rey_ppm",
                  title: str = "Grade-tonnage curve") -> go.Figure:
    """Grade-tonnage curve: dry tonnes above cut-off (left, Mt) and mean grade above cut-off (right).

    Parameters
    ----------
    table : pandas.DataFrame
        Either a grade-tonnage table (``cutoff, dry_t, <by>``) or a blocks table (one row per block with
        ``dry_t`` and ``<by>``), which is turned into the curve by :func:`reymud.resource.grade_tonnage`.
    cutoffs : sequence of float, optional
        Cut-offs for a blocks table (default: that function's own).
    """
    if "cutoff" not in table.columns:
        from reymud.resource import grade_tonnage as curve

        table = curve(table, cutoffs, by=by)
    return _resource.grade_tonnage_plot(table, grade=by, title=title)


def swath(frame: pd.DataFrame, axis: str | None = None, title: str | None = None) -> go.Figure:
    """Swath plot: mean block estimate and mean data per band, with the data count (right axis).

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`reymud.spatial.swath` (``band_centre_m, mean_estimate, mean_data, n_data``); a frame with an
        ``axis`` column holding several axes is filtered to ``axis``.
    axis : str, optional
        ``"easting"`` or ``"northing"`` (the axis label; the filter when the frame has an ``axis`` column).
    """
    if "axis" in frame.columns and axis is not None:
        frame = frame[frame["axis"] == axis]
    label = f"{axis} (m)" if axis else "band centre (m)"
    return _spatial.swath_plot(frame, "band_centre_m", ["mean_estimate", "mean_data"],
                               title or f"Swath along {axis or 'the axis'}", count="n_data", axis_label=label)


def block_map(ds: xr.Dataset, variable: str = "total_rey_ppm", points: pd.DataFrame | None = None,
              depth_mbsf: float | None = None, boundaries: bool = False, inside_only: bool = True,
              max_cells: int = 40_000, title: str | None = None) -> go.Figure:
    """Map of one block-model variable (heatmap; class names as discrete colours), cores as triangles.

    Parameters
    ----------
    ds : xarray.Dataset
        A reymud BLOCK MODEL (2-D, or 3-D with ``depth_mbsf``: the slice nearest ``depth_mbsf``, default the
        shallowest).
    variable : str
        A data variable, or ``resource_class`` / any text variable for a category map.
    points : pandas.DataFrame, optional
        ``easting, northing[, core_id]`` of the cores.
    boundaries : bool
        Draw the Minamitorishima EEZ and the Takaya et al. (2018) study box (needs the ``crs`` attribute).
    inside_only : bool
        Blank blocks outside the area of interest / search (``inside`` false).
    """
    if variable not in ds:
        raise ValueError(f"block_map: no variable {variable!r} in the block model; it has {list(ds.data_vars)}")
    da = ds[variable]
    if "depth_mbsf" in da.dims:
        da = da.sel(depth_mbsf=depth_mbsf, method="nearest") if depth_mbsf is not None else da.isel(depth_mbsf=0)
    bounds = map_boundaries(str(ds.attrs["crs"])) if boundaries and ds.attrs.get("crs") else []
    inside = ds["inside"] if inside_only and "inside" in ds else None
    if inside is not None and "depth_mbsf" in inside.dims:
        inside = inside.sel(depth_mbsf=da["depth_mbsf"]) if "depth_mbsf" in da.coords else inside.isel(depth_mbsf=0)
    name = title or variable
    if da.dtype.kind in "OUS":
        shown = da.astype(str).where(inside, "unclassified") if inside is not None else da.astype(str)
        return _spatial.category_map(shown, name, points, bounds, max_cells)
    shown = da.astype(float).where(inside) if inside is not None else da.astype(float)
    unit = str(da.attrs.get("units", ""))
    return _spatial.grid_map(shown, name, points, bounds, max_cells, unit=unit)
