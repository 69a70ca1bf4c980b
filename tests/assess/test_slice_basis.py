"""A per-slice (SMU) cut-off plan: `reymud assess` states what `estimate --slices` + `resource` state.

One small survey (the demo generator at seed 7, 14 cores, 2 km blocks) carries a plan with
``cutoff_basis: slice`` (1 m selective mining units). The CLI steps (``estimate --slices 1``, then
``resource --grid block_model_3d --cutoff-basis slice --json``) and ``reymud assess`` (the CLI, which
runs :func:`reymud.assess.assess`; ``use_dask: false``, so no Dask cluster starts) must give one
statement; at cut-off 0 the per-SMU statement holds the column statement's tonnes.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from reymud.assess import AssessConfig, assess
from reymud.cli.main import app
from reymud.demo import demo_plan, demo_project

runner = CliRunner(env={"COLUMNS": "300"})
SLICE_PLAN = {"cell_m": 2000.0, "n_realizations": 4, "cutoff_basis": "slice", "smu_thickness_m": 1.0,
              "cutoffs_ppm": (0.0, 400.0)}
STATEMENT = ("area_km2", "dry_t", "total_rey_ppm", "treo_t")
KEY = ["cutoff", "class"]


def _ok(args) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def _json(args) -> dict:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """The project with the slice plan stored, the CLI statements and `reymud assess`'s outputs."""
    tmp = tmp_path_factory.mktemp("slice_basis")
    project = tmp / "survey.duckdb"
    demo_project(project, seed=7, n_cores=14).close()
    plan = demo_plan().replace(**SLICE_PLAN)
    plan_file = tmp / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(json.loads(json.dumps(plan.to_dict()))))
    _ok(["plan", "set", project, plan_file])
    _ok(["estimate", project, "--slices", "1"])
    per_smu = _json(["resource", project, "--grid", "block_model_3d", "--cutoff-basis", "slice", "--json"])
    per_column = _json(["resource", project, "--grid", "block_model_2d", "--cutoff-basis", "column", "--json"])
    config = tmp / "run.yaml"
    config.write_text("use_dask: false\nstatus_date: '2026-11-24'\nmax_display_cells: 2000\n")
    out = tmp / "assess"
    printed = _ok(["assess", project, "--out", out, "--config", config])
    return {"project": project, "plan": plan, "slice": per_smu, "column": per_column, "printed": printed,
            "out": out, "results": json.loads((out / "results.json").read_text()), "tmp": tmp}


def _table(rows) -> pd.DataFrame:
    return pd.DataFrame(rows).set_index(KEY).sort_index()


def test_assess_states_the_per_smu_resource_of_the_cli_steps(run):
    cli, api = _table(run["slice"]["resource"]), _table(run["results"]["resource"]["table"])
    assert sorted(api.index) == sorted(cli.index)
    assert set(cli.index.get_level_values("cutoff")) == {0.0, 400.0}
    everything = cli.xs("measured+indicated+inferred", level="class")
    assert (everything["dry_t"] > 0).all()
    for col in STATEMENT:
        pd.testing.assert_series_equal(api.loc[cli.index, col], cli[col], check_names=False, rtol=1e-6,
                                       obj=f"per-SMU {col}")
    assert run["slice"]["cutoff_basis"] == "slice 1 m"


def test_the_per_smu_statement_is_not_the_column_one_above_cutoff(run):
    """Same blocks and tonnes at cut-off 0 (within 1 %); at 400 ppm the SMU selection differs."""
    smu, column = _table(run["results"]["resource"]["table"]), _table(run["column"]["resource"])
    total = "measured+indicated+inferred"
    rows = [(0.0, total), (0.0, "unclassified")] if (0.0, "unclassified") in column.index else [(0.0, total)]
    for col in ("dry_t", "treo_t"):
        assert smu.loc[rows, col].sum() == pytest.approx(column.loc[rows, col].sum(), rel=0.01), col
    metal = {name: float((t.loc[rows, "dry_t"] * t.loc[rows, "total_rey_ppm"].fillna(0.0)).sum())
             for name, t in (("smu", smu), ("column", column))}
    assert metal["smu"] == pytest.approx(metal["column"], rel=0.01)  # contained REY (slices reconciled)
    assert smu.loc[(400.0, total), "dry_t"] != pytest.approx(column.loc[(400.0, total), "dry_t"], rel=1e-3)


def test_results_report_and_summary_state_the_basis(run):
    results = run["results"]
    basis = results["resource"]["cutoff_basis"]
    assert basis["kind"] == "slice" and basis["smu_thickness_m"] == 1.0
    sentence = "cut-off applied per 1 m slice (selective mining unit)"
    assert basis["statement"] == sentence
    assert results["plan"]["cutoff_basis"] == "slice"
    band = results["uncertainty"]["basis"]
    assert band.startswith("P10-P90 band computed per column; not per SMU")
    assert results["block_model"]["slices"]["n_slices"] == 10
    printed = " ".join(run["printed"].split())
    assert f"Cut-off basis: {sentence}" in printed and "P10-P90 band computed per column; not per SMU" in printed
    report = (run["out"] / "report.html").read_text(encoding="utf-8")
    assert f"Cut-off basis: {sentence}." in report and "P10-P90 band computed per column; not per SMU" in report


def test_the_band_compares_the_column_model_with_itself(run):
    """The kriged values beside the P10-P90 band (and the kriged-in-P25-P75 check) are the 2-D column
    model's totals, never the per-SMU statement's."""
    from reymud.resource.uncertainty import kriged_totals

    band = pd.DataFrame(run["results"]["uncertainty"]["table"])
    treo = band[(band["element"] == "TREO") & (band["resource_class"] == "all")].set_index("cutoff")["kriged"]
    with xr.open_dataset(run["out"] / "block_model_2d.nc") as ds:
        column = kriged_totals(ds.load(), [0.0, 400.0], run["results"]["resource"]["density_t_m3"])
    smu = _table(run["results"]["resource"]["table"])
    per_smu_400 = smu.loc[[(400.0, "measured+indicated+inferred")], "treo_t"].sum()
    if (400.0, "unclassified") in smu.index:
        per_smu_400 += smu.loc[(400.0, "unclassified"), "treo_t"]
    for cut, expected in zip(column["cutoff"], column["treo_t"], strict=True):
        assert treo.loc[cut] == pytest.approx(expected, rel=1e-9), cut
    assert treo.loc[400.0] != pytest.approx(per_smu_400, rel=1e-3)


def test_assess_writes_the_3d_model_beside_the_2d_one(run):
    with xr.open_dataset(run["out"] / "block_model_3d.nc") as ds3:
        assert ds3.sizes["depth_mbsf"] == 10 and float(ds3.attrs["slice_thickness_m"]) == 1.0
    assert (run["out"] / "block_model_2d.nc").is_file()


def test_an_smu_that_is_not_whole_slices_is_refused_before_any_stage(run, tmp_path):
    plan = run["plan"].replace(slice_m=0.4, smu_thickness_m=1.0)
    config = AssessConfig.from_plan(plan, use_dask=False)
    started = []
    with pytest.raises(ValueError, match=r"not a whole multiple of slice_m 0\.4 m"):
        assess(run["project"], tmp_path / "never", config, progress=lambda *a: started.append(a))
    assert not started and not (tmp_path / "never").exists()
