"""EstimationPlan: defaults from reymud.defaults, YAML round trip, clear errors naming the key."""

from __future__ import annotations

import numpy as np
import pytest

from reymud import defaults
from reymud.spatial.plan import EstimationPlan, PlanError


def test_defaults_come_from_the_one_home():
    plan = EstimationPlan()
    assert plan.seed == defaults.SEED == 20260202
    assert plan.cutoffs_ppm == defaults.CUTOFFS_PPM
    assert (plan.max_samples, plan.min_samples) == (16, 3)
    assert plan.window == defaults.WINDOW_MBSF
    assert plan.simulation_cell_m == plan.cell_m  # simulate the estimate's own blocks


def test_yaml_round_trip_and_overrides(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("cell_m: 500\ntrend: linear\nblock_discretisation: [2, 2]\ncutoffs_ppm: [0, 400]\n")
    plan = EstimationPlan.from_yaml(path, margin_m=1000.0, slice_m=None)
    assert plan.cell_m == 500.0 and plan.trend == "linear" and plan.margin_m == 1000.0
    assert plan.block_discretisation == (2, 2) and plan.cutoffs_ppm == (0.0, 400.0)
    assert EstimationPlan.from_dict(plan.to_dict()) == plan
    assert EstimationPlan.from_yaml(None) == EstimationPlan()


def test_unknown_key_is_named(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("cell_m: 500\ncel_size: 3\n")
    with pytest.raises(PlanError, match=r"plan .*plan\.yaml: unknown key\(s\) \['cel_size'\]"):
        EstimationPlan.from_yaml(path)


@pytest.mark.parametrize(("key", "value"), [("trend", "cubic"), ("cell_m", 0.0), ("cutoff_basis", "bench"),
                                            ("min_samples", 40), ("smu_thickness_m", 20.0),
                                            ("variogram_weighting", "ols"), ("block_discretisation", [4])])
def test_bad_values_name_the_key(key, value):
    with pytest.raises(PlanError, match=key):
        EstimationPlan.from_dict({key: value}, source="test")


def test_not_a_mapping(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(PlanError, match="expected a mapping"):
        EstimationPlan.from_yaml(path)


def test_describe_states_every_choice():
    text = EstimationPlan(cutoff_basis="slice", smu_thickness_m=1.0, trend="quadratic").describe()
    for word in ("area of interest", "convex hull", "2,000 m margin", "2x2", "3-16 cores", "quadratic",
                 "0-10 mbsf", "midpoint", "per 1 m slice", "seed 20260202"):
        assert word in text


def test_builders():
    plan = EstimationPlan(search_radius_m=5000.0, support_rule="sample")
    assert plan.neighbourhood().radius_m == 5000.0
    assert plan.support().rule == "sample"
    lon, lat = np.array([140.0, 140.1, 140.05]), np.array([20.0, 20.0, 20.1])
    default = plan.area_of_interest(lon, lat)
    assert default.kind == "default" and default.margin_m == plan.margin_m
    boxed = EstimationPlan(area="140,20,140.1,20.1").area_of_interest(lon, lat)
    assert boxed.kind == "box"


@pytest.mark.parametrize("trend", ["none", "linear"])
def test_fit_plan_model_skips_constant_data_with_a_note_not_a_warning(trend):
    import warnings

    from reymud.spatial.blockmodel import fit_plan_model

    xy = np.random.default_rng(0).uniform(0.0, 10_000.0, (20, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "fit failed" / auto_model warning any more
        exp, model, how, warning = fit_plan_model(xy, np.full(20, 10.0), EstimationPlan(trend=trend), "thickness_m")
    assert warning is None
    assert how.startswith("not fitted: all 20 values equal 10 (constant")
    assert model.sill <= 1e-12 and (exp["gamma"] == 0).all()
    # varying data are still fitted
    z = np.random.default_rng(1).normal(size=20)
    assert fit_plan_model(xy, z, EstimationPlan(), "z")[2].startswith(("weighted", "fallback"))
