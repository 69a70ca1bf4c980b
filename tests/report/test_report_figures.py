"""Figure builders on small hand-made frames and grids (no pipeline run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from pyproj import Geod, Transformer

from reymud.data import read_reference
from reymud.elements import REY_PLOT_ORDER
from reymud.plot import geochem as fg
from reymud.plot import resource as fr
from reymud.plot import spatial as fs
from reymud.plot.base import (
    EEZ_CENTRE_LATLON,
    EEZ_RADIUS_M,
    bar_chart,
    decimate,
    line_chart,
    map_boundaries,
    require_columns,
)

CRS = "EPSG:32656"


def _samples(n: int = 4) -> pd.DataFrame:
    paas = read_reference("reference_compositions_ppm").set_index("element")["PAAS_TaylorMcLennan1985"]
    factors = np.array([1.0, 2.0, 5.0, 10.0])[:n]
    frame = pd.DataFrame(np.outer(factors, paas.reindex(list(REY_PLOT_ORDER)).to_numpy()), columns=REY_PLOT_ORDER)
    frame["rey_class"] = ["below", "below", "rey_rich", "highly_rey_rich"][:n]
    frame["core_id"] = ["A", "A", "B", "B"][:n]
    frame["top_mbsf"] = [0.0, 1.0, 0.0, 2.0][:n]
    frame["bottom_mbsf"] = [1.0, 2.0, 1.5, 3.0][:n]
    frame["total_rey_ppm"] = frame[list(REY_PLOT_ORDER)].sum(axis=1)
    frame["ce_anomaly"], frame["y_ho"] = [0.5, 0.4, 0.3, 0.2][:n], [30.0, 40.0, 50.0, 60.0][:n]
    return frame


def _grid(ny: int = 30, nx: int = 40) -> xr.DataArray:
    east = 560_000.0 + 500.0 * np.arange(nx)
    north = 2_420_000.0 + 500.0 * np.arange(ny)
    values = np.add.outer(np.arange(ny), np.arange(nx)).astype(float)
    return xr.DataArray(values, coords={"northing": north, "easting": east}, dims=("northing", "easting"),
                        name="total_rey_ppm")


def test_normalised_rey_divides_by_the_named_set():
    norm = fg.normalised_rey(_samples(), "PAAS_TaylorMcLennan1985")
    assert list(norm.columns) == list(REY_PLOT_ORDER)
    np.testing.assert_allclose(norm.to_numpy(), np.repeat([[1.0], [2.0], [5.0], [10.0]], 15, axis=1))
    with pytest.raises(ValueError, match="unknown reference set"):
        fg.normalised_rey(_samples(), "PAAS_nope")


def test_spider_plot_one_trace_per_class_and_exact_median():
    fig = fg.spider_plot(_samples(), "PAAS_TaylorMcLennan1985", "t")
    names = [t.name for t in fig.data]
    assert names == ["below", "rey_rich", "highly_rey_rich", "median"]
    # two 'below' samples in one trace: 15 points + NaN gap each
    assert len(fig.data[0].y) == 2 * 16 and np.isnan(fig.data[0].y[15])
    np.testing.assert_allclose(fig.data[-1].y, np.full(15, 3.5))  # median of 1, 2, 5, 10
    assert fig.layout.yaxis.type == "log"


def test_staircase_breaks_only_at_gaps():
    xs, ys = fg._staircase(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.5]), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(xs[:4], [1, 1, 2, 2])
    np.testing.assert_array_equal(ys[:4], [0, 1, 1, 2])
    assert np.isnan(xs[4]) and np.isnan(ys[4])
    np.testing.assert_array_equal(ys[5:], [2.5, 3.0])


def test_downhole_logs_one_panel_per_core_depth_down():
    fig = fg.downhole_logs(_samples(), threshold=400.0)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:2] == ["A", "B"]
    assert fig.layout.yaxis.autorange == "reversed"
    with pytest.raises(ValueError, match="lacks column"):
        fg.downhole_logs(_samples().drop(columns="top_mbsf"))


def test_anomaly_plot_axes():
    fig = fg.anomaly_plot(_samples())
    assert list(fig.data[0].x) == [30.0, 40.0, 50.0, 60.0]
    assert list(fig.data[0].y) == [0.5, 0.4, 0.3, 0.2]


def test_decimate_limits_cells_and_keeps_small_grids():
    grid = _grid(100, 100)
    small = decimate(grid, 2_500)
    assert small.shape == (50, 50) and small.size <= 2_500
    assert float(small.isel(northing=1, easting=1)) == float(grid.isel(northing=2, easting=2))
    assert decimate(grid, 20_000).shape == (100, 100)
    with pytest.raises(ValueError, match="max_cells"):
        decimate(grid, 0)


def test_map_boundaries_eez_is_200_nmi_from_minamitorishima():
    (eez_name, east, north), (box_name, box_e, box_n) = map_boundaries(CRS, n_vertices=37)
    assert "EEZ" in eez_name and "Takaya" in box_name
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(east, north)
    _, _, dist = Geod(ellps="WGS84").inv(np.full(37, EEZ_CENTRE_LATLON[1]), np.full(37, EEZ_CENTRE_LATLON[0]),
                                         lon, lat)
    np.testing.assert_allclose(dist, EEZ_RADIUS_M, rtol=1e-6)
    blon, blat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(box_e, box_n)
    assert blat.min() == pytest.approx(21.8) and blat.max() == pytest.approx(22.25)
    assert blon.min() == pytest.approx(153.5) and blon.max() == pytest.approx(154 + 7 / 60)


def test_grid_map_decimates_sends_float32_and_draws_context():
    points = pd.DataFrame({"core_id": ["a"], "easting": [565_000.0], "northing": [2_425_000.0]})
    fig = fs.grid_map(_grid(), "map", points, map_boundaries(CRS), max_cells=300, unit="ppm")
    heat = fig.data[0]
    z = np.asarray(heat.z)
    assert z.dtype == np.float32 and z.size <= 300
    assert [t.name for t in fig.data[1:]] == ["EEZ (200 nmi)", "Takaya 2018 study box", "cores"]
    assert fig.layout.xaxis.range[0] < 560_000.0 < 579_500.0 < fig.layout.xaxis.range[1]


def test_category_map_codes_follow_class_order():
    classes = xr.DataArray(np.array([["measured", "inferred"], ["unclassified", "measured"]], dtype=object),
                           coords={"northing": [0.0, 1.0], "easting": [0.0, 1.0]}, dims=("northing", "easting"))
    fig = fs.category_map(classes, "classes")
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), [[0, 1], [2, 0]])
    assert list(fig.data[0].colorbar.ticktext) == ["measured", "inferred", "unclassified"]


def test_probability_maps_one_panel_per_cutoff():
    prob = xr.concat([_grid() / 100.0] * 3, dim=pd.Index([400.0, 1000.0, 2000.0], name="cutoff_ppm"))
    fig = fs.probability_maps(prob, "p")
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert len(heatmaps) == 3 and [a.text for a in fig.layout.annotations] == [
        "P(> 400 ppm)", "P(> 1000 ppm)", "P(> 2000 ppm)"]


def test_variogram_cv_and_swath_plots():
    exp = pd.DataFrame({"lag_m": [1000.0, 2000.0], "gamma": [1.0, 2.0], "n_pairs": [4, 16]})
    fig = fs.variogram_plot(exp, np.array([0.0, 2000.0]), np.array([0.0, 2.0]), "v", data_variance=1.5)
    assert list(fig.data[1].y) == [0.0, 2.0]
    assert fig.layout.shapes[0].y0 == 1.5 and fig.layout.shapes[0].y1 == 1.5
    cv = pd.DataFrame({"true": [1.0, 2.0, 4.0], "estimate": [1.5, 2.0, 3.0]})
    fig = fs.cv_scatter(cv, "true", "estimate", "cv")
    np.testing.assert_allclose(fig.data[2].y, [0.5, 0.0, -1.0])
    sw = pd.DataFrame({"band_centre_m": [1.0, 2.0], "mean_estimate": [3.0, 4.0], "mean_data": [3.5, np.nan],
                       "n_data": [2, 0]})
    fig = fs.swath_plot(sw, "band_centre_m", ["mean_estimate", "mean_data"], "s", count="n_data")
    assert [t.name for t in fig.data] == ["mean_estimate", "mean_data", "n_data"]


def test_grade_tonnage_and_uncertainty_plots():
    gt = pd.DataFrame({"cutoff": [0.0, 500.0], "dry_t": [2e9, 1e9], "total_rey_ppm": [800.0, 1200.0]})
    fig = fr.grade_tonnage_plot(gt)
    assert list(fig.data[0].y) == [2000.0, 1000.0] and fig.data[1].yaxis == "y2"
    us = pd.DataFrame({"cutoff": [400.0, 400.0], "element": ["Nd", "Dy"], "p10": [1.0, 10.0],
                       "p50": [2.0, 12.0], "p90": [5.0, 13.0]})
    fig = fr.uncertainty_plot(us)
    np.testing.assert_allclose(fig.data[0].error_y.array, [3.0, 1.0])
    np.testing.assert_allclose(fig.data[0].error_y.arrayminus, [1.0, 2.0])
    rt = pd.DataFrame({"cutoff": [400.0, 400.0, 400.0], "class": ["measured", "inferred", "measured+indicated"],
                       "treo_t": [2e6, 1e6, 2e6]})
    fig = fr.resource_by_class_plot(rt)
    assert [t.name for t in fig.data] == ["measured", "inferred", "measured+indicated"]


def test_generic_charts_and_column_check():
    frame = pd.DataFrame({"element": ["Nd", "Dy"], "a": [1.0, 2.0], "b": [3.0, 4.0]})
    fig = bar_chart(frame, "element", ["a", "b"], "t", log_y=True)
    assert len(fig.data) == 2 and fig.layout.yaxis.type == "log"
    fig = line_chart(frame, "element", ["a", "b"], "t", secondary=["b"])
    assert fig.data[1].yaxis == "y2"
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['c'\]"):
        require_columns(frame, ["a", "c"], "chart")
