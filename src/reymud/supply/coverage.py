"""Years of demand covered by a resource, resource input helpers, and the Takaya 2018 check.

Years of supply = contained oxide (t) / annual demand (t oxide per year), per element, with the
demand basis named in every output (e.g. "global supply proxy 2025 (derived)").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from reymud.elements import REY, oxide_names

__all__ = [
    "GLOBAL_BASIS",
    "JAPAN_SPLIT_MULTIPLES",
    "TAKAYA2018",
    "japan_split_sensitivity",
    "read_resource",
    "takaya2018_check",
    "years_of_supply",
]

GLOBAL_BASIS = "global supply proxy 2025 (derived)"

#: Takaya et al. 2018 (Sci. Rep. 8:5763): years of global demand and the REO tonnages they refer to.
TAKAYA2018: dict = {
    "elements": ("Y", "Eu", "Tb", "Dy"),
    "years_whole_area": (780.0, 620.0, 420.0, 730.0),
    "years_richest_square": (62.0, 47.0, 32.0, 56.0),
    "reo_whole_area_t": 16.0e6,
    "reo_richest_square_t": 1.2e6,
}


def read_resource(path: str | Path) -> pd.DataFrame:
    """Read typed-in resource figures (CSV or YAML) into the ``element_resource`` shape.

    Parameters
    ----------
    path : str or Path
        CSV with columns ``element, contained_oxide_t`` (optional ``p10, p50, p90, oxide``), or
        YAML: either a mapping ``{element: contained_oxide_t}`` or a list of row mappings.

    Returns
    -------
    DataFrame
        ``element, oxide, contained_oxide_t, p10, p50, p90`` (NaN where not given).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: resource file not found")
    if path.suffix.lower() in {".yaml", ".yml"}:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict):
            raw = raw.get("resource", raw)
        if isinstance(raw, dict):
            frame = pd.DataFrame({"element": list(raw), "contained_oxide_t": list(raw.values())})
        elif isinstance(raw, list):
            frame = pd.DataFrame(raw)
        else:
            raise ValueError(f"{path}: expected a mapping element -> contained_oxide_t or a list of rows")
    else:
        frame = pd.read_csv(path, comment="#")
    return normalise_resource(frame, where=str(path))


def normalise_resource(frame: pd.DataFrame, where: str = "resource") -> pd.DataFrame:
    """Validate an ``element_resource`` frame and fill optional columns.

    Parameters
    ----------
    frame : DataFrame
        Needs ``element`` and ``contained_oxide_t``.
    where : str
        Name used in error messages (file name or frame name).

    Returns
    -------
    DataFrame
        ``element, oxide, contained_oxide_t, p10, p50, p90``.
    """
    missing = {"element", "contained_oxide_t"} - set(frame.columns)
    if missing:
        raise ValueError(f"{where}: missing column(s) {', '.join(sorted(missing))}; "
                         "need element,contained_oxide_t[,p10,p50,p90]")
    out = frame.copy()
    out["element"] = out["element"].astype(str).str.strip()
    known = set(REY) | {"Sc"}
    bad = sorted(set(out["element"]) - known)
    if bad:
        raise ValueError(f"{where}: unknown element(s) {', '.join(bad)}; use symbols La..Lu, Y, Sc")
    names = oxide_names()
    if "oxide" not in out.columns:
        out["oxide"] = out["element"].map(names)
    for col in ("contained_oxide_t", "p10", "p50", "p90"):
        out[col] = pd.to_numeric(out[col], errors="coerce") if col in out.columns else np.nan
    if (out["contained_oxide_t"] < 0).any():
        raise ValueError(f"{where}: contained_oxide_t must be >= 0")
    return out[["element", "oxide", "contained_oxide_t", "p10", "p50", "p90"]].reset_index(drop=True)


def years_of_supply(resource: pd.DataFrame, demand_t: Mapping[str, float] | pd.Series,
                    basis: str = GLOBAL_BASIS, prefix: str = "years") -> pd.DataFrame:
    """Years of annual demand covered by a resource, per element.

    Parameters
    ----------
    resource : DataFrame
        ``element_resource`` frame (``element, contained_oxide_t`` and optional p10/p50/p90).
    demand_t : mapping or Series
        Annual demand, t oxide per year, by element.
    basis : str
        Name of the demand basis, repeated in the output.
    prefix : str
        Output column prefix (``years`` -> ``years``, ``years_p10`` ...).

    Returns
    -------
    DataFrame
        ``element, contained_oxide_t, demand_t_per_yr, <prefix>, <prefix>_p10/_p50/_p90,
        demand_basis``. Years are NaN where demand is missing or zero.
    """
    res = normalise_resource(resource)
    demand = pd.Series(demand_t, dtype=float)
    d = res["element"].map(demand).to_numpy(dtype=float)
    d = np.where(d > 0, d, np.nan)
    out = pd.DataFrame({"element": res["element"], "contained_oxide_t": res["contained_oxide_t"],
                        "demand_t_per_yr": d})
    out[prefix] = res["contained_oxide_t"].to_numpy() / d
    for q in ("p10", "p50", "p90"):
        out[f"{prefix}_{q}"] = res[q].to_numpy() / d
    out["demand_basis"] = basis
    return out


