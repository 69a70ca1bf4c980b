"""Cores: REY-rich layers, per-core summary, fixed-length composites and depth-window statistics.

All functions take the wide samples frame (``core_id, top_mbsf, bottom_mbsf`` plus grade columns)
and work on sorted numpy arrays over all cores at once. Conventions for gaps and point samples are
in :mod:`reymud.cores.intervals`; which interval each sample stands for (spot or gapped
sampling) in :mod:`reymud.cores.support`.
"""

from __future__ import annotations

from reymud.cores.composite import composite, default_columns, window_stats
from reymud.cores.intervals import DEFAULT_POINT_HALF_SUPPORT_M
from reymud.cores.layers import core_summary, find_layers
from reymud.cores.support import DEFAULT_MAX_GAP_M, SUPPORT_RULES, SampleSupport, gap_report

__all__ = [
    "DEFAULT_MAX_GAP_M",
    "DEFAULT_POINT_HALF_SUPPORT_M",
    "SUPPORT_RULES",
    "SampleSupport",
    "composite",
    "core_summary",
    "default_columns",
    "find_layers",
    "gap_report",
    "window_stats",
]
