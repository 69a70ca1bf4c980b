"""Three surveys reymud did not make, run through the documented CLI as a new user would, against hand values.

Each survey is written by this file with numpy/pandas as the files a laboratory sends, and its truth is
computed here from the generating model, not from reymud's output:

- A: central Pacific (11.8 N, 152.6 W: negative longitudes), 25 cores on an irregular cluster, contiguous
  25 cm samples with depths in cm, La/Ce/Nd/Y reported as oxide wt % and the other REY in ppm, a collar file
  with its own column names (mapping YAML), a constant 2,000 ppm layer from 2.5 to 4.5 mbsf in 250 ppm clay,
  a GeoJSON lease polygon, density 0.62 t/m3 given on the command line.
- B: South Pacific (12.3 S: southern UTM zone), 2 cm spot samples at the centre of every metre, an Excel
  workbook with an ICP-MS sheet and a QA/QC sheet (duplicates, a CRM), two cores without a collar, a measured
  dry bulk density of 0.48 g/cm3 on every sample, a lon/lat box.
- C: 60 cores over 100 km x 40 km near 20 N 175 E, total REY linear in longitude from 300 to 1,500 ppm with 2 %
  scatter per core; plan with a linear trend. Its truth at cut-off c: the area east of the longitude where
  the trend reaches c, at the mean grade (c + 1,500) / 2 (the area of a lon/lat box is linear in longitude).

Hand areas are geodesic (pyproj.Geod on WGS84); reymud works in UTM, whose scale factor (0.9996-1.0004 here)
bounds the agreement at 0.1 %. Tests marked xfail(strict) are discrepancies found by this run (reasons inline).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from typer.testing import CliRunner

from reymud.cli.main import app
from reymud.store import Project

runner = CliRunner()
REY = ("La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y")
PATTERN = dict(zip(REY, (180, 110, 40, 170, 38, 9, 42, 7, 40, 9, 25, 3.5, 22, 3.5, 301), strict=True))  # /1000
ATOMIC = dict(zip(REY, (138.90547, 140.116, 140.90766, 144.242, 150.36, 151.964, 157.25, 158.92535, 162.5,
                        164.93033, 167.259, 168.93422, 173.045, 174.9668, 88.90584), strict=True))
FORMULA = {el: (2, 3) for el in REY} | {"Ce": (1, 2), "Pr": (6, 11), "Tb": (4, 7)}  # CeO2, Pr6O11, Tb4O7
OXIDE = {el: f"{el}2O3" for el in REY} | {"Ce": "CeO2", "Pr": "Pr6O11", "Tb": "Tb4O7"}


def oxide_factor(el: str) -> float:
    """Oxide / element mass ratio from IUPAC atomic weights (O = 15.999)."""
    n, m = FORMULA[el]
    return (n * ATOMIC[el] + m * 15.999) / (n * ATOMIC[el])


TREO_PER_REY = sum(PATTERN[el] * oxide_factor(el) for el in REY) / 1000.0  # 1.20404 for this pattern
TOTAL = "measured+indicated+inferred"


def geodesic_km2(ring) -> float:
    """Area of a lon/lat ring on the WGS84 ellipsoid, km2."""
    lon, lat = zip(*ring, strict=True)
    return abs(Geod(ellps="WGS84").polygon_area_perimeter(lon, lat)[0]) / 1e6


def box_ring(b):
    return [(b[0], b[1]), (b[2], b[1]), (b[2], b[3]), (b[0], b[3]), (b[0], b[1])]


def elements(total: float) -> dict[str, float]:
    return {el: total * PATTERN[el] / 1000.0 for el in REY}


@pytest.fixture(scope="module", autouse=True)
def _wide_console():
    """Whole table rows in the captured CLI output (rich folds at 80 columns)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "300")
        yield


def run(*args, ok=True):
    res = runner.invoke(app, [str(a) for a in args])
    if ok:
        assert res.exit_code == 0, res.output
    return res


def run_json(*args) -> dict:
    return json.loads(run(*args, "--json").stdout)


def statement(rows, cutoff) -> dict:
    """Every block inside the area at one cut-off: the classified total plus the unclassified row."""
    sel = [r for r in rows if r["cutoff"] == cutoff and r["class"] in (TOTAL, "unclassified")]
    t = sum(r["dry_t"] for r in sel)
    rey = sum(r["dry_t"] * (r["total_rey_ppm"] or 0.0) * 1e-6 for r in sel)
    return {"area_km2": sum(r["area_km2"] for r in sel), "dry_t": t, "grade_ppm": rey / t * 1e6 if t else None,
            "rey_t": rey, "treo_t": sum(r["treo_t"] for r in sel)}


