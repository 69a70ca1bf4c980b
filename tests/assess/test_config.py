"""AssessConfig composes the estimation plan instead of copying its fields (flat keys still work)."""

from __future__ import annotations

import dataclasses

import pytest

from reymud.assess import AssessConfig
from reymud.assess.config import PLAN_FIELDS
from reymud.spatial.plan import EstimationPlan, PlanError


def test_the_plan_is_a_field_not_a_copy():
    names = {f.name for f in dataclasses.fields(AssessConfig)}
    assert "estimation" in names and not names & set(PLAN_FIELDS)  # no plan field typed out again
    cfg = AssessConfig()
    assert cfg.plan() is cfg.estimation and cfg.estimation == EstimationPlan()


def test_flat_keywords_replace_and_attributes_reach_the_plan():
    cfg = AssessConfig(cell_m=500.0, seed=3, rey_threshold_ppm=300.0)
    assert cfg.estimation.cell_m == cfg.cell_m == 500.0 and cfg.seed == 3 and cfg.rey_threshold_ppm == 300.0
    again = dataclasses.replace(cfg, n_realizations=7, use_dask=False)
    assert again.estimation.n_realizations == 7 and again.cell_m == 500.0 and not again.use_dask
    plan = EstimationPlan(cell_m=1_000.0, trend="linear")
    both = AssessConfig(plan, cell_m=750.0)
    assert (both.cell_m, both.trend) == (750.0, "linear")
    with pytest.raises(AttributeError, match="no attribute 'cel_m'"):
        _ = cfg.cel_m
    with pytest.raises(PlanError, match="cell_m"):
        AssessConfig(cell_m=-1.0)


def test_yaml_flat_and_nested_and_to_dict_stay_flat(tmp_path):
    flat = tmp_path / "flat.yaml"
    flat.write_text("cell_m: 500\nuse_dask: false\ncutoffs_ppm: [300, 900]\n")
    nested = tmp_path / "nested.yaml"
    nested.write_text("estimation:\n  cell_m: 500\n  cutoffs_ppm: [300, 900]\nuse_dask: false\n")
    a, b = AssessConfig.from_yaml(flat), AssessConfig.from_yaml(nested)
    assert a == b and a.cutoffs_ppm == (300.0, 900.0)
    out = a.to_dict()
    assert "estimation" not in out and out["cell_m"] == 500 and out["cutoffs_ppm"] == [300.0, 900.0]
    # plan_source says where the plan came from (results.json plan_source), it is not a parameter
    assert set(out) == set(PLAN_FIELDS) | {f.name for f in dataclasses.fields(AssessConfig)} - {"estimation",
                                                                                                  "plan_source"}
    assert AssessConfig.from_dict(out) == a  # the flat dict round-trips


def test_from_plan_takes_the_plan_and_drops_stated_models():
    plan = EstimationPlan(cell_m=1_500.0, variogram_models={"total_rey_ppm": {"nugget": 0.0, "structures": []}})
    cfg = AssessConfig.from_plan(plan, use_dask=False, n_workers=None)
    assert cfg.cell_m == 1_500.0 and cfg.estimation.variogram_models is None and not cfg.use_dask


def test_a_flat_none_clears_a_plan_value():
    cfg = AssessConfig(EstimationPlan(search_radius_m=5_000.0))
    assert dataclasses.replace(cfg, search_radius_m=None).search_radius_m is None
