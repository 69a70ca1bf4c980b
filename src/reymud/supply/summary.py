"""The per-element supply table behind ``reymud supply`` (and the ``supply_summary`` frame)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from reymud.supply.controls import export_control_status
from reymud.supply.coverage import GLOBAL_BASIS, normalise_resource, years_of_supply
from reymud.supply.indices import supply_indices
from reymud.supply.reference import Reference, load_reference

__all__ = ["supply_table"]


def supply_table(resource: pd.DataFrame, reference: Reference | None = None,
                 on: dt.date | str = "2026-11-24", price_year: str = "2025e",
                 production_year: str = "2025e") -> pd.DataFrame:
    """Per element: resource, China share, HHI, EU SR, GeoPolRisk, control status, years, value.

    Parameters
    ----------
    resource : DataFrame
        ``element_resource`` frame (``element, contained_oxide_t`` and optional p10/p50/p90).
    reference : Reference, optional
        Data in force (with overrides).
    on : date or ISO string
        Date of the export-control status.
    price_year : str
        Price-table column used for the value.
    production_year : str
        Mine-production year for the indices.

    Returns
    -------
    DataFrame
        One row per resource element; ``attrs["notes"]`` lists bases and assumptions.
    """
    ref = reference or load_reference()
    res = normalise_resource(resource)
    elements = tuple(res["element"])
    idx = supply_indices(ref, production_year, elements).set_index("element")
    ctrl = export_control_status(on, ref, elements).set_index("element")
    glob = years_of_supply(res, ref.series("global_demand_t"), _global_basis(ref), "years_global")
    jp_basis = _japan_basis(ref)
    jp = years_of_supply(res, ref.series("japan_demand_t"), jp_basis, "years_japan")
    prices = ref.prices(price_year)
    out = res.set_index("element")
    for col in ("china_share_pct", "hhi", "china_share_reo_pct", "china_share_reo_of_world_total_pct", "hhi_reo"):
        out[col] = idx[col]
    for col in ("eu_sr", "eu_hhi_wgi_global", "eu_import_reliance", "eu_eol_rir", "eu_substitution_index"):
        out[col] = idx[col]
    for col in ("geopolrisk_japan", "geopolrisk_japan_low", "geopolrisk_japan_high", "eu_inputs_basis"):
        out[col] = idx[col]
    out["eu_sr_status"] = idx["eu_sr_status"]
    out["geopolrisk_status"] = idx["geopolrisk_status"]
    out["china_mining_share_pct"] = idx["china_share_pct"]
    for col in ("china_separation_share_pct", "china_share_of_japan_supply_pct", "control_status"):
        out[col] = ctrl[col]
    g, j = glob.set_index("element"), jp.set_index("element")
    for col in ("years_global", "years_global_p10", "years_global_p50", "years_global_p90"):
        out[col] = g[col]
    out["global_demand_basis"] = g["demand_basis"]
    for col in ("years_japan", "years_japan_p10", "years_japan_p50", "years_japan_p90"):
        out[col] = j[col]
    out["japan_demand_basis"] = j["demand_basis"]
    out[f"price_usd_per_kg_{price_year}"] = prices.reindex(out.index)
    out["value_usd"] = out["contained_oxide_t"] * 1000.0 * out[f"price_usd_per_kg_{price_year}"]
    out = out.reset_index()
    unpriced = [el for el, p in zip(out["element"], out[f"price_usd_per_kg_{price_year}"], strict=True) if not np.isfinite(p)]
    out.attrs["notes"] = [
        f"total REO {production_year}: China {idx['china_share_reo_pct'].iloc[0]:.1f} % of the listed countries' "
        f"sum, {idx['china_share_reo_of_world_total_pct'].iloc[0]:.1f} % of USGS's rounded world total; "
        f"HHI {idx['hhi_reo'].iloc[0]:,.0f}",
        "per-element China share and HHI: " + idx["share_basis"].iloc[0]
        + " - mined supply; Burma's ion-adsorption output is largely separated in China (not modelled)",
        "China shares by stage: china_mining_share_pct = the DERIVED per-element mine supply; "
        "china_separation_share_pct and china_share_of_japan_supply_pct from the packaged "
        "supply_china_stage_shares table (IEA GCMO 2024 92 % all-REE refining for the light REE, Benchmark "
        "2023 99.9 % for the heavy REE, JOGMEC 2024 / customs H1 2024 for Japan; heavy-REE Japan shares an "
        "ASSUMPTION; see `reymud reference show --item japan_china_share`); magnet making: not computed "
        "(no cited per-element source)",
        *_index_notes(idx, ref),
        f"years of global demand: basis '{_global_basis(ref)}'", f"years of Japanese demand: basis '{jp_basis}'",
        f"export-control status on {on} from the table's status column; a suspension past its end date is "
        "reported 'in force unless extended' (override with export_control_status)",
        f"value at USGS {price_year} oxide prices; unpriced (no USGS price): {', '.join(unpriced) or 'none'}",
    ]
    return out


def _index_notes(idx: pd.DataFrame, ref: Reference) -> list[str]:
    """Every input of EU SR and GeoPolRisk with its source, and each status (distinct lines)."""
    wgi_origin = {ref.origin("wgi_score", c) for c in ref.values.get("wgi_score", {})}
    gp_origin = {ref.origin("geopolrisk_score", c) for c in ref.values.get("geopolrisk_score", {})}
    lines = [
        "EU SR WGI scores: " + ("; ".join(sorted(wgi_origin)) or "none in force"),
        "GeoPolRisk stability scores g_i: " + ("; ".join(sorted(gp_origin)) or "none in force"),
        "GeoPolRisk partners q_i: Japan's REE import shares by country ("
        + ", ".join(f"{c} {100 * v:.1f} %: {ref.origin('japan_import_share', c)}"
                    for c, v in ref.values.get("japan_import_share", {}).items())
        + "); per element China's share replaced by japan_china_share, the rest scaled",
        "EU SR and GeoPolRisk production shares: " + idx["share_basis"].iloc[0],
        "EU SR sourcing: " + idx["eu_sourcing"].iloc[0],
        f"EU SR scalar inputs ({idx.index[0]}; same basis for every element unless overridden): "
        + idx["eu_inputs_basis"].iloc[0],
    ]
    for col, label in (("eu_sr_status", "EU SR"), ("geopolrisk_status", "GeoPolRisk")):
        for status, group in idx.reset_index().groupby(col, sort=False)["element"]:
            lines.append(f"{label} ({', '.join(group)}): {status}")
    return lines


def _global_basis(ref: Reference) -> str:
    origins = {ref.origin("global_demand_t", k) for k in ref.values.get("global_demand_t", {})}
    return GLOBAL_BASIS if all("package" in o for o in origins) else "user demand (override) / " + GLOBAL_BASIS


def _japan_basis(ref: Reference) -> str:
    origins = {ref.origin("japan_demand_t", k) for k in ref.values.get("japan_demand_t", {})}
    total = ref.values["japan_total_demand_t"]["total"]
    sector = (f"Japan total {total:,.0f} t REO: Nd, Pr, Dy DERIVED from NdFeB alloy production x magnet "
              "composition; other elements ASSUMPTION (rest split by the global supply proxy mix)")
    if all(o.startswith(("DERIVED (sector basis)", "ASSUMPTION")) for o in origins):
        return sector
    return "user Japan demand (override)" + ("; others: " + sector
                                             if any(o.startswith(("DERIVED", "ASSUMPTION")) for o in origins)
                                             else "")
