"""Area of interest: the polygon a resource is reported on (licence block, study box, EEZ polygon).

An :class:`AreaOfInterest` holds a polygon in longitude/latitude (WGS84, EPSG:4326). It is
projected with pyproj after densifying its edges (so straight lon/lat edges, e.g. the parallels of
a box, stay true to shape in the projected CRS), and clips an estimation :class:`~reymud.spatial.Grid`
into per-cell fractions by exact polygon-cell intersection (shapely 2 array functions).

>>> aoi = AreaOfInterest.from_arg("153.5,21.8,154.1167,22.25")   # or a GeoJSON file
>>> round(aoi.area_km2("EPSG:32656"))
3171
>>> grid = aoi.grid(5000.0, "EPSG:32656")
>>> fractions = aoi.block_fractions(grid)                         # 0..1 per cell
>>> round(float(fractions.sum()) * grid.cell_area_m2 / 1e6)
3171
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
import xarray as xr
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from reymud.spatial.crs import Grid, utm_crs_for

__all__ = ["DENSIFY_DEG", "AreaOfInterest", "AreaOfInterestError"]

#: Longest lon/lat edge segment (degrees, about 1.1 km) kept before projecting.
DENSIFY_DEG = 0.01
#: Longest projected edge segment (m) kept before un-projecting a default (hull + margin) area.
DENSIFY_M = 500.0
_BOX_RE = re.compile(r"^\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*$")
_KINDS = ("box", "geojson", "default", "polygon")


class AreaOfInterestError(ValueError):
    """An area of interest cannot be read or built (the message names the file and what is wrong)."""


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str, thread: int):
    """A cached pyproj Transformer (set-up costs ~50 ms; one per thread, as pyproj advises)."""
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def _transform(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    tr = _transformer(str(src), str(dst), threading.get_ident())

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def _check_lonlat(geom: BaseGeometry, where: str) -> None:
    lon0, lat0, lon1, lat1 = geom.bounds
    if not (-180.0 <= lon0 and lon1 <= 360.0 and -90.0 <= lat0 and lat1 <= 90.0):
        raise AreaOfInterestError(
            f"{where}: coordinates span lon {lon0:g}..{lon1:g}, lat {lat0:g}..{lat1:g}, outside longitude/latitude "
            "degrees; give the polygon in WGS84 lon/lat (GeoJSON order: [longitude, latitude]), not projected metres")
    if lon1 - lon0 > 180.0:
        raise AreaOfInterestError(f"{where}: the polygon spans {lon1 - lon0:g} degrees of longitude; polygons "
                                  "crossing the antimeridian are not supported (use 0..360 longitudes)")


def _polygonal(obj: dict, where: str) -> BaseGeometry:
    if not isinstance(obj, dict) or "type" not in obj:
        raise AreaOfInterestError(f"{where}: expected a GeoJSON object with a 'type' member")
    kind = obj["type"]
    if kind == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list) or not feats:
            raise AreaOfInterestError(f"{where}: FeatureCollection has no features")
        parts = [_polygonal(f, f"{where}, feature {i}") for i, f in enumerate(feats)]
        return shapely.union_all(parts)
    if kind == "Feature":
        if obj.get("geometry") is None:
            raise AreaOfInterestError(f"{where}: Feature has no geometry")
        return _polygonal(obj["geometry"], where)
    if kind not in ("Polygon", "MultiPolygon"):
        raise AreaOfInterestError(f"{where}: geometry type {kind!r} is not an area; give a Polygon, MultiPolygon, "
                                  "Feature or FeatureCollection of them")
    try:
        geom = shape(obj)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise AreaOfInterestError(f"{where}: {kind} coordinates cannot be read ({exc}); expected rings of "
                                  "[longitude, latitude] pairs, first point repeated at the end") from None
    geom = shapely.force_2d(geom)  # a third (height) coordinate plays no part in an area
    if geom.is_empty:
        raise AreaOfInterestError(f"{where}: the {kind} is empty")
    if not geom.is_valid:
        raise AreaOfInterestError(f"{where}: the {kind} is not a valid polygon ({shapely.is_valid_reason(geom)}); "
                                  "fix self-intersections or ring order")
    if geom.area == 0:
        raise AreaOfInterestError(f"{where}: the {kind} has zero area")
    return geom


def _cell_fractions(poly: BaseGeometry, grid: Grid) -> np.ndarray:
    """Exact fraction of each cell inside ``poly`` (projected), shape ``grid.shape``.

    Only cells the boundary can touch get an exact intersection: the boundary is densified to
    segments of at most half a cell, so every boundary point lies within a quarter cell of a
    vertex and hence in a vertex's cell or one of its 8 neighbours. Every other cell lies wholly
    inside or outside, decided by its centre.
    """
    cell, half = grid.cell_m, grid.cell_m / 2
    e, n = np.meshgrid(grid.easting, grid.northing)
    frac = shapely.contains_xy(poly, e, n).astype(float)
    vertices = shapely.get_coordinates(shapely.boundary(shapely.segmentize(poly, half)))
    ix = np.floor((vertices[:, 0] - (grid.x0 - half)) / cell).astype(np.int64)
    iy = np.floor((vertices[:, 1] - (grid.y0 - half)) / cell).astype(np.int64)
    d = np.arange(-1, 2)
    cx = (ix[:, None, None] + d[None, None, :]).repeat(3, axis=1).ravel()
    cy = (iy[:, None, None] + d[None, :, None]).repeat(3, axis=2).ravel()
    ok = (cx >= 0) & (cx < grid.nx) & (cy >= 0) & (cy < grid.ny)
    flat = np.unique(cy[ok] * grid.nx + cx[ok])
    if flat.size:
        ex, ny_ = grid.easting[flat % grid.nx], grid.northing[flat // grid.nx]
        boxes = shapely.box(ex - half, ny_ - half, ex + half, ny_ + half)
        frac.ravel()[flat] = shapely.area(shapely.intersection(boxes, poly)) / grid.cell_area_m2
    return frac


@dataclass(frozen=True)
class AreaOfInterest:
    """A polygonal area of interest in longitude/latitude (WGS84).

    Parameters
    ----------
    geometry : shapely Polygon or MultiPolygon
        The area, x = longitude, y = latitude (degrees).
    kind : {"box", "geojson", "default", "polygon"}
        How it was given (a ``minlon,minlat,maxlon,maxlat`` box, a GeoJSON file, the default
        convex hull of the cores plus a margin, or a polygon built in Python).
    source : str
        The argument or file it came from, or how it was built (printed by :meth:`describe`).
    margin_m : float
        Margin (m) added around the cores' convex hull (``kind="default"`` only, else 0).
    """

    geometry: BaseGeometry
    kind: str = "polygon"
    source: str = ""
    margin_m: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.geometry, Polygon | MultiPolygon):
            raise AreaOfInterestError(f"AreaOfInterest needs a Polygon or MultiPolygon, got "
                                      f"{type(self.geometry).__name__}")
        if self.kind not in _KINDS:
            raise AreaOfInterestError(f"AreaOfInterest.kind = {self.kind!r}: use one of {_KINDS}")
        _check_lonlat(self.geometry, f"area of interest {self.source or self.kind}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def box(cls, minlon: float, minlat: float, maxlon: float, maxlat: float, source: str = "") -> AreaOfInterest:
        """A lon/lat box (degrees)."""
        if not (minlon < maxlon and minlat < maxlat):
            raise AreaOfInterestError(
                f"area box {source or (minlon, minlat, maxlon, maxlat)}: need minlon < maxlon and minlat < maxlat "
                f"(order minlon,minlat,maxlon,maxlat), got {minlon:g},{minlat:g},{maxlon:g},{maxlat:g}")
        text = source or f"{minlon:g},{minlat:g},{maxlon:g},{maxlat:g}"
        return cls(shapely.box(minlon, minlat, maxlon, maxlat), "box", text)

    @classmethod
    def from_arg(cls, text_or_path: str | Path) -> AreaOfInterest:
        """Read ``"minlon,minlat,maxlon,maxlat"`` or a GeoJSON file (Polygon, MultiPolygon, Feature or
        FeatureCollection; lon/lat WGS84).

        Raises
        ------
        AreaOfInterestError
            Unreadable box text, missing file, invalid JSON, non-polygon geometry, invalid polygon or
            coordinates outside lon/lat degrees (the message names the file and the problem).
        """
        text = str(text_or_path)
        match = _BOX_RE.match(text)
        if match:
            try:
                values = [float(v) for v in match.groups()]
            except ValueError:
                raise AreaOfInterestError(f"area box {text!r}: four numbers expected "
                                          "(minlon,minlat,maxlon,maxlat)") from None
            return cls.box(*values, source=text)
        path = Path(text)
        if not path.exists():
            if "," in text:
                raise AreaOfInterestError(f"area {text!r}: not a box of four numbers minlon,minlat,maxlon,maxlat "
                                          "and not an existing GeoJSON file")
            raise AreaOfInterestError(f"area file {path}: does not exist (give a GeoJSON file or "
                                      "minlon,minlat,maxlon,maxlat)")
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise AreaOfInterestError(f"area file {path}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                                      f"{exc.msg})") from None
        except UnicodeDecodeError:
            raise AreaOfInterestError(f"area file {path}: not a UTF-8 text file (GeoJSON expected)") from None
        crs = obj.get("crs") if isinstance(obj, dict) else None
        if isinstance(crs, dict):
            name = str(crs.get("properties", {}).get("name", ""))
            if name and not re.search(r"(CRS84|4326)$", name):
                raise AreaOfInterestError(f"area file {path}: declares crs {name!r}; reproject it to WGS84 lon/lat "
                                          "(EPSG:4326 / CRS84) first")
        geom = _polygonal(obj, f"area file {path}")
        return cls(geom, "geojson", str(path))

    @classmethod
    def default(cls, lon, lat, margin_m: float, crs: str | None = None) -> AreaOfInterest:
        """Convex hull of the cores plus ``margin_m`` (computed in ``crs``, default the UTM zone).

        Parameters
        ----------
        lon, lat : array-like
            Core longitudes and latitudes (degrees WGS84).
        margin_m : float
            Buffer distance (m) around the hull, >= 0; must be > 0 when the cores do not span an
            area (fewer than three, or all on a line).
        crs : str, optional
            Projected CRS the hull and buffer are built in.
        """
        lon = np.asarray(lon, dtype=float).ravel()
        lat = np.asarray(lat, dtype=float).ravel()
        ok = np.isfinite(lon) & np.isfinite(lat)
        if lon.shape != lat.shape or not ok.any():
            raise AreaOfInterestError("default area: give matching, finite core longitudes and latitudes")
        if not margin_m >= 0:
            raise AreaOfInterestError(f"default area: margin_m must be >= 0 m, got {margin_m}")
        lon, lat = lon[ok], lat[ok]
        crs = crs or utm_crs_for(float(np.mean(lon)), northern=bool(np.mean(lat) >= 0))
        x, y = _transformer("EPSG:4326", str(crs), threading.get_ident()).transform(lon, lat)
        hull = shapely.MultiPoint(np.column_stack([x, y])).convex_hull
        area = hull.buffer(float(margin_m), quad_segs=16) if margin_m > 0 else hull
        if not isinstance(area, Polygon) or area.area == 0:
            raise AreaOfInterestError(f"default area: the {lon.size} core(s) do not span an area; give margin_m > 0 "
                                      "or an explicit area (--area)")
        geom = _transform(shapely.segmentize(area, DENSIFY_M), crs, "EPSG:4326")
        return cls(geom, "default", f"convex hull of {lon.size} cores + {margin_m:g} m margin", float(margin_m))

    # ------------------------------------------------------------------ geometry
    def projected(self, crs: str) -> BaseGeometry:
        """The polygon in ``crs`` (metres), edges densified to ``DENSIFY_DEG`` before projecting."""
        if not crs:
            raise AreaOfInterestError("AreaOfInterest.projected needs a CRS (the grid's or the project's)")
        return _transform(shapely.segmentize(self.geometry, DENSIFY_DEG), "EPSG:4326", crs)

    def area_km2(self, crs: str) -> float:
        """Area (km2) of the polygon in the projected ``crs``."""
        return float(self.projected(crs).area) / 1e6

    def bounds_m(self, crs: str) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` (m) of the projected polygon."""
        return tuple(float(v) for v in self.projected(crs).bounds)

    def grid(self, cell_m: float, crs: str) -> Grid:
        """The smallest :class:`Grid` of ``cell_m`` cells in ``crs`` covering the polygon."""
        xmin, ymin, xmax, ymax = self.bounds_m(crs)
        nx = max(int(np.ceil((xmax - xmin) / cell_m)), 1)
        ny = max(int(np.ceil((ymax - ymin) / cell_m)), 1)
        return Grid(xmin + cell_m / 2, ymin + cell_m / 2, nx, ny, cell_m, crs)

    def block_fractions(self, grid: Grid) -> xr.DataArray:
        """Fraction (0..1) of each grid cell inside the polygon, by exact intersection.

        Returns
        -------
        DataArray
            ``("northing", "easting")`` on the grid's coordinates, named ``aoi_fraction``;
            ``sum(fraction) * grid.cell_area_m2`` equals the projected polygon area (up to the
            part of the polygon outside the grid).
        """
        if not grid.crs:
            raise AreaOfInterestError("AreaOfInterest.block_fractions needs a grid with a CRS")
        poly = self.projected(grid.crs)
        shapely.prepare(poly)
        frac = _cell_fractions(poly, grid)
        da = xr.DataArray(np.clip(frac, 0.0, 1.0), dims=("northing", "easting"), coords=grid.template().coords,
                          name="aoi_fraction", attrs={"units": "1", "long_name": "fraction of the cell inside the "
                                                      "area of interest", "aoi": self.source or self.kind})
        return da

    def contains(self, lon, lat) -> np.ndarray:
        """Boolean array: which lon/lat points (degrees WGS84) lie inside or on the area."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        return shapely.intersects_xy(self.geometry, lon, lat)

    # ------------------------------------------------------------------ reporting
    def describe(self, crs: str | None = None) -> str:
        """One line: what the area is, its lon/lat bounds and its area in ``crs`` (default UTM zone)."""
        lon0, lat0, lon1, lat1 = self.geometry.bounds
        crs = crs or utm_crs_for(0.5 * (lon0 + lon1), northern=bool(lat0 + lat1 >= 0))
        what = {"box": "lon/lat box", "geojson": "GeoJSON polygon", "default": "default area",
                "polygon": "polygon"}[self.kind]
        src = f" ({self.source})" if self.source else ""
        return (f"area of interest: {what}{src}, lon {lon0:.4f}..{lon1:.4f}, lat {lat0:.4f}..{lat1:.4f} (WGS84), "
                f"{self.area_km2(crs):,.1f} km2 in {crs}")

    def to_dict(self) -> dict:
        """JSON-ready dict: ``kind, source, margin_m`` and the GeoJSON ``geometry``."""
        return {"kind": self.kind, "source": self.source, "margin_m": self.margin_m,
                "geometry": json.loads(json.dumps(mapping(self.geometry)))}

    @classmethod
    def from_dict(cls, data: dict) -> AreaOfInterest:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, dict) or "geometry" not in data:
            raise AreaOfInterestError("AreaOfInterest.from_dict: expected a dict with a 'geometry' (GeoJSON)")
        geom = _polygonal(data["geometry"], "AreaOfInterest.from_dict")
        return cls(geom, data.get("kind", "polygon"), data.get("source", ""), float(data.get("margin_m", 0.0)))
