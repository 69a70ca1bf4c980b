"""Composites conserve length x grade; window statistics by hand."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reymud.cores import composite, window_stats


def test_composite_by_hand_with_gap_and_partial_interval():
    s = pd.DataFrame({"core_id": ["A", "A", "A"], "top_mbsf": [0.2, 0.7, 1.6], "bottom_mbsf": [0.7, 1.3, 2.5],
                      "total_rey_ppm": [100.0, 400.0, 1000.0]})
    c = composite(s, 1.0, ["total_rey_ppm"])
    assert c["top_mbsf"].tolist() == [0.0, 1.0, 2.0]
    assert c["length_m"].tolist() == pytest.approx([0.8, 0.7, 0.5])  # 0-0.2 and 1.3-1.6 uncovered
    assert c["total_rey_ppm"].tolist() == pytest.approx([(0.5 * 100 + 0.3 * 400) / 0.8,
                                                          (0.3 * 400 + 0.4 * 1000) / 0.7, 1000.0])
    offset = composite(s, 0.5, ["total_rey_ppm"], top_mbsf=0.5)  # part above 0.5 m is left out
    assert offset["top_mbsf"].iloc[0] == 0.5 and offset["length_m"].sum() == pytest.approx(0.2 + 0.6 + 0.9)


@st.composite
def cores(draw):
    n = draw(st.integers(1, 12))
    lengths = draw(st.lists(st.floats(0.01, 2.0), min_size=n, max_size=n))
    gaps = draw(st.lists(st.one_of(st.just(0.0), st.floats(0.0, 1.5)), min_size=n, max_size=n))
    grades = draw(st.lists(st.floats(0.0, 1e4), min_size=n, max_size=n))
    cores_ = draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n))
    rows, depth = [], {"A": 0.0, "B": 0.0}
    for length, gap, grade, core in zip(lengths, gaps, grades, cores_, strict=True):
        top = depth[core] + gap
        rows.append((core, top, top + length, grade))
        depth[core] = top + length
    return pd.DataFrame(rows, columns=["core_id", "top_mbsf", "bottom_mbsf", "g"])


@settings(max_examples=60, deadline=None)
@given(cores(), st.floats(0.05, 3.0))
def test_composite_conserves_metal_and_length(samples, length_m):
    c = composite(samples, length_m, ["g"])
    metal = ((samples["bottom_mbsf"] - samples["top_mbsf"]) * samples["g"]).sum()
    assert (c["length_m"] * c["g"]).sum() == pytest.approx(metal, rel=1e-9, abs=1e-6)
    assert c["length_m"].sum() == pytest.approx((samples["bottom_mbsf"] - samples["top_mbsf"]).sum(), rel=1e-9)
    assert (c["length_m"] <= length_m + 1e-9).all()
    for core, group in samples.groupby("core_id"):
        part = c[c["core_id"] == core]
        assert (part["length_m"] * part["g"]).sum() == pytest.approx(
            ((group["bottom_mbsf"] - group["top_mbsf"]) * group["g"]).sum(), rel=1e-9, abs=1e-6)


def test_composite_nan_propagates_and_length_validated():
    s = pd.DataFrame({"core_id": ["A"], "top_mbsf": [0.0], "bottom_mbsf": [1.0], "g": [np.nan]})
    assert np.isnan(composite(s, 1.0, ["g"])["g"].iloc[0])
    with pytest.raises(ValueError, match="length_m must be > 0"):
        composite(s, 0.0, ["g"])
    with pytest.raises(ValueError, match="no column"):
        composite(s, 1.0, ["h"])


def test_window_stats_by_hand():
    s = pd.DataFrame({"core_id": ["A"] * 4 + ["B"], "top_mbsf": [0.0, 1.0, 2.0, 9.0, 0.0],
                      "bottom_mbsf": [1.0, 2.0, 3.0, 11.0, 1.0],
                      "total_rey_ppm": [200.0, 500.0, 1000.0, 600.0, 100.0]})
    w = window_stats(s, 0.0, 10.0, columns=["total_rey_ppm"], support=None).set_index("core_id")
    assert w.loc["A", "thickness_m"] == pytest.approx(4.0)  # 9-11 clipped to 9-10
    assert w.loc["A", "total_rey_ppm"] == pytest.approx((200 + 500 + 1000 + 600) / 4)
    assert w.loc["A", "overburden_m"] == 0.0
    t = window_stats(s, 0.0, 10.0, columns=["total_rey_ppm"], threshold=400.0, support=None).set_index("core_id")
    assert t.loc["A", "thickness_m"] == pytest.approx(3.0)
    assert t.loc["A", "total_rey_ppm"] == pytest.approx((500 + 1000 + 600) / 3)
    assert t.loc["A", "overburden_m"] == 1.0
    assert t.loc["B", "thickness_m"] == 0.0 and np.isnan(t.loc["B", "total_rey_ppm"])
    assert np.isnan(t.loc["B", "overburden_m"])
    with pytest.raises(ValueError, match="must be below"):
        window_stats(s, 5.0, 2.0)
    # default midpoint support: the 6 m gap 3-9 m is longer than the 1 m cap, each side takes 0.5 m
    m = window_stats(s, 0.0, 10.0, columns=["total_rey_ppm"]).set_index("core_id")
    assert m.loc["A", "thickness_m"] == pytest.approx(5.0)
    assert m.loc["A", "total_rey_ppm"] == pytest.approx((200 + 500 + 1.5 * 1000 + 1.5 * 600) / 5.0)
    assert m.loc["A", "sampled_m"] == pytest.approx(4.0)
    assert m.loc["A", "gap_m"] == pytest.approx(5.0)


def test_composite_computes_total_rey_from_elements():
    from reymud.elements import REY

    s = pd.DataFrame({"core_id": ["A", "A"], "top_mbsf": [0.0, 0.5], "bottom_mbsf": [0.5, 1.0]}
                     | {el: [10.0, 30.0] for el in REY})
    c = composite(s, 1.0, ["total_rey_ppm", "La"])
    assert c["total_rey_ppm"].iloc[0] == pytest.approx(300.0) and c["La"].iloc[0] == pytest.approx(20.0)
