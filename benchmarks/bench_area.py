"""Area-of-interest clipping: time and accuracy of ``AreaOfInterest.block_fractions``.

For the Takaya et al. 2018 box (about 3,200 km2) and a 100 km-radius geodesic circle near
Minamitorishima, at several cell sizes, prints: cells, partial (edge) cells, seconds for the
vectorised path (centre test for all cells, exact shapely-2 intersection for the cells the
boundary can touch), seconds for the naive baseline (a Python loop intersecting every cell, timed
on 5,000 random cells and scaled), and the error of
``sum(fraction x cell area)`` against the projected polygon area and the geodesic (ellipsoid) area.

Usage: ``python benchmarks/bench_area.py [--cells 1000,250,100]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely
from pyproj import Geod
from rich.console import Console
from rich.table import Table

from reymud.spatial import TAKAYA2018_BOX, AreaOfInterest

CRS = "EPSG:32656"


def circle(lat: float, lon: float, radius_km: float) -> AreaOfInterest:
    """A geodesic circle as a 720-vertex lon/lat polygon."""
    az = np.linspace(0.0, 360.0, 721)[:-1]
    lons, lats, _ = Geod(ellps="WGS84").fwd(np.full(az.size, lon), np.full(az.size, lat), az,
                                            np.full(az.size, radius_km * 1000.0))
    return AreaOfInterest(shapely.Polygon(np.column_stack([lons, lats])), "polygon", f"{radius_km:g} km circle")


def naive_seconds(aoi: AreaOfInterest, grid, sample: int = 5000, seed: int = 0) -> float:
    """The naive baseline: a Python loop over every cell (scalar box and intersection), timed on
    ``sample`` random cells and scaled to the whole grid."""
    poly = aoi.projected(grid.crs)
    shapely.prepare(poly)
    half = grid.cell_m / 2
    rng = np.random.default_rng(seed)
    n_cells = grid.nx * grid.ny
    todo = rng.choice(n_cells, size=min(sample, n_cells), replace=False)
    start = time.perf_counter()
    total = 0.0
    for i in todo:
        x, y = grid.easting[i % grid.nx], grid.northing[i // grid.nx]
        total += shapely.box(x - half, y - half, x + half, y + half).intersection(poly).area
    spent = time.perf_counter() - start
    return spent * n_cells / len(todo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="1000,250,100", help="cell sizes in m, comma separated")
    args = parser.parse_args()
    lat0, lat1, lon0, lon1 = TAKAYA2018_BOX
    areas = {"Takaya 2018 box": AreaOfInterest.box(lon0, lat0, lon1, lat1),
             "100 km circle": circle(22.5, 154.0, 100.0)}
    geod = Geod(ellps="WGS84")
    warm = next(iter(areas.values()))
    warm.block_fractions(warm.grid(5_000.0, CRS))  # warm-up: pyproj transformer, xarray's lazy imports
    table = Table(title="AreaOfInterest.block_fractions (exact polygon-cell intersection)")
    for col in ("area", "cell m", "cells", "edge cells", "vectorised s", "naive loop s (est.)", "err vs projected %",
                "err vs ellipsoid %"):
        table.add_column(col, justify="right")
    for name, aoi in areas.items():
        projected = aoi.area_km2(CRS)
        ellipsoid = abs(geod.geometry_area_perimeter(shapely.segmentize(aoi.geometry, 0.01))[0]) / 1e6
        for cell in (float(c) for c in args.cells.split(",")):
            grid = aoi.grid(cell, CRS)
            start = time.perf_counter()
            frac = aoi.block_fractions(grid)
            spent = time.perf_counter() - start
            total = float(frac.sum()) * grid.cell_area_m2 / 1e6
            edge = int(((frac > 0) & (frac < 1)).sum())
            table.add_row(name, f"{cell:g}", f"{grid.nx * grid.ny:,}", f"{edge:,}", f"{spent:.3f}",
                          f"{naive_seconds(aoi, grid):.3f}", f"{100 * (total / projected - 1):+.4f}",
                          f"{100 * (total / ellipsoid - 1):+.3f}")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
