"""docs/tutorial.md: every console command and Python block runs, in order, in a fresh folder.

``reymud`` lines go through the same typer app in-process; other shell lines (``ls``, ``printf``) through bash.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from reymud.cli.main import app

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def _blocks(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in re.finditer(r"```(console|python)\n(.*?)```", text, re.S)]


def test_tutorial_runs_end_to_end(tmp_path, monkeypatch):
    blocks = _blocks(TUTORIAL.read_text(encoding="utf-8"))
    commands = [line[2:] for kind, body in blocks if kind == "console" for line in body.splitlines()
                if line.startswith("$ ")]
    assert len(commands) >= 10 and sum(kind == "python" for kind, _ in blocks) >= 1
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "COLUMNS": "120"}
    monkeypatch.chdir(tmp_path)
    for kind, body in blocks:
        if kind == "console":
            for line in body.splitlines():
                if not line.startswith("$ "):
                    continue
                if line.startswith("$ reymud "):  # in-process (same CLI, without a fresh interpreter each time)
                    res = CliRunner().invoke(app, shlex.split(line[2:])[1:])
                    assert res.exit_code == 0, f"{line}\n{res.output}\n{res.exception!r}"
                    continue
                done = subprocess.run(["bash", "-c", line[2:]], cwd=tmp_path, env=env, capture_output=True,
                                      text=True, timeout=300)
                assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        else:
            exec(compile(body, str(TUTORIAL), "exec"), {"__name__": "tutorial"})
    for name in ("out/report.html", "exports/block_model.csv", "exports/block_model.dat",
                 "exports/block_model.vtu", "exports/block_model_total_rey_ppm.tif", "spider.png",
                 "grade_tonnage.png", "map.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert 'id="jorc-section-3"' in (tmp_path / "out" / "report.html").read_text()
