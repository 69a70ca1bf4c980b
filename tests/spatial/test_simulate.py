import ast

import numpy as np
import pandas as pd
import pytest

from reymud.spatial import Grid, Neighbourhood, SimpleKriging, Structure, VariogramModel, simulate
from reymud.spatial.simulate import SIMULATION_DEFAULTS, block_weights, grid_of, simulate_blocks

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
    # normal-score back-transform stays within the stated tails: 0 .. 1.5 x the largest datum
    assert sync.min() >= 0.0 and sync.max() <= 1.5 * pts["v"].max() + 1e-9
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


def _survey(n=25, seed=0):
    rng = np.random.default_rng(seed)
    return _points(rng.uniform(0, 5000, (n, 2)), rng.lognormal(7, 0.3, n))


def test_unit_sill_and_provenance_recorded():
    pts = _survey()
    model = VariogramModel(0.2, (Structure("spherical", 1.47, 3000.0),))
    with pytest.warns(UserWarning, match="sill 1.67 rescaled to 1"):
        real = simulate(pts, "v", model, Grid(0.0, 0.0, 10, 10, 500.0), 4, seed=1, client="sync")
    assert real.attrs["nscore_fitted_sill"] == pytest.approx(1.67)
    used = VariogramModel.from_dict(ast.literal_eval(real.attrs["variogram"]))
    assert used.sill == pytest.approx(1.0) and used.nugget == pytest.approx(0.2 / 1.67)
    for key in ("declustering", "tails", "parameter_uncertainty", "seeds"):
        assert key in real.attrs
    assert real.attrs["n_realizations"] == 4


def test_bootstrap_widens_the_spread_of_the_area_mean():
    pts = _survey(30, 2)
    pts[["easting", "northing"]] *= 0.3  # data in one corner: most of the area is far from them
    grid = Grid(0.0, 0.0, 12, 12, 420.0)
    model = VariogramModel(0.1, (Structure("exponential", 0.9, 2500.0),))
    kw = dict(client="sync", method="cholesky")
    on = simulate(pts, "v", model, grid, 150, seed=3, **kw).mean(("northing", "easting"))
    off_defaults = type(SIMULATION_DEFAULTS)(bootstrap=False)
    off = simulate(pts, "v", model, grid, 150, seed=3, defaults=off_defaults, **kw).mean(("northing", "easting"))
    assert float(on.std()) > 1.5 * float(off.std())
    # the bootstrap is centred: the mean of the area means stays near the declustered data mean
    assert float(on.mean()) == pytest.approx(pts["v"].mean(), rel=0.05)
    again = simulate(pts, "v", model, grid, 150, seed=3, **kw).mean(("northing", "easting"))
    assert np.array_equal(on.values, again.values)


def test_simulate_blocks_on_the_estimate_grid_and_support():
    pts = _survey()
    grid = Grid(250.0, 250.0, 6, 5, 500.0, "EPSG:32654")
    est = grid.template()
    model = VariogramModel(0.0, (Structure("exponential", 1.0, 2000.0),))
    assert grid_of(est) == grid
    fine = simulate_blocks(pts, "v", model, est, 3, seed=2, refine=2, client="sync")
    assert fine.dims == ("realization", "northing", "easting")
    assert np.array_equal(fine["easting"].values, est["easting"].values)
    assert "2x2 nodes averaged" in fine.attrs["support"]
    # the 2x2 average of the fine simulation, recomputed by hand
    g2 = Grid(125.0, 125.0, 12, 10, 250.0, "EPSG:32654")
    assert "polygonal" in fine.attrs["declustering"]
    raw = simulate(pts, "v", model, g2, 3, seed=2, client="sync", weights=block_weights(pts, "v", est)).values
    assert np.allclose(fine.values, raw.reshape(3, 5, 2, 6, 2).mean(axis=(2, 4)))
    with pytest.raises(ValueError, match="refine"):
        simulate_blocks(pts, "v", model, est, 1, refine=0, client="sync")


def test_cli_simulate_json_on_an_area(tmp_path):
    import json

    from typer.testing import CliRunner

    from reymud.cli.main import app
    from reymud.demo import demo_project

    path = tmp_path / "demo.duckdb"
    demo_project(path).close()
    args = ["simulate", str(path), "--realizations", "4", "--cell", "4000", "--workers", "0", "--seed", "1",
            "--area", "153.6,21.85,154.0,22.2", "--cutoffs", "0,400,1000", "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    body = json.loads(res.output[res.output.index("{"):])  # after the synthetic-data banner
    rows = body["rows"]
    assert {r["cutoff"] for r in rows} == {0.0, 400.0, 1000.0}
    treo = [r for r in rows if r["element"] == "TREO" and r["resource_class"] == "all"]
    assert len(treo) == 3 and all(r["p10"] <= r["p50"] <= r["p90"] and r["kriged"] > 0 for r in treo)
    assert body["how"]["n_realizations"] == 4 and "SeedSequence(1)" in body["how"]["seeds"]
    bad = CliRunner().invoke(app, [*args[:-3], "--cutoffs", "a,b"])
    assert bad.exit_code == 2 and "--cutoffs" in bad.output


def test_bootstrap_realisations_honour_the_data():
    # a range far beyond the survey makes the bootstrap resamples nearly rigid shifts of the histogram;
    # the data must still be reproduced at their nodes in every realisation
    grid = Grid(0.0, 0.0, 10, 10, 500.0)
    rng = np.random.default_rng(5)
    nodes = rng.choice(100, 15, replace=False)
    xy = grid.coords()[nodes]
    pts = _points(xy, rng.lognormal(7, 0.4, 15))
    model = VariogramModel(0.0, (Structure("spherical", 1.0, 60_000.0),))
    real = simulate(pts, "v", model, grid, 30, seed=1, client="sync", method="cholesky")
    at_data = real.values.reshape(30, -1)[:, nodes]
    assert np.allclose(at_data, pts["v"].to_numpy()[None, :], rtol=1e-2)  # near-singular covariance: ~0.2 % noise


def test_fit_nscore_variogram_unit_sill_and_checks():
    from reymud.spatial.simulate import fit_nscore_variogram

    rng = np.random.default_rng(8)
    xy = rng.uniform(0, 20_000, (120, 2))
    pts = _points(xy, np.exp(np.sin(xy[:, 0] / 4000.0) + 0.3 * rng.standard_normal(120)))
    model, checks, sill = fit_nscore_variogram(pts, "v")
    assert model.sill == pytest.approx(1.0) and sill > 0
    assert {"range_vs_extent", "sill_vs_variance", "min_pairs_per_lag"} <= set(checks["check"])
    real = simulate(pts, "v", model, Grid(0.0, 0.0, 8, 8, 2500.0), 2, seed=0, client="sync", fitted_sill=sill)
    assert real.attrs["nscore_fitted_sill"] == pytest.approx(sill)
