"""Lifting-to-oxide production model: mud lifted -> hydrocyclone -> leach -> separation -> oxide.

Blocks come from the resource stage's ``blocks_table`` frame (``block_id, dry_t, overburden_m,
total_rey_ppm, <El>_ppm`` and optionally ``area_m2, thickness_m``). They are mined in a chosen
order at a fixed annual lifting capacity; a block may straddle two years (linear within a
block). Every default of :class:`ProductionConfig` is stated with its source or marked as an
ASSUMPTION; :data:`PRESETS` holds the named cases.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from reymud.elements import REY, oxide_factors
from reymud.supply.reference import Reference, load_reference

__all__ = ["PRESETS", "ProductionConfig", "nearest_neighbour_path", "prepare_blocks", "preset",
           "process_parameters", "production_schedule"]

_ORDERS = ("richest", "shallowest", "value", "nearest")


@dataclass(frozen=True)
class ProductionConfig:
    """Parameters of the production model (units in names; every default stated).

    Parameters
    ----------
    lifting_rate_t_per_day : float
        Mud lifted per operating day. Default 350 t/day: the SIP trial planned from Feb 2027
        (DOMAIN.md section 1).
    lifting_basis : {"wet", "dry"}
        Whether the rate is wet mud (default; the trial figure is "t of mud") or dry solids.
    water_content_wet_fraction : float
        Water mass / wet mass of the lifted mud. Default 0.58, DERIVED from DOMAIN.md densities
        (dry bulk 0.55, wet bulk about 1.32 t/m3: 1 - 0.55/1.32). Real slurry may be wetter.
    operating_days_per_year : float
        ASSUMPTION 300 days (weather, transit, maintenance).
    max_years : int
        Schedule horizon (years); ASSUMPTION 20.
    mass_pull_fraction : float
        Dry mass fraction reporting to the hydrocyclone concentrate. ASSUMPTION 0.30.
    grade_upgrade_factor : float
        Concentrate grade / feed grade. 2.6 is often quoted but UNVERIFIED (DOMAIN.md section 3).
        Cyclone REY recovery = mass pull x upgrade (must be <= 1).
    leach_recovery : float
        Leach recovery of every element (ASSUMPTION 0.80); per-element values in
        ``leach_recovery_by_element`` win.
    separation_recovery : float
        Separation/refining recovery to saleable oxide (ASSUMPTION 0.95); per element in
        ``separation_recovery_by_element``.
    block_order : {"richest", "shallowest", "value", "nearest"}
        Richest total REY first; shallowest overburden first (ties by richness); highest
        recoverable value per lifted tonne first; or a nearest-neighbour mining path (greedy:
        always the closest unmined block by easting/northing) from the start point.
    start_easting, start_northing : float or None
        Start point of the ``nearest`` path (same CRS as the blocks); None = the richest block.
    lift_overburden : bool
        If True the overburden above each block is lifted too (consumes capacity, no metal).
        ASSUMPTION False (overburden side-cast on the seafloor).
    grade_multiple : float
        Multiplier on all block grades (resource uncertainty); 1.0 = as estimated.
    price_year : str
        Column of the USGS price table (``"2021"`` ... ``"2025e"``).
    price_multiple : float
        Multiplier on all prices (1.0 = the price year as published).
    capex_usd : float
        Up-front capital (year 0). ASSUMPTION 500 million USD.
    opex_usd_per_t_lifted : float
        Operating cost per dry tonne lifted (mining, lifting, processing). ASSUMPTION 300 USD/t.
    discount_rate : float
        Real discount rate per year. ASSUMPTION 0.08.
    name : str
        Label of the case.
    """

    lifting_rate_t_per_day: float = 350.0
    lifting_basis: str = "wet"
    water_content_wet_fraction: float = 0.58
    operating_days_per_year: float = 300.0
    max_years: int = 20
    mass_pull_fraction: float = 0.30
    grade_upgrade_factor: float = 2.6
    leach_recovery: float = 0.80
    leach_recovery_by_element: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    separation_recovery: float = 0.95
    separation_recovery_by_element: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    block_order: str = "richest"
    start_easting: float | None = None
    start_northing: float | None = None
    lift_overburden: bool = False
    grade_multiple: float = 1.0
    price_year: str = "2025e"
    price_multiple: float = 1.0
    capex_usd: float = 500e6
    opex_usd_per_t_lifted: float = 300.0
    discount_rate: float = 0.08
    name: str = "trial (SIP 350 t/day; economics ASSUMED)"

    def __post_init__(self) -> None:
        checks = [
            (self.lifting_rate_t_per_day > 0, "lifting_rate_t_per_day must be > 0 (t/day)"),
            (self.lifting_basis in ("wet", "dry"), "lifting_basis must be 'wet' or 'dry'"),
            (0 <= self.water_content_wet_fraction < 1, "water_content_wet_fraction must be in [0, 1)"),
            (0 < self.operating_days_per_year <= 366, "operating_days_per_year must be in (0, 366]"),
            (self.max_years >= 1, "max_years must be >= 1"),
            (0 < self.mass_pull_fraction <= 1, "mass_pull_fraction must be in (0, 1]"),
            (self.grade_upgrade_factor > 0, "grade_upgrade_factor must be > 0"),
            (self.mass_pull_fraction * self.grade_upgrade_factor <= 1.0 + 1e-9,
             "mass_pull_fraction x grade_upgrade_factor (cyclone recovery) must be <= 1"),
            (0 <= self.leach_recovery <= 1 and 0 <= self.separation_recovery <= 1, "recoveries must be in [0, 1]"),
            (all(0 <= v <= 1 for v in (*self.leach_recovery_by_element.values(),
                                       *self.separation_recovery_by_element.values())),
             "per-element recoveries must be in [0, 1]"),
            (self.block_order in _ORDERS, f"block_order must be one of {_ORDERS}"),
            (self.grade_multiple >= 0 and self.price_multiple >= 0, "multiples must be >= 0"),
            (self.capex_usd >= 0 and self.opex_usd_per_t_lifted >= 0, "capex/opex must be >= 0"),
            (-1 < self.discount_rate < 1, "discount_rate must be a fraction in (-1, 1)"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"ProductionConfig: {message}")

    @property
    def dry_fraction(self) -> float:
        """Dry solids per tonne of lifted mud (1 for a dry basis)."""
        return 1.0 - self.water_content_wet_fraction if self.lifting_basis == "wet" else 1.0

    @property
    def annual_dry_t(self) -> float:
        """Dry tonnes lifted per year at full rate."""
        return self.lifting_rate_t_per_day * self.operating_days_per_year * self.dry_fraction

    @property
    def cyclone_recovery(self) -> float:
        """REY recovery to the hydrocyclone concentrate (mass pull x upgrade)."""
        return self.mass_pull_fraction * self.grade_upgrade_factor

    def recovery(self, element: str) -> float:
        """Overall recovery mud -> saleable oxide for an element."""
        leach = self.leach_recovery_by_element.get(element, self.leach_recovery)
        sep = self.separation_recovery_by_element.get(element, self.separation_recovery)
        return self.cyclone_recovery * leach * sep

    def replace(self, **changes: Any) -> ProductionConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every parameter."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["leach_recovery_by_element"] = dict(self.leach_recovery_by_element)
        out["separation_recovery_by_element"] = dict(self.separation_recovery_by_element)
        return out


_PARAM_SOURCES: dict[str, tuple[str, str]] = {
    "lifting_rate_t_per_day": ("t/day", "SIP trial 350 t of mud per day planned from Feb 2027 (reymud domain brief)"),
    "lifting_basis": ("-", "wet: the trial figure is t of mud as lifted (ASSUMPTION that it is wet)"),
    "water_content_wet_fraction": ("-", "DERIVED: 1 - dry bulk 0.55 / wet bulk 1.32 t/m3 (domain brief)"),
    "operating_days_per_year": ("days", "ASSUMPTION (see the lifting table's availability x weather days)"),
    "max_years": ("years", "ASSUMPTION"),
    "mass_pull_fraction": ("-", "ASSUMPTION"),
    "grade_upgrade_factor": ("x", "often quoted 2.6, UNVERIFIED (domain brief)"),
    "leach_recovery": ("-", "ASSUMPTION"),
    "leach_recovery_by_element": ("-", "ASSUMPTION (empty = leach_recovery)"),
    "separation_recovery": ("-", "ASSUMPTION"),
    "separation_recovery_by_element": ("-", "ASSUMPTION (empty = separation_recovery)"),
    "block_order": ("-", "user choice"),
    "start_easting": ("m", "user choice (None = richest block)"),
    "start_northing": ("m", "user choice (None = richest block)"),
    "lift_overburden": ("-", "ASSUMPTION (overburden side-cast)"),
    "grade_multiple": ("x", "user choice (1 = as estimated)"),
    "price_year": ("-", "USGS MCS 2026 price table"),
    "price_multiple": ("x", "user choice (1 = as published)"),
    "capex_usd": ("USD", "ASSUMPTION"),
    "opex_usd_per_t_lifted": ("USD/dry t", "ASSUMPTION"),
    "discount_rate": ("1/yr", "ASSUMPTION"),
    "name": ("-", "label"),
}


def process_parameters(config: ProductionConfig) -> pd.DataFrame:
    """Every production parameter with its value, unit and source (or "ASSUMPTION").

    Parameters
    ----------
    config : ProductionConfig

    Returns
    -------
    DataFrame
        ``parameter, value, unit, source``; the derived ``dry_t_per_year`` row states the basis.
    """
    rows = [{"parameter": k, "value": str(v), "unit": _PARAM_SOURCES[k][0], "source": _PARAM_SOURCES[k][1]}
            for k, v in config.to_dict().items()]
    rows.append({"parameter": "dry_t_per_year", "value": f"{config.annual_dry_t:,.0f}", "unit": "dry t/yr",
                 "source": (f"DERIVED: {config.lifting_rate_t_per_day:,.0f} {config.lifting_basis} t/day x "
                            f"{config.operating_days_per_year:g} days x dry fraction {config.dry_fraction:.2f}")})
    return pd.DataFrame(rows)


#: Named cases. "commercial" is an ASSUMPTION (no published commercial design was found).
PRESETS: Mapping[str, ProductionConfig] = MappingProxyType({
    "trial": ProductionConfig(),
    "commercial": ProductionConfig(
        lifting_rate_t_per_day=10_000.0, max_years=25, capex_usd=2.0e9, opex_usd_per_t_lifted=150.0,
        name="commercial (ASSUMPTION: 10,000 t/day wet, capex 2 bn USD, opex 150 USD/t)"),
})


def preset(name: str, **changes: Any) -> ProductionConfig:
    """A named preset (``trial`` or ``commercial``) with optional field changes (None ignored)."""
    if name not in PRESETS:
        raise ValueError(f"unknown production preset {name!r}; choose from {', '.join(PRESETS)}")
    changes = {k: v for k, v in changes.items() if v is not None}
    return PRESETS[name].replace(**changes) if changes else PRESETS[name]


@dataclass(frozen=True)
class PreparedBlocks:
    """Blocks in mining order as cumulative curves (shared by the schedule and Monte Carlo).

    ``cum_lifted_t`` (n+1) cumulative dry tonnes lifted; ``cum_metal_t`` (n+1, k) cumulative
    element mass (t) at base grade; ``cum_ore_t`` (n+1) cumulative ore dry tonnes;
    ``oxide_per_metal`` (k) oxide factor x overall recovery; ``price_usd_per_t`` (k) oxide
    price (NaN unpriced) x price multiple.
    """

    elements: tuple[str, ...]
    cum_lifted_t: np.ndarray
    cum_ore_t: np.ndarray
    cum_metal_t: np.ndarray
    cum_total_rey_t: np.ndarray
    oxide_per_metal: np.ndarray
    price_usd_per_t: np.ndarray
    block_ids: np.ndarray

    @property
    def total_lifted_t(self) -> float:
        """All dry tonnes that would be lifted to mine every block."""
        return float(self.cum_lifted_t[-1])

    def at(self, tonnes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cumulative ore, element metal and total REY at cumulative lifted tonnes (any shape)."""
        cl = self.cum_lifted_t
        t = np.clip(np.asarray(tonnes, dtype=float), 0.0, cl[-1])
        idx = np.clip(np.searchsorted(cl, t, side="right") - 1, 0, len(cl) - 2)
        width = cl[idx + 1] - cl[idx]
        frac = np.divide(t - cl[idx], width, out=np.zeros_like(t), where=width > 0)
        ore = self.cum_ore_t[idx] + frac * (self.cum_ore_t[idx + 1] - self.cum_ore_t[idx])
        metal = self.cum_metal_t[idx] + frac[..., None] * (self.cum_metal_t[idx + 1] - self.cum_metal_t[idx])
        rey = self.cum_total_rey_t[idx] + frac * (self.cum_total_rey_t[idx + 1] - self.cum_total_rey_t[idx])
        return ore, metal, rey


