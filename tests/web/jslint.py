"""A small linter for the page's ES modules, in Python (no node needed): syntax errors and
undefined names.

The source is parsed as an ES module by tree-sitter's JavaScript grammar (the pinned
``tree-sitter`` and ``tree-sitter-javascript`` wheels of the ``dev`` extra). Two kinds of problem
are reported, each as ``file:line:column: message``:

- a syntax error (an ``ERROR`` node or a token the parser had to invent, e.g. a missing ``)``);
- a name that is neither declared in an enclosing scope (``import``, ``const``/``let``/``var``,
  ``function``, ``class``, parameters, ``catch``) nor a known global (:data:`BROWSER_GLOBALS` and
  the ``extra_globals`` given, e.g. ``Plotly`` loaded by a classic script before the module).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import tree_sitter
import tree_sitter_javascript

__all__ = ["BROWSER_GLOBALS", "lint_file", "lint_source"]

#: ECMAScript built-ins and the browser APIs the page may use without declaring them.
BROWSER_GLOBALS: frozenset[str] = frozenset({
    "Array", "ArrayBuffer", "Boolean", "Date", "Error", "Infinity", "Intl", "JSON", "Map", "Math", "NaN",
    "Number", "Object", "Promise", "Proxy", "Reflect", "RegExp", "Set", "String", "Symbol", "TypeError",
    "WeakMap", "WeakSet", "arguments", "console", "decodeURIComponent", "encodeURIComponent", "globalThis",
    "isFinite", "isNaN", "parseFloat", "parseInt", "undefined",
    "AbortController", "Blob", "CustomEvent", "Event", "FormData", "HTMLElement", "Headers", "Option",
    "Request", "Response", "URL", "URLSearchParams", "cancelAnimationFrame", "clearInterval", "clearTimeout",
    "document", "fetch", "history", "localStorage", "location", "navigator", "requestAnimationFrame",
    "sessionStorage", "setInterval", "setTimeout", "window",
})

_LANGUAGE = tree_sitter.Language(tree_sitter_javascript.language())
_FUNCTIONS = frozenset({"function_declaration", "generator_function_declaration", "function_expression",
                        "generator_function", "function", "arrow_function", "method_definition"})
_BLOCKS = frozenset({"program", "statement_block", "for_statement", "for_in_statement", "switch_body",
                     "class_body", "catch_clause"}) | _FUNCTIONS


def _walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _pattern_names(node: tree_sitter.Node | None) -> Iterator[tree_sitter.Node]:
    """Identifier nodes bound by a binding pattern (``a``, ``{a, b: c}``, ``[a = 1, ...rest]``)."""
    if node is None:
        return
    if node.type in ("identifier", "shorthand_property_identifier_pattern"):
        yield node
    elif node.type == "pair_pattern":
        yield from _pattern_names(node.child_by_field_name("value"))
    elif node.type == "assignment_pattern":
        yield from _pattern_names(node.child_by_field_name("left"))
    elif node.type in ("object_pattern", "array_pattern", "rest_pattern", "formal_parameters"):
        for child in node.named_children:
            yield from _pattern_names(child)


def _enclosing(node: tree_sitter.Node, kinds: frozenset[str]) -> tree_sitter.Node:
    current = node.parent
    while current is not None and current.type not in kinds:
        current = current.parent
    assert current is not None  # the program node is in every set of kinds
    return current


def _bindings(root: tree_sitter.Node) -> Iterator[tuple[tree_sitter.Node, tree_sitter.Node]]:
    """(scope node, identifier node) for every declaration in the tree."""
    function_scopes = _FUNCTIONS | {"program"}
    for node in _walk(root):
        kind = node.type
        if kind == "variable_declarator":
            declaration = node.parent
            is_var = declaration is not None and declaration.type == "variable_declaration"
            scope = _enclosing(declaration, function_scopes if is_var else _BLOCKS)
            for name in _pattern_names(node.child_by_field_name("name")):
                yield scope, name
        elif kind in ("function_declaration", "generator_function_declaration", "class_declaration"):
            name = node.child_by_field_name("name")
            if name is not None:
                yield _enclosing(node, function_scopes if kind != "class_declaration" else _BLOCKS), name
        elif kind in ("function_expression", "generator_function", "function", "class"):
            name = node.child_by_field_name("name")
            if name is not None:
                yield node, name
        if kind in _FUNCTIONS:  # parameters belong to the function itself
            for field in ("parameters", "parameter"):
                for name in _pattern_names(node.child_by_field_name(field)):
                    yield node, name
        if kind == "catch_clause":
            for name in _pattern_names(node.child_by_field_name("parameter")):
                yield node, name
        elif kind == "for_in_statement":
            for name in _pattern_names(node.child_by_field_name("left")):
                yield node, name
        elif kind in ("import_specifier", "namespace_import", "import_clause"):
            alias = node.child_by_field_name("alias") if kind == "import_specifier" else None
            names = [alias or node.child_by_field_name("name")] if kind == "import_specifier" else \
                [c for c in node.named_children if c.type == "identifier"]
            for name in names:
                if name is not None:
                    yield root, name


def lint_source(source: str, name: str = "<source>", extra_globals: Iterable[str] = ()) -> list[str]:
    """Problems in one ES module's source, as ``name:line:column: message`` (empty when clean)."""
    tree = tree_sitter.Parser(_LANGUAGE).parse(source.encode())
    root = tree.root_node
    problems = []
    for node in _walk(root):
        if node.is_error or node.is_missing:
            line, column = node.start_point
            what = f"missing {node.type!r}" if node.is_missing else "syntax error"
            text = source.encode()[node.start_byte:node.end_byte][:40].decode(errors="replace")
            problems.append(f"{name}:{line + 1}:{column + 1}: {what}" + (f" near {text!r}" if text else ""))
    declared: dict[int, set[str]] = {}
    binding_ids = set()
    for scope, ident in _bindings(root):
        declared.setdefault(scope.id, set()).add(ident.text.decode())
        binding_ids.add(ident.id)
    known = BROWSER_GLOBALS | frozenset(extra_globals)
    for node in _walk(root):
        if node.type not in ("identifier", "shorthand_property_identifier") or node.id in binding_ids:
            continue
        ident = node.text.decode()
        if ident in known:
            continue
        scope = node.parent
        while scope is not None and ident not in declared.get(scope.id, ()):
            scope = scope.parent
        if scope is None:
            line, column = node.start_point
            problems.append(f"{name}:{line + 1}:{column + 1}: {ident!r} is not defined (import or declare it)")
    return problems


