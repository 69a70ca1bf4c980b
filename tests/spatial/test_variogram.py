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


# -- gstat agreement, weightings, diagnostics (issue 8) ------------------------------------------

def _meuse_log_zinc():
    skd = pytest.importorskip("skgstat.data")  # third-party data wheel, not reymud
    xy, zinc = skd.meuse(variable="zinc")["sample"]
    return xy.astype(float), np.log(zinc[:, 0].astype(float))


def test_meuse_gstat_lags_and_npairs_h2_fit_reproduce_gstat():
    from reymud.spatial import gstat_lags

    xy, z = _meuse_log_zinc()
    exp = experimental_variogram(xy, z, **gstat_lags(xy))
    # gstat: variogram(log(zinc)~1, meuse) -> np of the 15 lags (Pebesma, gstat vignette)
    assert exp["n_pairs"].tolist() == [57, 299, 419, 457, 547, 533, 574, 564, 589, 543, 500, 477, 452,
                                       457, 415]
    assert exp["gamma"].iloc[0] == pytest.approx(0.1234479, rel=1e-5)
    assert exp["lag_m"].iloc[0] == pytest.approx(79.29244, rel=1e-5)
    m = fit_variogram(exp, ("spherical",), weighting="npairs_h2")
    # gstat fit.variogram(v, vgm(1, "Sph", 900, 1)): nugget 0.0507, psill 0.5906, range 897 m
    assert m.nugget == pytest.approx(0.0507, rel=0.01)
    assert m.structures[0].sill == pytest.approx(0.5906, rel=0.01)
    assert m.structures[0].range_m == pytest.approx(897.0, rel=0.01)
    assert fit_variogram(exp, ("spherical",)) == m  # N/h^2 is the default


def test_weightings_differ_and_unknown_is_rejected():
    xy, z = _meuse_log_zinc()
    from reymud.spatial import gstat_lags

    exp = experimental_variogram(xy, z, **gstat_lags(xy))
    fits = {w: fit_variogram(exp, ("spherical",), weighting=w) for w in ("npairs_h2", "npairs", "cressie",
                                                                         "equal")}
    assert len({round(f.nugget, 5) for f in fits.values()}) == 4
    with pytest.raises(VariogramFitError, match="weighting"):
        fit_variogram(exp, weighting="ols")


def test_right_closed_bins_match_brute_force(data):
    xy, z = data
    xy = np.vstack([xy, xy[:1]])  # a coincident pair is dropped with closed="right"
    z = np.append(z, z[0] + 1.0)
    exp = experimental_variogram(xy, z, n_lags=6, max_lag=6000.0, closed="right")
    i, j = np.triu_indices(len(z), 1)
    d = np.hypot(*(xy[j] - xy[i]).T)
    keep = (d > 0) & (d <= 6000.0)
    lag = np.ceil(d[keep] / 1000.0).astype(int) - 1
    cnt = np.bincount(lag, minlength=6)
    assert exp["n_pairs"].tolist() == cnt[cnt > 0].tolist()
    with pytest.raises(ValueError, match="closed"):
        experimental_variogram(xy, z, closed="both")


def test_variogram_diagnostics_warn_on_each_rule():
    from reymud.spatial import variogram_checks, variogram_diagnostics

    exp = pd.DataFrame({"lag_m": [500.0, 1500.0, 2500.0], "gamma": [0.5, 1.0, 1.5],
                        "n_pairs": [12, 40, 60], "azimuth": np.nan})
    values = np.random.default_rng(1).normal(0, 1, 50)
    good = VariogramModel(0.1, (Structure("spherical", 0.8, 2000.0),))
    assert variogram_diagnostics(exp.assign(n_pairs=[30, 40, 60]), good, values, 10_000.0,
                                 loo_correlation=0.8) == ()
    bad = VariogramModel(0.2, (Structure("spherical", 2.0, 70_000.0),))
    warnings = variogram_diagnostics(exp, bad, values, 10_000.0, loo_correlation=-0.24)
    assert len(warnings) == 4
    text = " ".join(warnings)
    assert "exceeds the survey extent" in text and "data variance" in text
    assert "1 of 3 lag classes have fewer than 30 pairs" in text and "-0.24" in text
    checks = variogram_checks(exp, bad, values, 10_000.0)
    assert checks.set_index("check").loc["loo_correlation", "passed"] is None
    assert checks["check"].tolist() == ["range_vs_extent", "sill_vs_variance", "min_pairs_per_lag",
                                        "loo_correlation"]
