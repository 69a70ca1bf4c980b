"""Property-based API fuzzing with schemathesis over every operation of the OpenAPI schema.

The project is the assessed demo copy (so result endpoints answer 200, not only 404). Job POSTs
are fuzzed too: a blocking job holds the only worker, so generated jobs just queue (bounded at
one per kind: the rest get 429) and are cancelled at the end - nothing heavy runs. Checks: no
5xx, every status code and content type declared, every response valid against its schema.
"""

from __future__ import annotations

import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from web_client import LocalClient

from reymud.web import WebConfig, create_app
from reymud.web.security import CSRF_COOKIE, CSRF_HEADER, SecurityConfig

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed_app(project_path):
    app = create_app(project_path, config=WebConfig(warm_up=False, max_upload_mb=1.0),
                     security=SecurityConfig(max_queued_per_kind=1))
    gate = threading.Event()
    with LocalClient(app) as client:
        client.get("/")
        csrf = client.cookies[CSRF_COOKIE]
        jobs = app.state.reymud.jobs
        blocker = jobs.submit("hold", lambda job: gate.wait(120))
        yield app, {CSRF_HEADER: csrf, "Cookie": f"{CSRF_COOKIE}={csrf}", "Host": "127.0.0.1"}
        for job in jobs.list():
            if not job.finished and job is not blocker:
                jobs.cancel(job.id)
        gate.set()
        jobs.wait(blocker.id)


@pytest.fixture(scope="module")
def api_schema(fuzzed_app):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app[0], headers={"Host": "127.0.0.1"})


def test_api_conforms_to_its_schema(api_schema, fuzzed_app):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    statuses: dict[str, set[int]] = {}
    assert len(operations) >= 29  # every operation, the job POSTs and DELETE included
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            response = case.call_and_validate(headers=fuzzed_app[1], checks=CHECKS)
            statuses.setdefault(case.operation.label, set()).add(response.status_code)

        call()
    ok = {label for label, codes in statuses.items() if codes & {200, 202}}
    assert len(ok) >= 20, statuses  # the seeded assessment lets most operations succeed
    assert 202 in statuses["POST /api/jobs/scenario"] | statuses["POST /api/jobs/assess"], statuses
    jobs = fuzzed_app[0].state.reymud.jobs.list()
    for kind in ("assess", "scenario"):  # the bound held: at most one waiting per kind
        assert sum(j.kind == kind and j.status == "queued" for j in jobs) <= 1
