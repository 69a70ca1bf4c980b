import json
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from reymud.elements import REY
from reymud.spatial import (
    TAKAYA2018_BOX,
    Grid,
    InverseDistance,
    Neighbourhood,
    OrdinaryKriging,
    SimpleKriging,
    Structure,
    VariogramModel,
    aoi_mask,
    box_mask,
    eez_mask,
    estimate_block_model,
    estimate_block_model_3d,
    points_from_cores,
    to_projected,
)

MODEL = VariogramModel(0.05, (Structure("spherical", 1.0, 30_000.0),))


def _cores(n=30, seed=5):
    rng = np.random.default_rng(seed)
    lat = rng.uniform(21.85, 22.2, n)
    lon = rng.uniform(153.55, 154.05, n)
    ids = [f"C{i:02d}" for i in range(n)]
    cores = pd.DataFrame({"core_id": ids, "latitude": lat, "longitude": lon})
    share = rng.dirichlet(np.ones(len(REY)) * 5, n)
    total = rng.lognormal(7.0, 0.3, n)
    win = pd.DataFrame({"core_id": ids, "top_mbsf": 0.0, "base_mbsf": 10.0,
                        "thickness_m": rng.uniform(2, 10, n), "overburden_m": rng.uniform(0, 5, n),
                        "total_rey_ppm": total})
    for j, el in enumerate(REY):
        win[el] = share[:, j] * total
    return win, cores


def test_projection_grid_and_masks():
    pts, crs = to_projected(pd.DataFrame({"latitude": [24.28, 22.0], "longitude": [153.98, 153.8]}))
    assert crs == "EPSG:32656"  # UTM 56N contains 153-159 E
    grid = Grid.around(pts, 10_000.0, 5_000.0, crs=crs)
    lon, lat = grid.lonlat()
    # margin 5 km = half a cell: the first cell centre sits on the south-west point
    assert lat.min() == pytest.approx(22.0, abs=0.01) and lon.min() == pytest.approx(153.8, abs=0.01)
    assert grid.northing[-1] + 5_000 >= pts.northing.max() and grid.easting[-1] + 5_000 >= pts.easting.max()
    big = Grid(float(pts.easting[0]) - 500_000, float(pts.northing[0]) - 500_000, 100, 100, 10_000.0, crs)
    eez = eez_mask(big)
    # the EEZ circle (370.4 km) covers about pi * 370.4^2 km2
    assert eez.sum().item() * 100.0 == pytest.approx(np.pi * 370.4**2, rel=0.03)
    box = box_mask(big, TAKAYA2018_BOX)
    assert box.sum().item() > 0 and bool((eez | ~box).all())  # the Takaya box is inside the EEZ
    assert aoi_mask(big, box=TAKAYA2018_BOX).sum().item() == box.sum().item()
    with pytest.raises(ValueError, match="invalid lat/lon"):
        to_projected(pd.DataFrame({"latitude": [95.0], "longitude": [0.0]}))


def test_points_from_cores_join_and_duplicates():
    win, cores = _cores(5)
    pts = points_from_cores(win, cores)
    assert pts.attrs["crs"] == "EPSG:32656" and len(pts) == 5
    assert pts.columns[:5].tolist() == ["core_id", "latitude", "longitude", "easting", "northing"]
    cores2 = cores.copy()
    cores2.loc[1, ["latitude", "longitude"]] = cores2.loc[0, ["latitude", "longitude"]].to_numpy()
    with pytest.raises(ValueError, match=r"identical positions \['C00', 'C01'\]"):
        points_from_cores(win, cores2)
    merged = points_from_cores(win, cores2, duplicates="merge")
    assert len(merged) == 4 and "C00+C01" in merged["core_id"].tolist()
    assert merged.loc[merged.core_id == "C00+C01", "total_rey_ppm"].item() == pytest.approx(
        win.total_rey_ppm[:2].mean())
    with pytest.raises(ValueError, match="no position"):
        points_from_cores(win, cores.iloc[1:])


