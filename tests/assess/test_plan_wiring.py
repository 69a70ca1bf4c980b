"""Assess follows the plan: the cores stage uses its sample support; an impossible per-slice cut-off plan is
refused (a possible one is applied: tests/assess/test_slice_basis.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reymud.assess import AssessConfig, assess
from reymud.assess.stages_data import stage_cores
from reymud.cores import core_summary
from reymud.demo import demo_project
from reymud.geochem import summarise


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("wiring") / "p.duckdb"
    with demo_project(path, seed=5, n_cores=4) as project:
        samples, cores = summarise(project.samples()), project.cores()
    return path, samples, cores


@pytest.mark.parametrize("rule", ["midpoint", "sample"])
def test_the_cores_stage_uses_the_plans_sample_support(small, rule):
    _, samples, cores = small
    cfg = AssessConfig(support_rule=rule)
    product = stage_cores(SimpleNamespace(config=cfg), SimpleNamespace(cores=cores), SimpleNamespace(samples=samples))
    expected = core_summary(samples, cores, threshold=cfg.rey_threshold_ppm, max_gap_m=cfg.max_gap_m,
                            support=cfg.plan().support())
    got = product.core_summary.set_index("core_id")["layer_thickness_m"]
    assert got.equals(expected.set_index("core_id")["layer_thickness_m"])
    other = core_summary(samples, cores, threshold=cfg.rey_threshold_ppm, max_gap_m=cfg.max_gap_m,
                         support=AssessConfig(support_rule="sample" if rule == "midpoint" else "midpoint")
                         .plan().support()).set_index("core_id")["layer_thickness_m"]
    assert not got.equals(other)  # the two rules differ on this survey, so the test can tell them apart


def test_a_slice_cutoff_plan_of_partial_slices_is_refused(small, tmp_path):
    path = small[0]
    cfg = AssessConfig(cutoff_basis="slice", slice_m=0.4, smu_thickness_m=1.0, use_dask=False)
    with pytest.raises(ValueError, match=r"cutoff_basis: slice.*smu_thickness_m 1 m is not a whole multiple"):
        assess(path, tmp_path / "out", cfg)
    assert not (tmp_path / "out").exists()  # refused before anything is written
