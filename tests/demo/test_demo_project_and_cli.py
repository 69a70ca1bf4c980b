"""demo_project through reymud.ingest, and the demo-data / samples / cores commands."""

import numpy as np
import pytest
from typer.testing import CliRunner

from reymud.cli.main import app
from reymud.demo import demo_project

runner = CliRunner()


@pytest.fixture(scope="module")
def project_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("proj") / "demo.duckdb"
    with demo_project(path, n_cores=6) as project:
        assert project.metadata()["synthetic"] == "true"
    return path


def test_demo_project_loads_through_ingest(project_path):
    from reymud.store import Project

    with Project.open(project_path) as project:
        cores = project.cores()
        samples = project.samples()
        qaqc = project.qaqc()
    assert len(cores) == 6 and samples["core_id"].nunique() == 6
    assert (project_path.parent / "demo.duckdb.files" / "demo_input" / "SYNTHETIC_assays.csv").exists()
    assert set(qaqc["qc_type"]) == {"crm", "duplicate", "blank"}
    assert samples.attrs["censored_policy"] == "half_limit"
    with pytest.raises(FileExistsError, match="exists already"):
        demo_project(project_path)


def test_cli_demo_data_writes_files(tmp_path):
    result = runner.invoke(app, ["demo-data", str(tmp_path / "d"), "--seed", "3", "--cores", "4"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "SYNTHETIC_collars.csv").exists()
    assert "SYNTHETIC_assays.csv" in result.output
    bad = runner.invoke(app, ["demo-data", str(tmp_path / "e"), "--cores", "1"])
    assert bad.exit_code == 1 and "n_cores must be at least 2" in bad.output


def test_cli_samples_table(project_path):
    result = runner.invoke(app, ["samples", str(project_path), "--limit", "5", "--reference", "CI_McDonoughSun1995"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC DEMO DATA" in result.output and "SYN-PC01-001" in result.output
    assert "CI_McDonoughSun1995" in result.output and "classes:" in result.output
    bad = runner.invoke(app, ["samples", str(project_path), "--reference", "NASC"])
    assert bad.exit_code == 1 and "unknown reference composition" in bad.output


def test_cli_cores_table_matches_api(project_path):
    from reymud.cores import window_stats
    from reymud.store import Project

    result = runner.invoke(app, ["cores", str(project_path), "--threshold", "400", "--gap", "0.5",
                                 "--window", "0-10"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "SYN-PC01" in result.output and "SYN-PC06" in result.output
    with Project.open(project_path) as project:
        mean = window_stats(project.samples(), 0, 10)["total_rey_ppm"].mean()
    assert f"{mean:,.0f} ppm" in result.output
    assert np.isfinite(mean)


def test_cli_errors_are_clean(tmp_path, project_path):
    missing = runner.invoke(app, ["cores", str(tmp_path / "nope.duckdb")])
    assert missing.exit_code == 2 and "not found" in missing.output and "Traceback" not in missing.output
    window = runner.invoke(app, ["cores", str(project_path), "--window", "10-2"])
    assert window.exit_code == 2 and "base must be deeper" in window.output


def test_cli_rejects_a_file_that_is_not_a_project(tmp_path):
    fake = tmp_path / "fake.duckdb"
    fake.write_text("not a database")
    result = runner.invoke(app, ["samples", str(fake)])
    assert result.exit_code == 1 and "not a reymud project" in result.output
