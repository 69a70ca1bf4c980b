"""Classification rules and their stated defaults."""

import dataclasses
import json

import numpy as np
import pytest
from resource_models import make_block_model

from reymud.resource import ClassificationRules, ResourceConfig, classify_blocks
from reymud.resource.config import variogram_range_m
from reymud.spatial import VariogramModel
from reymud.spatial.blockmodel import variogram_attrs


def _model(**extra):
    # six blocks, range 3,000 m: M <= 1,000 m, I <= 2,000 m, Inf <= 3,000 m
    return make_block_model(np.full((2, 3), 800.0), **extra)


def test_each_class_from_hand_built_diagnostics():
    ds = _model(
        nearest_core_m=[[500.0, 1500.0, 2500.0], [500.0, 500.0, 3500.0]],
        n_cores_in_search=[[3, 3, 1], [2, 3, 5]],
        slope_of_regression=[[0.85, 0.85, 0.1], [0.85, 0.6, 0.9]],
    )
    classes = classify_blocks(ds, ClassificationRules())
    expected = [["measured", "indicated", "inferred"], ["indicated", "indicated", "unclassified"]]
    assert classes.values.tolist() == expected
    assert classes.attrs["range_m"] == 3000.0


def test_nan_slope_cannot_be_measured_or_indicated_unless_switched_off():
    ds = _model(slope_of_regression=np.nan)
    assert set(classify_blocks(ds).values.ravel()) == {"inferred"}
    rules = ClassificationRules(measured_min_slope=None, indicated_min_slope=None)
    assert set(classify_blocks(ds, rules).values.ravel()) == {"measured"}


def test_outside_and_missing_grade_are_unclassified():
    ds = _model(inside=[[True, False, True], [True, True, True]])
    ds["total_rey_ppm"][1, 2] = np.nan
    classes = classify_blocks(ds).values
    assert classes[0, 1] == "unclassified" and classes[1, 2] == "unclassified"
    assert classes[0, 0] == "measured"


def test_absolute_distance_caps_and_assumed_density_cap():
    ds = _model(nearest_core_m=900.0)
    assert set(classify_blocks(ds, ClassificationRules(measured_max_distance_m=800.0)).values.ravel()) == {"indicated"}
    assumed = ds.drop_vars("density_t_m3")
    assert set(classify_blocks(assumed).values.ravel()) == {"indicated"}
    no_cap = ClassificationRules(max_class_with_assumed_density=None)
    assert set(classify_blocks(assumed, no_cap).values.ravel()) == {"measured"}
    partly = ds.copy(deep=True)
    partly["density_t_m3"][0, 0] = np.nan
    classes = classify_blocks(partly).values
    assert classes[0, 0] == "indicated" and classes[0, 1] == "measured"
    with pytest.raises(ValueError, match="assumed_density"):
        ClassificationRules(max_class_with_assumed_density="probable")


def test_kriging_efficiency_rule_is_optional():
    ds = _model(kriging_efficiency=0.3)
    assert set(classify_blocks(ds).values.ravel()) == {"measured"}
    rules = ClassificationRules(measured_min_kriging_efficiency=0.5)
    assert set(classify_blocks(ds, rules).values.ravel()) == {"indicated"}


def test_range_from_variogram_json_and_missing_range():
    ds = _model(nearest_core_m=1500.0)
    del ds.attrs["variogram_range_m"]
    with pytest.raises(ValueError, match="range_m"):
        classify_blocks(ds)
    model = {"nugget": 0.1, "structures": [{"kind": "spherical", "sill": 1, "range_m": 2000.0},
                                           {"kind": "spherical", "sill": 1, "range_m": 6000.0}]}
    ds.attrs["variogram"] = json.dumps(model)  # the spatial stage's JSON record alone is not read
    assert variogram_range_m(ds.attrs) is None
    ds.attrs.update(variogram_attrs(VariogramModel.from_dict(model)))  # the named attributes spatial writes
    assert variogram_range_m(ds.attrs) == 6000.0
    assert set(classify_blocks(ds).values.ravel()) == {"measured"}  # 1,500 <= 6,000 / 3
    assert set(classify_blocks(ds, ClassificationRules(range_m=3000.0)).values.ravel()) == {"indicated"}


