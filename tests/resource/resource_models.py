"""Small BLOCK MODEL datasets built by hand for the resource tests."""

from __future__ import annotations

import numpy as np
import xarray as xr

from reymud.elements import REY

#: A seawater-like REY mud pattern (proportions of total REY) used to split total grades.
PATTERN = np.array([0.20, 0.08, 0.04, 0.17, 0.035, 0.009, 0.045, 0.007, 0.045, 0.01, 0.03, 0.004, 0.027, 0.004, 0.293])
PATTERN = PATTERN / PATTERN.sum()


def make_block_model(total_rey_ppm, thickness_m=10.0, cell_m=100.0, density_t_m3=0.55, **extra) -> xr.Dataset:
    """A 2-D (or 3-D, if ``total_rey_ppm`` is 3-D) BLOCK MODEL with REY split by ``PATTERN``.

    ``density_t_m3`` (measured density in every block) may be ``None`` (density assumed).
    """
    total = np.asarray(total_rey_ppm, dtype=float)
    three_d = total.ndim == 3
    ny, nx = total.shape[-2:]
    coords = {"northing": 1000.0 + cell_m * np.arange(ny), "easting": 5000.0 + cell_m * np.arange(nx)}
    dims = ("northing", "easting")
    if three_d:
        coords = {"depth_mbsf": 0.5 + np.arange(total.shape[0]), **coords}
        dims = ("depth_mbsf", *dims)
    thick = np.broadcast_to(np.asarray(thickness_m, dtype=float), total.shape).copy()
    data = {"total_rey_ppm": (dims, total), "thickness_m": (dims, thick),
            "overburden_m": (dims, np.zeros(total.shape))}
    for el, p in zip(REY, PATTERN, strict=True):
        data[f"{el}_ppm"] = (dims, total * p)
    defaults = {
        "nearest_core_m": np.full(total.shape, 500.0),
        "mean_distance_m": np.full(total.shape, 800.0),
        "n_cores_in_search": np.full(total.shape, 4, dtype=np.int64),
        "slope_of_regression": np.full(total.shape, 0.9),
        "kriging_efficiency": np.full(total.shape, 0.7),
        "inside": np.ones(total.shape, dtype=bool),
    }
    if density_t_m3 is not None:
        defaults["density_t_m3"] = np.full(total.shape, float(density_t_m3))
    for name, value in {**defaults, **extra}.items():
        data[name] = (dims, np.broadcast_to(np.asarray(value), total.shape).copy())
    attrs = {"crs": "EPSG:32656", "cell_size_m": cell_m, "window_top_mbsf": 0.0, "window_base_mbsf": 10.0,
             "domain": "window", "synthetic": "true", "estimator": "test", "created_by": "tests",
             "variogram_range_m": 3000.0}
    if three_d:
        attrs["slice_thickness_m"] = 1.0
    return xr.Dataset(data, coords=coords, attrs=attrs)
