"""Variogram-resolution rules: no Measured block when the variogram is not resolved by the data."""

import json

import numpy as np
import pytest
from resource_models import make_block_model

from reymud.resource import ClassificationRules, ResourceConfig, classify_blocks
from reymud.resource.classify import resolution_failures

# a survey that resolves its 3,000 m range: extent 20 km, three lags within the range with >= 30 pairs,
# leave-one-out correlation 0.8
RESOLVED = {"range_m": 3000.0, "extent_m": 20000.0, "loo_correlation": 0.8,
            "lags": [[500.0, 12], [1000.0, 40], [2000.0, 55], [3000.0, 61], [4000.0, 80]]}


def _model(facts):
    # every block would be Measured: nearest core 500 m (< 1/3 of the range), 3 cores, slope 0.9
    ds = make_block_model(np.full((2, 3), 800.0), nearest_core_m=500.0, n_cores_in_search=3,
                          slope_of_regression=0.9, density_t_m3=0.55)
    if facts is not None:
        ds.attrs["variogram_resolution"] = json.dumps(facts)
    return ds


def test_resolved_variogram_keeps_measured():
    classes = classify_blocks(_model(RESOLVED))
    assert set(classes.values.ravel()) == {"measured"}
    assert classes.attrs["resolution"] == "variogram resolution rules passed"


@pytest.mark.parametrize(("change", "rule"), [
    ({"range_m": 25000.0}, "measured_max_range_to_extent"),  # range beyond the 20 km survey
    # the 500 m lag is thin; 1,000 and 2,000 m hold 40 and 55 pairs: only 2 reliable lags within 2,500 m
    ({"range_m": 2500.0}, "measured_min_reliable_lags"),
    ({"lags": [[1000.0, 5], [2000.0, 8], [3000.0, 12]]}, "measured_min_pairs_per_lag"),
    ({"loo_correlation": -0.24}, "measured_min_loo_correlation"),  # the 8-core survey
    ({"loo_correlation": None}, "not computable"),
])
def test_each_failed_rule_turns_measured_into_indicated(change, rule):
    classes = classify_blocks(_model(RESOLVED | change))
    assert set(classes.values.ravel()) == {"indicated"}
    assert classes.attrs["resolution"].startswith("no Measured:") and rule in classes.attrs["resolution"]


def test_rules_can_be_switched_off_in_yaml(tmp_path):
    facts = RESOLVED | {"range_m": 25000.0, "loo_correlation": 0.2}
    path = tmp_path / "rules.yaml"
    path.write_text("classification:\n  measured_max_range_to_extent: null\n  measured_min_loo_correlation: null\n")
    rules = ResourceConfig.from_yaml(path).rules
    assert rules.measured_max_range_to_extent is None and rules.measured_min_pairs_per_lag == 30
    assert resolution_failures(facts, rules) == []
    assert set(classify_blocks(_model(facts), rules).values.ravel()) == {"measured"}
    # a stricter limit on the same facts fails
    assert len(resolution_failures(RESOLVED, ClassificationRules(measured_min_loo_correlation=0.9))) == 1


def test_model_without_facts_is_classified_without_the_rules_and_says_so():
    classes = classify_blocks(_model(None))
    assert set(classes.values.ravel()) == {"measured"}
    assert "not applied" in classes.attrs["resolution"]


def test_defaults_are_stated_and_validated():
    rows = ResourceConfig().describe().set_index("parameter")
    assert rows.loc["measured_max_range_to_extent", "value"] == "1"
    assert rows.loc["measured_min_pairs_per_lag", "value"] == "30"
    assert rows.loc["measured_min_reliable_lags", "value"] == "3"
    assert rows.loc["measured_min_loo_correlation", "value"] == "0.5"
    assert "Journel" in rows.loc["measured_min_pairs_per_lag", "basis"]
    with pytest.raises(ValueError, match="measured_min_loo_correlation"):
        ClassificationRules(measured_min_loo_correlation=1.5)
    with pytest.raises(ValueError, match="measured_min_reliable_lags"):
        ClassificationRules(measured_min_reliable_lags=0)


def test_resource_command_states_the_resolution_outcome(tmp_path):
    from typer.testing import CliRunner

    from reymud.cli.main import app

    path = tmp_path / "bm.nc"
    _model(RESOLVED | {"loo_correlation": 0.3}).to_netcdf(path)
    result = CliRunner(env={"COLUMNS": "300"}).invoke(app, ["resource", "--grid", str(path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "classification: no Measured: leave-one-out correlation 0.30 is below 0.5" in text
