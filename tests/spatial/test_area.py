"""Area of interest: reading, projected area against analytic values, exact cell fractions, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from scipy.integrate import quad

from reymud.spatial import TAKAYA2018_BOX, AreaOfInterest, AreaOfInterestError, Grid

UTM56 = "EPSG:32656"
A_WGS84, E2_WGS84 = 6378137.0, 0.00669437999014


def ellipsoid_box_km2(lon0, lat0, lon1, lat1):
    """Analytic area of a lon/lat box on the WGS84 ellipsoid (meridional x parallel radii, integrated)."""
    def element(phi):
        return A_WGS84**2 * (1 - E2_WGS84) * np.cos(phi) / (1 - E2_WGS84 * np.sin(phi) ** 2) ** 2

    band, _ = quad(element, np.radians(lat0), np.radians(lat1))
    return band * np.radians(lon1 - lon0) / 1e6


def takaya_box():
    lat0, lat1, lon0, lon1 = TAKAYA2018_BOX
    return AreaOfInterest.from_arg(f"{lon0},{lat0},{lon1},{lat1}"), (lon0, lat0, lon1, lat1)


def test_box_area_matches_the_ellipsoid_within_half_a_percent():
    aoi, (lon0, lat0, lon1, lat1) = takaya_box()
    truth = ellipsoid_box_km2(lon0, lat0, lon1, lat1)
    assert 2_000 < truth < 3_500  # about 3,200 km2; Takaya's "about 2,500 km2" is the part they gridded
    assert aoi.area_km2(UTM56) == pytest.approx(truth, rel=0.005)
    geod_area = abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.segmentize(aoi.geometry, 0.01))[0]) / 1e6
    assert geod_area == pytest.approx(truth, rel=1e-4)
    assert aoi.kind == "box" and "lon/lat box" in aoi.describe(UTM56)


def test_geojson_polygon_area_equals_projected_analytic(tmp_path):
    # a regular hexagon of circumradius 20 km in UTM 56N around 22 N 153.8 E, written as lon/lat GeoJSON
    to_utm = Transformer.from_crs("EPSG:4326", UTM56, always_xy=True)
    cx, cy = to_utm.transform(153.8, 22.0)
    ang = np.radians(np.arange(0, 360, 60))
    x, y = cx + 20_000 * np.cos(ang), cy + 20_000 * np.sin(ang)
    lon, lat = Transformer.from_crs(UTM56, "EPSG:4326", always_xy=True).transform(x, y)
    ring = [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
    path = tmp_path / "hex.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}}]}))
    aoi = AreaOfInterest.from_arg(str(path))
    analytic = 1.5 * np.sqrt(3) * 20.0**2
    assert aoi.area_km2(UTM56) == pytest.approx(analytic, rel=0.005)
    assert AreaOfInterest.from_dict(json.loads(json.dumps(aoi.to_dict()))) == aoi


@pytest.mark.parametrize("cell_m", [1_000.0, 3_700.0])
def test_block_fractions_sum_to_the_polygon_area_and_constant_field_tonnage(cell_m):
    aoi, _ = takaya_box()
    grid = aoi.grid(cell_m, UTM56)
    bigger = Grid(grid.x0 - 2 * cell_m, grid.y0 - 2 * cell_m, grid.nx + 4, grid.ny + 4, cell_m, UTM56)
    frac = aoi.block_fractions(bigger)
    assert frac.dims == ("northing", "easting") and float(frac.min()) == 0.0 and float(frac.max()) == 1.0
    partial = ((frac > 0) & (frac < 1)).sum()
    assert partial > 0
    area_km2 = aoi.area_km2(UTM56)
    assert float(frac.sum()) * bigger.cell_area_m2 / 1e6 == pytest.approx(area_km2, rel=0.005)
    # a constant 10 m x 0.55 t/m3 x 964 ppm field: tonnage = area x thickness x density x grade
    thickness, density, grade = 10.0, 0.55, 964.0
    tonnes = float((frac * bigger.cell_area_m2 * thickness * density * grade * 1e-6).sum())
    assert tonnes == pytest.approx(area_km2 * 1e6 * thickness * density * grade * 1e-6, rel=0.005)


def test_cell_fraction_exact_for_a_half_covered_cell():
    # a box whose projected west edge cuts one 1 km cell through its middle
    aoi = AreaOfInterest.box(153.7, 21.9, 153.9, 22.1)
    poly = aoi.projected(UTM56)
    xmin, ymin, _, _ = poly.bounds
    grid = Grid(xmin, ymin + 5_000, 1, 1, 1_000.0, UTM56)  # cell centred on the west edge
    frac = float(aoi.block_fractions(grid).item())
    cell = shapely.box(xmin - 500, ymin + 4_500, xmin + 500, ymin + 5_500)
    assert frac == pytest.approx(shapely.intersection(cell, poly).area / 1e6, rel=1e-9)
    assert 0.3 < frac < 0.7


def test_default_area_is_hull_plus_margin():
    lon = np.array([153.6, 153.9, 153.75, 153.7])
    lat = np.array([21.9, 21.9, 22.2, 22.0])
    a0 = AreaOfInterest.default(lon, lat, 0.0, crs=UTM56)
    a5 = AreaOfInterest.default(lon, lat, 5_000.0, crs=UTM56)
    hull = a0.projected(UTM56)
    # buffer of a convex polygon: A + P r + pi r^2
    expected = hull.area + hull.length * 5_000.0 + np.pi * 5_000.0**2
    assert a5.area_km2(UTM56) == pytest.approx(expected / 1e6, rel=0.005)
    assert a5.kind == "default" and a5.margin_m == 5_000.0 and "4 cores" in a5.describe()
    with pytest.raises(AreaOfInterestError, match="do not span an area"):
        AreaOfInterest.default([153.6, 153.7], [21.9, 22.0], 0.0)


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"type": "Point", "coordinates": [153.0, 22.0]}), "not an area"),
    (json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1e6, 0], [1e6, 1e6], [0, 0]]]}), "outside longitude"),
    (json.dumps({"type": "Polygon", "coordinates": [[[153, 22], [154, 23], [154, 22], [153, 23], [153, 22]]]}),
     "not a valid polygon"),
    (json.dumps({"type": "FeatureCollection", "features": []}), "no features"),
    (json.dumps({"type": "Polygon", "coordinates": [[[153, 22], [154]]]}), "cannot be read"),
])
def test_bad_geojson_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(AreaOfInterestError, match=message) as err:
        AreaOfInterest.from_arg(str(path))
    assert "bad.geojson" in str(err.value)


def test_bad_box_and_missing_file():
    with pytest.raises(AreaOfInterestError, match="minlon < maxlon"):
        AreaOfInterest.from_arg("154,21.8,153.5,22.2")
    with pytest.raises(AreaOfInterestError, match="does not exist"):
        AreaOfInterest.from_arg("nowhere.geojson")
    with pytest.raises(AreaOfInterestError, match="not a box of four numbers"):
        AreaOfInterest.from_arg("153.5,21.8,154")
    with pytest.raises(AreaOfInterestError, match="needs a grid with a CRS"):
        AreaOfInterest.box(153.5, 21.8, 154.0, 22.2).block_fractions(Grid(0, 0, 2, 2, 1000.0))


def test_fractions_equal_brute_force_intersection_for_a_polygon_with_a_hole():
    outer = [(153.60, 21.90), (153.95, 21.85), (154.05, 22.10), (153.80, 22.20), (153.62, 22.05)]
    hole = [(153.75, 21.98), (153.85, 21.98), (153.85, 22.06), (153.75, 22.06)]
    second = shapely.box(154.08, 21.86, 154.11, 21.90)
    aoi = AreaOfInterest(shapely.MultiPolygon([shapely.Polygon(outer, [hole]), second]), "polygon", "test")
    grid = aoi.grid(2_300.0, UTM56)
    frac = aoi.block_fractions(grid).to_numpy()
    poly = aoi.projected(UTM56)
    half = grid.cell_m / 2
    e, n = np.meshgrid(grid.easting, grid.northing)
    brute = shapely.area(shapely.intersection(shapely.box(e - half, n - half, e + half, n + half), poly))
    np.testing.assert_allclose(frac, brute / grid.cell_area_m2, atol=1e-12)
    assert ((frac > 0) & (frac < 1)).sum() > 20 and (frac == 1).sum() > 50


def test_contains_and_3d_coordinates(tmp_path):
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [[[153.5, 21.8, -5700], [154.1, 21.8, -5700],
                                                                    [154.1, 22.2, -5700], [153.5, 21.8, -5700]]]}))
    aoi = AreaOfInterest.from_arg(path)
    assert not aoi.geometry.has_z
    assert aoi.contains([153.9, 153.6, 153.0], [21.85, 22.1, 22.0]).tolist() == [True, False, False]
