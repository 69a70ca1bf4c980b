"""Projection (pyproj), the estimation grid, and area-of-interest masks (EEZ circle, lat/lon box)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from reymud.geography import EEZ_RADIUS_KM, MINAMITORISHIMA_LATLON, TAKAYA2018_BOX

__all__ = [
    "MINAMITORISHIMA_LATLON",
    "TAKAYA2018_BOX",
    "Grid",
    "aoi_mask",
    "box_mask",
    "box_outline",
    "eez_mask",
    "eez_outline",
    "to_projected",
    "utm_crs_for",
]



def utm_crs_for(longitude_deg: float, northern: bool = True) -> str:
    """EPSG code string of the UTM zone containing ``longitude_deg`` (WGS84)."""
    zone = int(np.floor((float(longitude_deg) + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{(32600 if northern else 32700) + zone}"


def to_projected(frame: pd.DataFrame, crs: str | None = None) -> tuple[pd.DataFrame, str]:
    """Add ``easting``/``northing`` (m) from ``latitude``/``longitude`` (deg WGS84).

    Parameters
    ----------
    frame : DataFrame
        With ``latitude`` and ``longitude`` columns.
    crs : str, optional
        Target CRS (anything pyproj accepts); default the UTM zone of the mean longitude (north).

    Returns
    -------
    (DataFrame, str)
        A copy with ``easting``/``northing`` and the CRS string used.
    """
    from pyproj import Transformer

    missing = {"latitude", "longitude"} - set(frame.columns)
    if missing:
        raise ValueError(f"to_projected: frame lacks column(s) {sorted(missing)}")
    lat = frame["latitude"].to_numpy(float)
    lon = frame["longitude"].to_numpy(float)
    bad = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 360))
    if bad.any():
        raise ValueError(f"to_projected: rows {np.flatnonzero(bad)[:5].tolist()} have invalid lat/lon")
    if crs is None:
        mean_lon = ((np.nanmean(lon) + 180.0) % 360.0) - 180.0
        crs = utm_crs_for(mean_lon, northern=bool(np.nanmean(lat) >= 0))
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    e, n = tr.transform(lon, lat)
    out = frame.copy()
    out["easting"] = np.asarray(e, dtype=float)
    out["northing"] = np.asarray(n, dtype=float)
    return out, str(crs)


@dataclass(frozen=True)
class Grid:
    """Regular grid of square cells in a projected CRS.

    Parameters
    ----------
    x0, y0 : float
        Easting / northing of the centre of the first (south-west) cell, metres.
    nx, ny : int
        Number of cells along easting / northing.
    cell_m : float
        Cell size, metres.
    crs : str
        CRS of the coordinates.
    """

    x0: float
    y0: float
    nx: int
    ny: int
    cell_m: float
    crs: str = ""

    def __post_init__(self) -> None:
        for name in ("x0", "y0", "cell_m"):
            object.__setattr__(self, name, float(getattr(self, name)))
        for name in ("nx", "ny"):
            object.__setattr__(self, name, int(getattr(self, name)))
        if self.nx < 1 or self.ny < 1 or not self.cell_m > 0:
            raise ValueError(f"Grid needs nx, ny >= 1 and cell_m > 0, got {self.nx}, {self.ny}, {self.cell_m}")

    @classmethod
    def around(cls, points, cell_m: float, margin_m: float = 0.0, crs: str = "") -> Grid:
        """Grid covering the points' bounding box plus ``margin_m`` (points: frame or (n, 2) array)."""
        if isinstance(points, pd.DataFrame):
            xy = points[["easting", "northing"]].to_numpy(float)
            crs = crs or str(points.attrs.get("crs", ""))
        else:
            xy = np.asarray(points, dtype=float)
        lo = np.nanmin(xy, axis=0) - margin_m
        hi = np.nanmax(xy, axis=0) + margin_m
        n = np.maximum(np.ceil((hi - lo) / cell_m).astype(int), 1)
        return cls(float(lo[0] + cell_m / 2), float(lo[1] + cell_m / 2), int(n[0]), int(n[1]), float(cell_m), crs)

    @property
    def easting(self) -> np.ndarray:
        """Cell-centre eastings (m)."""
        return self.x0 + self.cell_m * np.arange(self.nx)

    @property
    def northing(self) -> np.ndarray:
        """Cell-centre northings (m)."""
        return self.y0 + self.cell_m * np.arange(self.ny)

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)`` - the ``("northing", "easting")`` array shape."""
        return (self.ny, self.nx)

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell, m2."""
        return float(self.cell_m**2)

    def coords(self) -> np.ndarray:
        """Cell centres as an (ny * nx, 2) array, row-major over (northing, easting)."""
        e, n = np.meshgrid(self.easting, self.northing)
        return np.column_stack([e.ravel(), n.ravel()])

    def template(self) -> xr.Dataset:
        """An empty Dataset with the grid's coordinates and attrs."""
        return xr.Dataset(
            coords={"northing": ("northing", self.northing,
                                 {"units": "m", "standard_name": "projection_y_coordinate", "axis": "Y"}),
                    "easting": ("easting", self.easting,
                                {"units": "m", "standard_name": "projection_x_coordinate", "axis": "X"})},
            attrs={"crs": self.crs, "cell_size_m": self.cell_m, "Conventions": "CF-1.8"})

    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude (deg) of the cell centres, each shaped ``(ny, nx)``."""
        from pyproj import Transformer

        if not self.crs:
            raise ValueError("Grid.lonlat needs the grid's crs")
        xy = self.coords()
        lon, lat = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True).transform(xy[:, 0], xy[:, 1])
        return np.reshape(lon, self.shape), np.reshape(lat, self.shape)


def eez_mask(grid: Grid, centre_latlon: tuple[float, float] = MINAMITORISHIMA_LATLON,
             radius_km: float = EEZ_RADIUS_KM) -> xr.DataArray:
    """True for cells whose centre is within ``radius_km`` (geodesic, WGS84) of ``centre_latlon``."""
    from pyproj import Geod

    lon, lat = grid.lonlat()
    _, _, dist = Geod(ellps="WGS84").inv(np.full(lon.size, centre_latlon[1]), np.full(lon.size, centre_latlon[0]),
                                          lon.ravel(), lat.ravel())
    inside = np.reshape(dist <= radius_km * 1000.0, grid.shape)
    return xr.DataArray(inside, dims=("northing", "easting"), coords=grid.template().coords, name="inside_eez")


def box_mask(grid: Grid, box: tuple[float, float, float, float] = TAKAYA2018_BOX) -> xr.DataArray:
    """True for cells whose centre lies in the lat/lon box ``(lat_min, lat_max, lon_min, lon_max)``."""
    lon, lat = grid.lonlat()
    inside = (lat >= box[0]) & (lat <= box[1]) & (lon >= box[2]) & (lon <= box[3])
    return xr.DataArray(inside, dims=("northing", "easting"), coords=grid.template().coords, name="inside_box")


def aoi_mask(grid: Grid, eez: bool | tuple[float, float] = True, box=None,
             radius_km: float = EEZ_RADIUS_KM) -> xr.DataArray:
    """Area-of-interest mask: EEZ circle (``eez=True`` for Minamitorishima or a ``(lat, lon)`` centre)
    intersected with a lat/lon ``box`` when given. Without a CRS on the grid everything is inside."""
    mask = xr.DataArray(np.ones(grid.shape, dtype=bool), dims=("northing", "easting"),
                        coords=grid.template().coords, name="inside")
    if not grid.crs:
        return mask
    if eez:
        centre = MINAMITORISHIMA_LATLON if eez is True else tuple(eez)
        mask = mask & eez_mask(grid, centre, radius_km)
    if box is not None:
        mask = mask & box_mask(grid, box)
    return mask.rename("inside")


def eez_outline(centre_latlon: tuple[float, float] = MINAMITORISHIMA_LATLON, radius_km: float = EEZ_RADIUS_KM,
                n_vertices: int = 361) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (deg WGS84) of the geodesic EEZ circle, closed (last vertex = first).

    The same circle :func:`eez_mask` tests against: ``radius_km`` around ``centre_latlon``
    (lat, lon), at ``n_vertices`` azimuths from 0 to 360 degrees.
    """
    from pyproj import Geod

    if n_vertices < 4:
        raise ValueError(f"eez_outline needs n_vertices >= 4, got {n_vertices}")
    azimuth = np.linspace(0.0, 360.0, int(n_vertices))
    lon, lat, _ = Geod(ellps="WGS84").fwd(np.full(azimuth.size, centre_latlon[1]), np.full(azimuth.size, centre_latlon[0]),
                                          azimuth, np.full(azimuth.size, radius_km * 1000.0))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def box_outline(box: tuple[float, float, float, float] = TAKAYA2018_BOX,
                n_per_edge: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (deg) around the lat/lon ``box`` ``(lat_min, lat_max, lon_min, lon_max)``
    of :func:`box_mask`: south, east, north, west edge, ``n_per_edge`` points each (ends included,
    so the ring is closed), dense enough to stay on the box once projected."""
    if n_per_edge < 2:
        raise ValueError(f"box_outline needs n_per_edge >= 2, got {n_per_edge}")
    s, n, w, e = box
    t = np.linspace(0.0, 1.0, int(n_per_edge))
    lon = np.concatenate([w + (e - w) * t, np.full(t.size, e), e - (e - w) * t, np.full(t.size, w)])
    lat = np.concatenate([np.full(t.size, s), s + (n - s) * t, np.full(t.size, n), n - (n - s) * t])
    return lon, lat
