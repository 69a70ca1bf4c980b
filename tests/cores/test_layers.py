"""REY-rich layers and the per-core table against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from reymud.cores import SampleSupport, core_summary, find_layers
from reymud.elements import REY


def frame(rows):
    return pd.DataFrame(rows, columns=["core_id", "top_mbsf", "bottom_mbsf", "total_rey_ppm"])


@pytest.fixture
def core_a():
    return frame([
        ("A", 0.0, 0.5, 100.0),
        ("A", 0.5, 1.0, 500.0),
        ("A", 1.0, 1.5, 600.0),
        ("A", 1.9, 2.3, 700.0),   # gap 0.4 m: tolerated
        ("A", 2.3, 2.8, 300.0),   # below: breaks
        ("A", 2.8, 3.0, 450.0),
        ("A", 3.6, 4.0, 900.0),   # gap 0.6 m: breaks
        ("B", 0.0, 1.0, 50.0),
    ])


def test_layers_by_hand(core_a):
    """Default support = the plan's midpoint rule (1 m maximum gap), worked by hand.

    Represented intervals of core A (each gap split at its midpoint, at most 0.5 m a side):
    0-0.5 (100), 0.5-1.0 (500), 1.0-1.7 (600; the 0.4 m gap 1.5-1.9 split at 1.7), 1.7-2.3 (700),
    2.3-2.8 (300), 2.8-3.3 (450; the 0.6 m gap 3.0-3.6 split at 3.3), 3.3-4.3 (900; no recovered
    length given, so the last sample extends down by its 0.3 m upward extension).
    Layers >= 400 ppm: 0.5-2.3 (500, 600, 700) and 2.8-4.3 (450, 900): the 0.6 m gap is covered by
    the support, so it no longer splits the second layer.
    """
    layers = find_layers(core_a)
    assert layers["core_id"].tolist() == ["A", "A"]
    assert layers["layer"].tolist() == [1, 2]
    assert layers["top_mbsf"].tolist() == pytest.approx([0.5, 2.8])
    assert layers["base_mbsf"].tolist() == pytest.approx([2.3, 4.3])
    assert layers["thickness_m"].tolist() == pytest.approx([1.8, 1.5])
    assert layers["represented_m"].tolist() == pytest.approx([1.8, 1.5])  # 0.5 + 0.7 + 0.6; 0.5 + 1.0
    assert layers["sampled_length_m"].tolist() == pytest.approx([1.4, 0.6])  # the samples' own lengths
    mean_1 = (0.5 * 500 + 0.7 * 600 + 0.6 * 700) / 1.8  # weights = represented lengths: 605.6 ppm
    mean_2 = (0.5 * 450 + 1.0 * 900) / 1.5  # 750 ppm
    assert layers["mean_total_rey_ppm"].tolist() == pytest.approx([mean_1, mean_2])
    assert layers["peak_total_rey_ppm"].tolist() == [700.0, 900.0]
    assert layers["peak_depth_mbsf"].tolist() == pytest.approx([2.1, 3.8])  # the samples' own mid-depths
    assert layers.attrs["support"] == {"rule": "midpoint", "max_gap_m": 1.0, "use_core_length": True}


def test_old_rule_samples_own_lengths(core_a):
    """``support=None`` (or rule "sample"): each sample counts over its own length only."""
    for support in (None, SampleSupport(rule="sample")):
        layers = find_layers(core_a, support=support)
        assert layers["layer"].tolist() == [1, 2, 3]
        assert layers["top_mbsf"].tolist() == [0.5, 2.8, 3.6]
        assert layers["base_mbsf"].tolist() == [2.3, 3.0, 4.0]  # 0.4 m gap tolerated, 0.6 m gap breaks
        assert layers["thickness_m"].tolist() == pytest.approx([1.8, 0.2, 0.4])
        assert layers["sampled_length_m"].tolist() == pytest.approx([1.4, 0.2, 0.4])
        mean = (0.5 * 500 + 0.5 * 600 + 0.4 * 700) / 1.4
        assert layers["mean_total_rey_ppm"].tolist() == pytest.approx([mean, 450.0, 900.0])
        assert layers["peak_depth_mbsf"].tolist() == pytest.approx([2.1, 2.9, 3.8])


def test_spot_sampled_core_keeps_its_thickness():
    """2 cm slices every 50 cm (centres 0.25, 0.75, ..., 9.75 mbsf); the six slices centred 2.25-4.75
    are REY-rich. Each slice stands for 0.5 m (+-0.25 m), so the layer is 2.0-5.0 mbsf, 3.0 m thick.
    The old rule runs from the first slice's top (2.24) to the last one's base (4.76): 2.52 m, half a
    spacing short, on 6 x 0.02 = 0.12 m of sample."""
    centres = np.arange(0.25, 10.0, 0.5)
    grade = np.where((centres > 2.0) & (centres < 5.0), 1000.0, 200.0)
    spots = frame([("S", c - 0.01, c + 0.01, g) for c, g in zip(centres, grade, strict=True)])
    collars = pd.DataFrame({"core_id": ["S"], "latitude": [22.0], "longitude": [153.6], "water_depth_m": [5700.0],
                            "core_length_m": [10.0]})
    layers = find_layers(spots)
    assert layers["top_mbsf"].item() == pytest.approx(2.0) and layers["base_mbsf"].item() == pytest.approx(5.0)
    assert layers["thickness_m"].item() == pytest.approx(3.0)
    assert core_summary(spots, collars)["layer_thickness_m"].item() == pytest.approx(3.0)
    old = find_layers(spots, support=None)
    assert old["thickness_m"].item() == pytest.approx(2.52) and old["sampled_length_m"].item() == pytest.approx(0.12)


def test_gap_tolerance_is_configurable(core_a):
    old = {"support": None}
    assert len(find_layers(core_a, max_gap_m=0.3, **old)) == 4  # the 0.4 m gap now splits layer 1
    assert len(find_layers(core_a, max_gap_m=1.0, **old)) == 2  # the 0.6 m gap is now tolerated
    assert len(find_layers(core_a, threshold=650.0, **old)) == 2
    # support capped at 0.5 m: the 0.6 m gap keeps 0.1 m unrepresented (3.25-3.35); a layer gap
    # tolerance below that splits the second layer, the default 0.5 m does not
    half = SampleSupport(max_gap_m=0.5)
    assert len(find_layers(core_a, support=half)) == 2
    assert len(find_layers(core_a, support=half, max_gap_m=0.05)) == 3
    assert find_layers(core_a, support=half)["base_mbsf"].iloc[1] == pytest.approx(4.25)  # 4.0 + 0.25


def test_nan_value_breaks_a_layer():
    s = frame([("A", 0, 1, 500.0), ("A", 1, 2, np.nan), ("A", 2, 3, 500.0)])
    assert len(find_layers(s)) == 2


def test_element_means_are_length_weighted_and_total_is_computed():
    rows = []
    for top, bottom, scale in [(0.0, 1.0, 40.0), (1.0, 3.0, 10.0)]:
        rows.append({"core_id": "C", "top_mbsf": top, "bottom_mbsf": bottom} | {el: scale for el in REY})
    s = pd.DataFrame(rows)  # total REY 600 and 150 ppm -> first sample only is REY-rich at 400
    layers = find_layers(s)
    assert len(layers) == 1 and layers["La_ppm"].iloc[0] == 40.0
    layers = find_layers(s, threshold=100.0)
    assert layers["La_ppm"].iloc[0] == pytest.approx((1 * 40 + 2 * 10) / 3)
    assert layers["mean_total_rey_ppm"].iloc[0] == pytest.approx((600 + 2 * 150) / 3)


def test_point_samples_get_half_way_support():
    s = frame([("P", 1.0, 1.0, 500.0), ("P", 1.4, np.nan, 500.0), ("P", 2.0, 2.0, 100.0)])
    # midpoint rule: the first point takes 0.5 m of the 1.0 m above it (half the 1 m cap), then the
    # midpoints 1.2 (1.0 | 1.4) and 1.7 (1.4 | 2.0): layer 0.5-1.7
    layers = find_layers(s)
    assert layers["top_mbsf"].iloc[0] == pytest.approx(0.5)
    assert layers["base_mbsf"].iloc[0] == pytest.approx(1.7)
    assert layers["peak_depth_mbsf"].iloc[0] == pytest.approx(1.0)
    # old rule: first point up 0.2 (mirrored), down 0.2; second: up 0.2, down 0.25 (capped from 0.3)
    layers = find_layers(s, support=None)
    assert layers["top_mbsf"].iloc[0] == pytest.approx(0.8)
    assert layers["base_mbsf"].iloc[0] == pytest.approx(1.65)


def test_core_summary_table(core_a):
    collars = pd.DataFrame({"core_id": ["A", "B", "Z"], "latitude": [22.0, 22.1, 22.2],
                            "longitude": [153.6, 153.7, 153.8], "water_depth_m": [5700.0, 5650.0, 5600.0]})
    table = core_summary(core_a, collars)
    assert list(table.columns[:11]) == [
        "core_id", "latitude", "longitude", "water_depth_m", "n_layers", "layer_top_mbsf", "layer_base_mbsf",
        "layer_thickness_m", "mean_total_rey_ppm", "peak_total_rey_ppm", "peak_depth_mbsf"]
    a, b, z = (table.set_index("core_id").loc[c] for c in "ABZ")
    # midpoint support (see test_layers_by_hand): layers 0.5-2.3 and 2.8-4.3
    assert a["n_layers"] == 2 and a["layer_top_mbsf"] == 0.5 and a["layer_base_mbsf"] == 2.3
    assert a["layer_thickness_m"] == pytest.approx(3.3)  # 1.8 + 1.5
    metal = 0.5 * 500 + 0.7 * 600 + 0.6 * 700 + 0.5 * 450 + 1.0 * 900  # represented lengths x grade
    assert a["mean_total_rey_ppm"] == pytest.approx(metal / 3.3)
    old = core_summary(core_a, collars, support=None).set_index("core_id").loc["A"]
    assert old["n_layers"] == 3 and old["layer_thickness_m"] == pytest.approx(2.4)  # 1.8 + 0.2 + 0.4
    old_metal = 0.5 * 500 + 0.5 * 600 + 0.4 * 700 + 0.2 * 450 + 0.4 * 900  # sampled lengths x grade
    assert old["mean_total_rey_ppm"] == pytest.approx(old_metal / 2.0)
    assert a["peak_total_rey_ppm"] == 900.0 and a["peak_depth_mbsf"] == pytest.approx(3.8)
    assert b["n_layers"] == 0 and b["layer_thickness_m"] == 0 and np.isnan(b["mean_total_rey_ppm"])
    assert b["peak_total_rey_ppm"] == 50.0  # the core's peak is reported even below the threshold
    assert z["n_samples"] == 0 and np.isnan(z["peak_total_rey_ppm"])


def test_bad_intervals_raise_clear_errors(core_a):
    with pytest.raises(ValueError, match="overlapping samples in core 'A'"):
        find_layers(pd.concat([core_a, frame([("A", 0.2, 0.7, 10.0)])]))
    with pytest.raises(ValueError, match="above top_mbsf"):
        find_layers(frame([("A", 2.0, 1.0, 10.0)]))
    with pytest.raises(ValueError, match="lack column"):
        find_layers(core_a.drop(columns="bottom_mbsf"))
    with pytest.raises(ValueError, match="no column 'treo_ppm'"):
        find_layers(core_a, value="treo_ppm")


def test_empty_input_gives_empty_tables():
    empty = frame([])
    assert find_layers(empty).empty
    table = core_summary(empty)
    assert table.empty and "peak_total_rey_ppm" in table.columns


def test_default_support_is_the_plans():
    from reymud.cores.layers import PLAN_SUPPORT
    from reymud.spatial.plan import EstimationPlan

    assert PLAN_SUPPORT == EstimationPlan().support()
