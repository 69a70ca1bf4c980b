"""Report page helpers: numbers carry their results key and exact value."""

from __future__ import annotations

from html.parser import HTMLParser

import plotly.graph_objects as go
import pytest

from reymud.report.html import ReportPage, format_number

RESULTS = {
    "data": {"n_cores": 25, "mean_ppm": 964.123456789, "none": None},
    "table": [{"cutoff": 400.0, "class": "measured", "dry_t": 1.5e9}, {"cutoff": 1000.0, "class": "inferred",
                                                                         "dry_t": 2.0e8}],
    "params": {"seed": 7, "cutoffs": [400.0, 1000.0], "name": "x"},
}


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, tuple[str | None, str]] = {}
        self._key: str | None = None
        self._value: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-key" in a and tag in ("span", "td"):
            self._key, self._value = a["data-key"], a.get("data-value")

    def handle_data(self, data):
        if self._key is not None:
            self.cells[self._key] = (self._value, data)
            self._key = None


def _parse(markup: str) -> dict[str, tuple[str | None, str]]:
    parser = _Cells()
    parser.feed(str(markup))
    return parser.cells


@pytest.mark.parametrize(("value", "text"), [
    (None, "-"), (float("nan"), "-"), (True, "yes"), (12345, "12,345"), (1234567.8, "1,234,568"),
    (964.1234, "964.1"), (12.346, "12.35"), (0.0123456, "0.0123"), (0.0, "0.00"), ("abc", "abc"),
])
def test_format_number(value, text):
    assert format_number(value) == text


def test_format_number_fixed_digits():
    assert format_number(2.5, digits=0) == "2" and format_number(1234.5678, digits=2) == "1,234.57"


def test_num_carries_key_and_exact_value():
    page = ReportPage(RESULTS, {})
    cells = _parse(page.num("data.mean_ppm", "ppm"))
    value, text = cells["data.mean_ppm"]
    assert float(value) == RESULTS["data"]["mean_ppm"] and text == "964.1 ppm"
    assert _parse(page.num("data.none"))["data.none"] == ("", "-")
    with pytest.raises(KeyError, match="nope"):
        page.num("data.nope")


def test_table_cells_are_keyed_by_row_and_column():
    page = ReportPage(RESULTS, {})
    markup = str(page.table("table", columns=["cutoff", "class", "dry_t"], table_id="t1"))
    assert 'id="t1"' in markup and markup.count("<tr>") == 3
    cells = _parse(markup)
    assert float(cells["table.1.dry_t"][0]) == 2.0e8 and cells["table.1.dry_t"][1] == "200,000,000"
    assert cells["table.0.class"] == ("measured", "measured")
    assert "more rows" in str(page.table("table", max_rows=1))


def test_kv_renders_mappings_and_nested_values():
    cells = _parse(ReportPage(RESULTS, {}).kv("params"))
    assert cells["params.seed"] == ("7", "7")
    assert cells["params.name"] == ("x", "x")
    assert "400.0" in str(ReportPage(RESULTS, {}).kv("params"))


def test_figure_embeds_div_without_plotly_js_or_reports_reason():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    page = ReportPage(RESULTS, {"ok": fig, "bad": "ValueError: no data"})
    html = str(page.figure("ok"))
    assert 'id="fig-ok"' in html and 'data-figure="ok"' in html and "Plotly.newPlot" in html
    assert len(html) < 20_000  # the library is not embedded per figure
    assert "no data" in str(page.figure("bad")) and page.figure_errors == ["bad: ValueError: no data"]
    assert "not available" in str(page.figure("missing"))


def test_identifiers_are_plain_and_scale_changes_only_the_text():
    page = ReportPage({"seeds": {"simulation": 20260202}, "t": {"dry_t": 2_500_000_000.0}}, {})
    assert _parse(page.num("seeds.simulation"))["seeds.simulation"] == ("20260202", "20260202")
    value, text = _parse(page.num("t.dry_t", "Mt", scale=1e-6))["t.dry_t"]
    assert float(value) == 2.5e9 and text == "2,500 Mt"
