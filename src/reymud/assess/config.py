"""Every judgement default of the end-to-end assessment, stated in one place.

:class:`AssessConfig` is a frozen dataclass that COMPOSES the estimation stage's own config, the
:class:`~reymud.spatial.plan.EstimationPlan` (field ``estimation``), with the choices only the
assessment makes (layers, density, cluster, supply presets, report). Every plan field is still
accepted as a keyword and read as an attribute, so flat YAML files and options keep working:

>>> cfg = AssessConfig(cell_m=500.0, n_realizations=10)
>>> cfg.cell_m, cfg.estimation.cell_m, cfg.plan() is cfg.estimation
(500.0, 500.0, True)
>>> dataclasses.replace(cfg, seed=7).estimation.seed
7

Override any field with ``dataclasses.replace(AssessConfig(), cell_m=500.0)`` or load overrides from
YAML with :meth:`AssessConfig.from_yaml` (unknown keys raise a clear error).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reymud import defaults
from reymud.resource.config import DensitySpec
from reymud.spatial.plan import EstimationPlan

__all__ = ["AssessConfig"]

#: Plan fields an assessment does not take from a plan (models are fitted in the run).
_NOT_TAKEN = frozenset({"variogram_models"})

#: Plan fields readable and settable on :class:`AssessConfig` itself (flat YAML / options).
PLAN_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(EstimationPlan) if f.name not in _NOT_TAKEN)

#: Order of :meth:`AssessConfig.to_dict` (results.json ``provenance.parameters.assess``).
_DICT_ORDER: tuple[str, ...] = (
    "seed", "window_top_mbsf", "window_base_mbsf", "rey_threshold_ppm", "max_gap_m", "thickness_above_threshold",
    "crs", "cell_m", "margin_m", "n_lags", "max_lag_fraction", "variogram_kinds", "simulation_transform",
    "max_samples", "min_samples", "search_radius_m", "block_discretisation", "cv_folds", "cutoffs_ppm",
    "grade_tonnage_cutoffs_ppm", "density_t_m3", "n_realizations", "sim_cell_m", "n_workers",
    "threads_per_worker", "scheduler", "use_dask", "production_preset", "scenario", "crm_values_path",
    "status_date", "max_display_cells", "area", "trend", "variogram_weighting", "support_rule",
    "support_max_gap_m", "slice_m", "smu_thickness_m", "cutoff_basis", "slice_totals",
)


@dataclass(frozen=True)
class AssessConfig:
    """Parameters of :func:`reymud.assess.assess` (units in the names).

    Parameters
    ----------
    estimation : EstimationPlan
        The estimation choices (window, blocks, neighbourhood, variography, cut-offs, cross-validation,
        simulation, seed, ...), defaults from :mod:`reymud.defaults`. Each of its fields (except
        ``variogram_models``) may also be given as a keyword (``AssessConfig(cell_m=500.0)``), and is
        read as an attribute (``cfg.cell_m``); keywords override the given ``estimation``.
    rey_threshold_ppm : float
        Total REY at or above which mud counts as REY-rich (Kato et al. 2011: 400 ppm).
    max_gap_m : float
        Largest gap of leaner samples bridged inside one REY-rich layer.
    thickness_above_threshold : bool
        If True the estimated thickness is the REY-rich length inside the window (the "rey_rich"
        domain); if False it is the sampled length of the window (the "window" domain, default).
    grade_tonnage_cutoffs_ppm : tuple of float
        Cut-offs of the grade-tonnage curve.
    density_t_m3 : float or None
        Dry bulk density; None = the resource stage's stated default.
    n_workers, threads_per_worker : int
        Dask LocalCluster size when no ``scheduler`` address is given.
    scheduler : str or None
        Address of an existing Dask scheduler (e.g. ``tcp://10.0.0.5:8786``).
    use_dask : bool
        Run the simulation on Dask (False = in-process, same numbers).
    production_preset : str
        Production schedule preset (``"trial"``: the SIP trial lifting about 350 t/day).
    scenario : str or None
        Export-restriction scenario: a packaged example name or a YAML path; None = the
        supply stage's packaged example.
    crm_values_path : str or None
        CSV of certified CRM values (``crm_name, analyte, certified_value[, uncertainty_2sd]``);
        None = a ``*crm_values*.csv`` found in the project's files folder (the demo writes one).
    status_date : str or None
        ISO date of the export-control status; None = today (UTC).
    max_display_cells : int
        Largest number of cells drawn per map in the HTML report (grids are decimated beyond).
    plan_source : str or None
        Where ``estimation`` came from (:meth:`for_project`: ``"--plan FILE"``, ``"project"`` or
        ``"defaults"``, then what the config/options changed); None = given by the caller. Stored in
        ``results.json`` (``plan_source``, ``provenance.plan_source``); not a parameter of the numbers.
    """

    estimation: EstimationPlan = field(default_factory=EstimationPlan)
    rey_threshold_ppm: float = defaults.REY_THRESHOLD_PPM
    max_gap_m: float = 0.5
    thickness_above_threshold: bool = False
    grade_tonnage_cutoffs_ppm: tuple[float, ...] = tuple(float(c) for c in range(0, 3_001, 100))
    density_t_m3: float | None = None
    n_workers: int = 2
    threads_per_worker: int = 1
    scheduler: str | None = None
    use_dask: bool = True
    production_preset: str = "trial"
    scenario: str | None = None
    crm_values_path: str | None = None
    status_date: str | None = None
    max_display_cells: int = 40_000
    plan_source: str | None = None

    def __init__(self, estimation: EstimationPlan | None = None, **values: Any) -> None:
        plan_values = {k: values.pop(k) for k in PLAN_FIELDS if k in values}
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise TypeError(f"AssessConfig: unknown parameter(s) {unknown}")
        plan = EstimationPlan() if estimation is None else estimation
        if not isinstance(plan, EstimationPlan):
            raise TypeError(f"AssessConfig: estimation must be an EstimationPlan, got {type(plan).__name__}")
        object.__setattr__(self, "estimation", dataclasses.replace(plan, **plan_values) if plan_values else plan)
        for f in dataclasses.fields(self):
            if f.name != "estimation":
                default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
                object.__setattr__(self, f.name, values.get(f.name, default))
        self.__post_init__()

    def __post_init__(self) -> None:
        checks = [
            (self.rey_threshold_ppm >= 0, "rey_threshold_ppm must be >= 0"),
            (self.n_workers >= 1 and self.threads_per_worker >= 1, "n_workers and threads_per_worker >= 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"AssessConfig: {message}")
        if self.density_t_m3 is not None:  # the one density check (bounds of DensitySpec)
            DensitySpec.resolve(self.density_t_m3, "AssessConfig.density_t_m3")

    def __getattr__(self, name: str) -> Any:
        """Plan fields read through (``cfg.cell_m`` is ``cfg.estimation.cell_m``)."""
        if name in PLAN_FIELDS:
            return getattr(object.__getattribute__(self, "estimation"), name)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    @property
    def simulation_cell_m(self) -> float:
        """Block size of the simulation grid (metres)."""
        return float(self.sim_cell_m or self.cell_m)

    def plan(self) -> EstimationPlan:
        """The run's :class:`~reymud.spatial.plan.EstimationPlan` (the ``estimation`` field)."""
        return self.estimation

    @classmethod
    def from_plan(cls, plan: EstimationPlan, **overrides: Any) -> AssessConfig:
        """A config whose estimation choices are the plan's; ``overrides`` set the other fields."""
        if plan.variogram_models is not None:
            plan = dataclasses.replace(plan, variogram_models=None)  # the run fits its own models
        return cls.from_dict({"estimation": plan, **{k: v for k, v in overrides.items() if v is not None}},
                             where="plan")

    @classmethod
    def for_project(cls, project: Any, plan_file: str | Path | None = None, config_file: str | Path | None = None,
                    values: Mapping[str, Any] | None = None, **options: Any) -> AssessConfig:
        """The config of an assessment of ``project``: its ONE plan, then the given settings.

        The estimation choices come from :func:`reymud.spatial.plan.resolve_plan` (``plan_file``, else
        the plan the project stores, else the defaults), as every estimation command resolves them.
        Then, in order: ``config_file`` (YAML of fields) and ``values`` (a mapping, e.g. a web request
        body), whose plan fields apply unless a ``plan_file`` is given (the file's plan wins, as
        ``reymud assess --plan`` always did), and ``options`` (command-line options; None ignored).

        Parameters
        ----------
        project : reymud.store.Project, str, Path or None
            The project (open, or a path); None = no stored plan.
        plan_file, config_file : str or Path, optional
            YAML plan / YAML AssessConfig fields.
        values : mapping, optional
            AssessConfig fields (flat plan fields or a nested ``estimation`` mapping allowed).
        **options
            AssessConfig fields that override everything (None values ignored).

        Returns
        -------
        AssessConfig
            With ``plan_source`` saying where the plan came from and what changed it.
        """
        from reymud.spatial.plan import resolve_plan

        plan, source = resolve_plan(project, plan_file)
        given: dict[str, Any] = {}
        where = "config"
        if config_file is not None:
            given.update(_read_yaml(config_file))
            where = str(config_file)
        given.update(values or {})
        nested = given.pop("estimation", None)
        if isinstance(nested, EstimationPlan):
            nested = nested.to_dict()
        if nested is not None:
            given = {**dict(nested), **given}
        changed = [k for k in given if k in PLAN_FIELDS]
        if plan_file is not None:
            given = {k: v for k, v in given.items() if k not in PLAN_FIELDS}
            changed = []
        opts = {k: v for k, v in options.items() if v is not None}
        given.update(opts)
        if plan.variogram_models is not None:  # the run fits its own models
            plan = dataclasses.replace(plan, variogram_models=None)
        label = source
        if changed:
            label += f" + {where} ({', '.join(changed)})"
        plan_opts = [k for k in opts if k in PLAN_FIELDS]
        if plan_opts:
            label += f" + options ({', '.join(plan_opts)})"
        return cls.from_dict({**given, "estimation": plan, "plan_source": label}, where=where)

    def to_dict(self) -> dict[str, Any]:
        """Plain flat dict of every parameter (plan fields included; provenance and results.json)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in ((k, getattr(self, k)) for k in _DICT_ORDER)}

    @classmethod
    def from_yaml(cls, path: str | Path, **overrides: Any) -> AssessConfig:
        """Read a YAML mapping of field -> value, then apply ``overrides`` (None values ignored)."""
        loaded = _read_yaml(path)
        return cls.from_dict({**loaded, **{k: v for k, v in overrides.items() if v is not None}},
                             where=str(path))

    @classmethod
    def from_dict(cls, values: dict[str, Any], where: str = "config") -> AssessConfig:
        """Build from a mapping; unknown keys raise ``ValueError`` listing the valid names."""
        names = {f.name for f in dataclasses.fields(cls)} | set(PLAN_FIELDS)
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"{where}: unknown parameter(s) {unknown}; valid: {sorted(names)}")
        cleaned = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        if isinstance(cleaned.get("estimation"), Mapping):  # a nested plan section (YAML / JSON)
            cleaned["estimation"] = EstimationPlan.from_dict(cleaned["estimation"], source=where)
        return cls(**cleaned)

    def describe(self) -> str:
        """One line per parameter, for logs and the CLI."""
        return "\n".join(f"{k} = {v}" for k, v in self.to_dict().items())


def _read_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML config file as a dict; a clear ``ValueError`` naming the file otherwise."""
    path = Path(path)
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read config {path}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ValueError(f"config {path}: expected a mapping of parameter: value, got {type(loaded).__name__}")
    return loaded

