"""Write endpoints: uploads through the real ingest stage, background jobs, tokens, path safety."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_client import LocalClient

from reymud.store import Project
from reymud.web import WebConfig, create_app
from reymud.web.security import SecurityConfig


@pytest.fixture(scope="module")
def survey_files(tmp_path_factory) -> dict[str, Path]:
    from reymud.demo import write_demo_survey

    folder = tmp_path_factory.mktemp("survey")
    files = write_demo_survey(folder, seed=7, n_cores=2)
    lines = files.assays.read_text().splitlines()
    cells = lines[4].split(",")
    cells[10] = "abc"  # the Pr (ppm) value of the third data row
    lines[4] = ",".join(cells)
    bad = folder / "bad_assays.csv"
    bad.write_text("\n".join(lines) + "\n")
    return {"collars": files.collars, "assays": files.assays, "bad": bad}


@pytest.fixture()
def fresh_project(tmp_path) -> Path:
    path = tmp_path / "proj" / "fresh.duckdb"
    Project.init(path).close()
    return path


def _files(field: str, path: Path, name: str | None = None):
    return (field, (name or path.name, path.read_bytes(), "text/csv"))


def test_upload_ingests_like_the_cli_then_skips_duplicates(fresh_project, survey_files):
    with LocalClient(create_app(fresh_project)) as c:
        files = [_files("files", survey_files["assays"]), _files("collars", survey_files["collars"])]
        r = c.post("/api/uploads", files=files)
        assert r.status_code == 200, r.text
        reports = r.json()["reports"]
        assert [x["status"] for x in reports] == ["loaded", "loaded"]
        assert reports[0]["file"] == survey_files["collars"].name
        assert r.json()["project"]["n_cores"] == 2 and r.json()["project"]["synthetic"] is True
        again = c.post("/api/uploads", files=[_files("files", survey_files["assays"])]).json()
        assert again["reports"][0]["status"] == "skipped-duplicate"
        assert len(c.get("/api/cores").json()["rows"]) == 2
    with Project.open(fresh_project) as project:
        assert len(project.imports()) == 2
        stored = sorted(p.name for p in (project.artifact_dir / "uploads").rglob("*.csv"))
    assert survey_files["assays"].name in stored


def test_invalid_upload_is_422_with_file_row_column_and_writes_nothing(fresh_project, survey_files):
    with LocalClient(create_app(fresh_project)) as c:
        c.post("/api/uploads", files=[_files("collars", survey_files["collars"])])
        before = c.get("/api/project").json()
        r = c.post("/api/uploads", files=[_files("files", survey_files["bad"])])
        assert r.status_code == 422
        body = r.json()
        assert body["file"] == "bad_assays.csv"
        assert body["row"] == 5 and body["column"] == "Pr (ppm)"
        assert "'abc' is not a number" in body["detail"] and "Fix:" in body["detail"]
        assert str(fresh_project.parent) not in body["detail"]
        after = c.get("/api/project").json()
        assert (after["n_samples"], after["n_imports"]) == (before["n_samples"], before["n_imports"])
    uploads = Path(f"{fresh_project}.files") / "uploads"
    assert not list(uploads.rglob("bad_assays.csv")), "a failed upload leaves no file behind"


@pytest.mark.parametrize("evil", ["../../evil.csv", "..\\..\\evil.csv", "/etc/evil.csv", "C:\\tmp\\evil.csv",
                                  "sub/../../evil.csv"])
def test_upload_names_cannot_escape_the_project(fresh_project, survey_files, evil):
    with LocalClient(create_app(fresh_project)) as c:
        r = c.post("/api/uploads", files=[("collars", (evil, survey_files["collars"].read_bytes(), "text/csv"))])
        assert r.status_code == 200, r.text
        assert r.json()["reports"][0]["file"] == "evil.csv"
    root = fresh_project.parent
    found = [p for p in root.parent.rglob("evil.csv")]
    uploads = (Path(f"{fresh_project}.files") / "uploads").resolve()
    assert found and all(uploads in p.resolve().parents for p in found)


def test_upload_size_limit(fresh_project, survey_files):
    config = WebConfig(max_upload_mb=0.01)  # 10 kB
    with LocalClient(create_app(fresh_project, config=config)) as c:
        medium = b"core_id,latitude\n" + b"x" * 30_000
        r = c.post("/api/uploads", files=[("files", ("medium.csv", medium, "text/csv"))])
        assert r.status_code == 413 and "0.01 MB" in r.json()["detail"]
        huge = b"x" * 200_000
        r = c.post("/api/uploads", files=[("files", ("huge.csv", huge, "text/csv"))])
        assert r.status_code == 413
        assert c.get("/api/project").json()["n_imports"] == 0
    assert not list((Path(f"{fresh_project}.files") / "uploads").rglob("*.csv"))


def test_off_loopback_every_api_request_needs_the_token(project_path):
    token = "correct-horse-battery"
    security = SecurityConfig(host="0.0.0.0")
    with LocalClient(create_app(project_path, token=token, security=security)) as c:
        auth = {"Authorization": f"Bearer {token}"}
        assert c.get("/api/project", headers=auth).json()["token_required"] is True
        for url in ("/api/cores", "/api/project", "/api/health", "/api/resource?cutoff=400"):
            r = c.get(url)  # reads are protected too
            assert r.status_code == 401 and "Bearer" in r.json()["detail"], url
            assert c.get(url, headers={"Authorization": "Bearer wrong-token-here"}).status_code == 403
        assert c.get("/").status_code == 200  # the page shell has no project data
        for url in ("/api/uploads", "/api/jobs/assess", "/api/jobs/scenario"):
            r = c.post(url, json={})  # the CSRF header alone is not enough off loopback
            assert r.status_code == 401, url
            r = c.post(url, json={}, headers={"Authorization": "Bearer wrong-token-here"})
            assert r.status_code == 403, url
        r = c.post("/api/uploads", headers=auth)
        assert r.status_code == 422  # past the guard: now the missing files are the problem
        r = c.post("/api/jobs/assess", json={"config": {"bogus": 1}}, headers=auth)
        assert r.status_code == 422


def test_non_loopback_without_token_refuses_to_start(project_path):
    with pytest.raises(ValueError, match="needs a token"):
        create_app(project_path, security=SecurityConfig(host="0.0.0.0"))
    app = create_app(project_path, security=SecurityConfig(host="0.0.0.0", insecure_open=True))
    with LocalClient(app) as c:
        assert c.get("/api/health").status_code == 200


def test_scenario_job_reports_progress_and_result(client):
    config = client.get("/api/scenarios/examples").json()
    body = config["examples"][config["default"]]
    r = client.post("/api/jobs/scenario", json=body)
    assert r.status_code == 202
    job = r.json()
    assert job["status"] in ("queued", "running", "succeeded") and 0 <= job["progress"] <= 1
    finished = client.app.state.reymud.jobs.wait(job["id"], timeout_s=60)
    assert finished.status == "succeeded", finished.error
    status = client.get(f"/api/jobs/{job['id']}").json()
    assert status["progress"] == 1.0 and status["result_url"] == f"/api/jobs/{job['id']}/result"
    assert any("scenario finished" in m for m in status["messages"])
    result = client.get(status["result_url"]).json()
    assert result["name"] == body["name"] and result["unmet_by_month"]["rows"]
    assert job["id"] in [j["id"] for j in client.get("/api/jobs").json()["jobs"]]
    for name in ("../../demo.duckdb", "..%2F..%2Fdemo.duckdb", "%2e%2e/%2e%2e/demo.duckdb"):
        r = client.get(f"/api/jobs/{job['id']}/files/{name}")
        assert r.status_code in (403, 404), name
        assert r.headers["content-type"].startswith("application/json")


def test_assess_job_runs_the_real_assessment(client, small_assess):
    r = client.post("/api/jobs/assess", json={"config": small_assess})
    assert r.status_code == 202
    job = client.app.state.reymud.jobs.wait(r.json()["id"], timeout_s=300)
    assert job.status == "succeeded", job.error
    assert job.progress == 1.0 and len(job.messages) > 2
    result = client.get(f"/api/jobs/{job.id}/result").json()
    assert "results.json" in result["files"]
    data = client.get(result["file_urls"]["results.json"])
    assert data.status_code == 200 and data.json()
    assert client.get("/api/project").json()["assessed"] is True


def test_reads_stay_served_from_cache_and_uploads_wait_during_a_write(project_path, survey_files):
    config = WebConfig(upload_wait_s=0.2, warm_up=False)
    with LocalClient(create_app(project_path, config=config)) as c:
        state = c.app.state.reymud.state
        before = c.get("/api/resource", params={"cutoff": 500}).json()
        with state.writing():
            assert c.get("/api/resource", params={"cutoff": 500}).json() == before  # cached, not blocked
            r = c.post("/api/uploads", files=[_files("collars", survey_files["collars"])])
            assert r.status_code == 409 and "retry" in r.json()["detail"]
        assert c.get("/api/project").json()["n_imports"] >= 2
