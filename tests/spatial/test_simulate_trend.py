"""Conditional simulation honours the plan's trend (issues 8/9): residuals simulated, trend added back."""

import json
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from reymud.spatial import Grid, Structure, VariogramModel, estimate_block_model, simulate
from reymud.spatial.simulate import SIMULATION_DEFAULTS, nscore_model_for, simulate_blocks
from reymud.spatial.trend import fit_trend_and_variogram

GRID = Grid(250.0, 250.0, 12, 8, 500.0, "EPSG:32654")  # 6 km x 4 km
STRIP = 4000.0  # no core east of this easting: the uncored strip


def _truth_trend(x, y):
    return 1000.0 + 0.08 * (x - 3000.0) + 0.02 * (y - 2000.0)  # ppm; 880-1120 over the grid


def _survey(seed=1, n=40):
    rng = np.random.default_rng(seed)
    xy = np.column_stack([rng.uniform(0, STRIP, n), rng.uniform(0, 4000, n)])
    z = _truth_trend(xy[:, 0], xy[:, 1]) + rng.normal(0, 40, n)
    return pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "total_rey_ppm": z})


def _uk_estimate(pts, plan_trend="linear"):
    xy = pts[["easting", "northing"]].to_numpy(float)
    _, model, _, _ = fit_trend_and_variogram(xy, pts["total_rey_ppm"].to_numpy(float), plan_trend)
    return estimate_block_model(pts, ["total_rey_ppm"], GRID, models={"total_rey_ppm": model}, drift=plan_trend,
                                plan={"trend": plan_trend})


@pytest.fixture(scope="module")
def case():
    pts = _survey()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = _uk_estimate(pts)
        out = {}
        for trend in (None, "none"):  # None: the plan's (linear) from the estimate's attrs
            model, _, how = nscore_model_for(pts, "total_rey_ppm", ds, trend=trend)
            out[trend] = (simulate_blocks(pts, "total_rey_ppm", model, ds, 30, seed=1, refine=2, client="sync",
                                          trend=trend), how)
    return pts, ds, out


def test_kriged_total_inside_the_band_and_p50_recovers_the_trend(case):
    _, ds, out = case
    real, how = out[None]
    assert "linear-trend residuals" in how
    kriged = float(ds["total_rey_ppm"].mean())
    means = real.mean(("northing", "easting")).values
    p25, p50, p75 = np.percentile(means, [25, 50, 75])
    assert p25 <= kriged <= p75
    gc = GRID.coords()
    truth = _truth_trend(gc[:, 0], gc[:, 1]).reshape(GRID.shape)
    assert p50 == pytest.approx(truth.mean(), rel=0.02)  # tolerance: 2 % of the area's mean grade
    strip = real["easting"].values > STRIP
    strip_p50 = np.median(real.values[:, :, strip].mean(axis=(1, 2)))
    assert strip_p50 == pytest.approx(truth[:, strip].mean(), rel=0.03)  # the trend carried over the strip
    rec = json.loads(real.attrs["trend"])
    assert rec["order"] == "linear" and rec["coefficients"]["de"] == pytest.approx(0.08, rel=0.2)
    assert set(rec["slope_sd"]) == {"de", "dn"} and "declustered_residual_mean" in real.attrs


def test_stationary_override_reverts_to_the_mean(case):
    """The issue's symptom, kept as a check that the trend test above can fail."""
    _, ds, out = case
    real, how = out["none"]
    assert "trend" not in how and real.attrs["trend"] == "none"
    means = real.mean(("northing", "easting")).values
    assert float(ds["total_rey_ppm"].mean()) > np.percentile(means, 75)


