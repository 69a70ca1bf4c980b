import json

import numpy as np
import pytest
import xarray as xr
from pyproj import Geod
from typer.testing import CliRunner

from reymud.demo.eez import EEZ_RADIUS_KM, EEZSurveyConfig, eez_survey


def test_eez_survey_inside_the_circle_labelled_and_deterministic(tmp_path):
    cfg = EEZSurveyConfig(n_cores=80, seed=4)
    s = eez_survey(cfg)
    lat0, lon0 = cfg.centre_latlon
    _, _, d = Geod(ellps="WGS84").inv(np.full(80, lon0), np.full(80, lat0), s.cores["longitude"], s.cores["latitude"])
    assert d.max() <= EEZ_RADIUS_KM * 1000 * (1 + 1e-9) and d.max() > 0.5 * EEZ_RADIUS_KM * 1000
    assert all(f.attrs["synthetic"] == "true" for f in (s.cores, s.slices, s.window))
    assert (s.window["thickness_m"] <= cfg.base_mbsf).all() and (s.slices["length_m"] <= cfg.slice_m).all()
    # the window value is the length-weighted mean of the core's slices
    one = s.slices[s.slices["core_id"] == s.cores["core_id"][0]]
    mean = float((one["total_rey_ppm"] * one["length_m"]).sum() / one["length_m"].sum())
    assert s.window["total_rey_ppm"][0] == pytest.approx(mean)
    again = eez_survey(cfg)
    assert again.window.equals(s.window)
    assert not eez_survey(EEZSurveyConfig(n_cores=80, seed=5)).window.equals(s.window)
    paths = s.write_csv(tmp_path)
    for path in paths.values():
        assert path.name.startswith("SYNTHETIC_") and path.read_text().startswith("# SYNTHETIC")
    with pytest.raises(ValueError, match="n_cores"):
        EEZSurveyConfig(n_cores=1)


def test_cli_scale_eez_demo_2d_and_3d(tmp_path):
    from reymud.cli.main import app

    out = tmp_path / "eez.zarr"
    res = CliRunner().invoke(app, ["scale", "eez-demo", str(out), "--cores", "60", "--cell", "25000", "--workers",
                                   "0", "--tile", "16", "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output[res.output.index("{"):])
    assert body["synthetic"] is True and body["n_layers"] == 1 and body["cells_estimated"] > 300
    ds = xr.open_zarr(out)
    assert ds.attrs["synthetic"] == "true" and "SYNTHETIC" in ds.attrs["title"]
    assert set(ds.data_vars) >= {"total_rey_ppm", "thickness_m", "total_rey_ppm_variance", "inside"}
    res3 = CliRunner().invoke(app, ["scale", "eez-demo", str(tmp_path / "e3.zarr"), "--cores", "60", "--cell",
                                    "50000", "--slices", "5", "--workers", "0", "--tile", "16", "--json"])
    assert res3.exit_code == 0, res3.output
    ds3 = xr.open_zarr(tmp_path / "e3.zarr")
    assert list(ds3["depth_mbsf"].values) == [2.5, 7.5] and ds3.attrs["slice_thickness_m"] == 5.0


def test_eez_survey_elements_add_up_and_cli_summary_equals_the_store(tmp_path):
    from reymud.cli.main import app
    from reymud.demo.eez import ELEMENT_COLUMNS
    from reymud.resource.config import DEFAULT_DENSITY_T_M3

    s = eez_survey(EEZSurveyConfig(n_cores=80, seed=4))
    for frame in (s.slices, s.window):
        assert np.abs(frame[list(ELEMENT_COLUMNS)].sum(axis=1) - frame["total_rey_ppm"]).max() < 1e-9
        assert (frame[list(ELEMENT_COLUMNS)] > 0).all().all()
    rich = s.slices["total_rey_ppm"].idxmax()
    ce_share = s.slices["Ce_ppm"] / s.slices["total_rey_ppm"]
    assert ce_share[rich] < ce_share.max()  # the rich pattern's negative Ce anomaly
    out = tmp_path / "r.zarr"
    res = CliRunner().invoke(app, ["scale", "eez-demo", str(out), "--cores", "60", "--cell", "50000", "--workers",
                                   "0", "--tile", "16", "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output[res.output.index("{"):])["resource"]
    ds = xr.open_zarr(out)
    ins = ds["inside"].values
    dry = ds["thickness_m"].values[ins] * 50_000.0**2 * DEFAULT_DENSITY_T_M3
    assert body["synthetic"] is True and body["density_t_m3"] == DEFAULT_DENSITY_T_M3
    assert body["total"]["dry_t"] == pytest.approx(dry.sum(), rel=1e-12)
    for name in ("total_rey_ppm", "Dy_ppm", "Tb_ppm", "Nd_ppm", "Y_ppm"):
        assert body["total"]["contained_t"][name] == pytest.approx((dry * ds[name].values[ins]).sum() * 1e-6,
                                                                   rel=1e-12)
    assert body["total"]["treo_t"] > body["total"]["contained_t"]["total_rey_ppm"]
    res2 = CliRunner().invoke(app, ["scale", "eez-demo", str(tmp_path / "n.zarr"), "--cores", "60", "--cell",
                                    "50000", "--workers", "0", "--tile", "16", "--no-elements", "--json"])
    assert res2.exit_code == 0, res2.output
    assert "Dy_ppm" not in xr.open_zarr(tmp_path / "n.zarr").data_vars
    assert json.loads(res2.output[res2.output.index("{"):])["resource"]["total"]["treo_t"] is None
