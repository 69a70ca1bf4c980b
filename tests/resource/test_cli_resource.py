"""`reymud resource` through the real typer app."""

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from reymud.cli.main import app
from reymud.store import Project

runner = CliRunner(env={"COLUMNS": "200"})


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_simple_reproduces_takaya_16_mt():
    result = runner.invoke(app, ["resource", "--simple", "2500", "10", "964", "0.55", "--oxide-factor", "1.2"])
    assert result.exit_code == 0, result.output
    out = _plain(result.output)
    assert "13,750,000,000" in out  # dry tonnes
    assert "15.91 Mt" in out
    assert "13,255,000" in out  # contained REY t


def test_simple_105_km2_at_1732_ppm_gives_1_2_mt():
    result = runner.invoke(app, ["resource", "--simple", "105", "10", "1732", "0.55", "--oxide-factor", "1.2"])
    assert result.exit_code == 0, result.output
    assert "1.20 Mt" in _plain(result.output)


def test_simple_bad_density_is_a_clean_error():
    result = runner.invoke(app, ["resource", "--simple", "2500", "10", "964", "550"])
    assert result.exit_code == 2
    assert "kg/m3" in result.output and "Traceback" not in result.output


def _write_model(small_model, path):
    small_model.to_netcdf(path)
    return path


def test_grid_file_prints_statement_and_assumptions(small_model, tmp_path):
    nc = _write_model(small_model, tmp_path / "bm.nc")
    csv = tmp_path / "table.csv"
    result = runner.invoke(app, ["resource", "--grid", str(nc), "--cutoff", "400,2000", "--out", str(csv)])
    assert result.exit_code == 0, result.output
    out = _plain(result.output)
    assert "M+I+Inf" in out and "Measured" in out
    assert "data for 6 of 6 blocks" in out
    assert "Stated assumptions" in out and "measured_min_slope" in out
    assert "SYNTHETIC" in out
    table = pd.read_csv(csv)
    row = table[(table["cutoff"] == 2000) & (table["class"] == "measured")].iloc[0]
    assert row["dry_t"] == pytest.approx(2 * 55_000)