def prepare_blocks(blocks: pd.DataFrame, config: ProductionConfig,
                   reference: Reference | None = None) -> PreparedBlocks:
    """Validate the blocks table, order it and build cumulative curves.

    Parameters
    ----------
    blocks : DataFrame
        ``blocks_table`` frame of the resource stage.
    config : ProductionConfig
        Order, recoveries, prices.
    reference : Reference, optional
        Prices in force (with user overrides).

    Returns
    -------
    PreparedBlocks
    """
    need = {"dry_t", "total_rey_ppm"}
    missing = need - set(blocks.columns)
    if missing:
        raise ValueError(f"blocks table: missing column(s) {', '.join(sorted(missing))} "
                         "(expected the resource stage's blocks_table frame)")
    elements = tuple(el for el in REY if f"{el}_ppm" in blocks.columns)
    if not elements:
        raise ValueError("blocks table: no <El>_ppm columns (e.g. Nd_ppm, Dy_ppm)")
    if len(blocks) == 0:
        raise ValueError("blocks table is empty: nothing to mine")
    ref = reference or load_reference()
    prices = ref.prices(config.price_year).reindex(list(elements)).to_numpy(dtype=float) * 1000.0
    prices = prices * config.price_multiple
    factors = oxide_factors()
    oxide_per_metal = np.array([factors[el] * config.recovery(el) for el in elements])
    dry = blocks["dry_t"].to_numpy(dtype=float)
    grades = blocks[[f"{el}_ppm" for el in elements]].to_numpy(dtype=float) * config.grade_multiple
    grades = np.nan_to_num(grades)
    total = np.nan_to_num(blocks["total_rey_ppm"].to_numpy(dtype=float)) * config.grade_multiple
    ob = blocks["overburden_m"].to_numpy(dtype=float) if "overburden_m" in blocks else np.zeros(len(dry))
    ob = np.nan_to_num(ob)
    if config.block_order == "richest":
        order = np.lexsort((ob, -total))
    elif config.block_order == "shallowest":
        order = np.lexsort((-total, ob))
    elif config.block_order == "value":
        value = grades @ np.nan_to_num(oxide_per_metal * prices) * 1e-6
        order = np.argsort(-value, kind="stable")
    else:
        order = nearest_neighbour_path(blocks, config.start_easting, config.start_northing, total)
    lifted = dry.copy()
    if config.lift_overburden:
        if not {"area_m2", "thickness_m"} <= set(blocks.columns):
            raise ValueError("lift_overburden needs area_m2 and thickness_m in the blocks table")
        area = blocks["area_m2"].to_numpy(dtype=float)
        thick = blocks["thickness_m"].to_numpy(dtype=float)
        density = np.divide(dry, area * thick, out=np.zeros_like(dry), where=area * thick > 0)
        lifted = dry + area * ob * density
    zero = np.zeros(1)
    metal = dry[:, None] * grades * 1e-6
    return PreparedBlocks(
        elements=elements,
        cum_lifted_t=np.concatenate([zero, np.cumsum(lifted[order])]),
        cum_ore_t=np.concatenate([zero, np.cumsum(dry[order])]),
        cum_metal_t=np.vstack([np.zeros((1, len(elements))), np.cumsum(metal[order], axis=0)]),
        cum_total_rey_t=np.concatenate([zero, np.cumsum(dry[order] * total[order] * 1e-6)]),
        oxide_per_metal=oxide_per_metal,
        price_usd_per_t=prices,
        block_ids=(blocks["block_id"].to_numpy() if "block_id" in blocks else np.arange(len(dry)))[order],
    )


