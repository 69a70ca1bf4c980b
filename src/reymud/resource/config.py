"""Stated defaults of the resource stage: density, cut-offs and classification rules.

Every judgement default of the stage lives in this module, each with its basis, and every one is
overridable (keyword arguments, ``dataclasses.replace`` or a YAML file). ``describe()`` prints
them as a table so a resource statement can show the assumptions it rests on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reymud import defaults as _defaults

__all__ = [
    "CLASSES",
    "DEFAULT_DENSITY_T_M3",
    "DENSITY_BASIS",
    "DENSITY_SOURCES",
    "ClassificationRules",
    "DensitySpec",
    "ResourceConfig",
    "variogram_range_m",
]

#: Resource classes in reporting order (CRIRSCO / JORC): :data:`reymud.defaults.CLASSES`.
CLASSES: tuple[str, ...] = _defaults.CLASSES

#: Default reporting cut-offs (ppm total REY): the REY-rich / 1,000 ppm / highly REY-rich thresholds.
DEFAULT_CUTOFFS_PPM: tuple[float, ...] = _defaults.CUTOFFS_PPM

#: Default dry bulk density of REY-rich red clay (t/m3 == g/cm3): ``reymud.defaults.DENSITY_T_M3``.
DEFAULT_DENSITY_T_M3: float = _defaults.DENSITY_T_M3
DENSITY_BASIS: str = (
    "assumption: implied by Takaya et al. 2018 totals (16 Mt REO, 2,500 km2 x 10 m, 964 ppm -> 0.54-0.57); "
    "red clay of 75-80 % porosity, grain density ~2.5 g/cm3 (2.5 x 0.22 = 0.55); "
    "a density_t_m3 variable/column in the data takes precedence"
)


#: Where a dry bulk density comes from: stated by the user, the mean of measured cores, or the default.
DENSITY_SOURCES: tuple[str, ...] = ("given", "measured", "default")

#: Accepted dry bulk densities, t/m3 (== g/cm3): one bound for every entry point.
DENSITY_RANGE_T_M3: tuple[float, float] = (0.0, 5.0)


@dataclass(frozen=True)
class DensitySpec:
    """One dry bulk density and where it comes from (the explicit "given" flag).

    Parameters
    ----------
    value_t_m3 : float
        Dry bulk density, t/m3 (== g/cm3), in (0, 5].
    source : {"given", "measured", "default"}
        ``given``: stated by the user (option, config file, YAML - even when it equals the default);
        ``measured``: the mean of measured core densities; ``default``: :data:`DEFAULT_DENSITY_T_M3`.
    where : str
        Which file or option gave it (for messages), empty for the default.

    >>> DensitySpec.resolve(None).source, DensitySpec.resolve(0.55, "--density").source
    ('default', 'given')
    >>> DensitySpec.resolve(0.55, "--density").blocks_density, DensitySpec.default().blocks_density is None
    (0.55, True)
    """

    value_t_m3: float = DEFAULT_DENSITY_T_M3
    source: str = "default"
    where: str = ""

    def __post_init__(self) -> None:
        lo, hi = DENSITY_RANGE_T_M3
        value = self.value_t_m3
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo < float(value) <= hi:
            at = f" ({self.where})" if self.where else ""
            raise ValueError(f"dry bulk density{at} = {value!r}: give a density in t/m3 (== g/cm3) in "
                             f"({lo:g}, {hi:g}]; red clay is ~{DEFAULT_DENSITY_T_M3:g}")
        if self.source not in DENSITY_SOURCES:
            raise ValueError(f"DensitySpec.source = {self.source!r}: use one of {DENSITY_SOURCES}")
        object.__setattr__(self, "value_t_m3", float(value))

    @classmethod
    def default(cls) -> DensitySpec:
        """The stated default (:data:`DEFAULT_DENSITY_T_M3`, basis :data:`DENSITY_BASIS`)."""
        return cls(DEFAULT_DENSITY_T_M3, "default")

    @classmethod
    def resolve(cls, given: float | DensitySpec | None, where: str = "") -> DensitySpec:
        """``given`` (a value or a spec) as a spec; ``None`` = the default. A value is always "given"."""
        if isinstance(given, DensitySpec):
            return given
        return cls.default() if given is None else cls(given, "given", where)

    @classmethod
    def measured(cls, values, where: str = "measured cores") -> DensitySpec:
        """The mean of measured dry bulk densities (NaN ignored); raises when none is finite."""
        arr = np.asarray(values, dtype=float)
        ok = arr[np.isfinite(arr)]
        if not len(ok):
            raise ValueError(f"no measured dry bulk density in {where}")
        return cls(float(ok.mean()), "measured", where)

    @property
    def is_given(self) -> bool:
        """True when a user stated the density (not the default, not measured)."""
        return self.source == "given"

    @property
    def blocks_density(self) -> float | None:
        """The ``density_t_m3`` argument of :func:`reymud.resource.blocks_table` (None = the stated default)."""
        return None if self.source == "default" else self.value_t_m3

    def describe(self) -> str:
        """E.g. ``0.55 t/m3 (stated default)`` or ``0.6 t/m3 (given: --density)``."""
        label = {"default": "stated default", "given": "given", "measured": "measured mean"}[self.source]
        return f"{self.value_t_m3:g} t/m3 ({label}{': ' + self.where if self.where else ''})"


def _check_fraction(name: str, value: float | None, upper: float | None = None) -> None:
    if value is None:
        return
    if not value == value or value < 0 or (upper is not None and value > upper):  # NaN-safe
        bound = f" and <= {upper}" if upper is not None else ""
        raise ValueError(f"ClassificationRules.{name} = {value!r}: must be >= 0{bound}")


@dataclass(frozen=True)
class ClassificationRules:
    """Measured / Indicated / Inferred rules for blocks estimated from sparse piston cores.

    A block takes the highest class whose every criterion it meets; blocks outside the area of
    interest (``inside`` false), without a grade, or failing the Inferred criteria are
    ``unclassified`` (not a resource). Distances are fractions of the variogram range
    (the longest structure's major range), so the rules scale with the measured continuity.

    Parameters
    ----------
    range_m : float or None
        Variogram range (m). ``None``: the block model's ``variogram_range_m`` attribute (written
        by the spatial stage, :func:`reymud.spatial.blockmodel.variogram_attrs`).
    distance_variable : str
        Block-model variable measuring distance to data: ``nearest_core_m`` (default) or
        ``mean_distance_m``.
    measured_max_range_fraction, indicated_max_range_fraction, inferred_max_range_fraction : float
        Largest distance to the nearest core, as a fraction of the range (1/3, 2/3, 1).
    measured_min_cores, indicated_min_cores, inferred_min_cores : int
        Fewest cores in the search neighbourhood (3, 2, 1).
    measured_min_slope, indicated_min_slope : float or None
        Smallest slope of regression (0.8, 0.5); ``None`` switches the criterion off. A block
        without a slope (non-kriging estimator, NaN) fails an active slope criterion.
    measured_min_kriging_efficiency, indicated_min_kriging_efficiency : float or None
        Optional kriging-efficiency thresholds (off by default).
    max_class_with_assumed_density : str or None
        Highest class a block may take when its dry bulk density is an assumption (no finite
        ``density_t_m3`` in the block model): ``"indicated"`` by default, since JORC/CRIRSCO
        Measured tonnage needs measured density; ``None`` switches the cap off.
    measured_max_distance_m, indicated_max_distance_m, inferred_max_distance_m : float or None
        Optional absolute caps (m) on the distance criteria, applied with the range fractions
        (the smaller wins); off by default.
    measured_max_range_to_extent : float or None
        Variogram-resolution rule: no block is Measured when the fitted range exceeds this multiple
        of the survey extent (bounding-box diagonal of the cores; default 1.0: a range beyond the
        survey is a trend symptom, not a result). ``None`` switches it off.
    measured_min_pairs_per_lag, measured_min_reliable_lags : int or None
        Variogram-resolution rule: no block is Measured unless at least ``measured_min_reliable_lags``
        (default 3) lag classes at or below the fitted range hold ``measured_min_pairs_per_lag``
        (default 30, Journel & Huijbregts 1978) pairs or more. ``None`` switches it off.
    measured_min_loo_correlation : float or None
        Variogram-resolution rule: no block is Measured when the leave-one-out correlation of the
        plan's kriging is below this (default 0.5). ``None`` switches it off.

    Notes
    -----
    The three resolution rules read the facts ``reymud estimate`` / ``assess`` store in the block
    model (``attrs["variogram_resolution"]``, :func:`reymud.spatial.variogram.plan_resolution`);
    when a rule fails, blocks that would be Measured are Indicated, and the reason is recorded.
    A block model without those facts is classified without the rules, and says so.
    """

    range_m: float | None = None
    distance_variable: str = "nearest_core_m"
    measured_max_range_fraction: float = 1.0 / 3.0
    indicated_max_range_fraction: float = 2.0 / 3.0
    inferred_max_range_fraction: float = 1.0
    measured_min_cores: int = 3
    indicated_min_cores: int = 2
    inferred_min_cores: int = 1
    measured_min_slope: float | None = 0.8
    indicated_min_slope: float | None = 0.5
    measured_min_kriging_efficiency: float | None = None
    indicated_min_kriging_efficiency: float | None = None
    max_class_with_assumed_density: str | None = "indicated"
    measured_max_distance_m: float | None = None
    indicated_max_distance_m: float | None = None
    inferred_max_distance_m: float | None = None
    measured_max_range_to_extent: float | None = 1.0
    measured_min_pairs_per_lag: int | None = 30
    measured_min_reliable_lags: int = 3
    measured_min_loo_correlation: float | None = 0.5

    def __post_init__(self) -> None:
        self._check_resolution_rules()
        self._check_options()
        self._check_ladder()

    def _check_resolution_rules(self) -> None:
        """The variogram-resolution rules: positive thresholds or null (off)."""
        for name in ("measured_max_range_to_extent", "measured_min_pairs_per_lag"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"ClassificationRules.{name} = {value!r}: must be > 0 or null (off)")
        if not self.measured_min_reliable_lags >= 1:
            raise ValueError(f"ClassificationRules.measured_min_reliable_lags = {self.measured_min_reliable_lags!r}: "
                             "must be >= 1")
        if self.measured_min_loo_correlation is not None and not -1 <= self.measured_min_loo_correlation <= 1:
            raise ValueError(f"ClassificationRules.measured_min_loo_correlation = "
                             f"{self.measured_min_loo_correlation!r}: must be in [-1, 1] or null (off)")

    def _check_options(self) -> None:
        """Density cap, absolute distance caps, range and distance variable."""
        if self.max_class_with_assumed_density not in (None, "measured", "indicated", "inferred"):
            raise ValueError(
                f"ClassificationRules.max_class_with_assumed_density = {self.max_class_with_assumed_density!r}: "
                "use measured, indicated, inferred or null"
            )
        for name in ("measured_max_distance_m", "indicated_max_distance_m", "inferred_max_distance_m"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"ClassificationRules.{name} = {value!r}: give a positive distance in m or null")
        if self.range_m is not None and not (self.range_m > 0):
            raise ValueError(f"ClassificationRules.range_m = {self.range_m!r}: must be a positive distance in m")
        if self.distance_variable not in ("nearest_core_m", "mean_distance_m"):
            raise ValueError(
                f"ClassificationRules.distance_variable = {self.distance_variable!r}: "
                "use 'nearest_core_m' or 'mean_distance_m'"
            )

    def _check_ladder(self) -> None:
        """Measured -> Indicated -> Inferred: fractions, core counts, slopes and efficiencies in order."""
        fr = (self.measured_max_range_fraction, self.indicated_max_range_fraction,
              self.inferred_max_range_fraction)
        for name, value in zip(("measured", "indicated", "inferred"), fr, strict=True):
            _check_fraction(f"{name}_max_range_fraction", value)
        if not fr[0] <= fr[1] <= fr[2]:
            raise ValueError(
                f"ClassificationRules range fractions must not decrease from measured to inferred, got {fr}"
            )
        cores = (self.measured_min_cores, self.indicated_min_cores, self.inferred_min_cores)
        if min(cores) < 0 or not cores[0] >= cores[1] >= cores[2]:
            raise ValueError(
                f"ClassificationRules min cores must be >= 0 and not increase from measured to inferred, got {cores}"
            )
        for name in ("measured_min_slope", "indicated_min_slope"):
            _check_fraction(name, getattr(self, name))
        for name in ("measured_min_kriging_efficiency", "indicated_min_kriging_efficiency"):
            value = getattr(self, name)
            if value is not None and not value <= 1:
                raise ValueError(f"ClassificationRules.{name} = {value!r}: must be <= 1")

    def describe(self) -> pd.DataFrame:
        """The rules as a table (parameter, value, unit, basis)."""
        rng = "from block model" if self.range_m is None else f"{self.range_m:g}"
        rows = [
            ("range_m", rng, "m", "variogram range (longest structure, major axis)"),
            ("distance_variable", self.distance_variable, "-", "distance from block centre to data"),
        ]
        basis = {
            "max_range_fraction": "judgement default: ~1/3, 2/3, 1 of the range for M/I/Inf (sparse cores)",
            "min_cores": "judgement default: cores in the search neighbourhood",
            "min_slope": "judgement default: slope of regression >= 0.8 Measured, >= 0.5 Indicated",
            "min_kriging_efficiency": "optional; off unless set",
            "max_class_with_assumed_density": "judgement default: no Measured tonnage on an assumed density (JORC Table 1)",
            "max_distance_m": "optional absolute cap on the distance (m); off unless set",
            "max_range_to_extent": "variogram resolution: no Measured when the range exceeds the survey extent",
            "min_pairs_per_lag": "variogram resolution: no Measured unless the reliable-lag count holds "
                                 "(Journel & Huijbregts 1978: >= 30 pairs per lag)",
            "min_reliable_lags": "variogram resolution: lag classes within the range with enough pairs",
            "min_loo_correlation": "variogram resolution: no Measured when leave-one-out correlation is lower",
        }
        for f in dataclasses.fields(self)[2:]:
            value = getattr(self, f.name)
            key = next(k for k in basis if f.name.endswith(k))
            shown = "off" if value is None else (f"{value:.3g}" if isinstance(value, float) else str(value))
            unit = "x range" if "fraction" in f.name else ("m" if f.name.endswith("_m") else "-")
            rows.append((f.name, shown, unit, basis[key]))
        return pd.DataFrame(rows, columns=["parameter", "value", "unit", "basis"])

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any], where: str = "rules") -> ClassificationRules:
        """Rules from a mapping of field names (unknown keys raise, naming ``where``)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(mapping) - names)
        if unknown:
            raise ValueError(
                f"{where}: unknown classification rule(s) {unknown}; allowed keys: {sorted(names)}"
            )
        return cls(**mapping)

    @classmethod
    def from_yaml(cls, path: str | Path) -> ClassificationRules:
        """Read rules from a YAML file (top-level keys, or under ``classification:``)."""
        import yaml

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"classification rules file {path} does not exist")
        with open(path, encoding="utf-8") as fh:
            content = yaml.safe_load(fh) or {}
        if not isinstance(content, dict):
            raise ValueError(f"{path}: expected a mapping of rule names to values, got {type(content).__name__}")
        content = content.get("classification", content)
        return cls.from_mapping(content, where=str(path))


