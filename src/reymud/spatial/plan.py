"""One estimation plan: every choice that shapes a block model and its resource statement.

:class:`EstimationPlan` is a frozen dataclass built from :mod:`reymud.defaults`. The CLI
(``reymud estimate|resource|validate|simulate|assess --plan plan.yaml``), the assessment and the
Python API build it the same way (:meth:`EstimationPlan.from_yaml` then keyword overrides), print
it with :meth:`EstimationPlan.describe` and store :meth:`EstimationPlan.to_dict` with the results,
so one project and one plan give one block model.

Examples
--------
>>> plan = EstimationPlan(cell_m=500.0, trend="linear")
>>> plan.window
(0.0, 10.0)
>>> EstimationPlan.from_dict({"cell_m": 500, "trend": "linear"}) == plan
True
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reymud import defaults
from reymud.cores.support import DEFAULT_MAX_GAP_M, SUPPORT_RULES
from reymud.spatial.covariance import STRUCTURE_KINDS
from reymud.spatial.kriging_core import DRIFTS
from reymud.spatial.variogram import WEIGHTINGS

__all__ = ["CUTOFF_BASES", "PLAN_SOURCES", "SLICE_TOTALS", "TRENDS", "EstimationPlan", "PlanError", "resolve_plan", "store_plan"]

#: Trend options: none (ordinary kriging), or a linear / quadratic drift in easting/northing.
TRENDS: tuple[str, ...] = DRIFTS
#: Where a cut-off is applied: to the window's column average, or to each selective-mining slice.
CUTOFF_BASES: tuple[str, ...] = ("column", "slice")
#: How a 3-D model's depth slices total up per block: rescaled to the 2-D column model of the same window
#: (thickness and metal, the stratiform practice of constraining slices to the seam), or each slice alone.
SLICE_TOTALS: tuple[str, ...] = ("column", "independent")
_WEIGHTINGS: tuple[str, ...] = tuple(WEIGHTINGS)
_TRANSFORMS: tuple[str | None, ...] = ("nscore", None)
#: Where :func:`resolve_plan` took a plan from, first match wins (``"--plan FILE"`` names the file).
PLAN_SOURCES: tuple[str, ...] = ("--plan FILE", "project", "defaults")


class PlanError(ValueError):
    """An estimation plan that cannot be used (the message names the key and the source)."""


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class EstimationPlan:
    """Every estimation choice, with units in the names.

    Parameters
    ----------
    area : str or None
        Area of interest: a ``minlon,minlat,maxlon,maxlat`` box or a GeoJSON polygon file (lon/lat,
        WGS84); None = the default, the cores' convex hull plus ``margin_m``.
    crs : str or None
        Projected CRS; None = the UTM zone of the cores' mean longitude.
    cell_m : float
        Block size (square, metres).
    margin_m : float
        Margin around the cores' convex hull for the default area (metres).
    block_discretisation : tuple of int
        Points per block for block kriging (easting, northing).
    max_samples, min_samples : int
        Kriging neighbourhood (cores used per block).
    search_radius_m : float or None
        Search radius (metres); None = unlimited.
    variogram_kinds : tuple of str
        Nested structures fitted to each variable (one per kind).
    variogram_weighting : str
        Weighting of the variogram fit: ``"npairs_h2"`` (gstat's default N/h^2), ``"npairs"``,
        ``"cressie"`` or ``"equal"``.
    n_lags : int
        Experimental variogram lag classes.
    max_lag_fraction : float
        Largest lag as a fraction of the largest inter-core distance.
    variogram_models : mapping or None
        Given models, variable -> ``VariogramModel.to_dict()``; these are used instead of a fit.
    trend : {"none", "linear", "quadratic"}
        Drift in easting/northing (universal kriging); the variogram is fitted on residuals.
    window_top_mbsf, window_base_mbsf : float
        Depth window, metres below seafloor.
    support_rule : {"midpoint", "sample"}
        Interval a sample stands for: to the midpoints between neighbouring samples (capped by
        ``support_max_gap_m``) or the sample's own length.
    support_max_gap_m : float
        Largest interval a spot sample is extended over (metres).
    slice_m : float or None
        Thickness of the depth slices of a 3-D model (metres); None = 2-D only.
    slice_totals : {"column", "independent"}
        How the slices of a 3-D model total up per block. ``"column"``: each slice is kriged alone,
        then the slices of every block are rescaled so their thickness (dry tonnage) and metal sum to
        the 2-D model of the window (``estimate_block_model_3d(column=...)``), so the 2-D and 3-D
        models agree at zero cut-off whatever the trend. ``"independent"``: the slices as kriged
        (each slice's own drift may extrapolate differently from the column's).
    smu_thickness_m : float
        Selective mining unit thickness (metres) used when ``cutoff_basis="slice"``.
    cutoff_basis : {"column", "slice"}
        Cut-off applied to the window's column average grade or to each SMU slice.
    cutoffs_ppm : tuple of float
        Cut-offs of the resource statement (total REY, ppm); 0 is always reported as well.
    cv_folds : str or int
        Cross-validation: ``"loo"`` or a number of folds.
    n_realizations : int
        Conditional simulation realisations.
    seed : int
        Random seed of the simulation.
    simulation_transform : {"nscore", None}
        Simulate in normal-score space, or the values directly.
    sim_cell_m : float or None
        Simulation block size; None = ``cell_m`` (the estimate's own blocks).
    """

    area: str | None = None
    crs: str | None = None
    cell_m: float = defaults.CELL_M
    margin_m: float = defaults.MARGIN_M
    block_discretisation: tuple[int, int] = defaults.BLOCK_DISCRETISATION
    max_samples: int = defaults.MAX_SAMPLES
    min_samples: int = defaults.MIN_SAMPLES
    search_radius_m: float | None = None
    variogram_kinds: tuple[str, ...] = ("spherical",)
    variogram_weighting: str = "npairs_h2"
    n_lags: int = defaults.N_LAGS
    max_lag_fraction: float = 0.5
    variogram_models: Mapping[str, Any] | None = field(default=None, hash=False)
    trend: str = "none"
    window_top_mbsf: float = defaults.WINDOW_MBSF[0]
    window_base_mbsf: float = defaults.WINDOW_MBSF[1]
    support_rule: str = "midpoint"
    support_max_gap_m: float = DEFAULT_MAX_GAP_M
    slice_m: float | None = None
    slice_totals: str = "column"
    smu_thickness_m: float = 1.0
    cutoff_basis: str = "column"
    cutoffs_ppm: tuple[float, ...] = defaults.CUTOFFS_PPM
    cv_folds: str | int = "loo"
    n_realizations: int = defaults.N_REALIZATIONS
    seed: int = defaults.SEED
    simulation_transform: str | None = "nscore"
    sim_cell_m: float | None = None

    def __post_init__(self) -> None:
        for name in ("block_discretisation", "variogram_kinds", "cutoffs_ppm"):
            object.__setattr__(self, name, _tuple(getattr(self, name)))
        object.__setattr__(self, "cutoffs_ppm", tuple(float(c) for c in self.cutoffs_ppm))
        bd = self.block_discretisation
        checks = [
            (self.cell_m > 0, "cell_m", "must be > 0 metres"),
            (self.margin_m >= 0, "margin_m", "must be >= 0 metres"),
            (len(bd) == 2 and all(isinstance(n, int) and n >= 1 for n in bd), "block_discretisation",
             "must be two integers >= 1, e.g. [4, 4]"),
            (1 <= self.min_samples <= self.max_samples, "min_samples", "need 1 <= min_samples <= max_samples"),
            (self.search_radius_m is None or self.search_radius_m > 0, "search_radius_m", "must be > 0 or null"),
            (len(self.variogram_kinds) > 0 and all(k in STRUCTURE_KINDS for k in self.variogram_kinds),
             "variogram_kinds", f"each must be one of {STRUCTURE_KINDS}"),
            (self.variogram_weighting in _WEIGHTINGS, "variogram_weighting", f"must be one of {_WEIGHTINGS}"),
            (self.n_lags >= 2, "n_lags", "must be >= 2"),
            (0 < self.max_lag_fraction <= 1, "max_lag_fraction", "must be in (0, 1]"),
            (self.variogram_models is None or isinstance(self.variogram_models, Mapping), "variogram_models",
             "must be a mapping variable -> model"),
            (self.trend in TRENDS, "trend", f"must be one of {TRENDS}"),
            (self.window_base_mbsf > self.window_top_mbsf >= 0, "window_base_mbsf",
             "must exceed window_top_mbsf (both >= 0)"),
            (self.support_rule in SUPPORT_RULES, "support_rule", f"must be one of {SUPPORT_RULES}"),
            (self.support_max_gap_m > 0, "support_max_gap_m", "must be > 0 metres"),
            (self.slice_m is None or self.slice_m > 0, "slice_m", "must be > 0 metres or null"),
            (self.slice_totals in SLICE_TOTALS, "slice_totals", f"must be one of {SLICE_TOTALS}"),
            (0 < self.smu_thickness_m <= self.window_base_mbsf - self.window_top_mbsf, "smu_thickness_m",
             "must be > 0 and no thicker than the window"),
            (self.cutoff_basis in CUTOFF_BASES, "cutoff_basis", f"must be one of {CUTOFF_BASES}"),
            (len(self.cutoffs_ppm) > 0 and min(self.cutoffs_ppm) >= 0, "cutoffs_ppm",
             "needs at least one cut-off >= 0"),
            (self.cv_folds == "loo" or (isinstance(self.cv_folds, int) and self.cv_folds >= 2), "cv_folds",
             "must be 'loo' or an integer >= 2"),
            (self.n_realizations >= 2, "n_realizations", "must be >= 2 (for P10/P50/P90)"),
            (self.simulation_transform in _TRANSFORMS, "simulation_transform", "must be 'nscore' or null"),
            (self.sim_cell_m is None or self.sim_cell_m > 0, "sim_cell_m", "must be > 0 metres or null"),
        ]
        for ok, key, message in checks:
            if not ok:
                raise PlanError(f"EstimationPlan: {key} {message} (got {getattr(self, key)!r})")

    # ------------------------------------------------------------------ derived
    @property
    def window(self) -> tuple[float, float]:
        """Depth window ``(top, base)`` in mbsf."""
        return float(self.window_top_mbsf), float(self.window_base_mbsf)

    @property
    def window_length_m(self) -> float:
        """Length of the depth window (metres): the largest thickness a block can have."""
        return float(self.window_base_mbsf - self.window_top_mbsf)

    @property
    def simulation_cell_m(self) -> float:
        """Block size of the simulation grid (metres)."""
        return float(self.sim_cell_m or self.cell_m)

    def neighbourhood(self):
        """The kriging :class:`~reymud.spatial.Neighbourhood` of the plan."""
        from reymud.spatial.neighbourhood import Neighbourhood

        return Neighbourhood(max_samples=self.max_samples, min_samples=self.min_samples,
                             radius_m=self.search_radius_m)

    def support(self):
        """The :class:`~reymud.cores.SampleSupport` of the plan."""
        from reymud.cores.support import SampleSupport

        return SampleSupport(rule=self.support_rule, max_gap_m=self.support_max_gap_m)

    def area_of_interest(self, lon, lat, crs: str | None = None):
        """The plan's :class:`~reymud.spatial.area.AreaOfInterest`: the given one or the default.

        Parameters
        ----------
        lon, lat : array-like
            Core positions (degrees WGS84) for the default convex hull plus ``margin_m``.
        crs : str, optional
            Projected CRS of the default's buffer; default the plan's, else the UTM zone.
        """
        from reymud.spatial.area import AreaOfInterest

        if self.area is not None:
            return AreaOfInterest.from_arg(self.area)
        return AreaOfInterest.default(lon, lat, self.margin_m, crs=crs or self.crs)

    # ------------------------------------------------------------------ I/O
    def replace(self, **changes: Any) -> EstimationPlan:
        """A copy with ``changes`` applied; keys whose value is None are ignored (unset options)."""
        return self.from_dict({**self.to_dict(), **{k: v for k, v in changes.items() if v is not None}},
                              source="overrides")

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON/YAML-ready dict of every field (tuples as lists)."""
        out = dataclasses.asdict(self)
        out["variogram_models"] = None if self.variogram_models is None else dict(self.variogram_models)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], source: str = "plan") -> EstimationPlan:
        """Build a plan from a mapping; unknown keys raise :class:`PlanError` naming them."""
        if not isinstance(mapping, Mapping):
            raise PlanError(f"{source}: expected a mapping of key: value, got {type(mapping).__name__}")
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(mapping) - set(names))
        if unknown:
            raise PlanError(f"{source}: unknown key(s) {unknown}; valid keys are {names}")
        kwargs = {k: _tuple(v) for k, v in mapping.items()}
        if isinstance(kwargs.get("block_discretisation"), tuple):
            kwargs["block_discretisation"] = tuple(int(n) if float(n).is_integer() else n
                                                   for n in kwargs["block_discretisation"])
        try:
            return cls(**kwargs)
        except PlanError as exc:
            raise PlanError(f"{source}: {exc}") from None
        except TypeError as exc:
            raise PlanError(f"{source}: {exc}") from None

    @classmethod
    def from_yaml(cls, path: str | Path | None, **overrides: Any) -> EstimationPlan:
        """Read a YAML plan (None = the defaults), then apply ``overrides`` (None values ignored)."""
        loaded: Any = {}
        source = "defaults"
        if path is not None:
            path = Path(path)
            source = f"plan {path}"
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise PlanError(f"cannot read plan {path}: {exc}") from exc
        plan = cls.from_dict(loaded, source=source)
        return plan.replace(**overrides) if overrides else plan

    def describe(self, source: str | None = None) -> str:
        """Human-readable, one choice a line, for printing beside the results.

        ``source`` (from :func:`resolve_plan`) is printed as a first ``plan source`` line.
        """
        area = self.area or f"default: convex hull of the cores + {self.margin_m:,.0f} m margin"
        cut = (f"per {self.smu_thickness_m:g} m slice (selective mining unit)" if self.cutoff_basis == "slice"
               else "per column (window average grade)")
        models = "fitted" if not self.variogram_models else f"given for {sorted(self.variogram_models)}"
        lines = [("plan source", source)] if source else []
        lines += [
            ("area of interest", area),
            ("CRS", self.crs or "UTM zone of the mean longitude"),
            ("blocks", f"{self.cell_m:,.0f} m, discretised {self.block_discretisation[0]}x"
                       f"{self.block_discretisation[1]}"),
            ("neighbourhood", f"{self.min_samples}-{self.max_samples} cores, radius "
                              f"{'unlimited' if self.search_radius_m is None else f'{self.search_radius_m:,.0f} m'}"),
            ("variogram", f"{models}; {'+'.join(self.variogram_kinds)}, {self.n_lags} lags to "
                          f"{self.max_lag_fraction:g} x max distance, weighting {self.variogram_weighting}"),
            ("trend", self.trend),
            ("depth window", f"{self.window_top_mbsf:g}-{self.window_base_mbsf:g} mbsf"),
            ("sample support", f"{self.support_rule} (max gap {self.support_max_gap_m:g} m)"),
            ("slices", "2-D only" if self.slice_m is None else f"{self.slice_m:g} m"),
            ("slice totals", "rescaled to the 2-D column model per block (thickness, metal)"
                             if self.slice_totals == "column" else "independent (each slice kriged alone)"),
            ("cut-off", f"{', '.join(f'{c:g}' for c in self.cutoffs_ppm)} ppm total REY, {cut}"),
            ("cross-validation", str(self.cv_folds)),
            ("simulation", f"{self.n_realizations} realisations, seed {self.seed}, transform "
                           f"{self.simulation_transform or 'none'}, {self.simulation_cell_m:,.0f} m blocks"),
        ]
        width = max(len(k) for k, _ in lines)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in lines)


