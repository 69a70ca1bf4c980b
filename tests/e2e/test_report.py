"""The HTML report of a small demo assessment, parsed: sections, banner, figures, numbers vs results.json."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reymud.assess import AssessConfig, assess, resolve_key
from reymud.demo import demo_project
from reymud.elements import REY
from reymud.ingest import ingest_files
from reymud.report import SECTIONS, SYNTHETIC_BANNER, render_html, write_report
from reymud.report.build import risk_figure
from reymud.store import Project

SMALL = AssessConfig(cell_m=2000.0, sim_cell_m=2000.0, n_realizations=20, use_dask=False,
                     status_date="2026-11-24", max_display_cells=5000)
FIGURES = ("crm", "duplicates", "spider_chondrite", "spider_paas", "anomalies", "downhole", "variogram_total_rey",
           "variogram_thickness", "map_grade", "map_thickness", "map_accumulation", "cv_total_rey", "swath_easting",
           "swath_northing", "map_class", "grade_tonnage", "uncertainty", "probability_maps", "production",
           "years_of_supply", "risk_indices", "scenario")


class ReportParser(HTMLParser):
    """Collects sections (with their banners), figures, scripts and every keyed number."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, dict] = {}
        self.keyed: list[tuple[str, str | None, str]] = []
        self.figures: set[str] = set()
        self.script_sizes: list[int] = []
        self.script_srcs: list[str] = []
        self._section: str | None = None
        self._banner = False
        self._key: tuple[str, str | None] | None = None
        self._text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self._section = a.get("id")
            self.sections[self._section] = {"banner": False}
        if a.get("class") == "synthetic-banner":
            self._banner = True
        if "data-figure" in a:
            self.figures.add(a["data-figure"])
        if tag == "script":
            self._in_script = True
            if "src" in a:
                self.script_srcs.append(a["src"])
            self.script_sizes.append(0)
        if tag in ("span", "td") and "data-key" in a:
            self._key, self._text = (a["data-key"], a.get("data-value")), []

    def handle_endtag(self, tag):
        if tag == "section":
            self._section = None
        if tag == "script":
            self._in_script = False
        if tag in ("span", "td") and self._key is not None:
            self.keyed.append((self._key[0], self._key[1], "".join(self._text)))
            self._key = None

    def handle_data(self, data):
        if self._in_script:
            self.script_sizes[-1] += len(data)
        if self._banner:
            if self._section is not None and SYNTHETIC_BANNER in data:
                self.sections[self._section]["banner"] = True
            self._banner = False
        if self._key is not None:
            self._text.append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    project = demo_project(root / "demo.duckdb", n_cores=12)
    result = assess(project, root / "out", SMALL)
    project.close()
    write_report(result, root / "out" / "report.html", max_cells=SMALL.max_display_cells)
    html = (root / "out" / "report.html").read_text(encoding="utf-8")
    parser = ReportParser()
    parser.feed(html)
    results = json.loads((root / "out" / "results.json").read_text())
    return {"html": html, "parser": parser, "results": results, "result": result, "path": root / "out" / "report.html",
            "project_path": root / "demo.duckdb"}


def test_every_section_is_present_in_order_with_the_synthetic_banner(report):
    parser = report["parser"]
    assert list(parser.sections) == [sid for sid, _ in SECTIONS]
    assert all(info["banner"] for info in parser.sections.values()), parser.sections


def test_plotly_is_embedded_once_and_nothing_is_loaded_from_the_network(report):
    parser, html = report["parser"], report["html"]
    assert parser.script_srcs == []
    big = [n for n in parser.script_sizes if n > 1_000_000]
    assert len(big) == 1  # plotly.js inline, once
    assert len(re.findall(r"plotly\.js v\d", html)) == 1
    # nothing fetched at load time: no external scripts, stylesheets or images
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", html)
    assert report["path"].stat().st_size < 12_000_000


def test_every_figure_is_drawn(report):
    """Every figure is drawn, except a cross-validation plot of a variable constant in the data, which is
    a stated note (the demo's thickness: every core spans the window); nothing is silently missing."""
    parser, html, results = report["parser"], report["html"], report["results"]
    assert set(FIGURES) | {"cv_thickness"} <= parser.figures
    drawn = set(re.findall(r'<div class="figure" data-figure="([^"]+)"', html))
    notes = dict(re.findall(r'<p class="note" data-figure="([^"]+)">([^<]*)</p>', html))
    points = [p for p in results["cross_validation"]["points"] if p["variable"] == "thickness_m"]
    constant = {p["true"] for p in points if p["true"] is not None}
    assert len(constant) == 1  # every demo core spans the window
    assert notes == {"cv_thickness": f"Figure not available: not computed: thickness_m is constant in the data "
                                     f"(value {constant.pop():,.6g} m); cross-validation is not informative"}
    assert set(FIGURES) <= drawn and not drawn & set(notes)
    assert html.count("Plotly.newPlot") >= len(FIGURES)


def test_every_keyed_number_matches_results_json(report):
    results, keyed = report["results"], report["parser"].keyed
    assert len(keyed) > 500
    for key, shown, _text in keyed:
        value = resolve_key(results, key)
        if shown is None:  # nested values rendered as JSON code
            continue
        if value is None:
            assert shown == "", key
        elif isinstance(value, bool):
            assert shown == str(value), key
        elif isinstance(value, (int, float)):
            assert float(shown) == float(value), key
        else:
            assert shown == str(value), key


