"""China share, HHI, EU SR and GeoPolRisk against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from reymud.supply import (
    OverrideError,
    china_share,
    eu_supply_risk,
    geopolrisk,
    hhi,
    load_reference,
    supply_indices,
)
from reymud.supply.indices import element_production


def test_china_share_2025_both_denominators():
    ref = load_reference()
    prod = ref.mine_production("2025e")
    cs = china_share(prod, ref.world_total("2025e"))
    assert cs["share_of_world_total_pct"] == pytest.approx(100 * 270_000 / 390_000)  # 69.23 %
    assert cs["listed_sum_t"] == pytest.approx(389_310.0)
    assert 69.2 <= cs["share_of_world_total_pct"] < cs["share_of_listed_pct"] <= 69.4


def test_hhi_usgs_2025_about_5070():
    prod = load_reference().mine_production("2025e")
    assert hhi(prod) == pytest.approx(5_070, abs=10)


def test_hhi_bounds_and_hand_value():
    assert hhi({"A": 5}) == pytest.approx(10_000)
    assert hhi({"A": 60, "B": 30, "C": 10}) == pytest.approx(3_600 + 900 + 100)
    with pytest.raises(ValueError, match="negative production"):
        hhi({"A": -1, "B": 2})


def test_eu_supply_risk_worked_example():
    # By hand: HHI_WGI,t global = 0.6^2*6*1.1 + 0.3^2*2*1 + 0.1^2*3*1 = 2.586
    #          HHI_WGI,t EU     = 0.8^2*6*1.1 + 0.2^2*2*1             = 4.304
    #          SR = (2.586*0.5 + 4.304*0.5) * (1-0.1) * 0.9 = 2.79045
    res = eu_supply_risk({"China": 0.6, "Australia": 0.3, "US": 0.1}, {"China": 0.8, "Australia": 0.2},
                         wgi={"China": 6, "Australia": 2, "US": 3},
                         trade_factor={"China": 1.1, "Australia": 1.0, "US": 1.0},
                         import_reliance=1.0, eol_rir=0.1, substitution_index=0.9)
    assert res["hhi_wgi_global"] == pytest.approx(2.586)
    assert res["hhi_wgi_eu"] == pytest.approx(4.304)
    assert res["sr"] == pytest.approx(2.79045)
    assert res["missing"] == []
    assert set(res["terms_global"].columns) >= {"share", "wgi", "trade_factor", "term"}


def test_eu_sr_fills_in_nothing_and_rejects_bad_inputs():
    res = eu_supply_risk({"A": 0.5, "B": 0.5}, wgi={"A": 5.0}, trade_factor={"A": 1.0, "B": 1.0})
    assert np.isnan(res["sr"]) and res["missing"] == [("wgi_score", "B")]
    res = eu_supply_risk({"A": 0.5, "B": 0.5})
    assert np.isnan(res["sr"]) and len(res["missing"]) == 4
    with pytest.raises(ValueError, match="import_reliance"):
        eu_supply_risk({"A": 1.0}, import_reliance=1.5)


def test_geopolrisk_hand_example():
    shares = {"China": 0.6, "Australia": 0.3, "US": 0.1}  # HHI fraction 0.46
    q = {"China": 70, "Vietnam": 20, "France": 10}
    g = {"China": 0.8, "Vietnam": 0.5, "France": 0.1}  # sum q g = 67
    assert geopolrisk(shares, q, g)["risk"] == pytest.approx(0.46 * 0.67)
    assert geopolrisk(shares, q, g, domestic_t=100)["risk"] == pytest.approx(0.46 * 67 / 200)


def test_geopolrisk_bounds_a_residual_group_and_refuses_an_unscored_country():
    shares = {"China": 0.6, "Australia": 0.3, "US": 0.1}  # HHI fraction 0.46
    g = {"China": 0.8, "Vietnam": 0.5}
    res = geopolrisk(shares, {"China": 70, "Vietnam": 20, "Other": 10}, g)
    assert np.isnan(res["risk"])
    assert res["risk_low"] == pytest.approx(0.46 * (56 + 10) / 100)  # Other at g = 0
    assert res["risk_high"] == pytest.approx(0.46 * (56 + 10 + 10) / 100)  # Other at g = 1
    assert res["bounded"] == {"Other": pytest.approx(0.10)}
    named = geopolrisk(shares, {"China": 70, "France": 30}, g)
    assert named["missing"] == ["France"] and np.isnan(named["risk_low"])
    with pytest.raises(ValueError, match="0-1"):
        geopolrisk(shares, {"China": 1}, {"China": 5.0})


def test_packaged_wgi_scores_are_the_rescaled_2023_estimates():
    ref = load_reference()
    # China 2023 estimates (WGI 2024 update): CC -0.0054 GE 0.6790 PV -0.5131 RQ -0.3565 RL -0.0401 VA -1.5046
    mean = (-0.0054 + 0.6790 - 0.5131 - 0.3565 - 0.0401 - 1.5046) / 6
    assert ref.series("wgi_score")["China"] == pytest.approx(10 * (2.5 - mean) / 5)
    assert ref.series("geopolrisk_score")["China"] == pytest.approx((2.5 + 0.5131) / 5)
    assert ref.series("wgi_score")["Burma"] > ref.series("wgi_score")["China"] > ref.series("wgi_score")["Australia"]
    assert "WGI 2024-update" in ref.origin("wgi_score", "China")
    assert "Other" not in ref.series("wgi_score").index
    prod = ref.mine_production("2025e")
    named = [c for c in prod.index[prod > 0] if c != "Other"]
    assert set(named) <= set(ref.series("wgi_score").index)  # every producing country is sourced


def test_bad_wgi_table_names_file_row_and_column(tmp_path):
    bad = tmp_path / "wgi.csv"
    bad.write_text("# source: test\ncountry,year,CC_est,GE_est,PV_est,RQ_est,RL_est,VA_est\n"
                   "China,2023,0,0,0,0,0,0\nAustralia,2023,0,0,9,0,0,0\n")
    (tmp_path / "ov.yaml").write_text(f"tables:\n  supply_wgi_2024_update: {bad.name}\n")
    with pytest.raises(OverrideError, match=r"wgi.csv: data row 2, column PV_est"):
        load_reference(tmp_path / "ov.yaml")


def test_element_production_reproduces_proxy_and_country_totals():
    ref = load_reference()
    e = element_production(ref)
    proxy = ref.series("global_demand_t")
    rel = e.sum() / proxy.reindex(e.columns) - 1.0
    assert rel.abs().max() < 0.05  # the packaged mix reproduces the packaged proxy
    prod = ref.mine_production("2025e")
    assert e.sum(axis=1).to_numpy() == pytest.approx(prod[prod > 0].to_numpy())
    # hand check: US = Mountain Pass, Nd 11.7 % of a 99.95 % listed total
    assert e.at["United States", "Nd"] == pytest.approx(51_000 * 11.7 / 99.95, rel=1e-9)


def test_supply_indices_table():
    table = supply_indices(elements=("Nd", "Dy")).set_index("element")
    alone = supply_indices(elements=("Nd",)).set_index("element")
    assert table.at["Nd", "hhi"] == pytest.approx(alone.at["Nd", "hhi"])  # selection does not renormalise
    assert table["hhi_reo"].iloc[0] == pytest.approx(5_072.4, abs=1)
    assert table.at["Dy", "china_share_pct"] < table.at["Nd", "china_share_pct"]  # Burma's HREE clays
    e = element_production()
    assert table.at["Dy", "china_share_pct"] == pytest.approx(100 * e.at["China", "Dy"] / e["Dy"].sum())
    assert table["share_basis"].str.startswith("DERIVED").all()


def test_indices_not_computed_without_sourced_inputs_and_computed_with_them(tmp_path):
    table = supply_indices(elements=("Nd", "Dy")).set_index("element")
    assert np.isnan(table.at["Nd", "eu_sr"]) and np.isnan(table.at["Nd", "geopolrisk_japan"])
    status = table.at["Nd", "eu_sr_status"]
    assert "trade_factor for China" in status and "wgi_score for Other" in status
    assert "wgi_score for China" not in status  # sourced now
    gp = table.at["Nd", "geopolrisk_status"]
    assert gp.startswith("bounded: Other (6.7 % of Japan's imports)")
    lo, hi = table.at["Nd", "geopolrisk_japan_low"], table.at["Nd", "geopolrisk_japan_high"]
    assert 0 < lo < hi and f"{lo:.3f}" in gp and f"{hi:.3f}" in gp
    assert "ASSUMPTION" in table.at["Dy", "geopolrisk_status"]  # Japan's HREE China share
    assert "EPRS" in table.at["Nd", "eu_inputs_basis"] and "ASSUMPTION" in table.at["Nd", "eu_inputs_basis"]
    ref = load_reference()
    countries = list(element_production(ref).index)
    ov = tmp_path / "ov.yaml"
    ov.write_text(yaml.safe_dump({"values": {
        "wgi_score": {"Other": 5.0}, "trade_factor": {c: 1.0 for c in countries},
        "geopolrisk_score": {"Other": 0.5}, "eu_eol_rir": {"Nd": 0.1}}}))
    full = supply_indices(load_reference(ov), elements=("Nd",)).set_index("element")
    assert full.at["Nd", "eu_sr_status"] == "computed" and full.at["Nd", "geopolrisk_status"] == "computed"
    assert np.isfinite(full.at["Nd", "eu_sr"]) and np.isfinite(full.at["Nd", "geopolrisk_japan"])
    assert lo < full.at["Nd", "geopolrisk_japan"] < hi
    assert full.at["Nd", "eu_eol_rir"] == 0.1 and "override" in full.at["Nd", "eu_inputs_basis"]


def test_stage_shares_are_per_element_and_overridable(tmp_path):
    ref = load_reference()
    assert ref.values["china_separation_share"]["Dy"] > ref.values["china_separation_share"]["Nd"]
    assert ref.values["japan_china_share"]["Y"] == pytest.approx(0.987)
    assert ref.origin("japan_china_share", "Dy").startswith("ASSUMPTION")
    ov = tmp_path / "ov.yaml"
    ov.write_text(yaml.safe_dump({"values": {"japan_china_share": {"Dy": 0.5}}}))
    assert load_reference(ov).values["japan_china_share"]["Dy"] == 0.5


def test_japan_partners_per_element():
    from reymud.supply.indices import _japan_partners

    jp = pd.Series({"China": 0.719, "Vietnam": 0.154, "France": 0.06, "Other": 0.067})
    dy = _japan_partners(jp, 0.999)
    assert dy["China"] == pytest.approx(0.999) and dy.sum() == pytest.approx(1.0)
    assert dy["Vietnam"] / dy["France"] == pytest.approx(0.154 / 0.06)
    assert _japan_partners(jp, None) is jp
