"""Background jobs with progress: the web app runs assessments and scenarios off the request thread.

A :class:`JobManager` owns a small thread pool (one worker by default, so jobs that write the
project run one after another). Each :class:`Job` records its status, progress (0-1), messages
and either a JSON-ready result or the error message.

The queue is bounded per kind (:class:`QueueFull` past the bound), an identical job submitted
while one is still queued is coalesced into it (same ``key``), and a job can be cancelled: a
queued one never starts, a running one stops at its next progress report - unless it has entered
its commit phase (:meth:`Job.begin_commit`), after which it can no longer be cancelled, so a
cancelled job never leaves half of its writes behind.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

__all__ = ["JOB_STATUSES", "Job", "JobCancelled", "JobManager", "NotCancellable", "QueueFull"]

#: Life cycle of a job.
JOB_STATUSES: tuple[str, ...] = ("queued", "running", "succeeded", "failed", "cancelled")
_FINISHED = frozenset({"succeeded", "failed", "cancelled"})
_MAX_MESSAGES = 200


class JobCancelled(RuntimeError):
    """Raised inside a job's progress callback once the job is cancelled or the manager shuts down."""


class QueueFull(RuntimeError):
    """Too many jobs of one kind are waiting; ``retry_after_s`` says when to try again."""

    def __init__(self, kind: str, queued: int, retry_after_s: int) -> None:
        super().__init__(f"{queued} {kind} job(s) already queued (the limit); retry in {retry_after_s} s "
                         "or cancel one with DELETE /api/jobs/{id}")
        self.retry_after_s = retry_after_s


class NotCancellable(RuntimeError):
    """The job has finished, or is saving its results and must be let finish."""


