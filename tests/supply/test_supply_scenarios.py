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
    side_by_side,
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
    # unmet share over the 6 restriction months (600 t demand), not over the 12-month run
    assert row["restriction_months_in_run"] == 6
    assert row["unmet_share_pct"] == pytest.approx(100 * (300 - stock) / 600)
    assert row["months_covered_text"] == "1"
    assert row["peak_monthly_unmet_t"] == pytest.approx(50.0)


def test_covered_throughout_text_and_restriction_cut_by_horizon():
    cfg = dict(BASE, stockpile_days=365, months=5)  # restriction months 2..4 only inside the run
    row = run_scenario(ScenarioConfig.model_validate(cfg)).summary.iloc[0]
    assert row["covered_throughout"] and row["months_covered_text"] == ">= 3 (whole run)"
    assert row["restriction_months_in_run"] == 3 and row["unmet_share_pct"] == 0.0


def test_with_and_without_deep_sea_in_one_run():
    cfg = dict(BASE, deep_sea={"start": "2027-01-01", "ramp_months": 0, "t_per_year": {"Nd": 300}})
    res = run_scenario(ScenarioConfig.model_validate(cfg))
    s = res.summary.set_index("case")
    assert list(s.index) == ["japan", "japan_no_deep_sea"]
    # deep sea 25 t/month halves the 50 t/month shortfall: 6 x 25 - stock vs 6 x 50 - stock
    stock = 1200 * 30 / 365
    assert s.at["japan", "total_unmet_t"] == pytest.approx(150 - stock)
    assert s.at["japan_no_deep_sea", "total_unmet_t"] == pytest.approx(300 - stock)
    wide = side_by_side(res, "total_unmet_t")
    assert list(wide.columns) == ["element", "japan", "japan_no_deep_sea"]
    assert res.monthly.query("case == 'japan_no_deep_sea'")["deep_sea_t"].sum() == 0.0
    assert any("months_covered = whole months" in n for n in res.notes)
    with pytest.raises(ValueError, match="no summary column"):
        side_by_side(res, "nope")


def test_pooled_case_only_when_asked():
    cfg = load_scenario(example_scenario())
    res = run_scenario(cfg, pooled=False)
    assert set(res.summary["case"]) == {"japan", "japan_no_deep_sea"}


def test_suppliers_and_deep_sea_ramp_cover_the_gap():
    cfg = dict(BASE, other_suppliers=[{"name": "AU", "t_per_year": {"Nd": 300}, "start": "2027-03-01"}],
               deep_sea={"start": "2027-01-01", "ramp_months": 2, "t_per_year": {"Nd": 300}})
    res = run_scenario(ScenarioConfig.model_validate(cfg))
    assert res.summary["covered_throughout"].iloc[0]
    assert res.monthly["deep_sea_t"].iloc[:3].tolist() == pytest.approx([12.5, 25.0, 25.0])


def test_packaged_example_runs_with_pooled_case():
    cfg = load_scenario(example_scenario())
    res = run_scenario(cfg)
    assert set(res.summary["case"]) == {"japan", "japan_no_deep_sea", "pooled_us_japan",
                                        "pooled_us_japan_no_deep_sea"}
    jp = res.summary[res.summary["case"] == "japan"].set_index("element")
    assert jp.at["La", "covered_throughout"] and not jp.at["Dy", "covered_throughout"]
    assert "Eu" in cfg.restriction.elements  # China's Oct 2025 list; heavy in the Takaya convention
    assert any("US demand basis" in n for n in res.notes)
    # Japan's demand basis per element: magnet elements from the sector basis, the rest an assumption
    assert any("japan: Japan demand (Dy): DERIVED (sector basis)" in n for n in res.notes)
    assert any("japan: Japan demand (La, Ce," in n and "ASSUMPTION" in n for n in res.notes)
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
    assert res.monthly.query("case == 'japan'")["deep_sea_t"].iloc[-1] > 0


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