def nearest_neighbour_path(blocks: pd.DataFrame, start_easting: float | None, start_northing: float | None,
                           total_rey_ppm: np.ndarray) -> np.ndarray:
    """Greedy nearest-neighbour mining path through the blocks (row positions in mining order).

    Parameters
    ----------
    blocks : DataFrame
        Needs ``easting`` and ``northing`` (block centres).
    start_easting, start_northing : float or None
        Start point; None = start at the richest block.
    total_rey_ppm : ndarray
        Grades used to pick the start block when no start point is given.

    Returns
    -------
    ndarray of int
    """
    if not {"easting", "northing"} <= set(blocks.columns):
        raise ValueError("block_order 'nearest' needs easting and northing columns in the blocks table")
    xy = blocks[["easting", "northing"]].to_numpy(dtype=float)
    if not np.isfinite(xy).all():
        bad = int(np.flatnonzero(~np.isfinite(xy).all(axis=1))[0])
        raise ValueError(f"blocks table: row {bad + 1}, columns easting/northing: not a finite coordinate")
    if (start_easting is None) != (start_northing is None):
        raise ValueError("ProductionConfig: give both start_easting and start_northing, or neither")
    from scipy.spatial import cKDTree

    n = len(xy)
    left = np.ones(n, dtype=bool)
    here = (np.array([start_easting, start_northing], dtype=float) if start_easting is not None
            else xy[int(np.argmax(total_rey_ppm))])
    tree = cKDTree(xy)
    order = np.empty(n, dtype=int)
    for i in range(n):
        k = 8
        while True:  # widen the k-nearest query until an unmined block is among them (exact:
            # every closer block is in the query, so the first free one is the nearest unmined)
            _, idx = tree.query(here, k=min(k, n))
            idx = np.atleast_1d(idx)
            free = idx[left[idx]]
            if len(free) or k >= n:
                break
            k *= 4
        nxt = int(free[0])
        order[i] = nxt
        left[nxt] = False
        here = xy[nxt]
    return order


