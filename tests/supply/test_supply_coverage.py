"""Years of supply and the Takaya 2018 consistency check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reymud.supply import GLOBAL_BASIS, load_reference, read_resource, takaya2018_check, years_of_supply


def test_years_of_supply_hand_values():
    res = pd.DataFrame({"element": ["Dy", "Nd"], "contained_oxide_t": [24_400.0, 670_000.0],
                        "p10": [12_200.0, np.nan], "p50": [24_400.0, np.nan], "p90": [48_800.0, np.nan]})
    out = years_of_supply(res, load_reference().series("global_demand_t")).set_index("element")
    assert out.at["Dy", "years"] == pytest.approx(10.0)      # 24,400 / 2,440
    assert out.at["Nd", "years"] == pytest.approx(10.0)      # 670,000 / 67,000
    assert out.at["Dy", "years_p10"] == pytest.approx(5.0)
    assert out.at["Dy", "years_p90"] == pytest.approx(20.0)
    assert (out["demand_basis"] == GLOBAL_BASIS).all()


def test_takaya_implied_demand_is_internally_consistent():
    chk = takaya2018_check().set_index("element")
    # the years ratio whole/square should equal the tonnage ratio 16/1.2 = 13.33 for every element
    assert (chk["ratio_deviation_pct"].abs() < 6.0).all()
    assert chk.at["Eu", "years_ratio"] == pytest.approx(620 / 47)
    # implied demand per % share from the two areas agree within 6 %
    agree = chk["implied_demand_t_per_pct_square"] / chk["implied_demand_t_per_pct_whole"]
    assert np.allclose(agree, 1.0, atol=0.06)
    # element ratios: Y/Dy years ratio is the same in both areas within 4 %
    r_whole = chk.at["Y", "years_whole_area"] / chk.at["Dy", "years_whole_area"]
    r_square = chk.at["Y", "years_richest_square"] / chk.at["Dy", "years_richest_square"]
    assert r_whole == pytest.approx(r_square, rel=0.04)


def test_takaya_denominators_with_shares():
    chk = takaya2018_check({"Y": 25.0, "Dy": 3.0}).set_index("element")
    assert chk.at["Y", "implied_demand_t_whole"] == pytest.approx(0.25 * 16e6 / 780)
    assert np.isnan(chk.at["Eu", "implied_demand_t_whole"])


def test_read_resource_csv_and_yaml(tmp_path):
    c = tmp_path / "r.csv"
    c.write_text("element,contained_oxide_t\nNd,1000\nDy,50\n")
    y = tmp_path / "r.yaml"
    y.write_text("Nd: 1000\nDy: 50\n")
    a, b = read_resource(c), read_resource(y)
    assert list(a["oxide"]) == ["Nd2O3", "Dy2O3"]
    pd.testing.assert_frame_equal(a, b)
    bad = tmp_path / "bad.csv"
    bad.write_text("element,contained_oxide_t\nXx,1\n")
    with pytest.raises(ValueError, match=r"bad\.csv: unknown element"):
        read_resource(bad)


def test_supply_table_value_basis_and_overrides(tmp_path):
    from reymud.supply import supply_table

    res = pd.DataFrame({"element": ["Dy", "Tm"], "contained_oxide_t": [2_440.0, 160.0]})
    t = supply_table(res, on="2026-11-24").set_index("element")
    assert t.at["Dy", "value_usd"] == pytest.approx(2_440.0 * 1000 * 239.0)  # USGS 2025e Dy2O3
    assert np.isnan(t.at["Tm", "value_usd"])
    assert any("unpriced" in n and "Tm" in n for n in t.attrs["notes"])
    assert t.at["Dy", "years_global"] == pytest.approx(1.0)
    assert "Dy DERIVED from NdFeB alloy production" in t.at["Dy", "japan_demand_basis"]
    ov = tmp_path / "ov.yaml"
    ov.write_text("values:\n  global_demand_t: {Dy: 1220}\n  japan_demand_t: {Dy: 244, Tm: 16}\n")
    t2 = supply_table(res, load_reference(ov)).set_index("element")
    assert t2.at["Dy", "years_global"] == pytest.approx(2.0)
    assert t2.at["Dy", "years_japan"] == pytest.approx(10.0)
    assert t2.at["Dy", "global_demand_basis"].startswith("user demand")
    assert t2.at["Dy", "japan_demand_basis"].startswith("user Japan demand")


def test_japan_split_sensitivity_by_hand():
    from reymud.supply.coverage import japan_split_sensitivity

    res = pd.DataFrame({"element": ["Dy", "Nd"], "contained_oxide_t": [1200.0, 5000.0]})
    out = japan_split_sensitivity(res, {"Dy": 100.0, "Nd": 0.0}, multiples=(0.5, 3.0)).set_index("element")
    assert out.at["Dy", "years_japan"] == pytest.approx(12.0)
    assert out.at["Dy", "years_japan_x0.5"] == pytest.approx(24.0)
    assert out.at["Dy", "years_japan_x3"] == pytest.approx(4.0)
    assert np.isnan(out.at["Nd", "years_japan"])  # zero demand: no years
    with pytest.raises(ValueError, match="multiples must be > 0"):
        japan_split_sensitivity(res, {"Dy": 1.0}, multiples=(0.0,))
    alt = japan_split_sensitivity(res, {"Dy": 100.0, "Nd": 50.0}, alternative_t={"Dy": 40.0, "Nd": 100.0})
    alt = alt.set_index("element")
    assert alt.at["Dy", "years_japan_alt"] == pytest.approx(30.0)
    assert alt.at["Dy", "alt_over_in_force"] == pytest.approx(2.5)
    assert alt.at["Nd", "alt_over_in_force"] == pytest.approx(0.5)
