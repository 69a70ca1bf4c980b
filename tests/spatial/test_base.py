"""The public estimator base (scikit-learn / verde style) and the estimators built on it."""

from __future__ import annotations

import numpy as np
import pytest

from reymud.spatial import (
    BaseEstimator,
    Grid,
    InverseDistance,
    NearestNeighbour,
    Neighbourhood,
    OrdinaryKriging,
    SimpleKriging,
    Structure,
    VariogramModel,
)

MODEL = VariogramModel(0.0, (Structure("spherical", 1.0, 3_000.0),))
RNG = np.random.default_rng(4)
XY = RNG.uniform(0, 5_000, size=(30, 2))
Z = np.sin(XY[:, 0] / 1_500.0) + XY[:, 1] / 5_000.0


@pytest.mark.parametrize("est", [OrdinaryKriging(MODEL), SimpleKriging(MODEL, 0.5), InverseDistance(2.0),
                                 NearestNeighbour()], ids=lambda e: type(e).__name__)
def test_every_estimator_follows_the_base(est):
    assert isinstance(est, BaseEstimator)
    assert not [k for k in vars(est) if k.endswith("_")]  # __init__ only stores: nothing fitted yet
    with pytest.raises(RuntimeError, match="not fitted"):
        est.predict((XY[:, 0], XY[:, 1]))
    assert est.fit((XY[:, 0], XY[:, 1]), Z) is est
    fitted = [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]
    assert {"coords_", "values_"} <= set(fitted)
    east, north = np.meshgrid([1_000.0, 2_000.0, 3_000.0], [500.0, 4_000.0])
    out = est.predict((east, north))
    assert isinstance(out, np.ndarray) and out.shape == east.shape
    ds = est.estimate(np.column_stack([east.ravel(), north.ravel()]))  # the diagnostics Dataset, same numbers
    np.testing.assert_allclose(out.ravel(), ds["estimate"].to_numpy())
    grid = est.grid(spacing=1_000.0)
    assert dict(grid.sizes) == {"northing": 5, "easting": 5} and "estimate" in grid
    assert est.predict(Grid.around(XY, 1_000.0)).identical(grid)  # the legacy form (not a tuple): a Dataset


def test_kriging_honours_the_data_at_the_data():
    ok = OrdinaryKriging(MODEL, Neighbourhood.global_(len(Z))).fit((XY[:, 0], XY[:, 1]), Z)
    np.testing.assert_allclose(ok.predict((XY[:5, 0], XY[:5, 1])), Z[:5], atol=1e-8)


def test_get_set_params_and_repr():
    ok = OrdinaryKriging(MODEL, block=(2, 2), drift="linear")
    params = ok.get_params()
    assert params == {"block": (2, 2), "chunk_size": 20_000, "drift": "linear", "model": MODEL,
                      "neighbourhood": None}
    assert type(ok)(**params).get_params() == params  # a clone from the parameters
    assert ok.set_params(drift="none") is ok and ok.drift == "none"
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['power'\]"):
        ok.set_params(power=2)
    assert repr(InverseDistance(3.0)) == "InverseDistance(neighbourhood=None, power=3.0)"
    assert NearestNeighbour().get_params() == {}


def test_fit_validates_what_init_only_stored():
    bad = OrdinaryKriging("not a model")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="model must be a VariogramModel"):
        bad.fit(XY, Z)
    with pytest.raises(ValueError, match="drift must be one of"):
        OrdinaryKriging(MODEL, drift="cubic").fit(XY, Z)
    with pytest.raises(ValueError, match="does not use data weights"):
        OrdinaryKriging(MODEL).fit(XY, Z, weights=np.ones(len(Z)))
    with pytest.raises(ValueError, match="power must be > 0"):
        InverseDistance(0.0).fit(XY, Z)
    with pytest.raises(ValueError, match=r"easting shape \(3,\) != northing shape \(2,\)"):
        OrdinaryKriging(MODEL).fit((np.zeros(3), np.zeros(2)), np.zeros(3))


def test_simple_kriging_without_a_mean_uses_the_data_mean():
    sk = SimpleKriging(MODEL, None, Neighbourhood(max_samples=4, min_samples=1)).fit(XY, Z)
    assert sk.mean_ == pytest.approx(Z.mean())
    far = sk.predict((np.array([1e6]), np.array([1e6])))  # beyond the range: the stationary mean
    assert far[0] == pytest.approx(Z.mean())


def test_grid_over_a_region():
    idw = InverseDistance().fit(XY, Z)
    ds = idw.grid(region=(0.0, 2_000.0, 0.0, 1_000.0), spacing=500.0)
    assert ds["easting"].to_numpy().tolist() == [250.0, 750.0, 1250.0, 1750.0]
    with pytest.raises(ValueError, match="give a Grid or a spacing"):
        idw.grid()
