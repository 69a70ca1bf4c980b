"""Supply-concentration and supply-risk indices: China share, HHI, EU 2017 SR, GeoPolRisk.

Formulas (DOMAIN.md section 5):

- HHI = sum of squared market shares, shares in percent (0-10,000; > 2,500 highly concentrated).
- EU 2017 supply risk:
  ``SR = [HHI_WGI,t(global) * IR/2 + HHI_WGI,t(EU sourcing) * (1 - IR/2)] * (1 - EoL_RIR) * SI_SR``
  with ``HHI_WGI,t = sum_c S_c**2 * WGI_c * t_c`` (S_c as a fraction, WGI on 0-10 with 10 worst).
- GeoPolRisk (importing country): ``HHI(fraction) * sum_i q_i g_i / (sum_i q_i + domestic)``.

Per-element country production is not published: :func:`element_production` DERIVES it from
each country's REO production x the element distribution of its deposit type (packaged
``supply_country_deposit_mix``, fitted so the world sums reproduce the packaged global supply
proxy). Every output names this basis; users may replace the mix table.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from reymud.elements import REY
from reymud.supply.reference import DEFAULTS, Reference, load_reference

__all__ = ["china_share", "element_production", "eu_supply_risk", "geopolrisk", "hhi", "supply_indices"]


def _shares(production: Mapping[str, float] | pd.Series, total: float | None = None) -> pd.Series:
    prod = pd.Series(production, dtype=float)
    if (prod < 0).any():
        bad = ", ".join(prod.index[prod < 0].astype(str))
        raise ValueError(f"negative production for {bad}; production must be >= 0 t")
    denom = float(prod.sum()) if total is None else float(total)
    if denom <= 0:
        raise ValueError("total production must be positive to compute shares")
    return prod / denom


def hhi(production: Mapping[str, float] | pd.Series, total: float | None = None) -> float:
    """Herfindahl-Hirschman index in percent units (0-10,000).

    Parameters
    ----------
    production : mapping or Series
        Production (any unit) by country; "Other" is treated as one producer.
    total : float, optional
        Denominator; default the sum of ``production``.

    Returns
    -------
    float
        ``sum((100 * share)**2)``.
    """
    s = _shares(production, total).to_numpy() * 100.0
    return float(np.sum(s * s))


def china_share(production: Mapping[str, float] | pd.Series, world_total: float | None = None,
                country: str = "China") -> dict[str, float]:
    """China's share of mined supply against the listed sum and against the reported world total.

    Parameters
    ----------
    production : mapping or Series
        Production by country (t REO), world total excluded.
    world_total : float, optional
        The (rounded) world total USGS reports; None skips that share.
    country : str
        Country whose share is wanted.

    Returns
    -------
    dict
        ``share_of_listed_pct`` (country / sum of listed countries), ``share_of_world_total_pct``
        (country / reported world total, NaN if not given), ``listed_sum_t``, ``world_total_t``.
    """
    prod = pd.Series(production, dtype=float)
    if country not in prod.index:
        raise ValueError(f"{country!r} not among the producers ({', '.join(prod.index)})")
    listed = float(prod.sum())
    out = {"share_of_listed_pct": 100.0 * prod[country] / listed, "listed_sum_t": listed,
           "world_total_t": float("nan"), "share_of_world_total_pct": float("nan")}
    if world_total is not None:
        out["world_total_t"] = float(world_total)
        out["share_of_world_total_pct"] = 100.0 * prod[country] / float(world_total)
    return out


def _weighted_hhi(shares: pd.Series, wgi: pd.Series, trade: pd.Series) -> tuple[float, pd.DataFrame]:
    frame = pd.DataFrame({"share": shares})
    frame["wgi"] = wgi.reindex(frame.index).astype(float)
    frame["trade_factor"] = trade.reindex(frame.index).astype(float)
    frame["term"] = frame["share"] ** 2 * frame["wgi"] * frame["trade_factor"]
    return float(frame["term"].sum(min_count=1)) if frame["term"].notna().all() else float("nan"), frame


def eu_supply_risk(global_shares: Mapping[str, float] | pd.Series,
                   eu_shares: Mapping[str, float] | pd.Series | None = None,
                   wgi: Mapping[str, float] | pd.Series | None = None,
                   trade_factor: Mapping[str, float] | pd.Series | None = None,
                   import_reliance: float = DEFAULTS["eu_import_reliance"],
                   eol_rir: float = DEFAULTS["eu_eol_rir"],
                   substitution_index: float = DEFAULTS["eu_substitution_index"]) -> dict:
    """EU Critical Raw Materials supply risk (2017 method) with every input returned.

    No input is filled in: a supplying country (share > 0) without a WGI score or a trade factor
    makes the result NaN and is listed in ``missing``.

    Parameters
    ----------
    global_shares : mapping or Series
        Global supply share by country (fractions summing to about 1).
    eu_shares : mapping or Series, optional
        EU sourcing shares by country; None = the global shares (stated in the result).
    wgi : mapping or Series, optional
        Scaled WGI (0-10, 10 worst) by country.
    trade_factor : mapping or Series, optional
        Trade factor t_c by country.
    import_reliance, eol_rir, substitution_index : float
        IR, EoL_RIR and SI_SR (fractions; SI_SR 0-1).

    Returns
    -------
    dict
        ``sr``, ``hhi_wgi_global``, ``hhi_wgi_eu``, the scalar inputs, ``eu_sourcing``,
        ``missing`` (list of ``(item, country)`` without a value) and ``terms_global`` /
        ``terms_eu`` (DataFrames of share, wgi, trade_factor, term).
    """
    for name, value in (("import_reliance", import_reliance), ("eol_rir", eol_rir),
                        ("substitution_index", substitution_index)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be within 0-1, got {value}")
    g = pd.Series(global_shares, dtype=float)
    e = g if eu_shares is None else pd.Series(eu_shares, dtype=float)
    w = pd.Series(wgi if wgi is not None else {}, dtype=float)
    t = pd.Series(trade_factor if trade_factor is not None else {}, dtype=float)
    suppliers = g.index[g > 0].union(e.index[e > 0])
    missing = [("wgi_score", str(c)) for c in suppliers if c not in w.index or not np.isfinite(w[c])]
    missing += [("trade_factor", str(c)) for c in suppliers if c not in t.index or not np.isfinite(t[c])]
    h_global, terms_g = _weighted_hhi(g[g > 0], w, t)
    h_eu, terms_e = _weighted_hhi(e[e > 0], w, t)
    ir = float(import_reliance)
    sr = (h_global * ir / 2.0 + h_eu * (1.0 - ir / 2.0)) * (1.0 - eol_rir) * substitution_index
    if missing:
        sr = h_global = h_eu = float("nan")
    return {"sr": float(sr), "hhi_wgi_global": h_global, "hhi_wgi_eu": h_eu, "import_reliance": ir,
            "eol_rir": float(eol_rir), "substitution_index": float(substitution_index),
            "eu_sourcing": "given" if eu_shares is not None else "ASSUMPTION: EU sourcing = global supply shares",
            "missing": missing, "terms_global": terms_g, "terms_eu": terms_e}


def geopolrisk(production_shares: Mapping[str, float] | pd.Series,
               imports_t: Mapping[str, float] | pd.Series,
               stability: Mapping[str, float] | pd.Series | None = None,
               domestic_t: float = 0.0,
               residual: tuple[str, ...] = DEFAULTS["residual_groups"]) -> dict:
    """GeoPolRisk-style import risk of an importing country.

    Partners without a stability score are never given one: a residual group (``residual``,
    e.g. "Other", not a country) is bounded by g = 0 and g = 1 (``risk_low`` / ``risk_high``);
    a named partner without a score makes the risk NaN and is listed in ``missing``.

    Parameters
    ----------
    production_shares : mapping or Series
        Global production shares (fractions) by country, for HHI as a fraction (0-1).
    imports_t : mapping or Series
        Imports q_i by partner country (t or any consistent unit).
    stability : mapping or Series, optional
        Normalised political-(in)stability score g_i (0 stable - 1 unstable) by partner.
    domestic_t : float
        Domestic production (same unit as imports).
    residual : tuple of str
        Partner names that are residual groups (bounded, never scored).

    Returns
    -------
    dict
        ``risk`` (NaN unless every partner is scored), ``risk_low``, ``risk_high``,
        ``hhi_fraction``, ``weighted_import_share`` (low bound), ``missing`` (named partners
        without a score), ``bounded`` ({residual: share of imports}).
    """
    shares = pd.Series(production_shares, dtype=float)
    h = float(np.sum(shares.to_numpy() ** 2))
    q = pd.Series(imports_t, dtype=float)
    if (q < 0).any() or domestic_t < 0:
        raise ValueError("imports and domestic production must be >= 0")
    given = pd.Series(stability if stability is not None else {}, dtype=float)
    if ((given < 0) | (given > 1)).any():
        raise ValueError("stability scores g_i must be within 0-1")
    q = q[q > 0]
    scored = q.index[q.index.isin(given.index)]
    unscored = [c for c in q.index if c not in scored]
    bounded = {str(c): float(q[c]) for c in unscored if c in residual}
    missing = [str(c) for c in unscored if c not in residual]
    denom = float(q.sum()) + float(domestic_t)
    if denom <= 0:
        nan = float("nan")
        return {"risk": nan, "risk_low": nan, "risk_high": nan, "hhi_fraction": h,
                "weighted_import_share": nan, "missing": missing, "bounded": {}}
    low = float((q[scored] * given[scored]).sum()) / denom
    high = low + sum(bounded.values()) / denom
    risk_low, risk_high = h * low, h * high
    if missing:
        risk_low = risk_high = float("nan")
    exact = risk_low if not bounded and not missing else float("nan")
    return {"risk": exact, "risk_low": risk_low, "risk_high": risk_high, "hhi_fraction": h,
            "weighted_import_share": low, "missing": missing,
            "bounded": {c: v / denom for c, v in bounded.items()}}


def _deposit_distribution(ref: Reference, elements: tuple[str, ...]) -> pd.DataFrame:
    table = ref.table("deposit_distribution").set_index("location")
    cols = [f"{el}_pct_of_TREO" for el in elements]
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ValueError(f"deposit distribution table lacks {', '.join(missing)}")
    raw = table[cols].astype(str).apply(lambda c: c.str.strip().str.lstrip("<"))
    dist = raw.apply(pd.to_numeric, errors="coerce").fillna(0.0)
    dist.columns = list(elements)
    return dist.div(dist.sum(axis=1), axis=0)


def element_production(reference: Reference | None = None, year: str = "2025e",
                       elements: tuple[str, ...] = REY) -> pd.DataFrame:
    """DERIVED mine production by country and element (t REO).

    Country REO production (USGS) x the element distribution (USGS MYB 2022 Table 2) of the
    deposit types in ``supply_country_deposit_mix``. Distributions are renormalised to 100 %
    over REY ('<x' read as x, NA as 0). Countries missing from the mix take the world
    distribution of the mapped countries (listed in ``attrs["unmapped"]``).

    Parameters
    ----------
    reference : Reference, optional
        Data in force.
    year : str
        Production year column.
    elements : tuple of str
        Elements over which each distribution is renormalised to 100 % (default all REY).

    Returns
    -------
    DataFrame
        Index country, one column per element (t REO); ``attrs["basis"]``, ``attrs["unmapped"]``.
    """
    ref = reference or load_reference()
    prod = ref.mine_production(year)
    prod = prod[prod > 0]
    dist = _deposit_distribution(ref, elements)
    mix = ref.table("deposit_mix")
    unknown = sorted(set(mix["location"]) - set(dist.index))
    if unknown:
        raise ValueError(f"deposit mix names location(s) not in the distribution table: {', '.join(unknown)}")
    weights = mix.pivot_table(index="country", columns="location", values="fraction_of_country_production",
                              aggfunc="sum", fill_value=0.0)
    sums = weights.sum(axis=1)
    bad = sums[(sums - 1.0).abs() > 0.01]
    if len(bad):
        raise ValueError(f"deposit mix fractions must sum to 1 per country; check {', '.join(bad.index)}")
    per_t = weights.div(sums, axis=0) @ dist.loc[weights.columns]
    mapped = prod.index.intersection(per_t.index)
    out = per_t.loc[mapped].mul(prod[mapped], axis=0)
    unmapped = [c for c in prod.index if c not in per_t.index]
    if unmapped:
        world = out.sum() / out.to_numpy().sum()
        extra = pd.DataFrame(np.outer(prod[unmapped], world), index=unmapped, columns=out.columns)
        out = pd.concat([out, extra])
    out = out.reindex(prod.index)
    out.index.name = "country"
    out.attrs["basis"] = (f"DERIVED: {year} country mine production x deposit-type distribution "
                          "(supply_country_deposit_mix; not a published split)")
    out.attrs["unmapped"] = unmapped
    return out


def _japan_partners(shares: pd.Series, china: float | None) -> pd.Series:
    """Japan's import partners for one element: China's share set to the element's value and the
    other partners scaled to the rest (their all-REE proportions kept)."""
    if china is None or "China" not in shares.index:
        return shares
    rest = shares.drop("China")
    scaled = rest / rest.sum() * (1.0 - float(china)) if rest.sum() > 0 else rest
    return pd.concat([pd.Series({"China": float(china)}), scaled])


def _not_computed(missing: list[tuple[str, str]], how: str) -> str:
    """``"computed"`` or ``"not computed: ..."`` naming the unsourced inputs (item: keys)."""
    if not missing:
        return "computed"
    by_item: dict[str, list[str]] = {}
    for item, key in missing:
        by_item.setdefault(item, []).append(key)
    parts = [f"{item} for {', '.join(keys)}" for item, keys in by_item.items()]
    return "not computed: no sourced " + "; ".join(parts) + f" ({how})"


_EU_HOW = ("EU 2017 trade factors t_c come from export restrictions and EU trade agreements; no cited table "
           "is shipped - give trade_factor (and wgi_score for residual groups such as Other) as overrides")
_GP_HOW = "give geopolrisk_score (0-1) for these partners as overrides"


def _eu_row(el: str, shares: pd.Series, ref: Reference, eu_src: pd.Series) -> dict:
    scal = {k: float(ref.series(k).get(el, DEFAULTS[k]))
            for k in ("eu_import_reliance", "eu_eol_rir", "eu_substitution_index")}
    eu = eu_supply_risk(shares, eu_src if len(eu_src) else None, ref.series("wgi_score"),
                        ref.series("trade_factor"), scal["eu_import_reliance"], scal["eu_eol_rir"],
                        scal["eu_substitution_index"])
    basis = "; ".join(f"{k.removeprefix('eu_')} {v:g} ({ref.origin(k, el)})" for k, v in scal.items())
    return {"eu_sr": eu["sr"], "eu_hhi_wgi_global": eu["hhi_wgi_global"], "eu_hhi_wgi_eu": eu["hhi_wgi_eu"],
            "eu_import_reliance": eu["import_reliance"], "eu_eol_rir": eu["eol_rir"],
            "eu_substitution_index": eu["substitution_index"], "eu_sourcing": eu["eu_sourcing"],
            "eu_inputs_basis": basis, "eu_sr_status": _not_computed(eu["missing"], _EU_HOW)}


def _gp_row(el: str, shares: pd.Series, ref: Reference, demand: float) -> dict:
    jp_shares = ref.series("japan_import_share")
    china = ref.values.get("japan_china_share", {}).get(el)
    partners = _japan_partners(jp_shares, china)
    gp = geopolrisk(shares, partners * (demand if np.isfinite(demand) else 1.0), ref.series("geopolrisk_score"))
    if gp["missing"]:
        status = _not_computed([("geopolrisk_score", c) for c in gp["missing"]], _GP_HOW)
    elif gp["bounded"]:
        groups = ", ".join(f"{c} ({100 * v:.2g} % of Japan's imports)" for c, v in gp["bounded"].items())
        status = (f"bounded: {groups} is not a country and has no WGI; risk between "
                  f"{gp['risk_low']:.3f} (g = 0) and {gp['risk_high']:.3f} (g = 1)")
    else:
        status = "computed"
    origin = ref.origin("japan_china_share", el)
    if china is not None and "ASSUMPTION" in origin.upper():
        status += f"; Japan's China share for {el} {china:g} is an ASSUMPTION ({origin})"
    return {"geopolrisk_japan": gp["risk"], "geopolrisk_japan_low": gp["risk_low"],
            "geopolrisk_japan_high": gp["risk_high"], "geopolrisk_status": status}


def supply_indices(reference: Reference | None = None, year: str = "2025e",
                   elements: tuple[str, ...] = REY) -> pd.DataFrame:
    """Per-element China share, HHI, EU SR (inputs shown) and Japan GeoPolRisk.

    WGI-based scores come from the packaged WGI 2024-update table (or overrides); nothing is
    filled in. EU SR needs a trade factor per supplying country (none is shipped, so it is
    'not computed' by default); GeoPolRisk is exact when every import partner is scored and
    bounded (g = 0..1) when a residual group such as "Other" carries part of the imports.

    Parameters
    ----------
    reference : Reference, optional
        Data in force (default: packaged tables, no overrides).
    year : str
        Mine-production year column (``"2023"``, ``"2024"``, ``"2025e"``).
    elements : tuple of str
        Elements to report.

    Returns
    -------
    DataFrame
        One row per element: ``china_share_pct`` and ``hhi`` of the element's DERIVED mined
        supply (:func:`element_production`), ``china_share_reo_pct`` (listed-sum denominator),
        ``china_share_reo_of_world_total_pct`` and ``hhi_reo`` of total REO,
        ``eu_sr``, ``eu_hhi_wgi_global``, ``eu_hhi_wgi_eu``, ``eu_import_reliance``,
        ``eu_eol_rir``, ``eu_substitution_index``, ``eu_inputs_basis``, ``eu_sourcing``,
        ``eu_sr_status`` ("computed" or "not computed: ..." naming each missing input),
        ``geopolrisk_japan`` (NaN unless exact), ``geopolrisk_japan_low`` / ``_high``,
        ``geopolrisk_status`` and ``share_basis``.
    """
    ref = reference or load_reference()
    prod = ref.mine_production(year)
    prod = prod[prod > 0]
    cs = china_share(prod, ref.world_total(year))
    h_reo = hhi(prod)
    rey_elements = tuple(el for el in elements if el in REY)
    full = element_production(ref, year)
    by_element = full[list(rey_elements)]
    eu_src = ref.series("eu_sourcing_share")
    jp_demand = ref.series("japan_demand_t")
    rows = []
    for el in elements:
        if el in by_element.columns:
            column, basis = by_element[el], full.attrs["basis"]
        else:
            column, basis = prod, f"total REO mine production {year} (no element split for {el})"
        shares = _shares(column)
        rows.append({"element": el, "china_share_pct": china_share(column)["share_of_listed_pct"],
                     "hhi": hhi(column), "china_share_reo_pct": cs["share_of_listed_pct"],
                     "china_share_reo_of_world_total_pct": cs["share_of_world_total_pct"], "hhi_reo": h_reo,
                     **_eu_row(el, shares, ref, eu_src),
                     **_gp_row(el, shares, ref, float(jp_demand.get(el, np.nan))),
                     "share_basis": basis})
    return pd.DataFrame(rows)
