"""Sample support: spot-sampled cores get their true thickness and metal; contiguous cores unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reymud.cores import SampleSupport, composite, find_layers, gap_report, window_stats

LAYER_PPM, BACKGROUND_PPM = 1500.0, 250.0


def spot_cores(n_cores=200, spacing=0.5, slice_m=0.02, core_length=12.0, seed=1):
    """Cores with one constant layer (random top 1-4 m, thickness 4-6.5 m), sampled as slices every
    ``spacing`` m at a random offset; returns samples, cores and the true layer table."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for c in range(n_cores):
        top, thick = rng.uniform(1.0, 4.0), rng.uniform(4.0, 6.5)
        offset = rng.uniform(0.0, spacing - slice_m)
        depths = np.arange(offset, core_length - slice_m, spacing)
        mid = depths + slice_m / 2
        grade = np.where((mid >= top) & (mid < top + thick), LAYER_PPM, BACKGROUND_PPM)
        rows.append(pd.DataFrame({"core_id": f"C{c:03d}", "top_mbsf": depths, "bottom_mbsf": depths + slice_m,
                                  "total_rey_ppm": grade}))
        truth.append((f"C{c:03d}", top, thick))
    samples = pd.concat(rows, ignore_index=True)
    cores = pd.DataFrame({"core_id": [t[0] for t in truth], "core_length_m": core_length})
    return samples, cores, pd.DataFrame(truth, columns=["core_id", "layer_top", "layer_thickness"])


def true_window(truth, top=0.0, base=10.0):
    lo = truth["layer_top"].clip(top, base)
    hi = (truth["layer_top"] + truth["layer_thickness"]).clip(top, base)
    return (hi - lo).to_numpy()


def test_spot_sampled_layer_thickness_and_metal_within_2_percent():
    samples, cores, truth = spot_cores()
    w = window_stats(samples, 0.0, 10.0, columns=["total_rey_ppm"], threshold=400.0, cores=cores)
    w = w.set_index("core_id").loc[truth["core_id"]]
    thick_true = true_window(truth)
    assert w["thickness_m"].sum() == pytest.approx(thick_true.sum(), rel=0.02)
    assert w["total_rey_ppm"].to_numpy() == pytest.approx(LAYER_PPM)
    metal = (w["thickness_m"] * w["total_rey_ppm"]).sum()
    assert metal == pytest.approx((thick_true * LAYER_PPM).sum(), rel=0.02)
    # per core the error is at most one half-spacing at each layer boundary
    assert np.abs(w["thickness_m"].to_numpy() - thick_true).max() <= 0.5 + 1e-9
    # the whole window is represented: the 0-10 m column mean is the true mean within 2 %
    a = window_stats(samples, 0.0, 10.0, columns=["total_rey_ppm"], cores=cores).set_index("core_id")
    assert a["thickness_m"].to_numpy() == pytest.approx(10.0)
    assert a["gap_m"].to_numpy() == pytest.approx(0.0, abs=1e-9)
    truth_mean = (thick_true * LAYER_PPM + (10.0 - thick_true) * BACKGROUND_PPM) / 10.0
    assert a.loc[truth["core_id"], "total_rey_ppm"].mean() == pytest.approx(truth_mean.mean(), rel=0.02)
    # the old rule (samples' own length) is about 25x low, as the issue reported
    old = window_stats(samples, 0.0, 10.0, columns=["total_rey_ppm"], threshold=400.0, support=None)
    assert old["thickness_m"].sum() < 0.1 * thick_true.sum()


def test_spot_sampled_find_layers_and_composite():
    samples, cores, truth = spot_cores(n_cores=50, seed=2)
    layers = find_layers(samples, threshold=400.0, elements=(), support=SampleSupport(), cores=cores)
    assert len(layers) == len(truth)
    assert layers["thickness_m"].sum() == pytest.approx(truth["layer_thickness"].sum(), rel=0.02)
    assert (layers["represented_m"] > layers["sampled_length_m"]).all()
    comp = composite(samples, 1.0, ["total_rey_ppm"], support=SampleSupport(), cores=cores)
    inside = comp[comp["bottom_mbsf"] <= 11.0]
    assert inside["length_m"].to_numpy() == pytest.approx(1.0)


