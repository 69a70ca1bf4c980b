"""Trend space of the simulation: a trend of log(value), exp(trend + residual) back (reymud.spatial._simtrend)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from reymud.spatial import Grid, Structure, VariogramModel, _simtrend, simulate
from reymud.spatial._simtrend import resolve_trend_space
from reymud.spatial.simulate import SIMULATION_DEFAULTS, block_weights, nscore_model_for, simulate_blocks

GRID = Grid(250.0, 250.0, 12, 8, 500.0, "EPSG:32654")  # 6 km x 4 km
STRIP = 4000.0  # no core east of this easting
MODEL = VariogramModel(0.1, (Structure("spherical", 0.9, 1500.0),))


def _loglinear(x):
    return 1000.0 * np.exp(0.0004 * (x - 3000.0))  # ppm; 333-3004 over the grid: convex west-east


def _survey(seed=1, n=40, east=STRIP, truth=_loglinear, noise=0.05):
    rng = np.random.default_rng(seed)
    xy = np.column_stack([rng.uniform(0, east, n), rng.uniform(0, 4000, n)])
    z = truth(xy[:, 0]) * np.exp(rng.normal(0, noise, n))
    return pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "total_rey_ppm": z})


def _plan_estimate(trend="linear"):
    est = GRID.template()
    est.attrs["plan"] = json.dumps({"trend": trend})
    return est


def _run(pts, space, n=20, seed=1, est=None):
    est = _plan_estimate() if est is None else est
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, _, how = nscore_model_for(pts, "total_rey_ppm", est, trend_space=space)
        real = simulate_blocks(pts, "total_rey_ppm", model, est, n, seed=seed, client="sync", trend_space=space)
    return real, how


def test_log_space_recovers_a_loglinear_truth_over_the_uncored_strip():
    pts = _survey()
    real, how = _run(pts, "log")
    assert "log(value)" in how and real.attrs["trend_space"] == "log"
    truth = _loglinear(GRID.coords()[:, 0]).reshape(GRID.shape)
    strip = real["easting"].values > STRIP
    p50 = np.median(real.values[:, :, strip].mean(axis=(1, 2)))
    assert p50 == pytest.approx(truth[:, strip].mean(), rel=0.08)  # tolerance: 8 % of the strip's mean grade
    whole = np.median(real.values.mean(axis=(1, 2)))
    assert whole == pytest.approx(truth.mean(), rel=0.05)  # 5 % of the area's mean grade
    rec = json.loads(real.attrs["trend"])
    assert rec["space"] == "log" and rec["coefficients"]["de"] == pytest.approx(0.0004, rel=0.2)
    assert "no lognormal bias correction" in rec["back_transform"]


def test_log_space_is_never_negative_where_the_linear_trend_is():
    """A steep decline west-east: the linear surface goes below 0 over the strip, the log one cannot."""
    pts = _survey(seed=4, truth=lambda x: 1000.0 * np.exp(-0.0009 * (x - 2000.0)))
    with pytest.warns(UserWarning, match="below 0"):
        lin = simulate(pts, "total_rey_ppm", MODEL, GRID, 5, seed=3, client="sync", trend="linear",
                       trend_space="linear")
    assert lin.attrs["trend_clipped_share"] > 0.05
    log = simulate(pts, "total_rey_ppm", MODEL, GRID, 5, seed=3, client="sync", trend="linear", trend_space="log")
    assert (log.values > 0).all() and log.attrs["trend_clipped_share"] == 0.0
    assert np.isfinite(log.values).all()


def test_simulated_mean_reproduces_the_declustered_data_mean():
    """No bias correction: the back-transformed residual distribution carries the mean (data over the area)."""
    pts = _survey(seed=2, n=60, east=6000.0, noise=0.2)
    real, _ = _run(pts, "log", n=40, seed=2)
    w = block_weights(pts, "total_rey_ppm", _plan_estimate())
    declustered = float(np.sum(w * pts["total_rey_ppm"]) / np.sum(w))
    assert float(real.values.mean()) == pytest.approx(declustered, rel=0.03)  # tolerance 3 %


def test_data_honoured_in_log_space():
    grid = Grid(0.0, 0.0, 10, 8, 200.0)
    idx = [3, 15, 22, 38, 41, 57, 66, 74]
    xy = grid.coords()[idx]
    z = 500.0 * np.exp(0.0005 * xy[:, 0]) * np.array([1.02, 0.97, 1.01, 1.0, 1.04, 0.98, 1.0, 0.99])
    pts = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "v": z})
    model = VariogramModel(0.0, (Structure("exponential", 1.0, 600.0),))
    real = simulate(pts, "v", model, grid, 4, seed=2, client="sync", method="cholesky", trend="linear",
                    trend_space="log")
    assert np.allclose(real.values.reshape(4, -1)[:, idx], z[None, :], rtol=1e-4)


def test_trend_none_ignores_the_trend_space():
    pts = _survey(seed=3, n=25)
    est = GRID.template()
    base = simulate_blocks(pts, "total_rey_ppm", MODEL, est, 3, seed=5, client="sync")
    for space in ("log", "linear", "auto"):
        other = simulate_blocks(pts, "total_rey_ppm", MODEL, est, 3, seed=5, client="sync", trend_space=space)
        assert np.array_equal(base.values, other.values)  # bit-identical
    assert base.attrs["trend"] == "none" and "trend_space" not in base.attrs


def test_zeros_refused_in_log_space_and_auto_falls_back_to_linear():
    pts = _survey(seed=5, n=30)
    pts.loc[3, "total_rey_ppm"] = 0.0
    with pytest.raises(ValueError, match=r"trend_space='log' needs total_rey_ppm > 0, but 1 of 30 data are <= 0"):
        simulate(pts, "total_rey_ppm", MODEL, GRID, 1, client="sync", trend="linear", trend_space="log")
    auto = simulate(pts, "total_rey_ppm", MODEL, GRID, 2, client="sync", trend="linear")  # default "auto"
    assert SIMULATION_DEFAULTS.trend_space == "auto" and auto.attrs["trend_space"] == "linear"
    with pytest.raises(ValueError, match="trend_space must be one of"):
        simulate(pts, "total_rey_ppm", MODEL, GRID, 1, client="sync", trend="linear", trend_space="sqrt")


@pytest.mark.parametrize("prefer", ["log", "linear"])
def test_auto_space_and_the_plausibility_rule(monkeypatch, prefer):
    monkeypatch.setattr(_simtrend, "AUTO_SPACE", prefer)
    nodes = GRID.coords()
    mild = _survey(seed=6, truth=lambda x: 1000.0 + 0.05 * x)  # linear trend positive everywhere
    steep = _survey(seed=6, truth=lambda x: 1000.0 * np.exp(-0.0009 * (x - 2000.0)))  # linear trend < 0 east
    args = [(p[["easting", "northing"]].to_numpy(float), p["total_rey_ppm"].to_numpy(float)) for p in (mild, steep)]
    assert resolve_trend_space("auto", "linear", *args[0], nodes) == prefer
    assert resolve_trend_space("auto", "linear", *args[1], nodes) == "log"  # implausible in linear space
    assert resolve_trend_space("linear", "linear", *args[1], nodes) == "linear"  # explicit choice kept
    assert resolve_trend_space("log", "none", *args[1], nodes) == "linear"  # no trend: nothing to transform
    z = args[1][1].copy()
    z[0] = -1.0
    with pytest.warns(UserWarning, match="stays in linear space"):
        assert resolve_trend_space("auto", "linear", args[1][0], z, nodes) == "linear"


def test_auto_picks_log_for_blocks_and_variogram_alike_when_the_linear_trend_goes_negative():
    steep = _survey(seed=4, truth=lambda x: 1000.0 * np.exp(-0.0009 * (x - 2000.0)))
    real, how = _run(steep, None, n=3)  # None: SimulationDefaults.trend_space ("auto")
    assert real.attrs["trend_space"] == "log" and "log(value)" in how
    assert (real.values > 0).all() and real.attrs["trend_clipped_share"] == 0.0
