import gstools as gs
import numpy as np
import pytest

from reymud.spatial import (
    Grid,
    InverseDistance,
    NearestNeighbour,
    Neighbourhood,
    OrdinaryKriging,
    SimpleKriging,
    SpatialInputError,
    Structure,
    VariogramModel,
)

GRID = Grid(150.0, 250.0, 23, 17, 450.0)


def _ok_by_hand(model, xy, z, target, idx, offsets=None):
    """One ordinary-kriging system solved explicitly."""
    p = xy[idx]
    k = len(idx)
    a = np.ones((k + 1, k + 1))
    a[k, k] = 0.0
    a[:k, :k] = model.covariance_between(p[:, None], p[None, :])
    if offsets is None:
        b = model.covariance_between(p, target[None])
        bv = model.sill
    else:
        disc = target + offsets
        b = model.covariance_between(p[:, None], disc[None]).mean(axis=1)
        # C_bb without the nugget on the coincident discretisation pairs (GSLIB kb2d, gstat)
        bv = model.covariance_between(disc[:, None], disc[None]).mean() - model.nugget / len(disc)
    x = np.linalg.solve(a, np.append(b, 1.0))
    w, mu = x[:k], x[k]
    return w @ z[idx], bv - w @ b - mu, (w @ b) / (w @ b - mu)


def test_global_ok_matches_gstools(model, data):
    xy, z = data
    ds = OrdinaryKriging(model, Neighbourhood.global_(len(z))).fit(xy, z).predict(GRID)
    kr = gs.krige.Ordinary(model.to_gstools(), cond_pos=xy.T, cond_val=z, exact=True, pseudo_inv=False)
    field, var = kr(GRID.coords().T, return_var=True)
    assert np.abs(ds["estimate"].values.ravel() - field).max() < 1e-8
    assert np.abs(ds["variance"].values.ravel() - var).max() < 1e-8
    assert ds["estimate"].dims == ("northing", "easting")


def test_global_sk_matches_gstools(model, data):
    xy, z = data
    ds = SimpleKriging(model, mean=0.3, neighbourhood=Neighbourhood.global_(len(z))).fit(xy, z).predict(GRID)
    kr = gs.krige.Simple(model.to_gstools(), cond_pos=xy.T, cond_val=z, mean=0.3, exact=True, pseudo_inv=False)
    field, var = kr(GRID.coords().T, return_var=True)
    assert np.abs(ds["estimate"].values.ravel() - field).max() < 1e-8
    assert np.abs(ds["variance"].values.ravel() - var).max() < 1e-8
    assert np.allclose(ds["slope_of_regression"], 1.0)


def test_exact_at_data_and_diagnostics(model, data):
    xy, z = data
    ds = OrdinaryKriging(model, Neighbourhood(max_samples=8)).fit(xy, z).predict(xy)
    assert np.allclose(ds["estimate"], z) and np.allclose(ds["variance"], 0.0, atol=1e-9)
    assert np.allclose(ds["nearest_sample_m"], 0.0)
    assert (ds["n_samples"] == 8).all()


def test_moving_neighbourhood_matches_hand_solution(model, data):
    xy, z = data
    hood = Neighbourhood(max_samples=6, min_samples=2, radius_m=5000, radius_minor_m=2500, azimuth_deg=30)
    targets = np.array([[1000.0, 2000.0], [5000.0, 5000.0], [9500.0, 300.0]])
    ds = OrdinaryKriging(model, hood).fit(xy, z).predict(targets)
    az = np.radians(30)
    for t, row in zip(targets, range(3), strict=True):
        d = xy - t
        major = d[:, 0] * np.sin(az) + d[:, 1] * np.cos(az)
        minor = d[:, 0] * np.cos(az) - d[:, 1] * np.sin(az)
        r = np.hypot(major, minor * 2)
        idx = np.argsort(r)[:6]
        idx = idx[r[idx] <= 5000]
        est, var, slope = _ok_by_hand(model, xy, z, t, idx)
        assert ds["n_samples"].values[row] == len(idx)
        assert ds["estimate"].values[row] == pytest.approx(est, abs=1e-10)
        assert ds["variance"].values[row] == pytest.approx(var, abs=1e-10)
        assert ds["slope_of_regression"].values[row] == pytest.approx(slope, abs=1e-9)
        assert ds["mean_distance_m"].values[row] == pytest.approx(np.hypot(*d[idx].T).mean())
        assert ds["n_in_search"].values[row] == (r <= 5000).sum()
        assert ds["nearest_sample_m"].values[row] == pytest.approx(np.hypot(*d.T).min())
    iso = OrdinaryKriging(model, Neighbourhood(max_samples=4)).fit(xy, z).predict(targets)
    assert np.allclose(iso["nearest_sample_m"], [np.hypot(*(xy - t).T).min() for t in targets])


