"""A readers-writer lock for the project file.

DuckDB refuses a read-write connection while a read-only one to the same file is open in the same
process, so the web app lets many readers in at once but a writer (an upload, an assessment) only
alone. Readers are preferred (short, and they may nest); a writer waits until no reader is inside.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ReadWriteLock"]


class ReadWriteLock:
    """Shared (read) / exclusive (write) lock."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False

    @property
    def writing(self) -> bool:
        """Whether a writer holds the lock."""
        return self._writer

    @contextmanager
    def read(self) -> Iterator[None]:
        """Hold the shared lock (waits while a writer is inside)."""
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if self._readers == 0:
                    self._cond.notify_all()

    def acquire_write(self, timeout_s: float | None = None) -> bool:
        """Take the exclusive lock; False if not obtained within ``timeout_s`` seconds."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._writer and self._readers == 0, timeout=timeout_s):
                return False
            self._writer = True
            return True

    def release_write(self) -> None:
        """Release the exclusive lock."""
        with self._cond:
            self._writer = False
            self._cond.notify_all()
