"""Caches of derived tables keyed by the project's version, refreshed once per change.

Every entry remembers the version of what it was built from (:class:`Version`: the store's
change stamp, :meth:`reymud.store.Project.version`, plus the modification times of the grid files
``assess`` writes). An entry whose version is current is served from memory; an entry built from
an older version is **stale**:

- after a write in this process (an upload, an assessment) the writer refreshes every stale entry
  itself, once, before it answers (:meth:`VersionedCache.refresh`), so readers never pay for it and
  the writer's next read sees its own change;
- a change made by another process (``reymud ingest`` beside the server) is noticed by a cheap
  check of file modification times on each read; the first reader that finds an entry stale
  rebuilds it while every other reader is served the old value meanwhile.

Entries are grouped by what they depend on (:data:`SCOPES`): an ingest changes only the store's
``data`` part, so what was built from the assessment (block model, blocks, cut-off indexes) stays
current through uploads, and a failed upload (nothing committed) changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["ALL", "ASSESS", "SCOPES", "Version", "VersionedCache"]

#: Scope of entries built from the store's data and the assessment (samples, cores, layers...).
ALL = "all"
#: Scope of entries built only from what ``assess`` saved (block model, blocks, cut-off indexes).
ASSESS = "assess"
SCOPES: tuple[str, ...] = (ALL, ASSESS)


@dataclass(frozen=True)
class Version:
    """What a cache entry was built from.

    Parameters
    ----------
    data : tuple
        The store's data stamp (imports, cores, samples, assays, metadata).
    artifacts : tuple
        The store's artefact stamp (saved frames and JSON objects).
    files : tuple
        Modification times of the grid files written by ``assess`` (None when absent).
    """

    data: tuple
    artifacts: tuple
    files: tuple

    def tag(self, scope: str) -> tuple:
        """The parts of the version an entry of ``scope`` depends on."""
        if scope == ASSESS:
            return (self.artifacts, self.files)
        if scope == ALL:
            return (self.data, self.artifacts, self.files)
        raise ValueError(f"unknown cache scope {scope!r}; use one of {SCOPES}")


@dataclass
class _Entry:
    value: Any
    tag: tuple
    scope: str
    loader: Callable[[], Any]


class VersionedCache:
    """Derived values keyed by name, each rebuilt once per change of what it depends on.

    Parameters
    ----------
    read_version : callable
        ``read_version() -> Version``: the current version (opens the project; called once per
        change, never per request).
    disk_stamp : callable
        ``disk_stamp() -> tuple``: a cheap stamp (file modification times) that changes whenever
        the project may have changed on disk; checked on every read.
    writing : callable
        ``writing() -> bool``: True while a write holds the project; the version is not read then
        (what is cached is served as it is until the writer refreshes).
    """

    def __init__(self, read_version: Callable[[], Version], disk_stamp: Callable[[], tuple],
                 writing: Callable[[], bool]) -> None:
        self._read_version = read_version
        self._disk_stamp = disk_stamp
        self._writing = writing
        self._lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._entries: dict[str, _Entry] = {}
        self._version: Version | None = None
        self._seen_stamp: tuple | None = None
        self._local = threading.local()
        self._refreshing = 0
        #: Entries built (first loads and rebuilds), for the tests and the benchmark.
        self.builds = 0

    # ------------------------------------------------------------------ version
    @property
    def version(self) -> Version:
        """The current version (read from the project the first time)."""
        if self._version is None:
            with self._check_lock:
                if self._version is None:
                    self._update_version()
        assert self._version is not None
        return self._version

    def _update_version(self) -> None:
        stamp = self._disk_stamp()  # before the version: a change in between is seen next time
        version = self._read_version()
        with self._lock:
            self._version, self._seen_stamp = version, stamp

    def _check(self) -> None:
        """Notice a change on disk (cheap stat calls); one thread reads the new version."""
        if self._version is None or self._refreshing or self._writing() or self._disk_stamp() == self._seen_stamp:
            return
        if self._check_lock.acquire(blocking=False):
            try:
                self._update_version()
            finally:
                self._check_lock.release()

    # ------------------------------------------------------------------ access
    def get(self, key: str, loader: Callable[[], Any], scope: str = ALL) -> Any:
        """The value of ``key``: cached when current; else built by ``loader()`` (once).

        A stale entry is rebuilt by one caller while the others get the old value (all of them
        do during a write and its refresh); inside a loader (a value built from other entries)
        stale dependencies are rebuilt, never served.
        """
        self._check()
        version = self.version
        entry = self._entries.get(key)
        if entry is not None and entry.tag == version.tag(scope):
            return entry.value
        lock = self._key_lock(key)
        if entry is not None and not self._inside_loader():
            if self._refreshing or self._writing():
                return entry.value  # a writer holds the project, or rebuilds the stale entries now
            if not lock.acquire(blocking=False):
                return entry.value  # another caller rebuilds it: serve the old value meanwhile
        else:
            lock.acquire()
        try:
            return self._build(key, loader, scope)
        finally:
            lock.release()

    def peek(self, key: str, scope: str = ALL) -> Any | None:
        """What :meth:`get` would answer at once without building anything, else None (for the
        event loop): the current value, or during a write or a refresh the cached value as it is."""
        version = self._version
        entry = self._entries.get(key)
        if version is None or entry is None:
            return None
        if self._refreshing or self._writing():
            return entry.value
        if self._disk_stamp() != self._seen_stamp:
            return None  # maybe changed on disk: get() reads the version
        return entry.value if entry.tag == version.tag(scope) else None

    def begin_refresh(self) -> None:
        """Announce a :meth:`refresh` (call it before the write lock is released): until the
        refresh ends, readers keep getting the cached values instead of rebuilding them."""
        with self._lock:
            self._refreshing += 1

    def refresh(self) -> int:
        """Read the version and rebuild every stale entry now (a writer calls it when it is done,
        after :meth:`begin_refresh`).

        Returns
        -------
        int
            The number of entries rebuilt. An entry whose loader fails is dropped (the next
            request that needs it reports the error).
        """
        rebuilt = 0
        try:
            with self._check_lock:
                self._update_version()
            for key in list(self._entries):
                entry = self._entries.get(key)
                if entry is None or entry.tag == self.version.tag(entry.scope):
                    continue
                with self._key_lock(key):
                    try:
                        self._build(key, entry.loader, entry.scope)
                        rebuilt += 1
                    except Exception:  # reported by the request that needs it
                        with self._lock:
                            self._entries.pop(key, None)
        finally:
            with self._lock:
                self._refreshing = max(self._refreshing - 1, 0)
        return rebuilt

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    # ------------------------------------------------------------------ internals
    def _key_lock(self, key: str) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def _inside_loader(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    def _build(self, key: str, loader: Callable[[], Any], scope: str) -> Any:
        """Build ``key`` under its lock (re-checked: another caller may have just built it)."""
        version = self.version
        entry = self._entries.get(key)
        if entry is not None and entry.tag == version.tag(scope):
            return entry.value
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            value = loader()
        finally:
            self._local.depth -= 1
        with self._lock:
            self.builds += 1
            self._entries[key] = _Entry(value, version.tag(scope), scope, loader)
        return value