def store_plan(project: Any, plan: str | Mapping[str, Any] | EstimationPlan | None, source: str = "plan") -> None:
    """Validate ``plan`` and store it in ``project`` (``None`` removes the project's plan).

    ``plan`` is YAML/JSON text, a mapping or an :class:`EstimationPlan`; it is validated with
    :meth:`EstimationPlan.from_dict` first, so an invalid plan raises :class:`PlanError` (naming
    ``source`` and the key) and nothing is written. Text is stored as given; mappings and plans as YAML.
    """
    if plan is None:
        project.set_plan_text(None)
        return
    if isinstance(plan, EstimationPlan):
        plan = plan.to_dict()
    if isinstance(plan, str):
        text = plan
        try:
            mapping = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise PlanError(f"{source}: not valid YAML/JSON ({exc})") from None
    else:
        mapping = plan
        text = yaml.safe_dump(json.loads(json.dumps(dict(mapping), default=_plain)), sort_keys=False)
    if not isinstance(mapping, Mapping):
        raise PlanError(f"{source}: a plan is a mapping of plan keys, got {type(mapping).__name__}")
    EstimationPlan.from_dict(mapping, source=source)  # raises before anything is stored
    project.set_plan_text(text)


def _plain(obj: Any) -> Any:
    """JSON fallback for plan mappings: numpy scalars and arrays, tuples, paths."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def resolve_plan(project: Any = None, plan_file: str | Path | None = None,
                 **overrides: Any) -> tuple[EstimationPlan, str]:
    """THE plan of a run, and where it came from; every entry point resolves it here.

    First match wins: ``plan_file`` (source ``"--plan FILE"``, e.g. ``"--plan survey.yaml"``), the
    plan stored in the project (:func:`store_plan`, source ``"project"``), the
    defaults of :mod:`reymud.defaults` (source ``"defaults"``). ``overrides`` (a command's options;
    None values are ignored) then apply on top.

    Parameters
    ----------
    project : reymud.store.Project, str, Path or None
        An open project, or a project path (opened read-only for the lookup); None = no project.
    plan_file : str or Path, optional
        YAML/JSON plan file.
    **overrides
        Plan fields to set (e.g. ``cell_m=500.0``).

    Returns
    -------
    (EstimationPlan, str)
        The plan and its source (``"--plan FILE"`` with the file's path, ``"project"`` or ``"defaults"``).

    Raises
    ------
    PlanError
        A missing or unreadable plan file, or an invalid stored plan (named).
    """
    if plan_file is not None:
        if not Path(plan_file).exists():
            raise PlanError(f"--plan {plan_file} not found")
        return EstimationPlan.from_yaml(plan_file, **overrides), f"--plan {plan_file}"
    text = _project_plan_text(project)
    if text is None:
        return EstimationPlan.from_yaml(None, **overrides), "defaults"
    where = f"plan stored in project {getattr(project, 'path', project)}"
    try:
        loaded = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise PlanError(f"{where}: not valid YAML/JSON ({exc})") from None
    plan = EstimationPlan.from_dict(loaded, source=where)
    return (plan.replace(**overrides) if overrides else plan), "project"


def _project_plan_text(project: Any) -> str | None:
    """The stored plan text of an open project or a project path (None: no project or no plan)."""
    if project is None:
        return None
    if isinstance(project, (str, Path)):
        from reymud.store import Project

        with Project.open(project) as opened:
            return opened.plan_text()
    return project.plan_text()