def test_contiguous_samples_unchanged():
    rng = np.random.default_rng(3)
    step = rng.uniform(0.2, 0.6, 40)
    bottom = np.cumsum(step)
    s = pd.DataFrame({"core_id": "A", "top_mbsf": bottom - step, "bottom_mbsf": bottom,
                      "total_rey_ppm": rng.uniform(100, 3000, 40)})
    for th in (None, 800.0):
        new = window_stats(s, 0.0, 10.0, columns=["total_rey_ppm"], threshold=th)
        old = window_stats(s, 0.0, 10.0, columns=["total_rey_ppm"], threshold=th, support=None)
        cols = ["thickness_m", "total_rey_ppm", "overburden_m", "sampled_m"]
        pd.testing.assert_frame_equal(new[cols], old[cols])
    assert new["represented_m"].iloc[0] == pytest.approx(new["sampled_m"].iloc[0])


def test_recovered_length_caps_the_last_sample():
    s = pd.DataFrame({"core_id": "A", "top_mbsf": [0.0, 0.5, 1.0], "bottom_mbsf": [0.02, 0.52, 1.02],
                      "total_rey_ppm": 500.0})
    free = window_stats(s, 0.0, 10.0, columns=["total_rey_ppm"])
    assert free["represented_m"].iloc[0] == pytest.approx(1.02 + 0.24)  # extended as on its inner side
    capped = window_stats(s, 0.0, 10.0, columns=["total_rey_ppm"],
                          cores=pd.DataFrame({"core_id": ["A"], "core_length_m": [1.1]}))
    assert capped["represented_m"].iloc[0] == pytest.approx(1.1)
    off = window_stats(s, 0.0, 10.0, columns=["total_rey_ppm"], support=SampleSupport(use_core_length=False),
                       cores=pd.DataFrame({"core_id": ["A"], "core_length_m": [1.1]}))
    assert off["represented_m"].iloc[0] == pytest.approx(1.26)


@st.composite
def gapped_cores(draw):
    n = draw(st.integers(1, 12))
    lengths = np.array(draw(st.lists(st.floats(0.0, 1.5), min_size=n, max_size=n)))
    gaps = np.array(draw(st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n)))
    top = np.cumsum(gaps + np.r_[0.0, lengths[:-1]])
    grade = draw(st.lists(st.floats(0.0, 5000.0), min_size=n, max_size=n))
    return pd.DataFrame({"core_id": "A", "top_mbsf": top, "bottom_mbsf": top + lengths, "total_rey_ppm": grade})


@settings(max_examples=60, deadline=None)
@given(gapped_cores(), st.floats(0.0, 5.0), st.floats(0.1, 12.0), st.floats(0.0, 3.0),
       st.sampled_from(["midpoint", "sample"]))
def test_thickness_never_exceeds_window(samples, top, height, max_gap, rule):
    support = SampleSupport(rule=rule, max_gap_m=max_gap)
    w = window_stats(samples, top, top + height, columns=["total_rey_ppm"], support=support)
    assert (w["thickness_m"] <= height + 1e-9).all()
    assert (w["represented_m"] <= height + 1e-9).all()
    assert (w["sampled_m"] <= w["represented_m"] + 1e-9).all()
    assert w["gap_m"].to_numpy() + w["represented_m"].to_numpy() == pytest.approx(height)


