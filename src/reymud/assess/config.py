"""Every judgement default of the end-to-end assessment, stated in one place.

:class:`AssessConfig` is a frozen dataclass: override any field with
``dataclasses.replace(AssessConfig(), cell_m=500.0)`` or load overrides from YAML with
:meth:`AssessConfig.from_yaml` (unknown keys raise a clear error).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reymud import defaults
from reymud.cores.support import DEFAULT_MAX_GAP_M
from reymud.resource.config import DEFAULT_CUTOFFS_PPM

__all__ = ["AssessConfig"]


@dataclass(frozen=True)
class AssessConfig:
    """Parameters of :func:`reymud.assess.assess` (units in the names).

    Parameters
    ----------
    seed : int
        Master random seed (simulation, demo survey). Same seed and inputs give the same numbers.
    window_top_mbsf, window_base_mbsf : float
        Depth window reported and estimated (Takaya et al. 2018 used 0-10 mbsf).
    rey_threshold_ppm : float
        Total REY at or above which mud counts as REY-rich (Kato et al. 2011: 400 ppm).
    max_gap_m : float
        Largest gap of leaner samples bridged inside one REY-rich layer.
    thickness_above_threshold : bool
        If True the estimated thickness is the REY-rich length inside the window (the "rey_rich"
        domain); if False it is the sampled length of the window (the "window" domain, default).
    crs : str or None
        Projected CRS for easting/northing; None = UTM zone of the mean longitude.
    cell_m : float
        Block size (square, metres). 250 m keeps the demo grid near 50,000 cells.
    margin_m : float
        Grid margin around the outermost cores (metres).
    n_lags, max_lag_fraction : int, float
        Experimental variogram lags; the maximum lag is this fraction of the largest
        inter-core distance.
    variogram_kinds : tuple of str
        Nested structure kinds of the fitted variogram models (one structure per kind).
    simulation_transform : str or None
        ``"nscore"``: simulate total REY in normal-score space (variogram fitted on normal
        scores, back-transformed); None: simulate the values directly.
    max_samples, min_samples : int
        Kriging neighbourhood (cores used per block).
    search_radius_m : float or None
        Search radius (metres); None = the fitted total REY range.
    block_discretisation : tuple of int
        Points per block for block kriging (easting, northing).
    cv_folds : str or int
        Cross-validation folds: ``"loo"`` (leave one out) or a number of folds.
    cutoffs_ppm : tuple of float
        Cut-offs reported in the resource table (total REY, ppm).
    grade_tonnage_cutoffs_ppm : tuple of float
        Cut-offs of the grade-tonnage curve.
    density_t_m3 : float or None
        Dry bulk density; None = the resource stage's stated default.
    n_realizations : int
        Conditional simulation realisations.
    sim_cell_m : float or None
        Simulation node spacing; None = the blocks themselves (``cell_m``). A finer spacing simulates
        several nodes per block and averages them up; the band is always on the estimate's blocks.
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
    area, trend, variogram_weighting, support_rule, support_max_gap_m, slice_m, smu_thickness_m, cutoff_basis
        Estimation choices shared with :class:`reymud.spatial.plan.EstimationPlan` (see there);
        :meth:`plan` gives the run's plan, :meth:`from_plan` a config from a plan.
    """

    seed: int = defaults.SEED
    window_top_mbsf: float = 0.0
    window_base_mbsf: float = 10.0
    rey_threshold_ppm: float = 400.0
    max_gap_m: float = 0.5
    thickness_above_threshold: bool = False
    crs: str | None = None
    cell_m: float = defaults.CELL_M
    margin_m: float = defaults.MARGIN_M
    n_lags: int = defaults.N_LAGS
    max_lag_fraction: float = 0.5
    variogram_kinds: tuple[str, ...] = ("spherical",)
    simulation_transform: str | None = "nscore"
    max_samples: int = defaults.MAX_SAMPLES
    min_samples: int = defaults.MIN_SAMPLES
    search_radius_m: float | None = None
    block_discretisation: tuple[int, int] = defaults.BLOCK_DISCRETISATION
    cv_folds: str | int = "loo"
    cutoffs_ppm: tuple[float, ...] = DEFAULT_CUTOFFS_PPM
    grade_tonnage_cutoffs_ppm: tuple[float, ...] = tuple(float(c) for c in range(0, 3_001, 100))
    density_t_m3: float | None = None
    n_realizations: int = defaults.N_REALIZATIONS
    sim_cell_m: float | None = None
    n_workers: int = 2
    threads_per_worker: int = 1
    scheduler: str | None = None
    use_dask: bool = True
    production_preset: str = "trial"
    scenario: str | None = None
    crm_values_path: str | None = None
    status_date: str | None = None
    max_display_cells: int = 40_000
    area: str | None = None
    trend: str = "none"
    variogram_weighting: str = "npairs_h2"
    support_rule: str = "midpoint"
    support_max_gap_m: float = DEFAULT_MAX_GAP_M
    slice_m: float | None = None
    smu_thickness_m: float = 1.0
    cutoff_basis: str = "column"

    def __post_init__(self) -> None:
        checks = [
            (self.window_base_mbsf > self.window_top_mbsf >= 0.0,
             "window_base_mbsf must exceed window_top_mbsf (both >= 0)"),
            (self.cell_m > 0, "cell_m must be positive (metres)"),
            (self.sim_cell_m is None or self.sim_cell_m > 0, "sim_cell_m must be positive or None"),
            (self.n_realizations >= 2, "n_realizations must be at least 2 for P10/P50/P90"),
            (self.rey_threshold_ppm >= 0, "rey_threshold_ppm must be >= 0"),
            (len(self.cutoffs_ppm) > 0, "cutoffs_ppm needs at least one cut-off"),
            (self.n_workers >= 1 and self.threads_per_worker >= 1, "n_workers and threads_per_worker >= 1"),
            (self.min_samples >= 1 and self.max_samples >= self.min_samples,
             "need 1 <= min_samples <= max_samples"),
            (self.density_t_m3 is None or self.density_t_m3 > 0, "density_t_m3 must be positive"),
            (self.simulation_transform in (None, "nscore"), "simulation_transform must be 'nscore' or None"),
            (self.cv_folds == "loo" or (isinstance(self.cv_folds, int) and self.cv_folds >= 2),
             "cv_folds must be 'loo' or an integer >= 2"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"AssessConfig: {message}")

    @property
    def simulation_cell_m(self) -> float:
        """Block size of the simulation grid (metres)."""
        return float(self.sim_cell_m or self.cell_m)

    def plan(self):
        """The run's :class:`~reymud.spatial.plan.EstimationPlan` (every field the two share)."""
        from reymud.spatial.plan import EstimationPlan

        return EstimationPlan(**{name: getattr(self, name) for name in _plan_fields()})

    @classmethod
    def from_plan(cls, plan, **overrides: Any) -> AssessConfig:
        """A config whose estimation choices are the plan's; ``overrides`` set the other fields."""
        shared = {name: getattr(plan, name) for name in _plan_fields()}
        return cls.from_dict({**shared, **{k: v for k, v in overrides.items() if v is not None}},
                             where="plan")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every parameter (for provenance and results.json)."""
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_yaml(cls, path: str | Path, **overrides: Any) -> AssessConfig:
        """Read a YAML mapping of field -> value, then apply ``overrides`` (None values ignored)."""
        path = Path(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"cannot read config {path}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ValueError(f"config {path}: expected a mapping of parameter: value, got {type(loaded).__name__}")
        return cls.from_dict({**loaded, **{k: v for k, v in overrides.items() if v is not None}},
                             where=str(path))

    @classmethod
    def from_dict(cls, values: dict[str, Any], where: str = "config") -> AssessConfig:
        """Build from a mapping; unknown keys raise ``ValueError`` listing the valid names."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"{where}: unknown parameter(s) {unknown}; valid: {sorted(names)}")
        cleaned = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        return cls(**cleaned)

    def describe(self) -> str:
        """One line per parameter, for logs and the CLI."""
        return "\n".join(f"{k} = {v}" for k, v in self.to_dict().items())


def _plan_fields() -> list[str]:
    """Field names :class:`AssessConfig` shares with the estimation plan."""
    from reymud.spatial.plan import EstimationPlan

    mine = {f.name for f in dataclasses.fields(AssessConfig)}
    return [f.name for f in dataclasses.fields(EstimationPlan) if f.name in mine]
