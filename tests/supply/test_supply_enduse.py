"""End-use translation."""

from __future__ import annotations

import pytest

from reymud.supply import enduse_equivalents, enduse_intensities


def test_table_is_labelled():
    t = enduse_intensities()
    assert set(t["status"]) <= {"CITED", "DERIVED", "ASSUMPTION"}
    assert "Heim" in t.attrs["source"]


def test_limiting_element_sets_the_count():
    # 1 t Dy2O3 -> 1000/1.1477 kg Dy; wind needs 20 kg Dy per MW (CITED) -> 43.57 MW if Nd, Pr plentiful
    out = enduse_equivalents({"Nd": 1e4, "Pr": 1e4, "Dy": 1.0}).set_index("application")
    assert out.at["direct_drive_wind", "units_per_year"] == pytest.approx(1000 / 1.1477 / 20.0)
    assert out.at["direct_drive_wind", "limiting_element"] == "Dy"
    assert out.at["ev_traction_motor", "units_per_year"] == 0.0  # no Tb given
    assert out.at["ev_traction_motor", "limiting_element"] == "Tb"


def test_user_table(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("# source: me\napplication,unit,element,kg_per_unit,status,basis\nmotor,motor,Nd,1.0,ASSUMPTION,x\n")
    out = enduse_equivalents({"Nd": 1.1664}, enduse_intensities(f))
    assert out["units_per_year"].iloc[0] == pytest.approx(1000.0)
