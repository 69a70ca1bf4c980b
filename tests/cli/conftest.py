"""One small SYNTHETIC demo project shared by the CLI tests (commands may add block models to it)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    """A 5-core demo project (seed 11) with its survey's stored plan; path to the project file."""
    from reymud.demo import demo_project

    path = tmp_path_factory.mktemp("cli_demo") / "p.duckdb"
    demo_project(path, seed=11, n_cores=5).close()
    return path
