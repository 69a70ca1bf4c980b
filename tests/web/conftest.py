"""Fixtures of the web tests: one small REAL demo project, assessed once per session.

The project is built by ``reymud.demo.demo_project`` (files ingested through ``reymud.ingest``)
and assessed by ``reymud.assess.assess`` with a small configuration; a broken stage fails the tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from web_client import LocalClient

from reymud.assess import AssessConfig, assess
from reymud.demo import demo_project
from reymud.store import Project
from reymud.web import WebConfig, create_app

N_CORES = 10
SMALL_ASSESS = {"cell_m": 1_000.0, "sim_cell_m": 2_000.0, "n_realizations": 4, "use_dask": False,
                "cv_folds": 5, "max_samples": 8, "margin_m": 3_000.0}


@pytest.fixture(scope="session")
def small_assess() -> dict:
    """AssessConfig overrides that keep an assessment of the test project quick."""
    return dict(SMALL_ASSESS)


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory) -> Path:
    """A pristine assessed demo project (copied per test module that writes)."""
    folder = tmp_path_factory.mktemp("webdemo")
    path = folder / "demo.duckdb"
    with demo_project(path, n_cores=N_CORES) as project:
        assess(project, folder / "out", config=AssessConfig.from_dict(SMALL_ASSESS))
    return path


def copy_project(source: Path, target_dir: Path) -> Path:
    """Copy a project file and its artefact folder (so write tests leave the source pristine)."""
    target = target_dir / source.name
    shutil.copy2(source, target)
    files = Path(f"{source}.files")
    if files.is_dir():
        shutil.copytree(files, Path(f"{target}.files"))
    return target


@pytest.fixture(scope="session")
def copy_demo(demo_source):
    """Function ``copy_demo(folder) -> Path``: a private copy of the assessed demo project."""
    return lambda folder: copy_project(demo_source, folder)


@pytest.fixture(scope="module")
def project_path(demo_source, tmp_path_factory) -> Path:
    """A private copy of the assessed demo project for one test module."""
    return copy_project(demo_source, tmp_path_factory.mktemp("webproj"))


@pytest.fixture(scope="module")
def client(project_path) -> LocalClient:
    """TestClient over the demo project (no token: loopback mode)."""
    app = create_app(project_path, config=WebConfig(max_upload_mb=1.0))
    with LocalClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def empty_project(tmp_path_factory) -> Path:
    """A freshly initialised project with no data."""
    path = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    Project.init(path).close()
    return path