def takaya2018_check(element_share_of_treo_pct: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Demand denominators implied by Takaya 2018's years of supply, and their consistency.

    For each element, years = share x REO / demand. The same demand must hold for the whole
    area (16 Mt REO) and for the richest square (1.2 Mt), so ``years_whole / years_square``
    should equal ``16 / 1.2 = 13.33`` for every element if the element mix is the same.

    Parameters
    ----------
    element_share_of_treo_pct : mapping, optional
        Oxide share of each element in TREO (%); when given, implied demand is also in tonnes.

    Returns
    -------
    DataFrame
        ``element, years_whole_area, years_richest_square, years_ratio, tonnage_ratio,
        ratio_deviation_pct, implied_demand_t_per_pct_whole, implied_demand_t_per_pct_square,
        implied_demand_t_whole, implied_demand_t_square`` (last two NaN without shares).
        ``implied_demand_t_per_pct_*`` is the annual demand per 1 % share of TREO.
    """
    t = TAKAYA2018
    els = list(t["elements"])
    yw = np.asarray(t["years_whole_area"])
    ys = np.asarray(t["years_richest_square"])
    ratio_t = t["reo_whole_area_t"] / t["reo_richest_square_t"]
    out = pd.DataFrame({"element": els, "years_whole_area": yw, "years_richest_square": ys})
    out["years_ratio"] = yw / ys
    out["tonnage_ratio"] = ratio_t
    out["ratio_deviation_pct"] = 100.0 * (out["years_ratio"] / ratio_t - 1.0)
    out["implied_demand_t_per_pct_whole"] = t["reo_whole_area_t"] * 0.01 / yw
    out["implied_demand_t_per_pct_square"] = t["reo_richest_square_t"] * 0.01 / ys
    shares = pd.Series(element_share_of_treo_pct or {}, dtype=float)
    s = out["element"].map(shares).to_numpy(dtype=float)
    out["implied_demand_t_whole"] = s * out["implied_demand_t_per_pct_whole"]
    out["implied_demand_t_square"] = s * out["implied_demand_t_per_pct_square"]
    return out


#: Multiples of an element's share of Japan's total demand used by :func:`japan_split_sensitivity`.
#: ASSUMPTION: 0.5x-3x, wide enough to span a magnet-making economy's heavier Nd/Pr/Dy/Tb use
#: against the world-mix split (no published per-element Japan demand table was found).
JAPAN_SPLIT_MULTIPLES: tuple[float, ...] = (0.5, 2.0, 3.0)


def japan_split_sensitivity(resource: pd.DataFrame, japan_demand_t: Mapping[str, float] | pd.Series,
                            multiples: tuple[float, ...] = JAPAN_SPLIT_MULTIPLES,
                            alternative_t: Mapping[str, float] | pd.Series | None = None) -> pd.DataFrame:
    """Years of Japanese demand when each element's share of Japan's total is scaled.

    Where Japan's demand is known only as a total, the per-element split is an assumption;
    this shows how much years-of-demand move when one element's split demand is multiplied by
    ``m`` (the others unchanged), and - given ``alternative_t`` - under another split (the
    world-mix split of the same total), so the effect of the basis itself is visible.

    Parameters
    ----------
    resource : DataFrame
        ``element_resource`` frame (``element, contained_oxide_t``).
    japan_demand_t : mapping or Series
        Japan demand in force (t REO/yr) by element.
    multiples : tuple of float
        Multiples of the split demand (> 0).
    alternative_t : mapping or Series, optional
        Another per-element split of the same total (t REO/yr); adds ``demand_alt_t_per_yr``,
        ``years_japan_alt`` and ``alt_over_in_force`` (years ratio).

    Returns
    -------
    DataFrame
        ``element, demand_t_per_yr, years_japan`` then ``years_japan_x<m>`` per multiple (and
        the alternative columns); ``attrs["notes"]`` states the demand basis and the multiples.
    """
    if not multiples or any(not m > 0 for m in multiples):
        raise ValueError(f"japan_split_sensitivity: multiples must be > 0, got {multiples}")
    res = normalise_resource(resource)
    demand = res["element"].map(pd.Series(japan_demand_t, dtype=float)).to_numpy(dtype=float)
    demand = np.where(demand > 0, demand, np.nan)
    amount = res["contained_oxide_t"].to_numpy(dtype=float)
    out = pd.DataFrame({"element": res["element"], "demand_t_per_yr": demand, "years_japan": amount / demand})
    for m in multiples:
        out[f"years_japan_x{m:g}"] = amount / (demand * m)
    notes = [
        "Japan demand: 18,835 t (2024, Japan New Metals Association as reported) is t REO - the series is "
        "published as t of rare-earth oxides or oxide equivalents (Adamas Intelligence 2018, 2021). Per "
        "element: Nd, Pr, Dy from Japan's NdFeB alloy production (12,400 t, 2020, Adamas Intelligence 2021) x "
        "magnet composition (DERIVED; Nd:Pr and the 2020->2024 carry-over ASSUMPTIONS); the rest split by the "
        "global supply proxy mix (ASSUMPTION) - unless you override japan_demand_t",
        "sensitivity columns years_japan_x<m> = years if that element's split demand were m times larger "
        f"(m = {', '.join(f'{m:g}' for m in multiples)}: ASSUMPTION range)"]
    if alternative_t is not None:
        alt = res["element"].map(pd.Series(alternative_t, dtype=float)).to_numpy(dtype=float)
        alt = np.where(alt > 0, alt, np.nan)
        out["demand_alt_t_per_yr"] = alt
        out["years_japan_alt"] = amount / alt
        out["alt_over_in_force"] = out["years_japan_alt"] / out["years_japan"]
        notes.append("years_japan_alt: the same total split by the world supply mix (the basis used before the "
                     "sector split); alt_over_in_force = how many times longer the world-mix split says the "
                     "resource lasts")
    out.attrs["notes"] = notes
    return out
