"""Sums, oxides and normalisation on the wide samples frame, vectorised over all samples.

Every function takes a DataFrame whose element columns are element symbols in ppm (``La``, ...,
``Y``; ``La_ppm`` style is accepted too) and works on the numpy block of those columns.
Missing columns and NaN values propagate as NaN, never as 0; what was missing is reported in
``result.attrs["notes"]`` (a list of strings).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from reymud.data import read_reference
from reymud.elements import HREE_CONVENTIONS, REY, oxide_factors, oxide_names

__all__ = [
    "REFERENCE_ALIASES",
    "element_block",
    "hree",
    "lree",
    "lree_elements",
    "normalise",
    "reference_names",
    "reference_values",
    "to_oxides",
    "total_rey",
    "treo",
]

#: pyrolite reference names accepted as aliases of the packaged columns.
REFERENCE_ALIASES: Mapping[str, str] = {
    "Chondrite_MS95": "CI_McDonoughSun1995",
    "Chondrite_SM89": "CI_SunMcDonough1989",
    "PAAS_TM1985": "PAAS_TaylorMcLennan1985",
    "PAAS": "PAAS_TaylorMcLennan1985",
    "CI": "CI_McDonoughSun1995",
}


@lru_cache(maxsize=1)
def _reference_table() -> pd.DataFrame:
    return read_reference("reference_compositions_ppm").set_index("element")


def reference_names() -> list[str]:
    """Names of the packaged reference compositions (columns of ``reference_compositions_ppm.csv``)."""
    return list(_reference_table().columns)


def reference_values(reference: str | Mapping[str, float] | pd.Series, elements: Sequence[str]) -> np.ndarray:
    """Reference concentrations (ppm) for ``elements``; NaN where the set gives none.

    Parameters
    ----------
    reference : str or mapping
        A packaged name (e.g. ``"CI_McDonoughSun1995"``, ``"PAAS_TaylorMcLennan1985"``), a pyrolite
        alias (``"Chondrite_MS95"``, ``"PAAS_TM1985"``) or a mapping element -> ppm of your own.
    elements : sequence of str
        Element symbols.

    Returns
    -------
    numpy.ndarray
        float64 values in ppm, one per element.
    """
    if isinstance(reference, str):
        table = _reference_table()
        name = REFERENCE_ALIASES.get(reference, reference)
        if name not in table.columns:
            raise ValueError(
                f"unknown reference composition {reference!r}; use one of {list(table.columns)}, "
                f"an alias {sorted(REFERENCE_ALIASES)} or pass a mapping element -> ppm"
            )
        column = table[name]
        return np.array([float(column.get(el, np.nan)) for el in elements], dtype=float)
    if isinstance(reference, Mapping | pd.Series):
        values = np.array([float(reference.get(el, np.nan)) for el in elements], dtype=float)
        if np.any(values <= 0):
            raise ValueError("reference concentrations must be positive (ppm)")
        return values
    raise TypeError("reference must be a name (str) or a mapping element -> ppm")


def _column_for(df: pd.DataFrame, element: str) -> str | None:
    if element in df.columns:
        return element
    alt = f"{element}_ppm"
    return alt if alt in df.columns else None


def element_block(df: pd.DataFrame, elements: Iterable[str]) -> tuple[np.ndarray, list[str]]:
    """The (n_samples, n_elements) float64 block of ``elements`` and notes on what was missing.

    Absent columns become NaN columns (noted); NaN values are counted per element (noted).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of samples, got {type(df).__name__}")
    elements = list(elements)
    notes: list[str] = []
    columns = [_column_for(df, el) for el in elements]
    absent = [el for el, col in zip(elements, columns, strict=True) if col is None]
    present = [col for col in columns if col is not None]
    if present:
        try:
            values = df[present].to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"element columns {present} must be numeric ppm; convert text such as '<0.05' "
                "through reymud.ingest first"
            ) from exc
    if not absent:
        block = values  # read-only use below: no copy needed
    else:
        block = np.full((len(df), len(elements)), np.nan, order="F")  # pandas blocks are column-major
        if present:
            block[:, [i for i, col in enumerate(columns) if col is not None]] = values
        notes.append(f"columns absent: {', '.join(absent)} -> results that need them are NaN")
    if len(df):
        lowest = block.min(axis=0)  # one pass: NaN if any NaN, negative if any negative
        if np.isnan(lowest).any():
            for el, col, n in zip(elements, columns, np.isnan(block).sum(axis=0), strict=True):
                if n and col is not None:
                    notes.append(f"{el}: {int(n)} NaN value(s) propagate as NaN")
            lowest = np.where(np.isnan(block), np.inf, block).min(axis=0)
        if (lowest < 0).any():
            bad = [el for el, low in zip(elements, lowest, strict=True) if low < 0]
            raise ValueError(f"negative concentrations in {bad}; concentrations in ppm must be >= 0")
    return block, notes


