"""The self-contained HTML report of an assessment (plotly figures, jinja2 templates).

``write_report(result, path)`` renders ``report.html`` from an
:class:`reymud.assess.AssessResult`; ``render_html(results, figures)`` renders any results dict.
Figure builders (``reymud.report.figures_*``) take plain DataFrames / xarray objects.
"""

from __future__ import annotations

from reymud.plot.base import decimate, map_boundaries
from reymud.report.build import build_figures, write_report
from reymud.report.html import SECTIONS, SYNTHETIC_BANNER, format_number, render_html, write_html

__all__ = [
    "SECTIONS",
    "SYNTHETIC_BANNER",
    "build_figures",
    "decimate",
    "format_number",
    "map_boundaries",
    "render_html",
    "write_html",
    "write_report",
]
