"""3-D slices rescaled to the 2-D column model (spatial/_reconcile.py, estimate_block_model_3d(column=...))."""

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from reymud.resource import blocks_table
from reymud.resource.config import DEFAULT_DENSITY_T_M3
from reymud.spatial import Grid, estimate_block_model, estimate_block_model_3d, points_from_cores
from reymud.spatial._reconcile import DEFAULT_DENSITY_T_M3 as SPATIAL_DEFAULT
from reymud.spatial._reconcile import SliceReconciliationWarning, reconcile_slices
from reymud.spatial.blockmodel3d import slice_points
from reymud.spatial.plan import EstimationPlan, PlanError


def _models(t, grades, big_t, big_g, rho=None, big_rho=None, inside=None):
    """A 3-D model (slices, 1 x n blocks) and its 2-D column; ``grades``/``big_g``: variable -> values."""
    t = np.asarray(t, float)
    n_s, n_b = t.shape
    coords = {"northing": [0.0], "easting": 100.0 * np.arange(n_b)}
    slices = xr.Dataset({"thickness_m": (("depth_mbsf", "northing", "easting"), t[:, None, :])},
                        coords={"depth_mbsf": 0.5 + np.arange(n_s), **coords},
                        attrs={"slice_thickness_m": 1.0, "cell_size_m": 100.0})
    column = xr.Dataset({"thickness_m": (("northing", "easting"), np.asarray(big_t, float)[None, :])},
                        coords=coords, attrs={"cell_size_m": 100.0})
    for v, g in grades.items():
        slices[v] = (("depth_mbsf", "northing", "easting"), np.asarray(g, float)[:, None, :])
        column[v] = (("northing", "easting"), np.asarray(big_g[v], float)[None, :])
    if rho is not None:
        slices["density_t_m3"] = (("depth_mbsf", "northing", "easting"), np.asarray(rho, float)[:, None, :])
    if big_rho is not None:
        column["density_t_m3"] = (("northing", "easting"), np.asarray(big_rho, float)[None, :])
    if inside is not None:
        column["inside"] = (("northing", "easting"), np.asarray(inside, bool)[None, :])
    return slices, column


def _col(ds, v):
    return ds[v].values[:, 0, :]


def test_two_slices_one_block_by_hand():
    slices, column = _models([[0.8], [1.0]], {"total_rey_ppm": [[100.0], [300.0]], "La_ppm": [[10.0], [10.0]]},
                             [2.0], {"total_rey_ppm": [250.0], "La_ppm": [12.0]})
    out = reconcile_slices(slices, column)
    # thickness: 2.0 / 1.8; metal: t' = (0.8889, 1.1111), a = (88.89, 333.33), factor 500 / 422.22
    t1, t2 = 0.8 * 2.0 / 1.8, 1.0 * 2.0 / 1.8
    np.testing.assert_allclose(_col(out, "thickness_m")[:, 0], [t1, t2], rtol=1e-12)
    f = 2.0 * 250.0 / (t1 * 100.0 + t2 * 300.0)
    np.testing.assert_allclose(_col(out, "total_rey_ppm")[:, 0], [100.0 * f, 300.0 * f], rtol=1e-12)
    np.testing.assert_allclose(_col(out, "La_ppm")[:, 0], [12.0, 12.0], rtol=1e-12)
    rec = json.loads(out.attrs["slice_reconciliation"])
    assert out.attrs["slice_totals"] == "column" and rec["variables"] == ["thickness_m", "total_rey_ppm", "La_ppm"]
    assert rec["thickness_factor"]["median"] == pytest.approx(2.0 / 1.8)
    assert rec["metal_factor"]["total_rey_ppm"]["p5"] == pytest.approx(f)
    assert rec["n_clipped_negative"] == {"slice_blocks": 0, "blocks": 0} and "warning" not in rec
    assert _col(slices, "thickness_m")[0, 0] == 0.8  # the input is not modified


def test_with_density_the_dry_tonnage_and_metal_are_reconciled():
    slices, column = _models([[0.8], [1.0]], {"total_rey_ppm": [[100.0], [300.0]]}, [2.0],
                             {"total_rey_ppm": [250.0]}, rho=[[0.5], [0.6]], big_rho=[0.55])
    out = reconcile_slices(slices, column)
    # w = (0.4, 0.6), W = 1.1: w' = (0.44, 0.66), t' = (0.88, 1.1); a = (44, 198), A = 275
    np.testing.assert_allclose(_col(out, "thickness_m")[:, 0], [0.88, 1.1], rtol=1e-12)
    np.testing.assert_allclose(_col(out, "total_rey_ppm")[:, 0], [100 * 275 / 242, 300 * 275 / 242], rtol=1e-12)
    assert "density_t_m3" in json.loads(out.attrs["slice_reconciliation"])["density"]


