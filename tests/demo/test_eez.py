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
