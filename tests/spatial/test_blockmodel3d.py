"""The 3-D block model follows the plan's trend in every slice (spatial/blockmodel3d.py)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from reymud.spatial import Grid, estimate_block_model, estimate_block_model_3d, points_from_cores
from reymud.spatial.blockmodel import estimate_block_model_3d as reexported
from reymud.spatial.blockmodel import fit_plan_model
from reymud.spatial.blockmodel3d import slice_points
from reymud.spatial.plan import EstimationPlan


def _survey(n=25, seed=3):
    """Cores with a west-east grade trend that grows with depth (slices 0-1, 1-2, 2-3 mbsf)."""
    rng = np.random.default_rng(seed)
    cores = pd.DataFrame({"core_id": [f"C{i:02d}" for i in range(n)], "latitude": rng.uniform(21.9, 22.2, n),
                          "longitude": rng.uniform(153.5, 154.1, n)})
    win = pd.DataFrame({"core_id": cores.core_id, "top_mbsf": 0.0, "base_mbsf": 3.0, "thickness_m": 3.0,
                        "overburden_m": 0.0, "total_rey_ppm": 1.0})
    pts = points_from_cores(win, cores)
    east = (pts.easting - pts.easting.mean()).to_numpy() / 1000.0
    rows = []
    for i, cid in enumerate(pts.core_id):
        for top in range(3):
            grade = 800.0 + (top + 1) * 12.0 * east[i] + rng.normal(0, 60.0)
            rows.append({"core_id": cid, "top_mbsf": float(top), "bottom_mbsf": top + 1.0, "length_m": 1.0,
                         "total_rey_ppm": grade})
    return pd.DataFrame(rows), pts


def test_slices_use_the_plan_trend_and_sum_to_the_2d_estimate():
    comps, pts = _survey()
    plan = EstimationPlan(trend="linear", max_samples=40, min_samples=3)
    grid = Grid.around(pts, 4_000.0, crs=pts.attrs["crs"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds3 = estimate_block_model_3d(comps, pts, grid, slice_m=1.0, top_mbsf=0.0, base_mbsf=3.0, plan=plan)
        window = slice_points(comps, pts[["core_id", "easting", "northing"]], 0.0, 3.0)
        xy = window[["easting", "northing"]].to_numpy(float)
        models = {v: fit_plan_model(xy, window[v].to_numpy(float), plan, v)[1] for v in ("total_rey_ppm",
                                                                                         "thickness_m")}
        ds2 = estimate_block_model(window, grid=grid, models=models, neighbourhood=plan.neighbourhood(),
                                   block=plan.block_discretisation, window=(0.0, 3.0), drift=plan.trend)
    assert reexported is estimate_block_model_3d
    assert "linear drift (universal)" in ds3.attrs["estimator"]
    fits = json.loads(ds3.attrs["slice_variogram_fits"])
    assert list(fits) == ["0-1", "1-2", "2-3"]
    assert all(f["total_rey_ppm"] == "weighted least squares fit on linear-trend residuals" for f in fits.values())
    # every core spans the three slices: the slices' metal sums to the 2-D window's (same drift recipe)
    metal3 = float((ds3["thickness_m"] * ds3["total_rey_ppm"]).sum())
    metal2 = float((ds2["thickness_m"] * ds2["total_rey_ppm"]).sum())
    assert metal3 == pytest.approx(metal2, rel=0.01)
    # and the deepest slice's west-east gradient is kept (ordinary kriging would flatten it towards the mean)
    deep = ds3["total_rey_ppm"].isel(depth_mbsf=2).mean("northing").values
    assert deep[-1] - deep[0] > 0.5 * 36.0 * (grid.easting[-1] - grid.easting[0]) / 1000.0


def test_without_a_plan_the_slices_are_ordinary_kriging():
    comps, pts = _survey(n=12)
    grid = Grid.around(pts, 8_000.0, crs=pts.attrs["crs"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds3 = estimate_block_model_3d(comps, pts, grid, slice_m=1.0, top_mbsf=0.0, base_mbsf=3.0)
    assert "drift" not in ds3.attrs["estimator"] and "slice_variogram_fits" not in ds3.attrs
    with pytest.raises(ValueError, match="slice_m must be > 0"):
        estimate_block_model_3d(comps, pts, grid, slice_m=0.0)
