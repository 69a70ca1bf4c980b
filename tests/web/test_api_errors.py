"""Bad requests on every endpoint: a 4xx with a clear JSON message, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_client import LocalClient

from reymud.web import WebConfig, create_app


@pytest.fixture(scope="module")
def strict_client(project_path):
    """A client that does not re-raise server errors, so a 500 would be seen as a 500."""
    with LocalClient(create_app(project_path), raise_server_exceptions=False) as c:
        yield c


BAD_GETS = [
    ("/api/cores/NO-SUCH-CORE", 404, "no core"),
    ("/api/samples?limit=0", 422, "limit"),
    ("/api/samples?limit=abc", 422, "limit"),
    ("/api/samples?offset=-1", 422, "offset"),
    ("/api/samples?limit=100000000", 422, "maximum page"),
    ("/api/samples?columns=La,NotAColumn", 422, "NotAColumn"),
    ("/api/samples?core_id=NOPE", 404, "no core"),
    ("/api/layers?core_id=NOPE", 404, "no core"),
    ("/api/estimates/not_a_variable", 404, "not_a_variable"),
    ("/api/estimates/total_rey_ppm?max_cells=1", 422, "max_cells"),
    ("/api/resource", 422, "cutoff"),
    ("/api/resource?cutoff=abc", 422, "cutoff"),
    ("/api/resource?cutoff=nan", 422, "finite"),
    ("/api/resource?cutoff=inf", 422, "finite"),
    ("/api/resource?cutoff=400&by=bogus", 422, "by"),
    ("/api/grade-tonnage?cutoffs=1,x", 422, "comma-separated"),
    ("/api/grade-tonnage?cutoffs=,", 422, "non-empty"),
    ("/api/grade-tonnage?start=10&stop=0", 422, "stop"),
    ("/api/grade-tonnage?step=0", 422, "step"),
    ("/api/grade-tonnage?start=0&stop=1e9&step=1", 422, "maximum"),
    ("/api/grade-tonnage?cutoffs=1,nan", 422, "finite"),
    ("/api/exceedance/abc", 422, "cutoff_ppm"),
    ("/api/jobs/doesnotexist", 404, "no job"),
    ("/api/jobs/doesnotexist/result", 404, "no job"),
    ("/api/jobs/doesnotexist/files/results.json", 404, "no job"),
    ("/api/no/such/endpoint", 404, "no API endpoint"),
    ("/static/../../../etc/passwd", 404, ""),
    ("/static/%2e%2e/%2e%2e/pyproject.toml", 404, ""),
]


@pytest.mark.parametrize(("url", "status", "words"), BAD_GETS)
def test_bad_get_requests_are_clear_4xx(strict_client, url, status, words):
    r = strict_client.get(url)
    assert r.status_code == status, (url, r.text)
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail
    assert words.lower() in detail.lower()


BAD_POSTS = [
    ("/api/scenarios", {"start": "2027-01-01"}, "restriction"),
    ("/api/scenarios", {"start": "2027-01-01", "restriction": {"share_cut": 50, "start": "2027-01-01",
                                                               "duration_months": 3}}, "fraction"),
    ("/api/scenarios", {"start": "2027-01-01", "bogus": 1,
                        "restriction": {"share_cut": 0.5, "start": "2027-01-01", "duration_months": 3}}, "bogus"),
    ("/api/scenarios", {"start": "2027-01-01", "elements": ["Xx"],
                        "restriction": {"share_cut": 0.5, "start": "2027-01-01", "duration_months": 3}}, "Xx"),
    ("/api/jobs/scenario", {"start": "not a date"}, "start"),
    ("/api/jobs/assess", {"config": {"cell_m": -5}}, "cell_m"),
    ("/api/jobs/assess", {"config": {"no_such_parameter": 1}}, "no_such_parameter"),
    ("/api/jobs/assess", {"config": "not a mapping"}, "config"),
]


@pytest.mark.parametrize(("url", "body", "words"), BAD_POSTS)
def test_bad_post_bodies_are_422(strict_client, url, body, words):
    r = strict_client.post(url, json=body)
    assert r.status_code == 422, r.text
    assert words.lower() in r.json()["detail"].lower()


def test_malformed_json_and_wrong_method(strict_client):
    r = strict_client.post("/api/scenarios", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert "json" in r.json()["detail"].lower()
    r = strict_client.delete("/api/cores")
    assert r.status_code == 405
    r = strict_client.post("/api/cores")
    assert r.status_code == 405


def test_upload_without_files_or_with_bad_names(strict_client):
    r = strict_client.post("/api/uploads")
    assert r.status_code == 422 and "files" in r.json()["detail"]
    r = strict_client.post("/api/uploads", files={"files": ("evil.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 422 and "unsupported type" in r.json()["detail"]
    r = strict_client.post("/api/uploads", files={"files": ("....", b"a,b\n", "text/csv")})
    assert r.status_code == 422 and "usable" in r.json()["detail"]
    r = strict_client.post("/api/uploads", files=[("files", ("a.csv", b"x\n", "text/csv")),
                                                  ("files", ("a.csv", b"y\n", "text/csv"))])
    assert r.status_code == 422 and "more than once" in r.json()["detail"]


def test_project_without_results_answers_404_with_the_fix(empty_project):
    with LocalClient(create_app(empty_project), raise_server_exceptions=False) as c:
        assert c.get("/api/project").json()["n_cores"] == 0
        assert c.get("/api/cores").json()["rows"] == []
        assert c.get("/api/samples").json()["rows"] == []
        assert c.get("/api/layers").json()["rows"] == []
        assert c.get("/api/outlines").status_code == 200
        assert c.get("/api/imports").json()["rows"] == []
        for url in ("/api/estimates", "/api/estimates/total_rey_ppm", "/api/resource?cutoff=400",
                    "/api/grade-tonnage", "/api/resource/table", "/api/supply", "/api/production",
                    "/api/uncertainty", "/api/resource/elements", "/api/results", "/api/exceedance",
                    "/api/exceedance/400"):
            r = c.get(url)
            assert r.status_code == 404, url
            assert "assess" in r.json()["detail"], url


def test_not_a_project_is_refused(tmp_path):
    from reymud.store import StoreError

    bogus = tmp_path / "x.duckdb"
    bogus.write_text("not a database")
    with pytest.raises(StoreError):
        create_app(bogus)
    with pytest.raises(StoreError, match="no project file"):
        create_app(tmp_path / "missing.duckdb")


def test_unexpected_errors_are_reported_as_json(copy_demo, tmp_path):
    """A corrupt grid file is not a bad request: the catch-all handler answers 500 in JSON."""
    path = copy_demo(tmp_path)
    (Path(f"{path}.files") / "block_model_2d.nc").write_bytes(b"this is not NetCDF")
    with LocalClient(create_app(path, config=WebConfig(warm_up=False)), raise_server_exceptions=False) as c:
        r = c.get("/api/estimates")
        assert r.status_code == 500
        assert r.headers["content-type"].startswith("application/json")
        assert "internal error" in r.json()["detail"] and "cannot be read" in r.json()["detail"]
        assert c.get("/api/cores").status_code == 200  # the rest of the app keeps working
