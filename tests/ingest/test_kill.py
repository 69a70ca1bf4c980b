"""Killing a real ingest process mid-transaction leaves a readable project with whole files only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from reymud.store import Project

CHILD = textwrap.dedent("""
    import sys, time
    from reymud.store import Project, writer
    from reymud.ingest import ingest_files

    original = writer._insert

    def slow_insert(con, table, frame, import_id):
        original(con, table, frame, import_id)
        if table == "samples" and import_id == 3:   # the second assay file, inside its transaction
            print("MID-TRANSACTION", flush=True)
            time.sleep(60)

    writer._insert = slow_insert
    project = Project.open(sys.argv[1])
    ingest_files(project, [sys.argv[2]], collars=sys.argv[4])
    print("FIRST-DONE", flush=True)
    ingest_files(project, [sys.argv[3]])
""")


def test_sigkill_mid_ingest_keeps_only_whole_files(tmp_path, demo_files, write):
    collars, first = demo_files
    rows = "\n".join(f"B{i},PC02,{1 + i * 0.005:.3f},{1.005 + i * 0.005:.3f},{i},{i + 1}" for i in range(1, 2000))
    second = write("big.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm),Ce (ppm)\n" + rows + "\n")
    path = tmp_path / "kill.duckdb"
    Project.init(path)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen([sys.executable, str(script), str(path), str(first), str(second), str(collars)],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline().strip(), proc.stdout.readline().strip()]
        assert lines == ["FIRST-DONE", "MID-TRANSACTION"]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    project = Project.open(path)
    assert project.imports()["file_name"].tolist() == ["SYNTHETIC_collars.csv", "SYNTHETIC_assays.csv"]
    assert len(project.assays()) == 35
    assert not project.samples()["sample_id"].str.startswith("B").any()
    # the killed file loads completely on the next try
    from reymud.ingest import ingest_files

    assert ingest_files(project, [second])[0].values == 2 * 1999
