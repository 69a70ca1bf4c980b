"""Stages that declare what they need and provide, and the order that follows from it.

A stage function has the signature ``stage(ctx: RunContext, a: ProductA, b: ProductB) -> ProductC``:
the products it needs are its parameter types after ``ctx``, the product it provides its return type
(read with :func:`typing.get_type_hints`, so the declaration cannot drift from the code). The run
keeps one product per type; a stage is called with the products its signature names.

>>> from reymud.assess.run import STAGES
>>> check_order(STAGES) == STAGES
True
>>> [t.__name__ for t in STAGES[-1].needs], STAGES[-1].provides.__name__
(['ResourceProduct'], 'ScenarioProduct')
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from reymud.assess.products import RunContext

__all__ = ["Stage", "StageOrderError", "check_order", "order_stages", "run_stage"]


class StageOrderError(ValueError):
    """A stage needs a product no earlier stage provides, or two stages provide the same product."""


@dataclass(frozen=True)
class Stage:
    """One assessment stage: ``key`` (``stage_seconds`` and progress), ``label`` and its function.

    Attributes
    ----------
    key : str
        Short name (``provenance.timestamps.stage_seconds`` keys).
    label : str
        What the progress callback shows while it runs.
    run : callable
        ``run(ctx, *needs) -> provides`` with complete type hints.
    """

    key: str
    label: str
    run: Callable[..., Any]

    def _hints(self) -> dict[str, Any]:
        hints = typing.get_type_hints(self.run)
        if "return" not in hints:
            raise StageOrderError(f"stage {self.key!r}: {self.run.__name__} has no return annotation (the "
                                  "product it provides)")
        return hints

    @property
    def needs(self) -> tuple[type, ...]:
        """Product types the stage needs (its parameters after ``ctx``, in order)."""
        hints = self._hints()
        names = list(typing.get_type_hints(self.run).keys())
        params = [n for n in names if n != "return"]
        if not params or hints[params[0]] is not RunContext:
            raise StageOrderError(f"stage {self.key!r}: the first parameter of {self.run.__name__} must be "
                                  "`ctx: RunContext`")
        return tuple(hints[n] for n in params[1:])

    @property
    def provides(self) -> type:
        """Product type the stage returns."""
        return self._hints()["return"]


def check_order(stages: Iterable[Stage]) -> tuple[Stage, ...]:
    """``stages`` unchanged when each one's needs are provided by an earlier stage.

    Raises
    ------
    StageOrderError
        Naming the first stage whose need is not provided before it (and the stage that provides it
        later, if any), or a product provided twice.
    """
    stages = tuple(stages)
    provider = {}
    for stage in stages:
        if stage.provides in provider:
            raise StageOrderError(f"stages {provider[stage.provides].key!r} and {stage.key!r} both provide "
                                  f"{stage.provides.__name__}")
        provider[stage.provides] = stage
    available: set[type] = set()
    for stage in stages:
        for need in stage.needs:
            if need not in available:
                later = provider.get(need)
                where = (f"stage {later.key!r} provides it later" if later is not None
                         else "no stage provides it")
                raise StageOrderError(f"stage {stage.key!r} needs {need.__name__}: {where}")
        available.add(stage.provides)
    return stages


def order_stages(stages: Iterable[Stage]) -> tuple[Stage, ...]:
    """A valid order of ``stages`` (stable topological sort: ties keep the given order).

    Raises
    ------
    StageOrderError
        When a need is provided by no stage (or the needs form a cycle).
    """
    todo = list(stages)
    done: list[Stage] = []
    available: set[type] = set()
    while todo:
        ready = next((s for s in todo if set(s.needs) <= available), None)
        if ready is None:
            stuck = todo[0]
            missing = ", ".join(t.__name__ for t in stuck.needs if t not in available)
            raise StageOrderError(f"stage {stuck.key!r} needs {missing}, which no remaining stage can provide")
        todo.remove(ready)
        done.append(ready)
        available.add(ready.provides)
    return check_order(done)


def run_stage(stage: Stage, ctx: RunContext, products: dict[type, Any]) -> Any:
    """Call ``stage`` with the products it needs; check and store what it returns."""
    out = stage.run(ctx, *(products[need] for need in stage.needs))
    if not isinstance(out, stage.provides):
        raise TypeError(f"stage {stage.key!r} returned {type(out).__name__}, declared {stage.provides.__name__}")
    products[stage.provides] = out
    return out
