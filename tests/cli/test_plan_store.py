"""A project carries its plan: ``store_plan`` / ``reymud plan show|set|clear``, ``resolve_plan`` precedence."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from reymud.cli.main import app
from reymud.spatial.plan import EstimationPlan, PlanError, resolve_plan, store_plan
from reymud.store import Project

runner = CliRunner(env={"COLUMNS": "240"})


def _run(args, code=0):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return re.sub(r"\s+", " ", result.output)


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.duckdb"
    Project.init(path).close()
    return path


def test_set_validates_before_storing_and_never_half_writes(project):
    with Project.open(project) as p:
        assert p.plan_text() is None
        store_plan(p, "cell_m: 500\ntrend: linear\n")
        with pytest.raises(PlanError, match="cell_m must be > 0"):
            store_plan(p, "cell_m: -5\n")
        with pytest.raises(PlanError, match=r"unknown key\(s\) \['cel_m'\]"):
            store_plan(p, {"cel_m": 5})
        with pytest.raises(PlanError, match="not valid YAML"):
            store_plan(p, "cell_m: [1,\n")
        assert p.plan_text() == "cell_m: 500\ntrend: linear\n"  # the valid plan stays, untouched
        store_plan(p, EstimationPlan(cell_m=750.0))
        assert EstimationPlan.from_dict(_yaml(p.plan_text())) == EstimationPlan(cell_m=750.0)
        store_plan(p, None)
        assert p.plan_text() is None


def _yaml(text):
    import yaml

    return yaml.safe_load(text)


def test_resolve_plan_precedence_file_then_project_then_defaults(project, tmp_path):
    assert resolve_plan(project) == (EstimationPlan(), "defaults")
    with Project.open(project) as p:
        store_plan(p, "cell_m: 500\n")
        assert resolve_plan(p, cell_m=None) == (EstimationPlan(cell_m=500.0), "project")
        assert resolve_plan(p, trend="linear")[0] == EstimationPlan(cell_m=500.0, trend="linear")
    plan_file = tmp_path / "f.yaml"
    plan_file.write_text("cell_m: 1000\n")
    assert resolve_plan(project, plan_file) == (EstimationPlan(cell_m=1000.0), f"--plan {plan_file}")
    with pytest.raises(PlanError, match="not found"):
        resolve_plan(project, tmp_path / "missing.yaml")


def test_plan_commands_show_set_clear(project, tmp_path):
    assert "plan source defaults" in _run(["plan", "show", project])
    good = tmp_path / "good.yaml"
    good.write_text("# survey plan\ncell_m: 500\ncutoffs_ppm: [300]\n")
    out = _run(["plan", "set", project, good])
    assert "plan source project" in out and "blocks 500 m" in out
    shown = json.loads(runner.invoke(app, ["plan", "show", str(project), "--json"]).stdout)
    assert shown["source"] == "project" and shown["plan"]["cutoffs_ppm"] == [300.0]
    assert shown["text"].startswith("# survey plan")
    bad = tmp_path / "bad.yaml"
    bad.write_text("cell_m: 500\nsmu_thickness_m: 50\n")
    out = _run(["plan", "set", project, bad], code=2)
    assert "smu_thickness_m must be > 0 and no thicker than the window" in out and "keeps its previous plan" in out
    assert json.loads(runner.invoke(app, ["plan", "show", str(project), "--json"]).stdout)["plan"]["cell_m"] == 500
    _run(["plan", "set", project, tmp_path / "missing.yaml"], code=2)
    assert "removed the plan" in _run(["plan", "clear", project])
    assert "no plan stored" in _run(["plan", "clear", project])
    _run(["plan", "show", tmp_path / "nope.duckdb"], code=2)
