"""Economics of a production schedule (NPV, IRR, break-even) and its Monte Carlo / tornado.

Cash flow: year 0 = -capex; year k = revenue_k - opex_usd_per_t_lifted x dry t lifted_k;
discounted at ``discount_rate``. The Monte Carlo draws uncertain inputs (triangular
distributions, see :data:`DEFAULT_UNCERTAINTY`) and evaluates the whole annual model for all
draws at once (numpy arrays draws x years), re-using the blocks' cumulative curves.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from reymud.supply.production import PreparedBlocks, ProductionConfig, prepare_blocks
from reymud.supply.reference import Reference

__all__ = ["DEFAULT_UNCERTAINTY", "economics", "irr", "monte_carlo", "tornado"]

#: Uncertain inputs: field of ProductionConfig -> (low, high) as multiples of the configured
#: value (the mode). All ranges are ASSUMPTIONS; pass your own mapping to override.
DEFAULT_UNCERTAINTY: Mapping[str, tuple[float, float]] = MappingProxyType({
    "grade_multiple": (0.8, 1.15),
    "lifting_rate_t_per_day": (0.6, 1.1),
    "operating_days_per_year": (0.75, 1.1),
    "grade_upgrade_factor": (0.6, 1.2),
    "leach_recovery": (0.8, 1.1),
    "separation_recovery": (0.95, 1.03),
    "price_multiple": (0.6, 1.6),
    "opex_usd_per_t_lifted": (0.8, 1.5),
    "capex_usd": (0.9, 1.5),
})

_CAPS = {"leach_recovery": 1.0, "separation_recovery": 1.0}


def irr(cash_flows: np.ndarray, lo: float = -0.99, hi: float = 10.0, iterations: int = 100) -> np.ndarray:
    """Internal rate of return by vectorised bisection; NaN where NPV does not change sign.

    Parameters
    ----------
    cash_flows : array (..., n_periods)
        Cash flows from year 0.
    lo, hi : float
        Bracket of rates searched.
    iterations : int
        Bisection steps (100 gives machine precision).

    Returns
    -------
    ndarray
        IRR per row (shape ``cash_flows.shape[:-1]``).
    """
    cf = np.atleast_2d(np.asarray(cash_flows, dtype=float))
    years = np.arange(cf.shape[-1])

    def npv(rate: np.ndarray) -> np.ndarray:
        return np.sum(cf / (1.0 + rate[:, None]) ** years, axis=-1)

    a = np.full(cf.shape[0], lo)
    b = np.full(cf.shape[0], hi)
    fa = npv(a)
    fb = npv(b)
    ok = np.sign(fa) != np.sign(fb)
    for _ in range(iterations):
        m = 0.5 * (a + b)
        fm = npv(m)
        left = np.sign(fm) == np.sign(fa)
        a = np.where(left, m, a)
        fa = np.where(left, fm, fa)
        b = np.where(left, b, m)
    out = np.where(ok, 0.5 * (a + b), np.nan)
    return out.reshape(np.asarray(cash_flows).shape[:-1]) if np.ndim(cash_flows) > 1 else out[:1].reshape(())


def economics(schedule: pd.DataFrame, config: ProductionConfig | None = None) -> dict:
    """NPV, IRR and break-even figures of a production schedule.

    Parameters
    ----------
    schedule : DataFrame
        Output of :func:`~reymud.supply.production.production_schedule`.
    config : ProductionConfig, optional
        Cost inputs (capex, opex, discount rate); default the one stored in ``schedule.attrs``.

    Returns
    -------
    dict
        ``npv_usd``, ``irr`` (NaN if undefined), ``pv_revenue_usd``, ``pv_opex_usd``,
        ``capex_usd``, ``break_even_price_multiple`` (prices x this give NPV = 0),
        ``break_even_opex_usd_per_t`` (opex giving NPV = 0; NaN when none exists, i.e. when the
        discounted revenue is below capex even at zero opex), ``break_even_opex_note`` (says
        "none at these prices" then), ``discount_rate``, ``unpriced_elements``.
    """
    if config is None:
        stored = dict(schedule.attrs.get("config", {}))
        config = ProductionConfig(**stored) if stored else ProductionConfig()
    r = config.discount_rate
    years = schedule["year"].to_numpy(dtype=float)
    df = (1.0 + r) ** -years
    revenue = schedule["revenue_usd"].to_numpy(dtype=float)
    lifted = schedule["mud_lifted_dry_t"].to_numpy(dtype=float)
    opex = config.opex_usd_per_t_lifted * lifted
    pv_rev, pv_opex, pv_t = float(revenue @ df), float(opex @ df), float(lifted @ df)
    npv = pv_rev - pv_opex - config.capex_usd
    flows = np.concatenate([[-config.capex_usd], revenue - opex])
    return {
        "npv_usd": npv, "irr": float(irr(flows)), "pv_revenue_usd": pv_rev, "pv_opex_usd": pv_opex,
        "capex_usd": config.capex_usd, "discount_rate": r,
        "break_even_price_multiple": (pv_opex + config.capex_usd) / pv_rev if pv_rev > 0 else float("inf"),
        "break_even_opex_usd_per_t": ((pv_rev - config.capex_usd) / pv_t
                                      if pv_t > 0 and pv_rev > config.capex_usd else float("nan")),
        "break_even_opex_note": (
            "none at these prices: discounted revenue is below capex even at zero opex"
            if pv_t > 0 and pv_rev <= config.capex_usd else
            "none: nothing lifted" if pv_t <= 0 else "opex per dry t lifted giving NPV = 0"),
        "unpriced_elements": list(schedule.attrs.get("unpriced_elements", [])),
    }


def _triangular_ppf(u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray) -> np.ndarray:
    span = np.where(high > low, high - low, 1.0)
    c = np.clip((mode - low) / span, 0.0, 1.0)
    left = low + np.sqrt(u * span * (mode - low))
    right = high - np.sqrt((1.0 - u) * span * (high - mode))
    return np.where(high > low, np.where(u < c, left, right), mode)


def _ranges(config: ProductionConfig, uncertainty: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for name, (lo, hi) in uncertainty.items():
        if not hasattr(config, name):
            raise ValueError(f"uncertainty: {name!r} is not a ProductionConfig field")
        if lo > 1.0 or hi < 1.0 or lo < 0:
            raise ValueError(f"uncertainty: {name} range ({lo}, {hi}) must bracket 1 (multiples of the mode)")
        mode = float(getattr(config, name))
        high = mode * hi
        rows.append({"input": name, "low": mode * lo, "mode": mode, "high": min(high, _CAPS.get(name, high))})
    return pd.DataFrame(rows).set_index("input")


def _evaluate(prep: PreparedBlocks, config: ProductionConfig, values: dict[str, np.ndarray]) -> dict:
    """Annual model for arrays of inputs (all arrays of one shape (n,))."""
    base = config
    n = len(next(iter(values.values()))) if values else 1

    def get(name: str) -> np.ndarray:
        return values.get(name, np.full(n, float(getattr(base, name))))

    dry_fraction = base.dry_fraction
    cap = get("lifting_rate_t_per_day") * get("operating_days_per_year") * dry_fraction
    years = np.arange(base.max_years + 1)
    bounds = np.minimum(cap[:, None] * years, prep.total_lifted_t)
    _, metal, _ = prep.at(bounds)
    metal_y = np.diff(metal, axis=1)  # draws x years x elements
    cyclone = np.minimum(get("mass_pull_fraction") * get("grade_upgrade_factor"), 1.0) / base.cyclone_recovery
    rec = cyclone * (get("leach_recovery") / base.leach_recovery) * (get("separation_recovery")
                                                                      / base.separation_recovery)
    scale = rec * get("grade_multiple") / base.grade_multiple
    oxide_y = np.einsum("dye,e->dy", metal_y, prep.oxide_per_metal) * scale[:, None]
    priced = np.nan_to_num(prep.oxide_per_metal * prep.price_usd_per_t)
    revenue = np.einsum("dye,e->dy", metal_y, priced) * (scale * get("price_multiple") / base.price_multiple)[:, None]
    lifted = np.diff(bounds, axis=1)
    flows = revenue - get("opex_usd_per_t_lifted")[:, None] * lifted
    df = (1.0 + base.discount_rate) ** -years[1:]
    npv = flows @ df - get("capex_usd")
    return {"npv_usd": npv, "treo_t_year1": oxide_y[:, 0], "treo_t_total": oxide_y.sum(axis=1),
            "mean_annual_treo_t": oxide_y.sum(axis=1) / np.maximum((lifted > 0).sum(axis=1), 1)}


def monte_carlo(blocks: pd.DataFrame, config: ProductionConfig | None = None, n_draws: int = 10_000,
                seed: int = 20260202, uncertainty: Mapping[str, tuple[float, float]] | None = None,
                reference: Reference | None = None) -> pd.DataFrame:
    """Monte Carlo of NPV and oxide output over uncertain inputs (vectorised).

    Parameters
    ----------
    blocks : DataFrame
        ``blocks_table`` frame.
    config : ProductionConfig, optional
        Modes of the inputs (default: trial preset).
    n_draws : int
        Number of draws.
    seed : int
        Random seed (same seed, same draws).
    uncertainty : mapping, optional
        Field -> (low, high) multiples of the mode for triangular draws; default
        :data:`DEFAULT_UNCERTAINTY` (ASSUMPTIONS).
    reference : Reference, optional
        Prices in force.

    Returns
    -------
    DataFrame
        One row per draw: the drawn inputs, ``npv_usd``, ``treo_t_year1``, ``treo_t_total``,
        ``mean_annual_treo_t``. ``attrs["ranges"]`` holds the triangular low/mode/high.
    """
    if n_draws < 1:
        raise ValueError("n_draws must be >= 1")
    config = config or ProductionConfig()
    ranges = _ranges(config, DEFAULT_UNCERTAINTY if uncertainty is None else uncertainty)
    prep = prepare_blocks(blocks, config, reference)
    rng = np.random.default_rng(seed)
    u = rng.random((n_draws, len(ranges)))
    draws = _triangular_ppf(u, ranges["low"].to_numpy(), ranges["mode"].to_numpy(), ranges["high"].to_numpy())
    values = {name: draws[:, j] for j, name in enumerate(ranges.index)}
    out = pd.DataFrame(values)
    for key, arr in _evaluate(prep, config, values).items():
        out[key] = arr
    out.attrs["ranges"] = ranges.reset_index().to_dict("records")
    return out


def tornado(blocks: pd.DataFrame, config: ProductionConfig | None = None,
            uncertainty: Mapping[str, tuple[float, float]] | None = None, target: str = "npv_usd",
            reference: Reference | None = None) -> pd.DataFrame:
    """One-at-a-time sensitivity: each input at its P10 and P90, others at their mode.

    Parameters
    ----------
    blocks, config, uncertainty, reference
        As for :func:`monte_carlo`.
    target : {"npv_usd", "treo_t_year1", "treo_t_total", "mean_annual_treo_t"}
        Output whose swing is measured.

    Returns
    -------
    DataFrame
        ``input, p10_input, p90_input, output_at_p10, output_at_p90, base_output, swing``
        sorted by decreasing absolute swing.
    """
    config = config or ProductionConfig()
    ranges = _ranges(config, DEFAULT_UNCERTAINTY if uncertainty is None else uncertainty)
    prep = prepare_blocks(blocks, config, reference)
    k = len(ranges)
    lo, mode, hi = (ranges[c].to_numpy() for c in ("low", "mode", "high"))
    p10 = _triangular_ppf(np.full(k, 0.1), lo, mode, hi)
    p90 = _triangular_ppf(np.full(k, 0.9), lo, mode, hi)
    grid = np.tile(mode, (2 * k + 1, 1))
    grid[np.arange(k), np.arange(k)] = p10
    grid[k + np.arange(k), np.arange(k)] = p90
    result = _evaluate(prep, config, {name: grid[:, j] for j, name in enumerate(ranges.index)})
    if target not in result:
        raise ValueError(f"tornado target {target!r} unknown; choose from {', '.join(result)}")
    y = result[target]
    out = pd.DataFrame({"input": ranges.index, "p10_input": p10, "p90_input": p90,
                        "output_at_p10": y[:k], "output_at_p90": y[k:2 * k], "base_output": y[-1]})
    out["swing"] = out["output_at_p90"] - out["output_at_p10"]
    out.attrs["target"] = target
    return out.reindex(out["swing"].abs().sort_values(ascending=False).index).reset_index(drop=True)