def variogram_range_m(attrs: dict[str, Any]) -> float | None:
    """The variogram range (m) the spatial stage recorded in block-model attributes, or ``None``.

    Reads the named attribute ``variogram_range_m`` (the longest structure's major range of the
    total REY model, :func:`reymud.spatial.blockmodel.variogram_attrs`); the resource stage does
    not parse the spatial stage's model JSON. A block model written without it (before reymud
    named the attribute) needs re-estimating, or ``ClassificationRules(range_m=...)``.
    """
    value = attrs.get("variogram_range_m")
    return None if value is None else float(value)


@dataclass(frozen=True)
class ResourceConfig:
    """Parameters of a resource statement.

    Parameters
    ----------
    density_t_m3 : float
        Default dry bulk density (t/m3 == g/cm3), used where the data carry none.
    density_source : {"default", "given", "measured"}
        Where ``density_t_m3`` comes from (:class:`DensitySpec`); ``from_yaml`` sets "given" when the
        file states a density. A value other than the default is always "given".
    density_basis : str
        Why that density (printed with every statement).
    cutoffs : tuple of float
        Reporting cut-offs in the units of ``cutoff_variable``.
    cutoff_variable : str
        ``total_rey_ppm``, ``treo_ppm`` or ``value_usd_t``.
    rules : ClassificationRules
        Measured / Indicated / Inferred rules.
    price_year : str
        Column of the packaged USGS price table used for ``value_usd_t`` when no prices are given.
    """

    density_t_m3: float = DEFAULT_DENSITY_T_M3
    density_basis: str = DENSITY_BASIS
    cutoffs: tuple[float, ...] = DEFAULT_CUTOFFS_PPM
    cutoff_variable: str = "total_rey_ppm"
    rules: ClassificationRules = field(default_factory=ClassificationRules)
    price_year: str = _defaults.PRICE_YEAR
    density_source: str = "default"

    def __post_init__(self) -> None:
        if not (self.density_t_m3 > 0) or self.density_t_m3 > DENSITY_RANGE_T_M3[1]:
            raise ValueError(
                f"ResourceConfig.density_t_m3 = {self.density_t_m3!r}: give a dry bulk density in t/m3 "
                "(== g/cm3) between 0 and 5; red clay is ~0.55"
            )
        if self.density_source == "default" and self.density_t_m3 != DEFAULT_DENSITY_T_M3:
            object.__setattr__(self, "density_source", "given")
        DensitySpec(self.density_t_m3, self.density_source)  # checks the source
        if self.cutoff_variable not in ("total_rey_ppm", "treo_ppm", "value_usd_t"):
            raise ValueError(
                f"ResourceConfig.cutoff_variable = {self.cutoff_variable!r}: use total_rey_ppm, treo_ppm "
                "or value_usd_t"
            )
        object.__setattr__(self, "cutoffs", tuple(float(c) for c in self.cutoffs))

    @classmethod
    def from_yaml(cls, path: str | Path) -> ResourceConfig:
        """Read a config from YAML: top-level ``density_t_m3``, ``cutoffs``, ``cutoff_variable``,
        ``price_year`` and a ``classification:`` section; a file holding only rule names is
        read as the classification section (unknown keys raise, naming the file).
        """
        import yaml

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"resource config file {path} does not exist")
        with open(path, encoding="utf-8") as fh:
            content = yaml.safe_load(fh) or {}
        if not isinstance(content, dict):
            raise ValueError(f"{path}: expected a mapping, got {type(content).__name__}")
        rule_names = {f.name for f in dataclasses.fields(ClassificationRules)}
        if "classification" not in content and set(content) <= rule_names:
            content = {"classification": content}
        own = {"density_t_m3", "density_basis", "density_source", "cutoffs", "cutoff_variable", "price_year",
               "classification"}
        unknown = sorted(set(content) - own)
        if unknown:
            raise ValueError(f"{path}: unknown key(s) {unknown}; allowed: {sorted(own)} and rule names under "
                             "'classification:'")
        rules = ClassificationRules.from_mapping(content.pop("classification", None) or {}, where=str(path))
        if "cutoffs" in content and not isinstance(content["cutoffs"], (list, tuple)):
            content["cutoffs"] = [content["cutoffs"]]
        if "density_t_m3" in content and "density_source" not in content:
            content["density_source"] = "given"  # stated in the file, even when it equals the default
        return cls(rules=rules, **content)

    @property
    def density(self) -> DensitySpec:
        """The density and its source as a :class:`DensitySpec`."""
        return DensitySpec(self.density_t_m3, self.density_source)

    @classmethod
    def with_density(cls, density: DensitySpec, **fields: Any) -> ResourceConfig:
        """A config whose density is ``density`` (value and source)."""
        return cls(density_t_m3=density.value_t_m3, density_source=density.source, **fields)

    def _density_basis_text(self) -> str:
        """The density's basis as it was reached: the default's stated basis only for the default value."""
        if self.density_basis != DENSITY_BASIS or self.density_source == "default":
            return self.density_basis  # the default, or a basis the user wrote
        if self.density_source == "measured":
            return "measured: mean of the cores' measured dry bulk densities (a data column takes precedence per block)"
        return (f"given: {self.density_t_m3:g} t/m3 stated by the user (the default would be "
                f"{DEFAULT_DENSITY_T_M3:g} t/m3); a density_t_m3 column in the data takes precedence")

    def describe(self) -> pd.DataFrame:
        """All stated defaults as one table (parameter, value, unit, basis)."""
        head = pd.DataFrame(
            [
                ("density_t_m3", f"{self.density_t_m3:g}", "t/m3", self._density_basis_text()),
                ("cutoffs", ", ".join(f"{c:g}" for c in self.cutoffs), self.cutoff_variable,
                 "reporting cut-offs; 400 ppm = REY-rich threshold (Kato 2011)"),
                ("cutoff_variable", self.cutoff_variable, "-", "grade the cut-off applies to"),
                ("price_year", self.price_year, "-", "USGS MCS 2026 oxide prices for value_usd_t"),
            ],
            columns=["parameter", "value", "unit", "basis"],
        )
        return pd.concat([head, self.rules.describe()], ignore_index=True)
