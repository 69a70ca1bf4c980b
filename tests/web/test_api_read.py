"""Read endpoints against the assessed demo project: values checked against the stores' own frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from reymud.store import Project
from reymud.web.state import BLOCK_MODEL_FILE


@pytest.fixture(scope="module")
def frames(project_path):
    with Project.open(project_path) as project:
        blocks = project.load_frame("blocks")
        samples = project.samples()
        cores = project.cores()
        ds = xr.load_dataset(project.artifact_dir / BLOCK_MODEL_FILE)
    return {"blocks": blocks, "samples": samples, "cores": cores, "ds": ds}


def test_openapi_documents_every_endpoint(client):
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    for path in ("/api/project", "/api/cores", "/api/cores/{core_id}", "/api/samples", "/api/layers",
                 "/api/estimates", "/api/estimates/{variable}", "/api/outlines", "/api/resource",
                 "/api/grade-tonnage", "/api/resource/table", "/api/supply", "/api/scenarios",
                 "/api/uploads", "/api/jobs/assess", "/api/jobs/scenario", "/api/jobs/{job_id}", "/api/vocabulary"):
        assert path in paths, path
    assert schema["paths"]["/api/resource"]["get"]["description"]
    assert client.get("/docs").status_code == 200


def test_project_summary_flags_synthetic(client, frames):
    info = client.get("/api/project").json()
    assert info["synthetic"] is True
    assert info["n_cores"] == len(frames["cores"])
    assert info["n_samples"] == len(frames["samples"])
    assert info["has_block_model"] is True
    assert info["token_required"] is False
    assert client.get("/api/health").json() == {"status": "ok"}


def test_cores_are_projected_in_the_block_model_crs(client, frames):
    body = client.get("/api/cores").json()
    table = pd.DataFrame(body["rows"])
    assert sorted(table["core_id"]) == sorted(frames["cores"]["core_id"])
    assert body["crs"] == frames["ds"].attrs["crs"]
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", body["crs"], always_xy=True).transform(
        table["longitude"].to_numpy(), table["latitude"].to_numpy())
    np.testing.assert_allclose(table["easting"], x, atol=0.01)
    np.testing.assert_allclose(table["northing"], y, atol=0.01)


def test_core_detail_is_the_downhole_log(client, frames):
    core_id = frames["cores"]["core_id"].iloc[0]
    body = client.get(f"/api/cores/{core_id}").json()
    assert body["core"]["core_id"] == core_id
    mine = frames["samples"][frames["samples"]["core_id"] == core_id]
    rows = pd.DataFrame(body["samples"]["rows"])
    assert len(rows) == len(mine)
    assert (np.diff(rows["top_mbsf"]) >= 0).all()
    np.testing.assert_allclose(rows["La"], mine["La"].to_numpy(), rtol=1e-12)
    total = mine[["La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y"]].sum(axis=1)
    np.testing.assert_allclose(rows["total_rey_ppm"], total.to_numpy(), rtol=1e-9)
    assert all(r["core_id"] == core_id for r in body["layers"]["rows"])


def test_samples_paging_columns_and_filter(client, frames):
    body = client.get("/api/samples", params={"limit": 5, "offset": 3, "columns": "total_rey_ppm,Nd"}).json()
    assert body["total"] == len(frames["samples"])
    assert body["columns"] == ["sample_id", "core_id", "top_mbsf", "bottom_mbsf", "total_rey_ppm", "Nd"]
    assert [r["sample_id"] for r in body["rows"]] == frames["samples"]["sample_id"].iloc[3:8].tolist()
    core_id = frames["cores"]["core_id"].iloc[1]
    one = client.get("/api/samples", params={"core_id": core_id}).json()
    assert one["total"] == int((frames["samples"]["core_id"] == core_id).sum())


def test_layers_are_above_the_threshold(client):
    rows = client.get("/api/layers").json()["rows"]
    assert rows, "the demo survey has REY-rich layers"
    assert all(r["mean_total_rey_ppm"] >= 400.0 for r in rows)
    assert all(r["base_mbsf"] > r["top_mbsf"] for r in rows)


def test_estimate_grid_full_and_block_averaged(client, frames):
    ds = frames["ds"]
    full = client.get("/api/estimates/total_rey_ppm", params={"max_cells": 10_000_000}).json()
    expected = ds["total_rey_ppm"].where(ds["inside"]).to_numpy()
    got = np.array(full["values"], dtype=float)
    assert full["stride"] == 1 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, equal_nan=True)
    ny, nx = expected.shape
    small = client.get("/api/estimates/total_rey_ppm", params={"max_cells": 100}).json()
    s = small["stride"]
    assert s == int(np.ceil(np.sqrt(ny * nx / 100)))
    dec = np.array(small["values"], dtype=float)
    assert dec.size <= 100 * 4
    block = expected[:s, :s]
    if np.isfinite(block).any():
        assert dec[0, 0] == pytest.approx(np.nanmean(block), rel=1e-6)
    assert small["easting_m"][0] == pytest.approx(ds["easting"].to_numpy()[:s].mean())
    meta = client.get("/api/estimates").json()
    assert "total_rey_ppm" in meta["variables"] and meta["shape"] == [ny, nx]


def test_exceedance_maps_are_the_simulation_probabilities(client, project_path):
    ds = xr.load_dataset(Path(f"{project_path}.files") / "exceedance.nc")
    listed = client.get("/api/exceedance").json()["cutoffs_ppm"]
    assert listed == ds["cutoff_ppm"].to_numpy().tolist()
    body = client.get(f"/api/exceedance/{listed[0]}", params={"max_cells": 10_000_000}).json()
    expected = ds["probability"].isel(cutoff_ppm=0).to_numpy()
    np.testing.assert_allclose(np.array(body["values"], dtype=float), expected, atol=1e-6, equal_nan=True)
    assert body["stride"] == 1 and body["variable"].startswith("P(total_rey_ppm >=")
    r = client.get("/api/exceedance/123.5")
    assert r.status_code == 404 and "available" in r.json()["detail"]


def test_outlines_eez_radius(client):
    body = client.get("/api/outlines").json()
    from pyproj import Geod

    lon, lat = np.array(body["eez"]["longitude"]), np.array(body["eez"]["latitude"])
    _, _, dist = Geod(ellps="WGS84").inv(np.full(lon.size, 153.98), np.full(lon.size, 24.28), lon, lat)
    np.testing.assert_allclose(dist, 370_400.0, rtol=1e-6)
    assert min(body["study_box"]["latitude"]) == pytest.approx(21.8)


def test_outlines_are_the_spatial_stage_geometry(client):
    from reymud.spatial.crs import TAKAYA2018_BOX, box_outline, eez_outline

    body = client.get("/api/outlines").json()
    for key, (lon, lat) in (("eez", eez_outline()), ("study_box", box_outline())):
        np.testing.assert_allclose(body[key]["longitude"], lon, atol=1e-6)
        np.testing.assert_allclose(body[key]["latitude"], lat, atol=1e-6)
    _, lat_max, lon_min, lon_max = TAKAYA2018_BOX
    assert (min(body["study_box"]["longitude"]), max(body["study_box"]["longitude"])) == \
        pytest.approx((lon_min, lon_max))
    assert max(body["study_box"]["latitude"]) == pytest.approx(lat_max)


def test_vocabulary_is_the_package_s(client):
    from reymud.elements import REY_PLOT_ORDER
    from reymud.geochem import Thresholds
    from reymud.resource import CLASSES

    body = client.get("/api/vocabulary").json()
    assert body["elements"] == list(REY_PLOT_ORDER) and body["classes"] == list(CLASSES)
    assert body["rey_rich_threshold_ppm"] == Thresholds().rey_rich_ppm
    assert "total_rey_ppm" in body["cutoff_columns"]


@pytest.mark.parametrize("cutoff", [0.0, 400.0, 1234.5, 1e9])
def test_resource_at_cutoff_matches_hand_sums(client, frames, cutoff):
    blocks = frames["blocks"]
    above = blocks[blocks["total_rey_ppm"] >= cutoff]
    body = client.get("/api/resource", params={"cutoff": cutoff}).json()
    total = body["total"]
    assert total["n_blocks"] == len(above)
    assert total["dry_t"] == pytest.approx(above["dry_t"].sum(), rel=1e-9)
    if len(above):
        weighted = (above["dry_t"] * above["total_rey_ppm"]).sum() / above["dry_t"].sum()
        assert total["total_rey_ppm"] == pytest.approx(weighted, rel=1e-9)
    else:
        assert total["total_rey_ppm"] is None
    assert sum(c["n_blocks"] for c in body["classes"].values()) == len(above)


def test_grade_tonnage_curve_is_monotone(client, frames):
    rows = client.get("/api/grade-tonnage", params={"start": 0, "stop": 2000, "step": 250}).json()["rows"]
    rows = [r for r in rows if r["class"] == "all"]
    assert [r["cutoff"] for r in rows] == [250.0 * i for i in range(9)]
    tonnes = [r["dry_t"] for r in rows]
    assert (np.diff(tonnes) <= 0).all()
    assert tonnes[0] == pytest.approx(frames["blocks"]["dry_t"].sum(), rel=1e-9)
    listed = client.get("/api/grade-tonnage", params={"cutoffs": "400,1000", "by_class": True}).json()
    assert {r["class"] for r in listed["rows"]} >= {"all", "indicated", "inferred"}


def test_results_json_and_import_log(client, project_path):
    imports = client.get("/api/imports").json()["rows"]
    assert [r["status"] for r in imports] == ["loaded"] * len(imports) and len(imports) >= 2
    with Project.open(project_path) as project:
        expected = project.load_json("assess", "latest")
    assert client.get("/api/results").json() == expected


def test_saved_tables_are_the_assessment_frames(client, project_path):
    saved = ["resource_table", "supply_summary", "production_schedule", "element_resource", "uncertainty"]
    urls = {"resource_table": "/api/resource/table", "supply_summary": "/api/supply",
            "production_schedule": "/api/production", "element_resource": "/api/resource/elements",
            "uncertainty": "/api/uncertainty"}
    with Project.open(project_path) as project:
        for name in saved:
            expected = project.load_frame(name)
            body = client.get(urls[name]).json()
            assert body["columns"] == [str(c) for c in expected.columns], name
            got = pd.DataFrame(body["rows"])
            assert len(got) == len(expected), name
            numeric = [c for c in expected.columns if pd.api.types.is_float_dtype(expected[c])]
            np.testing.assert_allclose(got[numeric].astype(float), expected[numeric].astype(float),
                                       rtol=1e-9, equal_nan=True, err_msg=name)


def test_scenario_examples_and_synchronous_run(client):
    examples = client.get("/api/scenarios/examples").json()
    config = examples["examples"][examples["default"]]
    config["months"] = 24
    body = client.post("/api/scenarios", json=config).json()
    monthly = pd.DataFrame(body["monthly"]["rows"])
    unmet = pd.DataFrame(body["unmet_by_month"]["rows"])
    japan = monthly[monthly["case"] == "japan"]
    assert japan["month"].nunique() == 24
    by_month = japan.groupby("date")["unmet_t"].sum()
    mine = unmet[unmet["case"] == "japan"].set_index("date")["unmet_t"]
    np.testing.assert_allclose(mine.to_numpy(), by_month.loc[mine.index].to_numpy())
    assert body["notes"]
