"""Cores: REY-rich layers, per-core summary, fixed-length composites and depth-window statistics.

All functions take the wide samples frame (``core_id, top_mbsf, bottom_mbsf`` plus grade columns)
and work on sorted numpy arrays over all cores at once. Conventions for gaps and point samples are
in :mod:`reymud.cores.intervals`.
"""

from __future__ import annotations

from reymud.cores.composite import composite, default_columns, window_stats
from reymud.cores.intervals import DEFAULT_POINT_HALF_SUPPORT_M
from reymud.cores.layers import core_summary, find_layers

__all__ = [
    "DEFAULT_POINT_HALF_SUPPORT_M",
    "composite",
    "core_summary",
    "default_columns",
    "find_layers",
    "window_stats",
]
