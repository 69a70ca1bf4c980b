"""CLI: supply, production, scenario, reference show|export (CliRunner on the main app)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from reymud.cli.main import app
from reymud.supply import example_scenario

runner = CliRunner()


@pytest.fixture
def project(tmp_path, blocks):
    from reymud.store import Project

    path = tmp_path / "p.duckdb"
    proj = Project.init(path)
    proj.save_frame("blocks", blocks)
    proj.save_frame("element_resource", _resource_frame())
    proj.close()
    return path


def _resource_frame():
    import pandas as pd

    return pd.DataFrame({"element": ["Nd", "Dy", "Y"], "oxide": ["Nd2O3", "Dy2O3", "Y2O3"],
                         "contained_oxide_t": [67_000.0, 2_440.0, 15_500.0], "p10": [50_000.0, 2_000.0, 12_000.0],
                         "p50": [67_000.0, 2_440.0, 15_500.0], "p90": [80_000.0, 3_000.0, 19_000.0]})


def test_supply_from_typed_in_resource(tmp_path):
    f = tmp_path / "res.csv"
    f.write_text("element,contained_oxide_t\nDy,24400\nEu,1100\n")
    out = tmp_path / "table.csv"
    r = runner.invoke(app, ["supply", "--resource", str(f), "--date", "2026-11-24", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "69.4" in r.output and "5,072" in r.output and "global supply proxy 2025" in r.output
    import pandas as pd

    t = pd.read_csv(out).set_index("element")
    assert t.at["Dy", "years_global"] == pytest.approx(10.0)
    assert t.at["Eu", "control_status"].startswith("in force unless extended")
    # stage shares per element; risk indices not computed without sourced WGI / trade inputs
    assert t.at["Dy", "china_separation_share_pct"] == pytest.approx(99.9)
    assert t.at["Dy", "china_mining_share_pct"] < t.at["Dy", "china_separation_share_pct"]
    assert t["eu_sr"].isna().all() and t["eu_sr_status"].str.contains("no sourced wgi_score for Other").all()
    assert t["eu_sr_status"].str.contains("trade_factor for China").all()
    assert t["geopolrisk_status"].str.startswith("bounded").all()
    assert (t["geopolrisk_japan_low"] < t["geopolrisk_japan_high"]).all()
    assert "WGI scores" in r.output and "EPRS" in r.output  # every index input printed with its source
    r = runner.invoke(app, ["supply", "--resource", str(f), "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert {row["element"] for row in body["rows"]} == {"Dy", "Eu"}
    assert body["rows"][0]["eu_sr"] is None and any("not computed" in n for n in body["notes"])
    sens = {row["element"]: row for row in body["japan_split_sensitivity"]}
    assert sens["Dy"]["years_japan_x2"] == pytest.approx(sens["Dy"]["years_japan"] / 2)
    assert any("oxide equivalents" in n for n in body["notes"])
    assert sens["Dy"]["years_japan_alt"] > sens["Dy"]["years_japan"]  # world mix understates Japan's Dy
    assert any(n.startswith("GeoPolRisk stability scores g_i: package:supply_wgi_2024_update") for n in body["notes"])


def test_supply_from_project(project):
    r = runner.invoke(app, ["supply", str(project), "--price-year", "2024", "--scenario", "japan_hree_cut"])
    assert r.exit_code == 0, r.output
    assert "Supply security per element" in r.output and "Dy" in r.output
    assert "Scenario:" in r.output and "DERIVED" in r.output


def test_supply_errors_are_clean(tmp_path):
    r = runner.invoke(app, ["supply"])
    assert r.exit_code == 2 and "give a PROJECT or --resource" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("element,contained_oxide_t\nQq,1\n")
    r = runner.invoke(app, ["supply", "--resource", str(bad)])
    assert r.exit_code == 1 and "unknown element" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["supply", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 2


def test_production_command(project, tmp_path):
    out = tmp_path / "sched.csv"
    r = runner.invoke(app, ["production", str(project), "--preset", "commercial", "--rate", "20000",
                            "--order", "shallowest", "--draws", "500", "--years", "5", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "Monte Carlo (500 draws" in r.output and "Tornado" in r.output and "UNVERIFIED" in r.output
    assert "ev_traction_motor_dy_gbd" in r.output and "End-use equivalents" in r.output
    assert out.exists()
    assert "Process parameters" in r.output and "Lifting from 5,700 m" in r.output and "break-even opex" in r.output
    r = runner.invoke(app, ["production", str(project), "--order", "random", "--draws", "0"])
    assert r.exit_code == 1 and "block_order" in r.output
    r = runner.invoke(app, ["production", str(project), "--order", "nearest", "--draws", "0", "--json",
                            "--depth", "6000", "--availability", "0.9", "--weather-days", "40"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert body["lifting"]["operating_days_per_year"] == pytest.approx(325 * 0.9)
    params = {p["parameter"]: p for p in body["process_parameters"]}
    assert params["block_order"]["value"] == "nearest"
    assert float(params["operating_days_per_year"]["value"]) == pytest.approx(325 * 0.9)
    assert {p["parameter"] for p in body["lifting_parameters"]} >= {"water_depth_m", "pump_efficiency"}
    assert "break_even_opex_note" in body["economics"] and body["schedule"]
    r = runner.invoke(app, ["production", str(project), "--start", "nope", "--draws", "0"])
    assert r.exit_code == 2 and "--start" in r.output


def test_scenario_command(project, tmp_path):
    r = runner.invoke(app, ["scenario", str(example_scenario()), "--project", str(project), "--draws", "200",
                            "--pooled"])
    assert r.exit_code == 0, r.output
    assert "months_covered" in r.output and "pooled_us_japan" in r.output
    assert "japan_no_deep_sea" in r.output and "side by side" in r.output
    r = runner.invoke(app, ["scenario", "japan_hree_cut", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert {row["case"] for row in body["summary"]} == {"japan", "japan_no_deep_sea"}
    dy = {row["case"]: row for row in body["summary"] if row["element"] == "Dy"}
    assert dy["japan"]["total_unmet_t"] < dy["japan_no_deep_sea"]["total_unmet_t"]
    assert any("months_covered = " in n for n in body["notes"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("start: 2027-01-01\nrestriction: {share_cut: 2, start: 2027-01-01, duration_months: 3}\n")
    r = runner.invoke(app, ["scenario", str(bad)])
    assert r.exit_code == 1 and "restriction.share_cut" in r.output


def test_reference_show_and_export(tmp_path):
    ov = tmp_path / "ov.yaml"
    ov.write_text("values:\n  japan_demand_t: {Nd: 5000}\n")
    r = runner.invoke(app, ["reference", "show", "--overrides", str(ov), "--item", "japan_demand_t"])
    assert r.exit_code == 0, r.output
    assert "override:ov.yaml" in r.output and "ASSUMPTION" in r.output
    r = runner.invoke(app, ["reference", "export", "--out", str(tmp_path / "ref"), "--overrides", str(ov)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "ref" / "values_in_force.csv").exists()
    assert (tmp_path / "ref" / "usgs_mcs2026_prices_usd_per_kg.csv").read_text().startswith("# source:")