def test_rules_file_and_density_override(small_model, tmp_path):
    nc = _write_model(small_model, tmp_path / "bm.nc")
    rules = tmp_path / "rules.yaml"
    rules.write_text("range_m: 1200\n")  # 500 m > 1200/3: nothing is measured, all indicated
    csv = tmp_path / "t.csv"
    nc = _write_model(small_model.drop_vars("density_t_m3"), tmp_path / "assumed.nc")
    result = runner.invoke(app, ["resource", "--grid", str(nc), "--rules", str(rules), "--density", "0.6",
                                 "--cutoff", "400", "--out", str(csv)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(csv).set_index("class")
    assert table.loc["measured", "dry_t"] == 0
    assert table.loc["indicated", "dry_t"] == pytest.approx(5 * 1e5 * 0.6)


def test_bad_options_exit_cleanly(small_model, tmp_path):
    nc = _write_model(small_model, tmp_path / "bm.nc")
    for args, code in ((["--grid", str(nc), "--cutoff", "abc"], 2), (["--grid", str(nc), "--by", "gold"], 2),
                       ([], 2), ([str(tmp_path / "missing.duckdb")], 1)):
        result = runner.invoke(app, ["resource", *args])
        assert result.exit_code == code, (args, result.output)
        assert "error" in result.output and "Traceback" not in result.output


def test_project_latest_grid(small_model, tmp_path):
    project_path = tmp_path / "p.duckdb"
    project = Project.init(project_path)
    nc = project.artifact_dir / "block_model_2d.nc"
    small_model.to_netcdf(nc)
    other = project.artifact_dir / "other.nc"
    small_model.assign(total_rey_ppm=small_model["total_rey_ppm"] * 0).to_netcdf(other)
    project.save_json("grid", "zz_old", {"path": str(other)})
    project.save_json("grid", "aa_new", {"path": "block_model_2d.nc"})  # relative to artifact_dir
    project.save_json("grid", "realizations", {"path": str(other), "kind": "realizations"})  # not a model
    project.close()
    result = runner.invoke(app, ["resource", str(project_path), "--cutoff", "2000"])
    assert result.exit_code == 0, result.output
    assert "block_model_2d.nc" in _plain(result.output).replace(" ", "")
    result = runner.invoke(app, ["resource", str(project_path), "--grid", "nope"])
    assert result.exit_code == 1 and "nope" in result.output
    result = runner.invoke(app, ["resource", str(project_path), "--grid", "realizations"])
    assert result.exit_code == 2 and "not a block model" in result.output


def test_full_config_file_and_missing_range(small_model, tmp_path):
    ds = small_model.drop_vars("density_t_m3")
    ds.attrs = {k: v for k, v in ds.attrs.items() if k != "variogram_range_m"}
    nc = _write_model(ds, tmp_path / "norange.nc")
    config = tmp_path / "resource.yaml"
    config.write_text("density_t_m3: 0.5\ncutoffs: [1000]\nclassification:\n  measured_min_cores: 5\n")
    csv = tmp_path / "t.csv"
    result = runner.invoke(app, ["resource", "--grid", str(nc), "--rules", str(config), "--out", str(csv)])
    assert result.exit_code == 0, result.output
    assert "all blocks unclassified" in _plain(result.output) and "range_m" in result.output
    table = pd.read_csv(csv).set_index("class")
    assert list(table["cutoff"].unique()) == [1000]
    assert table.loc["unclassified", "dry_t"] == pytest.approx(4 * 1e5 * 0.5)
    config.write_text("densty: 0.5\n")
    result = runner.invoke(app, ["resource", "--grid", str(nc), "--rules", str(config)])
    assert result.exit_code == 2 and "densty" in result.output


@pytest.fixture(scope="module")
def sliced_project(tmp_path_factory):
    """A small demo project with a 2-D model and a 3-D model of 0.5 m slices (2 km blocks)."""
    from reymud.demo import demo_project

    path = tmp_path_factory.mktemp("sliced") / "survey.duckdb"
    with demo_project(path, seed=7, n_cores=14) as project:
        project.set_plan_text(None)  # the defaults (the trend-plan 2-D/3-D check: tests/e2e/test_one_plan.py)
    result = runner.invoke(app, ["estimate", str(path), "--cell", "2000", "--slices", "0.5"])
    assert result.exit_code == 0, result.output
    return path


def _statement(path, tmp_path, *args):
    csv = tmp_path / f"table{len(list(tmp_path.iterdir()))}.csv"
    result = runner.invoke(app, ["resource", str(path), "--out", str(csv), *args])
    assert result.exit_code == 0, result.output
    return _plain(result.output), pd.read_csv(csv)


def _total(table, cut):
    rows = table[(table["cutoff"] == cut) & table["class"].isin(["measured+indicated+inferred", "unclassified"])]
    return rows["dry_t"].sum(), (rows["dry_t"] * rows["total_rey_ppm"].fillna(0)).sum()


def test_cutoff_per_column_or_per_slice_from_the_plan_or_the_option(sliced_project, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("cutoff_basis: slice\nsmu_thickness_m: 1.0\ncutoffs_ppm: [0, 1000]\n")
    out_slice, slice_table = _statement(sliced_project, tmp_path, "--plan", str(plan))
    assert "cut-off applied per 1 m slice (3-D model), merged from 0.5 m slices: each slice is a selective " \
        "mining unit" in out_slice
    assert set(slice_table["cutoff_basis"]) == {"slice 1 m"} and set(slice_table["cutoff"]) == {0, 1000}
    out_col, col_table = _statement(sliced_project, tmp_path, "--cutoff-basis", "column", "--cutoff", "0,1000")
    assert "cut-off applied per column" in out_col and set(col_table["cutoff_basis"]) == {"column"}
    # 2-D and 3-D of the same window and plan agree at zero cut-off within 1 % (tonnes and contained REY)
    (t2, m2), (t3, m3) = _total(col_table, 0), _total(slice_table, 0)
    assert t3 == pytest.approx(t2, rel=0.01) and m3 == pytest.approx(m2, rel=0.01)
    # merging the 0.5 m slices into 1 m SMUs keeps tonnage and metal at cut-off 0 and changes the selection
    _, half = _statement(sliced_project, tmp_path, "--cutoff", "0,1000", "--plan", str(_half(tmp_path)))
    assert _total(half, 0) == pytest.approx(_total(slice_table, 0), rel=1e-9)
    assert _total(half, 1000)[0] != pytest.approx(_total(slice_table, 1000)[0], rel=1e-6)


def _half(tmp_path):
    path = tmp_path / "half.yaml"
    path.write_text("cutoff_basis: slice\nsmu_thickness_m: 0.5\n")
    return path


def test_cutoff_basis_errors_are_clean(sliced_project, tmp_path, small_model):
    bad = runner.invoke(app, ["resource", str(sliced_project), "--cutoff-basis", "bench"])
    assert bad.exit_code == 2 and "use column or slice" in bad.output
    thin = tmp_path / "thin.yaml"
    thin.write_text("cutoff_basis: slice\nsmu_thickness_m: 0.7\n")
    bad = runner.invoke(app, ["resource", str(sliced_project), "--plan", str(thin)])
    assert bad.exit_code == 2 and "not a whole number" in _plain(bad.output)
    nc = _write_model(small_model, tmp_path / "bm.nc")  # a 2-D model cannot take a per-slice cut-off
    bad = runner.invoke(app, ["resource", "--grid", str(nc), "--cutoff-basis", "slice"])
    assert bad.exit_code == 2 and "2-D block model" in _plain(bad.output)
    from reymud.demo import demo_project

    flat = tmp_path / "flat.duckdb"
    demo_project(flat, seed=7, n_cores=6).close()
    assert runner.invoke(app, ["estimate", str(flat), "--cell", "4000"]).exit_code == 0
    bad = runner.invoke(app, ["resource", str(flat), "--cutoff-basis", "slice"])
    assert bad.exit_code == 2 and "--slices 1" in _plain(bad.output)
