"""GradeTonnageIndex against brute-force masks (including ties and NaN)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reymud.elements import oxide_factors
from reymud.resource import CLASSES, GradeTonnageIndex


def _random_blocks(n, seed=0):
    rng = np.random.default_rng(seed)
    grade = np.round(rng.lognormal(6.8, 0.7, n), -1)  # rounded: many ties
    frame = pd.DataFrame({
        "easting": np.arange(n, dtype=float), "northing": 0.0, "area_m2": 1e4,
        "volume_m3": rng.uniform(1e4, 1e5, n),
        "total_rey_ppm": grade,
        "Nd_ppm": grade * rng.uniform(0.1, 0.2, n), "Dy_ppm": grade * rng.uniform(0.02, 0.06, n),
        "class": rng.choice(CLASSES, n),
    })
    frame["dry_t"] = frame["volume_m3"] * 0.55
    frame["treo_ppm"] = frame["Nd_ppm"] * 1.1664 + frame["Dy_ppm"] * 1.1477
    return frame


def _brute(frame, cutoff, by="total_rey_ppm"):
    sel = frame[frame[by] >= cutoff]
    return sel, sel["dry_t"].sum()


def test_query_matches_brute_force_per_class_and_total():
    blocks = _random_blocks(2000)
    index = GradeTonnageIndex(blocks)
    f = oxide_factors()
    for cutoff in (0.0, 400.0, 900.0, float(blocks["total_rey_ppm"].iloc[7]), 1e9):
        q = index.query(cutoff)
        sel, tons = _brute(blocks, cutoff)
        assert q["total"]["n_blocks"] == len(sel)
        assert q["total"]["dry_t"] == pytest.approx(tons, rel=1e-10, abs=1e-6)
        assert q["total"]["Nd_oxide_t"] == pytest.approx((sel["dry_t"] * sel["Nd_ppm"]).sum() * 1e-6 * f["Nd"],
                                                         rel=1e-9, abs=1e-6)
        for cls in CLASSES:
            part = sel[sel["class"] == cls]
            got = q["classes"][cls]
            assert got["n_blocks"] == len(part)
            assert got["dry_t"] == pytest.approx(part["dry_t"].sum(), rel=1e-10, abs=1e-6)
            if len(part):
                assert got["total_rey_ppm"] == pytest.approx(np.average(part["total_rey_ppm"], weights=part["dry_t"]))
            else:
                assert np.isnan(got["total_rey_ppm"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 5000, allow_nan=False), min_size=0, max_size=40),
       st.floats(0, 5000, allow_nan=False))
def test_cutoff_is_inclusive_and_exact(grades, cutoff):
    frame = pd.DataFrame({"total_rey_ppm": grades, "dry_t": 1.0 + np.arange(len(grades)),
                          "class": "measured"})
    q = GradeTonnageIndex(frame).query(cutoff)
    mask = np.asarray(grades, dtype=float) >= cutoff
    assert q["total"]["n_blocks"] == int(mask.sum())
    assert q["total"]["dry_t"] == pytest.approx(float(frame["dry_t"][mask].sum()))


def test_curve_matches_query_and_is_non_increasing():
    blocks = _random_blocks(500, seed=3)
    index = GradeTonnageIndex(blocks, by="treo")
    cutoffs = np.linspace(0, blocks["treo_ppm"].max() + 1, 25)
    curve = index.curve(cutoffs, by_class=True)
    total = curve[curve["class"] == "all"]
    assert np.all(np.diff(total["dry_t"].to_numpy()) <= 1e-9)
    assert total["dry_t"].iloc[-1] == 0
    q = index.query(cutoffs[10])
    row = curve[(curve["cutoff"] == cutoffs[10]) & (curve["class"] == "indicated")].iloc[0]
    assert row["dry_t"] == pytest.approx(q["classes"]["indicated"]["dry_t"])
    assert row["treo_ppm"] == pytest.approx(q["classes"]["indicated"]["treo_ppm"])


def test_nan_grades_are_skipped_and_density_override():
    frame = pd.DataFrame({"total_rey_ppm": [500.0, np.nan, 900.0], "volume_m3": [10.0, 10.0, 10.0],
                          "dry_t": [1.0, 1.0, 1.0], "class": "inferred"})
    index = GradeTonnageIndex(frame, density_t_m3=0.6)
    assert index.n_blocks == 2
    assert index.query(0)["total"]["dry_t"] == pytest.approx(12.0)


def test_bad_labels_and_columns():
    frame = pd.DataFrame({"total_rey_ppm": [500.0], "dry_t": [1.0], "class": "probable"})
    with pytest.raises(ValueError, match="unknown class"):
        GradeTonnageIndex(frame)
    with pytest.raises(ValueError, match="treo_ppm"):
        GradeTonnageIndex(frame.drop(columns="class"), by="treo")
    with pytest.raises(ValueError, match="dry_t"):
        GradeTonnageIndex(frame.drop(columns="dry_t"))
