"""Parameter sets of the geochemistry stage: every judgement default stated in one place.

Both classes are frozen dataclasses; change a value with :func:`dataclasses.replace` or by passing
keywords. :meth:`GeochemConfig.describe` prints every setting with its meaning and source.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from reymud.elements import HREE_CONVENTIONS

__all__ = ["ANOMALY_METHODS", "EU_METHODS", "GeochemConfig", "Thresholds"]

#: Ce/Ce* formulas (normalised values N): geometric Ce_N / sqrt(La_N Pr_N); arithmetic
#: 2 Ce_N / (La_N + Pr_N); lawrence2006 Ce_N / (Pr_N^2 / Nd_N) (Lawrence et al. 2006, Aquat. Geochem. 12:39).
ANOMALY_METHODS: tuple[str, ...] = ("geometric", "arithmetic", "lawrence2006")
#: Eu/Eu* formulas: geometric Eu_N / sqrt(Sm_N Gd_N); arithmetic 2 Eu_N / (Sm_N + Gd_N);
#: lawrence2006 Eu_N / (Sm_N^2 Tb_N)^(1/3) (avoids Gd, which can carry its own anomaly in seawater).
EU_METHODS: tuple[str, ...] = ANOMALY_METHODS

CLASS_LABELS: tuple[str, ...] = ("below", "rey_rich", "highly_rey_rich", "extremely_rey_rich")


@dataclass(frozen=True)
class Thresholds:
    """Total-REY class thresholds in ppm (Kato 2011; Fujinaga 2016; Iijima 2016).

    Parameters
    ----------
    rey_rich_ppm : float
        Lower bound of REY-rich mud, default 400 ppm total REY.
    highly_rey_rich_ppm : float
        Lower bound of highly REY-rich mud, default 2,000 ppm.
    extremely_rey_rich_ppm : float
        Lower bound of extremely REY-rich mud, default 5,000 ppm.
    """

    rey_rich_ppm: float = 400.0
    highly_rey_rich_ppm: float = 2000.0
    extremely_rey_rich_ppm: float = 5000.0

    def __post_init__(self) -> None:
        values = self.as_tuple()
        if not all(v == v and v >= 0 for v in values) or not (values[0] < values[1] < values[2]):
            raise ValueError(
                "Thresholds must be non-negative and strictly increasing "
                f"(rey_rich < highly < extremely), got {values}; fix the values passed to Thresholds(...)"
            )

    def as_tuple(self) -> tuple[float, float, float]:
        """The three bounds in ppm, ascending."""
        return (float(self.rey_rich_ppm), float(self.highly_rey_rich_ppm), float(self.extremely_rey_rich_ppm))

    def describe(self) -> str:
        """One line per threshold with its value and source."""
        return (
            f"rey_rich_ppm = {self.rey_rich_ppm:g} (REY-rich mud, Kato et al. 2011)\n"
            f"highly_rey_rich_ppm = {self.highly_rey_rich_ppm:g} (highly REY-rich, Iijima et al. 2016)\n"
            f"extremely_rey_rich_ppm = {self.extremely_rey_rich_ppm:g} (extremely REY-rich, Iijima et al. 2016)"
        )


_DOC = {
    "hree_convention": "HREE element set (reymud.elements.HREE_CONVENTIONS); takaya2018 = Eu-Lu, Y apart",
    "reference": "reference composition for normalisation and anomalies (column of "
    "data/reference_compositions_ppm.csv; PAAS = Taylor & McLennan 1985)",
    "ce_method": "Ce/Ce* formula: geometric Ce_N/sqrt(La_N*Pr_N) | arithmetic 2Ce_N/(La_N+Pr_N) | "
    "lawrence2006 Ce_N/(Pr_N^2/Nd_N)",
    "eu_method": "Eu/Eu* formula: geometric Eu_N/sqrt(Sm_N*Gd_N) | arithmetic 2Eu_N/(Sm_N+Gd_N) | "
    "lawrence2006 Eu_N/(Sm_N^2*Tb_N)^(1/3)",
    "class_include_ce": "the class is taken on total REY with Ce (True, Kato/Takaya usage) or without Ce",
    "thresholds": "class bounds in ppm total REY",
}


@dataclass(frozen=True)
class GeochemConfig:
    """Settings of :func:`reymud.geochem.summarise`.

    Parameters
    ----------
    hree_convention : str
        Named HREE set, default ``"takaya2018"`` (Eu-Lu; Y counted in neither LREE nor HREE).
    reference : str
        Reference composition for Ce/Ce* and Eu/Eu*, default ``"PAAS_TaylorMcLennan1985"``.
    ce_method, eu_method : str
        Anomaly formulas, default ``"geometric"`` (see :data:`ANOMALY_METHODS`).
    class_include_ce : bool
        Whether the class uses total REY including Ce (default True).
    thresholds : Thresholds
        Class bounds, default 400 / 2,000 / 5,000 ppm.
    """

    hree_convention: str = "takaya2018"
    reference: str = "PAAS_TaylorMcLennan1985"
    ce_method: str = "geometric"
    eu_method: str = "geometric"
    class_include_ce: bool = True
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        if self.hree_convention not in HREE_CONVENTIONS:
            raise ValueError(
                f"unknown hree_convention {self.hree_convention!r}; use one of {sorted(HREE_CONVENTIONS)}"
            )
        for name in ("ce_method", "eu_method"):
            if getattr(self, name) not in ANOMALY_METHODS:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}; use one of {ANOMALY_METHODS}")
        if not isinstance(self.thresholds, Thresholds):
            raise TypeError("thresholds must be a reymud.geochem.Thresholds instance")

    def to_dict(self) -> dict:
        """Plain dict of all settings (thresholds nested)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["thresholds"] = dict(zip(
            ("rey_rich_ppm", "highly_rey_rich_ppm", "extremely_rey_rich_ppm"), self.thresholds.as_tuple(),
            strict=True,
        ))
        return out

    def describe(self) -> str:
        """Every setting, its current value, the default and what it means."""
        lines = ["GeochemConfig"]
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "thresholds":
                lines.append(f"  thresholds: {_DOC['thresholds']}")
                lines.extend("    " + line for line in value.describe().splitlines())
                continue
            dflt = f.default
            mark = "" if value == dflt else f" (default {dflt!r})"
            lines.append(f"  {f.name} = {value!r}{mark}: {_DOC[f.name]}")
        return "\n".join(lines)
