"""The FastAPI application factory of the reymud dashboard (``reymud serve``).

>>> import tempfile, pathlib
>>> from reymud.demo import demo_project
>>> from reymud.web import create_app
>>> path = pathlib.Path(tempfile.mkdtemp()) / "survey.duckdb"
>>> demo_project(path, n_cores=5).close()
>>> app = create_app(path)
>>> app.title
'reymud dashboard'
>>> import uvicorn; uvicorn.run(app, port=8000)  # doctest: +SKIP

(``uvicorn.run`` serves until stopped, so that last line is not run by the doctests.)

Every error is answered as JSON ``{"detail": ...}`` with a 4xx status that says what is wrong
and how to fix it; an unexpected error is a 500 with the same shape (and is a bug).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from reymud import __version__
from reymud.store import StoreError
from reymud.web.config import WebConfig
from reymud.web.deps import AppContext
from reymud.web.ingest_worker import IngestWorker
from reymud.web.jobs import JobManager
from reymud.web.routes import estimates, jobs, pages, project, resource, supply, uploads
from reymud.web.security import CSRF_COOKIE, RequestPolicy, SecurityConfig
from reymud.web.state import NotAvailable, ProjectState

__all__ = ["create_app"]

log = logging.getLogger("reymud.web")

_DESCRIPTION = """\
Explore a reymud project: cores, samples with geochemistry, REY-rich layers, the estimated block
model, resource tables by cut-off, the grade-tonnage curve, supply security and export-restriction
scenarios. Bound to a non-loopback address, every `/api` request needs `Authorization: Bearer
<token>`. Writes (uploads, jobs, scenario runs, job cancellation) need the token or same-origin
proof: an `Origin`/`Referer` naming this server plus the `X-CSRF-Token` header equal to the
`reymud_csrf` cookie set on `GET /`; cross-origin writes get 403. A `Host` header other than the
bound host, loopback or a configured `--allowed-host` gets 421. Every error is JSON `{"detail": "..."}`.
"""

_SWAGGER_ASSETS = "/docs/assets"


#: Readable messages for parameters validated by a pattern (the pattern itself is in the OpenAPI).
_PATTERN_HINTS = {"cutoffs": "must be non-empty comma-separated finite numbers, e.g. 0,400,1000"}


def _validation_message(exc: RequestValidationError) -> tuple[str, list[dict]]:
    errors = []
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        where = f"{loc[0]} '{'.'.join(loc[1:])}'" if len(loc) > 1 else (loc[0] if loc else "request")
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "string_pattern_mismatch" and loc and loc[-1] in _PATTERN_HINTS:
            msg = _PATTERN_HINTS[loc[-1]]
        parts.append(f"{where}: {msg}")
        errors.append({"loc": loc, "msg": msg, "type": err.get("type")})
    return "invalid request: " + "; ".join(parts), errors


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found" and request.url.path.startswith("/api/"):
            detail = f"no API endpoint {request.url.path}; see /docs for the list"
        return JSONResponse({"detail": detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = _validation_message(exc)
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    @app.exception_handler(NotAvailable)
    async def not_available(request: Request, exc: NotAvailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(PermissionError)
    async def forbidden(request: Request, exc: PermissionError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": f"project unavailable: {exc}"}, status_code=503)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}: {exc}); this is a bug, "
                             "please report it with the request"}, status_code=500)


def _state_limits(schema: dict, config: WebConfig) -> dict:
    """Write the limits that come from the server config into the OpenAPI parameters."""
    limits = {("/api/samples", "limit"): {"maximum": config.max_sample_rows}}
    for (path, name), extra in limits.items():
        for param in schema.get("paths", {}).get(path, {}).get("get", {}).get("parameters", []):
            if param.get("name") == name:
                param["schema"].update(extra)
    return schema


def _install_docs(app: FastAPI, config: WebConfig) -> None:
    """``/docs`` from the Swagger UI files of the ``swagger-ui-bundle`` package (works offline)."""
    import swagger_ui_bundle

    app.mount(_SWAGGER_ASSETS, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="reymud dashboard API",
                                   swagger_js_url=f"{_SWAGGER_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{_SWAGGER_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{_SWAGGER_ASSETS}/favicon-32x32.png")

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            app.openapi_schema = _state_limits(schema, config)
        return app.openapi_schema

    app.openapi = openapi


def _refuse(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class _PolicyMiddleware:
    """Request policy (Host, token, CSRF), upload size limit, security headers and a
    ``Server-Timing: app;dur=<ms>`` header (time from the request reaching the app to the start of
    its answer), as plain ASGI (Starlette's ``BaseHTTPMiddleware`` adds a task and a memory
    stream to every request)."""

    _SECURITY_HEADERS = (("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                         ("referrer-policy", "no-referrer"))

    def __init__(self, app, policy: RequestPolicy, config: WebConfig) -> None:
        self.app, self.policy, self.config = app, policy, config

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = Request(scope)
        cookie: list[str] = []  # a new CSRF cookie for a request that may proceed without a valid one

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("server-timing", f"app;dur={(time.perf_counter() - started) * 1e3:.2f}")
                for name, value in self._SECURITY_HEADERS:
                    if name not in headers:
                        headers.append(name, value)
                for value in cookie:
                    headers.append("set-cookie", f"{CSRF_COOKIE}={value}; Path=/; SameSite=strict")
            await send(message)
        refusal = self._refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        request.state.write_allowed = True
        if not self.policy.csrf_valid(request.cookies.get(CSRF_COOKIE)):
            cookie.append(self.policy.new_csrf())
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, request: Request) -> JSONResponse | None:
        """The answer to a request the policy or the upload limit refuses, else None."""
        refusal = self.policy.check(request.method, request.url.path, request.headers, request.cookies)
        if refusal is not None:
            return _refuse(refusal.status, refusal.detail, refusal.headers)
        if request.method == "POST" and request.url.path.startswith("/api/uploads"):
            length = request.headers.get("content-length")
            try:
                too_big = length is not None and int(length) > self.config.max_upload_bytes + 64_000
            except ValueError:
                return _refuse(400, "invalid Content-Length header")
            if too_big:
                return _refuse(413, f"upload larger than the limit of {self.config.max_upload_mb:g} MB; split the "
                               "files or raise the server's --max-upload-mb")
        return None


def create_app(project_path: str | Path, token: str | None = None, config: WebConfig | None = None,
               security: SecurityConfig | None = None) -> FastAPI:
    """Build the dashboard application for one project.

    Parameters
    ----------
    project_path : str or Path
        The project file (``*.duckdb``).
    token : str, optional
        ``Authorization: Bearer <token>`` accepted for writes (instead of the CSRF proof) and, off
        loopback, required for every ``/api`` request.
    config : WebConfig, optional
        Upload limit, display decimation, job pool... (defaults in :class:`WebConfig`).
    security : SecurityConfig, optional
        Bound host, extra allowed ``Host`` names, job queue bound (defaults: loopback, 4 per kind).

    Returns
    -------
    FastAPI

    Raises
    ------
    reymud.store.StoreError
        If ``project_path`` is not a reymud project.
    ValueError
        A non-loopback ``security.host`` without a token (unless ``security.insecure_open``).
    """
    config = config or WebConfig()
    security = security or SecurityConfig()
    policy = RequestPolicy(token, security)
    ingest = IngestWorker(enabled=config.ingest_worker)
    state = ProjectState(project_path, config, worker=ingest)
    manager = JobManager(workers=config.job_workers, max_kept=config.max_jobs_kept,
                         on_success=lambda job: state.refresh(),
                         max_queued_per_kind=security.max_queued_per_kind, retry_after_s=security.retry_after_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        def warm_up() -> None:
            state.warm()
            ingest.start()
            if config.freeze_gc:
                gc.collect()
                gc.freeze()
        warm = threading.Thread(target=warm_up, name="reymud-warm-up", daemon=True)
        if config.warm_up:
            warm.start()
        yield
        manager.shutdown()
        if warm.is_alive():  # a daemon thread killed inside duckdb at interpreter exit aborts the process
            warm.join(timeout=60)

    app = FastAPI(title="reymud dashboard", version=__version__, description=_DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.reymud = AppContext(state=state, jobs=manager, guard=policy.guard, config=config, ingest=ingest)
    _install_error_handlers(app)

    app.add_middleware(GZipMiddleware, minimum_size=config.gzip_min_bytes, compresslevel=6)
    app.add_middleware(_PolicyMiddleware, policy=policy, config=config)
    for module in (project, estimates, resource, supply, uploads, jobs, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    _install_docs(app, config)
    return app


