"""A cross-validation plot of a variable constant in the data is replaced by a stated note."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from reymud.report import render_html
from reymud.report.build import NotComputed, build_figures, cv_figure

NOTE = "not computed: thickness_m is constant in the data (value 10 m); cross-validation is not informative"


def _cv() -> pd.DataFrame:
    grade = pd.DataFrame({"variable": "total_rey_ppm", "true": [900.0, 1200.0, 1500.0],
                          "estimate": [1000.0, 1150.0, 1400.0], "core_id": ["A", "B", "C"]})
    thick = pd.DataFrame({"variable": "thickness_m", "true": [10.0, 10.0, np.nan],
                          "estimate": [10.0, 10.0, 10.0], "core_id": ["A", "B", "C"]})
    return pd.concat([grade, thick], ignore_index=True)


def test_a_constant_variable_gives_the_note_and_a_varying_one_the_scatter():
    with pytest.raises(NotComputed) as caught:
        cv_figure(_cv(), "thickness_m", "m", "leave-one-out")
    assert str(caught.value) == NOTE
    fig = cv_figure(_cv(), "total_rey_ppm", "ppm", "leave-one-out")
    assert isinstance(fig, go.Figure) and len(fig.data[0].x) == 3
    assert fig.layout.title.text.startswith("Cross-validation (leave-one-out): total_rey_ppm")
    # one different value is a variable again: drawn, not noted
    varied = _cv()
    varied.loc[4, "true"] = 10.5
    assert isinstance(cv_figure(varied, "thickness_m", "m", 4), go.Figure)


def test_the_assessed_report_notes_a_constant_thickness(assessed_result):
    result, out = assessed_result
    points = pd.DataFrame(result.results["cross_validation"]["points"])
    thick = points.loc[points["variable"] == "thickness_m", "true"].dropna()
    figures = build_figures(result, max_cells=2_000)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert len(thick) and np.ptp(thick.to_numpy()) == 0  # the demo: every core spans the 10 m window
    expected = (f"not computed: thickness_m is constant in the data (value {thick.iloc[0]:,.6g} m); "
                "cross-validation is not informative")
    assert figures["cv_thickness"] == expected
    assert f'data-figure="cv_thickness">Figure not available: {expected}</p>' in html
    assert 'id="fig-cv_thickness"' not in html
    assert isinstance(figures["cv_total_rey"], go.Figure) and 'id="fig-cv_total_rey"' in html
    assert render_html(result.results, figures).count('data-figure="cv_thickness"') == 1
