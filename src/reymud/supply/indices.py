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
    return float(frame["term"].sum()), frame


def eu_supply_risk(global_shares: Mapping[str, float] | pd.Series,
                   eu_shares: Mapping[str, float] | pd.Series | None = None,
                   wgi: Mapping[str, float] | pd.Series | None = None,
                   trade_factor: Mapping[str, float] | pd.Series | None = None,
                   import_reliance: float = DEFAULTS["eu_import_reliance"],
                   eol_rir: float = DEFAULTS["eu_eol_rir"],
                   substitution_index: float = DEFAULTS["eu_substitution_index"]) -> dict:
    """EU Critical Raw Materials supply risk (2017 method) with every input returned.

    Parameters
    ----------
    global_shares : mapping or Series
        Global supply share by country (fractions summing to about 1).
    eu_shares : mapping or Series, optional
        EU sourcing shares by country; None = the global shares (stated in the result).
    wgi : mapping or Series, optional
        Scaled WGI (0-10, 10 worst) by country; countries not given take
        ``DEFAULTS["wgi_equal_weight"]`` (equal weights).
    trade_factor : mapping or Series, optional
        Trade factor t_c by country; missing = ``DEFAULTS["trade_factor_equal"]``.
    import_reliance, eol_rir, substitution_index : float
        IR, EoL_RIR and SI_SR (fractions; SI_SR 0-1).

    Returns
    -------
    dict
        ``sr``, ``hhi_wgi_global``, ``hhi_wgi_eu``, the scalar inputs, ``weights`` (text saying
        whether equal-weight defaults were used) and ``terms_global``/``terms_eu`` (DataFrames).
    """
    for name, value in (("import_reliance", import_reliance), ("eol_rir", eol_rir),
                        ("substitution_index", substitution_index)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be within 0-1, got {value}")
    g = pd.Series(global_shares, dtype=float)
    e = g if eu_shares is None else pd.Series(eu_shares, dtype=float)
    countries = g.index.union(e.index)
    wgi_given = pd.Series(wgi if wgi is not None else {}, dtype=float)
    trade_given = pd.Series(trade_factor if trade_factor is not None else {}, dtype=float)
    w = wgi_given.reindex(countries).fillna(DEFAULTS["wgi_equal_weight"])
    t = trade_given.reindex(countries).fillna(DEFAULTS["trade_factor_equal"])
    h_global, terms_g = _weighted_hhi(g, w, t)
    h_eu, terms_e = _weighted_hhi(e, w, t)
    ir = float(import_reliance)
    sr = (h_global * ir / 2.0 + h_eu * (1.0 - ir / 2.0)) * (1.0 - eol_rir) * substitution_index
    n_default = int((~countries.isin(wgi_given.index)).sum())
    weights = ("given WGI scores" if n_default == 0 else
               f"EQUAL WEIGHTS for {n_default} of {len(countries)} countries "
               f"(WGI {DEFAULTS['wgi_equal_weight']}, t {DEFAULTS['trade_factor_equal']}; no sourced table)")
    return {"sr": float(sr), "hhi_wgi_global": h_global, "hhi_wgi_eu": h_eu, "import_reliance": ir,
            "eol_rir": float(eol_rir), "substitution_index": float(substitution_index),
            "eu_sourcing": "given" if eu_shares is not None else "ASSUMPTION: EU sourcing = global supply shares",
            "weights": weights, "terms_global": terms_g, "terms_eu": terms_e}


def geopolrisk(production_shares: Mapping[str, float] | pd.Series,
               imports_t: Mapping[str, float] | pd.Series,
               stability: Mapping[str, float] | pd.Series | None = None,
               domestic_t: float = 0.0) -> dict:
    """GeoPolRisk-style import risk of an importing country.

    Parameters
    ----------
    production_shares : mapping or Series
        Global production shares (fractions) by country, for HHI as a fraction (0-1).
    imports_t : mapping or Series
        Imports q_i by partner country (t or any consistent unit).
    stability : mapping or Series, optional
        Normalised political-stability score g_i (0-1) by partner; missing partners take
        ``DEFAULTS["geopolrisk_equal_weight"]`` (equal weights).
    domestic_t : float
        Domestic production (same unit as imports).

    Returns
    -------
    dict
        ``risk``, ``hhi_fraction``, ``weighted_import_share`` and ``weights`` (text).
    """
    shares = pd.Series(production_shares, dtype=float)
    h = float(np.sum(shares.to_numpy() ** 2))
    q = pd.Series(imports_t, dtype=float)
    if (q < 0).any() or domestic_t < 0:
        raise ValueError("imports and domestic production must be >= 0")
    given = pd.Series(stability if stability is not None else {}, dtype=float)
    g = given.reindex(q.index).fillna(DEFAULTS["geopolrisk_equal_weight"])
    denom = float(q.sum()) + float(domestic_t)
    weighted = float((q * g).sum()) / denom if denom > 0 else float("nan")
    n_default = int((~q.index.isin(given.index)).sum())
    weights = ("given scores" if n_default == 0 else
               f"EQUAL WEIGHTS for {n_default} of {len(q)} partners (g = {DEFAULTS['geopolrisk_equal_weight']})")
    return {"risk": h * weighted, "hhi_fraction": h, "weighted_import_share": weighted, "weights": weights}


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


def _not_computed(missing: list[tuple[str, str]]) -> str:
    """``"computed"`` or ``"not computed: ..."`` naming the unsourced inputs (item: keys)."""
    if not missing:
        return "computed"
    by_item: dict[str, list[str]] = {}
    for item, key in missing:
        by_item.setdefault(item, []).append(key)
    parts = [f"{item} for {', '.join(keys)}" for item, keys in by_item.items()]
    return ("not computed: no sourced " + "; ".join(parts)
            + " (no cited table shipped; give them as overrides - an equal-weight default is not a result)")


def supply_indices(reference: Reference | None = None, year: str = "2025e",
                   elements: tuple[str, ...] = REY) -> pd.DataFrame:
    """Per-element China share, HHI, EU SR (inputs shown) and Japan GeoPolRisk.

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
        ``eu_sr``, ``eu_hhi_wgi_global``, ``eu_import_reliance``, ``eu_eol_rir``,
        ``eu_substitution_index``, ``eu_weights``, ``geopolrisk_japan``, ``geopolrisk_weights``,
        ``share_basis``; ``eu_sr_status`` / ``geopolrisk_status`` say "computed" or "not computed:
        ..." naming each unsourced input (then ``eu_sr`` / ``geopolrisk_japan`` are NaN).
    """
    ref = reference or load_reference()
    prod = ref.mine_production(year)
    prod = prod[prod > 0]
    cs = china_share(prod, ref.world_total(year))
    h_reo = hhi(prod)
    rey_elements = tuple(el for el in elements if el in REY)
    full = element_production(ref, year)
    derived_basis = full.attrs["basis"]
    by_element = full[list(rey_elements)]
    wgi, trade = ref.series("wgi_score"), ref.series("trade_factor")
    eu_src = ref.series("eu_sourcing_share")
    jp_shares = ref.series("japan_import_share")
    jp_demand = ref.series("japan_demand_t")
    ir_by, eol_by, si_by = (ref.series(k) for k in ("eu_import_reliance", "eu_eol_rir", "eu_substitution_index"))
    gp_score = ref.series("geopolrisk_score")
    jp_china = ref.values.get("japan_china_share", {})
    # The GeoPolRisk inputs (Japan's partners and their scores) do not depend on the element.
    gp_status = _not_computed([("geopolrisk_score", c) for c in jp_shares.index[jp_shares > 0]
                               if c not in gp_score.index])
    rows = []
    for el in elements:
        if el in by_element.columns:
            column = by_element[el]
            basis = derived_basis
        else:
            column = prod
            basis = f"total REO mine production {year} (no element split for {el})"
        shares = _shares(column)
        el_china = china_share(column)["share_of_listed_pct"]
        eu = eu_supply_risk(shares, eu_src if len(eu_src) else None, wgi, trade,
                            float(ir_by.get(el, DEFAULTS["eu_import_reliance"])),
                            float(eol_by.get(el, DEFAULTS["eu_eol_rir"])),
                            float(si_by.get(el, DEFAULTS["eu_substitution_index"])))
        demand = float(jp_demand.get(el, np.nan))
        el_jp = _japan_partners(jp_shares, jp_china.get(el))
        gp = geopolrisk(shares, el_jp * (demand if np.isfinite(demand) else 1.0), gp_score)
        producers = shares.index[shares > 0]
        eu_status = _not_computed(
            [("wgi_score", c) for c in producers if c not in wgi.index]
            + [("trade_factor", c) for c in producers if c not in trade.index]
            + [(k, el) for k, ser in (("eu_import_reliance", ir_by), ("eu_eol_rir", eol_by),
                                      ("eu_substitution_index", si_by)) if el not in ser.index])
        if eu_status != "computed":
            eu = dict(eu, sr=np.nan, hhi_wgi_global=np.nan, hhi_wgi_eu=np.nan)
        if gp_status != "computed":
            gp = dict(gp, risk=np.nan)
        rows.append({"eu_sr_status": eu_status, "geopolrisk_status": gp_status,
                     "element": el, "china_share_pct": el_china, "hhi": hhi(column),
                     "china_share_reo_pct": cs["share_of_listed_pct"],
                     "china_share_reo_of_world_total_pct": cs["share_of_world_total_pct"], "hhi_reo": h_reo,
                     "eu_sr": eu["sr"], "eu_hhi_wgi_global": eu["hhi_wgi_global"],
                     "eu_hhi_wgi_eu": eu["hhi_wgi_eu"], "eu_import_reliance": eu["import_reliance"],
                     "eu_eol_rir": eu["eol_rir"], "eu_substitution_index": eu["substitution_index"],
                     "eu_weights": eu["weights"], "eu_sourcing": eu["eu_sourcing"],
                     "geopolrisk_japan": gp["risk"], "geopolrisk_weights": gp["weights"],
                     "share_basis": basis})
    return pd.DataFrame(rows)