def test_key_numbers_are_in_the_report(report):
    results = report["results"]
    keys = {k for k, _, _ in report["parser"].keyed}
    table = results["resource"]["table"]
    for i in range(len(table)):
        assert f"resource.table.{i}.treo_t" in keys and f"resource.table.{i}.dry_t" in keys
    assert {f"resource.table.{i}.cutoff" for i in range(len(table))} <= keys
    treo = [i for i, r in enumerate(results["uncertainty"]["table"]) if r["element"] == "TREO"]
    for i in treo:
        assert {f"uncertainty.table.{i}.p10", f"uncertainty.table.{i}.p50", f"uncertainty.table.{i}.p90"} <= keys
    assert {"data.n_cores", "data.n_samples", "qaqc.n_crm", "block_model.n_cells", "simulation.n_realizations",
            "production.totals.npv_usd", "supply.total_contained_oxide_t"} <= keys
    assert {f"provenance.inputs.{i}.sha256" for i in range(len(results["provenance"]["inputs"]))} <= keys
    assert {"provenance.software.gstools", "provenance.seeds.simulation"} <= keys
    for i, _ in enumerate(results["supply"]["summary"]):
        assert f"supply.summary.{i}.years_global" in keys


def test_the_plan_source_is_shown_with_the_parameters(report):
    source = report["results"]["plan_source"]
    assert source == report["results"]["provenance"]["plan_source"] == "AssessConfig given by the caller"
    assert f'<code data-key="plan_source">{source}</code>' in report["html"]


def test_the_risk_chart_draws_the_geopolrisk_bounds_and_names_what_is_not_computed(report):
    summary = report["result"]["supply_summary"]
    fig = risk_figure(summary)
    bounded = summary["geopolrisk_japan_low"].notna()
    assert bounded.any()  # the demo's Japan imports include 'Other' (no WGI): bounds, not a value
    bars = [t for t in fig.data if t.type == "bar"]
    assert list(bars[0].base) == pytest.approx(list(summary.loc[bounded, "geopolrisk_japan_low"]))
    if summary["eu_sr"].isna().all():
        assert any(a.text.startswith("EU SR not computed: ") for a in fig.layout.annotations)


def test_formatted_text_agrees_with_the_value(report):
    for key, shown, text in report["parser"].keyed:
        if shown and re.fullmatch(r"-?\d+", shown) and key.endswith(("n_cores", "n_samples", "n_blocks")):
            assert text.split()[0].replace(",", "") == shown, key


def test_figures_missing_from_the_page_say_so(report):
    html = render_html(report["results"], {})
    assert html.count("Figure not available") >= len(FIGURES)


def test_lab_files_without_qc_give_a_report_without_the_synthetic_banner(report, tmp_path):
    """Plain (non-SYNTHETIC) lab files, no QC samples: the 'real data' path end to end."""
    with Project.open(report["project_path"]) as source:
        cores, samples = source.cores(), source.samples()
    cores[["core_id", "latitude", "longitude", "water_depth_m"]].to_csv(tmp_path / "collars.csv", index=False)
    samples[["sample_id", "core_id", "top_mbsf", "bottom_mbsf", *REY]].rename(
        columns={e: f"{e} (ppm)" for e in REY}).to_csv(tmp_path / "assays.csv", index=False)
    project = Project.init(tmp_path / "lab.duckdb")
    ingest_files(project, [tmp_path / "assays.csv"], collars=tmp_path / "collars.csv")
    result = assess(project, tmp_path / "out", dataclasses.replace(SMALL, n_realizations=10))
    project.close()
    write_report(result, tmp_path / "out" / "report.html", max_cells=SMALL.max_display_cells)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert result.results["synthetic"] is False and 'data-synthetic="false"' in html
    assert SYNTHETIC_BANNER not in html and "SYNTHETIC DEMO" not in result.results["title"]
    qaqc = result.results["qaqc"]
    assert (qaqc["n_crm"], qaqc["n_duplicate"], qaqc["n_blank"]) == (0, 0, 0) and qaqc["crm"] == []
    # warnings now include the variogram diagnostics (few pairs per lag on a 12-core survey, issue 8); the
    # real-data path must still raise none about QC samples, certified values or synthetic data
    diagnostics = [w for v in result.results["variography"].values() for w in v.get("diagnostics", [])]
    assert diagnostics and set(diagnostics) <= set(result.results["warnings"])
    for word in ("qaqc", "qc sample", "crm", "duplicate", "blank", "synthetic"):
        assert not [w for w in result.results["warnings"] if word in w.lower()], word
    assert "demo_survey" not in result.results["provenance"]["seeds"]


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (run `make browser`)")
def test_report_renders_offline_in_chromium(report):
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"
    artifacts.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def guard(route):
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        page.goto(report["path"].as_uri())
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(FIGURES)}",
                               timeout=60_000)
        drawn = page.evaluate("Array.from(document.querySelectorAll('.js-plotly-plot')).map(e => e.id)")
        for name in ("map_grade", "grade_tonnage", "spider_paas"):
            page.locator(f"#fig-{name}").screenshot(path=str(artifacts / f"{name}.png"))
        browser.close()
    assert errors == [] and blocked == []
    assert {f"fig-{name}" for name in FIGURES} <= set(drawn)
    assert (artifacts / "map_grade.png").stat().st_size > 10_000
