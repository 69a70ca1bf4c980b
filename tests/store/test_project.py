"""The project store: lifecycle, reads, censoring policies, artefacts, transactions."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from reymud.store import SCHEMA_VERSION, Project, StoreError, analyte_order, write_import


def _record(sha="a" * 64, name="f.csv"):
    return {"file_name": name, "sha256": sha, "kind": "wide", "n_rows": 2, "n_values": 4, "n_censored": 1,
            "mapping_json": "{}", "header_json": "[]", "unrecognised_json": "[]"}


CORES = pd.DataFrame({"core_id": ["C1"], "latitude": [21.9], "longitude": [153.7], "water_depth_m": [5700.0]})
SAMPLES = pd.DataFrame({"sample_id": ["S2", "S1"], "core_id": ["C1", "C1"], "top_mbsf": [1.0, 0.0],
                        "bottom_mbsf": [2.0, 1.0], "sample_type": ["sample", "sample"]})
ASSAYS = pd.DataFrame({"sample_id": ["S1", "S1", "S2", "S2"], "analyte": ["SiO2", "La", "La", "Ce"],
                       "value": [50.0, 100.0, np.nan, 80.0], "unit": ["wt%", "ppm", "ppm", "ppm"],
                       "detection_limit": [np.nan, 0.1, 0.05, np.nan], "censored": [False, False, True, False],
                       "value_raw": ["50", "100", "<0.05", "80"], "unit_raw": ["wt%", "ppm", "ppm", "ppm"]})


@pytest.fixture
def filled(tmp_path):
    project = Project.init(tmp_path / "p.duckdb")
    assert write_import(project, _record(), CORES, SAMPLES, ASSAYS, {"synthetic": "true"}) == 1
    return project


def test_init_open_and_schema(tmp_path):
    path = tmp_path / "new.duckdb"
    with Project.init(path) as project:
        assert project.metadata()["synthetic"] == "false"
    with Project.open(path) as project:
        assert project.sql("SELECT value FROM schema_info WHERE key = 'schema_version'")["value"][0] == str(
            SCHEMA_VERSION)
        assert list(project.cores().columns) == ["core_id", "cruise", "site", "hole", "latitude", "longitude",
                                                 "water_depth_m", "core_length_m", "recovery", "position_status"]
        assert list(project.imports().columns)[:8] == ["file_name", "sha256", "imported_at", "n_rows", "n_values",
                                                       "mapping_json", "header_json", "status"]
    with pytest.raises(StoreError, match="already exists"):
        Project.init(path)


def test_open_rejects_files_that_are_not_projects(tmp_path):
    text = tmp_path / "notes.duckdb"
    text.write_text("hello")
    with pytest.raises(StoreError, match="is not a reymud project"):
        Project.open(text)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (a INT)").close()
    with pytest.raises(StoreError, match="is not a reymud project"):
        Project.open(other)
    with pytest.raises(StoreError, match="no project file"):
        Project.open(tmp_path / "missing.duckdb")


def test_samples_wide_sorted_with_censoring_policies(filled):
    wide = filled.samples()
    assert wide["sample_id"].tolist() == ["S1", "S2"]
    assert list(wide.columns) == ["sample_id", "core_id", "top_mbsf", "bottom_mbsf", "La", "Ce", "SiO2"]
    assert wide.loc[1, "La"] == 0.025
    assert wide.attrs == {"censored_policy": "half_limit", "censored_counts": {"La": 1, "Ce": 0, "SiO2": 0}}
    assert filled.samples(censored="limit").loc[1, "La"] == 0.05
    assert filled.samples(censored="zero").loc[1, "La"] == 0.0
    assert np.isnan(filled.samples(censored="nan").loc[1, "La"])
    assert np.isnan(wide.loc[1, "SiO2"])  # not analysed stays missing, not censored
    assert filled.samples(sample_types=("crm",)).empty
    with pytest.raises(ValueError, match="censored='half'"):
        filled.samples(censored="half")


def test_assays_keep_raw_and_canonical(filled):
    assays = filled.assays()
    assert list(assays.columns) == ["sample_id", "analyte", "value_raw", "unit_raw", "value", "unit",
                                    "detection_limit", "censored", "lab", "method"]
    row = assays.set_index(["sample_id", "analyte"]).loc[("S2", "La")]
    assert row["value_raw"] == "<0.05" and bool(row["censored"])
    assert filled.metadata()["synthetic"] == "true"


def test_duplicate_sha_writes_nothing(filled):
    assert write_import(filled, _record(), CORES, SAMPLES, ASSAYS) is None
    assert len(filled.assays()) == 4 and len(filled.imports()) == 1


def test_failed_write_leaves_project_unchanged(filled):
    with pytest.raises(StoreError, match="nothing was written"):
        write_import(filled, _record(sha="b" * 64, name="g.csv"), CORES, None, None)  # core C1 clashes
    assert filled.imports()["file_name"].tolist() == ["f.csv"] and len(filled.cores()) == 1


def test_json_and_frame_artefacts(filled, tmp_path):
    filled.save_json("assess", "latest", {"a": np.float64(1.5), "b": [1, 2]})
    filled.save_json("assess", "older", {"a": 0})
    assert filled.load_json("assess", "latest") == {"a": 1.5, "b": [1, 2]}
    assert filled.list_json("assess") == ["latest", "older"]
    frame = pd.DataFrame({"core_id": ["C1", "C2"], "total_rey_ppm": [1000.0, 2000.0]})
    frame.attrs["synthetic"] = "true"
    filled.save_frame("core_summary", frame)
    filled.save_frame("core_summary", frame.iloc[:1])  # replaced, not appended
    loaded = filled.load_frame("core_summary")
    pd.testing.assert_frame_equal(loaded, frame.iloc[:1])
    assert loaded.attrs == {"synthetic": "true"} and filled.list_frames() == ["core_summary"]
    with pytest.raises(KeyError):
        filled.load_frame("nope")
    with pytest.raises(KeyError):
        filled.load_json("assess", "nope")
    assert filled.artifact_dir == tmp_path / "p.duckdb.files" and filled.artifact_dir.is_dir()


def test_closed_project_and_analyte_order(filled):
    filled.close()
    with pytest.raises(StoreError, match="closed"):
        filled.cores()
    assert analyte_order(["SiO2", "Sc", "Y", "La", "CaO", "Ba"]) == ["La", "Y", "Ba", "Sc", "SiO2", "CaO"]


def test_busy_project_is_a_clear_error(filled):
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(30)", str(filled.path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="in use by another process"):
            Project.open(filled.path, lock_timeout_s=0.3)
    finally:
        holder.kill()
        holder.wait()
    assert Project.open(filled.path).cores()["core_id"].tolist() == ["C1"]



def test_list_json_newest_first(tmp_path):
    import time

    from reymud.store import Project

    with Project.init(tmp_path / "p.duckdb") as project:
        project.save_json("grid", "a_old", {"n": 1})
        time.sleep(0.01)
        project.save_json("grid", "b_new", {"n": 2})
        assert project.list_json("grid") == ["a_old", "b_new"]
        assert project.list_json("grid", newest_first=True) == ["b_new", "a_old"]
