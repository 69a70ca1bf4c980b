"""Blocks table and resource statement against hand-computed values and plain pandas."""

import numpy as np
import pandas as pd
import pytest
from resource_models import PATTERN, make_block_model

from reymud.elements import REY, oxide_factors
from reymud.resource import blocks_table, default_prices_usd_per_kg, grade_tonnage, resource_table

F = oxide_factors()
TREO_PER_REY = float(sum(p * F[el] for el, p in zip(REY, PATTERN, strict=True)))


def test_blocks_table_tonnage_by_hand(small_model):
    blocks = blocks_table(small_model)
    assert len(blocks) == 6
    # 100 m x 100 m x 10 m x 0.55 t/m3
    assert np.allclose(blocks["area_m2"], 1e4)
    assert np.allclose(blocks["volume_m3"], 1e5)
    assert np.allclose(blocks["dry_t"], 55_000.0)
    assert np.allclose(blocks["treo_ppm"], blocks["total_rey_ppm"] * TREO_PER_REY)
    assert "data for 6 of 6" in blocks.attrs["density_source"]
    assert list(blocks.columns[:3]) == ["block_id", "easting", "northing"]
    assert set(blocks["class"]) == {"measured"}


def test_assumed_density_is_stated_and_caps_the_class():
    ds = make_block_model([[500.0, 900.0]], density_t_m3=None)
    blocks = blocks_table(ds)
    assert "0.55 t/m3 (stated default)" in blocks.attrs["density_source"]
    assert np.allclose(blocks["dry_t"], 55_000.0)
    assert set(blocks["class"]) == {"indicated"}  # no Measured tonnage on an assumed density
    assert "given" in blocks_table(ds, density_t_m3=0.6).attrs["density_source"]


def test_density_from_data_takes_precedence(small_model):
    ds = small_model.assign(density_t_m3=(("northing", "easting"), [[0.6, np.nan, 0.6], [0.6, 0.6, 0.6]]))
    blocks = blocks_table(ds, density_t_m3=0.5)
    assert blocks["density_t_m3"].tolist() == [0.6, 0.5, 0.6, 0.6, 0.6, 0.6]
    assert blocks["dry_t"].iloc[1] == pytest.approx(1e5 * 0.5)
    assert "data for 5 of 6" in blocks.attrs["density_source"]


def test_outside_and_nan_blocks_are_excluded_with_a_note(small_model):
    ds = small_model.copy(deep=True)
    ds["inside"][0, 0] = False
    ds["total_rey_ppm"][1, 1] = np.nan
    blocks = blocks_table(ds)
    assert len(blocks) == 4
    assert blocks.attrs["n_nan_blocks"] == 1
    assert any("no grade" in n for n in blocks.attrs["notes"])


def test_negative_kriging_undershoot_is_clipped_with_a_note(small_model):
    ds = small_model.copy(deep=True)
    ds["total_rey_ppm"][0, 0] = -20.0
    ds["La_ppm"][0, 0] = -5.0
    blocks = blocks_table(ds)
    assert blocks.loc[0, "total_rey_ppm"] == 0 and blocks.loc[0, "La_ppm"] == 0
    assert any("negative" in n for n in blocks.attrs["notes"])


def test_resource_table_by_hand(small_model):
    ds = small_model.copy(deep=True)
    ds["slope_of_regression"][1, :] = 0.6  # bottom row indicated
    table = resource_table(blocks_table(ds), [1000.0, 2000.0])
    rows = table.set_index(["cutoff", "class"])
    # cut-off 1,000: measured = {1000}; indicated = {1500, 2000, 2500}
    m = rows.loc[(1000.0, "measured")]
    assert m["dry_t"] == pytest.approx(55_000) and m["total_rey_ppm"] == pytest.approx(1000)
    ind = rows.loc[(1000.0, "indicated")]
    assert ind["dry_t"] == pytest.approx(3 * 55_000) and ind["total_rey_ppm"] == pytest.approx(2000)
    mi = rows.loc[(1000.0, "measured+indicated")]
    assert mi["dry_t"] == pytest.approx(4 * 55_000)
    assert mi["total_rey_ppm"] == pytest.approx((1000 + 1500 + 2000 + 2500) / 4)
    assert mi["area_km2"] == pytest.approx(0.04)
    assert mi["Nd_oxide_t"] == pytest.approx(55_000 * 7000 * PATTERN[3] * 1e-6 * F["Nd"])
    assert mi["treo_t"] == pytest.approx(55_000 * 7000 * 1e-6 * TREO_PER_REY)
    assert rows.loc[(1000.0, "inferred"), "dry_t"] == 0
    assert rows.loc[(1000.0, "measured+indicated+inferred"), "dry_t"] == pytest.approx(mi["dry_t"])
    assert rows.loc[(2000.0, "indicated"), "n_blocks"] == 2
    assert list(table["class"].iloc[:5]) == ["measured", "indicated", "measured+indicated", "inferred",
                                             "measured+indicated+inferred"]
    assert "unclassified" not in set(table["class"])