@dataclass
class Job:
    """One background job.

    Attributes
    ----------
    id : str
        Random hex identifier (also the URL part of ``/api/jobs/{id}``).
    kind : str
        ``assess`` or ``scenario``.
    key : str or None
        What the job computes (kind plus its inputs); queued jobs with the same key are coalesced.
    status : str
        One of :data:`JOB_STATUSES`.
    progress : float
        Fraction done, 0-1 (monotone).
    messages : list of str
        Progress messages, oldest first (the last 200 are kept).
    result : Any
        JSON-ready result once ``succeeded``.
    error : str or None
        The error message once ``failed`` (no traceback).
    """

    kind: str
    key: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: str = "queued"
    progress: float = 0.0
    messages: list[str] = field(default_factory=list)
    result: Any = None
    error: str | None = None
    created_s: float = field(default_factory=time.time)
    started_s: float | None = None
    finished_s: float | None = None
    debug_traceback: str | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _committing: bool = field(default=False, repr=False)

    def report(self, fraction: float | None = None, message: str | None = None) -> None:
        """Record progress (clipped to 0-1, never decreasing) and/or a message.

        Raises
        ------
        JobCancelled
            If the job was cancelled (or the server is shutting down) and has not begun to commit,
            so long work stops at the next report.
        """
        if self._cancel.is_set() and not self._committing:
            raise JobCancelled("job cancelled")
        with self._lock:
            if fraction is not None:
                value = float(fraction)
                if value == value:  # not NaN
                    self.progress = max(self.progress, min(1.0, max(0.0, value)))
            if message:
                self.messages.append(str(message))
                del self.messages[:-_MAX_MESSAGES]

    def begin_commit(self) -> None:
        """Enter the commit phase (writing results): from here on the job cannot be cancelled.

        Raises
        ------
        JobCancelled
            If it was cancelled before; then nothing has been written yet.
        """
        with self._lock:
            if self._cancel.is_set():
                raise JobCancelled("job cancelled")
            self._committing = True

    @property
    def finished(self) -> bool:
        """Whether the job has succeeded, failed or been cancelled."""
        return self.status in _FINISHED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready status (without the result itself; see ``result_url``)."""
        with self._lock:
            return {
                "id": self.id, "kind": self.kind, "status": self.status,
                "progress": round(self.progress, 4), "messages": list(self.messages),
                "error": self.error,
                "result_url": f"/api/jobs/{self.id}/result" if self.status == "succeeded" else None,
                "created_s": self.created_s, "started_s": self.started_s, "finished_s": self.finished_s,
            }


class JobManager:
    """Run callables in background threads and keep their status.

    Parameters
    ----------
    workers : int
        Jobs running at the same time.
    max_kept : int
        Finished jobs kept; the oldest finished ones are forgotten first.
    on_success : callable, optional
        Called as ``on_success(job)`` after a job succeeded (the app uses it to drop caches).
    max_queued_per_kind : int, optional
        Jobs of one kind waiting to start; :meth:`submit` raises :class:`QueueFull` past it.
        None: unbounded.
    retry_after_s : int
        The retry delay :class:`QueueFull` reports.
    """

    def __init__(self, workers: int = 1, max_kept: int = 50,
                 on_success: Callable[[Job], None] | None = None,
                 max_queued_per_kind: int | None = None, retry_after_s: int = 10) -> None:
        self._max_queued = max_queued_per_kind
        self._retry_after_s = retry_after_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reymud-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._max_kept = max_kept
        self._on_success = on_success

    def submit(self, kind: str, func: Callable[[Job], Any], key: str | None = None) -> Job:
        """Queue ``func(job)``; its return value (JSON-ready) becomes ``job.result``.

        Parameters
        ----------
        kind : str
            Job kind (the queue bound applies per kind).
        func : callable
            ``func(job)``, run in a worker thread.
        key : str, optional
            Identity of the work; a still-queued job of the same kind and key is returned instead
            of queuing a duplicate.

        Returns
        -------
        Job
            The new job, or the queued job it was coalesced into.

        Raises
        ------
        QueueFull
            ``max_queued_per_kind`` jobs of this kind are already waiting.
        """
        with self._lock:
            queued = [j for j in self._jobs.values() if j.kind == kind and j.status == "queued"]
            if key is not None:
                for other in queued:
                    if other.key == key:
                        return other
            if self._max_queued is not None and len(queued) >= self._max_queued:
                raise QueueFull(kind, len(queued), self._retry_after_s)
            job = Job(kind=kind, key=key)
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, func)
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a job: a queued one never starts, a running one stops at its next report.

        Raises
        ------
        KeyError
            Unknown job id.
        NotCancellable
            The job has finished or is committing its results.
        """
        job = self.get(job_id)
        if job is None:
            raise KeyError(f"no job {job_id!r}")
        with job._lock:
            if job.status in _FINISHED:
                raise NotCancellable(f"job {job_id} has already {job.status}")
            if job._committing:
                raise NotCancellable(f"job {job_id} is saving its results and can no longer be cancelled")
            job._cancel.set()
            if job.status == "queued":
                job.status, job.finished_s = "cancelled", time.time()
                job.messages.append("cancelled before it started")
        return job

    def _run(self, job: Job, func: Callable[[Job], Any]) -> None:
        with job._lock:
            if job.status != "queued":  # cancelled while queued
                return
            job.status, job.started_s = "running", time.time()
        try:
            result = func(job)
        except JobCancelled as exc:
            job.messages.append(f"cancelled: {exc}; nothing was saved")
            job.status = "cancelled"
        except Exception as exc:  # the job reports any failure as its status
            job.error = _clean_error(exc)
            job.messages.append(f"failed: {job.error}")
            job.status = "failed"
            job.debug_traceback = traceback.format_exc()
        else:
            job.result = result
            job.progress = 1.0
            job.status = "succeeded"
            if self._on_success is not None:
                try:
                    self._on_success(job)
                except Exception as exc:  # a cache refresh must not turn success into failure
                    job.messages.append(f"warning: post-processing failed: {_clean_error(exc)}")
        finally:
            job.finished_s = time.time()

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.finished]
        while len(self._jobs) > self._max_kept and finished:
            self._jobs.pop(finished.pop(0), None)

    def get(self, job_id: str) -> Job | None:
        """The job with this id, or None."""
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        """Known jobs, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def wait(self, job_id: str, timeout_s: float = 60.0, poll_s: float = 0.02) -> Job:
        """Block until the job has finished (for tests and scripts).

        Raises
        ------
        KeyError
            Unknown job id.
        TimeoutError
            If it is still running after ``timeout_s`` seconds.
        """
        job = self.get(job_id)
        if job is None:
            raise KeyError(f"no job {job_id!r}")
        deadline = time.monotonic() + timeout_s
        while not job.finished:
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job.status} after {timeout_s} s")
            time.sleep(poll_s)
        return job

    def shutdown(self) -> None:
        """Ask running jobs to stop at their next progress report and stop the pool."""
        for job in self.list():
            job._cancel.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _clean_error(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, ValueError | KeyError | RuntimeError) else f"{type(exc).__name__}: {text}"
