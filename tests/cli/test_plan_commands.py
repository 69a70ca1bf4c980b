"""Every estimation command takes ``--plan plan.yaml``: estimate, validate, simulate and resource."""

import json
import re

import pytest
from typer.testing import CliRunner

from reymud.cli.main import app

runner = CliRunner(env={"COLUMNS": "240"})


def _ok(args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return re.sub(r"\s+", " ", result.output)


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    from reymud.demo import demo_project

    root = tmp_path_factory.mktemp("plan")
    project = root / "p.duckdb"
    demo_project(project, seed=3, n_cores=10).close()
    plan = root / "plan.yaml"
    plan.write_text("cell_m: 4000\ncutoffs_ppm: [500, 1500]\nn_realizations: 3\nseed: 11\nmax_samples: 8\n")
    return project, plan


def test_estimate_validate_simulate_resource_follow_one_plan(planned):
    project, plan = planned
    out = _ok(["estimate", project, "--plan", plan])
    assert "blocks 4,000 m" in out and "500, 1500 ppm total REY" in out
    out = _ok(["validate", project, "--plan", plan, "--folds", "3"])
    assert "3-8 cores" in out and "leave-one-out" in out
    out = _ok(["simulate", project, "--plan", plan, "--workers", "0"])
    assert "3 realisations" in out and "seed 11" in out
    result = runner.invoke(app, ["simulate", str(project), "--plan", str(plan), "--workers", "0", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert sorted({r["cutoff"] for r in rows}) == [0.0, 500.0, 1500.0]  # the plan's, with 0 always reported
    out = _ok(["resource", project, "--plan", plan])
    assert "cut-off applied per column" in out and "Estimation plan" in out
    assert "cutoffs = 500, 1500" in out


def test_options_override_the_plan(planned):
    project, plan = planned
    out = _ok(["resource", project, "--plan", plan, "--cutoff", "700"])
    assert "cutoffs = 700" in out


def test_variogram_follows_the_plan_trend_and_kinds(planned, tmp_path):
    from reymud.store import Project

    project, _ = planned
    plan = tmp_path / "trend.yaml"
    plan.write_text("trend: linear\nvariogram_kinds: [exponential]\nn_lags: 6\n")
    out = _ok(["variogram", project, "--plan", plan, "--name", "resid"])
    assert "residuals of the plan's linear trend" in out
    with Project.open(project) as p:
        saved = p.load_json("variogram", "resid")
    assert saved["trend"] == "linear" and saved["structures"][0]["kind"] == "exponential"
    out = _ok(["variogram", project, "--plan", plan, "--kinds", "spherical", "--nscore", "--name", "ns"])
    assert "residuals" not in out  # normal scores: of the data (the simulation has no drift)
    with Project.open(project) as p:
        assert p.load_json("variogram", "ns")["trend"] == "none"
