"""Regression guard: the demo assessment's results.json equals the stored copy.

Runs the REAL demo (``demo_project`` defaults, default ``AssessConfig``: the default estimation
plan) and compares its results.json, without timings and software versions, with
``tests/data/demo_results.json``: numbers to a relative tolerance of 1e-6 (absolute 1e-6 for round-off
around zero), everything else exactly. 1e-6, not tighter: the same code on another CPU or BLAS build
moves the variogram fit and so cross-validation and percentiles by 1e-9 to 1e-7 relative (seen between
this project's machines); a behaviour change moves reported numbers far more.

A deliberate change of the numbers (the demo generator, a stage's method) is recorded by
regenerating the stored copy and committing it with the change::

    .venv/bin/python tests/data/regen_demo_results.py

(the recipe, and the two pinned settings ``status_date`` and ``use_dask=False``, are in that
script's docstring). An unexplained difference is a behaviour change: find it before regenerating.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

REL_TOL = 1e-6
#: Round-off around zero is not a change (cross-validation errors of a constant thickness are ~1e-16,
#: their standardised errors ~1e-8): every reported quantity is O(1) or larger in its unit.
ABS_TOL = 1e-6


def differences(stored: Any, fresh: Any, path: str = "results", limit: int = 20) -> list[str]:
    """Up to ``limit`` dotted paths where ``fresh`` differs from ``stored`` (numbers to :data:`REL_TOL`, or
    :data:`ABS_TOL` near zero)."""
    found: list[str] = []

    def walk(a: Any, b: Any, where: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in a.keys() | b.keys():
                if key not in b:
                    found.append(f"{where}.{key}: missing from the fresh run")
                elif key not in a:
                    found.append(f"{where}.{key}: not in the stored copy")
                else:
                    walk(a[key], b[key], f"{where}.{key}")
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                found.append(f"{where}: {len(a)} items stored, {len(b)} now")
            for i, (x, y) in enumerate(zip(a, b, strict=False)):
                walk(x, y, f"{where}.{i}")
        elif isinstance(a, float | int) and isinstance(b, float | int) \
                and not isinstance(a, bool) and not isinstance(b, bool):
            if not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                found.append(f"{where}: stored {a!r}, now {b!r}")
        elif a != b or type(a) is not type(b):
            found.append(f"{where}: stored {str(a)[:80]!r}, now {str(b)[:80]!r}")

    walk(stored, fresh, path)
    return found


def test_demo_results_match_the_stored_copy(regen, demo_results):
    stored = json.loads(regen.STORED.read_text(encoding="utf-8"))
    found = differences(stored, json.loads(json.dumps(demo_results)))
    assert not found, ("the demo assessment changed; if on purpose, run "
                       "`.venv/bin/python tests/data/regen_demo_results.py`:\n" + "\n".join(found))


def test_the_comparison_catches_a_changed_number_and_a_changed_key(regen, demo_results):
    fresh = json.loads(json.dumps(demo_results))
    treo = fresh["resource"]["table"][0]["treo_t"]
    fresh["resource"]["table"][0]["treo_t"] = treo * (1 + 1e-5)
    fresh["supply"]["status_date"] = "2000-01-01"
    del fresh["window"]["crs"]
    found = differences(demo_results, fresh)
    assert any(f.startswith("results.resource.table.0.treo_t") for f in found), found
    assert any("status_date" in f for f in found) and any("window.crs: missing" in f for f in found), found
    assert differences(demo_results, json.loads(json.dumps(demo_results))) == []
    assert not differences({"x": 1.0, "z": 1e-16}, {"x": 1.0 + 1e-8, "z": -3e-16})
    assert differences({"x": 0.5}, {"x": 0.5 + 1e-5})


def test_the_stored_copy_leaves_out_timings_and_versions_only(regen, demo_results):
    assert "timestamps" not in demo_results["provenance"]
    assert not set(regen.VERSION_KEYS) & set(demo_results["provenance"])
    assert {"inputs", "parameters", "seeds"} <= set(demo_results["provenance"])
    assert demo_results["provenance"]["parameters"]["assess"]["n_realizations"] == 100  # the demo plan: default
    assert demo_results["plan_source"] == "project"  # the plan the demo project stores, as `make demo` uses
    assert demo_results["plan"]["trend"] == "linear" and demo_results["plan"]["area"] is not None
    with pytest.raises(KeyError):
        demo_results["provenance"]["timestamps"]
