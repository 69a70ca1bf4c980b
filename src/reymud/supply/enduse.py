"""End-use translation: oxide tonnes -> "EV motors / MW of wind / hard-disk drives per year".

Intensities (kg of element metal per unit) come from the packaged, user-editable table
``supply_enduse_intensities`` (each row marked CITED, DERIVED or ASSUMPTION with its basis);
pass your own CSV (same columns) to replace it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from reymud.data import read_reference
from reymud.elements import oxide_factors

__all__ = ["MAX_MAGNET_RE_FRACTION", "enduse_equivalents", "enduse_intensities", "magnet_re_fraction"]

_COLUMNS = {"application", "unit", "element", "kg_per_unit", "status", "basis"}


def enduse_intensities(path: str | Path | None = None) -> pd.DataFrame:
    """The intensity table in force (packaged, or a user CSV with the same columns).

    Parameters
    ----------
    path : str, Path or None
        A user CSV (``application, unit, element, kg_per_unit, status, basis``); None = packaged.

    Returns
    -------
    DataFrame
        The table, ``attrs["source"]`` kept.
    """
    table = read_reference(path if path is not None else "supply_enduse_intensities")
    missing = _COLUMNS - set(table.columns)
    if missing:
        raise ValueError(f"{table.attrs.get('path', path)}: missing column(s) {', '.join(sorted(missing))}")
    where = table.attrs.get("path", path)
    if (table["kg_per_unit"] <= 0).any():
        raise ValueError(f"{where}: kg_per_unit must be > 0")
    if "magnet_kg_per_unit" in table.columns:
        bad = table.index[~(table["magnet_kg_per_unit"] > 0)]
        if len(bad):
            raise ValueError(f"{where}: row {int(bad[0]) + 1}, column magnet_kg_per_unit: must be > 0")
        frac = magnet_re_fraction(table)
        over = frac[frac > MAX_MAGNET_RE_FRACTION]
        if len(over):
            app = over.index[0]
            raise ValueError(f"{where}: application {app!r}: rare earths are {100 * over.iloc[0]:.1f} % of the "
                             f"magnet (columns kg_per_unit / magnet_kg_per_unit); sintered NdFeB holds at most "
                             f"about {100 * MAX_MAGNET_RE_FRACTION:.0f} % (Nd2Fe14B 26.7 %, commercial 29-32 %)")
    return table


#: Upper bound of the rare-earth mass fraction of a sintered NdFeB magnet (Nd2Fe14B is 26.7 %
#: by formula; commercial grades about 29-32 % with Dy and Tb inside the total).
MAX_MAGNET_RE_FRACTION = 0.33


def magnet_re_fraction(table: pd.DataFrame) -> pd.Series:
    """Rare-earth mass fraction of the magnet of each application.

    Parameters
    ----------
    table : DataFrame
        Intensity table with ``magnet_kg_per_unit`` (NdFeB mass per unit).

    Returns
    -------
    Series
        Sum of rare-earth kg per unit / magnet kg per unit, indexed by application.
    """
    if "magnet_kg_per_unit" not in table.columns:
        raise ValueError("magnet_re_fraction: the table has no magnet_kg_per_unit column")
    grp = table.groupby("application", sort=False)
    return grp["kg_per_unit"].sum() / grp["magnet_kg_per_unit"].first()


def enduse_equivalents(oxide_t_per_year: Mapping[str, float] | pd.Series,
                       intensities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Units of each application per year that an oxide output could supply.

    The element limiting each application sets its count (e.g. an EV motor needs Nd, Pr, Dy
    and Tb: the scarcest relative to need decides). Oxide is converted to metal with the oxide
    factors; no losses from oxide to magnet are applied (state your own in the table).

    Parameters
    ----------
    oxide_t_per_year : mapping or Series
        Oxide output (t/yr) by element.
    intensities : DataFrame, optional
        Table from :func:`enduse_intensities` (default: packaged).

    Returns
    -------
    DataFrame
        ``application, unit, units_per_year, limiting_element, statuses`` plus one
        ``units_by_<El>`` column per element used.
    """
    table = enduse_intensities() if intensities is None else intensities
    oxide = pd.Series(oxide_t_per_year, dtype=float)
    factors = pd.Series(oxide_factors())
    metal_kg = (oxide / factors.reindex(oxide.index)) * 1000.0
    rows = []
    for (app, unit), grp in table.groupby(["application", "unit"], sort=False):
        avail = grp["element"].map(metal_kg).fillna(0.0).to_numpy()
        units = avail / grp["kg_per_unit"].to_numpy(dtype=float)
        k = int(np.argmin(units))
        row = {"application": app, "unit": unit, "units_per_year": float(units[k]),
               "limiting_element": grp["element"].iloc[k],
               "statuses": ", ".join(sorted(set(grp["status"])))}
        if "magnet_kg_per_unit" in grp.columns:
            row["magnet_re_pct"] = 100.0 * float(grp["kg_per_unit"].sum() / grp["magnet_kg_per_unit"].iloc[0])
        row.update({f"units_by_{el}": float(u) for el, u in zip(grp["element"], units, strict=True)})
        rows.append(row)
    return pd.DataFrame(rows)
