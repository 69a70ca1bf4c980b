"""One project, one plan, one answer: `reymud estimate` + `reymud resource` equal `reymud assess`.

The survey is the seeded generator at a seed and core count other than the demo's (14 cores,
seed 7), assessed on a small grid (2 km blocks) so the test stays fast.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from reymud.assess import AssessConfig, assess
from reymud.cli.main import app
from reymud.demo import demo_project
from reymud.spatial.plan import EstimationPlan

runner = CliRunner()
PLAN = {"cell_m": 2000.0, "n_realizations": 4}


def _ok(args):
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def test_cli_steps_and_assess_give_the_same_statement(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    project = tmp_path / "survey.duckdb"
    demo_project(project, seed=7, n_cores=14).close()
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text("".join(f"{k}: {v}\n" for k, v in PLAN.items()))
    out = _ok(["estimate", project, "--plan", plan_file])
    assert "default: convex hull of the cores + 2,000 m margin" in out
    _ok(["resource", project, "--out", tmp_path / "cli_table.csv"])
    cli = pd.read_csv(tmp_path / "cli_table.csv", comment="#")

    plan = EstimationPlan.from_yaml(plan_file)
    cfg = AssessConfig.from_plan(plan, use_dask=False, status_date="2026-11-24", max_display_cells=5000)
    with demo_project(tmp_path / "again.duckdb", seed=7, n_cores=14) as proj:
        result = assess(proj, tmp_path / "assess_out", cfg, report=False)
    api = result["resource_table"]
    stored = json.loads((tmp_path / "assess_out" / "results.json").read_text())["plan"]
    assert EstimationPlan.from_dict(stored) == plan
    diagnostics = result.results["variography"]["total_rey_ppm"]["diagnostics"]
    assert isinstance(diagnostics, list) and set(diagnostics) <= set(result.results["warnings"])

    key = ["cutoff", "class"]
    merged = cli.merge(api, on=key, suffixes=("_cli", "_api"))
    assert len(merged) == len(api) > 0
    for col in ("area_km2", "dry_t", "total_rey_ppm", "treo_t"):
        pd.testing.assert_series_equal(merged[f"{col}_cli"], merged[f"{col}_api"], check_names=False, rtol=1e-6)
    everything = merged[merged["class"] == "measured+indicated+inferred"]
    assert (everything["dry_t_cli"] > 0).all()
    hull_km2 = float(result.block_model["aoi_fraction"].sum()) * plan.cell_m**2 / 1e6
    assert result.results["block_model"]["area_inside_km2"] == pytest.approx(hull_km2)
    assert merged["dry_t_cli"].sum() == pytest.approx(merged["dry_t_api"].sum(), rel=1e-9)


@pytest.mark.parametrize("stored_plan", ["cleared", "trend"])
def test_2d_and_3d_models_of_one_window_agree_at_zero_cutoff(tmp_path, monkeypatch, stored_plan):
    """Same plan, same blocks: the 3-D model (1 m slices) totals the 2-D tonnage within 1 % at cut-off 0,
    unclassified blocks included as their own row (never dropped); with the defaults (plan cleared) and
    with the demo's stored plan (trend linear: every slice is universal kriging on residual variograms,
    as the 2-D model, then rescaled per block to the 2-D model's tonnage and metal, the plan's default
    slice_totals: column; kriged alone, each slice's own drift went below 0 ppm on part of the blocks
    and the clipped 3-D metal was +3.1 % above the 2-D)."""
    import xarray as xr

    from reymud.cli._common import resolve_record_path
    from reymud.resource import blocks_table, resource_table
    from reymud.store import Project

    monkeypatch.setenv("COLUMNS", "300")
    project = tmp_path / "survey.duckdb"
    demo_project(project, seed=7, n_cores=14).close()
    if stored_plan == "cleared":
        _ok(["plan", "clear", project])  # the defaults: ordinary kriging, no drift
    else:
        assert "trend" in _ok(["plan", "show", project]) and "linear" in _ok(["plan", "show", project])
    _ok(["estimate", project, "--cell", "2000", "--slices", "1"])
    out = _ok(["resource", project, "--grid", "block_model_3d"])
    assert "cut-off applied per 1 m slice (3-D model)" in out and "per 1 m slice (selective mining unit)" in out
    assert "cut-off applied per column" in _ok(["resource", project, "--grid", "block_model_2d"])
    totals, kriged = {}, {}
    with Project.open(project) as p:
        for name in ("block_model_2d", "block_model_3d"):
            path = resolve_record_path(p.load_json("grid", name)["path"], p.artifact_dir)
            with xr.open_dataset(path) as ds:
                table = resource_table(blocks_table(ds.load()), [0.0])
            rows = table[table["class"].isin(["measured+indicated+inferred", "unclassified"])]
            totals[name] = float(rows["dry_t"].sum()), float((rows["dry_t"] * rows["total_rey_ppm"].fillna(0)).sum())
            inside = ds["inside"].fillna(False).astype(bool).values
            accumulation = (ds["thickness_m"] * ds["total_rey_ppm"] * ds["aoi_fraction"]).values
            # the kriged grade x thickness before blocks_table clips negative estimates at 0
            kriged[name] = float(np.nansum(accumulation[..., inside] if accumulation.ndim == 3
                                           else accumulation[inside]))
        if stored_plan == "trend":
            path = resolve_record_path(p.load_json("grid", "block_model_3d")["path"], p.artifact_dir)
            with xr.open_dataset(path) as ds:
                assert "linear drift" in ds.attrs["estimator"]
                fits = json.loads(ds.attrs["slice_variogram_fits"])
            assert len(fits) == 10 and all("trend residuals" in f["total_rey_ppm"] for f in fits.values())
    t2, t3 = totals["block_model_2d"], totals["block_model_3d"]
    assert t3[0] == pytest.approx(t2[0], rel=0.01)
    assert kriged["block_model_3d"] == pytest.approx(kriged["block_model_2d"], rel=0.01)  # same estimator
    assert t3[1] == pytest.approx(t2[1], rel=0.01)  # contained REY


STATEMENT = ("dry_t", "total_rey_ppm", "treo_t", "area_km2")


def _in_process(monkeypatch):
    """Simulate in-process (identical realisations, AssessConfig.use_dask) so no Dask cluster starts."""
    import dataclasses

    import reymud.assess.run as run

    session = run.DaskSession
    monkeypatch.setattr(run, "DaskSession", lambda cfg: session(dataclasses.replace(cfg, use_dask=False)))


def _statements(tmp_path, project, monkeypatch) -> dict[str, pd.DataFrame]:
    """The resource statement of one project from every entry point, none given --plan."""
    estimate = _ok(["estimate", project])
    _ok(["resource", project, "--out", tmp_path / "cli.csv"])
    config = tmp_path / "run.yaml"
    config.write_text("use_dask: false\nstatus_date: '2026-11-24'\nmax_display_cells: 2000\n")
    assess_out = _ok(["assess", project, "--out", tmp_path / "cli_assess", "--config", config])
    _in_process(monkeypatch)
    result = assess(project, tmp_path / "api")  # config=None: the project's plan
    cli_assess = json.loads((tmp_path / "cli_assess" / "results.json").read_text())
    return {"estimate_output": estimate, "assess_output": assess_out, "api_result": result,
            "cli_assess_results": cli_assess,
            "resource": pd.read_csv(tmp_path / "cli.csv", comment="#"),
            "assess": pd.DataFrame(cli_assess["resource"]["table"]),
            "api": result["resource_table"]}


def _assert_one_answer(statements):
    key = ["cutoff", "class"]
    reference = statements["resource"].set_index(key)
    assert len(reference) > 0 and set(reference.index.get_level_values("cutoff")) == {400.0, 1000.0, 2000.0}
    assert (reference.xs("measured+indicated+inferred", level="class")["dry_t"] > 0).any()
    for name in ("assess", "api"):
        other = statements[name].set_index(key)
        assert sorted(other.index) == sorted(reference.index), name
        for col in STATEMENT:
            pd.testing.assert_series_equal(other.loc[reference.index, col], reference[col], check_names=False,
                                           rtol=1e-9, obj=f"{name} {col}")


def test_the_demo_project_without_plan_gives_one_answer_everywhere(tmp_path, monkeypatch):
    """No --plan anywhere: estimate + resource, assess (CLI) and assess(project, out) all use the plan the demo
    project stores (the survey's: Takaya box, linear trend, exponential) and state the same resource."""
    from reymud.demo import demo_plan

    monkeypatch.setenv("COLUMNS", "300")
    project = tmp_path / "demo.duckdb"
    demo_project(project, seed=7, n_cores=14).close()
    statements = _statements(tmp_path, project, monkeypatch)
    assert re.search(r"^plan source +project$", statements["estimate_output"], re.M)
    assert re.search(r"^plan source +project$", statements["assess_output"], re.M)
    stored = statements["cli_assess_results"]
    assert stored["plan_source"] == stored["provenance"]["plan_source"] == "project"
    assert statements["api_result"].results["plan_source"] == "project"
    assert EstimationPlan.from_dict(stored["plan"]) == demo_plan()
    _assert_one_answer(statements)


def test_a_project_without_a_stored_plan_gives_one_answer_with_the_defaults(tmp_path, monkeypatch):
    """A survey (demo generator, another seed) whose plan was cleared: every entry point uses the defaults."""
    monkeypatch.setenv("COLUMNS", "300")
    project = tmp_path / "survey.duckdb"
    demo_project(project, seed=11, n_cores=12).close()
    assert "removed the plan of" in _ok(["plan", "clear", project])
    assert "defaults" in _ok(["plan", "show", project])
    statements = _statements(tmp_path, project, monkeypatch)
    assert re.search(r"^plan source +defaults$", statements["estimate_output"], re.M)
    stored = statements["cli_assess_results"]
    assert stored["plan_source"] == "defaults" and statements["api_result"].results["plan_source"] == "defaults"
    assert EstimationPlan.from_dict(stored["plan"]) == EstimationPlan()
    _assert_one_answer(statements)


def test_simulate_with_a_trend_plan_ignores_the_saved_data_nscore_model(tmp_path, monkeypatch):
    """`reymud variogram --nscore` saves the data's normal-score model; under the stored plan's linear trend
    `reymud simulate` simulates residuals, so it says it does not use that model and fits the residuals'."""
    from reymud.store import Project

    monkeypatch.setenv("COLUMNS", "300")
    project = tmp_path / "survey.duckdb"
    demo_project(project, seed=7, n_cores=14).close()
    _ok(["variogram", project, "--variable", "total_rey_ppm", "--nscore", "--lags", "8"])
    args = ["simulate", project, "--realizations", "2", "--cell", "4000", "--workers", "0", "--seed", "1"]
    out = " ".join(_ok(args).split())
    assert "saved total_rey_ppm_nscore model (normal scores of the data) is not used" in out
    assert "linear trend is simulated" in out
    with Project.open(project) as p:
        saved = p.load_json("variogram", "total_rey_ppm_nscore")
    assert saved["nscore"] and saved["trend"] == "none"  # the data's scores, as the note says
    _ok(["plan", "clear", project])  # no trend: the saved model is used, without the note
    out = " ".join(_ok(args).split())
    assert "is not used" not in out and "P10 / P50 / P90" in out
