"""Japan's rare-earth demand per element from a sector basis (packaged ``supply_japan_demand_basis``).

Japan's demand is published as a total (t REO). Per element, reymud uses:

- magnets: Japan's NdFeB alloy production x magnet composition (total RE fraction, Dy
  fraction, Nd share of Nd+Pr), metal -> oxide with the packaged oxide factors: Nd, Pr, Dy;
- the rest of the total: split over the other elements by the global supply proxy mix
  (a labelled ASSUMPTION).

The table's rows carry their status (CITED / DERIVED / ASSUMPTION); the origin of each
element's demand names the rows it rests on. :func:`world_mix_split` is the old basis (the
total x the global mix), kept for the sensitivity comparison.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from reymud.elements import oxide_factors

__all__ = ["MAGNET_ELEMENTS", "sector_split", "world_mix_split"]

#: Elements whose Japanese demand comes from the magnet basis.
MAGNET_ELEMENTS: tuple[str, ...] = ("Nd", "Pr", "Dy")
_ITEMS = ("total_demand_t", "ndfeb_alloy_t", "magnet_re_fraction", "magnet_dy_fraction",
          "magnet_nd_share_of_ndpr")


def _items(table: pd.DataFrame) -> dict[str, float]:
    origin = table.attrs.get("path", "supply_japan_demand_basis")
    missing = [c for c in ("item", "value", "status") if c not in table.columns]
    if missing:
        raise ValueError(f"{origin}: missing column(s) {', '.join(missing)}")
    values = dict(zip(table["item"].astype(str), pd.to_numeric(table["value"], errors="coerce"), strict=True))
    for item in _ITEMS:
        if item not in values:
            raise ValueError(f"{origin}: no row with item {item!r} (need {', '.join(_ITEMS)})")
        if not values[item] >= 0:
            row = int(table.index[table["item"] == item][0]) + 1
            raise ValueError(f"{origin}: data row {row}, column value: {item} must be a number >= 0")
    for item in ("magnet_re_fraction", "magnet_dy_fraction", "magnet_nd_share_of_ndpr"):
        if values[item] > 1:
            raise ValueError(f"{origin}: {item} = {values[item]:g} must be a fraction 0-1")
    if values["magnet_dy_fraction"] > values["magnet_re_fraction"]:
        raise ValueError(f"{origin}: magnet_dy_fraction exceeds magnet_re_fraction")
    return values


def world_mix_split(total_t: float, global_demand_t: Mapping[str, float]) -> dict[str, float]:
    """Total x each element's share of the global demand basis (the pre-2026-12 split)."""
    basis = pd.Series(global_demand_t, dtype=float)
    return (basis / basis.sum() * float(total_t)).to_dict()


def sector_split(total_t: float, table: pd.DataFrame,
                 global_demand_t: Mapping[str, float]) -> tuple[dict[str, float], dict[str, str]]:
    """Japan's demand per element (t REO/yr) and the origin text of each value.

    Parameters
    ----------
    total_t : float
        Japan's total demand in force (t REO/yr; the table's total unless overridden).
    table : DataFrame
        ``supply_japan_demand_basis`` (item, value, unit, year, status, basis).
    global_demand_t : mapping
        Global demand basis by element (t REO/yr), used to split the non-magnet rest.

    Returns
    -------
    (demand, origins) : tuple of dict
        Element -> t REO/yr, and element -> origin string (CITED/DERIVED/ASSUMPTION parts).
    """
    v = _items(table)
    ox = oxide_factors()
    alloy = v["ndfeb_alloy_t"]
    ndpr = alloy * (v["magnet_re_fraction"] - v["magnet_dy_fraction"])
    metal = {"Nd": ndpr * v["magnet_nd_share_of_ndpr"], "Pr": ndpr * (1 - v["magnet_nd_share_of_ndpr"]),
             "Dy": alloy * v["magnet_dy_fraction"]}
    magnets = {el: t * ox[el] for el, t in metal.items()}
    rest = float(total_t) - sum(magnets.values())
    if rest < 0:
        raise ValueError(f"Japan's magnet demand {sum(magnets.values()):,.0f} t REO exceeds the total "
                         f"{total_t:,.0f} t; check ndfeb_alloy_t and the magnet fractions")
    others = {el: d for el, d in dict(global_demand_t).items() if el not in MAGNET_ELEMENTS}
    other_split = world_mix_split(rest, others)
    mag_origin = (f"DERIVED (sector basis): Japan NdFeB alloy {alloy:,.0f} t (2020, Adamas Intelligence 2021, "
                  f"as reported; ASSUMPTION for 2024) x {{frac}} x oxide factor {{ox:.4f}}")
    origins = {
        "Nd": mag_origin.format(frac=f"({v['magnet_re_fraction']:g} RE - {v['magnet_dy_fraction']:g} Dy) "
                                     f"x {v['magnet_nd_share_of_ndpr']:g} Nd (Nd:Pr ASSUMPTION)", ox=ox["Nd"]),
        "Pr": mag_origin.format(frac=f"({v['magnet_re_fraction']:g} RE - {v['magnet_dy_fraction']:g} Dy) "
                                     f"x {1 - v['magnet_nd_share_of_ndpr']:g} Pr (Nd:Pr ASSUMPTION)", ox=ox["Pr"]),
        "Dy": mag_origin.format(frac=f"{v['magnet_dy_fraction']:g} Dy (Dy-GBD grade, DERIVED)", ox=ox["Dy"]),
    }
    rest_origin = (f"ASSUMPTION: Japan total {total_t:,.0f} t REO minus magnets {sum(magnets.values()):,.0f} t "
                   f"= {rest:,.0f} t, split by the global supply proxy mix of the non-magnet elements")
    origins.update({el: rest_origin for el in other_split})
    return {**magnets, **other_split}, origins