def lint_file(path: Path, extra_globals: Iterable[str] = ()) -> list[str]:
    """:func:`lint_source` of a file (problems named by the file's name)."""
    return lint_source(path.read_text(encoding="utf-8"), path.name, extra_globals)


def exported_names(source: str) -> set[str]:
    """Names an ES module exports (``export function f``, ``export const a``, ``export { a as b }``)."""
    root = tree_sitter.Parser(_LANGUAGE).parse(source.encode()).root_node
    names: set[str] = set()
    for node in root.named_children:
        if node.type != "export_statement":
            continue
        declaration = node.child_by_field_name("declaration")
        if declaration is not None:
            if declaration.type in ("lexical_declaration", "variable_declaration"):
                for declarator in declaration.named_children:
                    names.update(n.text.decode() for n in _pattern_names(declarator.child_by_field_name("name")))
            elif declaration.child_by_field_name("name") is not None:
                names.add(declaration.child_by_field_name("name").text.decode())
        for spec in (n for n in _walk(node) if n.type == "export_specifier"):
            alias = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
            names.add(alias.text.decode())
    return names


def imported_names(source: str) -> list[tuple[str, str, int]]:
    """``(module, name, line)`` for each name a module uses from another: named imports, and
    ``ns.name`` member accesses of a namespace import (``import * as ns``)."""
    root = tree_sitter.Parser(_LANGUAGE).parse(source.encode()).root_node
    out: list[tuple[str, str, int]] = []
    namespaces: dict[str, str] = {}
    for node in root.named_children:
        if node.type != "import_statement":
            continue
        module = node.child_by_field_name("source").text.decode().strip("'\"")
        for spec in (n for n in _walk(node) if n.type == "import_specifier"):
            out.append((module, spec.child_by_field_name("name").text.decode(), spec.start_point[0] + 1))
        for ns in (n for n in _walk(node) if n.type == "namespace_import"):
            namespaces[next(c for c in ns.named_children if c.type == "identifier").text.decode()] = module
    for node in _walk(root):
        if node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is not None and obj.type == "identifier" and obj.text.decode() in namespaces:
                out.append((namespaces[obj.text.decode()], prop.text.decode(), node.start_point[0] + 1))
    return out