def _series(values: np.ndarray, df: pd.DataFrame, name: str, notes: list[str]) -> pd.Series:
    out = pd.Series(values, index=df.index, name=name)
    out.attrs["notes"] = list(notes)
    return out


def total_rey(df: pd.DataFrame, include_ce: bool = True) -> pd.Series:
    """Total REY (ppm): sum of the 14 lanthanides and Y, optionally without Ce (Yasukawa 2016 usage).

    Parameters
    ----------
    df : DataFrame
        Wide samples frame, element columns in ppm.
    include_ce : bool, default True
        Include Ce (the Kato/Takaya "total REY").

    Returns
    -------
    Series
        ``total_rey_ppm`` or ``total_rey_no_ce_ppm``; NaN where any element is NaN or absent.
    """
    elements = [el for el in REY if include_ce or el != "Ce"]
    block, notes = element_block(df, elements)
    name = "total_rey_ppm" if include_ce else "total_rey_no_ce_ppm"
    return _series(block.sum(axis=1), df, name, notes)


def _convention(convention: str) -> tuple[str, ...]:
    try:
        return HREE_CONVENTIONS[convention]
    except KeyError:
        raise ValueError(f"unknown HREE convention {convention!r}; use one of {sorted(HREE_CONVENTIONS)}") from None


def lree_elements(convention: str) -> tuple[str, ...]:
    """LREE under a named convention: the lanthanides not in its HREE set (Y is never LREE)."""
    heavy = _convention(convention)
    return tuple(el for el in REY if el not in heavy and el != "Y")


def lree(df: pd.DataFrame, convention: str = "takaya2018") -> pd.Series:
    """Light REE sum (ppm) under a named convention (``takaya2018``: La-Sm)."""
    block, notes = element_block(df, lree_elements(convention))
    return _series(block.sum(axis=1), df, "lree_ppm", notes)


def hree(df: pd.DataFrame, convention: str = "takaya2018") -> pd.Series:
    """Heavy REE sum (ppm) under a named convention (``takaya2018``: Eu-Lu; ``gd_lu_y``: Gd-Lu + Y)."""
    block, notes = element_block(df, _convention(convention))
    return _series(block.sum(axis=1), df, "hree_ppm", notes)


def _oxide_vector(elements: Sequence[str]) -> np.ndarray:
    factors = oxide_factors()
    return np.array([factors[el] for el in elements], dtype=float)


def to_oxides(df: pd.DataFrame, elements: Sequence[str] = REY) -> pd.DataFrame:
    """Per-element oxides in ppm oxide (``La2O3``, ``CeO2``, ``Pr6O11``, ``Tb4O7``, ...).

    Factors from the packaged ``oxide_factors.csv`` (oxide mass per element mass).
    """
    block, notes = element_block(df, elements)
    names = oxide_names()
    out = pd.DataFrame(
        block * _oxide_vector(elements), index=df.index, columns=[names[el] for el in elements], copy=False
    )
    out.attrs["notes"] = notes
    return out


def treo(df: pd.DataFrame) -> pd.Series:
    """Total rare-earth oxides (ppm oxide) over REY, Y as Y2O3."""
    block, notes = element_block(df, REY)
    return _series(block @ _oxide_vector(REY), df, "treo_ppm", notes)


def normalise(
    df: pd.DataFrame,
    reference: str | Mapping[str, float] = "CI_McDonoughSun1995",
    elements: Sequence[str] = REY,
) -> pd.DataFrame:
    """Divide each element by a reference composition (both in ppm).

    Parameters
    ----------
    df : DataFrame
        Wide samples frame.
    reference : str or mapping
        See :func:`reference_values`; default CI chondrite McDonough & Sun 1995.
    elements : sequence of str
        Elements to normalise (default the 15 REY).

    Returns
    -------
    DataFrame
        Same index, one column per element (dimensionless); ``attrs["reference"]`` names the set.
        Elements the reference does not give (e.g. Y in CIvf_TaylorMcLennan1985) are NaN and noted.
    """
    ref = reference_values(reference, elements)
    block, notes = element_block(df, elements)
    missing = [el for el, v in zip(elements, ref, strict=True) if not np.isfinite(v)]
    if missing:
        notes.append(f"reference {reference!r} gives no value for {', '.join(missing)} -> NaN")
    out = pd.DataFrame(block / ref, index=df.index, columns=list(elements), copy=False)
    out.attrs["notes"] = notes
    out.attrs["reference"] = REFERENCE_ALIASES.get(reference, reference) if isinstance(reference, str) else "custom"
    return out
