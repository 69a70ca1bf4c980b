"""Shared FastAPI dependencies: the project state, the job manager, the write guard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from reymud.web.cache import ALL
from reymud.web.config import WebConfig
from reymud.web.ingest_worker import IngestWorker
from reymud.web.jobs import JobManager
from reymud.web.security import TokenGuard
from reymud.web.state import ProjectState

__all__ = ["AppContext", "cached_answer", "context", "require_write"]


@dataclass(frozen=True)
class AppContext:
    """Everything a route needs, stored on ``app.state.reymud``."""

    state: ProjectState
    jobs: JobManager
    guard: TokenGuard
    config: WebConfig
    ingest: IngestWorker


async def context(request: Request) -> AppContext:
    """The app's :class:`AppContext` (``async``: FastAPI would run a plain function in the
    threadpool, a thread hop per request for an attribute lookup)."""
    return request.app.state.reymud


async def require_write(request: Request) -> None:
    """Dependency of every write endpoint: refuses unless the app's request policy let it through
    (bearer token or same-origin CSRF proof, see :class:`reymud.web.security.RequestPolicy`)."""
    if not getattr(request.state, "write_allowed", False):
        raise HTTPException(403, "write refused: the request policy did not approve this request")


async def cached_answer(ctx: AppContext, key: str, build: Callable[[], bytes], scope: str = ALL) -> Response:
    """The JSON body ``key`` (see ``ProjectState.cached_body``) as a response.

    A current cached body is answered on the event loop (a dictionary lookup); building it (a
    table read, a serialisation) runs in the threadpool, never on the loop.
    """
    body = ctx.state.cache.peek(f"body:{key}", scope)
    if body is None:
        body = await run_in_threadpool(ctx.state.cached_body, key, build, scope)
    return Response(body, media_type="application/json")
