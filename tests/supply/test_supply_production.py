"""Production schedule, economics, Monte Carlo and tornado against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reymud.supply import (
    ProductionConfig,
    economics,
    irr,
    monte_carlo,
    preset,
    production_schedule,
    tornado,
)

# dry basis 10 t/day x 150 days = 1,500 dry t/yr; recovery 0.3 x 2.5 x 0.8 x 0.9 = 0.54
CFG = ProductionConfig(lifting_rate_t_per_day=10.0, lifting_basis="dry", operating_days_per_year=150.0,
                       mass_pull_fraction=0.3, grade_upgrade_factor=2.5, leach_recovery=0.8,
                       separation_recovery=0.9)
ND_OXIDE = 1.1664
ND_PRICE_USD_T = 73_000.0  # USGS 2025e Nd2O3


def test_richest_first_schedule_by_hand(two_blocks):
    s = production_schedule(two_blocks, CFG)
    assert list(s["mud_lifted_dry_t"]) == pytest.approx([1500.0, 500.0])
    # year 1: all of A (Nd 1.0 t) + half of B (0.25 t); year 2: rest of B (0.25 t)
    assert s["head_Nd_ppm"].iloc[0] == pytest.approx(1.25 / 1500 * 1e6)
    assert s["head_total_rey_ppm"].iloc[0] == pytest.approx((2.0 + 0.5) / 1500 * 1e6)
    assert s["Nd_oxide_t"].iloc[0] == pytest.approx(1.25 * ND_OXIDE * 0.54)
    assert list(s["blocks_mined"]) == [1, 1]
    assert s["revenue_usd"].iloc[0] == pytest.approx(1.25 * ND_OXIDE * 0.54 * ND_PRICE_USD_T)
    assert s.attrs["unpriced_elements"] == ["Tm"]  # Tm has no USGS price: reported, not valued
    assert s.attrs["exhausted"]


def test_shallowest_first_and_wet_basis(two_blocks):
    s = production_schedule(two_blocks, CFG.replace(block_order="shallowest"))
    assert s["Nd_oxide_t"].iloc[0] == pytest.approx((0.5 + 0.5) * ND_OXIDE * 0.54)  # B then half of A
    wet = production_schedule(two_blocks, CFG.replace(lifting_basis="wet", water_content_wet_fraction=0.5))
    assert wet["mud_lifted_dry_t"].iloc[0] == pytest.approx(750.0)
    assert wet["mud_lifted_wet_t"].iloc[0] == pytest.approx(1500.0)


def test_lifting_overburden_consumes_capacity(two_blocks):
    s = production_schedule(two_blocks, CFG.replace(lift_overburden=True))
    # A lifts 1,000 t + 500 t overburden (5 m of 10 m at the same density) = 1,500 t in year 1
    assert s["ore_dry_t"].iloc[0] == pytest.approx(1000.0)
    assert s["mud_lifted_dry_t"].sum() == pytest.approx(1500.0 + 1100.0)


def test_conservation_on_random_blocks(blocks):
    s = production_schedule(blocks, CFG.replace(lifting_rate_t_per_day=20_000.0, max_years=100))
    assert s["ore_dry_t"].sum() == pytest.approx(blocks["dry_t"].sum())
    nd_metal = (blocks["dry_t"] * blocks["Nd_ppm"] * 1e-6).sum()
    assert s["Nd_oxide_t"].sum() == pytest.approx(nd_metal * ND_OXIDE * 0.54)
    assert s["blocks_mined"].sum() == len(blocks)
    assert s["head_total_rey_ppm"].is_monotonic_decreasing  # richest first


def test_config_validation_and_presets():
    with pytest.raises(ValueError, match="cyclone recovery"):
        ProductionConfig(mass_pull_fraction=0.5, grade_upgrade_factor=2.6)
    with pytest.raises(ValueError, match="block_order"):
        ProductionConfig(block_order="random")
    assert preset("trial").lifting_rate_t_per_day == 350.0
    assert "ASSUMPTION" in preset("commercial").name
    assert preset("trial", operating_days_per_year=250, block_order=None).operating_days_per_year == 250
    with pytest.raises(ValueError, match="unknown production preset"):
        preset("huge")


def test_economics_by_hand():
    sched = pd.DataFrame({"year": [1, 2], "revenue_usd": [100.0, 100.0], "mud_lifted_dry_t": [10.0, 10.0]})
    cfg = ProductionConfig(capex_usd=150.0, opex_usd_per_t_lifted=1.0, discount_rate=0.1)
    e = economics(sched, cfg)
    assert e["npv_usd"] == pytest.approx(-150 + 90 / 1.1 + 90 / 1.21)
    v = (-90 + np.sqrt(90**2 + 4 * 90 * 150)) / (2 * 90)  # 90 v^2 + 90 v - 150 = 0, v = 1/(1+irr)
    assert e["irr"] == pytest.approx(1 / v - 1, abs=1e-9)
    pv_rev = 100 / 1.1 + 100 / 1.21
    assert e["break_even_price_multiple"] == pytest.approx((10 / 1.1 + 10 / 1.21 + 150) / pv_rev)
    be = economics(sched.assign(revenue_usd=sched["revenue_usd"] * e["break_even_price_multiple"]), cfg)
    assert be["npv_usd"] == pytest.approx(0.0, abs=1e-9)
    be_opex = economics(sched, cfg.replace(opex_usd_per_t_lifted=e["break_even_opex_usd_per_t"]))
    assert be_opex["npv_usd"] == pytest.approx(0.0, abs=1e-9)


def test_irr_undefined_without_sign_change():
    assert np.isnan(irr(np.array([100.0, 10.0, 10.0])))
    assert irr(np.array([-100.0, 110.0])) == pytest.approx(0.10)


def test_monte_carlo_matches_deterministic_model_at_the_modes(blocks):
    cfg = preset("commercial").replace(max_years=5)
    sched = production_schedule(blocks, cfg)
    det = economics(sched, cfg)
    mc = monte_carlo(blocks, cfg, n_draws=50, uncertainty={"price_multiple": (1.0, 1.0)})
    assert mc["npv_usd"].to_numpy() == pytest.approx(np.full(50, det["npv_usd"]), rel=1e-9)
    assert mc["treo_t_year1"].iloc[0] == pytest.approx(sched["treo_t"].iloc[0], rel=1e-9)


def test_monte_carlo_reproducible_and_spread(blocks):
    cfg = preset("commercial").replace(max_years=5)
    a = monte_carlo(blocks, cfg, n_draws=2000, seed=3)
    b = monte_carlo(blocks, cfg, n_draws=2000, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a["price_multiple"].between(0.6, 1.6).all()
    assert a["npv_usd"].std() > 0
    # higher prices -> higher NPV on average (the model responds in the right direction)
    hi = a["price_multiple"] > 1.2
    assert a.loc[hi, "npv_usd"].mean() > a.loc[~hi, "npv_usd"].mean()


def test_tornado_one_at_a_time(blocks):
    cfg = preset("commercial").replace(max_years=5)
    t = tornado(blocks, cfg).set_index("input")
    base = economics(production_schedule(blocks, cfg), cfg)["npv_usd"]
    assert t["base_output"].iloc[0] == pytest.approx(base, rel=1e-9)
    assert t.at["capex_usd", "swing"] == pytest.approx(-(t.at["capex_usd", "p90_input"]
                                                         - t.at["capex_usd", "p10_input"]), rel=1e-9)
    assert t.at["price_multiple", "swing"] > 0
    out = tornado(blocks, cfg, target="treo_t_year1").set_index("input")
    assert out.at["capex_usd", "swing"] == 0.0


def test_value_first_order_prefers_expensive_elements():
    b = pd.DataFrame({"block_id": ["lean_but_dy", "rich_la"], "dry_t": [1000.0, 1000.0],
                      "overburden_m": [0.0, 0.0], "total_rey_ppm": [600.0, 3000.0],
                      "Dy_ppm": [500.0, 0.0], "La_ppm": [100.0, 3000.0]})
    cfg = CFG.replace(lifting_rate_t_per_day=1000.0 / 150.0)  # one block per year
    rich = production_schedule(b, cfg)
    value = production_schedule(b, cfg.replace(block_order="value"))
    assert rich["La_oxide_t"].iloc[0] > 0 and rich["Dy_oxide_t"].iloc[0] == 0
    assert value["Dy_oxide_t"].iloc[0] > 0 and value["La_oxide_t"].iloc[0] == pytest.approx(0.1 * 1.1728 * 0.54)


def test_vectorised_irr_agrees_with_scipy_brentq():
    from scipy.optimize import brentq

    rng = np.random.default_rng(5)
    flows = np.column_stack([-rng.uniform(50, 150, 20), rng.uniform(10, 60, (20, 6))])
    ours = irr(flows)
    for row, got in zip(flows, ours, strict=True):
        ref = brentq(lambda r, cf=row: np.sum(cf / (1 + r) ** np.arange(len(cf))), -0.99, 10.0, xtol=1e-14)
        assert got == pytest.approx(ref, abs=1e-9)
