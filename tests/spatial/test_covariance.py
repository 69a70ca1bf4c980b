import numpy as np
import pytest

from reymud.spatial import Structure, VariogramModel


def test_hand_values():
    m = VariogramModel(0.2, (Structure("spherical", 1.0, 1000.0),))
    # spherical at h = range/2: 1 - 1.5*0.5 + 0.5*0.125 = 0.3125
    assert m.covariance(np.array([500.0]))[0] == pytest.approx(0.3125)
    assert m.covariance(np.array([0.0]))[0] == pytest.approx(1.2)  # nugget counts at h == 0
    assert m.covariance(np.array([1e-9, 2000.0])) == pytest.approx([1.0, 0.0], abs=1e-9)
    assert m.variogram(np.array([2000.0]))[0] == pytest.approx(1.2)
    e = VariogramModel(0.0, (Structure("exponential", 2.0, 300.0),))
    assert e.covariance(np.array([300.0]))[0] == pytest.approx(2 * np.exp(-3))  # practical range: 95 %
    g = VariogramModel(0.0, (Structure("gaussian", 1.0, 300.0),))
    assert g.covariance(np.array([150.0]))[0] == pytest.approx(np.exp(-0.75))


def test_anisotropy_azimuth_clockwise_from_north():
    s = Structure("spherical", 1.0, 1000.0, 250.0, azimuth_deg=90.0)  # major axis east-west
    m = VariogramModel(0.0, (s,))
    east = m.covariance_delta(np.array([500.0]), np.array([0.0]))[0]
    north = m.covariance_delta(np.array([0.0]), np.array([125.0]))[0]
    assert east == pytest.approx(north) == pytest.approx(0.3125)
    assert s.range_along(90.0) == pytest.approx(1000.0)
    assert s.range_along(0.0) == pytest.approx(250.0)


@pytest.mark.parametrize("kind", ["spherical", "exponential", "gaussian"])
def test_gstools_equivalent(kind):
    m = VariogramModel(0.15, (Structure(kind, 1.3, 4000.0, 1500.0, 30.0),))
    d = np.random.default_rng(1).uniform(-6000, 6000, (500, 2))
    ours = m.covariance_delta(d[:, 0], d[:, 1])
    theirs = m.to_gstools().cov_spatial(d.T)
    assert np.abs(ours - theirs).max() < 1e-12


def test_gstools_nested_sum():
    m = VariogramModel(0.1, (Structure("spherical", 0.6, 1000.0, 500.0, 120.0),
                             Structure("exponential", 0.4, 5000.0, 2500.0, 120.0)))
    d = np.random.default_rng(2).uniform(-6000, 6000, (300, 2))
    assert np.abs(m.covariance_delta(d[:, 0], d[:, 1]) - m.to_gstools().cov_spatial(d.T)).max() < 1e-12
    bad = VariogramModel(0.1, (Structure("spherical", 0.6, 1000.0), Structure("spherical", 0.4, 5000.0, 2500.0)))
    with pytest.raises(ValueError, match="same anisotropy"):
        bad.to_gstools()


def test_dict_round_trip_and_errors():
    m = VariogramModel(0.1, (Structure("gaussian", 1.0, 700.0, 300.0, 45.0),))
    assert VariogramModel.from_dict(m.to_dict()) == m
    assert m.scaled(2.0).sill == pytest.approx(2 * m.sill)
    with pytest.raises(ValueError, match="kind"):
        Structure("cubic", 1.0, 10.0)
    with pytest.raises(ValueError, match="range_m"):
        Structure("spherical", 1.0, 0.0)
    with pytest.raises(ValueError, match="zero total sill"):
        VariogramModel(0.0, ())
    with pytest.raises(ValueError, match="missing key"):
        VariogramModel.from_dict({"structures": [{"kind": "spherical"}]})
