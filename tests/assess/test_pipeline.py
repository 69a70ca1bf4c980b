"""The assessment's stage order follows from what each stage needs and provides (their signatures)."""

from __future__ import annotations

import dataclasses
import random

import pytest

from reymud.assess import products as P
from reymud.assess.pipeline import Stage, StageOrderError, check_order, order_stages, run_stage
from reymud.assess.run import STAGES


def test_every_stage_needs_only_products_of_earlier_stages():
    assert check_order(STAGES) == STAGES
    seen: set[type] = set()
    for stage in STAGES:
        assert set(stage.needs) <= seen, (stage.key, stage.needs)
        seen.add(stage.provides)
    assert len(seen) == len(STAGES)  # one product per stage


def test_declared_needs_are_the_products_the_stages_read():
    needs = {s.key: {t.__name__ for t in s.needs} for s in STAGES}
    assert needs["data"] == set()
    assert needs["simulation"] == {"WindowProduct", "VariographyProduct", "BlockModelProduct", "ResourceProduct"}
    assert needs["supply"] == {"ResourceProduct", "SimulationProduct"}
    assert {s.key: s.provides for s in STAGES}["resource"] is P.ResourceProduct
    assert all(dataclasses.is_dataclass(s.provides) and s.provides.__dataclass_params__.frozen for s in STAGES)
    assert all(callable(getattr(s.provides, "frames", None)) and callable(getattr(s.provides, "sections", None))
               for s in STAGES)  # the Product protocol


def test_a_stage_before_its_provider_fails_the_check():
    order = list(STAGES)
    i = next(i for i, s in enumerate(order) if s.key == "resource")
    j = next(i for i, s in enumerate(order) if s.key == "simulation")
    order[i], order[j] = order[j], order[i]
    with pytest.raises(StageOrderError, match="stage 'simulation' needs ResourceProduct: stage 'resource' provides "
                                              "it later"):
        check_order(order)


def test_a_need_no_stage_provides_fails_the_check():
    without = [s for s in STAGES if s.key != "variography"]
    with pytest.raises(StageOrderError, match="needs VariographyProduct: no stage provides it"):
        check_order(without)
    with pytest.raises(StageOrderError, match="VariographyProduct"):
        order_stages(without)


def test_two_providers_of_one_product_fail_the_check():
    with pytest.raises(StageOrderError, match="both provide DataProduct"):
        check_order([*STAGES, Stage("again", "data again", STAGES[0].run)])


def test_a_shuffled_list_sorts_into_a_valid_order():
    shuffled = list(STAGES)
    random.Random(3).shuffle(shuffled)
    assert check_order(order_stages(shuffled))
    assert order_stages(STAGES) == STAGES  # the declared order is already valid: kept as it is


def _undeclared(ctx, data):  # no type hints: not a valid stage
    return data


def _wrong(ctx: P.RunContext, data: P.DataProduct) -> P.QaqcProduct:
    return data  # type: ignore[return-value]


def test_stage_signatures_are_checked():
    with pytest.raises(StageOrderError, match="no return annotation"):
        _ = Stage("bad", "bad", _undeclared).needs
    data = P.DataProduct(samples=None, cores=None, assays=None, section={})
    with pytest.raises(TypeError, match="returned DataProduct, declared QaqcProduct"):
        run_stage(Stage("wrong", "wrong", _wrong), P.RunContext(project=None, config=None), {P.DataProduct: data})
