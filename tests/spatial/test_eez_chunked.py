import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from reymud.spatial import Grid, Neighbourhood, OrdinaryKriging, Structure, VariogramModel
from reymud.spatial.chunked import ChunkedConfig, EEZCircle, Layer, estimate_chunked, fit_layers, tiles_of

MODEL = VariogramModel(0.1, (Structure("spherical", 1.0, 3000.0),))
HOOD = Neighbourhood(max_samples=12, min_samples=3)
CFG = ChunkedConfig(tile_cells=16, neighbourhood=HOOD, block=(2, 2))


def _layer(n=60, seed=0, depth=None, const_thickness=False):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10_000, (n, 2))
    grade = 800 + 200 * np.sin(xy[:, 0] / 2500) + rng.normal(0, 30, n)
    thick = np.full(n, 1.0) if const_thickness else rng.uniform(0.5, 1.0, n)
    return Layer(xy, {"total_rey_ppm": grade, "thickness_m": thick},
                 {"total_rey_ppm": MODEL, "thickness_m": None if const_thickness else MODEL.scaled(0.01)}, 1.0, depth)


GRID = Grid(125.0, 125.0, 40, 36, 250.0, "EPSG:32656")


def test_tiles_match_ordinary_kriging_of_the_whole_grid(tmp_path):
    lay = _layer()
    run = estimate_chunked([lay], GRID, str(tmp_path / "a.zarr"), ("total_rey_ppm", "thickness_m"), client="sync",
                           config=CFG, attrs={"synthetic": "true"})
    ds = xr.open_zarr(tmp_path / "a.zarr")
    ref = OrdinaryKriging(MODEL, HOOD, (2, 2)).fit(lay.xy, lay.values["total_rey_ppm"]).predict(GRID)
    assert np.allclose(ds["total_rey_ppm"].values, ref["estimate"].values, rtol=1e-10, atol=1e-9)
    assert np.allclose(ds["total_rey_ppm_variance"].values, ref["variance"].values, rtol=1e-10, atol=1e-9)
    assert np.array_equal(ds["n_samples"].values, ref["n_samples"].values)
    assert ds.attrs["synthetic"] == "true" and "tile_cells" in json.loads(ds.attrs["chunked_config"])
    thick = ds["thickness_m"].values
    assert np.nanmin(thick) >= 0 and np.nanmax(thick) <= 1.0  # clipped to the window
    assert run.n_tiles == run.n_tiles_total == 9 and run.cells_estimated == GRID.nx * GRID.ny
    assert run.peak_rss_mb > 0 and run.wall_s > 0 and ds["inside"].values.all()


def test_dask_threads_write_the_same_store_and_a_subset_leaves_other_tiles_empty(tmp_path):
    from distributed import Client, LocalCluster

    lay = _layer(seed=1)
    estimate_chunked([lay], GRID, str(tmp_path / "s.zarr"), client="sync", config=CFG)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cl, \
            Client(cl) as client:
        calls = []
        run = estimate_chunked([lay], GRID, str(tmp_path / "d.zarr"), client=client, config=CFG,
                               progress=lambda d, t, s: calls.append((d, t)))
        part = estimate_chunked([lay], GRID, str(tmp_path / "p.zarr"), client=client, config=CFG,
                                bbox_m=(0.0, 0.0, 3000.0, 3000.0))
    a, b = xr.open_zarr(tmp_path / "s.zarr"), xr.open_zarr(tmp_path / "d.zarr")
    assert np.array_equal(a["total_rey_ppm"].values, b["total_rey_ppm"].values, equal_nan=True)
    assert calls[-1] == (9, 9) and len(calls) == 9 and 1 <= len(run.workers) <= 2
    p = xr.open_zarr(tmp_path / "p.zarr")
    assert part.n_tiles == 1 and part.n_tiles_total == 9
    done = p["inside"].values
    assert done[:16, :16].all() and not done[16:, :].any() and not done[:, 16:].any()
    assert np.isnan(p["total_rey_ppm"].values[20:, 20:]).all()
    assert np.allclose(p["total_rey_ppm"].values[:16, :16], a["total_rey_ppm"].values[:16, :16])


def test_3d_layers_and_a_constant_variable(tmp_path):
    layers = [_layer(seed=2, depth=0.5, const_thickness=True), _layer(seed=3, depth=1.5)]
    mask = np.zeros(GRID.shape, dtype=bool)
    mask[5:30, 3:33] = True

    def inside(sub):  # the mask cut to the tile
        r0, c0 = round((sub.y0 - GRID.y0) / GRID.cell_m), round((sub.x0 - GRID.x0) / GRID.cell_m)
        return mask[r0:r0 + sub.ny, c0:c0 + sub.nx]

    estimate_chunked(layers, GRID, str(tmp_path / "c.zarr"), ("total_rey_ppm", "thickness_m"), inside=inside,
                     client="sync", config=CFG)
    ds = xr.open_zarr(tmp_path / "c.zarr")
    assert ds["total_rey_ppm"].dims == ("depth_mbsf", "northing", "easting")
    assert list(ds["depth_mbsf"].values) == [0.5, 1.5]
    assert np.array_equal(ds["inside"].values[0], mask) and np.isnan(ds["total_rey_ppm"].values[1][~mask]).all()
    top = ds["thickness_m"].values[0]
    assert np.all(top[mask] == 1.0) and np.all(ds["thickness_m_variance"].values[0][mask] == 0.0)
    assert not np.allclose(ds["total_rey_ppm"].values[0][mask], ds["total_rey_ppm"].values[1][mask])


