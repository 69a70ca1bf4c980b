"""Every ``>>>`` example in the reymud package runs (doctest), so the documented calls stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import reymud


def _modules_with_examples() -> list[str]:
    names = [reymud.__name__] + [m.name for m in pkgutil.walk_packages(reymud.__path__, "reymud.")]
    found = []
    finder = doctest.DocTestFinder(exclude_empty=True)
    for name in names:
        if name.startswith("reymud.cli.main"):
            continue
        module = importlib.import_module(name)
        if any(t.examples for t in finder.find(module, name)):
            found.append(name)
    return found


MODULES = _modules_with_examples()


def test_the_package_has_examples():
    assert {"reymud.resource.slab", "reymud.assess", "reymud.demo", "reymud.web.app", "reymud.plot"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
