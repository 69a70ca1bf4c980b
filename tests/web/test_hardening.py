"""Issue 13 holes, each checked against the server: CSRF, DNS rebinding (Host), unbounded and
uncancellable jobs, 404-for-405, schema drift and CDN-only /docs."""

from __future__ import annotations

import threading

import pytest
from web_client import LocalClient

from reymud.web import JobManager, create_app
from reymud.web.jobs import JobCancelled, NotCancellable, QueueFull
from reymud.web.security import CSRF_COOKIE, CSRF_HEADER, SecurityConfig

EVIL = "http://evil.example"


def _csv(name: str = "x.csv"):
    return {"files": (name, b"sample_id,core_id,La_ppm\nS1,C1,10\n", "text/csv")}


@pytest.fixture(scope="module")
def app(project_path):
    return create_app(project_path)


def test_cross_origin_and_tokenless_writes_are_refused(app):
    with LocalClient(app) as c:
        c.get("/")
        csrf = {CSRF_HEADER: c.cookies[CSRF_COOKIE]}
        for url, kwargs in (("/api/uploads", {"files": _csv()}), ("/api/scenarios", {"json": {}}),
                            ("/api/jobs/scenario", {"json": {}}), ("/api/jobs/assess", {"json": {}})):
            r = c.post(url, headers={"Origin": EVIL, **csrf}, **kwargs)  # the curl of the issue
            assert r.status_code == 403 and "cross-origin" in r.json()["detail"], url
            r = c.post(url, headers={"Referer": EVIL + "/page", **csrf}, **kwargs)
            assert r.status_code == 403, url
            r = c.post(url, headers={CSRF_HEADER: ""}, **kwargs)  # no CSRF proof
            assert r.status_code == 403 and CSRF_HEADER in r.json()["detail"], url
    with LocalClient(app) as forger:  # a cookie the server did not sign, echoed in the header
        forger.cookies.set(CSRF_COOKIE, "forged.value")
        r = forger.post("/api/jobs/scenario", json={}, headers={CSRF_HEADER: "forged.value"})
        assert r.status_code == 403
    with LocalClient(app) as c:
        c.get("/")
        csrf = {CSRF_HEADER: c.cookies[CSRF_COOKIE]}
        r = c.delete("/api/jobs/" + "0" * 32, headers={"Origin": EVIL, **csrf})
        assert r.status_code == 403
        same = {"Origin": "http://127.0.0.1", **csrf}
        r = c.post("/api/uploads", headers=same, files={"files": ("", b"", "text/csv")})
        assert r.status_code == 422  # past the policy: the empty upload is the problem


def test_host_header_must_name_this_server(project_path, app):
    with LocalClient(app, base_url="http://attacker.example:8765") as c:  # DNS rebinding
        r = c.get("/api/project")
        assert r.status_code == 421 and "--allowed-host" in r.json()["detail"]
    for host in ("http://localhost:8765", "http://127.0.0.1", "http://[::1]:8000"):
        with LocalClient(app, base_url=host) as c:
            assert c.get("/api/health").status_code == 200, host
    proxied = create_app(project_path, security=SecurityConfig(allowed_hosts=("reymud.example.org",)))
    with LocalClient(proxied, base_url="https://reymud.example.org") as c:
        assert c.get("/api/health").status_code == 200


def test_job_queue_is_bounded_coalesced_and_cancellable(project_path):
    app = create_app(project_path, security=SecurityConfig(max_queued_per_kind=2, retry_after_s=7))
    gate = threading.Event()
    with LocalClient(app) as c:
        jobs = app.state.reymud.jobs
        blocker = jobs.submit("scenario", lambda job: gate.wait(30))  # occupies the only worker
        try:
            example = c.get("/api/scenarios/examples").json()
            body = example["examples"][example["default"]]
            first = c.post("/api/jobs/scenario", json={**body, "name": "q1"})
            again = c.post("/api/jobs/scenario", json={**body, "name": "q1"})
            assert first.status_code == again.status_code == 202
            assert again.json()["id"] == first.json()["id"]  # identical queued job coalesced
            second = c.post("/api/jobs/scenario", json={**body, "name": "q2"})
            assert second.status_code == 202
            full = c.post("/api/jobs/scenario", json={**body, "name": "q3"})
            assert full.status_code == 429 and full.headers["Retry-After"] == "7"
            job_id = second.json()["id"]
            r = c.delete(f"/api/jobs/{job_id}")
            assert r.status_code == 200 and r.json()["status"] == "cancelled"
            assert c.delete(f"/api/jobs/{job_id}").status_code == 409
            assert c.get(f"/api/jobs/{job_id}/result").status_code == 409
            assert c.delete("/api/jobs/" + "f" * 32).status_code == 404
            assert c.post("/api/jobs/scenario", json={**body, "name": "q3"}).status_code == 202  # room again
        finally:
            gate.set()
        assert jobs.wait(blocker.id).status == "succeeded"
        assert jobs.wait(first.json()["id"]).status == "succeeded"
        assert jobs.wait(job_id).status == "cancelled"  # never started


