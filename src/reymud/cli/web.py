"""CLI command of the web group: ``reymud serve PROJECT``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.panel import Panel

_console = Console(stderr=True)


def _check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise typer.BadParameter(f"port {port} is outside 1-65535")
    return port


def serve(
    project: Path = typer.Argument(..., help="Project file (*.duckdb) to explore."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind. Anything but 127.0.0.1/localhost/::1 "
                             "exposes the server to the network and makes every API request require a token."),
    port: int = typer.Option(8000, "--port", callback=_check_port, help="TCP port (1-65535)."),
    token: str | None = typer.Option(None, "--token", envvar="REYMUD_TOKEN",
                                     help="Bearer token: accepted for writes; off loopback required for every "
                                     "API request (binding off loopback without one refuses to start)."),
    insecure_open: bool = typer.Option(False, "--insecure-open",
                                       help="Bind off loopback WITHOUT a token: every endpoint open to the network."),
    allowed_host: list[str] = typer.Option([], "--allowed-host",
                                           help="Extra Host header name to answer (reverse proxy); repeatable."),
    max_queued: int = typer.Option(4, "--max-queued", min=0,
                                   help="Jobs waiting per kind (assess, scenario); more get 429 + Retry-After."),
    max_upload_mb: float = typer.Option(50.0, "--max-upload-mb", min=0.001,
                                        help="Largest upload accepted, in megabytes (1 MB = 1,000,000 bytes)."),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level (debug, info, warning, error)."),
) -> None:
    """Serve the web dashboard and its JSON API (OpenAPI docs at /docs) for PROJECT."""
    import uvicorn

    from reymud.store import StoreError
    from reymud.web import WebConfig, create_app
    from reymud.web.security import SecurityConfig

    security = SecurityConfig(host=host, allowed_hosts=tuple(allowed_host), insecure_open=insecure_open,
                              max_queued_per_kind=max_queued)
    try:
        config = WebConfig(max_upload_mb=max_upload_mb, freeze_gc=True)  # one app per process: gc.freeze is safe
        # The event loop answers the hot reads; hand it the GIL within 1 ms of a threadpool job's (not 5 ms).
        sys.setswitchinterval(0.001)
        app = create_app(project, token=token, config=config, security=security)
    except (StoreError, ValueError) as exc:
        _console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    lines = [f"project  {project}", f"page     {url}", f"API docs {url}docs"]
    if token is not None:
        lines += [f"token    {token}", f"         (page with token: {url}#token={token})",
                  "API requests " + ("" if security.loopback else "(reads too) ")
                  + "accept 'Authorization: Bearer <token>'"]
    elif not security.loopback:
        lines += ["WARNING  --insecure-open: every endpoint is open to the network"]
    _console.print(Panel("\n".join(lines), title="reymud serve", expand=False))
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level)
    except (OSError, SystemExit) as exc:
        _console.print(f"[red]error:[/red] cannot serve on {host}:{port}: {exc}")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("serve")(serve)
