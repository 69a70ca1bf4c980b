"""Vectorised parsing of concentration cells, including below-detection spellings.

A cell is one of: a number (optionally followed by a unit, ``"12.5 ppm"``); a below-detection
value with its limit (``"<0.05"``, ``"< 0.05 ppm"``, ``"<=0.05"``); a below-detection marker
without a limit (``bdl``, ``b.d.l.``, ``n.d.``, ``ND``, ``-``, empty ...: censored, limit
unknown); or *not analysed* (``n.a.``, ``not analysed``: no value is stored, counted in the
report). Censored values are never turned into 0 and never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["BELOW_DETECTION_MARKERS", "NOT_ANALYSED_MARKERS", "CellProblem", "ParsedCells", "parse_cells"]

#: Spellings (lower case, stripped) read as below detection with an unknown limit.
BELOW_DETECTION_MARKERS: frozenset[str] = frozenset({
    "", "-", "--", "—", "–", "bdl", "b.d.l.", "b.d.l", "bd", "b.d.", "<dl", "<lod", "< dl", "< lod", "<ld",
    "n.d.", "n.d", "nd", "not detected", "below detection", "below detection limit", "lt dl", "<mdl",
})
#: Spellings refused: they are what software writes for a missing/failed number, not a lab's statement.
_AMBIGUOUS_MISSING: frozenset[str] = frozenset({"nan", "-nan", "+nan", "null", "none", "#n/a", "#value!", "#div/0!",
                                                 "#num!", "#ref!", "#name?", "inf", "-inf", "+inf", "infinity"})
#: Spellings read as not analysed (nothing stored).
NOT_ANALYSED_MARKERS: frozenset[str] = frozenset({"n.a.", "n.a", "na", "n/a", "not analysed", "not analyzed",
                                                  "n/d", "nm", "not measured"})
_LT_RE = r"^<\s*=?\s*([0-9]*\.?[0-9]+(?:[eE][+\-]?[0-9]+)?)\s*([A-Za-zµμ%][^\s]*(?:\s*%)?)?$"
_UNIT_RE = r"^([+\-]?[0-9]*\.?[0-9]+(?:[eE][+\-]?[0-9]+)?)\s*([A-Za-zµμ%][^\s]*(?:\s*%)?)$"


_NUMBER_RE = r"^\s*[+\-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+\-]?[0-9]+)?\s*$"


def shown_cell(cell: str) -> str:
    """A cell as quoted in a message: whole up to 40 characters, else its start and its length."""
    return cell if len(cell) <= 40 else f"{cell[:20]}...({len(cell)} characters)"


def _to_float(raw: pd.Series) -> np.ndarray:
    """Numbers of a text column (NaN where not a plain number); pyarrow kernels when available."""
    try:
        arr = pa.array(raw, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = None
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        ok = pc.match_substring_regex(arr, _NUMBER_RE)
        numbers = pc.cast(pc.utf8_trim_whitespace(pc.if_else(ok, arr, pa.scalar(None, arr.type))), pa.float64())
        return numbers.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    return pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)


def _extract(cells: pd.Series, pattern: str, where: np.ndarray) -> pd.DataFrame:
    """``cells.str.extract(pattern)`` evaluated only where ``where`` (NaN elsewhere)."""
    out = pd.DataFrame({0: np.full(len(cells), None, dtype=object), 1: np.full(len(cells), None, dtype=object)},
                       index=cells.index)
    if where.any():
        found = cells[where].astype(object).str.extract(pattern)
        out.loc[where, 0] = found[0].to_numpy(dtype=object)
        out.loc[where, 1] = found[1].to_numpy(dtype=object)
    return out


class CellProblem(ValueError):
    """A cell that cannot be read: ``position`` (0-based data row), problem and fix."""

    def __init__(self, position: int, problem: str, fix: str) -> None:
        self.position, self.problem, self.fix = position, problem, fix
        super().__init__(problem)


@dataclass(frozen=True)
class ParsedCells:
    """Parsed column. ``value`` is NaN where censored or not analysed; ``limit`` is the limit
    written in a ``<x`` cell (NaN otherwise); ``suffix`` is the unit written in cells (None if none)."""

    value: np.ndarray
    censored: np.ndarray
    limit: np.ndarray
    not_analysed: np.ndarray
    suffix: np.ndarray | None


def parse_cells(raw: pd.Series, negative_means_below_detection: bool = False) -> ParsedCells:
    """Parse one column of concentration cells (vectorised; only non-numeric cells are inspected).

    Parameters
    ----------
    raw : Series
        Cells as read (strings, numbers or missing).
    negative_means_below_detection : bool
        Read ``-0.05`` as ``<0.05`` (a convention of some databases). Off by default: a negative
        concentration is an error.

    Returns
    -------
    ParsedCells

    Raises
    ------
    CellProblem
        At the first cell that is negative, above range (``>x``), or not a number.
    """
    n = len(raw)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        value = raw.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        censored = np.isnan(value)
        limit = np.full(n, np.nan)
        not_analysed = np.zeros(n, dtype=bool)
        suffix = None
    else:
        value = _to_float(raw)
        censored = np.zeros(n, dtype=bool)
        limit = np.full(n, np.nan)
        not_analysed = np.zeros(n, dtype=bool)
        suffix = None
        bad = np.flatnonzero(np.isnan(value))
        if bad.size:
            sub = raw.iloc[bad]
            if pd.api.types.is_string_dtype(sub.dtype) and not pd.api.types.is_object_dtype(sub.dtype):
                cells = sub.fillna("").str.strip()
            else:
                cells = sub.astype(object).where(sub.notna(), "").astype(str).str.strip()
            lower = cells.str.lower()
            marker = lower.isin(BELOW_DETECTION_MARKERS).to_numpy()
            absent = lower.isin(NOT_ANALYSED_MARKERS).to_numpy()
            hexa = np.flatnonzero(cells.str.match(r"^[+\-]?0[xX][0-9a-fA-F]+$").to_numpy(dtype=bool))
            if hexa.size:
                raise CellProblem(int(bad[hexa[0]]), f"value {cells.iloc[hexa[0]]!r} is written in hexadecimal",
                                  "write the concentration as a decimal number")
            lt = _extract(cells, _LT_RE, ~marker & ~absent & cells.str.startswith("<").to_numpy(dtype=bool))
            has_lt = lt[0].notna().to_numpy()
            unit = _extract(cells, _UNIT_RE, ~marker & ~absent & ~has_lt)
            has_unit = unit[0].notna().to_numpy() & ~has_lt
            ok = marker | absent | has_lt | has_unit
            if not ok.all():
                first = int(np.flatnonzero(~ok)[0])
                text = cells.iloc[first]
                if text.lower() in _AMBIGUOUS_MISSING:
                    raise CellProblem(int(bad[first]), f"value {text!r} is not a measurement (software output for "
                                      "a missing or failed number)", "write 'n.a.' if not analysed, 'bdl' or "
                                      "'<limit' if below detection, or the measured value")
                if text.startswith(">"):
                    raise CellProblem(int(bad[first]), f"value {text!r} is above the reported range",
                                      "replace it with the measured value (dilute and re-run if needed)")
                if re.match(r"^[+\-]?[0-9]*,[0-9]+(?:[eE][+\-]?[0-9]+)?$", text.replace(" ", "")):
                    raise CellProblem(int(bad[first]), f"value {text!r} uses a decimal comma",
                                      "write decimals with a point (0.05), or re-export the file with '.' "
                                      "as decimal separator")
                raise CellProblem(int(bad[first]), f"value {text!r} is not a number",
                                  "write a number, '<limit' for below detection (e.g. <0.05), 'bdl'/'n.d.' "
                                  "if the limit is unknown, or 'n.a.' if not analysed")
            lt_values = lt[0].to_numpy()[has_lt].astype(np.float64)
            zero = np.flatnonzero(~(lt_values > 0) | np.isinf(lt_values))
            if zero.size:
                j = np.flatnonzero(has_lt)[zero[0]]
                text = cells.iloc[j]
                raise CellProblem(int(bad[j]),
                                  f"below-detection value {text!r} has a limit that is not a positive finite number",
                                  "write the lab's detection limit (e.g. <0.05), or 'bdl' if it is unknown")
            censored[bad[marker | has_lt]] = True
            not_analysed[bad[absent]] = True
            limit[bad[has_lt]] = lt_values
            value[bad[has_unit]] = unit[0].to_numpy()[has_unit].astype(np.float64)
            if has_unit.any() or lt[1].notna().any():
                suffix = np.full(n, None, dtype=object)
                suffix[bad[has_unit]] = unit[1].to_numpy()[has_unit]
                lt_unit = lt[1].to_numpy()[has_lt]
                suffix[bad[has_lt]] = lt_unit
    infinite = np.flatnonzero(np.isinf(value))
    if infinite.size:
        first = int(infinite[0])
        cell = str(raw.iloc[first])
        raise CellProblem(first, f"value {shown_cell(cell)!r} is too large to be a number (it overflows to infinity)",
                          "write the measured concentration; check the cell for a typing or export error")
    negative = np.flatnonzero(value < 0)
    if negative.size:
        if negative_means_below_detection:
            limit[negative] = -value[negative]
            censored[negative] = True
            value[negative] = np.nan
        else:
            first = int(negative[0])
            raise CellProblem(first, f"negative concentration {value[first]:g}",
                              "concentrations cannot be negative: correct the value; if the lab writes "
                              "below-detection values as negative limits, write them as '<limit' or set "
                              "'negative_means_below_detection: true' in the mapping file")
    value[censored] = np.nan
    return ParsedCells(value, censored, limit, not_analysed, suffix)