def test_block_kriging_matches_hand_solution(model, data):
    xy, z = data
    ok = OrdinaryKriging(model, Neighbourhood(max_samples=7), block=(3, 2)).fit(xy, z)
    ds = ok.predict(GRID)
    offsets = np.array([[e, n] for n in (-112.5, 112.5) for e in (-150.0, 0.0, 150.0)])
    t = GRID.coords()[57]
    idx = np.argsort(np.hypot(*(xy - t).T))[:7]
    est, var, _ = _ok_by_hand(model, xy, z, t, idx, offsets)
    flat = ds["estimate"].values.ravel()
    assert flat[57] == pytest.approx(est, abs=1e-10)
    assert ds["variance"].values.ravel()[57] == pytest.approx(var, abs=1e-10)
    bv = model.covariance_between(offsets[:, None], offsets[None]).mean() - model.nugget / len(offsets)
    ke = (bv - var) / bv
    assert ds["kriging_efficiency"].values.ravel()[57] == pytest.approx(ke, abs=1e-10)
    point = OrdinaryKriging(model, Neighbourhood(max_samples=7)).fit(xy, z).predict(GRID)
    assert (ds["variance"] < point["variance"]).all()  # block variance below point variance


def test_grouping_gives_same_answer_as_chunk_of_one(model, data):
    xy, z = data
    hood = Neighbourhood(max_samples=5)
    a = OrdinaryKriging(model, hood).fit(xy, z).predict(GRID)
    b = OrdinaryKriging(model, hood, chunk_size=7).fit(xy, z).predict(GRID)
    assert np.allclose(a["estimate"], b["estimate"], atol=1e-12, rtol=0)


def test_sectors_limit_per_quadrant():
    xy = np.array([[1, 1], [2, 2], [3, 3], [4, 4.5], [-1, 1], [-1, -1], [1, -1.2]], dtype=float) * 100
    z = np.arange(7.0)
    m = VariogramModel(0.0, (Structure("exponential", 1.0, 1000.0),))
    ds = OrdinaryKriging(m, Neighbourhood(max_samples=6, sectors=4, max_per_sector=1)).fit(xy, z).predict(
        np.zeros((1, 2)))
    assert ds["n_samples"].item() == 4
    ds2 = OrdinaryKriging(m, Neighbourhood(max_samples=6)).fit(xy, z).predict(np.zeros((1, 2)))
    assert ds2["n_samples"].item() == 6


def test_min_samples_leaves_nan(model, data):
    xy, z = data
    ds = OrdinaryKriging(model, Neighbourhood(max_samples=8, min_samples=3, radius_m=400)).fit(xy, z).predict(
        np.array([[50_000.0, 50_000.0]]))
    assert np.isnan(ds["estimate"].item()) and ds["n_samples"].item() == 0


def test_inverse_distance_and_nearest_by_hand():
    xy = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 300.0]])
    z = np.array([1.0, 2.0, 4.0])
    t = np.array([[50.0, 100.0]])
    d = np.hypot(*(xy - t[0]).T)
    w = 1 / d**2
    ds = InverseDistance(2.0, Neighbourhood(max_samples=3, min_samples=1)).fit(xy, z).predict(t)
    assert ds["estimate"].item() == pytest.approx((w * z).sum() / w.sum())
    assert InverseDistance().fit(xy, z).predict(xy)["estimate"].values.tolist() == z.tolist()
    nn = NearestNeighbour().fit(xy, z).predict(np.array([[90.0, 10.0], [0.0, 290.0]]))
    assert nn["estimate"].values.tolist() == [2.0, 4.0]


def test_degenerate_input(model):
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [10.0, 5.0], [3.0, 9.0]])
    with pytest.raises(SpatialInputError, match=r"share a location \(row 0"):
        OrdinaryKriging(model).fit(xy, np.arange(4.0))
    with pytest.raises(SpatialInputError, match="need at least 3"):
        OrdinaryKriging(model, Neighbourhood(min_samples=3)).fit(xy[2:], [1.0, 2.0])
    line = np.column_stack([np.arange(5.0) * 100, np.arange(5.0) * 50])
    with pytest.warns(UserWarning, match="collinear"):
        OrdinaryKriging(model).fit(line, np.arange(5.0))
    with pytest.warns(UserWarning, match="zero variance"):
        ds = OrdinaryKriging(model).fit(xy[1:], np.full(3, 7.0)).predict(GRID)
    assert np.allclose(ds["estimate"], 7.0)
    with pytest.raises(RuntimeError, match="not fitted"):
        OrdinaryKriging(model).predict(GRID)
    with pytest.raises(ValueError, match="min_samples"):
        Neighbourhood(max_samples=2, min_samples=3)
