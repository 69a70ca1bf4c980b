"""Export-control status by date, from the packaged table, with overrides."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from reymud.supply import export_control_status, load_reference


def _status(on, **kw):
    return export_control_status(on, **kw).set_index("element")["control_status"]


def test_status_on_2026_11_24_lapsed_suspension():
    s = _status("2026-11-24")
    for el in ("Ho", "Er", "Tm", "Eu", "Yb"):
        assert s[el] == "in force unless extended (suspension lapsed)"
    for el in ("Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y"):
        assert s[el] == "in force"
    for el in ("La", "Ce", "Pr", "Nd"):
        assert s[el] == "not controlled"
    detail = export_control_status("2026-11-24").set_index("element").at["Eu", "detail"]
    assert "2026-11-10" in detail and "unless extended" in detail


def test_status_during_suspension_and_before_measures():
    s = _status(dt.date(2026, 11, 10))
    assert s["Eu"] == "suspended until 2026-11-10"
    early = _status("2025-01-01")
    assert early["Dy"] == "not controlled"
    assert _status("2025-04-04")["Dy"] == "in force"


def test_user_override_of_status(tmp_path):
    f = tmp_path / "ov.yaml"
    f.write_text("values:\n  export_control_status: {Eu: 'suspended until 2027-11-10 (extension announced)'}\n")
    table = export_control_status("2026-11-24", load_reference(f)).set_index("element")
    assert table.at["Eu", "control_status"].startswith("suspended until 2027-11-10")
    assert "user override" in table.at["Eu", "detail"]
    assert table.at["Ho", "control_status"].startswith("in force unless extended")


def test_control_table_carries_stage_shares():
    t = export_control_status("2026-11-24").set_index("element")
    assert t.at["Dy", "china_separation_share_pct"] == pytest.approx(99.9)
    assert t.at["Nd", "china_separation_share_pct"] == pytest.approx(92.0)
    assert t.at["Y", "china_share_of_japan_supply_pct"] == pytest.approx(98.7)
    assert np.isnan(t.at["Sc", "china_separation_share_pct"])
