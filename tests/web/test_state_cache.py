"""Caches of the web state keyed by the project's version: the store's change stamp, rebuilds once
per change by the writer, the old value served while one reader rebuilds, ingest in a worker."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

from reymud.demo import demo_project, write_demo_survey
from reymud.ingest import IngestError, ingest_files
from reymud.store import Project
from reymud.web import WebConfig
from reymud.web.cache import ASSESS, Version, VersionedCache
from reymud.web.ingest_worker import IngestWorker, derive_tables
from reymud.web.state import ProjectState


@pytest.fixture
def demo(tmp_path) -> Path:
    """A small un-assessed demo project (4 cores)."""
    path = tmp_path / "demo.duckdb"
    demo_project(path, n_cores=4).close()
    return path


def _survey(folder: Path, tag: str, bad_row: bool = False) -> tuple[Path, Path]:
    """A 2-core demo survey with its own ids (``<tag>-PC01``...): assays and collars files."""
    files = write_demo_survey(folder / tag, seed=11, n_cores=2)
    for path in (files.assays, files.collars):
        path.write_text(path.read_text().replace("SYN-PC", f"{tag}-PC"))
    if bad_row:
        lines = files.assays.read_text().splitlines()
        cells = lines[4].split(",")
        cells[10] = "abc"  # the Pr (ppm) value of spreadsheet row 5 (the comment line is row 1)
        lines[4] = ",".join(cells)
        files.assays.write_text("\n".join(lines) + "\n")
    return files.assays, files.collars


def test_store_counts_and_version_follow_what_is_committed(demo, tmp_path):
    with Project.open(demo) as project:
        counts, v0 = project.counts(), project.version()
        assert counts["cores"] == 4 and counts["samples"] == len(project.samples())
        assert counts["imports"] == len(project.imports()) and counts["frames"] == 0
        project.save_frame("probe", pd.DataFrame({"a": [1.0]}))
        v1 = project.version()
        assert v1["data"] == v0["data"] and v1["artifacts"] != v0["artifacts"]
        assays, collars = _survey(tmp_path, "NEW")
        ingest_files(project, [assays], collars=[collars])
        v2 = project.version()
        assert v2["data"] != v1["data"] and v2["artifacts"] == v1["artifacts"]
        assert project.counts()["cores"] == 6
        bad, _ = _survey(tmp_path, "BAD", bad_row=True)
        with pytest.raises(IngestError):
            ingest_files(project, [bad])
        assert project.version() == v2  # a refused file commits nothing, so nothing is stale


def test_a_write_rebuilds_what_it_changed_once_and_keeps_the_rest(demo, tmp_path):
    state = ProjectState(demo, WebConfig(warm_up=False))
    loads = []
    probe = lambda: state.cached("probe", lambda: loads.append(1) or len(loads), ASSESS)  # noqa: E731
    cores = state.cores()
    assert probe() == 1 and state.cores() is cores and state.info()["n_cores"] == 4
    builds = state.cache.builds
    assays, collars = _survey(tmp_path, "NEW")
    with state.writing():
        IngestWorker(enabled=False).ingest(state.path, [assays], [collars])
    assert state.cache.builds > builds  # the writer rebuilt the stale entries before it returned...
    builds = state.cache.builds
    assert len(state.cores()) == 6 and state.info()["n_cores"] == 6
    assert state.cache.builds == builds  # ...so the readers after it build nothing
    assert probe() == 1  # an ingest leaves what was built from the assessment alone
    bad, _ = _survey(tmp_path, "BAD", bad_row=True)
    cores = state.cores()
    with pytest.raises(IngestError), state.writing():
        IngestWorker(enabled=False).ingest(state.path, [bad], [])
    assert state.cores() is cores and state.cache.builds == builds  # nothing committed, nothing rebuilt
    with state.writing() as project:  # what an assessment does: save its frames
        project.save_frame("blocks_probe", pd.DataFrame({"a": [1.0]}))
    assert probe() == 2


def test_a_change_by_another_process_is_noticed_on_the_next_read(demo, tmp_path):
    state = ProjectState(demo, WebConfig(warm_up=False))
    assert len(state.cores()) == 4
    assays, collars = _survey(tmp_path, "CLI")
    with Project.open(demo) as project:  # as `reymud ingest` beside the server would
        ingest_files(project, [assays], collars=[collars])
    assert len(state.cores()) == 6


def _cache(version: list[Version]) -> VersionedCache:
    return VersionedCache(lambda: version[0], lambda: (version[0],), lambda: False)


def test_readers_get_the_old_value_while_one_rebuilds_it():
    version = [Version((1,), (), ())]
    cache = _cache(version)
    assert cache.get("k", lambda: "old") == "old"
    version[0] = Version((2,), (), ())
    started, release, out = threading.Event(), threading.Event(), []

    def slow() -> str:
        started.set()
        release.wait(10)
        return "new"
    rebuild = threading.Thread(target=lambda: out.append(cache.get("k", slow)))
    rebuild.start()
    assert started.wait(10)
    assert cache.get("k", lambda: pytest.fail("built twice")) == "old"
    assert cache.peek("k") is None  # stale: the event-loop fast path must not use it
    release.set()
    rebuild.join(10)
    assert out == ["new"] and cache.get("k", lambda: pytest.fail("built twice")) == "new"
    assert cache.peek("k") == "new"


def test_a_refresh_rebuilds_dependencies_before_what_is_built_from_them():
    version, source = [Version((1,), (), ())], {"a": 1}
    cache = _cache(version)

    def load_a() -> int:
        return source["a"]

    def load_b() -> int:
        return cache.get("a", load_a) * 10
    assert cache.get("b", load_b) == 10  # b is cached before a: a refresh meets b first
    version[0], source["a"] = Version((2,), (), ()), 2
    cache.begin_refresh()
    assert cache.refresh() == 2
    assert cache.get("b", load_b) == 20 and cache.get("a", load_a) == 2


def test_the_ingest_worker_process_reports_errors_like_the_cli(demo, tmp_path):
    bad, _ = _survey(tmp_path, "BAD", bad_row=True)
    with pytest.raises(IngestError) as caught:
        IngestWorker().ingest(demo, [bad], [])
    assert caught.value.row == 5 and caught.value.column == "Pr (ppm)" and Path(caught.value.file).name == bad.name
    assays, collars = _survey(tmp_path, "OK")
    reports = IngestWorker().ingest(demo, [assays], [collars])
    assert [r.status for r in reports] == ["loaded", "loaded"]
    with Project.open(demo) as project:
        assert project.counts()["cores"] == 6
    there, here = IngestWorker().derive(demo), derive_tables(demo)  # the same tables in the worker
    for name in ("samples", "core_summary", "layers"):
        pd.testing.assert_frame_equal(there[name], here[name], obj=name)
    assert len(there["core_summary"]) == 6 and there["samples"]["core_id"].nunique() == 6


def test_during_a_write_and_its_refresh_the_event_loop_path_serves_the_cached_value():
    version, writing, source = [Version((1,), (), ())], [False], {"k": "old"}
    cache = VersionedCache(lambda: version[0], lambda: (version[0],), lambda: writing[0])
    cache.get("k", lambda: source["k"])
    writing[0], version[0], source["k"] = True, Version((2,), (), ()), "new"  # a writer is committing
    assert cache.peek("k") == "old" and cache.get("k", lambda: pytest.fail("built during the write")) == "old"
    cache.begin_refresh()
    writing[0] = False  # the write lock is released, the writer's refresh has not run yet
    assert cache.peek("k") == "old" and cache.get("k", lambda: pytest.fail("built by a reader")) == "old"
    assert cache.refresh() == 1
    assert cache.peek("k") == "new"
