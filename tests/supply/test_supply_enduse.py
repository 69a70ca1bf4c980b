"""End-use translation."""

from __future__ import annotations

import pytest

from reymud.supply import enduse_equivalents, enduse_intensities
from reymud.supply.enduse import magnet_re_fraction


def test_table_is_labelled():
    t = enduse_intensities()
    assert set(t["status"]) <= {"CITED", "DERIVED", "ASSUMPTION"}
    assert "Heim" in t.attrs["source"]


def test_limiting_element_sets_the_count():
    # 1 t Dy2O3 -> 1000/1.1477 kg Dy; wind needs 20 kg Dy per MW (CITED) -> 43.57 MW if Nd, Pr plentiful
    out = enduse_equivalents({"Nd": 1e4, "Pr": 1e4, "Dy": 1.0}).set_index("application")
    assert out.at["direct_drive_wind", "units_per_year"] == pytest.approx(1000 / 1.1477 / 20.0)
    assert out.at["direct_drive_wind", "limiting_element"] == "Dy"
    assert out.at["ev_traction_motor_tb_gbd", "units_per_year"] == 0.0  # no Tb given
    assert out.at["ev_traction_motor_tb_gbd", "limiting_element"] == "Tb"
    # Dy-GBD motor: 2 % Dy of 2.0 kg = 0.04 kg Dy per motor
    assert out.at["ev_traction_motor_dy_gbd", "units_per_year"] == pytest.approx(1000 / 1.1477 / 0.04)


def test_every_magnet_within_physical_limits():
    t = enduse_intensities()
    frac = magnet_re_fraction(t)
    assert len(frac) == t["application"].nunique() == 4
    assert (frac <= 0.33).all() and (frac > 0.267).all()  # above Nd2Fe14B's formula 26.7 %, below 33 %
    out = enduse_equivalents({"Nd": 1.0}).set_index("application")
    assert out["magnet_re_pct"].between(26.7, 33.0).all()
    assert {"ev_traction_motor_dy_gbd", "ev_traction_motor_tb_gbd"} <= set(out.index)


def test_impossible_magnet_is_rejected(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("# source: me\napplication,unit,element,kg_per_unit,status,basis,magnet_kg_per_unit\n"
                 "motor,motor,Nd,0.6,ASSUMPTION,x,2.0\nmotor,motor,Pr,0.2,ASSUMPTION,x,2.0\n"
                 "motor,motor,Dy,0.09,ASSUMPTION,x,2.0\n")  # 44.5 %: the old EV rows
    with pytest.raises(ValueError, match=r"bad.csv: application 'motor': rare earths are 44.5 %"):
        enduse_intensities(f)
    f = tmp_path / "zero.csv"
    f.write_text("# source: me\napplication,unit,element,kg_per_unit,status,basis,magnet_kg_per_unit\n"
                 "motor,motor,Nd,0.6,ASSUMPTION,x,0\n")
    with pytest.raises(ValueError, match="row 1, column magnet_kg_per_unit"):
        enduse_intensities(f)


def test_user_table(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("# source: me\napplication,unit,element,kg_per_unit,status,basis\nmotor,motor,Nd,1.0,ASSUMPTION,x\n")
    out = enduse_equivalents({"Nd": 1.1664}, enduse_intensities(f))
    assert out["units_per_year"].iloc[0] == pytest.approx(1000.0)
