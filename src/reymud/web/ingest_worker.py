"""Uploads are ingested in a worker process, so reading and validating files never holds the
server's interpreter (its GIL) while other requests are answered.

One worker process per server process (shared by its apps), running :func:`main`,
started on the first upload (or by :meth:`IngestWorker.start`) and kept for the next ones, until
:func:`shutdown_worker` or the interpreter's exit. Each call runs :func:`reymud.ingest.ingest_files`
there on the project file, exactly as ``reymud ingest`` does; requests and answers are pickled
over the worker's stdin/stdout (a plain subprocess: unlike ``multiprocessing``'s spawn it never
re-imports the server's main script). The app calls it inside ``ProjectState.writing()``, so no
connection of the server is open on the file meanwhile. With ``enabled=False`` the ingest runs
in the calling thread instead (same results).
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

from reymud.ingest import ImportReport, IngestError, ingest_files
from reymud.ingest import errors as ingest_errors
from reymud.store import Project

__all__ = ["IngestWorker", "main", "shutdown_worker"]

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
    """The worker's loop: one pickled ``(project, files, collars)`` in, one answer out, until EOF."""
    while True:
        try:
            args = _read(stdin)
        except EOFError:
            return
        _write(stdout, _ingest(*args) if args is not None else ("ok", None))


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

    def call(self, args: tuple | None) -> tuple[str, Any]:
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

    def _call(self, args: tuple | None) -> tuple[str, Any]:
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
        status, payload = self._call((str(project_path), [str(f) for f in files], [str(c) for c in collars]))
        if status == "ingest-error":
            name, *fields = payload
            raise getattr(ingest_errors, name, IngestError)(*fields)
        if status == "error":
            raise RuntimeError(f"ingest failed in the worker process: {payload}")
        return payload


def main() -> None:
    """Entry point of the worker process (see :class:`_Process`)."""
    out = os.fdopen(os.dup(1), "wb")  # answers go to the real stdout...
    os.dup2(2, 1)  # ...and anything the ingest prints goes to stderr
    serve(sys.stdin.buffer, out)