def test_gap_report_lists_gaps_over_the_cap():
    s = pd.DataFrame({"core_id": ["A"] * 3 + ["B"] * 2, "top_mbsf": [0.0, 0.5, 4.0, 2.0, 2.5],
                      "bottom_mbsf": [0.1, 0.6, 4.1, 2.1, 2.6], "total_rey_ppm": 500.0})
    cores = pd.DataFrame({"core_id": ["A", "B"], "core_length_m": [4.2, 6.0]})
    rep = gap_report(s, SampleSupport(max_gap_m=1.0), cores=cores)
    got = [(r.core_id, r.position, round(r.gap_m, 6), round(r.unrepresented_m, 6)) for r in rep.itertuples()]
    assert got == [("A", "inner", 3.4, 2.4), ("B", "top", 2.0, 1.5), ("B", "bottom", 3.4, 2.9)]
    assert list(gap_report(s, SampleSupport(max_gap_m=5.0), cores=cores).columns) == list(rep.columns)
    assert gap_report(s, SampleSupport(max_gap_m=5.0), cores=cores).empty
    # under the "sample" rule every listed gap is wholly unrepresented
    sample_rule = gap_report(s, SampleSupport(rule="sample"), cores=cores)
    assert (sample_rule["unrepresented_m"] == sample_rule["gap_m"]).all()


def test_support_validation_and_round_trip():
    with pytest.raises(ValueError, match="rule"):
        SampleSupport(rule="nearest")
    with pytest.raises(ValueError, match="max_gap_m"):
        SampleSupport(max_gap_m=-1)
    with pytest.raises(ValueError, match="unknown key"):
        SampleSupport.from_dict({"rule": "midpoint", "gap": 1})
    s = SampleSupport(max_gap_m=2.0)
    assert SampleSupport.from_dict(s.to_dict()) == s
    assert "2 m" in s.describe()
    with pytest.raises(ValueError, match="core_length_m"):
        window_stats(pd.DataFrame({"core_id": ["A"], "top_mbsf": [0.0], "bottom_mbsf": [1.0],
                                   "total_rey_ppm": [1.0]}), cores=pd.DataFrame({"core_id": ["A"]}))


def test_sparse_density_column_is_averaged_over_measured_samples():
    s = pd.DataFrame({"core_id": "A", "top_mbsf": [0.0, 1.0, 2.0, 3.0], "bottom_mbsf": [1.0, 2.0, 3.0, 4.0],
                      "total_rey_ppm": [500.0, 600.0, 700.0, np.nan], "dry_density_g_cm3": [0.5, np.nan, 0.6, 0.7]})
    w = window_stats(s, 0.0, 3.0, columns=["total_rey_ppm", "dry_density_g_cm3"])
    assert w["dry_density_g_cm3"].iloc[0] == pytest.approx(0.55)
    assert w["total_rey_ppm"].iloc[0] == pytest.approx(600.0)
    # a NaN in a non-sparse column still makes the mean NaN
    assert np.isnan(window_stats(s, 0.0, 4.0, columns=["total_rey_ppm"])["total_rey_ppm"].iloc[0])
    none = window_stats(s.assign(dry_density_g_cm3=np.nan), 0.0, 3.0, columns=["dry_density_g_cm3"])
    assert np.isnan(none["dry_density_g_cm3"].iloc[0])


def test_core_summary_with_support_keeps_sample_depths():
    from reymud.cores import core_summary

    samples, cores, truth = spot_cores(n_cores=20, seed=4)
    cores = cores.assign(latitude=22.0, longitude=153.8, water_depth_m=5700.0)
    plain = core_summary(samples, cores, support=None)  # the old rule: the samples' own lengths
    table = core_summary(samples, cores, support=SampleSupport())
    assert table["layer_thickness_m"].sum() == pytest.approx(truth["layer_thickness"].sum(), rel=0.03)
    # without support a layer runs from the first slice's top to the last slice's base: half a spacing short
    true_sum = truth["layer_thickness"].sum()
    assert abs(table["layer_thickness_m"].sum() - true_sum) < 0.5 * abs(plain["layer_thickness_m"].sum() - true_sum)
    pd.testing.assert_series_equal(table["sampled_to_mbsf"], plain["sampled_to_mbsf"])
    pd.testing.assert_series_equal(table["peak_depth_mbsf"], plain["peak_depth_mbsf"])