def test_three_d_model_is_classified_per_block():
    ds = make_block_model(np.full((2, 2, 2), 900.0), n_cores_in_search=[[[3, 1], [3, 3]], [[3, 3], [3, 3]]])
    classes = classify_blocks(ds)
    assert classes.dims == ("depth_mbsf", "northing", "easting")
    assert classes.values[0, 0, 1] == "inferred" and classes.values[1, 0, 1] == "measured"


def test_rules_validate_and_load_from_yaml(tmp_path):
    with pytest.raises(ValueError, match="not decrease"):
        ClassificationRules(measured_max_range_fraction=0.9, indicated_max_range_fraction=0.5)
    with pytest.raises(ValueError, match="min cores"):
        ClassificationRules(measured_min_cores=1, indicated_min_cores=2)
    with pytest.raises(ValueError, match="distance_variable"):
        ClassificationRules(distance_variable="distance")
    path = tmp_path / "rules.yaml"
    path.write_text("classification:\n  range_m: 20000\n  measured_min_cores: 4\n  measured_min_slope: 0.9\n")
    rules = ClassificationRules.from_yaml(path)
    assert rules == dataclasses.replace(ClassificationRules(), range_m=20000.0, measured_min_cores=4,
                                        measured_min_slope=0.9)
    path.write_text("measured_min_core: 4\n")
    with pytest.raises(ValueError, match="unknown classification rule"):
        ClassificationRules.from_yaml(path)


def test_describe_states_every_default():
    table = ResourceConfig().describe()
    assert {"parameter", "value", "unit", "basis"} <= set(table.columns)
    rows = table.set_index("parameter")
    assert rows.loc["density_t_m3", "value"] == "0.55"
    assert "Takaya" in rows.loc["density_t_m3", "basis"] and "porosity" in rows.loc["density_t_m3", "basis"]
    assert rows.loc["measured_min_slope", "value"] == "0.8"
    assert rows.loc["measured_min_kriging_efficiency", "value"] == "off"
    for f in dataclasses.fields(ClassificationRules):
        assert f.name in rows.index
    with pytest.raises(ValueError, match="t/m3"):
        ResourceConfig(density_t_m3=550)


def test_codes_and_labels_agree_and_feed_blocks_table():
    from reymud.resource import CLASSES, blocks_table, class_codes

    ds = _model(nearest_core_m=[[500.0, 1500.0, 2500.0], [500.0, 500.0, 3500.0]])
    codes = class_codes(ds)
    labels = classify_blocks(ds)
    assert codes.dtype == np.int8
    assert (np.array(CLASSES)[codes.values] == labels.values).all()
    by_codes = blocks_table(ds, classes=codes)
    by_labels = blocks_table(ds, classes=labels)
    assert by_codes["class"].tolist() == by_labels["class"].tolist() == labels.values.ravel().tolist()
    with pytest.raises(ValueError, match="unknown class labels"):
        blocks_table(ds, classes=labels.where(False, "probable"))


def test_resource_config_from_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("cutoffs: 700\ncutoff_variable: treo_ppm\nclassification:\n  range_m: 15000\n")
    cfg = ResourceConfig.from_yaml(path)
    assert cfg.cutoffs == (700.0,) and cfg.cutoff_variable == "treo_ppm" and cfg.rules.range_m == 15000.0
    path.write_text("indicated_min_slope: 0.4\n")  # a rules-only file
    assert ResourceConfig.from_yaml(path).rules.indicated_min_slope == 0.4
    path.write_text("cutoff_variable: grade\n")
    with pytest.raises(ValueError, match="cutoff_variable"):
        ResourceConfig.from_yaml(path)
