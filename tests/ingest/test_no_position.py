"""Geochemistry without coordinates: cores without a collar are stored with position_status 'none',
every non-spatial command works, the spatial stage leaves them out with a note (or fails cleanly)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from reymud.cli.main import app
from reymud.cores import composite, find_layers
from reymud.elements import REY
from reymud.geochem import summarise
from reymud.ingest import ingest_files
from reymud.spatial.points import NoPositionError, window_points
from reymud.store import Project

#: An ODP-style site file: IODP sample names and depths, majors in wt %, traces in ppm, no coordinates.
ODP = ("Sample,Top depth CSF-A (m),Bottom depth CSF-A (m),SiO2 (wt%),Al2O3 (wt%),"
       + ",".join(f"{el} (ppm)" for el in REY) + "\n"
       + "".join(f"U1366D-1H-{1 + i // 5}-W {10 * (i % 5)}/{10 * (i % 5) + 2},{i * 0.3:.2f},{i * 0.3 + 0.02:.2f},"
                 f"{50 + i % 3},{14 + i % 2}," + ",".join(f"{10 + 8 * i + k}" for k in range(len(REY))) + "\n"
                 for i in range(20)))
COLLAR = "core_id,latitude,longitude,water_depth_m,core_length_m\nU1366D,-25.7,-147.1,5130,12\n"
OTHER = ("sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm),Ce (ppm),Y (ppm)\n"
         "P1,PC01,0,0.5,500,80,700\nP2,PC01,0.5,1,520,82,720\nQ1,PC02,0,0.5,480,70,650\n")
COLLARS = "core_id,latitude,longitude,water_depth_m\nPC01,21.9,153.7,5700\nPC02,22.0,153.9,5650\n"


@pytest.fixture
def odp_project(tmp_path, write):
    project = Project.init(tmp_path / "odp.duckdb")
    report = ingest_files(project, [write("odp_site.csv", ODP)])[-1]
    return project, report


def test_site_file_without_collars_is_stored_without_position(odp_project):
    project, report = odp_project
    assert (report.status, report.samples, report.unpositioned) == ("loaded", 20, ("U1366D",))
    cores = project.cores()
    assert cores[["core_id", "position_status"]].values.tolist() == [["U1366D", "none"]]
    assert cores[["latitude", "longitude"]].isna().all(axis=None)
    samples = summarise(project.samples())
    assert len(samples) == 20 and samples["SiO2"].iloc[0] == 50.0
    layers = find_layers(samples, threshold=1000.0)
    assert layers["core_id"].tolist() == ["U1366D"] and layers["top_mbsf"].iloc[0] > 0
    comp = composite(samples, length_m=1.0, columns=["total_rey_ppm"])
    assert comp["core_id"].unique().tolist() == ["U1366D"] and np.isfinite(comp["total_rey_ppm"]).all()


def test_a_later_collar_file_gives_the_position(odp_project, write):
    project, _ = odp_project
    report = ingest_files(project, [], collars=[write("collar.csv", COLLAR)])[-1]
    assert report.positioned == ("U1366D",)
    core = project.cores().iloc[0]
    assert (core["position_status"], core["latitude"], core["core_length_m"]) == ("known", -25.7, 12.0)


def test_spatial_stage_leaves_unpositioned_cores_out_with_a_note(odp_project, write):
    project, _ = odp_project
    ingest_files(project, [write("other.csv", OTHER)], collars=[write("collars.csv", COLLARS)])
    points = window_points(summarise(project.samples()), project.cores())
    assert sorted(points["core_id"]) == ["PC01", "PC02"]
    assert points.attrs["unpositioned_cores"] == ["U1366D"]
    assert "1 core(s) without a position left out of the spatial stage: U1366D" in points.attrs["notes"][0]


def test_no_positioned_core_is_a_clear_error(odp_project):
    project, _ = odp_project
    with pytest.raises(NoPositionError, match=r"no core with samples has a position .*1 core\(s\) were stored "
                                              r"without one \(U1366D\)"):
        window_points(summarise(project.samples()), project.cores())


def test_cli_non_spatial_commands_work_and_estimate_fails_in_one_line(tmp_path, write):
    runner = CliRunner()
    path = str(tmp_path / "p.duckdb")
    assert runner.invoke(app, ["init", path]).exit_code == 0
    result = runner.invoke(app, ["ingest", path, str(write("odp_site.csv", ODP))])
    assert result.exit_code == 0, result.output
    assert "1 core(s) stored without a position (no collar): U1366D" in result.output
    for command in (["samples", path], ["cores", path], ["qaqc", path],
                    ["export", path, "--out", str(tmp_path / "out")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (command, result.output)
    assert "U1366D" in (tmp_path / "out" / "cores.csv").read_text()
    result = runner.invoke(app, ["estimate", path])
    assert result.exit_code == 1
    assert "error: no core with samples has a position" in result.output
    assert "Traceback" not in result.output
