"""The package reads like the pipeline: a stage imports only the stages before it (docs/CONTRACTS.md).

Every ``import reymud.X`` / ``from reymud.X import ...`` in ``src/reymud`` (module level or inside a
function) is checked against the stage order below; a stage reaching forward (for example the store
validating with the spatial plan, or spatial calling the demo) fails with the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import reymud

#: Stages in pipeline order; names on one row form one layer and may import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("elements", "data", "defaults", "geography", "formatting", "_version"),  # shared vocabulary and packaged tables
    ("store",),
    ("ingest",),
    ("geochem",),
    ("cores",),
    ("spatial",),
    ("resource",),
    ("demo",),  # writes lab-style files that go through ingest, ships its survey's plan, calibration truth
    ("supply",),
    ("assess",),
    ("plot",),
    ("report",),
    ("web",),
    ("cli",),
)
RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}
PACKAGE = Path(reymud.__file__).parent


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, name.split(".")[1]) for line, name in found if name.startswith("reymud.")]


def _stage_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return None if parts == ("__init__.py",) else parts[0].removesuffix(".py")


def test_every_module_belongs_to_a_stage():
    stages = {_stage_of(p) for p in PACKAGE.rglob("*.py")} - {None}
    assert stages <= set(RANK), f"modules outside the stage order (add them to LAYERS): {sorted(stages - set(RANK))}"


def test_no_stage_imports_a_later_stage():
    forward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        stage = _stage_of(path)
        if stage is None:
            continue
        for line, target in _imports(path):
            if target in RANK and RANK[target] > RANK[stage]:
                forward.append(f"{path.relative_to(PACKAGE)}:{line} ({stage}) imports reymud.{target}")
    assert not forward, "stages reaching forward:\n" + "\n".join(forward)


def test_the_checker_catches_a_forward_import(tmp_path):
    """The check above can fail: a store module importing the spatial stage is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from reymud.spatial.plan import EstimationPlan\n", encoding="utf-8")
    assert _imports(bad) == [(2, "spatial")]
    assert RANK["spatial"] > RANK["store"]
