"""Table commands offer --json: one JSON object on stdout (banner and notes on stderr), every row."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from reymud.cli.main import app

runner = CliRunner(env={"COLUMNS": "60"})  # a narrow terminal must not cut the JSON


@pytest.fixture
def project(small_demo):
    return small_demo


def _json(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_samples_json_has_every_sample_not_only_the_printed_rows(project):
    from reymud.store import Project

    data, err = _json("samples", project, "--json", "--limit", "3")
    with Project.open(project) as proj:
        n = len(proj.samples())
    assert len(data["samples"]) == n > 3
    row = data["samples"][0]
    assert {"sample_id", "core_id", "total_rey_ppm", "rey_class", "ce_anomaly"} <= set(row)
    assert data["synthetic"] is True and "SYNTHETIC" in err


def test_cores_json_matches_the_core_summary_and_states_the_support(project):
    data, _ = _json("cores", project, "--json", "--threshold", "400")
    assert len(data["cores"]) == 5
    assert data["support"]["rule"] == "midpoint" and data["plan_source"] == "project"
    assert all(r["layer_thickness_m"] is None or r["layer_thickness_m"] >= 0 for r in data["cores"])
    assert {"core_id", "window_total_rey_ppm", "n_layers"} <= set(data["cores"][0])


def test_qaqc_json_has_the_three_tables(project):
    data, _ = _json("qaqc", project, "--json")
    assert data["n_qaqc_records"] > 0
    assert data["crm"] and data["duplicates"] and data["blanks"]
    assert {"analyte", "n_pairs", "mean_rel_diff_pct"} <= set(data["duplicates"][0])


def test_resource_json_equals_the_csv_table(project, tmp_path):
    import pandas as pd

    result = runner.invoke(app, ["estimate", str(project), "--cell", "2000"])
    assert result.exit_code == 0, result.output
    csv = tmp_path / "res.csv"
    data, _ = _json("resource", project, "--json", "--out", csv)
    frame = pd.DataFrame(data["resource"])
    written = pd.read_csv(csv)
    assert len(frame) == len(written) and data["cutoff_basis"] == "column" and data["plan_source"] == "project"
    pd.testing.assert_series_equal(frame["treo_t"], written["treo_t"], check_names=False)
    assert data["assumptions"] and data["plan"]["cell_m"] == 2000.0


def test_piped_tables_are_not_cut_to_80_columns(project):
    """stdout to a pipe (a log, `| less`): rich would cut tables to 80 columns; reymud gives them room."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    code = "from reymud.cli.main import app; app()"
    out = subprocess.run([sys.executable, "-c", code, "cores", str(project)], capture_output=True, text=True,
                         env=env, check=True).stdout
    widest = max(len(line) for line in out.splitlines())
    assert widest > 80 and "…" not in out
    assert "peak mbsf" in out  # the last header, whole
