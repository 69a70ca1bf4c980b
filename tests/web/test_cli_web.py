"""`reymud serve`: argument handling, token generation, clean errors (the server loop is replaced
by a recorder here; the real uvicorn server is exercised by the browser tests)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from reymud.cli.main import app

runner = CliRunner()


@pytest.fixture()
def recorded(monkeypatch):
    calls = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: calls.append((application, kw)))
    return calls


def test_serve_binds_localhost_without_token(empty_project, recorded):
    result = runner.invoke(app, ["serve", str(empty_project), "--port", "8123"])
    assert result.exit_code == 0, result.output
    application, kw = recorded[0]
    assert isinstance(application, FastAPI)
    assert kw["host"] == "127.0.0.1" and kw["port"] == 8123
    assert application.state.reymud.guard.required is False
    assert "token" not in result.output


def test_serve_off_loopback_without_token_refuses_unless_insecure_open(empty_project, recorded):
    result = runner.invoke(app, ["serve", str(empty_project), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "needs a token" in result.output and not recorded
    result = runner.invoke(app, ["serve", str(empty_project), "--host", "0.0.0.0", "--insecure-open",
                                 "--allowed-host", "proxy.example", "--max-queued", "2"])
    assert result.exit_code == 0, result.output
    assert "open to the network" in result.output.replace("\n", " ")
    assert recorded[0][0].state.reymud.jobs._max_queued == 2


def test_serve_uses_a_given_token_and_upload_limit(empty_project, recorded):
    result = runner.invoke(app, ["serve", str(empty_project), "--host", "10.1.2.3", "--token", "given-token-123",
                                 "--max-upload-mb", "5"])
    assert result.exit_code == 0, result.output
    ctx = recorded[0][0].state.reymud
    assert ctx.guard.token == "given-token-123" and ctx.config.max_upload_bytes == 5_000_000


def test_serve_errors_are_clean(tmp_path, empty_project, recorded):
    result = runner.invoke(app, ["serve", str(tmp_path / "missing.duckdb")])
    assert result.exit_code == 2 and "no project file" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["serve", str(tmp_path / "missing.duckdb"), "--port", "70000"])
    assert result.exit_code == 2 and "70000" in result.output
    result = runner.invoke(app, ["serve", str(empty_project), "--token", "short", "--host", "::1"])
    assert result.exit_code == 2 and "at least 8" in result.output
    assert not recorded
