"""Assess building blocks without a pipeline run: config, JSON conversion, keys, NetCDF, QA/QC maths."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from reymud.assess import AssessConfig, jsonable, resolve_key, strip_volatile
from reymud.assess.results import AssessResult, records
from reymud.assess.schema import results_json_schema, validate_results
from reymud.assess.stages_data import _duplicate_precision
from reymud.spatial import write_grid


def test_config_defaults_and_validation():
    cfg = AssessConfig()
    assert cfg.cutoffs_ppm == (400.0, 1_000.0, 2_000.0) and cfg.n_realizations == 100
    assert (cfg.n_workers, cfg.threads_per_worker) == (2, 1)
    assert cfg.simulation_cell_m == cfg.cell_m  # the band is simulated on the estimate's own blocks
    assert dataclasses.replace(cfg, sim_cell_m=None).simulation_cell_m == cfg.cell_m
    with pytest.raises(ValueError, match="window_base_mbsf"):
        AssessConfig(window_top_mbsf=5, window_base_mbsf=5)
    with pytest.raises(ValueError, match="n_realizations"):
        AssessConfig(n_realizations=1)
    with pytest.raises(ValueError, match="cv_folds"):
        AssessConfig(cv_folds="bad")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.seed = 1  # type: ignore[misc]


def test_config_yaml_overrides_and_unknown_keys(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("cell_m: 500\ncutoffs_ppm: [300, 900]\nuse_dask: false\n")
    cfg = AssessConfig.from_yaml(path, n_realizations=10, seed=None)
    assert cfg.cell_m == 500 and cfg.cutoffs_ppm == (300, 900) and cfg.n_realizations == 10 and not cfg.use_dask
    assert cfg.seed == AssessConfig().seed
    path.write_text("cel_m: 500\n")
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['cel_m'\]"):
        AssessConfig.from_yaml(path)
    path.write_text("- 1\n")
    with pytest.raises(ValueError, match="expected a mapping"):
        AssessConfig.from_yaml(path)
    assert json.loads(json.dumps(AssessConfig().to_dict()))["cutoffs_ppm"] == [400.0, 1000.0, 2000.0]


def test_jsonable_converts_numpy_pandas_and_missing_values():
    frame = pd.DataFrame({"a": [1.5, np.nan], "b": pd.Categorical(["x", "y"]), "c": np.array([1, 2], "int64")})
    out = jsonable({"f": frame, "n": np.float32(2.5), "i": np.int64(3), "t": pd.Timestamp("2026-02-02"),
                    "nat": pd.NaT, "inf": float("inf"), "tup": (1, 2), "cfg": AssessConfig(seed=5)})
    assert out["f"] == [{"a": 1.5, "b": "x", "c": 1}, {"a": None, "b": "y", "c": 2}]
    assert out["n"] == 2.5 and out["i"] == 3 and out["t"] == "2026-02-02T00:00:00"
    assert out["nat"] is None and out["inf"] is None and out["tup"] == [1, 2] and out["cfg"]["estimation"]["seed"] == 5
    json.dumps(out, allow_nan=False)
    named = pd.DataFrame({"v": [1.0]}, index=pd.Index(["k"], name="key"))
    assert records(named) == [{"key": "k", "v": 1.0}]


def test_resolve_key_and_strip_volatile():
    results = {"a": {"b": [{"c": 1.0}, {"c": 2.0}]}, "provenance": {"timestamps": {"t": 1}, "seed": 3}}
    assert resolve_key(results, "a.b.1.c") == 2.0
    with pytest.raises(KeyError, match="no list item '5'"):
        resolve_key(results, "a.b.5.c")
    with pytest.raises(KeyError, match="no key 'x'"):
        resolve_key(results, "a.x")
    assert strip_volatile(results) == {"a": {"b": [{"c": 1.0}, {"c": 2.0}]}, "provenance": {"seed": 3}}


def test_resolve_key_finds_keys_that_contain_dots():
    """Supply keys such as ``years_japan_x0.5`` contain the separator: the lookup still finds them."""
    results = {"supply": {"split": [{"years_japan_x0.5": 4.0, "years_japan_x2": 1.0}]},
               "a": {"b.c": 1.0}, "a.b": {"d": 2.0}}
    assert resolve_key(results, "supply.split.0.years_japan_x0.5") == 4.0
    assert resolve_key(results, "supply.split.0.years_japan_x2") == 1.0
    assert resolve_key(results, "a.b.c") == 1.0
    assert resolve_key(results, "a.b.d") == 2.0  # "a" has no "b.d": the dotted top-level key "a.b" is tried
    with pytest.raises(KeyError, match="no key 'years_japan_x0'"):
        resolve_key(results, "supply.split.0.years_japan_x0.7")


def test_result_to_json_is_strict_and_frames_are_named(tmp_path):
    result = AssessResult(results={"x": float("nan"), "synthetic": True}, frames={"f": pd.DataFrame()})
    assert json.loads(result.to_json(tmp_path / "r.json")) == {"x": None, "synthetic": True}
    assert result.synthetic and (tmp_path / "r.json").exists()
    with pytest.raises(KeyError, match="available"):
        result["nope"]


def test_schema_rejects_missing_sections():
    with pytest.raises(ValueError, match="data"):
        validate_results({"schema_version": "reymud.results/1", "title": "t", "synthetic": True, "project": "p"})
    schema = results_json_schema()
    assert {"data", "qaqc", "resource", "provenance"} <= set(schema["required"])


def test_to_cf_netcdf_roundtrip(tmp_path):
    ds = xr.Dataset(
        {"total_rey_ppm": (("northing", "easting"), np.arange(6.0).reshape(2, 3)),
         "thickness_m": (("northing", "easting"), np.ones((2, 3))),
         "inside": (("northing", "easting"), np.array([[True, False, True], [True, True, False]]))},
        coords={"northing": [2.4e6, 2.401e6], "easting": [5.6e5, 5.61e5, 5.62e5]},
        attrs={"crs": "EPSG:32656", "cell_size_m": 1000.0})
    path = write_grid(ds, tmp_path / "g.nc", "test grid")
    with xr.open_dataset(path) as back:
        assert back.attrs["Conventions"] == "CF-1.8" and back.attrs["title"] == "test grid"
        assert back["total_rey_ppm"].attrs["units"] == "ppm" and back["thickness_m"].attrs["units"] == "m"
        assert back["easting"].attrs["standard_name"] == "projection_x_coordinate"
        assert back["total_rey_ppm"].attrs["grid_mapping"] == "spatial_ref"
        assert "32656" in back["spatial_ref"].attrs["crs_wkt"] or "UTM zone 56N" in back["spatial_ref"].attrs["crs_wkt"]
        np.testing.assert_array_equal(back["total_rey_ppm"], ds["total_rey_ppm"])
        np.testing.assert_array_equal(back["inside"].astype(bool), ds["inside"])


def test_duplicate_precision_hand_computed():
    pairs = pd.DataFrame({"analyte": ["La", "La", "Ce"], "value": [10.0, 20.0, 5.0],
                          "parent_value": [12.0, 20.0, np.nan]})
    out = _duplicate_precision(pairs).set_index("analyte")
    assert list(out.index) == ["La"]  # the censored (NaN) pair is not counted
    assert out.loc["La", "n_pairs"] == 2
    # pair 1: ((10-12)^2/2)/11^2 = 2/121; pair 2: 0  ->  CV_RMS = sqrt(1/121) = 1/11
    assert out.loc["La", "precision_pct"] == pytest.approx(100.0 / 11.0)
    assert out.loc["La", "median_rpd_pct"] == pytest.approx(0.5 * 100 * 2 / 11)


def test_every_results_section_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "results-schema.md").read_text(encoding="utf-8")
    for key in results_json_schema()["properties"]:
        assert f"| `{key}` |" in doc, key


def test_dask_session_in_process_and_labels():
    from reymud.assess.cluster import DaskSession

    session = DaskSession(AssessConfig(use_dask=False)).start()
    assert session.get() == "sync" and session.label == "in-process (no Dask)"
    session.close()
    assert DaskSession(AssessConfig()).label == "Dask LocalCluster (2 workers x 1 thread)"
    assert DaskSession(AssessConfig(scheduler="tcp://10.0.0.5:8786")).label == "Dask scheduler tcp://10.0.0.5:8786"


def test_dask_session_connects_to_a_scheduler_address():
    from distributed import LocalCluster

    from reymud.assess.cluster import DaskSession

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        session = DaskSession(AssessConfig(scheduler=cluster.scheduler_address)).start()
        try:
            client = session.get()
            assert client.submit(sum, [1, 2, 3]).result() == 6
        finally:
            session.close()


def test_dask_session_reports_an_unreachable_scheduler(monkeypatch):
    import distributed

    from reymud.assess.cluster import DaskSession

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(distributed, "Client", refuse)
    session = DaskSession(AssessConfig(scheduler="tcp://127.0.0.1:1"))
    with pytest.raises(RuntimeError, match=r"could not start \(Dask scheduler tcp://127.0.0.1:1\).*use_dask: false"):
        session.get()
    session.close()