def test_resource_table_matches_plain_pandas_on_random_blocks():
    rng = np.random.default_rng(4)
    total = rng.lognormal(6.8, 0.6, size=(12, 15))
    ds = make_block_model(total, thickness_m=rng.uniform(2, 12, size=total.shape),
                          nearest_core_m=rng.uniform(0, 4000, size=total.shape),
                          n_cores_in_search=rng.integers(0, 6, size=total.shape))
    blocks = blocks_table(ds)
    for by in ("total_rey_ppm", "treo_ppm", "value_usd_t"):
        cut = float(np.quantile(blocks[by], 0.4))
        table = resource_table(blocks, [cut], by=by).set_index("class")
        for cls in ("measured", "indicated", "inferred", "unclassified"):
            sel = blocks[(blocks[by] >= cut) & (blocks["class"] == cls)]
            row = table.loc[cls]
            assert row["n_blocks"] == len(sel)
            assert row["dry_t"] == pytest.approx(sel["dry_t"].sum())
            if len(sel):
                assert row["total_rey_ppm"] == pytest.approx(np.average(sel["total_rey_ppm"], weights=sel["dry_t"]))
                assert row["Dy_oxide_t"] == pytest.approx((sel["dry_t"] * sel["Dy_ppm"]).sum() * 1e-6 * F["Dy"])


def test_value_cutoff_uses_prices_by_hand(small_model):
    prices = {"Nd": 100.0, "Dy": 300.0}
    blocks = blocks_table(small_model, prices_usd_per_kg=prices)
    expected = blocks["Nd_ppm"] * 1e-3 * F["Nd"] * 100 + blocks["Dy_ppm"] * 1e-3 * F["Dy"] * 300
    assert np.allclose(blocks["value_usd_t"], expected)
    assert "Tm" in blocks.attrs["unpriced"]
    default = default_prices_usd_per_kg()
    assert default["Nd"] == 73.0 and default["Tb"] == 1010.0 and "Tm" not in default
    table = resource_table(blocks, [float(expected.iloc[3])], by="value")
    assert table.set_index("class").loc["measured", "n_blocks"] == 3


def test_no_block_above_cutoff_gives_zero_rows_and_a_note(small_model):
    table = resource_table(blocks_table(small_model), [400.0, 1e6])
    top = table[table["cutoff"] == 1e6]
    assert len(top) == 5 and (top["dry_t"] == 0).all() and top["total_rey_ppm"].isna().all()
    assert any("1e+06" in n for n in table.attrs["notes"])


def test_empty_model_does_not_crash(small_model):
    ds = small_model.copy(deep=True)
    ds["inside"][:] = False
    blocks = blocks_table(ds)
    assert len(blocks) == 0
    table = resource_table(blocks, [400.0])
    assert (table["dry_t"] == 0).all()
    assert grade_tonnage(blocks)["dry_t"].eq(0).all()


def test_unknown_range_leaves_blocks_unclassified_with_note(small_model):
    ds = small_model.copy()
    ds.attrs = {k: v for k, v in ds.attrs.items() if k != "variogram_range_m"}
    blocks = blocks_table(ds)
    assert set(blocks["class"]) == {"unclassified"}
    table = resource_table(blocks, [400.0])
    assert table.set_index("class").loc["unclassified", "dry_t"] == pytest.approx(5 * 55_000)
    assert table.set_index("class").loc["measured+indicated+inferred", "dry_t"] == 0
    assert any("variogram range" in n for n in table.attrs["notes"])


def test_three_d_model_area_is_the_footprint():
    total = np.array([[[1000.0, 300.0]], [[1200.0, 900.0]]])  # 2 slices x 1 x 2
    ds = make_block_model(total, thickness_m=1.0)
    blocks = blocks_table(ds)
    assert "depth_mbsf" in blocks.columns and len(blocks) == 4
    table = resource_table(blocks, [800.0]).set_index("class")
    row = table.loc["measured"]
    assert row["n_blocks"] == 3
    assert row["area_km2"] == pytest.approx(0.02)  # two distinct columns of 1 ha
    assert row["dry_t"] == pytest.approx(3 * 1e4 * 1.0 * 0.55)


def test_grade_tonnage_curve_is_monotone(small_model):
    curve = grade_tonnage(blocks_table(small_model), [0, 500, 1000, 1500, 3000])
    assert curve["dry_t"].tolist() == pytest.approx([6 * 55_000, 5 * 55_000, 4 * 55_000, 3 * 55_000, 0.0])
    assert curve["total_rey_ppm"].iloc[2] == pytest.approx(1750.0)
    assert (curve["class"] == "all").all()


def test_bad_inputs(small_model):
    blocks = blocks_table(small_model)
    with pytest.raises(ValueError, match="by ="):
        resource_table(blocks, [400], by="grade")
    with pytest.raises(ValueError, match="cut-offs"):
        resource_table(blocks, [])
    with pytest.raises(ValueError, match="thickness_m"):
        blocks_table(small_model.drop_vars("thickness_m"))
    with pytest.raises(ValueError, match="t/m3"):
        blocks_table(small_model, density_t_m3=550)
    assert isinstance(blocks, pd.DataFrame)


def test_resource_table_with_prices_passed_in(small_model):
    blocks = blocks_table(small_model)
    prices = {"Dy": 1000.0}
    table = resource_table(blocks, [0.0], by="value", prices_usd_per_kg=prices).set_index("class")
    dy_value = blocks["Dy_ppm"] * 1e-3 * F["Dy"] * 1000.0
    expected = np.average(dy_value, weights=blocks["dry_t"])
    assert table.loc["measured", "value_usd_t"] == pytest.approx(expected)
    assert any("no price for" in n and "Tm" in n for n in table.attrs["notes"])
