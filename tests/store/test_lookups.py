"""Project lookups used by ingest (no SQL on store tables outside store/)."""

from __future__ import annotations

import pandas as pd
import pytest

from reymud.ingest import ingest_files
from reymud.store import Project


@pytest.fixture
def project(tmp_path):
    collars = tmp_path / "collars.csv"
    collars.write_text("core_id,latitude,longitude,core_length_m\nPC01,21.9,153.7,12.5\nPC02,22.0,153.9,\n")
    assays = tmp_path / "assays.csv"
    assays.write_text("sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm)\nS1,PC01,0,0.5,10\nS2,PC01,0.5,1,11\n"
                      "S3,PC02,0,0.5,12\nS4,ODP1,0,0.5,13\n")
    project = Project.init(tmp_path / "p.duckdb")
    ingest_files(project, [assays], collars=[collars])
    return project


def test_lookups_answer_from_the_stored_tables(project):
    sha = project.imports()["sha256"].iloc[-1]
    assert project.has_import(sha) and not project.has_import("0" * 64)
    assert project.core_ids() == {"PC01", "PC02", "ODP1"}
    assert project.unpositioned_core_ids() == {"ODP1"}
    assert project.core_lengths().to_dict() == {"PC01": 12.5}
    assert project.sample_intervals(["PC01", "PC01"])["sample_id"].tolist() == ["S1", "S2"]
    assert project.count_samples(["S1", "S4", "nope"]) == 2
    rows = project.stored_rows("assays", pd.DataFrame({"sample_id": ["S2", "S2"], "analyte": ["La", "La"]}),
                               ["value"])
    assert rows.values.tolist() == [["S2", "La", 11.0]]


def test_stored_rows_refuses_other_tables_and_columns(project):
    with pytest.raises(ValueError, match="stored_rows: table 'metadata'"):
        project.stored_rows("metadata", pd.DataFrame({"key": ["x"]}), ["value"])
    with pytest.raises(ValueError, match="stored_rows: table 'cores'"):
        project.stored_rows("cores", pd.DataFrame({"core_id": ["PC01"]}), ["import_id; DROP TABLE cores"])
