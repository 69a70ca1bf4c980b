"""End to end: `reymud assess --demo` through the CLI, then the same run through the API.

Small demo (12 cores, 2 km cells, 20 realisations, in-process simulation) against the REAL
stages; the numbers are checked against independent recomputations from the stage outputs.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from reymud.assess import SAVED_FRAMES, AssessConfig, assess, strip_volatile, validate_results
from reymud.cli.main import app
from reymud.data import available, reference_path, source_of
from reymud.demo import demo_project
from reymud.store import Project

SEED = 20260202
SMALL = {"cell_m": 2000.0, "sim_cell_m": 2000.0, "n_realizations": 20, "use_dask": False,
         "status_date": "2026-11-24", "max_display_cells": 5000}
BM_VARS = ("thickness_m", "overburden_m", "total_rey_ppm", "La_ppm", "Y_ppm", "total_rey_ppm_variance",
           "thickness_m_variance", "n_samples", "mean_distance_m", "nearest_core_m", "n_cores_in_search",
           "slope_of_regression", "kriging_efficiency", "inside")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("assess")
    config = root / "small.yaml"
    config.write_text("\n".join(f"{k}: {json.dumps(v)}" for k, v in SMALL.items()) + "\n")
    cli_out = root / "cli"
    cli = CliRunner().invoke(app, ["assess", "--demo", "--out", str(cli_out), "--demo-cores", "12",
                                   "--config", str(config), "--seed", str(SEED)])
    api_project = demo_project(root / "api" / "demo.duckdb", seed=SEED, n_cores=12)
    # the API run resolves the same ONE plan the CLI does: the plan the demo project stores, then SMALL
    result = assess(api_project, root / "api_out", AssessConfig.for_project(api_project, config_file=config, seed=SEED))
    api_project.close()
    return {"cli": cli, "cli_out": cli_out, "result": result, "root": root}


def _cli_results(runs) -> dict:
    return json.loads((runs["cli_out"] / "results.json").read_text())


def test_cli_demo_writes_every_output_and_prints_tables(runs):
    cli = runs["cli"]
    assert cli.exit_code == 0, cli.output
    for name in ("report.html", "results.json", "block_model_2d.nc", "exceedance.nc", "demo.duckdb"):
        assert (runs["cli_out"] / name).is_file(), name
    for text in ("SYNTHETIC DEMO DATA", "Cores (first REY-rich layer", "Resource by cut-off", "Supply security",
                 "Trial production", "Report:"):
        assert text in cli.output, text


def test_results_json_follows_the_schema(runs):
    results = _cli_results(runs)
    validate_results(results)
    assert results["synthetic"] is True and results["data"]["n_cores"] == 12
    assert results["simulation"]["n_realizations"] == 20 and results["block_model"]["cell_size_m"] == 2000.0


def test_same_inputs_and_seed_reproduce_the_numbers(runs):
    assert strip_volatile(_cli_results(runs)) == strip_volatile(runs["result"].to_dict())


def test_project_keeps_the_artefacts(runs):
    with Project.open(runs["cli_out"] / "demo.duckdb") as project:
        assert set(SAVED_FRAMES) <= set(project.list_frames())
        assert project.load_json("assess", "latest") == _cli_results(runs)
        blocks = project.load_frame("blocks")
        assert len(blocks) == len(runs["result"]["blocks"])
        for name in ("block_model_2d.nc", "exceedance.nc"):
            assert (project.artifact_dir / name).is_file()


def test_block_model_netcdf_follows_the_contract(runs):
    ds = runs["result"].block_model
    with xr.open_dataset(runs["cli_out"] / "block_model_2d.nc") as nc:
        assert nc["total_rey_ppm"].dims == ("northing", "easting")
        assert set(BM_VARS) <= set(nc.data_vars)
        assert nc.attrs["Conventions"] == "CF-1.8" and nc.attrs["synthetic"] == "true"
        assert float(nc.attrs["cell_size_m"]) == 2000.0 and nc.attrs["crs"].startswith("EPSG:326")
        np.testing.assert_array_equal(nc["total_rey_ppm"].to_numpy(), ds["total_rey_ppm"].to_numpy())
    with xr.open_dataset(runs["cli_out"] / "exceedance.nc") as ex:
        p = ex["probability"].to_numpy()
        finite = p[np.isfinite(p)]
        assert finite.size and finite.min() >= 0.0 and finite.max() <= 1.0
        assert np.all(np.nan_to_num(p[0]) >= np.nan_to_num(p[1]))  # P(>400) >= P(>1000) in every block


def test_resource_table_equals_a_recount_of_the_blocks(runs):
    result = runs["result"]
    blocks, table = result["blocks"], result["resource_table"]
    resource = blocks[blocks["class"].isin(["measured", "indicated", "inferred"])]
    for cutoff in result.results["resource"]["cutoffs_ppm"]:
        row = table[(table["cutoff"] == cutoff) & (table["class"] == "measured+indicated+inferred")].iloc[0]
        above = resource[resource["total_rey_ppm"] >= cutoff]
        assert row["dry_t"] == pytest.approx(above["dry_t"].sum(), rel=1e-9)
        if len(above):
            grade = np.average(above["total_rey_ppm"], weights=above["dry_t"])
            assert row["total_rey_ppm"] == pytest.approx(grade, rel=1e-9)
    # dry tonnes of each block = area x thickness x density (kriged from measured cores, else the default)
    density = result.results["resource"]["density_t_m3"]
    block_density = blocks["density_t_m3"].to_numpy(float)
    assert np.isfinite(block_density).all() and ((block_density > 0.3) & (block_density < 0.9)).all()
    np.testing.assert_allclose(blocks["dry_t"], blocks["area_m2"] * blocks["thickness_m"] * block_density, rtol=1e-9)
    slab = result.results["resource"]["slab_check"]
    assert slab["dry_t"] == pytest.approx(slab["area_m2"] * slab["mean_thickness_m"] * density, rel=1e-9)
    assert slab["mean_grade_ppm"] == pytest.approx(result["window_points"]["total_rey_ppm"].mean())
    assert slab["block_model_treo_t"] == pytest.approx(result["grade_tonnage"]["treo_t"].iloc[0])


def test_qaqc_matches_the_raw_qc_rows_and_certified_values(runs):
    result = runs["result"]
    files = runs["root"] / "api" / "demo.duckdb.files" / "demo_input"
    certified = pd.read_csv(next(files.glob("*crm_values*.csv")), comment="#")
    with Project.open(runs["root"] / "api" / "demo.duckdb") as project:
        qc = project.qaqc()
    crm = pd.DataFrame(result.results["qaqc"]["crm"])
    la = crm[crm["analyte"] == "La"].iloc[0]
    raw = qc[(qc["qc_type"] == "crm") & (qc["analyte"] == "La")]["value"]
    cert = float(certified.loc[certified["analyte"] == "La", "certified_value"].iloc[0])
    assert la["mean"] == pytest.approx(raw.mean()) and la["certified"] == cert
    assert la["bias_pct"] == pytest.approx(100 * (raw.mean() - cert) / cert)
    blanks = pd.DataFrame(result.results["qaqc"]["blanks"]).set_index("analyte")
    raw_blank = qc[qc["qc_type"] == "blank"].groupby("analyte")["value"]
    pd.testing.assert_series_equal(blanks["n"].sort_index(), raw_blank.size().sort_index(), check_names=False)
    expected_max = raw_blank.max().sort_index()
    got_max = blanks["max"].astype(float).sort_index()
    np.testing.assert_array_equal(got_max.to_numpy(), expected_max.to_numpy())  # NaN where all censored
    assert result.results["qaqc"]["n_duplicate"] > 0 and result.results["qaqc"]["duplicates"]


def test_provenance_records_hashes_versions_seeds_and_sources(runs):
    prov = runs["result"].results["provenance"]
    files = runs["root"] / "api" / "demo.duckdb.files" / "demo_input"
    hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files.glob("*.csv")}
    recorded = {i["file_name"]: i["sha256"] for i in prov["inputs"]}
    assert recorded and all(hashes[name] == digest for name, digest in recorded.items())
    for lib in ("reymud", "numpy", "scipy", "pandas", "xarray", "gstools", "dask", "duckdb"):
        assert prov["software"][lib]
    assert prov["seeds"]["simulation"] == SEED and prov["seeds"]["demo_survey"] == SEED
    assert prov["parameters"]["assess"]["cell_m"] == 2000.0
    assert {n: source_of(reference_path(n)) for n in available()} == prov["reference_data"]
    assert set(prov["timestamps"]) >= {"started_at", "finished_at", "stage_seconds", "imports"}


def test_uncertainty_percentiles_are_ordered_and_feed_supply(runs):
    results = runs["result"].results
    for row in results["uncertainty"]["table"]:
        assert row["p10"] <= row["p50"] <= row["p90"]
    elements = {r["element"] for r in results["supply"]["summary"]}
    assert {"Nd", "Dy", "Tb", "Y"} <= elements
    handoff = pd.DataFrame(results["supply"]["element_resource"])
    assert results["supply"]["total_contained_oxide_t"] == pytest.approx(handoff["contained_oxide_t"].sum())
    assert results["production"]["schedule"] and results["scenario"]["results"]


def test_cli_errors_are_clean(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(app, ["assess", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "o")])
    text = " ".join(missing.output.split())
    assert missing.exit_code == 1 and "does not exist" in text and "Traceback" not in text
    bad = tmp_path / "bad.yaml"
    bad.write_text("cell_size: 3\n")
    wrong = runner.invoke(app, ["assess", "--demo", "--out", str(tmp_path / "o"), "--config", str(bad)])
    assert wrong.exit_code == 1 and "unknown parameter" in " ".join(wrong.output.split())


def test_assess_refuses_an_empty_project(tmp_path):
    project = Project.init(tmp_path / "empty.duckdb")
    with pytest.raises(ValueError, match="holds no samples"):
        assess(project, tmp_path / "out", AssessConfig(**SMALL))
    project.close()


def test_data_spacing_and_recovery_match_the_collars(runs):
    results, points = runs["result"].results, runs["result"]["window_points"]
    xy = points[["easting", "northing"]].to_numpy()
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(dist, np.inf)
    nearest = dist.min(axis=1)
    spacing = results["window"]["core_spacing_m"]
    assert spacing["min"] == pytest.approx(nearest.min()) and spacing["mean"] == pytest.approx(nearest.mean())
    with Project.open(runs["root"] / "api" / "demo.duckdb") as project:
        cores = project.cores()
    assert results["data"]["recovery_mean"] == pytest.approx(cores["recovery"].mean())


def test_rey_rich_domain_keeps_barren_cores_with_zero_thickness(tmp_path, runs):
    project = demo_project(tmp_path / "demo.duckdb", seed=SEED, n_cores=12)
    cfg = AssessConfig(seed=SEED, thickness_above_threshold=True, rey_threshold_ppm=1500.0, **SMALL)
    result = assess(project, tmp_path / "out", cfg, report=False)
    project.close()
    points = result["window_points"]
    barren = points["thickness_m"] == 0.0
    assert barren.any() and points.loc[barren, "total_rey_ppm"].isna().all()
    assert len(points) == 12  # no core dropped
    assert result.block_model.attrs["domain"] == "rey_rich"
    cv = result.results["cross_validation"]["summary"]
    assert {r["variable"]: r["n"] for r in cv} == {"total_rey_ppm": int((~barren).sum()), "thickness_m": 12}
    # REY-rich mud above 1,500 ppm is thinner than the whole 0-10 mbsf window
    assert result.results["block_model"]["means"]["thickness_m"] < runs["result"].results["block_model"]["means"][
        "thickness_m"]
