"""Trend surfaces, universal kriging and residual variograms (issue 8)."""

import json

import gstools as gs
import numpy as np
import pytest

from reymud.spatial import (
    Grid,
    Neighbourhood,
    OrdinaryKriging,
    Structure,
    TrendSurface,
    VariogramModel,
    cross_validate,
    fit_trend_and_variogram,
)
from reymud.spatial.kriging_core import block_offsets, krige_targets

MODEL = VariogramModel(0.05, (Structure("spherical", 1.0, 5000.0),))


def _uk_dense(model, xy, z, targets, drift, offsets=None):
    """Universal kriging by one dense numpy solve per target, drift in raw metres."""
    def f(p):
        cols = [np.ones(len(p)), p[:, 0], p[:, 1]]
        if drift == "quadratic":
            cols += [p[:, 0] ** 2, p[:, 0] * p[:, 1], p[:, 1] ** 2]
        return np.column_stack(cols)

    n = len(xy)
    fd = f(xy)
    nl = fd.shape[1]
    a = np.zeros((n + nl, n + nl))
    a[:n, :n] = model.covariance_between(xy[:, None], xy[None])
    a[:n, n:], a[n:, :n] = fd, fd.T
    est, var = [], []
    for t in targets:
        pts = t[None] if offsets is None else t + offsets
        b = model.covariance_between(xy[:, None], pts[None]).mean(axis=1)
        bv = model.covariance_between(pts[:, None], pts[None]).mean()
        if offsets is not None:  # no nugget on the coincident discretisation pairs (GSLIB kb2d, gstat)
            bv -= model.nugget / len(pts)
        f0 = f(pts).mean(axis=0)
        x = np.linalg.solve(a, np.concatenate([b, f0]))
        est.append(x[:n] @ z)
        var.append(bv - x[:n] @ b - x[n:] @ f0)
    return np.array(est), np.array(var)


@pytest.fixture
def small():
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 8000, (15, 2)) + np.array([500_000.0, 2_400_000.0])  # UTM-sized coordinates
    z = 1.0 + 2e-4 * (xy[:, 0] - 500_000) + rng.normal(0, 0.3, 15)
    return xy, z


def test_drift_none_is_ordinary_kriging_exactly(data, model):
    xy, z = data
    grid = Grid(150.0, 250.0, 12, 9, 800.0)
    hood = Neighbourhood(max_samples=10)
    a = OrdinaryKriging(model, hood, block=(3, 3)).fit(xy, z).predict(grid)
    b = OrdinaryKriging(model, hood, block=(3, 3), drift="none").fit(xy, z).predict(grid)
    for name in ("estimate", "variance", "slope_of_regression"):
        np.testing.assert_array_equal(a[name].values, b[name].values)


