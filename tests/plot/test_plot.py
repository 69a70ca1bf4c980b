"""reymud.plot: each figure from plain frames / a block model, and its static PNG through matplotlib."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import reymud.plot as rp
from reymud.elements import REY
from reymud.spatial import Structure, VariogramModel


def _samples() -> pd.DataFrame:
    rows = []
    for core in ("C1", "C2"):
        for k in range(5):
            rows.append({"core_id": core, "top_mbsf": float(k), "bottom_mbsf": k + 1.0,
                         "rey_class": "rey_rich" if k % 2 else "below",
                         **{el: 10.0 * (k + 1) for el in REY}})
    df = pd.DataFrame(rows)
    return df.assign(total_rey_ppm=df[list(REY)].sum(axis=1))


def _model() -> xr.Dataset:
    east, north = np.arange(5) * 1000.0, np.arange(4) * 1000.0
    grade = np.arange(20, dtype=float).reshape(4, 5)
    return xr.Dataset({"total_rey_ppm": (("northing", "easting"), grade, {"units": "ppm"}),
                       "inside": (("northing", "easting"), grade > 2),
                       "resource_class": (("northing", "easting"), np.where(grade > 10, "indicated", "inferred"))},
                      coords={"easting": east, "northing": north}, attrs={"crs": "EPSG:32656"})


def test_spider_median_is_exact():
    fig = rp.spider(_samples(), reference="CI_McDonoughSun1995")
    median = fig.data[-1]
    from reymud.data import read_reference

    ci = read_reference("reference_compositions_ppm").set_index("element")["CI_McDonoughSun1995"]
    assert median.name == "median"
    assert median.y[0] == pytest.approx(30.0 / ci["La"])


def test_variogram_draws_model_and_pairs_per_lag():
    exp = pd.DataFrame({"lag_m": [500.0, 1500.0, 2500.0], "gamma": [0.3, 0.7, 1.0], "n_pairs": [12, 40, 33]})
    model = VariogramModel(0.1, (Structure("spherical", 0.9, 2000.0),))
    fig = rp.variogram(exp, model)
    points, curve = fig.data[0], fig.data[1]
    assert list(points.text) == ["12", "40", "33"]
    assert curve.y[-1] == pytest.approx(1.0) and curve.y[0] == pytest.approx(0.0, abs=1e-9)


def test_downhole_log_one_panel_per_core_and_filter():
    assert len([t for t in rp.downhole_log(_samples()).data if t.name in ("C1", "C2")]) == 2
    assert next(t.name for t in rp.downhole_log(_samples(), cores=["C2"]).data) == "C2"
    with pytest.raises(ValueError, match="none of the cores"):
        rp.downhole_log(_samples(), cores=["X"])


def test_grade_tonnage_from_blocks_table():
    blocks = pd.DataFrame({"total_rey_ppm": [300.0, 500.0, 900.0], "dry_t": [1e6, 2e6, 3e6], "class": "inferred"})
    fig = rp.grade_tonnage(blocks, cutoffs=[0.0, 400.0, 800.0])
    tonnes = fig.data[0]
    assert list(tonnes.y) == pytest.approx([6.0, 5.0, 3.0])  # Mt above each cut-off
    assert fig.layout.yaxis2.side == "right"


def test_swath_filters_axis():
    frame = pd.DataFrame({"axis": ["easting", "easting", "northing"], "band_centre_m": [1.0, 2.0, 3.0],
                          "mean_estimate": [5.0, 6.0, 7.0], "mean_data": [5.5, 6.5, 7.5], "n_data": [3, 4, 5]})
    fig = rp.swath(frame, axis="easting")
    assert list(fig.data[0].x) == [1.0, 2.0] and fig.data[-1].type == "bar"


def test_block_map_numeric_and_class():
    ds = _model()
    fig = rp.block_map(ds, "total_rey_ppm")
    z = np.asarray(fig.data[0].z, float)
    assert np.isnan(z[0, 0]) and z[3, 4] == 19.0  # outside blanked
    fig = rp.block_map(ds, "resource_class")
    assert list(fig.data[0].colorbar.ticktext) == ["indicated", "inferred", "unclassified"]
    with pytest.raises(ValueError, match="no variable"):
        rp.block_map(ds, "nope")


def test_save_png_writes_an_image_of_the_figure(tmp_path):
    import matplotlib.image as mpimg

    path = rp.save_png(rp.block_map(_model()), tmp_path / "map.png")
    img = mpimg.imread(path)
    assert img.shape[0] > 100 and img.shape[1] > 100 and img[..., :3].std() > 0.05
    rp.save_png(rp.downhole_log(_samples()), tmp_path / "log.png")
    with pytest.raises(ValueError, match="PNG"):
        rp.save_png(rp.spider(_samples()), tmp_path / "x.jpg")
