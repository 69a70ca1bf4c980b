"""Lint of the page's JavaScript (ES modules), in Python: runs in `make test` on any machine, with
or without node (see ``jslint.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jslint import exported_names, imported_names, lint_file, lint_source

from reymud.web.routes.pages import STATIC_DIR

#: Globals the page defines with classic scripts before its modules run (index.html).
PAGE_GLOBALS = {"Plotly": "/vendor/plotly.min.js"}
MODULES = sorted(STATIC_DIR.glob("*.js"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_page_module_has_no_syntax_error_or_undefined_name(path: Path):
    assert lint_file(path, extra_globals=PAGE_GLOBALS) == []


def test_page_loads_its_code_as_modules_and_plotly_first():
    html = (STATIC_DIR / "index.html").read_text()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    modules = [s for s in scripts if 'type="module"' in s]
    classic = [s for s in scripts if 'type="module"' not in s]
    assert modules == [' type="module" src="/static/app.js"'], scripts  # app.js imports the others
    assert [re.search(r'src="([^"]+)"', s).group(1) for s in classic] == list(PAGE_GLOBALS.values())
    assert html.index(PAGE_GLOBALS["Plotly"]) < html.index("/static/app.js")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_imported_name_is_exported_by_its_module(path: Path):
    for module, name, line in imported_names(path.read_text()):
        target = (path.parent / module).resolve()
        assert module.startswith("./") and target.is_file(), f"{path.name}:{line}: no module {module}"
        assert name in exported_names(target.read_text()), f"{path.name}:{line}: {module} exports no {name!r}"


def test_every_module_is_reached_from_the_page():
    reached, todo = set(), ["app.js"]
    while todo:
        name = todo.pop()
        reached.add(name)
        todo += [m.removeprefix("./") for m, _, _ in imported_names((STATIC_DIR / name).read_text())
                 if m.removeprefix("./") not in reached]
    assert reached == {p.name for p in MODULES}


@pytest.mark.parametrize(("source", "expected"), [
    ("const a = (1;", "missing ')'"),
    ("export function f( { return 1; }", "syntax error"),
    ("import { get } from './api.js';\nget(x);", "'x' is not defined"),
    ("function f() { let local = 1; }\nlocal;", "'local' is not defined"),
    ("const o = { shorthand };", "'shorthand' is not defined"),
    ("document.getElementById('a'); Plotly.react();", "'Plotly' is not defined"),
])
def test_the_linter_finds_what_it_claims(source: str, expected: str):
    problems = lint_source(source, "bad.js")
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("bad.js:") for p in problems)


def test_the_linter_accepts_scoped_names_and_the_given_globals():
    source = """import * as Api from "./api.js";
export async function run({ a, b: [c = 1] }, ...rest) {
  for (const item of rest) { try { await Api.get(item); } catch (err) { console.log(err, a, c); } }
  const f = (x) => x + a;
  return Plotly.react("map", [f(c)]);
}"""
    assert lint_source(source, extra_globals=PAGE_GLOBALS) == []
    assert exported_names(source) == {"run"}
    assert imported_names(source) == [("./api.js", "get", 3)]
