import numpy as np
import pandas as pd
import pytest

from reymud.spatial import (
    Grid,
    InverseDistance,
    NearestNeighbour,
    Neighbourhood,
    OrdinaryKriging,
    Structure,
    VariogramModel,
    cell_declustering,
    cross_validate,
    simulate,
    swath,
)

MODEL = VariogramModel(0.05, (Structure("spherical", 0.95, 3000.0),))


def _truth():
    """A known Gaussian field (circulant-embedding simulation) sampled at scattered core sites."""
    grid = Grid(0.0, 0.0, 60, 60, 100.0)
    far = pd.DataFrame({"easting": [1e8, 1e8 + 1], "northing": [1e8, 1e8], "v": [0.0, 0.0]})
    with pytest.warns(UserWarning):
        field = simulate(far, "v", MODEL, grid, 1, seed=11, client="sync", transform=None, method="fft")[0]
    rng = np.random.default_rng(2)
    cells = rng.choice(grid.nx * grid.ny, 80, replace=False)
    return grid, field, grid.coords()[cells], field.values.ravel()[cells]


def test_synthetic_truth_unbiased_and_standardised_errors():
    grid, field, xy, z = _truth()
    ok = OrdinaryKriging(MODEL, Neighbourhood(max_samples=16))
    est = ok.fit(xy, z).predict(grid)["estimate"]
    assert float((est - field).mean()) == pytest.approx(0.0, abs=0.15)
    loo = cross_validate(ok, xy, z, "loo")
    s = loo.attrs["summary"]
    assert s["n"] == 80 and abs(s["mean_error"]) < 0.15
    assert 0.6 < s["var_std_error"] < 1.5
    assert 0.6 < s["slope_true_on_estimate"] < 1.4
    # leave-one-out = refit without the point, by brute force for one point
    keep = np.arange(80) != 17
    one = ok.fit(xy[keep], z[keep]).predict(xy[[17]])
    assert loo["estimate"].iloc[17] == pytest.approx(one["estimate"].item(), abs=1e-10)
    kf = cross_validate(ok, xy, z, 4, seed=1)
    assert set(kf["fold"]) == {0, 1, 2, 3} and kf["estimate"].notna().all()
    for est_ in (InverseDistance(), NearestNeighbour()):
        assert np.isfinite(cross_validate(est_, xy, z, "loo").attrs["summary"]["rmse"])
    with pytest.raises(ValueError, match="folds"):
        cross_validate(ok, xy, z, "kfold")


def test_cell_declustering_by_hand():
    # 4 clustered high values in one cell, 2 isolated low values
    xy = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [50, 50], [90, 10]], dtype=float)
    z = np.array([10, 10, 10, 10, 1, 1], dtype=float)
    out = cell_declustering(xy, z, [20.0], n_offsets=1)
    # weights: cluster 1/4 each, singles 1 -> normalised by 3
    assert out["declustered_mean"].item() == pytest.approx((10 + 1 + 1) / 3)
    assert out["naive_mean"].item() == pytest.approx(42 / 6)
    assert np.allclose(out.attrs["weights"][20.0], [1 / 12] * 4 + [1 / 3] * 2)
    assert out.attrs["best_cell_size_m"] == 20.0


def test_swath_by_hand():
    grid = Grid(50.0, 50.0, 4, 2, 100.0)
    ds = grid.template()
    ds["v"] = (("northing", "easting"), np.array([[1.0, 2, 3, 4], [1, 2, 3, 4]]))
    pts = pd.DataFrame({"easting": [10.0, 150.0, 390.0], "northing": [0.0, 0.0, 0.0], "v": [1.5, 2.5, 3.5]})
    sw = swath(ds, pts, "v", "easting", n_bands=2)
    assert sw["mean_estimate"].tolist() == [1.5, 3.5]
    assert sw["mean_data"].tolist() == [2.0, 3.5] and sw["n_data"].tolist() == [2, 1]
