"""Render the self-contained HTML report from a results dict and plotly figures.

Numbers are never formatted in templates from their own variables: the template calls
``num(key)`` / ``table(key)``, which look the value up in the results dict by its dotted key and
emit ``<span class="num" data-key="..." data-value="...">``. Tests (and readers) can therefore
check every number in the page against ``results.json``.
"""

from __future__ import annotations

import html as _html
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go
from markupsafe import Markup

from reymud.assess.results import cutoff_basis_statement, resolve_key
from reymud.formatting import format_number

__all__ = ["SECTIONS", "SYNTHETIC_BANNER", "ReportPage", "format_number", "render_html", "write_html"]

SYNTHETIC_BANNER = "SYNTHETIC DEMO DATA - not real measurements"
#: tables with more columns than this get class ``wide`` (smaller type, so they fit the page width)
WIDE_TABLE_COLUMNS = 12

#: (id, title) of every report section, in order (JORC Table 1 / CRIRSCO public report layout).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("data", "1. Data and sampling"),
    ("qaqc", "2. Quality assurance and quality control"),
    ("geochemistry", "3. Geochemistry"),
    ("estimation", "4. Estimation"),
    ("classification", "5. Classification and resource statement"),
    ("grade-tonnage", "6. Grade-tonnage"),
    ("uncertainty", "7. Uncertainty"),
    ("production", "8. Production schedule and economics"),
    ("supply", "9. Supply security"),
    ("provenance", "10. Assumptions and provenance"),
)


#: Names whose numbers are identifiers, shown without thousands separators.
PLAIN_NAMES: tuple[str, ...] = ("seed", "year", "sha256", "date", "layer", "simulation", "cross_validation",
                                "demo_survey")


def _display(value: Any, key: str, digits: int | None = None) -> str:
    last = key.rsplit(".", 1)[-1]
    if isinstance(value, int) and not isinstance(value, bool) and (last in PLAIN_NAMES or "seed" in key):
        return str(value)
    return format_number(value, digits)


def _data_value(value: Any) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


