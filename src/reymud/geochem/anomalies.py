"""Ce and Eu anomalies on normalised values, and the Y/Ho mass ratio.

Formulas (subscript N = divided by the reference composition):

- Ce/Ce*: geometric ``Ce_N / sqrt(La_N Pr_N)``; arithmetic ``2 Ce_N / (La_N + Pr_N)``;
  ``lawrence2006`` ``Ce_N / (Pr_N^2 / Nd_N)`` (Lawrence et al. 2006, avoids La, which is often
  anomalous in seawater).
- Eu/Eu*: geometric ``Eu_N / sqrt(Sm_N Gd_N)``; arithmetic ``2 Eu_N / (Sm_N + Gd_N)``;
  ``lawrence2006`` ``Eu_N / (Sm_N^2 Tb_N)^(1/3)``.
- Y/Ho: plain mass ratio of the ppm values (chondritic about 28).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from reymud.geochem.config import ANOMALY_METHODS
from reymud.geochem.core import element_block, reference_values

__all__ = ["NEEDED", "anomaly_values", "ce_anomaly", "eu_anomaly", "y_ho"]

NEEDED = {
    "ce": {"geometric": ("Ce", "La", "Pr"), "arithmetic": ("Ce", "La", "Pr"), "lawrence2006": ("Ce", "Pr", "Nd")},
    "eu": {"geometric": ("Eu", "Sm", "Gd"), "arithmetic": ("Eu", "Sm", "Gd"), "lawrence2006": ("Eu", "Sm", "Tb")},
}


def _check_method(method: str) -> None:
    if method not in ANOMALY_METHODS:
        raise ValueError(f"unknown anomaly method {method!r}; use one of {ANOMALY_METHODS}")


def anomaly_values(x: np.ndarray, a: np.ndarray, b: np.ndarray, kind: str, method: str) -> np.ndarray:
    """Anomaly from normalised arrays: ``x`` the element, ``a``, ``b`` its neighbours in the order of
    :data:`NEEDED` (``kind`` is ``"ce"`` or ``"eu"``). Non-finite results (zero neighbours) become NaN."""
    _check_method(method)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "geometric":
            star = np.sqrt(a * b)
        elif method == "arithmetic":
            star = 0.5 * (a + b)
        elif kind == "ce":  # Lawrence 2006: Ce* = Pr_N^2 / Nd_N
            star = a * a / b
        else:  # Lawrence 2006: Eu* = (Sm_N^2 Tb_N)^(1/3)
            star = np.cbrt(a * a * b)
        values = x / star
    values[~np.isfinite(values)] = np.nan
    return values


def _anomaly(df: pd.DataFrame, kind: str, reference, method: str) -> pd.Series:
    _check_method(method)
    elements = NEEDED[kind][method]
    block, notes = element_block(df, elements)
    norm = block / reference_values(reference, elements)
    values = anomaly_values(norm[:, 0], norm[:, 1], norm[:, 2], kind, method)
    bad = np.isnan(values) & np.isfinite(norm).all(axis=1)
    if bad.any():
        notes.append(f"{int(bad.sum())} sample(s) with zero neighbours: {kind.title()}/{kind.title()}* is NaN")
    out = pd.Series(values, index=df.index, name=f"{kind}_anomaly")
    out.attrs["notes"] = notes
    out.attrs["method"] = method
    out.attrs["reference"] = reference if isinstance(reference, str) else "custom"
    return out


def ce_anomaly(
    df: pd.DataFrame,
    reference: str | Mapping[str, float] = "PAAS_TaylorMcLennan1985",
    method: str = "geometric",
) -> pd.Series:
    """Ce/Ce* per sample.

    Parameters
    ----------
    df : DataFrame
        Wide samples frame (ppm).
    reference : str or mapping
        Normalising composition, default PAAS Taylor & McLennan 1985.
    method : {"geometric", "arithmetic", "lawrence2006"}
        Formula for Ce* (see module docstring).

    Returns
    -------
    Series
        ``ce_anomaly`` (dimensionless; < 1 is a negative anomaly).
    """
    return _anomaly(df, "ce", reference, method)


def eu_anomaly(
    df: pd.DataFrame,
    reference: str | Mapping[str, float] = "PAAS_TaylorMcLennan1985",
    method: str = "geometric",
) -> pd.Series:
    """Eu/Eu* per sample (formulas in the module docstring); returns ``eu_anomaly``."""
    return _anomaly(df, "eu", reference, method)


def y_ho(df: pd.DataFrame) -> pd.Series:
    """Y/Ho mass ratio (ppm/ppm); NaN where Ho is zero or either is missing."""
    block, notes = element_block(df, ("Y", "Ho"))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = block[:, 0] / block[:, 1]
    ratio[~np.isfinite(ratio)] = np.nan
    out = pd.Series(ratio, index=df.index, name="y_ho")
    out.attrs["notes"] = notes
    return out
