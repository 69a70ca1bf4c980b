"""Opening a project written with schema version 1 (cores.latitude/longitude NOT NULL, no position
status) upgrades it in one transaction; a failed upgrade leaves the file byte-for-byte unchanged."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from reymud.ingest import ingest_files
from reymud.store import SCHEMA_VERSION, Project, StoreError
from reymud.store import schema as schema_module
from reymud.store.schema import APPLICATION_ID, DDL

#: The cores table as schema version 1 declared it.
V1_CORES = """CREATE TABLE cores (
        core_id VARCHAR PRIMARY KEY,
        cruise VARCHAR, site VARCHAR, hole VARCHAR,
        latitude DOUBLE NOT NULL, longitude DOUBLE NOT NULL,
        water_depth_m DOUBLE, core_length_m DOUBLE, recovery DOUBLE,
        import_id INTEGER NOT NULL)"""


def _v1_project(path):
    """A project file as reymud wrote it with schema version 1, holding one core and one sample."""
    con = duckdb.connect(str(path))
    for statement in DDL:
        con.execute(V1_CORES if statement.strip().startswith("CREATE TABLE cores") else statement)
    con.executemany("INSERT INTO schema_info VALUES (?, ?)", [("application", APPLICATION_ID),
                                                               ("schema_version", "1"), ("created_by", "reymud 0.1")])
    con.execute("INSERT INTO metadata VALUES ('synthetic', 'false')")
    con.execute("INSERT INTO imports VALUES (1, 'old.csv', 'abc', now(), 'wide', 1, 1, 0, '{}', '[]', '[]', 'loaded')")
    con.execute("INSERT INTO cores VALUES ('PC01', NULL, NULL, NULL, 21.9, 153.7, 5700, 12.5, 0.9, 1)")
    con.execute("INSERT INTO samples (sample_id, core_id, top_mbsf, bottom_mbsf, sample_type, import_id) "
                "VALUES ('S1', 'PC01', 0, 0.5, 'sample', 1)")
    con.execute("INSERT INTO assays (sample_id, analyte, value, unit, censored, import_id) "
                "VALUES ('S1', 'La', 120, 'ppm', false, 1)")
    con.close()
    return path


def test_version_1_file_is_upgraded_and_keeps_its_data(tmp_path):
    path = _v1_project(tmp_path / "old.duckdb")
    with Project.open(path) as project:
        info = dict(project.sql("SELECT key, value FROM schema_info").values.tolist())
        assert (info["schema_version"], info["upgraded_from"]) == (str(SCHEMA_VERSION), "1")
        core = project.cores().iloc[0]
        assert (core["core_id"], core["latitude"], core["position_status"]) == ("PC01", 21.9, "known")
        assert project.samples()["La"].tolist() == [120.0]
        # the upgraded file takes cores without a position
        site = tmp_path / "site.csv"
        site.write_text("sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm)\nX1,ODP1,0,0.5,90\n")
        report = ingest_files(project, [site])[-1]
        assert report.unpositioned == ("ODP1",)
        assert project.cores().set_index("core_id")["position_status"].to_dict() == {"ODP1": "none", "PC01": "known"}
    with Project.open(path) as again:  # a second open finds the current version: nothing to do
        assert len(again.cores()) == 2


def test_failed_upgrade_leaves_the_file_unchanged(tmp_path, monkeypatch):
    path = _v1_project(tmp_path / "old.duckdb")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(schema_module.MIGRATIONS, 1, (*schema_module.MIGRATIONS[1], "ALTER TABLE nowhere ADD x INT"))
    with pytest.raises(StoreError, match=r"uses schema version 1 and must be upgraded to 2 .* the file was not "
                                         r"changed"):
        Project.open(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
