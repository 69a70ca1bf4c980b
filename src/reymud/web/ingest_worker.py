"""Uploads are ingested in a worker process, so reading and validating files never holds the
server's interpreter (its GIL) while other requests are answered.

One worker process per server process (shared by its apps), started on the first upload (or by
:meth:`IngestWorker.start`) and kept for the next ones, until :func:`shutdown_worker` or the
interpreter's exit; each call runs :func:`reymud.ingest.ingest_files` there on the project
file, exactly as ``reymud ingest`` does. The app calls it inside ``ProjectState.writing()``, so no
connection of the server is open on the file meanwhile. With ``enabled=False`` the ingest runs in
the calling thread instead (same results).
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from reymud.ingest import ImportReport, IngestError, ingest_files
from reymud.ingest import errors as ingest_errors
from reymud.store import Project

__all__ = ["IngestWorker", "shutdown_worker"]

_POOL_LOCK = threading.Lock()
_POOL: list[ProcessPoolExecutor] = []  # the shared worker, once started


def _executor() -> ProcessPoolExecutor:
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")))
        return _POOL[0]


def _discard(pool: ProcessPoolExecutor) -> None:
    with _POOL_LOCK:
        if _POOL and _POOL[0] is pool:
            _POOL.clear()


def shutdown_worker() -> None:
    """Stop the shared worker process (waits for a running ingest); the next upload starts a new one."""
    with _POOL_LOCK:
        pools = list(_POOL)
        _POOL.clear()
    for pool in pools:
        pool.shutdown(wait=True)


def _ingest(project_path: str, files: list[str], collars: list[str]) -> tuple[str, Any]:
    """Run in the worker: ingest and return ``("ok", reports)`` or ``("ingest-error", fields)``
    (an :class:`IngestError` is sent as its fields: its constructor takes more than the message)."""
    try:
        with Project.open(project_path) as project:
            return "ok", ingest_files(project, files, collars=collars or None)
    except IngestError as exc:
        return "ingest-error", (type(exc).__name__, exc.file, exc.problem, exc.fix, exc.row, exc.column)


class IngestWorker:
    """Runs ingests of one server in a separate process.

    Parameters
    ----------
    enabled : bool
        False runs every ingest in the calling thread (no process).
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def start(self) -> None:
        """Start the worker process now (its imports take about a second), not on the first upload."""
        if self.enabled:
            _executor().submit(int).result()

    def ingest(self, project_path: str | Path, files: list[Path], collars: list[Path]) -> list[ImportReport]:
        """:func:`reymud.ingest.ingest_files` on the project file, in the worker process.

        Raises
        ------
        IngestError
            As ``ingest_files`` raises it (same type, file, row, column and message).
        RuntimeError
            If the worker process died (it is replaced for the next upload).
        """
        args = (str(project_path), [str(f) for f in files], [str(c) for c in collars])
        if not self.enabled:
            with Project.open(project_path) as project:
                return ingest_files(project, files, collars=collars or None)
        pool = _executor()
        try:
            status, payload = pool.submit(_ingest, *args).result()
        except BrokenProcessPool:
            _discard(pool)
            raise RuntimeError("the ingest worker process stopped unexpectedly; the upload was not loaded "
                               "(retry it; each file is one transaction)") from None
        if status == "ingest-error":
            name, *fields = payload
            error_type = getattr(ingest_errors, name, IngestError)
            raise error_type(*fields)
        return payload