def test_block_model_follows_contract():
    win, cores = _cores()
    pts = points_from_cores(win, cores)
    grid = Grid.around(pts, 2_000.0, 1_000.0, crs=pts.attrs["crs"])
    models = {"total_rey_ppm": MODEL.scaled(pts.total_rey_ppm.var()),
              "thickness_m": MODEL.scaled(5.0), "overburden_m": MODEL.scaled(2.0)}
    ds = estimate_block_model(pts, grid=grid, models=models, inside=aoi_mask(grid), synthetic=True,
                              neighbourhood=Neighbourhood(max_samples=12, min_samples=3))
    need = ["thickness_m", "overburden_m", "total_rey_ppm", *[f"{el}_ppm" for el in REY], "total_rey_ppm_variance",
            "thickness_m_variance", "n_samples", "mean_distance_m", "nearest_core_m", "n_cores_in_search",
            "slope_of_regression", "kriging_efficiency", "inside"]
    assert set(need) <= set(ds.data_vars)
    assert all(ds[v].dims == ("northing", "easting") for v in need)
    assert ds["n_samples"].dtype.kind == "i" and ds["n_cores_in_search"].dtype.kind == "i"
    assert ds["inside"].dtype == bool and ds["total_rey_ppm"].dtype == np.float64
    for key in ("crs", "cell_size_m", "window_top_mbsf", "window_base_mbsf", "domain", "synthetic", "estimator",
                "created_by"):
        assert key in ds.attrs
    assert ds.attrs["synthetic"] == "true" and ds.attrs["created_by"].startswith("reymud ")
    assert json.loads(ds.attrs["variogram"])["structures"][0]["range_m"] == 30_000.0
    # elements share the total's weights: their sum reproduces the kriged total
    el_sum = sum(ds[f"{el}_ppm"] for el in REY)
    assert np.allclose(el_sum, ds["total_rey_ppm"], rtol=1e-10)
    assert (ds["kriging_efficiency"] <= 1).all() and (ds["n_samples"] == 12).all()
    assert float(ds["total_rey_ppm"].mean()) == pytest.approx(pts.total_rey_ppm.mean(), rel=0.2)


