"""`reymud cores`: the layer table uses the plan's sample support (midpoint rule) unless told otherwise."""

import re

import pytest
from typer.testing import CliRunner

from reymud.cli.main import app

runner = CliRunner(env={"COLUMNS": "240"})


@pytest.fixture
def project(small_demo):
    return small_demo


def _run(*args):
    result = runner.invoke(app, ["cores", *map(str, args)])
    return result.exit_code, re.sub(r"\s+", " ", result.output)


def test_default_is_the_midpoint_support_and_the_old_rule_stays_available(project, tmp_path):
    code, out = _run(project)
    assert code == 0 and "sample support (project): midpoint rule" in out and "gaps up to 1 m" in out
    code, old = _run(project, "--support", "sample")
    assert code == 0 and "sample support (project): sample rule" in old
    plan = tmp_path / "plan.yaml"
    plan.write_text("support_rule: sample\n")
    code, from_plan = _run(project, "--plan", plan)
    assert code == 0 and "sample support (--plan" in from_plan
    # the plan's support gives the same table as the option
    assert from_plan.split("sample support")[0] == old.split("sample support")[0]


def test_the_projects_stored_plan_sets_the_support(project, tmp_path):
    """Without --plan, `reymud cores` reads the project's plan like every estimation command."""
    from reymud.spatial.plan import store_plan
    from reymud.store import Project

    copy = tmp_path / "stored.duckdb"
    copy.write_bytes(project.read_bytes())
    with Project.open(copy) as proj:
        store_plan(proj, "support_rule: sample\n")
    code, stored = _run(copy)
    assert code == 0 and "sample support (project): sample rule" in stored
    code, forced = _run(copy, "--support", "midpoint")
    assert code == 0 and "sample support (project): midpoint rule" in forced
    code, out = _run(project, "--support", "spot")
    assert code == 2 and "use midpoint or sample" in out
