"""Plotting API: spider, variogram, downhole log, grade-tonnage, swath and block-model maps as plotly figures.

Every function returns a :class:`plotly.graph_objects.Figure`; :func:`save_png` writes a static PNG through
matplotlib (no browser needed). ``reymud.report`` draws its figures with the same functions.

Examples
--------
>>> import pandas as pd
>>> import reymud.plot as rp
>>> from reymud.elements import REY
>>> fig = rp.spider(pd.DataFrame([{el: 50.0 for el in REY}]), reference="PAAS_TaylorMcLennan1985")
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

from reymud.plot.api import block_map, downhole_log, grade_tonnage, spider, swath, variogram
from reymud.plot.static import save_png

__all__ = ["block_map", "downhole_log", "grade_tonnage", "save_png", "spider", "swath", "variogram"]