@pytest.mark.filterwarnings("ignore::reymud.spatial._reconcile.SliceReconciliationWarning")  # random columns
def test_blocks_table_totals_of_the_reconciled_slices_equal_the_column():
    rng = np.random.default_rng(1)
    n_s, n_b = 4, 30
    t = rng.uniform(-0.1, 1.0, (n_s, n_b))
    g = {"total_rey_ppm": rng.normal(500, 300, (n_s, n_b)), "Nd_ppm": rng.normal(50, 30, (n_s, n_b))}
    big_g = {"total_rey_ppm": rng.uniform(0, 900, n_b), "Nd_ppm": rng.uniform(0, 90, n_b)}
    rho = rng.uniform(0.4, 0.7, (n_s, n_b))
    rho[0, :5] = np.nan  # the default density there, as blocks_table assumes
    for case in ({}, {"rho": rho, "big_rho": np.where(np.arange(n_b) % 3, 0.6, np.nan)}):
        slices, column = _models(t, g, rng.uniform(1, 4, n_b), big_g, **case)
        slices["inside"] = xr.ones_like(slices["thickness_m"], dtype=bool)
        slices["inside"][1, 0, :3] = False  # a slice's own area: blocks_table drops those slice-blocks
        out = reconcile_slices(slices, column)
        b2, b3 = blocks_table(column), blocks_table(out)
        assert b3["dry_t"].sum() == pytest.approx(b2["dry_t"].sum(), rel=1e-9)
        for v in ("total_rey_ppm", "Nd_ppm"):
            assert (b3["dry_t"] * b3[v]).sum() == pytest.approx((b2["dry_t"] * b2[v]).sum(), rel=1e-9)
        rec = json.loads(out.attrs["slice_reconciliation"])
        assert rec["n_clipped_negative"]["slice_blocks"] == int(((t < 0) | (g["total_rey_ppm"] < 0)
                                                                 | (g["Nd_ppm"] < 0)).sum())
        assert np.nanmin(out["thickness_m"].values) >= 0 and np.nanmin(out["total_rey_ppm"].values) >= 0
        assert np.isnan(out["thickness_m"].values[1, 0, :3]).all()  # not the slice's: no tonnage given to it


def test_edge_cases():
    t = [[0.0, 0.5, 1.0, np.nan, 1.0, 0.0, 1.0],
         [0.0, 0.5, 1.0, np.nan, 1.0, 1.0, -0.2]]
    g = [[100.0, 0.0, 100.0, np.nan, 100.0, 400.0, 100.0],
         [200.0, 0.0, 100.0, np.nan, 100.0, 100.0, 100.0]]
    big_t = [2.0, 1.0, np.nan, 2.0, 2.0, 2.0, 2.0]
    big_g = [300.0, 600.0, 300.0, 300.0, 300.0, 300.0, 300.0]
    inside = [True, True, True, True, False, True, True]
    slices, column = _models(t, {"total_rey_ppm": g}, big_t, {"total_rey_ppm": big_g}, inside=inside)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SliceReconciliationWarning)
        out = reconcile_slices(slices, column)
    th, gr = _col(out, "thickness_m"), _col(out, "total_rey_ppm")
    # 0: slice thickness summed to 0 -> the column's spread evenly; the grades then scaled to its metal
    np.testing.assert_allclose(th[:, 0], [1.0, 1.0])
    np.testing.assert_allclose(gr[:, 0], [200.0, 400.0])
    # 1: slice metal summed to 0 -> the column grade in every slice with tonnage
    np.testing.assert_allclose(th[:, 1], [0.5, 0.5])
    np.testing.assert_allclose(gr[:, 1], [600.0, 600.0])
    # 2: the column has no estimate -> NaN; 3: no slice estimates -> NaN
    assert np.isnan(th[:, 2]).all() and np.isnan(gr[:, 2]).all() and np.isnan(th[:, 3]).all()
    # 4: outside the column's area -> as kriged
    np.testing.assert_array_equal(th[:, 4], [1.0, 1.0])
    np.testing.assert_array_equal(gr[:, 4], [100.0, 100.0])
    # 5: a slice with no tonnage keeps its kriged grade and holds no metal; the other carries the column
    np.testing.assert_allclose(th[:, 5], [0.0, 2.0])
    np.testing.assert_allclose(gr[:, 5], [400.0, 300.0])
    # 6: a negative thickness clipped at 0 before the rescaling
    np.testing.assert_allclose(th[:, 6], [2.0, 0.0])
    np.testing.assert_allclose(gr[:, 6], [300.0, 100.0])
    rec = json.loads(out.attrs["slice_reconciliation"])
    assert rec["n_blocks_slices_summed_to_zero"] == {"thickness_m": 1, "total_rey_ppm": 1}
    assert rec["n_blocks_column_nan"] == 1 and rec["n_blocks_without_slice_estimates"] == 1
    assert rec["n_blocks_reconciled"] == 4 and rec["n_clipped_negative"] == {"slice_blocks": 1, "blocks": 1}
    assert rec["max_slice_thickness_m"] == 2.0  # blocks 5 and 6 pack the column into one slice


