"""REY-rich layers and the per-core table against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from reymud.cores import core_summary, find_layers
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
    layers = find_layers(core_a)
    assert layers["core_id"].tolist() == ["A", "A", "A"]
    assert layers["layer"].tolist() == [1, 2, 3]
    assert layers["top_mbsf"].tolist() == [0.5, 2.8, 3.6]
    assert layers["base_mbsf"].tolist() == [2.3, 3.0, 4.0]
    assert layers["thickness_m"].tolist() == pytest.approx([1.8, 0.2, 0.4])
    assert layers["sampled_length_m"].tolist() == pytest.approx([1.4, 0.2, 0.4])
    mean = (0.5 * 500 + 0.5 * 600 + 0.4 * 700) / 1.4
    assert layers["mean_total_rey_ppm"].tolist() == pytest.approx([mean, 450.0, 900.0])
    assert layers["peak_total_rey_ppm"].tolist() == [700.0, 450.0, 900.0]
    assert layers["peak_depth_mbsf"].tolist() == pytest.approx([2.1, 2.9, 3.8])


def test_gap_tolerance_is_configurable(core_a):
    assert len(find_layers(core_a, max_gap_m=0.3)) == 4  # the 0.4 m gap now splits layer 1
    assert len(find_layers(core_a, max_gap_m=1.0)) == 2  # the 0.6 m gap is now tolerated
    assert len(find_layers(core_a, threshold=650.0)) == 2


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
    layers = find_layers(s)
    # first point: up 0.2 (mirrored), down 0.2; second: up 0.2, down 0.25 (capped from 0.3)
    assert layers["top_mbsf"].iloc[0] == pytest.approx(0.8)
    assert layers["base_mbsf"].iloc[0] == pytest.approx(1.65)
    assert layers["peak_depth_mbsf"].iloc[0] == pytest.approx(1.0)


def test_core_summary_table(core_a):
    collars = pd.DataFrame({"core_id": ["A", "B", "Z"], "latitude": [22.0, 22.1, 22.2],
                            "longitude": [153.6, 153.7, 153.8], "water_depth_m": [5700.0, 5650.0, 5600.0]})
    table = core_summary(core_a, collars)
    assert list(table.columns[:11]) == [
        "core_id", "latitude", "longitude", "water_depth_m", "n_layers", "layer_top_mbsf", "layer_base_mbsf",
        "layer_thickness_m", "mean_total_rey_ppm", "peak_total_rey_ppm", "peak_depth_mbsf"]
    a, b, z = (table.set_index("core_id").loc[c] for c in "ABZ")
    assert a["n_layers"] == 3 and a["layer_top_mbsf"] == 0.5 and a["layer_base_mbsf"] == 2.3
    assert a["layer_thickness_m"] == pytest.approx(2.4)
    metal = 0.5 * 500 + 0.5 * 600 + 0.4 * 700 + 0.2 * 450 + 0.4 * 900
    assert a["mean_total_rey_ppm"] == pytest.approx(metal / 2.0)
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