def test_block_model_3d():
    win, cores = _cores(12)
    pts = points_from_cores(win, cores)
    rows = []
    for cid, tot in zip(win.core_id, win.total_rey_ppm, strict=True):
        for top in range(4):
            rows.append({"core_id": cid, "top_mbsf": float(top), "bottom_mbsf": top + 1.0, "length_m": 1.0,
                         "total_rey_ppm": tot * (1 + 0.1 * top)})
    comps = pd.DataFrame(rows)
    grid = Grid.around(pts, 5_000.0, crs=pts.attrs["crs"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = estimate_block_model_3d(comps, pts, grid, slice_m=1.0, top_mbsf=0.0, base_mbsf=3.0,
                                     models={"total_rey_ppm": MODEL.scaled(1e5), "thickness_m": MODEL})
    assert ds["total_rey_ppm"].dims == ("depth_mbsf", "northing", "easting")
    assert ds["depth_mbsf"].values.tolist() == [0.5, 1.5, 2.5]
    assert ds.attrs["slice_thickness_m"] == 1.0
    assert np.allclose(ds["thickness_m"], 1.0)
    assert np.allclose(ds["overburden_m"].isel(depth_mbsf=2), 2.0)
    m = ds["total_rey_ppm"].mean(("northing", "easting")).values
    assert m[2] / m[0] == pytest.approx(1.2, rel=1e-9)  # every core 20 % richer two slices down


def test_block_model_errors():
    win, cores = _cores(6)
    pts = points_from_cores(win, cores)
    with pytest.raises(ValueError, match="Grid is required"):
        estimate_block_model(pts)
    with pytest.raises(ValueError, match="total_rey_ppm"):
        estimate_block_model(pts.drop(columns="total_rey_ppm"), grid=Grid.around(pts, 5000.0))


def test_block_model_simple_kriging_uses_each_columns_mean():
    win, cores = _cores(20)
    pts = points_from_cores(win, cores)
    grid = Grid.around(pts, 20_000.0, 200_000.0, crs=pts.attrs["crs"])  # far cells: SK -> the mean
    models = {"total_rey_ppm": MODEL, "thickness_m": MODEL, "overburden_m": MODEL}
    near = SimpleKriging(None, None, Neighbourhood(max_samples=8, min_samples=1, radius_m=60_000), (2, 2))
    ds = estimate_block_model(pts, grid=grid, models=models, estimator=near)
    corner = ds.isel(northing=0, easting=0)  # no core within 60 km: not estimated, not inside
    assert int(corner["n_samples"]) == 0 and np.isnan(float(corner["La_ppm"])) and not bool(corner["inside"])
    assert ds.attrs["estimator"].startswith("simple kriging, block 2x2")
    sk = estimate_block_model(pts, grid=grid, models=models,
                              estimator=SimpleKriging(neighbourhood=Neighbourhood(max_samples=8, min_samples=1),
                                                      block=(2, 2)))
    with pytest.warns(DeprecationWarning, match="estimator='sk'"):  # the string still works, the same numbers
        old = estimate_block_model(pts, grid=grid, models=models, estimator="sk",
                                   neighbourhood=Neighbourhood(max_samples=8, min_samples=1))
    xr.testing.assert_allclose(old, sk, rtol=1e-12, atol=0)  # mean_distance_m: last bits (summation order)
    assert old.attrs == sk.attrs
    # with a 30 km range, a block 200 km away gets the data mean of each column
    c = sk.isel(northing=0, easting=0)
    assert float(c["La_ppm"]) == pytest.approx(pts["La"].mean(), rel=1e-9)
    assert float(c["total_rey_ppm"]) == pytest.approx(pts["total_rey_ppm"].mean(), rel=1e-9)


def test_thickness_clipped_to_window_and_plan_stored():
    from reymud.spatial.plan import EstimationPlan

    win, cores = _cores(n=20, seed=11)
    win["thickness_m"] = np.where(np.arange(20) % 2 == 0, 9.0, 12.0)  # impossible 12 m in a 10 m window
    win["overburden_m"] = np.where(np.arange(20) % 2 == 0, -1.0, 2.0)
    pts = points_from_cores(win, cores)
    grid = Grid.around(pts, 2_000.0, 0.0, crs=pts.attrs["crs"])
    plan = EstimationPlan(cell_m=2_000.0)
    ds = estimate_block_model(pts, grid=grid, models={"thickness_m": MODEL, "total_rey_ppm": MODEL},
                              window=(0.0, 10.0), plan=plan.to_dict())
    thick = ds["thickness_m"].values[np.isfinite(ds["thickness_m"].values)]
    assert thick.max() == pytest.approx(10.0) and thick.min() >= 9.0 - 1e-9
    assert np.nanmin(ds["overburden_m"].values) >= 0.0
    assert EstimationPlan.from_dict(json.loads(ds.attrs["plan"])) == plan


def test_fit_plan_model_uses_trend_residuals():
    from reymud.spatial.blockmodel import fit_plan_model
    from reymud.spatial.plan import EstimationPlan

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 50_000, (80, 2))
    z = 1000.0 + 0.02 * xy[:, 0] + rng.normal(0, 30.0, 80)  # strong linear trend, white residuals
    _, raw, how_raw, _ = fit_plan_model(xy, z, EstimationPlan(), "z")
    _, res, how_res, _ = fit_plan_model(xy, z, EstimationPlan(trend="linear"), "z")
    assert "residuals" in how_res and "residuals" not in how_raw
    assert res.sill < 0.2 * raw.sill  # the trend's variance is gone from the residual variogram


def test_polygon_clip_constant_field_gives_analytic_area_and_tonnage(tmp_path):
    """A GeoJSON triangle over a constant field: area = the polygon's projected area (< 0.5 %) and
    tonnes = area x thickness x density, partial blocks weighted by their fraction inside."""
    from pyproj import Geod
    from shapely.geometry import Polygon

    from reymud.resource import blocks_table
    from reymud.spatial.blockmodel import plan_grid
    from reymud.spatial.plan import EstimationPlan

    win, cores = _cores(n=20, seed=2)
    win["thickness_m"], win["overburden_m"] = 6.0, 1.0
    for el in REY:
        win[el] = 50.0
    win["total_rey_ppm"] = 50.0 * len(REY)
    pts = points_from_cores(win, cores)
    ring = [[153.6, 21.9], [154.0, 21.95], [153.8, 22.15], [153.6, 21.9]]
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    plan = EstimationPlan(area=str(path), cell_m=1_000.0)
    grid, frac, _ = plan_grid(pts, plan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # constant field: kriging says so
        ds = estimate_block_model(pts, grid=grid, models={"total_rey_ppm": MODEL}, inside=frac > 0,
                                  window=plan.window)
    ds["aoi_fraction"] = frac
    table = blocks_table(ds, density_t_m3=0.55)
    area_m2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(Polygon(ring))[0])  # geodesic, independent
    assert table["area_m2"].sum() == pytest.approx(area_m2, rel=0.005)
    assert table["dry_t"].sum() == pytest.approx(area_m2 * 6.0 * 0.55, rel=0.005)
    assert table["total_rey_ppm"].to_numpy() == pytest.approx(50.0 * len(REY))
    assert ((table["area_m2"] > 0) & (table["area_m2"] < 1e6)).any()


def test_measured_density_becomes_a_block_variable_and_lifts_the_class_cap():
    from reymud.resource import ClassificationRules, blocks_table, classify_blocks

    win, cores = _cores(n=25, seed=3)
    rng = np.random.default_rng(0)
    win["dry_density_g_cm3"] = np.where(np.arange(25) % 3 == 0, np.nan, rng.normal(0.55, 0.03, 25))
    pts = points_from_cores(win, cores)
    grid = Grid.around(pts, 2_000.0, 0.0, crs=pts.attrs["crs"])
    models = {"thickness_m": MODEL, "total_rey_ppm": MODEL, "overburden_m": MODEL}
    ds = estimate_block_model(pts, grid=grid, models=models)
    dens = ds["density_t_m3"].values[np.isfinite(ds["total_rey_ppm"].values)]
    measured = win["dry_density_g_cm3"].dropna()
    assert np.isfinite(dens).all()
    assert dens.min() >= measured.min() - 0.05 and dens.max() <= measured.max() + 0.05
    table = blocks_table(ds)
    np.testing.assert_allclose(table["dry_t"], table["volume_m3"] * table["density_t_m3"], rtol=1e-12)
    rules = ClassificationRules(measured_min_slope=None, indicated_min_slope=None)
    with_density = classify_blocks(ds, rules)
    without = classify_blocks(ds.drop_vars("density_t_m3"), rules)
    assert (with_density == "measured").any()  # measured density: Measured is reachable
    assert not (without == "measured").any()  # assumed density caps at Indicated (JORC)
    # without any measurement no density variable is invented
    ds0 = estimate_block_model(points_from_cores(win.drop(columns="dry_density_g_cm3"), cores), grid=grid,
                               models=models)
    assert "density_t_m3" not in ds0


def test_an_estimator_object_gives_the_same_model_as_the_arguments():
    win, cores = _cores(20)
    pts = points_from_cores(win, cores)
    grid = Grid.around(pts, 10_000.0, 5_000.0, crs=pts.attrs["crs"])
    models = {"total_rey_ppm": MODEL, "thickness_m": MODEL, "overburden_m": MODEL}
    hood = Neighbourhood(max_samples=8, min_samples=2)
    by_args = estimate_block_model(pts, grid=grid, models=models, neighbourhood=hood, block=(3, 3))
    by_object = estimate_block_model(pts, grid=grid, models=models, estimator=OrdinaryKriging(None, hood, (3, 3)))
    # same model; mean_distance_m may differ in the last bits (the k-nearest search's summation order
    # depends on which numba kernels ran before in the process)
    xr.testing.assert_allclose(by_args, by_object, rtol=1e-12, atol=0)
    assert by_args.attrs == by_object.attrs and list(by_args.data_vars) == list(by_object.data_vars)
    assert by_object.attrs["estimator"] == f"ordinary kriging, block 3x3; {hood.describe()}"
    with pytest.raises(ValueError, match="give neighbourhood, block and drift on the estimator"):
        estimate_block_model(pts, grid=grid, models=models, estimator=OrdinaryKriging(), neighbourhood=hood)
    with pytest.raises(TypeError, match="OrdinaryKriging or SimpleKriging"):
        estimate_block_model(pts, grid=grid, models=models, estimator=InverseDistance())
    with pytest.raises(ValueError, match="estimator must be 'ok' or 'sk'"):
        estimate_block_model(pts, grid=grid, models=models, estimator="idw")


def test_the_block_model_names_what_later_stages_read():
    from reymud.resource.config import variogram_range_m
    from reymud.spatial.blockmodel import variogram_attrs

    win, cores = _cores(20)
    pts = points_from_cores(win, cores)
    grid = Grid.around(pts, 10_000.0, 5_000.0, crs=pts.attrs["crs"])
    nested = VariogramModel(0.1, (Structure("spherical", 0.5, 8_000.0), Structure("exponential", 0.4, 25_000.0)))
    ds = estimate_block_model(pts, grid=grid, models={"total_rey_ppm": nested, "thickness_m": MODEL})
    assert ds.attrs["variogram_range_m"] == 25_000.0 == variogram_range_m(ds.attrs)
    assert ds.attrs["variogram_sill"] == pytest.approx(1.0) and ds.attrs["variogram_nugget"] == 0.1
    assert "variogram_range_m" not in variogram_attrs(VariogramModel(1.0, ()))  # pure nugget: no range
