"""China's export-control status of each element on a given date, from the packaged table.

The table ``china_export_controls`` lists each measure with its date, elements, scope and its
status as of the table's edition (``in force``, ``suspended until YYYY-MM-DD ...``, ``ended``).
Date logic, applied transparently:

- before a measure's effective date: the measure is not (yet) in force;
- ``in force``: in force from its effective date;
- ``suspended until D``: suspended up to and including D; after D the suspension has LAPSED
  and the measure is reported as back in force "unless extended" (the table cannot know);
- ``ended``: not in force.

Users override an element's status (``export_control_status`` in an override file) or replace
the whole table.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from reymud.elements import REY
from reymud.supply.reference import Reference, load_reference

__all__ = ["export_control_status", "measure_status"]

_EFFECTIVE = re.compile(r"effective (\d{4}-\d{2}-\d{2})")
_UNTIL = re.compile(r"suspended until (\d{4}-\d{2}-\d{2})")
#: Headline ranking when several measures cover one element (strongest first).
_RANK = {"in force": 0, "suspension lapsed": 1, "suspended": 2, "not yet in force": 3, "not controlled": 4}


def _parse_date(text: str) -> dt.date:
    text = str(text).strip()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    return dt.date.fromisoformat(text)


def measure_status(row: pd.Series, on: dt.date, status_column: str) -> tuple[str, str]:
    """Status of one measure on a date.

    Parameters
    ----------
    row : Series
        A row of the export-control table (``date``, ``measure``, status column).
    on : date
        Query date.
    status_column : str
        Name of the table's status column (e.g. ``status_as_of_2026-11``).

    Returns
    -------
    (status, explanation) : tuple of str
        ``status`` is one of the keys of the ranking (``in force``, ``suspended``,
        ``suspension lapsed``, ``not yet in force``, ``not controlled``).
    """
    found = _EFFECTIVE.search(str(row["measure"]))
    effective = dt.date.fromisoformat(found.group(1)) if found else _parse_date(row["date"])
    table_status = str(row[status_column]).strip()
    lowered = table_status.lower()
    if lowered.startswith("ended"):
        return "not controlled", f"ended (table: {table_status})"
    if on < effective:
        return "not yet in force", f"effective {effective.isoformat()}, after {on.isoformat()}"
    until = _UNTIL.search(lowered)
    if until:
        end = dt.date.fromisoformat(until.group(1))
        if on <= end:
            return "suspended", f"suspended until {end.isoformat()}"
        return ("suspension lapsed",
                f"suspension lapsed after {end.isoformat()} (table {status_column}: '{table_status}'); "
                "in force again unless extended - check for a newer announcement")
    if lowered.startswith("in force"):
        return "in force", f"in force since {effective.isoformat()}"
    return "not controlled", f"unrecognised table status '{table_status}'"


def _covers(elements_text: str, element: str) -> bool:
    text = str(elements_text).strip()
    if text.lower().startswith("all"):
        return True  # "all", "all REE", "all dual-use items": listed under other_measures
    return element in [e.strip() for e in text.split(";")]


def export_control_status(on: dt.date | str, reference: Reference | None = None,
                          elements: tuple[str, ...] = (*REY, "Sc")) -> pd.DataFrame:
    """Export-control status of each element on a date.

    Only element-specific licensing measures set the headline ``control_status``; measures on
    "all REE" or all dual-use items (extraterritorial rules, military end-use bans) are listed
    in ``other_measures``.

    Parameters
    ----------
    on : date or ISO string
        Query date, e.g. ``"2026-11-24"``.
    reference : Reference, optional
        Data in force (user may have replaced the table or overridden statuses).
    elements : tuple of str
        Elements to report.

    Returns
    -------
    DataFrame
        ``element, control_status, detail, measures, other_measures, as_of, origin,
        china_separation_share_pct, china_share_of_japan_supply_pct`` (stage shares from the
        reference in force; NaN where none is given, e.g. Sc).
    """
    on = dt.date.fromisoformat(on) if isinstance(on, str) else on
    ref = reference or load_reference()
    table = ref.table("export_controls")
    status_cols = [c for c in table.columns if c.startswith("status")]
    if not status_cols:
        raise ValueError("export-control table needs a status column (e.g. status_as_of_2026-11)")
    status_col = status_cols[0]
    user = ref.values.get("export_control_status", {})
    rows = []
    for el in elements:
        specific, other = [], []
        for _, row in table.iterrows():
            if not _covers(row["elements"], el):
                continue
            status, detail = measure_status(row, on, status_col)
            label = str(row["measure"]).split(":")[0]
            (other if str(row["elements"]).lower().startswith("all") else specific).append((status, detail, label))
        if specific:
            status, detail, _ = min(specific, key=lambda s: _RANK[s[0]])
            headline = {"suspended": detail, "not yet in force": "not controlled",
                        "suspension lapsed": "in force unless extended (suspension lapsed)"}.get(status, status)
        else:
            headline, detail = "not controlled", "no element-specific measure in the table"
        origin = ref.tables[ref_name(ref)].attrs.get("origin", "")
        if el in user:
            headline, detail, origin = str(user[el]), f"user override (table said: {headline})", \
                ref.origin("export_control_status", el)
        rows.append({"element": el, "control_status": headline, "detail": detail,
                     "measures": "; ".join(f"{lab}: {st}" for st, _, lab in specific),
                     "other_measures": "; ".join(f"{lab}: {st}" for st, _, lab in other
                                                 if st not in ("not controlled", "not yet in force")),
                     "as_of": on.isoformat(), "origin": origin})
    out = pd.DataFrame(rows)
    # Controls act on separated products, metals and magnets: show China's share of that stage.
    sep, jpc = ref.values.get("china_separation_share", {}), ref.values.get("japan_china_share", {})
    out["china_separation_share_pct"] = [100.0 * float(sep[el]) if el in sep else np.nan for el in out["element"]]
    out["china_share_of_japan_supply_pct"] = [100.0 * float(jpc[el]) if el in jpc else np.nan
                                              for el in out["element"]]
    return out


def ref_name(ref: Reference) -> str:
    """Packaged name of the export-control table."""
    from reymud.supply.reference import TABLES

    return TABLES["export_controls"]
