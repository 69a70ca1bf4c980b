"""Export-restriction scenarios: hand-computed month logic, the packaged example, bad files."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reymud.supply import (
    ScenarioConfig,
    ScenarioError,
    example_scenario,
    load_scenario,
    run_scenario,
    scenario_monte_carlo,
)

BASE = {
    "name": "hand", "start": "2027-01-01", "months": 12, "elements": ["Nd"],
    "demand_t_per_year": {"Nd": 1200}, "china_share": 0.5, "stockpile_days": 30,
    "restriction": {"elements": ["Nd"], "share_cut": 1.0, "start": "2027-03-01", "duration_months": 6},
}


def test_hand_computed_months_covered():
    res = run_scenario(ScenarioConfig.model_validate(BASE))
    row = res.summary.iloc[0]
    stock = 1200 * 30 / 365  # 98.63 t covers 1.97 months of a 50 t/month shortfall
    assert row["stockpile_t"] == pytest.approx(stock)
    assert row["months_covered"] == 1
    assert str(row["first_unmet_date"]) == "2027-04-01"
    assert row["total_unmet_t"] == pytest.approx(6 * 50 - stock)
    m = res.monthly
    assert m["unmet_t"].iloc[:3].sum() == 0.0 and m["unmet_t"].iloc[8:].sum() == 0.0
    assert m["shortfall_t"].iloc[2] == pytest.approx(50.0)


def test_suppliers_and_deep_sea_ramp_cover_the_gap():
    cfg = dict(BASE, other_suppliers=[{"name": "AU", "t_per_year": {"Nd": 300}, "start": "2027-03-01"}],
               deep_sea={"start": "2027-01-01", "ramp_months": 2, "t_per_year": {"Nd": 300}})
    res = run_scenario(ScenarioConfig.model_validate(cfg))
    assert res.summary["covered_throughout"].iloc[0]
    assert res.monthly["deep_sea_t"].iloc[:3].tolist() == pytest.approx([12.5, 25.0, 25.0])


def test_packaged_example_runs_with_pooled_case():
    cfg = load_scenario(example_scenario())
    res = run_scenario(cfg)
    assert set(res.summary["case"]) == {"japan", "pooled_us_japan"}
    jp = res.summary[res.summary["case"] == "japan"].set_index("element")
    assert jp.at["La", "covered_throughout"] and not jp.at["Dy", "covered_throughout"]
    assert any("US demand basis" in n for n in res.notes)
    assert any("ASSUMPTION" in n for n in res.notes)
    assert load_scenario("japan_hree_cut").name == cfg.name  # packaged name resolves


def test_scenario_monte_carlo_bounds():
    mc = scenario_monte_carlo(ScenarioConfig.model_validate(BASE), n_draws=500, seed=1).iloc[0]
    assert 0.0 <= mc["p_unmet"] <= 1.0
    assert mc["months_covered_p10"] <= mc["months_covered_p50"] <= mc["months_covered_p90"]
    same = scenario_monte_carlo(ScenarioConfig.model_validate(BASE), n_draws=500, seed=1).iloc[0]
    assert np.isclose(mc["total_unmet_t_p50"], same["total_unmet_t_p50"])


def _write(tmp_path, data):
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(data))
    return f


@pytest.mark.parametrize("change, key, what", [
    ({"restriction": dict(BASE["restriction"], elements=["Nd", "Xx"])}, "restriction.elements", "unknown element"),
    ({"restriction": dict(BASE["restriction"], share_cut=-0.2)}, "restriction.share_cut", "must be >= 0"),
    ({"restriction": dict(BASE["restriction"], share_cut=50)}, "restriction.share_cut", "must be <= 1"),
    ({"restriction": {"elements": ["Nd"], "share_cut": 0.5, "start": "2027-03-01", "end": "2027-01-01"}},
     "restriction", "before"),
    ({"elements": ["Nd", "Dy"]}, "(top level)", "missing demand for Dy"),
    ({"pooled_us": {"china_share": 0.7, "demand_basis": "x"}}, "pooled_us", "needs demand_t_per_year"),
    ({"stockpile_dayz": 3}, "stockpile_dayz", "unknown key"),
])
def test_bad_scenario_files_name_file_and_key(tmp_path, change, key, what):
    f = _write(tmp_path, {**BASE, **change})
    with pytest.raises(ScenarioError) as err:
        load_scenario(f)
    msg = str(err.value)
    assert msg.startswith(str(f)) and what in msg
    assert key in msg or key == "(top level)"


def test_from_production_needs_blocks_and_uses_them(blocks):
    cfg = ScenarioConfig.model_validate(dict(BASE, deep_sea={"start": "2027-01-01", "from_production": "trial"}))
    with pytest.raises(ScenarioError, match="needs a blocks table"):
        run_scenario(cfg)
    res = run_scenario(cfg, blocks=blocks)
    assert res.monthly["deep_sea_t"].iloc[-1] > 0


@settings(max_examples=25, deadline=None)
@given(cut=st.floats(0.0, 1.0), days=st.floats(0.0, 400.0), share=st.floats(0.0, 1.0),
       duration=st.integers(1, 12))
def test_unmet_equals_shortfall_beyond_stockpile(cut, days, share, duration):
    cfg = ScenarioConfig.model_validate({**BASE, "stockpile_days": days, "china_share": share,
                                         "restriction": dict(BASE["restriction"], share_cut=cut,
                                                             duration_months=duration)})
    m = run_scenario(cfg).monthly
    shortfall = cut * share * 100.0 * min(duration, 10)  # 100 t/month demand, cut from month 2 of 12
    assert m["shortfall_t"].sum() == pytest.approx(shortfall, abs=1e-9)
    assert m["unmet_t"].sum() == pytest.approx(max(shortfall - 1200 * days / 365, 0.0), abs=1e-6)
    assert (m["unmet_t"] >= -1e-12).all()
