"""The compiled kriging kernel against the pure-numpy reference path (same inputs, 1e-10)."""

from __future__ import annotations

import numpy as np
import pytest

from reymud.spatial import Neighbourhood, Structure, VariogramModel
from reymud.spatial import _kernels as kernels
from reymud.spatial.kriging_core import block_offsets, krige_targets
from reymud.spatial.neighbourhood import NeighbourSearch

NESTED = VariogramModel(0.05, (Structure("exponential", 0.5, 3000.0, 1500.0, 30.0),
                               Structure("gaussian", 0.45, 6000.0)))
SPHERICAL = VariogramModel(0.1, (Structure("spherical", 0.9, 3000.0),))
OUTPUTS = ("estimate", "variance", "slope", "efficiency", "mean_distance", "weights")


def _case(seed: int, n: int = 150, m: int = 1500):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10_000, (n, 2))
    z = np.column_stack([np.sin(xy[:, 0] / 2000) + rng.normal(0, 0.2, n), rng.normal(3.0, 1.0, n)])
    return xy, z, rng.uniform(-500, 10_500, (m, 2))


@pytest.mark.parametrize(("mode", "block", "hood", "model"), [
    ("ok", None, Neighbourhood(16, 1), SPHERICAL),
    ("sk", (4, 4), Neighbourhood(16, 1), NESTED),
    ("ok", (4, 4), Neighbourhood(24, 4, radius_m=1200.0), NESTED),  # padded rows, NaN below min_samples
    ("sk", None, Neighbourhood(12, 2, radius_m=2500.0, radius_minor_m=1000.0, azimuth_deg=45.0,
                               sectors=4, max_per_sector=3), SPHERICAL),
])
def test_kernel_matches_numpy_reference(mode, block, hood, model):
    xy, z, targets = _case(7)
    idx, _ = NeighbourSearch(xy, hood).query(targets)
    kw = dict(mode=mode, mean=np.array([0.1, 3.0]), offsets=block_offsets(100.0, block),
              min_samples=hood.min_samples, return_weights=True)
    fast = krige_targets(xy, z, model, targets, idx, engine="numba", **kw)
    ref = krige_targets(xy, z, model, targets, idx, engine="numpy", **kw)
    for name in OUTPUTS:
        assert np.array_equal(np.isnan(fast[name]), np.isnan(ref[name])), name
        np.testing.assert_allclose(fast[name], ref[name], rtol=0, atol=1e-10, err_msg=name)
    np.testing.assert_array_equal(fast["idx_sorted"], ref["idx_sorted"])
    np.testing.assert_array_equal(fast["n_samples"], ref["n_samples"])
    assert fast["block_variance"] == ref["block_variance"]
    if hood.radius_m is not None:  # the case really exercises padding and the NaN rule
        assert (fast["n_samples"] < idx.shape[1]).any() and np.isnan(fast["estimate"]).any()


def test_kernel_covariance_is_the_model_covariance():
    rng = np.random.default_rng(3)
    d = np.vstack([[0.0, 0.0], rng.normal(0, 4000, (200, 2))])
    params = kernels.model_params(NESTED)
    got = [kernels._cov(de, dn, NESTED.nugget, params) for de, dn in d]
    np.testing.assert_allclose(got, NESTED.covariance_delta(d[:, 0], d[:, 1]), rtol=0, atol=1e-15)
    assert got[0] == pytest.approx(NESTED.sill)  # the nugget counts at zero separation only


def test_grouping_puts_only_equal_sets_together():
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 6, (400, 3))
    idx[::7, 2] = -1  # padded rows
    keys, count, order, starts = kernels.group_neighbour_sets(idx, 6)
    assert starts[0] == 0 and starts[-1] == len(idx) and sorted(order) == list(range(len(idx)))
    for g in range(len(starts) - 1):
        rows = order[starts[g]:starts[g + 1]]
        assert (keys[rows] == keys[rows[0]]).all()
    np.testing.assert_array_equal(keys, np.sort(np.where(idx < 0, 6, idx), axis=1))
    np.testing.assert_array_equal(count, (idx >= 0).sum(axis=1))
    # every distinct set appears in one group (no hash collision among these few)
    assert len(starts) - 1 == len(np.unique(keys, axis=0))


def test_near_singular_sets_go_back_to_numpy():
    """Two data at one location make the covariance matrix singular: the numpy path answers those targets."""
    model = VariogramModel(0.0, (Structure("gaussian", 1.0, 5000.0),))
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [3000.0, 0.0], [0.0, 4000.0], [9000.0, 9000.0]])
    z = np.array([[1.0], [1.2], [0.5], [2.0], [0.0]])
    targets = np.array([[500.0, 500.0], [7000.0, 8000.0]])
    idx = np.array([[0, 1, 2], [2, 3, 4]])
    keys, count, order, starts = kernels.group_neighbour_sets(idx, len(xy))
    raw = kernels.solve_groups(xy, z, model, targets, keys, count, order, starts, None, 1.0, True,
                               np.zeros(1), 1, False)
    assert raw["failed"].tolist() == [True, False]
    fast = krige_targets(xy, z, model, targets, idx, engine="auto")
    ref = krige_targets(xy, z, model, targets, idx, engine="numpy")
    np.testing.assert_allclose(fast["estimate"], ref["estimate"], rtol=0, atol=1e-10)
    assert np.isfinite(fast["estimate"]).all()


def test_engine_choice_and_fallbacks():
    xy, z, targets = _case(11, n=60, m=200)
    idx, _ = NeighbourSearch(xy, Neighbourhood(10, 4)).query(targets)
    with pytest.raises(ValueError, match="covers drift 'none'"):
        krige_targets(xy, z, SPHERICAL, targets, idx, drift="linear", engine="numba")
    with pytest.raises(ValueError, match="unknown engine"):
        krige_targets(xy, z, SPHERICAL, targets, idx, engine="cython")
    # universal kriging: "auto" is the numpy path, bit for bit
    auto = krige_targets(xy, z, SPHERICAL, targets, idx, drift="linear")
    ref = krige_targets(xy, z, SPHERICAL, targets, idx, drift="linear", engine="numpy")
    np.testing.assert_array_equal(auto["estimate"], ref["estimate"])
