import json

import pytest
import xarray as xr
from typer.testing import CliRunner

from reymud.cli._common import resolve_record_path
from reymud.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from reymud.demo import demo_project

    path = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    with demo_project(path) as demo:
        demo.set_plan_text(None)  # these tests read the default plan (the demo project stores its survey's plan)
    return path


def _ok(args):
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def test_variogram_estimate_validate_simulate(project):
    from reymud.store import Project

    out = _ok(["variogram", project, "--variable", "total_rey_ppm", "--lags", "8"])
    assert "fitted model" in out and "SYNTHETIC" in out
    out = _ok(["variogram", project, "--variable", "total_rey_ppm", "--nscore", "--lags", "8"])
    with Project.open(project) as p:
        saved = p.load_json("variogram", "total_rey_ppm")
        assert saved["structures"][0]["kind"] == "spherical" and "total_rey_ppm_nscore" in p.list_json("variogram")
    out = _ok(["estimate", project, "--cell", "3000"])
    assert "blocks inside" in out
    with Project.open(project) as p:
        reg = p.load_json("grid", "block_model_2d")
        ds = xr.open_dataset(resolve_record_path(reg["path"], p.artifact_dir))
    assert ds.attrs["synthetic"] == "true" and ds.attrs["cell_size_m"] == 3000.0
    assert ds["inside"].dtype == bool and ds["n_samples"].dtype.kind == "i"
    assert json.loads(ds.attrs["variogram"]) == {k: v for k, v in saved.items()
                                                 if k in ("nugget", "structures", "convention")}
    ds.close()
    out = _ok(["validate", project, "--folds", "3"])
    assert "leave-one-out" in out and "cell declustering" in out and "swath along northing" in out
    out = _ok(["simulate", project, "--realizations", "4", "--cell", "4000", "--workers", "0", "--seed", "1"])
    assert "P10 / P50 / P90" in out and "TREO" in out
    with Project.open(project) as p:
        real = xr.open_dataset(resolve_record_path(p.load_json("grid", "realizations")["path"], p.artifact_dir))
        assert real.sizes["realization"] == 4
        real.close()


def test_cli_errors(project, tmp_path):
    res = runner.invoke(app, ["estimate", str(tmp_path / "nope.duckdb")])
    assert res.exit_code == 2 and "not found" in res.output
    res = runner.invoke(app, ["estimate", str(project), "--window", "10-0"])
    assert res.exit_code == 2 and "deeper" in res.output
    res = runner.invoke(app, ["variogram", str(project), "--variable", "nonsense"])
    assert res.exit_code == 2 and "unknown variable" in res.output


@pytest.mark.parametrize("absolute", [False, True])
def test_relative_and_absolute_project_paths(tmp_path, monkeypatch, absolute):
    """``reymud estimate p.duckdb`` then ``reymud resource p.duckdb`` from the project's folder
    (the README's relative form) and with absolute paths both find the block model."""
    from reymud.demo import demo_project

    demo_project(tmp_path / "p.duckdb", n_cores=12).close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "400")
    arg = str(tmp_path / "p.duckdb") if absolute else "p.duckdb"
    _ok(["estimate", arg, "--cell", "5000"])
    out = _ok(["resource", arg])
    assert "block_model_2d.nc" in out and "p.duckdb.files/p.duckdb.files" not in out
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    _ok(["resource", str(tmp_path / "p.duckdb")])
    _ok(["resource", "../p.duckdb"])


def test_estimate_with_plan_and_area(tmp_path, monkeypatch):
    """``--plan`` + ``--area``: the plan is printed and stored, blocks are clipped to the box and
    the reported area equals the box's projected area (partial blocks count by their fraction)."""
    from reymud.resource import blocks_table
    from reymud.spatial.area import AreaOfInterest
    from reymud.spatial.plan import EstimationPlan
    from reymud.store import Project

    monkeypatch.setenv("COLUMNS", "300")
    project = tmp_path / "p.duckdb"
    from reymud.demo import demo_project

    demo_project(project, n_cores=15).close()
    (tmp_path / "plan.yaml").write_text("cell_m: 2000\ntrend: linear\n")
    box = "153.6,21.9,153.9,22.1"
    out = _ok(["estimate", project, "--plan", tmp_path / "plan.yaml", "--area", box])
    assert "trend             linear" in out and "lon/lat box" in out
    with Project.open(project) as p:
        reg = p.load_json("grid", "block_model_2d")
        ds = xr.open_dataset(resolve_record_path(reg["path"], p.artifact_dir)).load()
    plan = EstimationPlan.from_dict(reg["plan"])
    assert plan.area == box and plan.cell_m == 2000.0 and plan.trend == "linear"
    assert EstimationPlan.from_dict(json.loads(ds.attrs["plan"])) == plan
    assert "linear drift" in ds.attrs["estimator"]
    table = blocks_table(ds)
    aoi = AreaOfInterest.from_arg(box)
    assert table["area_m2"].sum() / 1e6 == pytest.approx(aoi.area_km2(ds.attrs["crs"]), rel=0.005)
    partial = table["area_m2"] < 2000.0**2
    assert partial.any()  # edge blocks count by their fraction inside
    assert table["dry_t"].sum() == pytest.approx((table["area_m2"] * table["thickness_m"] * table["density_t_m3"]).sum())
    out = _ok(["validate", project, "--plan", tmp_path / "plan.yaml", "--folds", "3"])
    assert "trend             linear" in out and "leave-one-out" in out
    res = runner.invoke(app, ["estimate", str(project), "--plan", str(tmp_path / "missing.yaml")])
    assert res.exit_code == 2 and "not found" in res.output
    (tmp_path / "bad.yaml").write_text("cel_m: 3\n")
    res = runner.invoke(app, ["estimate", str(project), "--plan", str(tmp_path / "bad.yaml")])
    assert res.exit_code == 2 and "cel_m" in res.output
