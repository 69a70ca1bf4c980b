"""The data CLI: init, ingest, export, qaqc through reymud.cli.main.app."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from reymud.cli.main import app

runner = CliRunner(env={"COLUMNS": "200"})


def test_init_ingest_export_qaqc(tmp_path, demo_files):
    collars, assays = demo_files
    project = tmp_path / "survey.duckdb"
    assert runner.invoke(app, ["init", str(project)]).exit_code == 0
    result = runner.invoke(app, ["ingest", str(project), str(assays), "--collars", str(collars)])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC_assays.csv" in result.output and "loaded" in result.output
    again = runner.invoke(app, ["ingest", str(project), str(assays)])
    assert "skipped-duplicate" in again.output
    out = tmp_path / "out"
    result = runner.invoke(app, ["export", str(project), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    samples = pd.read_csv(out / "SYNTHETIC_samples.csv", comment="#")
    assert samples["sample_id"].tolist() == ["PC01-001", "PC01-002", "PC02-001"]
    assert (out / "SYNTHETIC_assays.csv").read_text().startswith("# SYNTHETIC")
    assert runner.invoke(app, ["export", str(project), "--format", "parquet", "--out", str(out)]).exit_code == 0
    assert len(pd.read_parquet(out / "SYNTHETIC_qaqc.parquet")) == 20
    result = runner.invoke(app, ["qaqc", str(project)])
    assert result.exit_code == 0, result.output
    assert "JMS-2" in result.output and "3.82" in result.output  # La RSD % of 180 and 190 ppm


def test_ingest_error_is_clean(tmp_path, write):
    project = tmp_path / "p.duckdb"
    runner.invoke(app, ["init", str(project)])
    bad = write("bad.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm)\nS1,C1,0,1,abc\n")
    result = runner.invoke(app, ["ingest", str(project), str(bad)])
    assert result.exit_code == 1
    assert "bad.csv, row 2, column 'La (ppm)': value 'abc' is not a number" in result.output
    assert "Traceback" not in result.output
    assert runner.invoke(app, ["init", str(project)]).exit_code == 1
    assert runner.invoke(app, ["qaqc", str(tmp_path / "none.duckdb")]).exit_code == 2  # missing project: exit 2 in every command group
    assert runner.invoke(app, ["export", str(project), "--format", "xls"]).exit_code == 2
