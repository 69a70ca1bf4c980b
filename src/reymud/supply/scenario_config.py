"""Export-restriction scenario definition (:class:`ScenarioConfig`) read from YAML, validated.

Bad files raise :class:`ScenarioError` naming the file and the key (e.g.
``japan.yaml: restriction.share_cut: must be <= 1``). See ``examples/*.yaml`` for the format.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reymud.elements import REY

__all__ = ["DeepSea", "Restriction", "ScenarioConfig", "ScenarioError", "Supplier", "USCase",
           "example_scenario", "list_examples", "load_scenario"]

_KNOWN = (*REY, "Sc")
_EXAMPLES = Path(__file__).parent / "examples"


class ScenarioError(ValueError):
    """A scenario file or configuration is invalid; the message names file and key."""


def _check_elements(mapping: dict[str, float] | list[str], what: str) -> None:
    keys = mapping if isinstance(mapping, list) else list(mapping)
    bad = [k for k in keys if k not in _KNOWN]
    if bad:
        raise ValueError(f"unknown element(s) {', '.join(map(str, bad))} in {what}; use La..Lu, Y, Sc")
    if isinstance(mapping, dict):
        neg = [k for k, v in mapping.items() if v is None or v < 0]
        if neg:
            raise ValueError(f"negative or missing tonnage for {', '.join(neg)} in {what}; must be >= 0 t/yr")


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + (end.month - start.month)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Restriction(_Strict):
    """China cuts ``share_cut`` (0-1) of its supply of ``elements`` from ``start`` for a duration."""

    elements: list[str] | Literal["all"] = "all"
    share_cut: float = Field(description="fraction of China's supply cut, 0-1")
    start: dt.date
    duration_months: int | None = Field(default=None, ge=1)
    end: dt.date | None = None

    @field_validator("share_cut")
    @classmethod
    def _share(cls, v: float) -> float:
        if v < 0:
            raise ValueError("must be >= 0 (a fraction of China's supply, e.g. 0.5)")
        if v > 1:
            raise ValueError("must be <= 1 (a fraction, not a percent: write 0.5 for 50 %)")
        return v

    @field_validator("elements")
    @classmethod
    def _elements(cls, v):
        if v != "all":
            _check_elements(v, "restriction.elements")
        return v

    @model_validator(mode="after")
    def _dates(self):
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} is before (or on) start {self.start}")
        if self.end is None and self.duration_months is None:
            raise ValueError("give duration_months or end")
        return self

    @property
    def months(self) -> int:
        """Duration in whole months."""
        return self.duration_months if self.duration_months is not None else max(
            1, _months_between(self.start, self.end))


class Supplier(_Strict):
    """Another supplier (e.g. an Australian offtake): t REO per year by element from ``start``."""

    name: str
    t_per_year: dict[str, float]
    start: dt.date | None = None
    end: dt.date | None = None

    @field_validator("t_per_year")
    @classmethod
    def _tonnes(cls, v):
        _check_elements(v, "t_per_year")
        return v

    @model_validator(mode="after")
    def _dates(self):
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"end {self.end} is before (or on) start {self.start}")
        return self


class DeepSea(_Strict):
    """Deep-sea output ramping linearly to full rate over ``ramp_months`` from ``start``.

    Full rate: ``t_per_year`` by element, or the first-year output of the production model
    (``from_production: trial|commercial``; needs a blocks table).
    """

    start: dt.date
    ramp_months: int = Field(default=12, ge=0)
    t_per_year: dict[str, float] | None = None
    from_production: Literal["trial", "commercial"] | None = None

    @field_validator("t_per_year")
    @classmethod
    def _tonnes(cls, v):
        if v is not None:
            _check_elements(v, "deep_sea.t_per_year")
        return v

    @model_validator(mode="after")
    def _source(self):
        if (self.t_per_year is None) == (self.from_production is None):
            raise ValueError("give exactly one of t_per_year or from_production")
        return self


class USCase(_Strict):
    """Pooled US-Japan case: the US demand basis must be stated by the user (with its source)."""

    demand_t_per_year: dict[str, float] | None = None
    demand_basis: str = ""
    china_share: float | dict[str, float]
    other_suppliers: list[Supplier] = []

    @field_validator("demand_t_per_year")
    @classmethod
    def _demand(cls, v):
        if v is None or not v:
            raise ValueError("missing demand: give the US demand in t/yr by element (and demand_basis)")
        _check_elements(v, "pooled_us.demand_t_per_year")
        return v

    @field_validator("china_share")
    @classmethod
    def _share(cls, v):
        for x in (v.values() if isinstance(v, dict) else [v]):
            if not 0 <= x <= 1:
                raise ValueError(f"share {x} must be within 0-1")
        return v

    @model_validator(mode="after")
    def _basis(self):
        if self.demand_t_per_year is None:
            raise ValueError("missing demand: pooled_us needs demand_t_per_year")
        if not self.demand_basis.strip():
            raise ValueError("demand_basis: state where the US demand figures come from (or 'ASSUMPTION: ...')")
        return self


class ScenarioConfig(_Strict):
    """A monthly export-restriction scenario for Japan (optionally pooled with the US).

    Parameters
    ----------
    name : str
        Label.
    start : date
        First simulated month.
    months : int
        Simulated months.
    elements : list of str or "all"
        Elements simulated (default all REY).
    demand_t_per_year : dict or None
        Japan demand by element (t REO/yr); None = the reference in force (Japan total x global
        proxy shares, an ASSUMPTION unless overridden). Every simulated element needs a demand.
    china_share : float, dict or None
        China's share of Japan's supply; None = the reference (71.9 %, 2024).
    restriction : Restriction
    stockpile_days : float
        Stockpile in days of annual demand (drawn down by shortfalls, not refilled).
    other_suppliers : list of Supplier
    deep_sea : DeepSea or None
    pooled_us : USCase or None
    """

    name: str = "scenario"
    start: dt.date
    months: int = Field(default=36, ge=1, le=600)
    elements: list[str] | Literal["all"] = "all"
    demand_t_per_year: dict[str, float] | None = None
    demand_basis: str = ""
    china_share: float | dict[str, float] | None = None
    restriction: Restriction
    stockpile_days: float = Field(default=0.0, ge=0)
    other_suppliers: list[Supplier] = []
    deep_sea: DeepSea | None = None
    pooled_us: USCase | None = None

    @field_validator("elements")
    @classmethod
    def _elements(cls, v):
        if v != "all":
            _check_elements(v, "elements")
        return v

    @field_validator("demand_t_per_year")
    @classmethod
    def _demand(cls, v):
        if v is not None:
            _check_elements(v, "demand_t_per_year")
        return v

    @field_validator("china_share")
    @classmethod
    def _share(cls, v):
        if v is not None:
            if isinstance(v, dict):
                _check_elements(list(v), "china_share")
            for x in (v.values() if isinstance(v, dict) else [v]):
                if not 0 <= x <= 1:
                    raise ValueError(f"share {x} must be within 0-1 (a fraction)")
        return v

    @model_validator(mode="after")
    def _complete(self):
        if self.demand_t_per_year is not None:
            missing = [e for e in self.element_list if e not in self.demand_t_per_year]
            if missing:
                raise ValueError(f"missing demand for {', '.join(missing)} in demand_t_per_year "
                                 "(give every simulated element, or restrict 'elements')")
        return self

    @property
    def element_list(self) -> list[str]:
        """Simulated elements."""
        return list(REY) if self.elements == "all" else list(self.elements)

    def month_index(self, date: dt.date) -> int:
        """Index of the month containing ``date`` relative to ``start`` (may be negative)."""
        return _months_between(self.start, date)


def load_scenario(path: str | Path) -> ScenarioConfig:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path : str or Path
        A YAML file, or the name of a packaged example (see :func:`list_examples`).

    Returns
    -------
    ScenarioConfig

    Raises
    ------
    ScenarioError
        Naming the file and the key, with what is wrong.
    """
    path = Path(path)
    if not path.is_file() and (_EXAMPLES / f"{path.stem}.yaml").is_file() and path.parent == Path("."):
        path = _EXAMPLES / f"{path.stem}.yaml"
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found (packaged examples: {', '.join(list_examples())})")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: expected a mapping of scenario keys (name, start, restriction, ...)")
    try:
        return ScenarioConfig.model_validate(raw)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling; see the packaged example)"
            parts.append(f"{loc}: {msg}")
        raise ScenarioError(f"{path}: " + "; ".join(parts)) from None


def list_examples() -> list[str]:
    """Names of the packaged example scenarios."""
    return sorted(p.stem for p in _EXAMPLES.glob("*.yaml"))


def example_scenario(name: str | None = None) -> Path:
    """Path of a packaged example scenario (default: the first one)."""
    names = list_examples()
    name = name or names[0]
    if name not in names:
        raise ScenarioError(f"no packaged example {name!r}; available: {', '.join(names)}")
    return _EXAMPLES / f"{name}.yaml"
