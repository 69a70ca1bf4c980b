"""Parsers on their own: column names, units, below-detection cells, IODP names (with property tests)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reymud.elements import MAJOR_OXIDES, REY, atomic_weights, oxide_factors, oxide_names
from reymud.ingest.columns import recognise_column
from reymud.ingest.iodp import format_iodp_name, parse_iodp_names
from reymud.ingest.units import UNITS_PER_PPM, conversion, normalise_unit, parse_analyte
from reymud.ingest.values import CellProblem, parse_cells

UNIT_SPELLINGS = {"ppm": "ppm", "mg/kg": "mg/kg", "µg/g": "ug/g", "ug/g": "ug/g", "ppb": "ppb", "wt%": "wt%",
                  "wt %": "wt%", "wt.%": "wt%", "%": "%", "g/t": "g/t", "ng/g": "ng/g"}
FORMS = ["{a} ({u})", "{a} [{u}]", "{a}_{u}", "{a} {u}"]


@pytest.mark.parametrize(("name", "analyte", "unit"), [
    ("La", "La", None), ("La_ppm", "La", "ppm"), ("La (ppm)", "La", "ppm"), ("La [mg/kg]", "La", "mg/kg"),
    ("La ppb", "La", "ppb"), ("La2O3 (wt%)", "La", "wt%"), ("SiO2 (wt%)", "SiO2", "wt%"), ("Y (ppm)", "Y", "ppm"),
])
def test_lab_column_names(name, analyte, unit):
    spec = recognise_column(name)
    assert spec.role == "analyte" and spec.unit == unit
    assert conversion(spec.analyte, unit or "ppm").analyte == analyte


@pytest.mark.parametrize(("name", "role"), [
    ("top_mbsf", "top_mbsf"), ("Top depth CSF-A (m)", "top_mbsf"), ("depth_top_m", "top_mbsf"),
    ("Bottom depth CSF-A (m)", "bottom_mbsf"), ("Depth (mbsf)", "depth_mbsf"), ("Sample", "sample_id"),
    ("Latitude", "latitude"), ("Water depth (m)", "water_depth_m"), ("sample_type", "sample_type"),
    ("Remarks", "unrecognised"), ("LOI (wt%)", "unrecognised"),
])
def test_role_names(name, role):
    assert recognise_column(name).role == role


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([*REY, "Sc", "Th", *MAJOR_OXIDES, "La2O3", "Pr6O11"]), st.sampled_from(sorted(UNIT_SPELLINGS)),
       st.sampled_from(FORMS))
def test_column_name_round_trip(analyte, unit, form):
    spec = recognise_column(form.format(a=analyte, u=unit))
    assert spec.role == "analyte" and spec.unit == UNIT_SPELLINGS[unit]
    kind, element, n, m = spec.analyte
    rebuilt = element if kind == "element" else f"{element}{n if n > 1 else ''}O{m if m > 1 else ''}"
    assert rebuilt == analyte


@settings(max_examples=80, deadline=None)
@given(st.floats(min_value=0, max_value=1e9, allow_nan=False), st.sampled_from(sorted(UNITS_PER_PPM)))
def test_unit_conversion_is_exact(value, unit):
    conv = conversion(parse_analyte("La"), unit)
    factor = UNITS_PER_PPM[unit]
    assert Fraction(conv.num, conv.den) == factor
    assert conv.apply(np.array([value]))[0] == value * factor.numerator / factor.denominator
    if factor.denominator == 1:
        assert conv.apply(value) == value * factor.numerator  # integer multiples are exact


def test_reference_conversions():
    assert conversion(parse_analyte("La"), "ppb").apply(2500.0) == 2.5
    assert conversion(parse_analyte("Ce"), "wt%").apply(0.01) == 100.0
    la2o3 = conversion(parse_analyte("La2O3"), "wt%")
    assert la2o3.apply(1.0) == 10000 / oxide_factors()["La"]
    assert conversion(parse_analyte("SiO2"), "ppm").apply(50000.0) == 5.0
    # a non-conventional REY oxide gets its stoichiometric factor from atomic weights
    ce2o3 = conversion(parse_analyte("Ce2O3"), "ppm").oxide_factor
    assert ce2o3 == pytest.approx((2 * atomic_weights()["Ce"] + 3 * 15.999) / (2 * atomic_weights()["Ce"]))
    # the conventional oxides reproduce the packaged factors
    for element in REY:
        conv = conversion(parse_analyte(oxide_names()[element]), "ppm")
        assert conv.analyte == element and conv.oxide_factor == oxide_factors()[element]
    assert normalise_unit("furlongs") is None


def test_below_detection_spellings():
    cells = pd.Series(["<0.05", "< 0.1", "<=2", "bdl", "b.d.l.", "n.d.", "ND", "-", "", "n.a.", "12.5", "3 ppm"],
                      dtype="str")
    parsed = parse_cells(cells)
    assert parsed.censored.tolist() == [True] * 9 + [False] * 3
    np.testing.assert_array_equal(parsed.limit[:3], [0.05, 0.1, 2.0])
    assert np.isnan(parsed.limit[3:9]).all() and np.isnan(parsed.value[:10]).all()
    assert parsed.not_analysed.tolist() == [False] * 9 + [True, False, False]
    assert parsed.value[10:].tolist() == [12.5, 3.0] and parsed.suffix[11] == "ppm"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.decimals(min_value="0.0001", max_value=10**6, places=4)), min_size=1,
                max_size=30))
def test_below_detection_parsing_round_trip(items):
    cells = pd.Series([f"<{d}" if below else str(d) for below, d in items], dtype="str")
    parsed = parse_cells(cells)
    for i, (below, d) in enumerate(items):
        assert parsed.censored[i] == below
        if below:
            assert parsed.limit[i] == float(d) and np.isnan(parsed.value[i])
        else:
            assert parsed.value[i] == float(d) and np.isnan(parsed.limit[i])


def test_bad_cells_name_their_position():
    with pytest.raises(CellProblem) as info:
        parse_cells(pd.Series(["1", "2", ">1000"], dtype="str"))
    assert info.value.position == 2 and "above the reported range" in info.value.problem
    with pytest.raises(CellProblem, match="decimal comma"):
        parse_cells(pd.Series(["0,05"], dtype="str"))
    assert parse_cells(pd.Series([-0.5, 1.0]), negative_means_below_detection=True).limit[0] == 0.5


@settings(max_examples=60, deadline=None)
@given(site=st.from_regex(r"U1[0-9]{3}", fullmatch=True), hole=st.sampled_from("ABCDEF"),
       core=st.integers(1, 99), core_type=st.sampled_from("HXRF"),
       section=st.one_of(st.integers(1, 9).map(str), st.just("CC")), half=st.sampled_from(["W", "A"]),
       top=st.integers(0, 149), length=st.integers(1, 10), expedition=st.sampled_from([None, "329"]))
def test_iodp_names_round_trip(site, hole, core, core_type, section, half, top, length, expedition):
    name = format_iodp_name(site, hole, core, core_type, section, half, top, top + length, expedition)
    parts = parse_iodp_names(pd.Series([name])).iloc[0]
    assert (parts["site"], parts["hole"], parts["core"], parts["core_type"]) == (site, hole, str(core), core_type)
    assert (parts["section"], parts["half"], parts["core_id"]) == (section, half, site + hole)
    assert (parts["interval_top_cm"], parts["interval_bottom_cm"]) == (top, top + length)


def test_iodp_example_and_non_names():
    parts = parse_iodp_names(pd.Series(["U1366D-2H-3-W 50/52", "PC01-003"]))
    assert parts.iloc[0][["core_id", "core", "core_type", "section", "half"]].tolist() == ["U1366D", "2", "H",
                                                                                           "3", "W"]
    assert parts.iloc[0]["interval_top_cm"] == 50 and parts.iloc[1].isna().all()
