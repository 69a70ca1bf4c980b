"""Monthly export-restriction simulation by element, its Monte Carlo, and the pooled US-Japan case.

Per element and month (t REO): demand = annual / 12; China supplies ``china_share`` of demand,
cut by ``share_cut`` while the restriction is active; other existing suppliers supply the rest
(assumed unaffected); listed extra suppliers and the deep-sea ramp add to supply. A shortfall
draws the stockpile down (``stockpile_days`` of annual demand; surpluses do NOT refill it, a
stated simplification that makes the whole run a cumulative sum). Unmet demand is what the
stockpile cannot cover. Everything is vectorised over draws x elements x months.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from reymud.supply.production import preset, production_schedule
from reymud.supply.reference import Reference, load_reference
from reymud.supply.scenario_config import ScenarioConfig, ScenarioError, load_scenario

__all__ = ["DEFAULT_SCENARIO_UNCERTAINTY", "MONTHS_COVERED_DEFINITION", "ScenarioResult", "load_scenario",
           "run_scenario", "scenario_monte_carlo", "side_by_side"]

#: Scenario Monte Carlo ranges (triangular, multiples of the configured value). ASSUMPTIONS.
DEFAULT_SCENARIO_UNCERTAINTY: Mapping[str, tuple[float, float]] = MappingProxyType({
    "share_cut": (0.5, 1.25),
    "duration_months": (0.5, 2.0),
    "stockpile_days": (0.5, 1.5),
    "demand_multiple": (0.9, 1.15),
})


@dataclass(frozen=True)
class ScenarioResult:
    """Output of :func:`run_scenario`.

    Attributes
    ----------
    monthly : DataFrame
        Long: ``case, month, date, element, demand_t, china_t, other_existing_t, extra_t,
        deep_sea_t, shortfall_t, stockpile_t, unmet_t``.
    summary : DataFrame
        Per case and element: ``demand_t_per_yr, china_share, stockpile_t, months_covered,
        covered_throughout, months_covered_text, first_unmet_date, total_unmet_t,
        peak_monthly_unmet_t, mean_monthly_shortfall_in_cut_t, restriction_months_in_run,
        unmet_share_pct`` (share of demand over the restriction months).
    notes : list of str
        Assumptions and bases used (demand basis, China share source, ...).
    """

    monthly: pd.DataFrame
    summary: pd.DataFrame
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Inputs:
    elements: list[str]
    demand: np.ndarray        # (E,) t/yr
    china_share: np.ndarray   # (E,)
    restricted: np.ndarray    # (E,) bool
    extra: np.ndarray         # (E, M) t/month from other listed suppliers
    deep_full: np.ndarray     # (E,) t/yr at full deep-sea rate
    deep_start: int
    ramp_months: int
    cut_start: int


def _by_element(value, elements: list[str], default: float, what: str) -> np.ndarray:
    if value is None:
        return np.full(len(elements), default)
    if isinstance(value, Mapping):
        return np.array([float(value.get(el, default)) for el in elements])
    return np.full(len(elements), float(value))


def _supplier_matrix(cfg: ScenarioConfig, suppliers, elements: list[str]) -> np.ndarray:
    months = np.arange(cfg.months)
    out = np.zeros((len(elements), cfg.months))
    for s in suppliers:
        first = cfg.month_index(s.start) if s.start else 0
        last = cfg.month_index(s.end) if s.end else cfg.months
        active = (months >= first) & (months < last)
        rate = np.array([s.t_per_year.get(el, 0.0) for el in elements]) / 12.0
        out += rate[:, None] * active[None, :]
    return out


def _deep_sea_rate(cfg: ScenarioConfig, elements: list[str], blocks: pd.DataFrame | None,
                   reference: Reference) -> tuple[np.ndarray, str]:
    ds = cfg.deep_sea
    if ds is None:
        return np.zeros(len(elements)), "no deep-sea output"
    if ds.t_per_year is not None:
        return np.array([ds.t_per_year.get(el, 0.0) for el in elements]), "deep-sea t/yr as given"
    if blocks is None:
        raise ScenarioError(f"deep_sea.from_production: {ds.from_production!r} needs a blocks table "
                            "(run with --project PROJECT, or give deep_sea.t_per_year)")
    sched = production_schedule(blocks, preset(ds.from_production), reference)
    rate = np.array([float(sched[f"{el}_oxide_t"].iloc[0]) if f"{el}_oxide_t" in sched else 0.0
                     for el in elements])
    return rate, f"deep-sea full rate = year-1 oxide output of the '{ds.from_production}' production preset"


def _prepare(cfg: ScenarioConfig, reference: Reference, blocks: pd.DataFrame | None,
             pooled: bool, deep_sea: bool = True) -> tuple[_Inputs, list[str]]:
    elements = cfg.element_list
    notes = []
    if cfg.demand_t_per_year is not None:
        demand = _by_element(cfg.demand_t_per_year, elements, np.nan, "demand")
        notes.append(f"Japan demand: scenario file ({cfg.demand_basis or 'basis not stated'})")
    else:
        ref_demand = reference.values.get("japan_demand_t", {})
        missing = [el for el in elements if el not in ref_demand]
        if missing:
            raise ScenarioError(f"demand_t_per_year: missing demand for {', '.join(missing)} "
                                "(not in the reference in force; give it in the scenario file)")
        demand = np.array([float(ref_demand[el]) for el in elements])
        by_origin: dict[str, list[str]] = {}
        for el in elements:
            by_origin.setdefault(reference.origin("japan_demand_t", el), []).append(el)
        notes.extend(f"Japan demand ({', '.join(els)}): {origin}" for origin, els in by_origin.items())
    jp_china = reference.values.get("japan_import_share", {}).get("China", 0.719)
    by_el = reference.values.get("japan_china_share", {})
    if cfg.china_share is not None:
        china = _by_element(cfg.china_share, elements, jp_china, "china_share")
        notes.append("China share of Japan's supply: scenario file")
    else:
        china = np.array([float(by_el.get(el, jp_china)) for el in elements])
        notes.append("China share of Japan's supply, per element: " + "; ".join(
            f"{el} {c:.3f}" for el, c in zip(elements, china, strict=True)) + " (packaged "
            "supply_china_stage_shares: light REE JOGMEC 2024 all-REE share, Y customs H1 2024, other heavy "
            "REE ASSUMPTION = China's 99.9 % HREE separation share; override japan_china_share)")
    extra = _supplier_matrix(cfg, cfg.other_suppliers, elements)
    if pooled and cfg.pooled_us is not None:
        us = cfg.pooled_us
        us_demand = _by_element(us.demand_t_per_year, elements, 0.0, "us demand")
        us_china = _by_element(us.china_share, elements, 0.0, "us china share")
        total = demand + us_demand
        china = np.divide(china * demand + us_china * us_demand, total, out=np.zeros_like(total), where=total > 0)
        demand = total
        extra = extra + _supplier_matrix(cfg, us.other_suppliers, elements)
        notes.append(f"pooled US-Japan: US demand basis: {us.demand_basis}")
    restricted = np.array([cfg.restriction.elements == "all" or el in cfg.restriction.elements
                           for el in elements])
    if deep_sea:
        deep, note = _deep_sea_rate(cfg, elements, blocks, reference)
    else:
        deep, note = np.zeros(len(elements)), "deep-sea output switched off (comparison case)"
    notes.append(note)
    notes.append("stockpile drawn by shortfalls and not refilled by surpluses (simplification)")
    ds = cfg.deep_sea if deep_sea else None
    return _Inputs(elements, demand, china, restricted, extra, deep,
                   cfg.month_index(ds.start) if ds else 0, ds.ramp_months if ds else 0,
                   cfg.month_index(cfg.restriction.start)), notes


def _simulate(inp: _Inputs, months: int, share_cut: np.ndarray, duration: np.ndarray,
              stockpile_days: np.ndarray, demand_multiple: np.ndarray) -> dict[str, np.ndarray]:
    """Vectorised core. Draw arrays have shape (D,); outputs (D, E, M)."""
    m = np.arange(months)
    active = (m[None, :] >= inp.cut_start) & (m[None, :] < inp.cut_start + duration[:, None])  # (D, M)
    demand_m = (inp.demand[None, :] * demand_multiple[:, None] / 12.0)[:, :, None]  # (D, E, 1)
    cut = share_cut[:, None, None] * active[:, None, :] * inp.restricted[None, :, None]
    china = demand_m * inp.china_share[None, :, None] * (1.0 - cut)
    other = demand_m * (1.0 - inp.china_share)[None, :, None]
    ramp = np.clip((m - inp.deep_start + 1) / max(inp.ramp_months, 1), 0.0, 1.0) * (m >= inp.deep_start)
    deep = (inp.deep_full / 12.0)[:, None] * ramp[None, :]
    supply = china + other + inp.extra[None] + deep[None]
    shortfall = np.maximum(demand_m - supply, 0.0)
    stock0 = (stockpile_days[:, None] / 365.0 * inp.demand[None, :] * demand_multiple[:, None])[:, :, None]
    cum = np.cumsum(shortfall, axis=-1)
    unmet_cum = np.maximum(cum - stock0, 0.0)
    unmet = np.diff(unmet_cum, axis=-1, prepend=0.0)
    return {"demand": np.broadcast_to(demand_m, shortfall.shape), "china": china,
            "other": np.broadcast_to(other, shortfall.shape), "deep": np.broadcast_to(deep[None], shortfall.shape),
            "shortfall": shortfall, "stockpile": np.maximum(stock0 - cum, 0.0), "unmet": unmet}


def _covered(unmet: np.ndarray, cut_start: int) -> tuple[np.ndarray, np.ndarray]:
    """Months from the restriction start until the first unmet month; and whether never unmet."""
    months = unmet.shape[-1]
    after = np.arange(months) >= max(cut_start, 0)
    hit = (unmet > 1e-9) & after
    any_hit = hit.any(axis=-1)
    first = np.where(any_hit, hit.argmax(axis=-1), months)
    return first - max(cut_start, 0), ~any_hit


#: Words printed with every scenario so "months covered" cannot be misread.
MONTHS_COVERED_DEFINITION = (
    "months_covered = whole months, counted from the first month of the restriction, in which demand "
    "is met in full (supply plus stockpile) before the first month with unmet demand; when no month "
    "is short (covered_throughout), it is every month from the restriction start to the end of the "
    "run, shown as '>= N (whole run)'. unmet_share_pct = unmet t / demand t over the restriction "
    "months inside the run (not over the whole run).")


def _cases(cfg: ScenarioConfig, pooled: bool) -> list[tuple[str, bool, bool]]:
    """(case name, pooled, with deep-sea) for every case of one run.

    ``japan`` (and ``pooled_us_japan``) are the cases as configured, deep-sea output included
    when the file has a ``deep_sea`` section; ``*_no_deep_sea`` are the same without it.
    """
    cases = [("japan", False, True)]
    if cfg.deep_sea is not None:
        cases.append(("japan_no_deep_sea", False, False))
    if pooled and cfg.pooled_us is not None:
        cases.append(("pooled_us_japan", True, True))
        if cfg.deep_sea is not None:
            cases.append(("pooled_us_japan_no_deep_sea", True, False))
    return cases


def run_scenario(config: ScenarioConfig | str, reference: Reference | None = None,
                 blocks: pd.DataFrame | None = None, pooled: bool = True) -> ScenarioResult:
    """Run a scenario month by month for every element, with and without deep-sea output.

    Parameters
    ----------
    config : ScenarioConfig or path
        The scenario (a YAML path or packaged example name is loaded with :func:`load_scenario`).
    reference : Reference, optional
        Reference data in force (Japan demand and import shares).
    blocks : DataFrame, optional
        ``blocks_table`` frame, needed when ``deep_sea.from_production`` is used.
    pooled : bool
        Also run the pooled US-Japan case(s) when the file has a ``pooled_us`` section.

    Returns
    -------
    ScenarioResult
        Cases: ``japan`` (as configured, deep-sea output included) and, when the file has a
        ``deep_sea`` section, ``japan_no_deep_sea``; plus ``pooled_us_japan`` (and
        ``pooled_us_japan_no_deep_sea``) when asked.
        See :data:`MONTHS_COVERED_DEFINITION` for the summary columns.
    """
    cfg = config if isinstance(config, ScenarioConfig) else load_scenario(config)
    ref = reference or load_reference()
    monthly, summaries, notes = [], [], [MONTHS_COVERED_DEFINITION]
    dates = pd.date_range(pd.Timestamp(cfg.start).to_period("M").to_timestamp(), periods=cfg.months, freq="MS")
    for case, is_pooled, with_deep in _cases(cfg, pooled):
        inp, case_notes = _prepare(cfg, ref, blocks, is_pooled, with_deep)
        notes += [f"{case}: {n}" for n in case_notes]
        one = np.ones(1)
        res = _simulate(inp, cfg.months, one * cfg.restriction.share_cut, one * cfg.restriction.months,
                        one * cfg.stockpile_days, one)
        n_el = len(inp.elements)
        frame = pd.DataFrame({
            "case": case, "month": np.tile(np.arange(cfg.months), n_el),
            "date": np.tile(dates.to_numpy(), n_el), "element": np.repeat(inp.elements, cfg.months)})
        for key, col in (("demand", "demand_t"), ("china", "china_t"), ("other", "other_existing_t"),
                         ("deep", "deep_sea_t"), ("shortfall", "shortfall_t"), ("stockpile", "stockpile_t"),
                         ("unmet", "unmet_t")):
            frame[col] = res[key][0].reshape(-1)
        frame.insert(7, "extra_t", inp.extra.reshape(-1))
        monthly.append(frame)
        covered, never = _covered(res["unmet"][0], inp.cut_start)
        unmet = res["unmet"][0]
        unmet_total = unmet.sum(axis=-1)
        first_idx = np.minimum(inp.cut_start + covered, cfg.months - 1)
        lo = max(inp.cut_start, 0)
        hi = min(inp.cut_start + cfg.restriction.months, cfg.months)
        cut_months = max(hi - lo, 0)
        cut_demand = inp.demand / 12.0 * cut_months
        in_cut = unmet[:, lo:hi] if cut_months else np.zeros((n_el, 1))
        summaries.append(pd.DataFrame({
            "case": case, "element": inp.elements, "demand_t_per_yr": inp.demand, "china_share": inp.china_share,
            "restricted": inp.restricted, "stockpile_t": cfg.stockpile_days / 365.0 * inp.demand,
            "months_covered": covered, "covered_throughout": never,
            "months_covered_text": [f">= {c} (whole run)" if n else str(c) for c, n in zip(covered, never, strict=True)],
            "first_unmet_date": np.where(never, "", dates[first_idx].strftime("%Y-%m-%d")),
            "total_unmet_t": unmet_total, "peak_monthly_unmet_t": in_cut.max(axis=-1),
            "mean_monthly_shortfall_in_cut_t": (res["shortfall"][0][:, lo:hi].mean(axis=-1) if cut_months
                                                else np.zeros(n_el)),
            "restriction_months_in_run": cut_months,
            "unmet_share_pct": np.divide(100.0 * unmet_total, cut_demand, out=np.zeros(n_el),
                                         where=cut_demand > 0)}))
    return ScenarioResult(pd.concat(monthly, ignore_index=True), pd.concat(summaries, ignore_index=True), notes)


def side_by_side(result: ScenarioResult, column: str = "total_unmet_t") -> pd.DataFrame:
    """One summary column per case, elements as rows (for printing the cases side by side).

    Parameters
    ----------
    result : ScenarioResult
    column : str
        Summary column to spread (e.g. ``total_unmet_t``, ``months_covered_text``, ``unmet_share_pct``).

    Returns
    -------
    DataFrame
        ``element`` then one column per case, in run order.
    """
    s = result.summary
    if column not in s.columns:
        raise ValueError(f"side_by_side: no summary column {column!r}; have {', '.join(s.columns)}")
    wide = s.pivot(index="element", columns="case", values=column)
    order = list(dict.fromkeys(s["element"]))
    return wide.reindex(index=order, columns=list(dict.fromkeys(s["case"]))).reset_index()


def scenario_monte_carlo(config: ScenarioConfig | str, n_draws: int = 10_000, seed: int = 20260202,
                         uncertainty: Mapping[str, tuple[float, float]] | None = None,
                         reference: Reference | None = None, blocks: pd.DataFrame | None = None,
                         chunk: int = 2_000) -> pd.DataFrame:
    """Monte Carlo of a scenario over share cut, duration, stockpile and demand (vectorised).

    Parameters
    ----------
    config : ScenarioConfig or path
    n_draws : int
        Number of draws.
    seed : int
        Random seed.
    uncertainty : mapping, optional
        Name -> (low, high) multiples of the configured value (triangular with the configured
        value as mode); default :data:`DEFAULT_SCENARIO_UNCERTAINTY` (ASSUMPTIONS).
    reference, blocks
        As for :func:`run_scenario`.
    chunk : int
        Draws evaluated per array chunk (bounds memory).

    Returns
    -------
    DataFrame
        Per element (Japan case): ``p_unmet`` (probability of any unmet demand),
        ``months_covered_p10/p50/p90``, ``total_unmet_t_p10/p50/p90``, ``n_draws``.
    """
    from reymud.supply.economics import _triangular_ppf

    cfg = config if isinstance(config, ScenarioConfig) else load_scenario(config)
    ref = reference or load_reference()
    inp, _ = _prepare(cfg, ref, blocks, pooled=False)
    unc = dict(DEFAULT_SCENARIO_UNCERTAINTY if uncertainty is None else uncertainty)
    modes = {"share_cut": cfg.restriction.share_cut, "duration_months": float(cfg.restriction.months),
             "stockpile_days": cfg.stockpile_days, "demand_multiple": 1.0}
    unknown = set(unc) - set(modes)
    if unknown:
        raise ValueError(f"scenario uncertainty: unknown input(s) {', '.join(sorted(unknown))}; known: {', '.join(modes)}")
    rng = np.random.default_rng(seed)
    names = list(modes)
    u = rng.random((n_draws, len(names)))
    draws = {}
    for j, name in enumerate(names):
        lo, hi = unc.get(name, (1.0, 1.0))
        mode = modes[name]
        draws[name] = _triangular_ppf(u[:, j], np.full(n_draws, mode * lo), np.full(n_draws, mode),
                                      np.full(n_draws, mode * hi))
    draws["share_cut"] = np.clip(draws["share_cut"], 0.0, 1.0)
    draws["duration_months"] = np.maximum(np.rint(draws["duration_months"]), 1.0)
    covered = np.empty((n_draws, len(inp.elements)))
    unmet = np.empty_like(covered)
    for a in range(0, n_draws, chunk):
        sl = slice(a, min(a + chunk, n_draws))
        res = _simulate(inp, cfg.months, draws["share_cut"][sl], draws["duration_months"][sl],
                        draws["stockpile_days"][sl], draws["demand_multiple"][sl])
        covered[sl], _ = _covered(res["unmet"], inp.cut_start)
        unmet[sl] = res["unmet"].sum(axis=-1)
    q = [10, 50, 90]
    cq = np.percentile(covered, q, axis=0)
    uq = np.percentile(unmet, q, axis=0)
    out = pd.DataFrame({"element": inp.elements, "p_unmet": (unmet > 1e-9).mean(axis=0)})
    for i, p in enumerate(q):
        out[f"months_covered_p{p}"] = cq[i]
    for i, p in enumerate(q):
        out[f"total_unmet_t_p{p}"] = uq[i]
    out["n_draws"] = n_draws
    return out
