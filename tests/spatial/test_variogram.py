import numpy as np
import pandas as pd
import pytest

from reymud.spatial import (
    NormalScoreTransform,
    Structure,
    VariogramDefaults,
    VariogramFitError,
    VariogramModel,
    experimental_variogram,
    fit_variogram,
)


def _brute(xy, z, width, n_lags, az=None, tol=22.5, band=None):
    i, j = np.triu_indices(len(z), 1)
    d = np.hypot(*(xy[j] - xy[i]).T)
    a = np.degrees(np.arctan2(xy[j, 0] - xy[i, 0], xy[j, 1] - xy[i, 1])) % 180
    keep = d <= width * n_lags
    if az is not None:
        diff = np.minimum(np.abs(a - az), 180 - np.abs(a - az))
        keep &= diff <= tol
        if band is not None:
            keep &= d * np.sin(np.radians(diff)) <= band
    lag = np.minimum((d[keep] / width).astype(int), n_lags - 1)
    sq = 0.5 * (z[i] - z[j])[keep] ** 2
    cnt = np.bincount(lag, minlength=n_lags)
    return cnt, np.bincount(lag, sq, minlength=n_lags)


@pytest.mark.parametrize("az,band", [(None, None), (30.0, None), (120.0, 800.0)])
def test_experimental_matches_brute_force_and_chunking(data, az, band):
    xy, z = data
    small_chunks = VariogramDefaults(chunk_points=7)
    ev = experimental_variogram(xy, z, n_lags=8, max_lag=6000, azimuth=az, bandwidth=band, defaults=small_chunks)
    cnt, sq = _brute(xy, z, 750.0, 8, az, 22.5, band)
    ok = cnt > 0
    assert ev["n_pairs"].tolist() == cnt[ok].tolist()
    assert np.allclose(ev["gamma"], sq[ok] / cnt[ok])
    ev_big = experimental_variogram(xy, z, n_lags=8, max_lag=6000, azimuth=az, bandwidth=band)
    pd.testing.assert_frame_equal(ev, ev_big)


def test_fit_recovers_model():
    true = VariogramModel(0.2, (Structure("spherical", 1.0, 3000.0),))
    lags = np.linspace(200, 6000, 15)
    exp = pd.DataFrame({"lag_m": lags, "gamma": true.variogram(lags), "n_pairs": 100, "azimuth": np.nan})
    fit = fit_variogram(exp)
    assert fit.nugget == pytest.approx(0.2, abs=1e-4)
    assert fit.structures[0].sill == pytest.approx(1.0, abs=1e-4)
    assert fit.structures[0].range_m == pytest.approx(3000.0, rel=1e-3)


def test_fit_anisotropic_from_two_directions():
    true = VariogramModel(0.0, (Structure("exponential", 1.0, 4000.0, 1000.0, 60.0),))
    lags = np.linspace(100, 5000, 12)
    exp = pd.concat([pd.DataFrame({"lag_m": lags, "gamma": true.variogram(lags, a), "n_pairs": 50, "azimuth": a})
                     for a in (60.0, 150.0)])
    fit = fit_variogram(exp, ("exponential",), nugget=False, azimuth_deg=60.0)
    s = fit.structures[0]
    assert s.range_m == pytest.approx(4000, rel=1e-3) and s.minor_m == pytest.approx(1000, rel=1e-3)


def test_fit_errors():
    exp = pd.DataFrame({"lag_m": [100.0, 200.0], "gamma": [0.1, 0.2], "n_pairs": [3, 4], "azimuth": np.nan})
    with pytest.raises(VariogramFitError, match="lag classes"):
        fit_variogram(exp)
    flat = pd.DataFrame({"lag_m": np.arange(1, 9) * 100.0, "gamma": 0.0, "n_pairs": 5, "azimuth": np.nan})
    with pytest.raises(VariogramFitError, match="all values equal"):
        fit_variogram(flat)
    with pytest.raises(ValueError, match="max_lag"):
        experimental_variogram(np.zeros((5, 2)), np.arange(5.0))


def test_normal_score_transform():
    rng = np.random.default_rng(3)
    z = rng.lognormal(0, 1, 2000)
    ns = NormalScoreTransform().fit(z)
    y = ns.transform(z)
    assert abs(y.mean()) < 0.01 and y.std() == pytest.approx(1.0, abs=0.02)
    assert np.allclose(ns.inverse_transform(y), z)
    # default tails (nscore.TailModel): linear to 0 below, linear to 1.5 x max above
    assert ns.inverse_transform(np.array([-10.0, 10.0])) == pytest.approx([0.0, 1.5 * z.max()])
    with pytest.raises(ValueError, match="zero variance"):
        NormalScoreTransform().fit(np.ones(5))
    with pytest.raises(RuntimeError, match="not fitted"):
        NormalScoreTransform().transform([1.0])