def test_trend_none_plan_gives_the_stationary_realisations():
    pts = _survey(seed=3, n=25)
    model = VariogramModel(0.1, (Structure("spherical", 0.9, 1500.0),))
    plain = GRID.template()
    none = GRID.template()
    none.attrs["plan"] = json.dumps({"trend": "none"})
    runs = [simulate_blocks(pts, "total_rey_ppm", model, est, 4, seed=5, client="sync", **kw)
            for est, kw in ((plain, {}), (none, {}), (plain, {"trend": "none"}))]
    assert all(np.array_equal(runs[0].values, r.values) for r in runs[1:])
    assert runs[0].attrs["trend"] == "none"
    lin = GRID.template()
    lin.attrs["plan"] = json.dumps({"trend": "linear"})
    over = simulate_blocks(pts, "total_rey_ppm", model, lin, 4, seed=5, client="sync", trend="none")
    assert np.array_equal(runs[0].values, over.values)  # the explicit argument overrides the plan
    with pytest.raises(ValueError, match="trend must be one of"):
        simulate_blocks(pts, "total_rey_ppm", model, plain, 1, client="sync", trend="cubic")


@pytest.mark.parametrize("method", ["cholesky", "fft"])
def test_data_honoured_with_drawn_slopes(method):
    grid = Grid(0.0, 0.0, 10, 8, 200.0)
    xy = grid.coords()[[3, 15, 22, 38, 41, 57, 66, 74]]  # on nodes: the fft relocation is exact
    z = 500.0 + 0.2 * xy[:, 0] + np.array([5.0, -8.0, 3.0, 0.0, 9.0, -4.0, 2.0, -6.0])
    pts = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "v": z})
    model = VariogramModel(0.0, (Structure("exponential", 1.0, 600.0),))
    real = simulate(pts, "v", model, grid, 6, seed=2, client="sync", method=method, trend="linear")
    flat = real.values.reshape(6, -1)
    idx = [3, 15, 22, 38, 41, 57, 66, 74]
    assert np.allclose(flat[:, idx], z[None, :], rtol=1e-5, atol=1e-2)
    assert flat[:, 9].mean() > flat[:, 0].mean() + 100  # the east-west trend (0.2 ppm/m over 1.8 km) is there


def test_slope_draws_widen_the_band_away_from_the_cores(case):
    pts, ds, out = case
    fixed = replace(SIMULATION_DEFAULTS, trend_slopes=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, _, _ = nscore_model_for(pts, "total_rey_ppm", ds)
        still = simulate_blocks(pts, "total_rey_ppm", model, ds, 30, seed=1, refine=2, client="sync",
                                defaults=fixed)
    strip = ds["easting"].values > STRIP
    drawn = out[None][0].values[:, :, strip].mean(axis=(1, 2))
    plain = still.values[:, :, strip].mean(axis=(1, 2))
    assert drawn.std() > 1.1 * plain.std()  # 1.14 with these seeds: the slope sd 0.005 ppm/m over ~2 km
    assert json.loads(still.attrs["trend"])["uncertainty"].startswith("none")


def test_local_trend_scope():
    from reymud.spatial._simtrend import SimTrend

    pts = _survey(seed=2, n=30)
    xy, z = pts[["easting", "northing"]].to_numpy(float), pts["total_rey_ppm"].to_numpy(float)
    nodes = GRID.coords()
    whole = SimTrend("linear", xy, z, neighbours=30)  # every datum: the global surface
    assert whole.scope == "global"
    assert np.allclose(whole.predict(nodes), SimTrend("linear", xy, z).surface.predict(nodes))
    local = SimTrend("linear", xy, z, neighbours=10)
    assert local.scope == "local"
    assert np.allclose(local.predict(nodes), _truth_trend(nodes[:, 0], nodes[:, 1]), rtol=0.1)  # a linear truth
    est = GRID.template()
    est.attrs["plan"] = json.dumps({"trend": "linear", "max_samples": 12})
    model = VariogramModel(0.1, (Structure("spherical", 0.9, 1500.0),))
    local_defaults = replace(SIMULATION_DEFAULTS, trend_scope="local")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real = simulate_blocks(pts, "total_rey_ppm", model, est, 3, seed=1, client="sync", defaults=local_defaults)
    rec = json.loads(real.attrs["trend"])
    assert rec["scope"] == "local" and rec["neighbours"] == 12  # the plan's kriging neighbourhood
    with pytest.raises(ValueError, match="trend_scope"):
        replace(SIMULATION_DEFAULTS, trend_scope="regional")
