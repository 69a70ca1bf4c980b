"""Storage faults end with a one-line error and an exit code, never a traceback; the store stays whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reymud.ingest import ingest_files
from reymud.store import Project, StoreError

COLLARS = "core_id,latitude,longitude,water_depth_m,core_length_m\nPC01,21.9,153.7,5700,12.5\n"
FSIZE_SCRIPT = """
import resource, sys
from typer.testing import CliRunner
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from reymud.cli.main import app
sys.argv = ["reymud", "ingest", sys.argv[2], sys.argv[3], "--collars", sys.argv[4]]
app()
"""


def _assays(n: int) -> str:
    rows = "\\n".join(f"S{i},PC01,{i * 0.005:.3f},{i * 0.005 + 0.005:.3f},{i % 97 + 1},{i % 89 + 1}" for i in range(n))
    return "sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm),Ce (ppm)\n" + rows.replace("\\n", "\n") + "\n"


def _project_with_data(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "p.duckdb"
    project = Project.init(path)
    collars = tmp_path / "collars.csv"
    collars.write_text(COLLARS)
    first = tmp_path / "first.csv"
    first.write_text(_assays(20))
    ingest_files(project, [first], collars=collars)
    return path, collars


def _counts(path: Path) -> tuple[int, int, int]:
    project = Project.open(path)
    return tuple(int(project.sql(f"SELECT count(*) AS n FROM {t}")["n"].iloc[0]) for t in ("imports", "samples",
                                                                                            "assays"))


def test_file_size_limit_during_commit_is_one_line_and_store_whole(tmp_path):
    path, collars = _project_with_data(tmp_path)
    before = _counts(path)
    big = tmp_path / "big.csv"
    big.write_text(_assays(2000))
    script = tmp_path / "fsize.py"
    script.write_text(FSIZE_SCRIPT)
    limit = 4096  # no write may reach past 4 kB: the WAL of 4,000 values cannot be written
    proc = subprocess.run([sys.executable, str(script), str(limit), str(path), str(big), str(collars)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: big.csv: could not write to"), proc.stderr
    assert "nothing of this step was stored" in lines[0]
    assert _counts(path) == before


def test_truncated_project_file(tmp_path, capsys):
    path, _ = _project_with_data(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError, match=r"p\.duckdb (is a damaged reymud/DuckDB project file|cannot be read)"):
        project = Project.open(path)
        for table in ("assays", "samples", "cores", "imports"):
            project.sql(f"SELECT * FROM {table}")


def test_bit_flipped_project_file_reports_damage_not_not_a_project(tmp_path):
    path, _ = _project_with_data(tmp_path)
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, len(data), 4096):  # one flipped bit in every block after the headers
        data[offset + 100] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        project = Project.open(path)
        project.sql("SELECT * FROM assays")
        project.sql("SELECT * FROM samples")
        project.sql("SELECT * FROM cores")
    assert "not a reymud project" not in str(info.value)
    assert "damaged" in str(info.value)


def test_cli_on_damaged_project_is_one_line(tmp_path):
    path, collars = _project_with_data(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    proc = subprocess.run([str(Path(sys.executable).parent / "reymud"), "ingest", str(path), str(collars)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "damaged" in lines[0], proc.stderr


def test_artefact_folder_that_cannot_be_created(tmp_path):
    # Tests run as root in CI, where a chmod-ed folder stays writable: a path whose parent is a
    # regular file fails mkdir the same way (OSError) as a read-only file system.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    project = Project.init(tmp_path / "p.duckdb")
    project.path = blocker / "p.duckdb"
    with pytest.raises(StoreError, match=r"cannot create the artefact folder .*blocker/p\.duckdb\.files"):
        _ = project.artifact_dir
