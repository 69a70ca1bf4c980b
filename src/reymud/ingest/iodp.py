"""IODP-style sample names, e.g. ``U1366D-2H-3-W 50/52`` (site, hole, core, type, section, half, cm).

An optional expedition prefix (``329-U1366D-2H-3-W 50/52``), a comma before the interval, ``-``
instead of ``/`` and a trailing ``cm`` are accepted. The project's ``core_id`` of such a sample
is the *hole* (``U1366D``): one location, one collar. The interval is in cm within the
section; depth in mbsf needs the section's top depth (a ``Section top depth CSF-A (m)`` column)
or explicit depth columns - :mod:`reymud.ingest` uses whichever the file gives and otherwise
refuses the file with an error saying so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["IODP_RE", "format_iodp_name", "parse_iodp_names"]

IODP_RE = (r"^\s*(?:(?P<expedition>\d{1,4}[A-Z]?)-)?(?P<site>[A-Z]{0,2}\d{3,5})(?P<hole>[A-Z])"
           r"-(?P<core>\d{1,4})(?P<core_type>[A-Z])-(?P<section>\d{1,2}|CC)-?(?P<half>[A-Z]{1,3})"
           r"\s*,?\s*(?P<interval_top_cm>\d+(?:\.\d+)?)\s*[/\-]\s*(?P<interval_bottom_cm>\d+(?:\.\d+)?)"
           r"\s*(?:cm)?\s*$")


_FIELDS = ["expedition", "site", "hole", "core", "core_type", "section", "half", "interval_top_cm",
           "interval_bottom_cm"]


def parse_iodp_names(names: pd.Series) -> pd.DataFrame:
    """Parse sample names (vectorised).

    Parameters
    ----------
    names : Series of str

    Returns
    -------
    DataFrame
        Columns ``expedition, site, hole, core, core_type, section, half, interval_top_cm,
        interval_bottom_cm, core_id`` (``core_id`` = site + hole); rows that are not IODP names are
        all-NaN.
    """
    names = names.astype(str)
    candidate = names.str.contains(r"[A-Z]-[0-9]+[A-Z]-", regex=True).to_numpy(dtype=bool, na_value=False)
    parts = pd.DataFrame(np.nan, index=names.index, columns=_FIELDS, dtype=object)
    if candidate.any():
        parts.loc[candidate] = names[candidate].str.extract(IODP_RE)[_FIELDS].to_numpy(dtype=object)
    for col in ("interval_top_cm", "interval_bottom_cm"):
        parts[col] = pd.to_numeric(parts[col])
    parts["core_id"] = parts["site"] + parts["hole"]
    return parts


def format_iodp_name(site: str, hole: str, core: int, core_type: str, section: str | int, half: str,
                     top_cm: float, bottom_cm: float, expedition: str | None = None) -> str:
    """Write an IODP sample name (the inverse of :func:`parse_iodp_names`)."""
    prefix = f"{expedition}-" if expedition else ""
    return f"{prefix}{site}{hole}-{core}{core_type}-{section}-{half} {top_cm:g}/{bottom_cm:g}"