@pytest.mark.parametrize("drift", ["linear", "quadratic"])
def test_global_uk_matches_dense_solve(small, drift):
    xy, z = small
    targets = xy.mean(axis=0) + np.array([[0.0, 0.0], [3000.0, -2000.0], [-5000.0, 4000.0], [9000.0, 9000.0]])
    uk = OrdinaryKriging(MODEL, Neighbourhood.global_(len(xy)), drift=drift).fit(xy, z)
    got = uk.predict(targets)
    est, var = _uk_dense(MODEL, xy, z, targets, drift)
    np.testing.assert_allclose(got["estimate"].values, est, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(got["variance"].values, var, rtol=1e-6, atol=1e-8)
    # exact at a datum (nugget only at h == 0)
    assert uk.predict(xy[:3])["estimate"].values == pytest.approx(z[:3], abs=1e-8)


def test_block_uk_uses_the_block_mean_of_the_drift(small):
    xy, z = small
    x0, y0 = xy.min(axis=0)
    grid = Grid(x0 + 500.0, y0 + 500.0, 4, 3, 2000.0)
    uk = OrdinaryKriging(MODEL, Neighbourhood.global_(len(xy)), block=(3, 3), drift="quadratic").fit(xy, z)
    got = uk.predict(grid)
    est, var = _uk_dense(MODEL, xy, z, grid.coords(), "quadratic", block_offsets(2000.0, (3, 3)))
    np.testing.assert_allclose(got["estimate"].values.ravel(), est, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(got["variance"].values.ravel(), var, rtol=1e-6, atol=1e-8)


def test_uk_extrapolates_a_trend_that_ok_flattens(small):
    xy, z = small
    far = np.array([[xy[:, 0].max() + 20_000.0, xy[:, 1].mean()]])
    hood = Neighbourhood.global_(len(xy))
    truth = 1.0 + 2e-4 * (far[0, 0] - 500_000)
    ok = OrdinaryKriging(MODEL, hood).fit(xy, z).predict(far)["estimate"].item()
    uk = OrdinaryKriging(MODEL, hood, drift="linear").fit(xy, z).predict(far)["estimate"].item()
    assert abs(uk - truth) < 0.5 * abs(ok - truth)


def test_bad_drift_is_rejected():
    with pytest.raises(ValueError, match="drift"):  # checked by fit: __init__ only stores (spatial/base.py)
        OrdinaryKriging(MODEL, drift="cubic").fit(np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]]), np.ones(3))
    xy = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]])
    with pytest.raises(ValueError, match="drift needs mode 'ok'"):
        krige_targets(xy, np.ones((3, 1)), MODEL, np.zeros((1, 2)), np.array([[0, 1, 2]]), mode="sk",
                      drift="linear")
    with pytest.raises(ValueError, match="unknown drift"):
        krige_targets(xy, np.ones((3, 1)), MODEL, np.zeros((1, 2)), np.array([[0, 1, 2]]), drift="cubic")
    # fewer neighbours than drift terms + 1: NaN, never a singular solve
    few = OrdinaryKriging(MODEL, Neighbourhood(max_samples=3, min_samples=1), drift="linear")
    assert np.isnan(few.fit(xy, [1.0, 2.0, 3.0]).predict(np.array([[10.0, 10.0]]))["estimate"].item())
    # neighbours on one line cannot fix a linear drift across it: NaN there, estimates elsewhere
    line = np.column_stack([np.arange(6) * 100.0, np.zeros(6)])
    pts = np.vstack([line, [[0.0, 500.0], [500.0, 500.0]]])
    uk = OrdinaryKriging(MODEL, Neighbourhood(max_samples=6, min_samples=1), drift="linear")
    out = uk.fit(pts, np.arange(8.0)).predict(np.array([[250.0, -10.0], [250.0, 450.0]]))["estimate"].values
    assert np.isnan(out[0]) and np.isfinite(out[1])


def test_trend_surface_fits_predicts_and_validates():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 10_000, (50, 2))
    z = 3.0 + 1e-3 * xy[:, 0] - 2e-4 * xy[:, 1] + 1e-7 * xy[:, 0] * xy[:, 1]
    ts = TrendSurface("quadratic").fit(xy, z)
    np.testing.assert_allclose(ts.predict(xy), z, atol=1e-9)
    assert ts.residuals(xy, z) == pytest.approx(np.zeros(50), abs=1e-9)
    assert ts.term_names_ == ("1", "de", "dn", "de2", "de_dn", "dn2")
    assert ts.coef_[4] == pytest.approx(1e-7, rel=1e-6)
    lin = TrendSurface("linear").fit(xy, 3.0 + 1e-3 * xy[:, 0])
    assert lin.coef_[1:] == pytest.approx([1e-3, 0.0], abs=1e-12)
    assert TrendSurface("none").fit(xy, z).predict(xy[:2]) == pytest.approx([z.mean()] * 2)
    assert set(ts.to_dict()["coefficients"]) == set(ts.term_names_)
    with pytest.raises(ValueError, match="order"):
        TrendSurface("cubic").fit(xy, z)
    with pytest.raises(ValueError, match="needs at least 7 data"):
        TrendSurface("quadratic").fit(xy[:5], z[:5])
    with pytest.raises(RuntimeError, match="not fitted"):
        TrendSurface().predict(xy)


