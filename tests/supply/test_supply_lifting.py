"""Lifting model, mining-path orders, parameter sources and break-even existence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from reymud.supply import ProductionConfig, economics, production_schedule
from reymud.supply.lifting import LiftingConfig, lifting_parameters, lifting_summary, operating_days
from reymud.supply.production import nearest_neighbour_path, process_parameters


def test_lifting_by_hand():
    cfg = LiftingConfig()
    out = lifting_summary(147.0, cfg)  # 350 wet t/day x 0.42 dry
    q = 147.0 / 2.5 / 86400 / 0.10  # m3/s slurry
    v = q / (np.pi * 0.25**2 / 4)
    rho_m = 0.1 * 2500 + 0.9 * 1025
    dp = (rho_m - 1025) * 9.80665 * 5700 + 0.015 * 5700 / 0.25 * rho_m * v**2 / 2
    assert out["mixture_velocity_m_s"] == pytest.approx(v)
    assert out["lift_time_h"] == pytest.approx(5700 / v / 3600)
    assert out["shaft_power_kw"] == pytest.approx(dp * q / 0.5 / 1000)
    assert out["energy_kwh_per_dry_t"] == pytest.approx(dp * q / 0.5 * 86400 / 3.6e6 / 147.0)
    assert out["operating_days_per_year"] == pytest.approx(335 * 0.85) == operating_days(cfg)
    deeper = lifting_summary(147.0, cfg.replace(water_depth_m=6000.0))
    assert deeper["energy_kwh_per_dry_t"] > out["energy_kwh_per_dry_t"]


def test_lifting_parameters_all_sourced_and_bad_input():
    table = lifting_parameters(LiftingConfig())
    assert len(table) == len(dataclasses.fields(LiftingConfig))
    assert table["source"].str.len().gt(0).all()
    assert table.set_index("parameter").at["water_depth_m", "value"] == 5700.0
    with pytest.raises(ValueError, match="water_depth_m"):
        LiftingConfig(water_depth_m=-1)
    with pytest.raises(ValueError, match="dry_t_per_day"):
        lifting_summary(0.0)


def test_process_parameters_cover_every_field():
    table = process_parameters(ProductionConfig())
    names = {f.name for f in dataclasses.fields(ProductionConfig)}
    assert names <= set(table["parameter"])
    row = table.set_index("parameter").loc["dry_t_per_year"]
    assert "wet t/day" in row["source"] and row["value"] == f"{350 * 300 * 0.42:,.0f}"


def _grid_blocks() -> pd.DataFrame:
    # 3 x 1 row of blocks: richest far east, shallowest in the middle, start at the west end
    return pd.DataFrame({"block_id": ["W", "M", "E"], "easting": [0.0, 100.0, 200.0], "northing": [0.0] * 3,
                         "dry_t": [1000.0] * 3, "overburden_m": [3.0, 0.5, 2.0],
                         "total_rey_ppm": [1000.0, 1500.0, 3000.0], "Nd_ppm": [100.0, 150.0, 300.0]})


def test_orders_give_different_schedules():
    b = _grid_blocks()
    base = ProductionConfig(lifting_rate_t_per_day=1000.0, lifting_basis="dry", operating_days_per_year=1.0)
    heads = {}
    for order, extra in (("richest", {}), ("shallowest", {}), ("nearest", {"start_easting": -50.0,
                                                                           "start_northing": 0.0})):
        sched = production_schedule(b, base.replace(block_order=order, **extra))
        heads[order] = tuple(sched["head_total_rey_ppm"].round(6))
    assert heads["richest"] == (3000.0, 1500.0, 1000.0)
    assert heads["shallowest"] == (1500.0, 3000.0, 1000.0)
    assert heads["nearest"] == (1000.0, 1500.0, 3000.0)
    assert list(nearest_neighbour_path(b, None, None, b["total_rey_ppm"].to_numpy())) == [2, 1, 0]


def test_nearest_needs_coordinates():
    b = _grid_blocks().drop(columns=["easting"])
    with pytest.raises(ValueError, match="needs easting and northing"):
        production_schedule(b, ProductionConfig(block_order="nearest"))


def test_break_even_opex_none_at_these_prices():
    sched = pd.DataFrame({"year": [1], "revenue_usd": [100.0], "mud_lifted_dry_t": [10.0]})
    e = economics(sched, ProductionConfig(capex_usd=1000.0, discount_rate=0.0))
    assert np.isnan(e["break_even_opex_usd_per_t"])
    assert e["break_even_opex_note"].startswith("none at these prices")
    ok = economics(sched, ProductionConfig(capex_usd=50.0, discount_rate=0.0))
    assert ok["break_even_opex_usd_per_t"] == pytest.approx(5.0)
