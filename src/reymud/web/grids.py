"""Grids for the map: a 2-D DataArray as JSON arrays, block-averaged for display."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

__all__ = ["grid_json"]


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def grid_json(da: xr.DataArray, attrs: dict[str, Any], max_cells: int, variable: str) -> dict[str, Any]:
    """A ``(northing, easting)`` grid as JSON arrays, block-averaged to at most ``max_cells``.

    Parameters
    ----------
    da : xarray.DataArray
        2-D with dims ``northing`` and ``easting`` (cell centres, m); NaN where undefined.
    attrs : dict
        Attributes of the source dataset (``crs``, ``cell_size_m``, ``synthetic``).
    max_cells : int
        Largest number of cells returned; a bigger grid is averaged over ``stride x stride``
        blocks (NaN ignored; ``stride = ceil(sqrt(cells / max_cells))``).
    variable : str
        Name reported back.

    Returns
    -------
    dict
        ``variable, crs, cell_size_m, shape`` (full grid), ``stride``, ``easting_m``,
        ``northing_m``, ``values`` (rows along northing; null for NaN), ``synthetic``.
    """
    da = da.astype(float)
    ny, nx = da.sizes["northing"], da.sizes["easting"]
    stride = max(1, int(np.ceil(np.sqrt(ny * nx / max_cells))))
    if stride > 1:
        da = da.coarsen(northing=stride, easting=stride, boundary="pad").mean()
    values = da.transpose("northing", "easting").to_numpy()
    grid = np.round(values, 6).astype(object)
    grid[~np.isfinite(values)] = None
    return {
        "variable": variable,
        "crs": attrs.get("crs"),
        "cell_size_m": _float(attrs.get("cell_size_m")),
        "shape": [int(ny), int(nx)],
        "stride": stride,
        "easting_m": np.asarray(da["easting"], dtype=float).round(3).tolist(),
        "northing_m": np.asarray(da["northing"], dtype=float).round(3).tolist(),
        "values": grid.tolist(),
        "synthetic": str(attrs.get("synthetic", "false")).lower() == "true",
    }
