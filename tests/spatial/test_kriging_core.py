"""Public kriging (compiled kernel by default) against pykrige's C backend and the neighbour search fast path."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from reymud.spatial import Grid, Neighbourhood, OrdinaryKriging, SimpleKriging, Structure, VariogramModel
from reymud.spatial._knn import knn_search
from reymud.spatial.neighbourhood import FAST_SEARCH_MIN_TARGETS, NeighbourSearch

NUGGET, SILL, RANGE_M = 0.1, 0.9, 3000.0
MODEL = VariogramModel(NUGGET, (Structure("spherical", SILL, RANGE_M),))


def _data(n: int = 300):
    rng = np.random.default_rng(2026)
    xy = rng.uniform(0, 10_000, (n, 2))
    return xy, np.sin(xy[:, 0] / 900) + np.cos(xy[:, 1] / 1300) + rng.normal(0, 0.3, n)


@pytest.mark.parametrize("k", [16, 32])
def test_ordinary_kriging_matches_pykrige_c_backend(k):
    pykrige_ok = pytest.importorskip("pykrige.ok")  # a benchmark extra: pip install -e ".[bench]"
    xy, z = _data()
    grid = Grid(0.0, 0.0, 60, 50, 180.0)
    ds = OrdinaryKriging(MODEL, Neighbourhood(max_samples=k, min_samples=1)).fit(xy, z).predict(grid)
    pk = pykrige_ok.OrdinaryKriging(xy[:, 0], xy[:, 1], z, variogram_model="spherical", exact_values=True,
                                    variogram_parameters={"psill": SILL, "range": RANGE_M, "nugget": NUGGET})
    tg = grid.coords()
    est, var = pk.execute("points", tg[:, 0], tg[:, 1], backend="C", n_closest_points=k)
    np.testing.assert_allclose(ds["estimate"].values.ravel(), np.asarray(est), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ds["variance"].values.ravel(), np.asarray(var), rtol=0, atol=1e-10)


def test_public_results_do_not_depend_on_the_engine(monkeypatch):
    """OrdinaryKriging / SimpleKriging through the kernel equal the numpy reference (point and block)."""
    import reymud.spatial.kriging_core as core

    xy, z = _data(120)
    grid = Grid(-200.0, 0.0, 40, 30, 250.0)
    cases = [OrdinaryKriging(MODEL, Neighbourhood(16, 3, radius_m=2000.0), block=(4, 4)),
             SimpleKriging(MODEL, mean=float(z.mean()), neighbourhood=Neighbourhood(12, 1), block=(2, 3))]
    fast = [est.fit(xy, z).predict(grid) for est in cases]
    monkeypatch.setattr(core, "KERNEL_MAX_K", 0)  # nothing is covered: every call takes the numpy path
    ref = [est.fit(xy, z).predict(grid) for est in cases]
    for a, b in zip(fast, ref, strict=True):
        for name in ("estimate", "variance", "slope_of_regression", "kriging_efficiency", "mean_distance_m"):
            np.testing.assert_allclose(a[name].values, b[name].values, rtol=0, atol=1e-10, err_msg=name)
        np.testing.assert_array_equal(a["n_samples"].values, b["n_samples"].values)


@pytest.mark.parametrize("m", [500, FAST_SEARCH_MIN_TARGETS + 1000])
def test_search_without_radius_or_sectors_finds_the_kd_tree_sets(m):
    """Few targets: the KD-tree itself; many: the tiled search, the same sets (sorted by index)."""
    xy, _ = _data(200)
    targets = np.random.default_rng(1).uniform(-3000, 13_000, (m, 2))  # some far outside the data
    search = NeighbourSearch(xy, Neighbourhood(max_samples=16))
    idx, n_in = search.query(targets)
    dist, ref = cKDTree(xy).query(targets, k=16)
    np.testing.assert_array_equal(np.sort(idx, axis=1), np.sort(ref, axis=1))
    np.testing.assert_allclose(search.last_nearest, dist[:, 0], rtol=1e-15)
    assert idx.dtype == np.int64 and (n_in == len(xy)).all()


def test_tiled_search_with_ties_keeps_the_nearest_distances():
    """Data on a regular grid: many equal distances; the chosen sets have the k smallest distances."""
    e, n = np.meshgrid(np.arange(30.0) * 100.0, np.arange(30.0) * 100.0)
    xy = np.column_stack([e.ravel(), n.ravel()])
    targets = np.column_stack([e.ravel(), n.ravel()])[:, ::-1] + 50.0  # cell corners: 4-way ties
    tree = cKDTree(xy)
    idx, nearest = knn_search(xy, targets, 12, tree)
    got = np.sort(np.hypot(*(xy[idx] - targets[:, None, :]).transpose(2, 0, 1)), axis=1)
    np.testing.assert_allclose(got, tree.query(targets, k=12)[0], rtol=1e-14)
    assert (np.diff(idx, axis=1) > 0).all()  # distinct data, ascending index
    np.testing.assert_allclose(nearest, got[:, 0], rtol=1e-15)