def test_a_column_far_from_the_slices_warns_and_other_grids_are_refused():
    slices, column = _models([[1.0, 1.0], [1.0, 1.0]], {"total_rey_ppm": [[100.0, 100.0], [100.0, 100.0]]},
                             [2.0, 2.0], {"total_rey_ppm": [200.0, 100.0]})
    with pytest.warns(SliceReconciliationWarning, match="disagree.*P5-P95 1.050-1.950 for total_rey_ppm, outside 0.8-1.25.*check the plan"):
        out = reconcile_slices(slices, column)
    assert "check the plan" in json.loads(out.attrs["slice_reconciliation"])["warning"]
    with pytest.raises(ValueError, match="different grids"):
        reconcile_slices(slices, column.assign_coords(easting=column.easting + 50.0))
    assert SPATIAL_DEFAULT == DEFAULT_DENSITY_T_M3  # blocks_table's default density, repeated in spatial


def _survey(n=20, seed=4):
    """Cores over three 1 m slices whose west-east grade gradient grows with depth."""
    rng = np.random.default_rng(seed)
    cores = pd.DataFrame({"core_id": [f"C{i:02d}" for i in range(n)], "latitude": rng.uniform(21.9, 22.2, n),
                          "longitude": rng.uniform(153.5, 154.1, n)})
    win = pd.DataFrame({"core_id": cores.core_id, "top_mbsf": 0.0, "base_mbsf": 3.0, "thickness_m": 3.0,
                        "overburden_m": 0.0, "total_rey_ppm": 1.0})
    pts = points_from_cores(win, cores)
    east = (pts.easting - pts.easting.mean()).to_numpy() / 1000.0
    rows = [{"core_id": cid, "top_mbsf": float(top), "bottom_mbsf": top + 1.0, "length_m": 1.0,
             "total_rey_ppm": 700.0 + (top + 1) * 40.0 * east[i] + rng.normal(0, 60.0)}
            for i, cid in enumerate(pts.core_id) for top in range(3)]
    return pd.DataFrame(rows), pts


def test_estimate_block_model_3d_with_a_column_and_the_independent_option():
    comps, pts = _survey()
    plan = EstimationPlan(trend="linear", max_samples=40, min_samples=3)
    grid = Grid.around(pts, 5_000.0, crs=pts.attrs["crs"])
    window = slice_points(comps, pts[["core_id", "easting", "northing"]], 0.0, 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        column = estimate_block_model(window, grid=grid, neighbourhood=plan.neighbourhood(),
                                      block=plan.block_discretisation, window=(0.0, 3.0), drift=plan.trend)
        kw = {"slice_m": 1.0, "top_mbsf": 0.0, "base_mbsf": 3.0}
        alone = estimate_block_model_3d(comps, pts, grid, plan=plan, **kw)
        independent = estimate_block_model_3d(comps, pts, grid, plan=plan.replace(slice_totals="independent"),
                                              column=column, **kw)
        tied = estimate_block_model_3d(comps, pts, grid, plan=plan, column=column, **kw)
    assert alone.attrs["slice_totals"] == independent.attrs["slice_totals"] == "independent"
    assert "column=None" in alone.attrs["slice_reconciliation"]
    assert "'independent'" in independent.attrs["slice_reconciliation"]
    for v in ("thickness_m", "total_rey_ppm", "total_rey_ppm_variance"):
        xr.testing.assert_identical(independent[v], alone[v])
    assert tied.attrs["slice_totals"] == "column"
    xr.testing.assert_identical(tied["total_rey_ppm_variance"], alone["total_rey_ppm_variance"])
    inside = column["inside"].values.astype(bool) if "inside" in column else np.ones(column["thickness_m"].shape,
                                                                                    bool)
    metal3 = (tied["thickness_m"] * tied["total_rey_ppm"]).sum("depth_mbsf").values[inside]
    metal2 = (column["thickness_m"].clip(min=0) * column["total_rey_ppm"].clip(min=0)).values[inside]
    np.testing.assert_allclose(metal3, metal2, rtol=1e-9)
    np.testing.assert_allclose(tied["thickness_m"].sum("depth_mbsf").values[inside],
                               column["thickness_m"].clip(min=0).values[inside], rtol=1e-9)
    # the vertical distribution is kept: the deepest slice still has the steepest west-east gradient
    grad = [float(np.polyfit(grid.easting, tied["total_rey_ppm"].isel(depth_mbsf=k).mean("northing"), 1)[0])
            for k in range(3)]
    assert grad[2] > grad[0] > 0


def test_the_plan_option(tmp_path):
    plan = EstimationPlan()
    assert plan.slice_totals == "column" and plan.to_dict()["slice_totals"] == "column"
    assert re.search(r"^slice totals +rescaled to the 2-D column model", plan.describe(), re.M)
    path = tmp_path / "plan.yaml"
    path.write_text("slice_totals: independent\n")
    loaded = EstimationPlan.from_yaml(path)
    assert loaded.slice_totals == "independent" and "independent (each slice kriged alone)" in loaded.describe()
    assert EstimationPlan.from_dict(loaded.to_dict()) == loaded
    with pytest.raises(PlanError, match="slice_totals must be one of"):
        EstimationPlan(slice_totals="seam")