def _trend_survey(seed=3, n=300, range_m=20_000.0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100_000, (n, 2))
    resid = gs.SRF(gs.Spherical(dim=2, var=1.0, len_scale=range_m), seed=seed)((xy[:, 0], xy[:, 1]))
    slopes = np.array([1e-4, -8e-5])  # per metre: the trend spans about 13 residual sd over the box
    z = 5.0 + (xy - 50_000.0) @ slopes + resid
    return xy, z, slopes


def test_known_linear_trend_and_residual_range_are_recovered():
    xy, z, slopes = _trend_survey()
    ts, model, exp, warnings = fit_trend_and_variogram(xy, z, "linear", max_lag=50_000.0, n_lags=15)
    assert np.linalg.norm(ts.coef_[1:] - slopes) < 0.1 * np.linalg.norm(slopes)
    assert model.structures[0].range_m == pytest.approx(20_000.0, rel=0.25)
    assert {"checks", "trend"} <= set(exp.attrs) and warnings == ()
    # without the trend the raw variogram keeps rising: range far beyond the generator's
    _, raw, _, _ = fit_trend_and_variogram(xy, z, "none", max_lag=50_000.0, n_lags=15)
    assert raw.structures[0].range_m > 2 * 20_000.0
    # UK with the residual variogram and residual kriging + trend agree closely inside the survey
    targets = np.random.default_rng(1).uniform(20_000, 80_000, (40, 2))
    hood = Neighbourhood(max_samples=24)
    uk = OrdinaryKriging(model, hood, drift="linear").fit(xy, z).predict(targets)["estimate"].values
    rk = (OrdinaryKriging(model, hood).fit(xy, ts.residuals(xy, z)).predict(targets)["estimate"].values
          + ts.predict(targets))
    assert np.abs(uk - rk).max() < 0.25
    # cross-validation of both estimators with the residual variogram: UK beats OK on the raw variogram
    loo = {name: cross_validate(est, xy, z).attrs["summary"] for name, est in {
        "uk": OrdinaryKriging(model, hood, drift="linear"), "ok_raw": OrdinaryKriging(raw, hood)}.items()}
    assert loo["uk"]["rmse"] < loo["ok_raw"]["rmse"] and loo["uk"]["correlation"] > 0.9
    json.dumps(exp.attrs["checks"], allow_nan=False)


def _demo_window_grade(n_cores, infill_fraction=0.0):
    from reymud.cores import window_stats
    from reymud.demo import DemoConfig, build_survey
    from reymud.demo.survey import local_km
    from reymud.elements import REY

    survey = build_survey(DemoConfig(n_cores=n_cores, infill_fraction=infill_fraction))
    cores, samples = survey["cores"], survey["samples"]
    samples = samples.assign(total_rey_ppm=samples[list(REY)].sum(axis=1))
    win = window_stats(samples, 0.0, 10.0, columns=["total_rey_ppm"]).set_index("core_id").loc[cores["core_id"]]
    xy = local_km(cores["latitude"].to_numpy(), cores["longitude"].to_numpy()) * 1000.0
    return xy, win["total_rey_ppm"].to_numpy()


def test_demo_variograms_are_no_longer_accepted_without_a_word():
    """25 regional demo cores (Takaya 2018's count, no infill): every lag has < 30 pairs, reported; the
    NW trend holds about half the variance."""
    xy, grade = _demo_window_grade(25)
    _, raw, exp, warnings = fit_trend_and_variogram(xy, grade, "none")
    assert any("fewer than 30 pairs" in w for w in warnings)
    assert exp["n_pairs"].max() < 30
    # the linear trend takes out most of the variance: residual sill well below the raw one
    ts, resid_model, _, _ = fit_trend_and_variogram(xy, grade, "linear")
    assert resid_model.sill < 0.6 * raw.sill
    assert ts.coef_[1] < 0 < ts.coef_[2]  # grade rises to the north-west (west = -easting)
    # 8 cores: at most 6 pairs per lag, and a poor leave-one-out correlation is reported when given
    xy8, grade8 = _demo_window_grade(8)
    _, _, exp8, warnings8 = fit_trend_and_variogram(xy8, grade8, "none", loo_correlation=-0.24)
    assert exp8["n_pairs"].max() <= 6
    assert any("fewer than 30 pairs" in w for w in warnings8) and any("-0.24" in w for w in warnings8)