def test_bad_input_is_named():
    frame = pd.DataFrame({"easting": [0.0, 1.0, 2.0], "northing": [0.0, 1.0, 0.0], "total_rey_ppm": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="thickness_m"):
        fit_layers(frame, ("total_rey_ppm", "thickness_m"), 10.0)
    with pytest.raises(ValueError, match="lacks"):
        estimate_chunked([_layer()], GRID, "unused.zarr", ("total_rey_ppm", "overburden_m"), client="sync")
    with pytest.raises(ValueError, match="first variable 'thickness_m'"):
        estimate_chunked([_layer(const_thickness=True)], GRID, "unused.zarr", ("thickness_m",), client="sync")
    with pytest.raises(ValueError, match="tile_cells"):
        ChunkedConfig(tile_cells=0)


def test_eez_circle_grid_and_mask_cover_the_eez():
    circle = EEZCircle()
    grid = circle.grid(20_000.0)
    assert grid.crs == "EPSG:32656"
    inside = np.concatenate([circle(Grid(grid.x0, grid.y0 + r0 * grid.cell_m, grid.nx, r1 - r0, grid.cell_m,
                                         grid.crs)).ravel() for r0, r1, _, _ in tiles_of(grid, grid.nx)])
    area = inside.sum() * 400.0  # km2 of 20 km cells
    assert area == pytest.approx(circle.area_km2(), rel=0.05)
    assert circle.area_km2() == pytest.approx(431_000, rel=0.01)


def test_elements_share_total_rey_weights_and_tonnes_match_the_store(tmp_path):
    from reymud.elements import REY, oxide_factors

    layers = []
    for seed, depth in ((4, 0.5), (5, 1.5)):
        lay = _layer(seed=seed, depth=depth)
        rng = np.random.default_rng(seed)
        p = rng.dirichlet(np.ones(len(REY)), len(lay.xy))  # per-sample element proportions
        els = {f"{el}_ppm": lay.values["total_rey_ppm"] * p[:, i] for i, el in enumerate(REY)}
        layers.append(Layer(lay.xy, {**lay.values, **els}, lay.models, lay.window_m, depth))
    names = tuple(f"{el}_ppm" for el in REY)
    run = estimate_chunked(layers, GRID, str(tmp_path / "e.zarr"), ("total_rey_ppm", "thickness_m"), client="sync",
                           config=CFG, elements=names, density_t_m3=0.55)
    ds = xr.open_zarr(tmp_path / "e.zarr")
    assert "total REY's weights (additive, consistent)" in ds.attrs["element_grades"]
    assert ds["Dy_ppm"].dtype == ds["total_rey_ppm"].dtype and ds["Dy_ppm"].encoding["chunks"] == (1, 16, 16)
    total = ds["total_rey_ppm"].values
    assert np.nanmax(np.abs(sum(ds[n].values for n in names) - total)) < 1e-6
    assert not np.allclose(ds["Dy_ppm"].values[0], ds["La_ppm"].values[0], equal_nan=True)
    res = run.resource
    for k, lay in enumerate(res["layers"]):
        ins = ds["inside"].values[k]
        dry = ds["thickness_m"].values[k][ins] * 250.0**2 * 0.55
        assert lay["depth_mbsf"] == [0.5, 1.5][k] and lay["dry_t"] == pytest.approx(dry.sum(), rel=1e-12)
        for n in ("total_rey_ppm", *names):
            assert lay["contained_t"][n] == pytest.approx((dry * ds[n].values[k][ins]).sum() * 1e-6, rel=1e-12)
    tot = res["total"]
    assert tot["dry_t"] == pytest.approx(sum(lay["dry_t"] for lay in res["layers"]), rel=1e-12)
    f = oxide_factors()
    assert tot["treo_t"] == pytest.approx(sum(f[el] * tot["contained_t"][f"{el}_ppm"] for el in REY), rel=1e-12)
    assert sum(tot["contained_t"][n] for n in names) == pytest.approx(tot["contained_t"]["total_rey_ppm"], rel=1e-9)
    with pytest.raises(ValueError, match="missing where"):
        bad = Layer(layers[0].xy, {**layers[0].values, "La_ppm": np.full(len(layers[0].xy), np.nan)},
                    layers[0].models, 1.0, 0.5)
        estimate_chunked([bad], GRID, str(tmp_path / "x.zarr"), client="sync", config=CFG, elements=("La_ppm",))
