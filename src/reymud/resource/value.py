"""In-situ gross value of mud per tonne from per-element oxide prices.

Prices belong to the supply stage's data; this module only needs a mapping element -> USD per kg
of the element's conventional oxide. :func:`default_prices_usd_per_kg` reads the packaged USGS
MCS 2026 table and maps each oxide product to its element:

- ``La2O3 99.5%`` -> La, ``CeO2 99.5%`` -> Ce, ``Pr6O11 99.99%`` -> Pr, ``Nd2O3 99.5%`` -> Nd,
  ``Sm2O3`` -> Sm, ``Eu2O3`` -> Eu, ``Gd2O3`` -> Gd, ``Tb4O7`` -> Tb, ``Dy2O3`` -> Dy,
  ``Ho2O3`` -> Ho, ``Er2O3`` -> Er, ``Yb2O3`` -> Yb, ``Lu2O3`` -> Lu, ``Y2O3 99.999%`` -> Y
  (products whose name starts with the element's oxide formula; mixed products such as
  mischmetal or NdPr oxide, and metals, are ignored).
- Tm has no USGS price: it is valued at 0 and reported as unpriced.

The value is gross in-situ (no recovery, no processing cost): sum over elements of
grade (g/t) x 1e-3 (kg/t) x oxide factor x price (USD/kg oxide).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from reymud.elements import REY, oxide_factors, oxide_names

__all__ = ["block_value_usd_t", "default_prices_usd_per_kg"]


def default_prices_usd_per_kg(year: str = "2025e") -> dict[str, float]:
    """Element -> USD per kg of oxide from the packaged USGS MCS 2026 price table.

    Parameters
    ----------
    year : str
        A year column of ``usgs_mcs2026_prices_usd_per_kg`` (``"2021"`` ... ``"2025e"``).
    """
    from reymud.data import read_reference

    table = read_reference("usgs_mcs2026_prices_usd_per_kg")
    if year not in table.columns:
        years = [c for c in table.columns if c not in ("product", "source_chapter")]
        raise ValueError(f"no price column {year!r}; available years: {years}")
    names = oxide_names()
    prices: dict[str, float] = {}
    for el in REY:
        match = table[table["product"].str.split().str[0] == names[el]]
        if len(match):
            prices[el] = float(match[year].iloc[0])
    return prices


def block_value_usd_t(frame: pd.DataFrame, prices_usd_per_kg: Mapping[str, float]) -> tuple[np.ndarray, list[str]]:
    """Gross in-situ value (USD per dry tonne) of each row of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        Columns ``<El>_ppm``.
    prices_usd_per_kg : mapping
        Element symbol -> USD per kg of its oxide.

    Returns
    -------
    values : ndarray
        USD per dry tonne (NaN where a priced element's grade is NaN).
    unpriced : list of str
        Elements present in ``frame`` without a price (valued at 0).
    """
    factors = oxide_factors()
    unknown = sorted(set(prices_usd_per_kg) - set(REY))
    if unknown:
        raise ValueError(f"prices given for non-REY keys {unknown}; use element symbols such as 'Nd', 'Dy'")
    present = [el for el in REY if f"{el}_ppm" in frame.columns]
    if not present:
        raise ValueError("value_usd_t needs per-element grades (<El>_ppm columns); the blocks have none")
    priced = [el for el in present if el in prices_usd_per_kg]
    unpriced = [el for el in present if el not in prices_usd_per_kg]
    if not priced:
        return np.zeros(len(frame)), unpriced
    grades = frame[[f"{el}_ppm" for el in priced]].to_numpy(dtype=float)
    usd_per_g_el = np.array([factors[el] * float(prices_usd_per_kg[el]) * 1e-3 for el in priced])
    return grades @ usd_per_g_el, unpriced
