"""The report's supply-risk chart: GeoPolRisk bounds as ranges, 'not computed: reason' instead of an empty chart."""

from __future__ import annotations

import pandas as pd
import pytest

from reymud.report.build import NotComputed, build_figures, risk_figure

REASON = "not computed: no sourced wgi_score for Other (give trade_factor as overrides)"


def _summary(**columns) -> pd.DataFrame:
    base = {"element": ["La", "Nd"], "eu_sr": [None, None], "eu_sr_status": [REASON, REASON],
            "geopolrisk_japan": [None, None], "geopolrisk_japan_low": [0.25, 0.40],
            "geopolrisk_japan_high": [0.28, 0.46], "geopolrisk_status": ["bounded: Other", "bounded: Other"]}
    return pd.DataFrame({**base, **columns})


def test_bounds_are_drawn_as_ranges_and_the_missing_index_is_named():
    fig = risk_figure(_summary())
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 1
    assert list(bars[0].base) == [0.25, 0.40]
    assert list(bars[0].y) == pytest.approx([0.03, 0.06])  # high - low
    texts = [a.text for a in fig.layout.annotations]
    assert any(t.startswith("EU SR not computed: no sourced wgi_score") for t in texts), texts
    assert not any("GeoPolRisk" in t for t in texts)  # bounded, so it is drawn, not "not computed"


def test_computed_values_are_points_and_eu_sr_has_its_own_axis():
    fig = risk_figure(_summary(eu_sr=[3.1, 4.2], geopolrisk_japan=[0.26, None],
                               geopolrisk_japan_low=[None, 0.40], geopolrisk_japan_high=[None, 0.46]))
    names = [t.name for t in fig.data]
    assert names == ["GeoPolRisk (Japan): bounds", "GeoPolRisk (Japan)", "EU supply risk (SR, right axis)"]
    assert fig.data[2].yaxis == "y2" and list(fig.data[2].y) == [3.1, 4.2]
    assert list(fig.data[0].x) == ["Nd"]
    assert not fig.layout.annotations


def test_nothing_computed_says_why_instead_of_an_empty_chart():
    summary = _summary(geopolrisk_japan_low=[None, None], geopolrisk_japan_high=[None, None],
                       geopolrisk_status=["not computed: no WGI for Other", "not computed: no WGI for Other"])
    with pytest.raises(NotComputed, match=r"EU SR not computed: no sourced wgi_score.*GeoPolRisk \(Japan\) "
                                          r"not computed: no WGI for Other"):
        risk_figure(summary)


def test_build_figures_shows_the_reason_in_place_of_the_chart(monkeypatch):
    from reymud.report import build

    summary = _summary(geopolrisk_japan_low=[None, None], geopolrisk_japan_high=[None, None],
                       geopolrisk_status=["not computed: x", "not computed: x"])
    monkeypatch.setattr(build, "_figure_specs", lambda result, max_cells: {"risk_indices": lambda: risk_figure(summary)})
    figures = build_figures(object())
    assert figures["risk_indices"].startswith("EU SR not computed: no sourced")
    assert "ValueError" not in figures["risk_indices"]