def production_schedule(blocks: pd.DataFrame, config: ProductionConfig | None = None,
                        reference: Reference | None = None) -> pd.DataFrame:
    """Annual production schedule: mud lifted, head grade, oxide output and revenue by year.

    Parameters
    ----------
    blocks : DataFrame
        ``blocks_table`` frame (``block_id, dry_t, overburden_m, total_rey_ppm, <El>_ppm`` ...).
    config : ProductionConfig, optional
        Default: the trial preset.
    reference : Reference, optional
        Prices in force.

    Returns
    -------
    DataFrame
        One row per year: ``year, mud_lifted_dry_t, mud_lifted_wet_t, ore_dry_t, blocks_mined,
        head_total_rey_ppm, head_<El>_ppm, concentrate_dry_t, <El>_oxide_t, treo_t,
        revenue_usd``. ``attrs``: ``config``, ``unpriced_elements``, ``price_year``,
        ``elements``, ``exhausted`` (all blocks mined within the horizon).
    """
    config = config or ProductionConfig()
    prep = prepare_blocks(blocks, config, reference)
    cap = config.annual_dry_t
    n_years = int(min(config.max_years, np.ceil(prep.total_lifted_t / cap - 1e-12)))
    n_years = max(n_years, 1)
    bounds = np.minimum(cap * np.arange(n_years + 1), prep.total_lifted_t)
    ore, metal, rey = prep.at(bounds)
    lifted = np.diff(bounds)
    metal_y = np.diff(metal, axis=0)
    oxide = metal_y * prep.oxide_per_metal
    completed = np.searchsorted(prep.cum_lifted_t[1:], bounds * (1 + 1e-12), side="right")
    out = pd.DataFrame({"year": np.arange(1, n_years + 1), "mud_lifted_dry_t": lifted,
                        "mud_lifted_wet_t": lifted / config.dry_fraction, "ore_dry_t": np.diff(ore),
                        "blocks_mined": np.diff(completed)})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["head_total_rey_ppm"] = np.diff(rey) / lifted * 1e6
        for j, el in enumerate(prep.elements):
            out[f"head_{el}_ppm"] = metal_y[:, j] / lifted * 1e6
    out["concentrate_dry_t"] = lifted * config.mass_pull_fraction
    for j, el in enumerate(prep.elements):
        out[f"{el}_oxide_t"] = oxide[:, j]
    out["treo_t"] = oxide.sum(axis=1)
    priced = np.isfinite(prep.price_usd_per_t)
    out["revenue_usd"] = oxide[:, priced] @ prep.price_usd_per_t[priced]
    out.attrs.update({
        "config": config.to_dict(), "price_year": config.price_year, "elements": list(prep.elements),
        "unpriced_elements": [el for el, p in zip(prep.elements, priced, strict=True) if not p],
        "exhausted": bool(bounds[-1] >= prep.total_lifted_t - 1e-9),
    })
    return out
