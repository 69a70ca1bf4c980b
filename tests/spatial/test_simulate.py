import numpy as np
import pandas as pd
import pytest

from reymud.spatial import Grid, Neighbourhood, SimpleKriging, Structure, VariogramModel, simulate

MODEL = VariogramModel(0.0, (Structure("exponential", 1.0, 1500.0, 900.0, 45.0),))


def _points(xy, z):
    return pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "v": z})


def _conditional_cov(model, data_xy, cells):
    sdd = model.covariance_between(data_xy[:, None], data_xy[None])
    sgd = model.covariance_between(cells[:, None], data_xy[None])
    sgg = model.covariance_between(cells[:, None], cells[None])
    return sgg - sgd @ np.linalg.solve(sdd, sgd.T)


@pytest.mark.parametrize("method", ["cholesky", "fft"])
def test_moments_and_covariance_match_simple_kriging(method):
    grid = Grid(0.0, 0.0, 12, 10, 200.0)
    # data on grid nodes so the fft relocation is exact; cholesky uses the same positions
    xy = grid.coords()[[13, 40, 77, 101, 58]]
    z = np.array([1.2, -0.4, 0.3, -1.0, 0.8])
    n = 1000
    real = simulate(_points(xy, z), "v", MODEL, grid, n, seed=7, client="sync", transform=None, method=method)
    flat = real.values.reshape(n, -1)
    sk = SimpleKriging(MODEL, 0.0, Neighbourhood.global_(5)).fit(xy, z).predict(grid)
    mean_sk = sk["estimate"].values.ravel()
    var_sk = sk["variance"].values.ravel()
    free = var_sk > 1e-6
    zscore = (flat.mean(axis=0)[free] - mean_sk[free]) / np.sqrt(var_sk[free] / n)
    assert np.abs(zscore).max() < 4.5
    assert flat.var(axis=0)[free].mean() / var_sk[free].mean() == pytest.approx(1.0, abs=0.06)
    assert np.allclose(flat[:, ~free], mean_sk[~free], atol=1e-4)  # data honoured
    # covariance between neighbouring cells (east and north-east)
    ccov = _conditional_cov(MODEL, xy, grid.coords())
    for a, b in ((30, 31), (30, 43)):
        emp = np.cov(flat[:, a], flat[:, b])[0, 1]
        se = np.sqrt((ccov[a, a] * ccov[b, b] + ccov[a, b] ** 2) / n)
        assert abs(emp - ccov[a, b]) < 4 * se
        assert ccov[a, b] > 0.1  # a genuine, non-trivial covariance is being tested


def test_same_result_for_1_and_2_dask_workers():
    from distributed import Client, LocalCluster

    grid = Grid(0.0, 0.0, 8, 6, 250.0)
    rng = np.random.default_rng(0)
    pts = _points(rng.uniform(0, 1800, (12, 2)), rng.lognormal(6, 0.4, 12))
    out = []
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cl, Client(cl) as client:
            calls = []
            out.append(simulate(pts, "v", MODEL, grid, 12, seed=3, client=client,
                                progress=lambda d, t, info, calls=calls: calls.append((d, t))).values)
            assert calls[-1] == (12, 12) and len(calls) == 12
    sync = simulate(pts, "v", MODEL, grid, 12, seed=3, client="sync").values
    assert np.array_equal(out[0], out[1]) and np.array_equal(out[0], sync)
    # normal-score back-transform keeps values within the data range
    assert sync.min() >= pts["v"].min() - 1e-9 and sync.max() <= pts["v"].max() + 1e-9
    other = simulate(pts, "v", MODEL, grid, 12, seed=4, client="sync").values
    assert not np.array_equal(sync, other)


def test_fft_unconditional_covariance():
    grid = Grid(0.0, 0.0, 40, 40, 100.0)
    far = _points(np.array([[1e7, 1e7], [1e7 + 5, 1e7]]), np.array([0.0, 0.0]))
    with pytest.warns(UserWarning, match="outside the grid"):
        real = simulate(far, "v", MODEL, grid, 300, seed=1, client="sync", transform=None, method="fft")
    f = real.values
    lag_e = (f[:, :, :-3] * f[:, :, 3:]).mean()  # 300 m east
    lag_n = (f[:, :-3, :] * f[:, 3:, :]).mean()
    assert lag_e == pytest.approx(float(MODEL.covariance_delta(300.0, 0.0)), abs=0.05)
    assert lag_n == pytest.approx(float(MODEL.covariance_delta(0.0, 300.0)), abs=0.05)
    assert f.var() == pytest.approx(1.0, abs=0.08)


def test_simulate_errors():
    grid = Grid(0.0, 0.0, 3, 3, 100.0)
    pts = _points(np.array([[0.0, 0.0], [100.0, 50.0]]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="no column"):
        simulate(pts, "missing", MODEL, grid, 2, client="sync")
    with pytest.raises(ValueError, match="transform"):
        simulate(pts, "v", MODEL, grid, 2, client="sync", transform="log")
