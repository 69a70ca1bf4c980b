import numpy as np
import pandas as pd
import pytest

from reymud.spatial import Grid, Structure, VariogramModel, simulate
from reymud.spatial._simengine import back_transform, batch_bounds, circulant_sqrt, slab_bounds, table_interp
from reymud.spatial.nscore import NormalScoreTransform
from reymud.spatial.simulate import SIMULATION_DEFAULTS


def _pts(n=40, seed=0, extent=6000.0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, extent, (n, 2))
    return pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "v": rng.lognormal(6.5, 0.4, n)})


@pytest.mark.filterwarnings("ignore:simulate. .* data")
@pytest.mark.parametrize("method", ["fft", "cholesky"])
def test_batches_and_weight_slabs_do_not_change_the_realisations(method):
    grid = Grid(0.0, 0.0, 30, 24, 250.0)
    model = VariogramModel(0.05, (Structure("spherical", 0.95, 1800.0),))
    kw = dict(client="sync", method=method)
    ref = simulate(_pts(), "v", model, grid, 7, seed=11, **kw).values
    odd = type(SIMULATION_DEFAULTS)(batch_size=3, weight_slab_cells=101)
    other = simulate(_pts(), "v", model, grid, 7, seed=11, defaults=odd, **kw).values
    assert np.array_equal(ref, other)
    assert np.isfinite(ref).all() and ref.std() > 0


def test_back_transform_equals_inverse_transform():
    rng = np.random.default_rng(3)
    ns = NormalScoreTransform().fit(rng.lognormal(7, 0.5, 200))
    y = np.concatenate([rng.standard_normal(5000) * 1.6, [ns.scores_[0], ns.scores_[-1], -9.0, 9.0]])
    assert np.allclose(back_transform(ns, y), ns.inverse_transform(y), rtol=1e-13, atol=0)
    at_table = ns.scores_[::7]  # table nodes come back exactly
    assert np.array_equal(back_transform(ns, at_table), ns.values_[::7])
    assert ((y < ns.scores_[0]) | (y > ns.scores_[-1])).sum() > 20  # the tails are exercised


def test_torus_is_small_for_a_short_range_and_exact_for_a_long_one():
    grid = Grid(0.0, 0.0, 200, 150, 100.0)
    short = VariogramModel(0.0, (Structure("spherical", 1.0, 1_500.0),))
    sqrt_eig, torus = circulant_sqrt(short, grid)
    assert torus[0] < 2 * grid.ny and torus[1] < 2 * grid.nx
    assert torus[0] >= grid.ny + 15 and torus[1] >= grid.nx + 15  # grid + range: no wrapped covariance
    assert sqrt_eig.dtype == np.float32 and sqrt_eig.shape == (torus[0], torus[1] // 2 + 1)
    long = VariogramModel(0.0, (Structure("exponential", 1.0, 30_000.0),))  # never below 1e-6 within 2 n
    with pytest.warns(UserWarning, match="negative eigenvalues"):  # as the 2 n embedding always did
        _, torus_long = circulant_sqrt(long, grid)
    assert torus_long[0] >= 2 * grid.ny and torus_long[1] >= 2 * grid.nx


def test_table_interp_is_np_interp_inside_the_table():
    rng = np.random.default_rng(9)
    xp = np.sort(np.concatenate([rng.standard_normal(300), rng.normal(0, 1e-4, 50)]))  # crowded and sparse parts
    fp = np.cumsum(rng.uniform(0.1, 2.0, 350))
    x = np.concatenate([rng.uniform(xp[0], xp[-1], 20_000), xp, (xp[1:] + xp[:-1]) / 2])
    assert np.allclose(table_interp(x, xp, fp), np.interp(x, xp, fp), rtol=1e-13, atol=1e-12)


def test_fixed_bounds():
    assert batch_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert slab_bounds(5, 8) == [(0, 5)]


@pytest.mark.parametrize("shared", [True, False])
def test_dask_batches_through_shared_memory_or_comms_give_the_same_realisations(monkeypatch, tmp_path, shared):
    from distributed import Client, LocalCluster

    from reymud.spatial import _simengine

    grid = Grid(0.0, 0.0, 20, 16, 250.0)
    model = VariogramModel(0.05, (Structure("spherical", 0.95, 1800.0),))
    ref = simulate(_pts(), "v", model, grid, 12, seed=5, client="sync", method="fft").values
    monkeypatch.setattr(_simengine, "SHARED_DIR", str(tmp_path) if shared else None)
    reads = []
    read_into = _simengine.SharedOutput.read_into
    monkeypatch.setattr(_simengine.SharedOutput, "read_into",
                        lambda self, out, a, b: (reads.append((a, b)), read_into(self, out, a, b)))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cl, \
            Client(cl) as client:
        real = simulate(_pts(), "v", model, grid, 12, seed=5, client=client, method="fft").values
    assert np.array_equal(real, ref)
    assert sorted(reads) == ([(0, 5), (5, 10), (10, 12)] if shared else [])  # 3 batches of 5
    assert list(tmp_path.iterdir()) == []  # the shared file is removed after the run


def test_shared_output_round_trip_and_a_worker_that_cannot_see_it(tmp_path, monkeypatch):
    from reymud.spatial import _simengine

    monkeypatch.setattr(_simengine, "SHARED_DIR", str(tmp_path))
    shared = _simengine.SharedOutput.create((4, 3, 2))
    values = np.arange(12.0).reshape(2, 3, 2) + 0.5
    assert shared.write(2, values)
    out = np.zeros((4, 3, 2))
    shared.read_into(out, 2, 4)
    assert np.array_equal(out[2:], values) and not out[:2].any()
    shared.close()
    assert not shared.write(0, values)  # a remote worker: the batch then goes back through Dask
    monkeypatch.setattr(_simengine, "SHARED_DIR", str(tmp_path / "missing"))
    assert _simengine.SharedOutput.create((4, 3, 2)) is None
