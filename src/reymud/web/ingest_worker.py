"""Uploads are ingested in a worker process, and the sample tables they change are derived there,
so reading and validating files or pivoting samples never holds the server's interpreter (its
GIL) while other requests are answered.

One worker process per server process (shared by its apps), running :func:`main`,
started on the first upload (or by :meth:`IngestWorker.start`) and kept for the next ones, until
:func:`shutdown_worker` or the interpreter's exit. Each call runs :func:`reymud.ingest.ingest_files`
there on the project file, exactly as ``reymud ingest`` does; requests and answers are pickled
over the worker's stdin/stdout (a plain subprocess: unlike ``multiprocessing``'s spawn it never
re-imports the server's main script). The app calls it inside ``ProjectState.writing()``, so no
connection of the server is open on the file meanwhile. :meth:`IngestWorker.derive` computes
:func:`derive_tables` there too. With ``enabled=False`` both run in the calling thread instead
(same results).
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

import pandas as pd

from reymud.cores import core_summary, find_layers
from reymud.geochem import summarise
from reymud.ingest import ImportReport, IngestError, ingest_files
from reymud.ingest import errors as ingest_errors
from reymud.store import Project

__all__ = ["IngestWorker", "derive_tables", "main", "shutdown_worker"]

_HEADER = 8  # bytes of the big-endian length before each pickled message
_WORKER_MAIN = "from reymud.web.ingest_worker import main; main()"


def _ingest(project_path: str, files: list[str], collars: list[str]) -> tuple[str, Any]:
    """Run in the worker: ``("ok", reports)``, ``("ingest-error", fields)`` or ``("error", text)``
    (an :class:`IngestError` is sent as its fields: its constructor takes more than the message)."""
    try:
        with Project.open(project_path) as project:
            return "ok", ingest_files(project, files, collars=collars or None)
    except IngestError as exc:
        return "ingest-error", (type(exc).__name__, exc.file, exc.problem, exc.fix, exc.row, exc.column)
    except Exception as exc:  # sent back as text: any error of the worker becomes the upload's 500
        return "error", f"{type(exc).__name__}: {exc}"


def derive_tables(project_path: str | Path) -> dict[str, pd.DataFrame | None]:
    """The sample-level tables of a project as ``reymud cores`` computes them from the store.

    Returns
    -------
    dict
        ``samples``: wide samples with the geochemistry columns (:func:`reymud.geochem.summarise`);
        ``core_summary``: :func:`reymud.cores.core_summary` (None without samples or cores);
        ``layers``: :func:`reymud.cores.find_layers` at the default threshold.
    """
    with Project.open(project_path) as project:
        raw, cores = project.samples(), project.cores()
    samples = summarise(raw) if len(raw) else raw
    summary = core_summary(samples, cores) if len(samples) and len(cores) else None
    layers = find_layers(samples) if len(samples) else pd.DataFrame(
        columns=["core_id", "layer", "top_mbsf", "base_mbsf", "thickness_m"])
    return {"samples": samples, "core_summary": summary, "layers": layers}


def _handle(request: tuple[str, tuple] | None) -> tuple[str, Any]:
    """One request of the worker: ``("ingest", args)``, ``("derive", (project,))`` or None (ping)."""
    if request is None:
        return "ok", None
    kind, args = request
    if kind == "ingest":
        return _ingest(*args)
    try:
        return "ok", derive_tables(*args)
    except Exception as exc:  # sent back as text (the request that needs the tables reports it)
        return "error", f"{type(exc).__name__}: {exc}"


def _write(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_HEADER, "big") + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        raise EOFError("the ingest worker closed its output")
    return pickle.loads(stream.read(int.from_bytes(header, "big")))


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The worker's loop: one pickled request in (see :func:`_handle`), one answer out, until EOF."""
    while True:
        try:
            args = _read(stdin)
        except EOFError:
            return
        _write(stdout, _handle(args))


class _Process:
    """The running worker: a subprocess and the lock that keeps one request at a time."""

    def __init__(self) -> None:
        import reymud

        env = dict(os.environ)
        package_root = str(Path(reymud.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER_MAIN], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env)
        self.lock = threading.Lock()

    def call(self, args: tuple[str, tuple] | None) -> tuple[str, Any]:
        with self.lock:
            try:
                _write(self.proc.stdin, args)
                return _read(self.proc.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                self.proc.kill()
                raise

    def stop(self) -> None:
        with self.lock:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
            finally:
                self.proc.stdout.close()


_LOCK = threading.Lock()
_WORKER: list[_Process] = []  # the shared worker, once started


def _worker() -> _Process:
    with _LOCK:
        if not _WORKER:
            _WORKER.append(_Process())
        return _WORKER[0]


def shutdown_worker() -> None:
    """Stop the shared worker process (waits for a running ingest); the next upload starts a new one."""
    with _LOCK:
        workers = list(_WORKER)
        _WORKER.clear()
    for worker in workers:
        worker.stop()


atexit.register(shutdown_worker)


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
            self._call(None)

    def _call(self, args: tuple[str, tuple] | None) -> tuple[str, Any]:
        worker = _worker()
        try:
            return worker.call(args)
        except (EOFError, OSError, pickle.UnpicklingError):
            with _LOCK:
                if _WORKER and _WORKER[0] is worker:
                    _WORKER.clear()
            raise RuntimeError("the ingest worker process stopped unexpectedly; the upload was not loaded "
                               "(retry it; each file is one transaction)") from None

    def ingest(self, project_path: str | Path, files: list[Path], collars: list[Path]) -> list[ImportReport]:
        """:func:`reymud.ingest.ingest_files` on the project file, in the worker process.

        Raises
        ------
        IngestError
            As ``ingest_files`` raises it (same type, file, row, column and message).
        RuntimeError
            If the worker failed or died (a dead worker is replaced on the next upload).
        """
        if not self.enabled:
            with Project.open(project_path) as project:
                return ingest_files(project, files, collars=collars or None)
        status, payload = self._call(("ingest", (str(project_path), [str(f) for f in files], [str(c) for c in collars])))
        if status == "ingest-error":
            name, *fields = payload
            raise getattr(ingest_errors, name, IngestError)(*fields)
        if status == "error":
            raise RuntimeError(f"ingest failed in the worker process: {payload}")
        return payload

    def derive(self, project_path: str | Path) -> dict[str, pd.DataFrame | None]:
        """:func:`derive_tables` of the project, in the worker process.

        Raises
        ------
        RuntimeError
            If the tables cannot be computed (the message says why) or the worker died.
        """
        if not self.enabled:
            return derive_tables(project_path)
        status, payload = self._call(("derive", (str(project_path),)))
        if status == "error":
            raise RuntimeError(f"the sample tables cannot be computed: {payload}")
        return payload


def main() -> None:
    """Entry point of the worker process (see :class:`_Process`)."""
    out = os.fdopen(os.dup(1), "wb")  # answers go to the real stdout...
    os.dup2(2, 1)  # ...and anything the ingest prints goes to stderr
    serve(sys.stdin.buffer, out)