class ReportPage:
    """Template helpers bound to one results dict and one set of figures."""

    def __init__(self, results: Mapping[str, Any], figures: Mapping[str, go.Figure | str]) -> None:
        self.results = results
        self.figures = figures
        self.figure_errors: list[str] = []

    def get(self, key: str, default: Any = None) -> Any:
        """Value at ``key`` or ``default`` when the key does not exist (for optional text)."""
        try:
            return resolve_key(self.results, key)
        except KeyError:
            return default

    def num(self, key: str, unit: str = "", digits: int | None = None, scale: float | None = None) -> Markup:
        """A number from the results by key; ``scale`` multiplies the shown text only (e.g. 1e-6 for Mt)."""
        value = resolve_key(self.results, key)
        shown = value * scale if scale is not None and isinstance(value, (int, float)) else value
        text = _display(shown, key, digits) + (f" {unit}" if unit else "")
        scale_attr = f' data-scale="{scale!r}"' if scale is not None else ""
        return Markup('<span class="num" data-key="{}" data-value="{}"' + scale_attr + ">{}</span>").format(
            key, _data_value(value), text)

    def table(self, key: str, columns: Sequence[str] | None = None, labels: Mapping[str, str] | None = None,
              table_id: str | None = None, max_rows: int | None = None) -> Markup:
        """A list of row objects as a table; every cell keyed ``<key>.<row>.<column>``."""
        rows = resolve_key(self.results, key)
        if not rows:
            return Markup('<p class="empty" data-key="{}">No rows.</p>').format(key)
        columns = list(columns) if columns else list(rows[0])
        labels = labels or {}
        # a line-break opportunity after each underscore lets long column names wrap at word parts
        head = "".join(f"<th>{_html.escape(labels.get(c, c)).replace('_', '_<wbr>')}</th>" for c in columns)
        body = []
        for i, row in enumerate(rows[:max_rows] if max_rows else rows):
            cells = []
            for col in columns:
                value = row.get(col)
                kind = "num" if isinstance(value, (int, float)) and not isinstance(value, bool) else "text"
                cells.append(f'<td class="{kind}" data-key="{_html.escape(f"{key}.{i}.{col}")}" '
                             f'data-value="{_html.escape(_data_value(value))}">'
                             f"{_html.escape(_display(value, col))}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        more = (f'<p class="note">{len(rows) - max_rows} more rows in results.json ({_html.escape(key)}).</p>'
                if max_rows and len(rows) > max_rows else "")
        tid = f' id="{_html.escape(table_id)}"' if table_id else ""
        wide = ' class="wide"' if len(columns) > WIDE_TABLE_COLUMNS else ""
        return Markup(f'<table{tid}{wide} data-key="{_html.escape(key)}"><thead><tr>{head}</tr></thead>'
                      f'<tbody>{"".join(body)}</tbody></table>{more}')

    def kv(self, key: str, table_id: str | None = None) -> Markup:
        """A mapping of the results as a two-column table (nested values shown as compact JSON)."""
        import json

        mapping = resolve_key(self.results, key)
        rows = []
        for name, value in mapping.items():
            if isinstance(value, (dict, list)):
                text = json.dumps(value, separators=(", ", ": "))
                cell = (f'<td class="text" data-key="{_html.escape(f"{key}.{name}")}">'
                        f"<code>{_html.escape(text)}</code></td>")
            else:
                kind = "num" if isinstance(value, (int, float)) and not isinstance(value, bool) else "text"
                cell = (f'<td class="{kind}" data-key="{_html.escape(f"{key}.{name}")}" '
                        f'data-value="{_html.escape(_data_value(value))}">{_html.escape(_display(value, str(name)))}</td>')
            rows.append(f"<tr><th>{_html.escape(str(name))}</th>{cell}</tr>")
        tid = f' id="{_html.escape(table_id)}"' if table_id else ""
        return Markup(f'<table class="kv"{tid} data-key="{_html.escape(key)}"><tbody>{"".join(rows)}</tbody></table>')

    def figure(self, name: str) -> Markup:
        """The figure's ``<div>`` (plotly.js itself is embedded once in the page head)."""
        fig = self.figures.get(name)
        if fig is None:
            return Markup('<p class="note" data-figure="{}">Figure not available.</p>').format(name)
        if isinstance(fig, str):  # a reason why the figure could not be drawn
            self.figure_errors.append(f"{name}: {fig}")
            return Markup('<p class="note" data-figure="{}">Figure not available: {}</p>').format(name, fig)
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"fig-{name}",
                          config={"displaylogo": False, "responsive": True})
        return Markup(f'<div class="figure" data-figure="{_html.escape(name)}">{div}</div>')


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("reymud.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def render_html(results: Mapping[str, Any], figures: Mapping[str, go.Figure | str] | None = None,
                template: str = "report.html.j2") -> str:
    """Render the report page.

    Parameters
    ----------
    results : mapping
        The ``results.json`` dict (see ``docs/results-schema.md``).
    figures : mapping of str to Figure or str
        Plotly figures by name; a string value is shown as the reason a figure is missing.
    template : str
        Template name inside ``reymud/report/templates``.

    Returns
    -------
    str
        A complete HTML document with plotly.js embedded inline once (no network access needed).
    """
    page = ReportPage(results, figures or {})
    env = _environment()
    return env.get_template(template).render(
        r=results, page=page, format_num=format_number, num=page.num, table=page.table, figure=page.figure, get=page.get, kv=page.kv,
        sections=SECTIONS, synthetic=bool(results.get("synthetic")), banner_text=SYNTHETIC_BANNER,
        cutoff_basis=cutoff_basis_statement(results),
        plotly_js=Markup(_plotly_js().replace("</script", "<\\/script")),
    )


def write_html(path: str | Path, results: Mapping[str, Any],
               figures: Mapping[str, go.Figure | str] | None = None) -> Path:
    """Render and write the report to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(results, figures), encoding="utf-8")
    return path
