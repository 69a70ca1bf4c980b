"""JORC Table 1 section 3 filled from a run, and the report polish items of issue 14."""

from __future__ import annotations

import copy
import re

from reymud.report import build_figures, render_html


def _text(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


def _section3(page: str) -> str:
    start = page.index('id="jorc-section-3"')
    return page[start:page.index("</table>", start)]


def test_section3_has_every_criterion_filled_from_the_run(assessed_result):
    result, out = assessed_result
    page = (out / "report.html").read_text()
    table = _section3(page)
    for criterion in ("Database integrity", "Site visits", "Geological interpretation", "Dimensions",
                      "Estimation and modelling techniques", "Moisture", "Cut-off parameters",
                      "Mining factors or assumptions", "Metallurgical factors or assumptions",
                      "Environmental factors or assumptions", "Bulk density", "Classification",
                      "Audits or reviews", "Discussion of relative accuracy/confidence"):
        assert f"<th>{criterion}</th>" in table, criterion
    r = result.results
    text = _text(table)
    assert f'{r["block_model"]["nx"]} x {r["block_model"]["ny"]}' in text
    assert r["block_model"]["estimator"] in text
    assert 'data-key="resource.density_t_m3"' in table
    cp = re.findall(r'data-cp="([a-z_]+)"', page)
    assert {"competent_person", "site_visits", "metallurgy", "environment", "audits"} <= set(cp)
    assert all("[Competent Person to complete:" in m for m in re.findall(r'<span class="cp-field"[^>]*>[^<]*', page))


def test_missing_recovery_and_no_crms_read_plainly(assessed_result):
    result, _ = assessed_result
    results = copy.deepcopy(result.results)
    results["data"]["recovery_mean"] = results["data"]["recovery_min"] = None
    results["qaqc"]["crm"] = []
    page = str(render_html(results, {}))
    text = _text(page)
    assert "Mean core recovery -" not in text and "(lowest -)" not in text
    assert "Core recovery not reported" in text
    assert "No CRM analyses in this project" in text and 'data-figure="crm"' in page
    assert "fig-crm" not in page


def test_recovery_is_a_percentage(assessed_result):
    result, out = assessed_result
    text = _text((out / "report.html").read_text())
    pct = f'{100 * result.results["data"]["recovery_mean"]:.1f} %'
    assert f"Mean core recovery {pct}" in text


def test_axes_polish_production_and_grade_tonnage(assessed_result):
    result, _ = assessed_result
    figures = build_figures(result)
    prod = figures["production"]
    assert prod.layout.yaxis.rangemode == "tozero" and prod.layout.yaxis2.rangemode == "tozero"
    assert prod.layout.yaxis2.tickformat == ".3~s"  # 3 significant figures: neighbouring ticks differ
    gt = figures["grade_tonnage"]
    assert gt.layout.yaxis2.side == "right" and gt.layout.margin.r >= 80
    empty = result.frames["qaqc_crm"].iloc[0:0]
    result.frames["qaqc_crm"], saved = empty, result.frames["qaqc_crm"]
    try:
        assert isinstance(build_figures(result)["crm"], str)  # a reason, never an empty chart
    finally:
        result.frames["qaqc_crm"] = saved


def test_cv_slope_has_no_rank_warning_and_equals_least_squares():
    import warnings

    import numpy as np
    import pandas as pd

    from reymud.spatial.validate import cv_summary

    rng = np.random.default_rng(0)
    est = 2.0e6 + rng.normal(0, 5.0, 30)  # large offset, tiny spread: polyfit's badly conditioned case
    frame = pd.DataFrame({"estimate": est, "true": 3.0 * est + rng.normal(0, 1.0, 30), "std_error": 0.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        slope = cv_summary(frame)["slope_true_on_estimate"]
    de = est - est.mean()
    assert slope == np.dot(de, frame["true"] - frame["true"].mean()) / np.dot(de, de)
    assert abs(slope - 3.0) < 0.1


def test_packaged_data_files_cite_sources_not_the_domain_brief():
    from importlib.resources import files

    root = files("reymud")
    found = [str(p) for p in _walk(root) if p.name.endswith((".yaml", ".csv", ".j2", ".css", ".js", ".html"))
             and "DOMAIN.md" in p.read_text(encoding="utf-8")]
    assert found == []


def _walk(node):
    for child in node.iterdir():
        if child.is_dir():
            yield from _walk(child)
        else:
            yield child
