"""Units of the web layer: file-name hygiene, the token guard, the job manager, the config."""

from __future__ import annotations

import os
import threading

import pytest
from fastapi import HTTPException
from starlette.requests import Request

from reymud.web import JobManager, WebConfig, generate_token, resolve_inside, safe_filename
from reymud.web.routes.jobs import progress_adapter
from reymud.web.security import TokenGuard


@pytest.mark.parametrize(("raw", "expected"), [
    ("assays.csv", "assays.csv"),
    ("../../etc/passwd.csv", "passwd.csv"),
    ("..\\..\\windows\\x.csv", "x.csv"),
    ("C:assays.csv", "assays.csv"),
    ("my assays (v2).csv", "my_assays_v2_.csv"),
    (".hidden.csv", "hidden.csv"),
    ("Ünïcodé.csv", "Unicode.csv"),
    ("a\x00b.csv", "a_b.csv"),
])
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected


def test_safe_filename_refusals_and_length():
    with pytest.raises(ValueError, match="no usable characters"):
        safe_filename("../..")
    with pytest.raises(ValueError, match=r"upload one of \.csv"):
        safe_filename("payload.sh", (".csv",))
    long = safe_filename("x" * 500 + ".csv", (".csv",))
    assert len(long) == 120 and long.endswith(".csv")


def test_resolve_inside(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    assert resolve_inside(base, "a", "b.txt") == (base / "a" / "b.txt").resolve()
    for bad in ("../x", "a/../../x", "/etc/passwd"):
        with pytest.raises(PermissionError, match="outside"):
            resolve_inside(base, bad)
    with pytest.raises(PermissionError, match="NUL"):
        resolve_inside(base, "a\x00b")
    os.symlink(tmp_path, base / "link")
    with pytest.raises(PermissionError):
        resolve_inside(base, "link", "secret.txt")


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": raw})


def test_token_guard():
    assert TokenGuard(None)(_request({})) is None
    guard = TokenGuard("abcdefgh12")
    assert guard.required
    guard(_request({"Authorization": "Bearer abcdefgh12"}))
    guard(_request({"Authorization": "bearer abcdefgh12"}))
    with pytest.raises(HTTPException) as missing:
        guard(_request({}))
    assert missing.value.status_code == 401
    with pytest.raises(HTTPException) as wrong:
        guard(_request({"Authorization": "Bearer abcdefgh13"}))
    assert wrong.value.status_code == 403
    with pytest.raises(HTTPException):
        guard(_request({"Authorization": "Basic abcdefgh12"}))
    with pytest.raises(ValueError, match="at least 8"):
        TokenGuard("short")
    assert len(generate_token()) >= 30 and generate_token() != generate_token()


def test_job_manager_progress_success_and_failure():
    seen = []
    manager = JobManager(workers=1, max_kept=3, on_success=lambda job: seen.append(job.id))
    gate = threading.Event()

    def work(job):
        job.report(0.5, "half way")
        job.report(0.2)  # never goes backwards
        gate.wait(5)
        return {"answer": 42}

    job = manager.submit("test", work)
    gate.set()
    done = manager.wait(job.id, timeout_s=10)
    assert done.status == "succeeded" and done.result == {"answer": 42} and done.progress == 1.0
    assert done.messages == ["half way"] and seen == [job.id]
    assert done.to_dict()["result_url"] == f"/api/jobs/{job.id}/result"

    def boom(job):
        raise ValueError("the config is wrong: fix it")

    failed = manager.wait(manager.submit("test", boom).id, timeout_s=10)
    assert failed.status == "failed" and failed.error == "the config is wrong: fix it"
    assert failed.to_dict()["result_url"] is None and "ValueError" in failed.debug_traceback
    for _ in range(4):
        manager.wait(manager.submit("test", lambda job: None).id, timeout_s=10)
    assert len(manager.list()) == 3
    with pytest.raises(KeyError):
        manager.wait("nope")
    manager.shutdown()


def test_progress_adapter_shapes():
    manager = JobManager()
    holder = {}

    def work(job):
        cb = progress_adapter(job)
        cb(0.1)
        cb(0.2, "variography")
        cb("kriging", 0.3)
        cb(2, 5, "simulation")
        cb(fraction=0.9, message="supply")
        cb(7)  # a bare step count > 1 is not a fraction: ignored
        holder["progress"] = job.progress
        return None

    job = manager.wait(manager.submit("t", work).id)
    assert holder["progress"] == pytest.approx(0.9)
    assert job.messages == ["variography", "kriging", "simulation", "supply"]
    manager.shutdown()


def test_web_config_checks():
    assert WebConfig().max_upload_bytes == 50_000_000
    for bad in ({"max_upload_mb": 0}, {"max_display_cells": 1}, {"curve_cutoffs_ppm": (10.0, 0.0, 1.0)},
                {"upload_extensions": ("csv",)}, {"job_workers": 0}):
        with pytest.raises(ValueError, match="WebConfig"):
            WebConfig(**bad)


def test_read_write_lock():
    from reymud.web.locks import ReadWriteLock

    lock = ReadWriteLock()
    with lock.read(), lock.read():  # readers share and may nest
        assert lock.acquire_write(timeout_s=0.05) is False
    assert lock.acquire_write(timeout_s=1) is True and lock.writing
    entered = threading.Event()

    def reader():
        with lock.read():
            entered.set()

    t = threading.Thread(target=reader)
    t.start()
    assert not entered.wait(0.1), "a reader must wait while the writer is inside"
    lock.release_write()
    assert entered.wait(5)
    t.join()
    assert not lock.writing
