"""The real demo assessment, run once per session and shared by the tests of this folder."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

REGEN_SCRIPT = Path(__file__).parents[1] / "data" / "regen_demo_results.py"


def load_regen() -> ModuleType:
    """``tests/data/regen_demo_results.py`` as a module (the one recipe of the stored copy)."""
    spec = importlib.util.spec_from_file_location("regen_demo_results", REGEN_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def regen() -> ModuleType:
    """The regeneration script's module (``demo_config``, ``comparable``, ``STORED``)."""
    return load_regen()


@pytest.fixture(scope="session")
def demo_results(regen, tmp_path_factory) -> dict:
    """Comparable results of the demo assessment (default plan), computed once per session."""
    return regen.run_demo(tmp_path_factory.mktemp("demo_assessment"))