def test_cancelled_assessment_leaves_the_project_unchanged(copy_demo, tmp_path, small_assess):
    app = create_app(copy_demo(tmp_path), security=SecurityConfig())
    with LocalClient(app) as c:
        ctx = app.state.reymud
        before = c.get("/api/results").json()
        with ctx.state.writing():  # the job waits for the project...
            r = c.post("/api/jobs/assess", json={"config": small_assess})
            job_id = r.json()["id"]
            while ctx.jobs.get(job_id).status != "running":
                threading.Event().wait(0.01)
            assert c.delete(f"/api/jobs/{job_id}").status_code == 200  # ...and is cancelled meanwhile
        job = ctx.jobs.wait(job_id, timeout_s=60)
        assert job.status == "cancelled" and "nothing was saved" in job.messages[-1]
        assert c.get("/api/results").json() == before
        assert not (ctx.state.runs_dir / job_id).exists()


def test_job_commit_phase_cannot_be_cancelled():
    manager = JobManager(max_queued_per_kind=1)
    started, release, seen = threading.Event(), threading.Event(), {}

    def work(job):
        job.begin_commit()
        started.set()
        release.wait(10)
        job.report(0.9, "still saving")  # a cancel request may not interrupt the commit
        return "saved"

    job = manager.submit("assess", work)
    assert started.wait(10)
    with pytest.raises(NotCancellable, match="saving"):
        manager.cancel(job.id)
    release.set()
    assert manager.wait(job.id).result == "saved"

    def early(job):
        seen["ready"] = True
        release.wait(10)
        job.report(0.1)
        return "not reached"

    release.clear()
    running = manager.submit("assess", early)
    while not seen.get("ready"):
        threading.Event().wait(0.01)
    queued = manager.submit("assess", lambda job: None, key="k")
    assert manager.submit("assess", lambda job: None, key="k") is queued
    with pytest.raises(QueueFull):
        manager.submit("assess", lambda job: None, key="other")
    manager.cancel(running.id)
    release.set()
    assert manager.wait(running.id).status == "cancelled"
    with pytest.raises(JobCancelled):
        running.report(0.5)
    manager.shutdown()


def test_wrong_methods_are_405_not_404(app):
    with LocalClient(app) as c:
        for url in ("/api/uploads", "/api/scenarios", "/api/jobs/assess", "/api/jobs/scenario"):
            r = c.get(url)
            assert r.status_code == 405, (url, r.text)
        assert c.get("/api/no-such-thing").status_code == 404
        assert "/docs" in c.get("/api/no-such-thing").json()["detail"]


def test_openapi_states_the_rules_the_handlers_enforce(app):
    with LocalClient(app) as c:
        spec = c.get("/openapi.json").json()
    params = {p["name"]: p["schema"] for p in spec["paths"]["/api/samples"]["get"]["parameters"]}
    assert params["limit"]["minimum"] == 1 and params["limit"]["maximum"] == 100_000
    cutoffs = {p["name"]: p["schema"] for p in spec["paths"]["/api/grade-tonnage"]["get"]["parameters"]}["cutoffs"]
    assert "pattern" in str(cutoffs)
    assert "delete" in spec["paths"]["/api/jobs/{job_id}"]
    assert "429" in spec["paths"]["/api/jobs/assess"]["post"]["responses"]


def test_docs_work_offline(app):
    with LocalClient(app) as c:
        html = c.get("/docs").text
        assert "/docs/assets/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
        js = c.get("/docs/assets/swagger-ui-bundle.js")
        assert js.status_code == 200 and len(js.content) > 100_000
        assert c.get("/docs/assets/swagger-ui.css").status_code == 200


def test_an_ingest_keeps_the_cut_off_index_but_an_assessment_drops_it(copy_demo, tmp_path):
    from reymud.demo import write_demo_survey

    app = create_app(copy_demo(tmp_path))
    ctx = app.state.reymud
    state = ctx.state
    index = state.gt_index("total_rey_ppm")
    info = state.info()
    files = write_demo_survey(tmp_path / "survey", seed=5, n_cores=2)
    for path in (files.assays, files.collars):
        path.write_text(path.read_text().replace("SYN-PC", "NEW-PC"))
    with state.writing():  # what an upload does
        ctx.ingest.ingest(state.path, [files.assays], [files.collars])
    assert state.gt_index("total_rey_ppm") is index  # no rebuild of the index after an ingest
    assert state.info()["n_cores"] == info["n_cores"] + 2  # but what an ingest changes is rebuilt
    with state.writing() as project:  # what an assessment does: it saves its frames
        project.save_frame("blocks", project.load_frame("blocks"))
    assert state.gt_index("total_rey_ppm") is not index


def test_every_answer_has_the_security_headers_and_the_page_gets_a_strict_csrf_cookie(app):
    with LocalClient(app) as c:
        page = c.get("/")
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"{CSRF_COOKIE}=") and "SameSite=strict" in cookie and "Path=/" in cookie
        assert "HttpOnly" not in cookie  # the page reads it to echo it in the X-CSRF-Token header
        for r in (page, c.get("/api/resource", params={"cutoff": 400}), c.get("/api/cores"),
                  c.get("/api/no-such-endpoint"), c.get("/api/project", headers={"Host": "evil.example"})):
            assert r.headers["x-content-type-options"] == "nosniff", r.url
            assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "no-referrer"
            name, _, ms = r.headers["server-timing"].partition(";dur=")
            assert name == "app" and float(ms) >= 0.0
        assert "set-cookie" not in c.get("/api/cores").headers  # a valid cookie is not replaced
