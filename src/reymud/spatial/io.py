"""Writing grids: CF-1.8 NetCDF (or Zarr) with units, projected axes and the CRS as a grid mapping.

One writer serves every producer of grids (``reymud estimate``, ``reymud simulate``, ``reymud assess``),
so a block model carries the same metadata whichever command wrote it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

__all__ = ["GRID_SUFFIXES", "check_grid_path", "write_grid"]

#: file extensions :func:`write_grid` writes (NetCDF or a Zarr store)
GRID_SUFFIXES = (".nc", ".nc4", ".zarr")

#: variable-name suffix -> CF units (first match wins, so longer suffixes come first)
_UNITS = (("_ppm_variance", "ppm2"), ("_ppm", "ppm"), ("_m_variance", "m2"), ("_m", "m"), ("_kg_m2", "kg m-2"))


def _cf_dataset(ds: xr.Dataset, title: str) -> xr.Dataset:
    out = ds.copy()
    for name in out.data_vars:
        unit = next((u for suffix, u in _UNITS if str(name).endswith(suffix)), None)
        if unit and "units" not in out[name].attrs:
            out[name].attrs["units"] = unit
        if out[name].dtype == object:
            out[name] = out[name].astype(str)
    for axis, std in (("easting", "projection_x_coordinate"), ("northing", "projection_y_coordinate")):
        if axis in out.coords:
            out[axis].attrs.update(units="m", standard_name=std, axis="X" if axis == "easting" else "Y")
    crs = str(out.attrs.get("crs", ""))
    if crs:
        from pyproj import CRS

        parsed = CRS.from_user_input(crs)
        out["spatial_ref"] = xr.DataArray(np.int32(0), attrs={**parsed.to_cf(), "crs_wkt": parsed.to_wkt()})
        for name in out.data_vars:
            if name != "spatial_ref" and {"easting", "northing"} <= set(out[name].dims):
                out[name].attrs["grid_mapping"] = "spatial_ref"
    out.attrs.update(Conventions="CF-1.8", title=title)
    out.attrs = {k: (v if isinstance(v, (str, int, float, np.number)) else str(v)) for k, v in out.attrs.items()}
    return out


def check_grid_path(path: str | Path) -> Path:
    """Refuse a grid path whose extension is not NetCDF or Zarr (so no NetCDF is written as ``bm.tif``).

    Raises
    ------
    ValueError
        Naming the path and pointing to ``reymud export`` for the other formats.

    Examples
    --------
    >>> check_grid_path("bm.nc").name
    'bm.nc'
    >>> check_grid_path("bm.tif")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: bm.tif: grids are written as NetCDF (.nc, .nc4) or Zarr (.zarr); for GeoTIFF, ...`reymud export PROJECT --what blocks ...
    """
    path = Path(path)
    if path.suffix.lower() not in GRID_SUFFIXES:
        raise ValueError(f"{path}: grids are written as NetCDF (.nc, .nc4) or Zarr (.zarr); for GeoTIFF, GSLIB, "
                         "VTK or block-model CSV use `reymud export PROJECT --what blocks --format "
                         "geotiff|gslib|vtk|csv`")
    return path


def write_grid(ds: xr.Dataset, path: str | Path, title: str = "reymud grid") -> Path:
    """Write a 2-D/3-D grid as CF-1.8 NetCDF, or as Zarr when ``path`` ends in ``.zarr``.

    Parameters
    ----------
    ds : xarray.Dataset
        Grid with ``easting``/``northing`` coordinates in metres and a ``crs`` attribute.
    path : str or Path
        Output file (``.nc``) or store (``.zarr``).
    title : str
        Global ``title`` attribute.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        When ``path`` does not end in ``.nc``, ``.nc4`` or ``.zarr`` (see :func:`check_grid_path`).

    Notes
    -----
    Boolean masks (``inside``) keep xarray's own encoding (int8 on disk, read back as bool).
    """
    path = check_grid_path(path)
    out = _cf_dataset(ds, title)
    if path.suffix == ".zarr":
        out.to_zarr(path, mode="w")
        return path
    encoding = {name: {"zlib": True, "complevel": 4} for name in out.data_vars
                if out[name].ndim >= 2 and out[name].dtype.kind in "fiu"}
    out.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return path
