"""One number format for people: the report, the dashboard and the CLI tables.

Plain Python, no plotting or templating imports, so the CLI can use it without loading the report.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_number"]


def format_number(value: Any, digits: int | None = None) -> str:
    """Human format: thousands separators, about 3-4 significant figures, ``-`` for missing.

    Parameters
    ----------
    value : Any
        Number (or None/NaN, or text, returned as is).
    digits : int or None
        Fixed decimals; None chooses by magnitude.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, float):
        return str(value)
    if digits is not None:
        return f"{value:,.{digits}f}"
    size = abs(value)
    if size >= 1_000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:,.1f}"
    if size >= 1 or size == 0:
        return f"{value:,.2f}"
    return f"{value:.3g}"