def quick_config(folder, **extra):
    path = folder / "run.yaml"
    path.write_text("use_dask: false\nstatus_date: '2026-11-24'\nmax_display_cells: 2000\n"
                    + "".join(f"{k}: {v}\n" for k, v in extra.items()))
    return path


# ----------------------------------------------------------------------------------------------- survey A
A_POLYGON = [(-152.74, 11.70), (-152.48, 11.68), (-152.42, 11.84), (-152.55, 11.93), (-152.75, 11.86),
             (-152.74, 11.70)]
A_TOP, A_BASE, A_LAYER, A_CLAY, A_DENSITY = 2.5, 4.5, 2000.0, 250.0, 0.62
A_WINDOW_PPM = ((A_BASE - A_TOP) * A_LAYER + (10 - (A_BASE - A_TOP)) * A_CLAY) / 10  # 600 ppm over 0-10 mbsf


@pytest.fixture(scope="module")
def survey_a(tmp_path_factory):
    folder = tmp_path_factory.mktemp("survey_a")
    rng = np.random.default_rng(31)
    lon = -152.6 + np.concatenate([rng.normal(-0.08, 0.05, 10), rng.normal(0.07, 0.04, 9), rng.uniform(-.2, .2, 6)])
    lat = 11.8 + np.concatenate([rng.normal(-0.04, 0.04, 10), rng.normal(0.05, 0.03, 9), rng.uniform(-.15, .15, 6)])
    length = rng.choice([10.0, 10.5, 11.25, 12.0], 25)  # every core reaches 10 mbsf; the window clips it
    stations = [f"KM26-{i + 1:02d}PC" for i in range(25)]
    pd.DataFrame({"Station": stations, "Lat": lat.round(5), "Lon": lon.round(5),
                  "WD (m)": rng.uniform(5100, 5400, 25).round(0), "Recovered (m)": length}
                 ).to_csv(folder / "stations.csv", index=False)
    rows = []
    for st, ln in zip(stations, length, strict=True):
        for top in np.arange(0.0, ln, 0.25):
            grade = A_LAYER if A_TOP <= top < A_BASE else A_CLAY
            row = {"Lab No.": f"L{len(rows) + 10001}", "Station": st, "From (cm)": round(top * 100),
                   "To (cm)": round(top * 100 + 25)}
            for el, ppm in elements(grade).items():
                if el in ("La", "Ce", "Nd", "Y"):
                    row[f"{OXIDE[el]} (wt%)"] = round(ppm * oxide_factor(el) / 1e4, 7)
                else:
                    row[f"{el} (ppm)"] = round(ppm, 4)
            rows.append(row | {"SiO2 (wt%)": 55.1, "Al2O3 (wt%)": 15.4})
    pd.DataFrame(rows).to_csv(folder / "lab.csv", index=False)
    (folder / "lease.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "lease A"},
         "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in A_POLYGON]]}}]}))
    (folder / "mapping.yaml").write_text('columns:\n  "Lab No.": sample_id\n  "Station": core_id\n')
    (folder / "plan.yaml").write_text("cell_m: 2000\ncutoffs_ppm: [0, 1900]\nn_realizations: 4\n"
                                      "sim_cell_m: 4000\ncv_folds: 4\n")
    project = folder / "a.duckdb"
    run("init", project)
    run("ingest", project, folder / "lab.csv", "--collars", folder / "stations.csv",
        "--mapping", folder / "mapping.yaml")
    run("plan", "set", project, folder / "plan.yaml")
    run("estimate", project, "--area", folder / "lease.geojson")
    return {"folder": folder, "project": project, "n_samples": len(rows), "area_km2": geodesic_km2(A_POLYGON)}


def test_a_oxide_wt_pct_and_cm_depths_become_ppm_and_mbsf(survey_a):
    samples = pd.DataFrame(run_json("samples", survey_a["project"], "--limit", "0")["samples"])
    assert len(samples) == survey_a["n_samples"]
    assert samples["top_mbsf"].min() == 0.0 and set(np.round(samples["bottom_mbsf"] - samples["top_mbsf"], 9)) == {.25}
    inside = (samples["top_mbsf"] >= A_TOP) & (samples["top_mbsf"] < A_BASE)
    np.testing.assert_allclose(samples.loc[inside, "total_rey_ppm"], A_LAYER, rtol=1e-4)
    np.testing.assert_allclose(samples.loc[~inside, "total_rey_ppm"], A_CLAY, rtol=1e-4)
    cores = pd.DataFrame(run_json("cores", survey_a["project"])["cores"])
    assert len(cores) == 25 and (cores["longitude"] < -152).all() and (cores["n_layers"] == 1).all()
    np.testing.assert_allclose(cores[["layer_top_mbsf", "layer_base_mbsf", "layer_thickness_m"]],
                               np.tile([A_TOP, A_BASE, A_BASE - A_TOP], (25, 1)), atol=1e-9)
    np.testing.assert_allclose(cores["mean_total_rey_ppm"], A_LAYER, rtol=1e-4)
    np.testing.assert_allclose(cores["window_total_rey_ppm"], A_WINDOW_PPM, rtol=1e-4)
    assert run_json("plan", "show", survey_a["project"])["source"] == "project"


def test_a_resource_over_the_lease_polygon_matches_the_hand_slab(survey_a):
    out = run_json("resource", survey_a["project"], "--density", A_DENSITY, "--cutoff", "0,1900")
    area = survey_a["area_km2"]
    dry_t = area * 1e6 * 10.0 * A_DENSITY
    got = statement(out["resource"], 0.0)
    assert got["area_km2"] == pytest.approx(area, rel=1e-3)
    assert got["dry_t"] == pytest.approx(dry_t, rel=1e-3)
    assert got["grade_ppm"] == pytest.approx(A_WINDOW_PPM, rel=1e-4)
    assert got["rey_t"] == pytest.approx(dry_t * A_WINDOW_PPM * 1e-6, rel=1e-3)
    assert got["treo_t"] == pytest.approx(dry_t * A_WINDOW_PPM * 1e-6 * TREO_PER_REY, rel=1e-3)
    # no 0-10 mbsf column reaches the layer's grade: the per-column cut-off keeps nothing
    assert statement(out["resource"], 1900.0)["dry_t"] == 0.0
    assert "given" in out["density_source"]
    # --simple is the same slab by hand (REO with this pattern's oxide factor)
    simple = " ".join(run("resource", "--simple", area, 10, A_WINDOW_PPM, A_DENSITY,
                          "--oxide-factor", TREO_PER_REY).stdout.split())
    number = r" \S+ ([\d,]+)"
    assert float(re.search("dry tonnes" + number, simple).group(1).replace(",", "")) == pytest.approx(dry_t, rel=1e-6)
    reo = float(re.search("contained REO" + number, simple).group(1).replace(",", ""))
    assert reo == pytest.approx(dry_t * A_WINDOW_PPM * 1e-6 * TREO_PER_REY, rel=1e-5)


def test_a_simple_slab_gives_json_for_scripts():
    res = run("resource", "--simple", 100, 10, 1000, 0.5, "--json")
    assert json.loads(res.stdout)


def test_a_one_metre_slices_see_the_layer(survey_a):
    """3-D model, 1 m SMU: slices 2-3 and 4-5 m are half layer (1,125 ppm), 3-4 m is all layer (2,000 ppm)."""
    run("estimate", survey_a["project"], "--area", survey_a["folder"] / "lease.geojson", "--slices", "1")
    out = run_json("resource", survey_a["project"], "--density", A_DENSITY, "--cutoff", "0,1000,1900",
                   "--cutoff-basis", "slice")
    assert out["cutoff_basis"].startswith("slice")
    column_t = survey_a["area_km2"] * 1e6 * A_DENSITY  # dry t per metre of mud over the lease
    half = (A_LAYER + A_CLAY) / 2
    for cutoff, metres, grade in ((0.0, 10, A_WINDOW_PPM), (1000.0, 3, (2 * half + A_LAYER) / 3),
                                  (1900.0, 1, A_LAYER)):
        got = statement(out["resource"], cutoff)
        assert got["dry_t"] == pytest.approx(metres * column_t, rel=1e-3), cutoff
        assert got["grade_ppm"] == pytest.approx(grade, rel=1e-4), cutoff
    run("estimate", survey_a["project"], "--area", survey_a["folder"] / "lease.geojson")  # back to 2-D latest


def test_a_stated_density_basis_follows_the_given_value(survey_a):
    out = run_json("resource", survey_a["project"], "--density", A_DENSITY, "--cutoff", "0")
    row = next(a for a in out["assumptions"] if a["parameter"] == "density_t_m3")
    assert float(row["value"]) == A_DENSITY and "given" in out["density_source"]
    assert "Takaya" not in row["basis"]


def test_a_simulation_of_a_constant_layer_is_that_constant(survey_a):
    out = run_json("simulate", survey_a["project"], "--workers", "0", "--realizations", "3",
                   "--area", survey_a["folder"] / "lease.geojson", "--cutoffs", "0")
    rey = next(r for r in out["rows"] if r["cutoff"] == 0 and r["element"] == "REY" and r["resource_class"] == "all")
    hand = survey_a["area_km2"] * 1e6 * 10.0 * 0.55 * A_WINDOW_PPM * 1e-6  # simulate: the stated default density
    for q in ("p10", "p50", "p90", "kriged"):
        assert rey[q] == pytest.approx(hand, rel=1e-3), q


def test_a_assess_of_a_constant_layer_gives_the_cli_statement(survey_a):
    folder = survey_a["folder"]
    cfg = quick_config(folder, density_t_m3=A_DENSITY)
    run("assess", survey_a["project"], "--out", folder / "out", "--config", cfg, "--area", folder / "lease.geojson")
    results = json.loads((folder / "out" / "results.json").read_text())
    cli = run_json("resource", survey_a["project"], "--density", A_DENSITY)
    assert statement(results["resource"]["table"], 0.0) == pytest.approx(statement(cli["resource"], 0.0), rel=1e-9)


# ----------------------------------------------------------------------------------------------- survey B
B_BOX = (-125.05, -12.45, -124.80, -12.25)
B_METRES = np.array([300, 300, 300, 1500, 1500, 1500, 300, 300, 300, 300], float)  # total REY per metre
B_DENSITY, B_UNPOSITIONED = 0.48, ("CB-15", "CB-16")


@pytest.fixture(scope="module")
def survey_b(tmp_path_factory):
    folder = tmp_path_factory.mktemp("survey_b")
    rng = np.random.default_rng(57)
    cores = [f"CB-{i + 1:02d}" for i in range(16)]
    pd.DataFrame({"core_id": cores, "latitude": rng.uniform(-12.47, -12.23, 16).round(5),
                  "longitude": rng.uniform(-125.07, -124.78, 16).round(5), "water_depth_m": 4900.0,
                  "core_length_m": 10.0}).query("core_id not in @B_UNPOSITIONED").to_csv(folder / "collars.csv",
                                                                                          index=False)
    rows = [{"Sample": f"{c}-{k:02d}", "Core": c, "Top (m)": k + 0.49, "Bottom (m)": k + 0.51, "Type": "sample",
             "DBD (g/cm3)": B_DENSITY, **{f"{el} (ppm)": round(v, 4) for el, v in elements(B_METRES[k]).items()}}
            for c in cores for k in range(10)]
    qc = [{**r, "Sample": r["Sample"] + "-D", "Type": "Duplicate", "Parent": r["Sample"],
           **{f"{el} (ppm)": round(r[f"{el} (ppm)"] * 1.02, 4) for el in REY}} for r in (rows[3], rows[44], rows[101])]
    qc += [{"Sample": f"JMS-2 run{j}", "Type": "STD", "Parent": "JMS-2",
            **{f"{el} (ppm)": round(v * (1 + 0.01 * j), 4) for el, v in elements(1000.0).items()}} for j in (0, 1)]
    with pd.ExcelWriter(folder / "survey.xlsx") as xw:
        pd.DataFrame(rows).to_excel(xw, sheet_name="ICP-MS", index=False)
        pd.DataFrame(qc).to_excel(xw, sheet_name="QAQC", index=False)
    project = folder / "b.duckdb"
    run("init", project)
    ingest = run("ingest", project, folder / "survey.xlsx", "--collars", folder / "collars.csv").output
    run("estimate", project, f"--area={','.join(map(str, B_BOX))}", "--cell", "2000")
    return {"project": project, "ingest": ingest, "area_km2": geodesic_km2(box_ring(B_BOX))}


def test_b_workbook_qaqc_and_unpositioned_cores(survey_b):
    out = " ".join(survey_b["ingest"].split())
    assert "ICP-MS" in out and "QAQC" in out and all(c in out for c in B_UNPOSITIONED)
    samples = pd.DataFrame(run_json("samples", survey_b["project"], "--limit", "0")["samples"])
    assert len(samples) == 160 and not samples["sample_id"].str.endswith("-D").any()
    qaqc = run_json("qaqc", survey_b["project"])
    dup = pd.DataFrame(qaqc["duplicates"]).set_index("analyte")
    assert (dup["n_pairs"] == 3).all() and set(dup.index) == {*REY, "dry_density_g_cm3"}
    np.testing.assert_allclose(dup.loc[list(REY), "mean_rel_diff_pct"], 0.02 / 1.01 * 100, rtol=1e-3)  # |a-b|/mean
    assert dup.loc["dry_density_g_cm3", "max_rel_diff_pct"] == 0.0  # the duplicates copy the density
    crm = pd.DataFrame(qaqc["crm"]).set_index("analyte")
    assert (crm["n"] == 2).all() and crm.loc["Y", "mean"] == pytest.approx(301 * 1.005, rel=1e-4)
    np.testing.assert_allclose(crm["rsd_pct"], 0.01 / np.sqrt(2) / 1.005 * 100, rtol=2e-3)  # sample SD / mean


def test_b_spot_samples_stand_for_their_metre(survey_b):
    cores = pd.DataFrame(run_json("cores", survey_b["project"])["cores"])
    assert len(cores) == 16
    np.testing.assert_allclose(cores[["layer_top_mbsf", "layer_base_mbsf", "layer_thickness_m"]],
                               np.tile([3.0, 6.0, 3.0], (16, 1)), atol=1e-9)  # not 3 x 2 cm
    np.testing.assert_allclose(cores["window_total_rey_ppm"], B_METRES.mean(), rtol=1e-4)
    out = run_json("resource", survey_b["project"], "--cutoff", "0,1000")
    dry_t = survey_b["area_km2"] * 1e6 * 10.0 * B_DENSITY  # 10 m of mud at the measured density
    got = statement(out["resource"], 0.0)
    assert got["area_km2"] == pytest.approx(survey_b["area_km2"], rel=1e-3)
    assert got["dry_t"] == pytest.approx(dry_t, rel=1e-3)
    assert got["grade_ppm"] == pytest.approx(B_METRES.mean(), rel=1e-4)
    assert got["treo_t"] == pytest.approx(dry_t * B_METRES.mean() * 1e-6 * TREO_PER_REY, rel=1e-3)
    assert statement(out["resource"], 1000.0)["dry_t"] == 0.0


# ----------------------------------------------------------------------------------------------- survey C
C_BOX = (175.0, 19.8, 175.0 + 100.0 / 104.6, 20.16)  # about 100 km x 40 km
C_WEST, C_EAST = 300.0, 1500.0


def truth_c(cutoff: float) -> dict:
    lo = max(C_WEST, min(C_EAST, cutoff))
    area = geodesic_km2(box_ring(C_BOX)) * (C_EAST - lo) / (C_EAST - C_WEST)
    t = area * 1e6 * 10.0 * 0.55
    return {"area_km2": area, "dry_t": t, "grade_ppm": (lo + C_EAST) / 2, "rey_t": t * (lo + C_EAST) / 2e6}


@pytest.fixture(scope="module")
def survey_c(tmp_path_factory):
    import dataclasses

    import reymud.assess.run as assess_run

    folder = tmp_path_factory.mktemp("survey_c")
    rng = np.random.default_rng(83)
    gx, gy = np.meshgrid((np.arange(12) + 0.5) / 12, (np.arange(5) + 0.5) / 5)
    lon = C_BOX[0] + np.clip(gx.ravel() + rng.uniform(-.03, .03, 60), 0, 1) * (C_BOX[2] - C_BOX[0])
    lat = C_BOX[1] + np.clip(gy.ravel() + rng.uniform(-.06, .06, 60), 0, 1) * (C_BOX[3] - C_BOX[1])
    cores = [f"T{i + 1:03d}" for i in range(60)]
    pd.DataFrame({"core_id": cores, "latitude": lat, "longitude": lon, "water_depth_m": 5500.0,
                  "core_length_m": 10.0}).to_csv(folder / "collars.csv", index=False)
    grade = (C_WEST + (C_EAST - C_WEST) * (lon - C_BOX[0]) / (C_BOX[2] - C_BOX[0])) * (1 + rng.normal(0, .02, 60))
    rows = [{"sample_id": f"{c}-{k:02d}", "core_id": c, "top_mbsf": k * 0.5, "bottom_mbsf": k * 0.5 + 0.5,
             **{f"{el} (ppm)": round(v, 4) for el, v in elements(g).items()}}
            for c, g in zip(cores, grade, strict=True) for k in range(20)]
    pd.DataFrame(rows).to_csv(folder / "assays.csv", index=False)
    (folder / "plan.yaml").write_text(f"cell_m: 2000\ntrend: linear\narea: '{','.join(map(str, C_BOX))}'\n"
                                      "cutoffs_ppm: [0, 400, 1000]\nn_realizations: 4\nsim_cell_m: 2000\n"
                                      "cv_folds: 3\n")
    project = folder / "c.duckdb"
    run("init", project)
    run("ingest", project, folder / "assays.csv", "--collars", folder / "collars.csv")
    run("plan", "set", project, folder / "plan.yaml")
    run("estimate", project)
    resource = run_json("resource", project)
    simulate = run_json("simulate", project, "--workers", "0")
    session = assess_run.DaskSession  # in-process, no Dask cluster (as tests/e2e/test_one_plan.py)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(assess_run, "DaskSession", lambda cfg: session(dataclasses.replace(cfg, use_dask=False)))
        run("assess", project, "--out", folder / "out", "--config", quick_config(folder))
    return {"folder": folder, "project": project, "resource": resource, "simulate": simulate,
            "results": json.loads((folder / "out" / "results.json").read_text()),
            "report": (folder / "out" / "report.html").read_text()}


@pytest.mark.parametrize("cutoff", [0.0, 400.0, 1000.0])
def test_c_linear_trend_resource_matches_the_hand_wedge(survey_c, cutoff):
    got, hand = statement(survey_c["resource"]["resource"], cutoff), truth_c(cutoff)
    # at a cut-off a 2 km block column is in or out whole: up to 1 km of the width east of the cut-off line
    tol = 2e-3 if cutoff == 0 else 1.0 / (100.0 * (C_EAST - cutoff) / (C_EAST - C_WEST)) + 2e-3
    assert got["area_km2"] == pytest.approx(hand["area_km2"], rel=tol)
    assert got["grade_ppm"] == pytest.approx(hand["grade_ppm"], rel=0.01)
    assert got["rey_t"] == pytest.approx(hand["rey_t"], rel=0.02)
    assert got["treo_t"] == pytest.approx(got["rey_t"] * TREO_PER_REY, rel=1e-4)


def test_c_treo_cutoff_is_the_rey_cutoff_times_the_oxide_ratio(survey_c):
    by_treo = run_json("resource", survey_c["project"], "--by", "treo", "--cutoff", f"{1000 * TREO_PER_REY:.4f}")
    got = [r for r in by_treo["resource"] if r["class"] in (TOTAL, "unclassified")]
    assert sum(r["dry_t"] for r in got) == pytest.approx(statement(survey_c["resource"]["resource"], 1000.0)["dry_t"],
                                                         rel=1e-9)


def test_c_cli_steps_and_assess_agree_exactly(survey_c):
    key = ["cutoff", "class"]
    cli = pd.DataFrame(survey_c["resource"]["resource"]).set_index(key)
    api = pd.DataFrame(survey_c["results"]["resource"]["table"]).set_index(key)
    assert sorted(cli.index) == sorted(api.index) and len(cli) > 0
    for col in ("area_km2", "dry_t", "total_rey_ppm", "treo_t"):
        pd.testing.assert_series_equal(api.loc[cli.index, col], cli[col], check_names=False, rtol=1e-9)
    key = ["resource_class", "cutoff", "element", "quantity"]
    sim = pd.DataFrame(survey_c["simulate"]["rows"]).set_index(key)
    unc = pd.DataFrame(survey_c["results"]["uncertainty"]["table"]).set_index(key)
    assert len(sim) > 0 and set(sim.index) <= set(unc.index)
    for col in ("p10", "p50", "p90", "kriged"):
        pd.testing.assert_series_equal(unc.loc[sim.index, col], sim[col], check_names=False, rtol=1e-9)
    hand_km2 = geodesic_km2(box_ring(C_BOX))
    assert survey_c["results"]["block_model"]["area_inside_km2"] == pytest.approx(hand_km2, rel=1e-3)
    assert survey_c["results"]["plan_source"] == "project"


def test_c_simulation_is_on_the_kriged_blocks_and_near_the_truth(survey_c):
    rows = {(r["cutoff"], r["element"]): r for r in survey_c["simulate"]["rows"] if r["resource_class"] == "all"}
    rey = rows[(0.0, "REY")]
    assert rey["kriged"] == pytest.approx(statement(survey_c["resource"]["resource"], 0.0)["rey_t"], rel=1e-9)
    assert rey["p10"] <= rey["p50"] <= rey["p90"]
    assert rey["p50"] == pytest.approx(truth_c(0.0)["rey_t"], rel=0.01)
    assert rows[(0.0, "ore")]["p50"] == pytest.approx(truth_c(0.0)["dry_t"], rel=2e-3)


@pytest.mark.xfail(strict=True, reason="supply element_resource: contained_oxide_t is measured+indicated+inferred "
                   "but its p10/p50/p90 are over all blocks (unclassified too): La 4,161.0 kt vs kriged 4,169.7 kt "
                   "on the simulated blocks (-0.21 %), below its own P10 4,164.7 kt (assess supply stage)")
def test_c_supply_figures_and_their_percentiles_are_on_the_same_blocks(survey_c):
    results = survey_c["results"]
    kriged = {r["element"]: r["kriged"] for r in results["uncertainty"]["table"]
              if r["resource_class"] == "all" and r["cutoff"] == 0.0 and r["quantity"] == "contained_oxide_t"}
    for r in results["supply"]["element_resource"]:
        assert r["contained_oxide_t"] == pytest.approx(kriged[r["element"]], rel=1e-6), r["element"]
        assert r["p10"] <= r["contained_oxide_t"] * 1.001 and r["contained_oxide_t"] <= r["p90"] * 1.001


def _report_text(report: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", report, flags=re.S)))


def test_c_report_is_offline_and_states_the_area(survey_c):
    assert not re.search(r"<script[^>]+src=\"https?:", survey_c["report"])
    stated = re.search(r"inside the area of interest, ([\d,]+) km2", _report_text(survey_c["report"]))
    assert float(stated.group(1).replace(",", "")) == pytest.approx(geodesic_km2(box_ring(C_BOX)), rel=1e-3)


def test_c_report_summary_states_which_blocks_it_totals(survey_c):
    """The summary's key figure is the classified resource (M+I+I) and says so; unclassified blocks, which
    the grade-tonnage 'all' row includes, are named beside it, so the two figures reconcile."""
    text = " ".join(_report_text(survey_c["report"]).split())
    gt = {r["class"]: r for r in survey_c["results"]["grade_tonnage"] if r["cutoff"] == 0}
    table = survey_c["results"]["resource"]["table"]
    mii = next(r for r in table if r["cutoff"] == 0 and r["class"] == "measured+indicated+inferred")
    unclassified = next((r for r in table if r["cutoff"] == 0 and r["class"] == "unclassified"), {"dry_t": 0.0})
    found = re.search(r"Cut-off 0 ppm ?: ([\d,.]+) Mt dry mud.*?\(Measured \+ Indicated \+ Inferred"
                      r"(?:; ([\d,.]+) Mt more in unclassified blocks, not a resource)?\)", text)
    assert found, text[text.find("Cut-off 0"):][:600]
    assert float(found.group(1).replace(",", "")) == pytest.approx(mii["dry_t"] / 1e6, abs=1)
    if unclassified["dry_t"] > 0:
        assert float(found.group(2).replace(",", "")) == pytest.approx(unclassified["dry_t"] / 1e6, abs=1)
    total = float(found.group(1).replace(",", "")) + float((found.group(2) or "0").replace(",", ""))
    assert total == pytest.approx(gt["all"]["dry_t"] / 1e6, abs=2)
    assert "(all classes)" not in text


def test_c_validate_sees_the_trend_reproduced(survey_c):
    out = " ".join(run("validate", survey_c["project"], "--folds", "3").stdout.split())
    corr = re.search(r"correlation\W+([\d.]+)\W+([\d.]+)", out)
    assert corr and float(corr.group(1)) > 0.99 and float(corr.group(2)) > 0.99  # 2 % scatter on a 5x ramp


def test_c_exports_carry_the_stated_tonnage(survey_c):
    folder, project = survey_c["folder"], survey_c["project"]
    ex = folder / "exports"
    for fmt, ext in (("csv", "csv"), ("gslib", "dat"), ("vtk", "vtu"), ("geotiff", "tif")):
        run("export", project, "--what", "blocks", "--format", fmt, "--out", ex / f"bm.{ext}")
    blocks = pd.read_csv(ex / "bm.csv", comment="#")
    assert set(blocks["XINC"]) == {2000.0} and set(blocks["ZINC"]) == {10.0} and set(blocks["ZC"]) == {-5.0}
    assert blocks["dry_t"].sum() == pytest.approx(statement(survey_c["resource"]["resource"], 0.0)["dry_t"], rel=1e-9)
    assert (ex / "bm.dat").read_text().splitlines()[0].count("2000") >= 2 and (ex / "bm.vtu").stat().st_size > 0
    import rasterio

    with rasterio.open(ex / "bm_total_rey_ppm.tif") as tif:
        assert tif.crs.to_epsg() == 32660 and tif.res == (2000.0, 2000.0)
    run("export", project, "--format", "parquet", "--out", ex / "tables")
    assert len(pd.read_parquet(ex / "tables" / "samples.parquet")) == 1200


# ----------------------------------------------------------------------------------------------- bad inputs
def _bad(frame: pd.DataFrame, case: str):
    f = frame.copy()
    if case == "negative":
        f["La (ppm)"] = f["La (ppm)"].astype(object)
        f.loc[6, "La (ppm)"] = -5.0
        return f, 8, "La (ppm)", "negative"
    if case == "overlap":
        f.loc[4, "top_mbsf"] = 1.8  # 2.0-2.5 becomes 1.8-2.5 over the sample above (1.5-2.0)
        return f, 6, "top_mbsf", "overlap"
    if case == "unit_typo":
        return f.rename(columns={"Nd (ppm)": "Nd (ppn)"}), 1, "Nd (ppn)", "unit"
    if case == "text":
        f["Ce (ppm)"] = f["Ce (ppm)"].astype(object)
        f.loc[9, "Ce (ppm)"] = "see note"
        return f, 11, "Ce (ppm)", "not a number"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["negative", "overlap", "unit_typo", "text", "empty_sheet"])
def test_a_bad_lab_file_is_named_and_leaves_the_project_unchanged(tmp_path, case):
    collars = pd.DataFrame({"core_id": ["X1", "X2"], "latitude": [20.0, 20.1], "longitude": [175.0, 175.1],
                            "water_depth_m": 5500.0, "core_length_m": 10.0})
    good = pd.DataFrame([{"sample_id": f"{c}-{k:02d}", "core_id": c, "top_mbsf": k * .5, "bottom_mbsf": k * .5 + .5,
                          **{f"{el} (ppm)": v for el, v in elements(500.0).items()}}
                         for c in ("X1", "X2") for k in range(20)])
    project = tmp_path / "p.duckdb"
    run("init", project)
    collars.to_csv(tmp_path / "collars.csv", index=False)
    good.head(20).to_csv(tmp_path / "first.csv", index=False)
    run("ingest", project, tmp_path / "first.csv", "--collars", tmp_path / "collars.csv")
    with Project.open(project) as p:
        before = p.counts(), p.version(), len(p.imports())
    if case == "empty_sheet":
        path, row, column, what = tmp_path / "empty.xlsx", None, None, "empty"
        with pd.ExcelWriter(path) as xw:
            pd.DataFrame().to_excel(xw, sheet_name="Sheet1", index=False)
    else:
        frame, row, column, what = _bad(good.tail(20).reset_index(drop=True), case)
        path = tmp_path / f"{case}.csv"
        frame.to_csv(path, index=False)
    res = run("ingest", project, path, ok=False)
    message = " ".join(res.output.split())
    assert res.exit_code != 0 and path.name in message and what in message.lower() and "Fix:" in message
    assert "Traceback" not in res.output
    if row is not None:
        assert f"row {row}" in message and f"column '{column}'" in message
    with Project.open(project) as p:
        assert (p.counts(), p.version(), len(p.imports())) == before
