"""Reference data of the supply stage, with user overrides and provenance.

Every figure the supply stage uses comes from a packaged table (``reymud.data``, each with a
``# source:`` line), from a stated ASSUMPTION (defaults in :data:`DEFAULTS`), or from a user
override file. An override file is YAML or CSV:

YAML::

    tables:                       # replace whole packaged tables by user CSVs
      usgs_mcs2026_prices_usd_per_kg: my_prices.csv
    values:                       # replace single values
      japan_demand_t: {Nd: 5200, Dy: 410}
      prices_usd_per_kg: {Nd: 80}
      wgi_score: {China: 6.4}
      source: "METI briefing 2026"  # optional note attached to these values

CSV (long form, one value a line): ``item,key,value[,source]``; ``item = table`` replaces a table
(``key`` = table name, ``value`` = CSV path).

:func:`load_reference` returns a :class:`Reference` with everything in force;
:func:`reference_in_force` lists it with where each value came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from reymud.data import read_reference
from reymud.elements import REY
from reymud.supply.japan import sector_split, world_mix_split

__all__ = [
    "DEFAULTS",
    "EU_SCALAR_BASIS",
    "ITEMS",
    "PRICE_PRODUCTS",
    "TABLES",
    "TABLE_META",
    "WGI_RANGE",
    "WGI_RESCALING",
    "OverrideError",
    "Reference",
    "load_overrides",
    "load_reference",
    "reference_in_force",
]

#: Packaged tables used by the supply stage (logical name -> packaged table name).
TABLES: dict[str, str] = {
    "mine_production": "usgs_mine_production_reserves_t_reo",
    "prices": "usgs_mcs2026_prices_usd_per_kg",
    "deposit_distribution": "usgs_myb2022_deposit_reo_distribution",
    "japan": "japan_import_dependence",
    "export_controls": "china_export_controls",
    "global_proxy": "global_supply_proxy_2025_t_reo",
    "enduse": "supply_enduse_intensities",
    "deposit_mix": "supply_country_deposit_mix",
    "china_stages": "supply_china_stage_shares",
    "wgi": "supply_wgi_2024_update",
    "japan_basis": "supply_japan_demand_basis",
}

#: Edition and data year(s) of each packaged table (shown by ``reymud reference show``).
TABLE_META: dict[str, tuple[str, str]] = {
    "usgs_mine_production_reserves_t_reo": ("USGS MCS 2025 and MCS 2026 (reserves v1.3)", "2023, 2024, 2025e"),
    "usgs_mcs2026_prices_usd_per_kg": ("USGS MCS 2026", "2021-2025e"),
    "usgs_myb2022_deposit_reo_distribution": ("USGS Minerals Yearbook 2022, Table 2", "2022"),
    "japan_import_dependence": ("JOGMEC/Kyodo 2026-01, customs H1 2024, JNMA (as reported)", "2009-2026"),
    "china_export_controls": ("MOFCOM/GAC announcements; status as of 2026-11", "2010-2026"),
    "global_supply_proxy_2025_t_reo": ("DERIVED PROXY (MCS 2026 x MYB 2022)", "2025"),
    "supply_enduse_intensities": ("Heim & Vander Wal 2023; IEEE Electrification Mag. 2017 (GBD); ASSUMPTION rows", "2023"),
    "supply_country_deposit_mix": ("DERIVED by reymud (fitted to the proxy)", "2025"),
    "supply_china_stage_shares": ("IEA GCMO 2024; Benchmark 2023 (as reported); JOGMEC 2024; customs H1 2024",
                                  "2023-2024"),
    "supply_wgi_2024_update": ("World Bank WGI 2024 update (Kaufmann & Kraay 2024)", "2023"),
    "supply_japan_demand_basis": ("JNMA total (as reported); Adamas Intelligence 2021 NdFeB alloy; reymud split",
                                  "2020-2024"),
}

#: Oxide product of the USGS price table used to price each element's oxide.
PRICE_PRODUCTS: dict[str, str] = {
    "La": "La2O3 99.5%", "Ce": "CeO2 99.5%", "Pr": "Pr6O11 99.99%", "Nd": "Nd2O3 99.5%",
    "Sm": "Sm2O3 99.5%", "Eu": "Eu2O3 99.99%", "Gd": "Gd2O3 99.99%", "Tb": "Tb4O7 99.99%",
    "Dy": "Dy2O3 99.5%", "Ho": "Ho2O3 99.5%", "Er": "Er2O3 99.5%", "Yb": "Yb2O3 99.99%",
    "Lu": "Lu2O3 99.99%", "Y": "Y2O3 99.999%", "Sc": "Sc2O3 99.99% (range midpoint)",
}

#: Every judgement default of the supply reference data, in one place (all overridable).
DEFAULTS: dict[str, Any] = {
    # Japan total REE demand, t (2024, Japan New Metals Association as reported; packaged table).
    "japan_total_demand_metric": "japan_ree_demand",
    # Names that are residual groups, not countries: they have no WGI (bounded, never scored).
    "residual_groups": ("Other",),
    # EU 2017 SR inputs per element. IR: CITED (EPRS briefing 2023: EU import reliance for REEs
    # reaches 100 %). EoL-RIR 0 and SI_SR 1: ASSUMPTIONS (no recycling or substitution credit
    # taken; the EU CRM 2023 factsheet values were not found) - override per element.
    "eu_import_reliance": 1.0,
    "eu_eol_rir": 0.0,
    "eu_substitution_index": 1.0,
    # Japan's import shares other than the three published countries go to "Other".
    "japan_import_year": "2024",
}

#: Where each EU SR scalar default comes from (printed with every result).
EU_SCALAR_BASIS: dict[str, str] = {
    "eu_import_reliance": ("CITED: EPRS briefing 'Securing Europe's supply of critical raw materials' "
                           "(European Parliament, 2023-03-09): EU import reliance reaches 100 % for REEs"),
    "eu_eol_rir": ("ASSUMPTION (overridable): EoL-RIR 0, no recycling credit; EU CRM 2023 factsheet values "
                   "not found"),
    "eu_substitution_index": ("ASSUMPTION (overridable): SI_SR 1, no substitution credit; EU CRM 2023 "
                              "factsheet values not found"),
}

#: WGI estimate range used by both rescalings (World Bank: estimates lie in about -2.5..+2.5).
WGI_RANGE: tuple[float, float] = (-2.5, 2.5)
#: How the packaged WGI estimates become index scores (printed as the origin of every score).
WGI_RESCALING: dict[str, str] = {
    "wgi_score": ("mean of the six WGI 2024-update estimates (2023) rescaled linearly from -2.5..+2.5 to "
                  "10..0 (10 worst), the 0-10 scale of the EU 2017 method: 10 x (2.5 - mean) / 5 (the six-"
                  "estimate mean and the linear form are reymud's reading of the method, not checked against "
                  "the guidelines' text; override wgi_score to use another)"),
    "geopolrisk_score": ("WGI 2024-update Political Stability and Absence of Violence estimate (2023) "
                         "rescaled linearly from -2.5..+2.5 to 1..0 (1 least stable): (2.5 - PV) / 5"),
}


#: Value items a user may override: item -> (unit, description).
ITEMS: dict[str, tuple[str, str]] = {
    "mine_production_t": ("t REO", "mine production by country (replaces the chosen year's column)"),
    "prices_usd_per_kg": ("USD/kg oxide", "oxide price by element (any price year)"),
    "global_demand_t": ("t REO/yr", "global demand by element (replaces the supply proxy)"),
    "japan_demand_t": ("t REO/yr", "Japan demand by element"),
    "japan_total_demand_t": ("t REO/yr", "Japan total REE demand (key: total)"),
    "us_demand_t": ("t REO/yr", "US demand by element (pooled US-Japan case)"),
    "wgi_score": ("0-10, 10 worst", "governance score by country (EU SR)"),
    "trade_factor": ("-", "trade factor t_c by country (EU SR)"),
    "geopolrisk_score": ("0-1", "political-stability score g_i by country (GeoPolRisk)"),
    "japan_import_share": ("fraction", "share of Japan's REE imports by country"),
    "japan_china_share": ("fraction", "China's share of Japan's supply by element (scenarios)"),
    "china_separation_share": ("fraction", "China's share of global separation/refining by element"),
    "eu_sourcing_share": ("fraction", "share of EU sourcing by country (EU SR)"),
    "eu_import_reliance": ("fraction", "EU net import reliance IR by element"),
    "eu_eol_rir": ("fraction", "EU end-of-life recycling input rate by element"),
    "eu_substitution_index": ("-", "EU substitution index SI_SR by element"),
    "export_control_status": ("text", "export-control status by element, e.g. 'in force'"),
}


class OverrideError(ValueError):
    """A user override file is unreadable or names an unknown item, table or value."""


@dataclass(frozen=True)
class Overrides:
    """Parsed override file: whole-table replacements and single values with their origin."""

    tables: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    origin: str = ""
    note: str = ""


def _fail(path: Path, key: str, message: str) -> OverrideError:
    return OverrideError(f"{path}: {key}: {message}")


def load_overrides(path: str | Path | None) -> Overrides:
    """Read a YAML or CSV override file (see the module docstring for the format).

    Parameters
    ----------
    path : str, Path or None
        The file; None gives empty overrides.

    Returns
    -------
    Overrides
    """
    if path is None:
        return Overrides()
    path = Path(path)
    if not path.is_file():
        raise OverrideError(f"{path}: override file not found")
    tables: dict[str, str] = {}
    values: dict[str, dict[str, Any]] = {}
    note = ""
    if path.suffix.lower() in {".yaml", ".yml"}:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise _fail(path, "(file)", f"not valid YAML: {exc}") from exc
        if not isinstance(raw, dict):
            raise _fail(path, "(file)", "expected a mapping with keys 'tables' and/or 'values'")
        unknown = set(raw) - {"tables", "values", "source"}
        if unknown:
            raise _fail(path, ", ".join(sorted(unknown)), "unknown top-level key; use tables, values, source")
        tables = {str(k): str(v) for k, v in (raw.get("tables") or {}).items()}
        note = str(raw.get("source", ""))
        for item, mapping in (raw.get("values") or {}).items():
            if not isinstance(mapping, dict):
                mapping = {"total": mapping}
            values[str(item)] = {str(k): v for k, v in mapping.items()}
    elif path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, comment="#", dtype=str)
        missing = {"item", "key", "value"} - set(frame.columns)
        if missing:
            raise _fail(path, ", ".join(sorted(missing)), "missing column; need item,key,value[,source]")
        for row_no, row in enumerate(frame.itertuples(index=False), start=2):
            if row.item == "table":
                tables[row.key] = row.value
                continue
            values.setdefault(row.item, {})[row.key] = _number_or_text(row.value, path, f"row {row_no}")
        if "source" in frame.columns and frame["source"].notna().any():
            note = "; ".join(sorted(set(frame["source"].dropna())))
    else:
        raise _fail(path, "(file)", "override files must be .yaml, .yml or .csv")
    for name, table_path in list(tables.items()):
        if name not in TABLES and name not in TABLES.values():
            raise _fail(path, f"tables.{name}", f"unknown table; known: {', '.join(TABLES.values())}")
        resolved = Path(table_path) if Path(table_path).is_absolute() else path.parent / table_path
        if not resolved.is_file():
            raise _fail(path, f"tables.{name}", f"table file {resolved} not found")
        tables[TABLES.get(name, name)] = str(resolved)
        if name in TABLES:
            del tables[name]
    for item, mapping in values.items():
        if item not in ITEMS:
            raise _fail(path, f"values.{item}", f"unknown item; known: {', '.join(ITEMS)}")
        for key, value in mapping.items():
            if item != "export_control_status":
                mapping[key] = _number_or_text(value, path, f"values.{item}.{key}", numeric=True)
    return Overrides(tables=tables, values=values, origin=f"override:{path.name}", note=note)


def _number_or_text(value: Any, path: Path, key: str, numeric: bool = False) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        if numeric:
            raise _fail(path, key, f"expected a number, got {value!r}") from None
        return value


@dataclass(frozen=True)
class Reference:
    """Everything the supply stage uses, with the origin of each value.

    Attributes
    ----------
    tables : dict
        Table name -> DataFrame (packaged or user replacement; ``attrs["source"]`` kept).
    values : dict
        Item -> {key: value} single values in force (after overrides).
    origins : dict
        (item, key) -> origin string ("package:<table>", "ASSUMPTION: ...", "override:<file>").
    """

    tables: dict[str, pd.DataFrame]
    values: dict[str, dict[str, Any]]
    origins: dict[tuple[str, str], str]

    def table(self, logical: str) -> pd.DataFrame:
        """A table by logical name (see :data:`TABLES`), e.g. ``"mine_production"``."""
        return self.tables[TABLES.get(logical, logical)].copy()

    def series(self, item: str) -> pd.Series:
        """Values of one item as a float Series (empty if nothing is in force)."""
        return pd.Series(self.values.get(item, {}), dtype=float, name=item)

    def origin(self, item: str, key: str) -> str:
        """Where the value ``item[key]`` came from."""
        return self.origins.get((item, key), "not set")

    def mine_production(self, year: str = "2025e") -> pd.Series:
        """Mine production by country (t REO) for a year column; excludes the world total."""
        out = _production_column(self.table("mine_production"), year)
        for country, value in self.values.get("mine_production_t", {}).items():
            out[country] = float(value)
        return out

    def world_total(self, year: str = "2025e") -> float:
        """The rounded world total reported by USGS for that year (t REO)."""
        table = self.table("mine_production").set_index("country")
        return float(table.loc["World (rounded)", _production_col_name(table.reset_index(), year)])

    def price_years(self) -> list[str]:
        """Price years available in the price table."""
        return [c for c in self.table("prices").columns if c[:4].isdigit()]

    def prices(self, year: str = "2025e") -> pd.Series:
        """Oxide price (USD/kg) by element for a price year; NaN where USGS gives none."""
        table = self.table("prices").set_index("product")
        if year not in table.columns:
            raise ValueError(f"price year {year!r} not in the price table; choose from {self.price_years()}")
        out = pd.Series({el: float(table.at[p, year]) if p in table.index else float("nan")
                         for el, p in PRICE_PRODUCTS.items()}, name=f"price_usd_per_kg_{year}")
        for el, value in self.values.get("prices_usd_per_kg", {}).items():
            out[el] = float(value)
        return out.reindex([*REY, "Sc"])


def _production_col_name(table: pd.DataFrame, year: str) -> str:
    cols = [c for c in table.columns if c.startswith(f"prod_{year}_")]
    if not cols:
        years = sorted({c.split("_")[1] for c in table.columns if c.startswith("prod_")})
        raise ValueError(f"production year {year!r} not in the production table; choose from {years}")
    return cols[0]


def _production_column(table: pd.DataFrame, year: str) -> pd.Series:
    col = _production_col_name(table, year)
    table = table[~table["country"].str.startswith("World")]
    return pd.Series(table[col].astype(float).to_numpy(), index=table["country"], name=f"t_REO_{year}")


def load_reference(overrides: str | Path | Overrides | None = None) -> Reference:
    """Load the packaged supply tables and apply user overrides.

    Parameters
    ----------
    overrides : path, Overrides or None
        A YAML/CSV override file (see module docstring) or already parsed overrides.

    Returns
    -------
    Reference
        Tables and single values in force, each with its origin.
    """
    ov = overrides if isinstance(overrides, Overrides) else load_overrides(overrides)
    tables, origins, values = {}, {}, {}
    for name in TABLES.values():
        if name in ov.tables:
            frame = read_reference(ov.tables[name])
            frame.attrs["origin"] = f"{ov.origin} (table {ov.tables[name]})"
        else:
            frame = read_reference(name)
            frame.attrs["origin"] = f"package:{name}"
        tables[name] = frame
    proxy_name = TABLES["global_proxy"]
    proxy = tables[proxy_name].set_index("element").iloc[:, 0].astype(float)
    values["global_demand_t"] = proxy.to_dict()
    for el in proxy.index:
        origins[("global_demand_t", el)] = "package:global_supply_proxy_2025 (DERIVED PROXY)"
    japan = tables[TABLES["japan"]]
    total_row = japan[japan["metric"] == DEFAULTS["japan_total_demand_metric"]]
    japan_total = float(total_row["value"].iloc[-1])
    values["japan_total_demand_t"] = {"total": japan_total}
    origins[("japan_total_demand_t", "total")] = f"package:japan_import_dependence ({total_row['year'].iloc[-1]})"
    shares = _japan_import_shares(japan, DEFAULTS["japan_import_year"])
    values["japan_import_share"] = shares
    for c in shares:
        origins[("japan_import_share", c)] = (
            "package:japan_import_dependence" if c != "Other" else "DERIVED: 1 - published shares")
    stages = tables[TABLES["china_stages"]]
    for item, col, status, basis in (("china_separation_share", "separation_share", "separation_status",
                                      "separation_basis"),
                                     ("japan_china_share", "japan_china_share", "japan_status", "japan_basis")):
        bad = stages.index[~stages[col].between(0.0, 1.0)]
        if len(bad):
            raise OverrideError(f"{stages.attrs.get('origin')}: row {int(bad[0]) + 1}, column {col}: "
                                "must be a fraction 0-1")
        values[item] = dict(zip(stages["element"], stages[col].astype(float), strict=True))
        for el, st_, b in zip(stages["element"], stages[status], stages[basis], strict=True):
            origins[(item, el)] = f"{st_}: {b}"
    _wgi_scores(tables[TABLES["wgi"]], values, origins)
    for item in ("eu_import_reliance", "eu_eol_rir", "eu_substitution_index"):
        values[item] = {el: float(DEFAULTS[item]) for el in REY}
        origins.update({(item, el): EU_SCALAR_BASIS[item] for el in REY})
    _apply_values(values, origins, ov)
    # Japan per-element demand: sector basis (magnets) + world-mix split of the rest, unless given.
    total = values["japan_total_demand_t"]["total"]
    given = values.get("japan_demand_t", {})
    split, split_origins = sector_split(total, tables[TABLES["japan_basis"]], values["global_demand_t"])
    derived = {el: v for el, v in split.items() if el not in given}
    values["japan_demand_t"] = {**derived, **given}
    origins.update({("japan_demand_t", el): split_origins[el] for el in derived})
    values["japan_demand_world_mix_t"] = world_mix_split(total, values["global_demand_t"])
    for el in values["japan_demand_world_mix_t"]:
        origins[("japan_demand_world_mix_t", el)] = (
            f"ASSUMPTION (comparison only): Japan total {total:,.0f} t x the global supply proxy mix")
    for item in ("wgi_score", "trade_factor", "geopolrisk_score"):
        values.setdefault(item, {})
    return Reference(tables=tables, values=values, origins=origins)


_WGI_COLUMNS = ("CC_est", "GE_est", "PV_est", "RQ_est", "RL_est", "VA_est")


def _wgi_scores(table: pd.DataFrame, values: dict, origins: dict) -> None:
    """EU-SR ``wgi_score`` (0-10, 10 worst) and GeoPolRisk ``geopolrisk_score`` (0-1) per country.

    Raises an :class:`OverrideError` naming the file, row (as a spreadsheet shows it) and column
    of any estimate that is missing or outside the WGI range.
    """
    origin = table.attrs.get("path", TABLES["wgi"])
    missing = [c for c in ("country", *_WGI_COLUMNS) if c not in table.columns]
    if missing:
        raise OverrideError(f"{origin}: missing column(s) {', '.join(missing)}")
    lo, hi = WGI_RANGE
    est = table[list(_WGI_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    for col in _WGI_COLUMNS:
        bad = est.index[~est[col].between(lo - 0.5, hi + 0.5)]
        if len(bad):
            raise OverrideError(f"{origin}: data row {int(bad[0]) + 1}, column {col}: WGI estimate must be a number within "
                                f"about {lo:g}..{hi:g}, got {table.at[bad[0], col]!r}")
    span = hi - lo
    mean6 = est.mean(axis=1)
    wgi = dict(zip(table["country"], 10.0 * (hi - mean6) / span, strict=True))
    g = dict(zip(table["country"], (hi - est["PV_est"]) / span, strict=True))
    year = str(table["year"].iloc[0]) if "year" in table.columns and len(table) else "?"
    values["wgi_score"] = {str(k): float(v) for k, v in wgi.items()}
    values["geopolrisk_score"] = {str(k): float(v) for k, v in g.items()}
    for item, scores in (("wgi_score", wgi), ("geopolrisk_score", g)):
        for c in scores:
            origins[(item, str(c))] = f"package:{TABLES['wgi']} ({year}): {WGI_RESCALING[item]}"


def _japan_import_shares(japan: pd.DataFrame, year: str) -> dict[str, float]:
    rows = japan[(japan["year"].astype(str) == year)
                 & japan["metric"].str.endswith("_share_of_japan_ree_imports")]
    shares = {m.split("_share_of")[0].title(): float(v) / 100.0 for m, v in zip(rows["metric"], rows["value"], strict=True)}
    shares["Other"] = max(0.0, 1.0 - sum(shares.values()))
    return shares


def _apply_values(values: dict, origins: dict, ov: Overrides) -> None:
    for item, mapping in ov.values.items():
        target = values.setdefault(item, {})
        for key, value in mapping.items():
            target[key] = value
            origins[(item, key)] = ov.origin + (f" ({ov.note})" if ov.note else "")


def reference_in_force(overrides: str | Path | Overrides | Reference | None = None) -> pd.DataFrame:
    """What is in force and where it came from (for ``reymud reference show|export``).

    Parameters
    ----------
    overrides : path, Overrides, Reference or None
        Overrides to apply (or an already loaded :class:`Reference`).

    Returns
    -------
    DataFrame
        ``kind, item, key, value, unit, origin, source``: one row per table and per single value.
    """
    ref = overrides if isinstance(overrides, Reference) else load_reference(overrides)
    rows = []
    for name, frame in ref.tables.items():
        packaged = frame.attrs.get("origin", "").startswith("package:")
        edition, year = TABLE_META.get(name, ("", "")) if packaged else ("user table", "")
        rows.append({"kind": "table", "item": name, "key": "", "value": f"{len(frame)} rows", "unit": "",
                     "origin": frame.attrs.get("origin", ""), "source": frame.attrs.get("source", ""),
                     "edition": edition, "year": year})
    for item, mapping in ref.values.items():
        unit = ITEMS.get(item, ("", ""))[0]
        for key, value in mapping.items():
            rows.append({"kind": "value", "item": item, "key": key, "value": value, "unit": unit,
                         "origin": ref.origin(item, key), "source": ""})
    if not ref.values.get("trade_factor"):
        rows.append({"kind": "value", "item": "trade_factor", "key": "*", "value": float("nan"),
                     "unit": ITEMS["trade_factor"][0],
                     "origin": "NOT SET: no cited EU 2017 trade factors shipped; EU SR is not computed until "
                               "you give trade_factor per producing country", "source": ""})
    return pd.DataFrame(rows)
