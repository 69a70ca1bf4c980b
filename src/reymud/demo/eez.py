"""SYNTHETIC EEZ-scale survey: thousands of cores over the whole Minamitorishima EEZ (issue 12).

The data are invented to exercise EEZ-scale estimation (``reymud scale eez-demo``); they are not
measurements and every table, file and attribute says SYNTHETIC. The EEZ is the 200-nautical-mile
(370.4 km) circle around Minamitorishima (about 24.28 N, 153.98 E; docs DOMAIN.md), about
431,000 km2. Everything else (grade distribution, depth profile, correlation, core lengths) is an
ASSUMPTION stated in :class:`EEZSurveyConfig` and overridable there.

Model: cores uniform over the EEZ disc; ``log(total REY)`` per 1 m slice is a Gaussian field with an
exponential covariance ``exp(-h / L)`` at the cores, a shared core-level part plus a per-slice part
(correlation ``slice_correlation`` between slices), times a depth profile peaking at
``peak_depth_mbsf``. Element grades (``<El>_ppm`` for every REY of :data:`reymud.elements.REY`) split
each slice's total REY as the small demo survey does (:func:`reymud.demo.survey.element_proportions`):
up to ``background_rey_ppm`` with the background red-clay pattern, the excess with the REY-rich
(fish-debris) pattern, no extra randomness; they add up to the total REY. Positions are
latitude/longitude; :func:`reymud.spatial.to_projected` projects them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reymud.demo.survey import DemoConfig, element_proportions
from reymud.elements import REY
from reymud.geography import EEZ_RADIUS_KM, MINAMITORISHIMA_LATLON
from reymud.resource.config import DEFAULT_DENSITY_T_M3, DENSITY_BASIS
from reymud.spatial.blockmodel import _version
from reymud.spatial.chunked import (
    CHUNKED_DEFAULTS,
    ChunkedConfig,
    ChunkedRun,
    EEZCircle,
    estimate_chunked,
    fit_layers,
)
from reymud.spatial.crs import to_projected

__all__ = ["EEZ_CENTRE_LATLON", "EEZ_RADIUS_KM", "ELEMENT_COLUMNS", "EEZSurvey", "EEZSurveyConfig", "eez_demo",
           "eez_survey", "split_elements"]

#: Element grade columns of the survey and of the model (REY order of :mod:`reymud.elements`).
ELEMENT_COLUMNS: tuple[str, ...] = tuple(f"{el}_ppm" for el in REY)

#: Minamitorishima, degrees N / E, and the 200-nautical-mile EEZ radius (one home: :mod:`reymud.geography`).
EEZ_CENTRE_LATLON = MINAMITORISHIMA_LATLON

LABEL = "SYNTHETIC EEZ-SCALE DEMO DATA - invented by reymud.demo.eez, not measurements"


@dataclass(frozen=True)
class EEZSurveyConfig:
    """Parameters of the synthetic EEZ survey; all but the EEZ geometry are ASSUMPTIONS (overridable).

    Parameters
    ----------
    n_cores : int
        Core sites, uniform over the EEZ disc (2,500 by default: about one per 170 km2).
    seed : int
    centre_latlon, radius_km
        The EEZ circle (DOMAIN.md).
    median_total_rey_ppm : float
        ASSUMPTION: median total REY of a slice at the profile peak (the published southern-area
        mean is 964 ppm, Takaya et al. 2018; the EEZ-wide median is not published).
    log_sd : float
        ASSUMPTION: standard deviation of log total REY.
    correlation_length_km : float
        ASSUMPTION: ``L`` of ``exp(-h/L)``, as the small demo survey (``DemoConfig``, 15 km).
    slice_correlation : float
        ASSUMPTION: weight of the core-level field in every slice (0 = slices independent).
    peak_depth_mbsf, profile_width_m : float
        ASSUMPTION: Gaussian depth profile (richest layer about 3 mbsf, Iijima 2016 via DOMAIN.md).
    profile_floor : float
        ASSUMPTION: profile value far from the peak (fraction of the peak grade).
    core_length_m : (float, float)
        ASSUMPTION: recovered core length, uniform in this range (m); slices below it are unsampled.
    slice_m, base_mbsf : float
        Slices of ``slice_m`` from 0 to ``base_mbsf``.
    background_rey_ppm : float
        ASSUMPTION: total REY carried by the background red-clay pattern; the excess has the REY-rich
        pattern (the small demo survey's red-clay background, ``DemoConfig.background_ppm``).
    """

    n_cores: int = 2_500
    seed: int = 20260202
    centre_latlon: tuple[float, float] = EEZ_CENTRE_LATLON
    radius_km: float = EEZ_RADIUS_KM
    median_total_rey_ppm: float = 900.0
    log_sd: float = 0.45
    correlation_length_km: float = 15.0
    slice_correlation: float = 0.7
    peak_depth_mbsf: float = 3.0
    profile_width_m: float = 2.5
    profile_floor: float = 0.3
    core_length_m: tuple[float, float] = (6.0, 12.0)
    slice_m: float = 1.0
    base_mbsf: float = 10.0
    background_rey_ppm: float = DemoConfig.background_ppm

    def __post_init__(self) -> None:
        if self.n_cores < 3:
            raise ValueError(f"EEZSurveyConfig.n_cores must be >= 3, got {self.n_cores}")
        if not (0.0 <= self.slice_correlation <= 1.0):
            raise ValueError(f"EEZSurveyConfig.slice_correlation must be in [0, 1], got {self.slice_correlation}")
        if not (self.slice_m > 0 and self.base_mbsf >= self.slice_m):
            raise ValueError(f"EEZSurveyConfig needs 0 < slice_m <= base_mbsf, got {self.slice_m}, {self.base_mbsf}")
        lo, hi = self.core_length_m
        if not 0 < lo <= hi:
            raise ValueError(f"EEZSurveyConfig.core_length_m must be 0 < min <= max, got {self.core_length_m}")
        if not self.background_rey_ppm >= 0:
            raise ValueError(f"EEZSurveyConfig.background_rey_ppm must be >= 0, got {self.background_rey_ppm}")

    @property
    def area_km2(self) -> float:
        """Area of the EEZ disc (planar approximation, km2)."""
        return float(np.pi * self.radius_km**2)


@dataclass(frozen=True)
class EEZSurvey:
    """The generated survey: ``cores`` (one row per site), ``slices`` (per core and slice) and ``window``
    (per core, 0-``base_mbsf`` length-weighted). Every frame has ``attrs["synthetic"] = "true"``."""

    config: EEZSurveyConfig
    cores: pd.DataFrame
    slices: pd.DataFrame
    window: pd.DataFrame

    def write_csv(self, directory: str | Path) -> dict[str, Path]:
        """Write the three tables as ``SYNTHETIC_eez_*.csv``, each starting with a ``# SYNTHETIC`` line."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in ("cores", "slices", "window"):
            path = out / f"SYNTHETIC_eez_{name}.csv"
            with path.open("w", encoding="utf-8") as fh:
                fh.write(f"# {LABEL}; config {asdict(self.config)}\n")
                getattr(self, name).to_csv(fh, index=False)
            paths[name] = path
        return paths


def _disc_positions(cfg: EEZSurveyConfig, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    from pyproj import Geod

    az = rng.uniform(0.0, 360.0, cfg.n_cores)
    dist_km = cfg.radius_km * np.sqrt(rng.uniform(0.0, 1.0, cfg.n_cores))  # uniform over the disc
    lat0, lon0 = cfg.centre_latlon
    lon, lat, _ = Geod(ellps="WGS84").fwd(np.full(cfg.n_cores, lon0), np.full(cfg.n_cores, lat0), az,
                                          dist_km * 1000.0)
    # azimuthal-equidistant km about the centre: distances for the synthetic field
    xy = np.column_stack([dist_km * np.sin(np.deg2rad(az)), dist_km * np.cos(np.deg2rad(az))])
    return np.asarray(lat), np.asarray(lon), xy


def split_elements(total_rey_ppm: np.ndarray, background_rey_ppm: float) -> np.ndarray:
    """Element grades (ppm, last axis in :data:`reymud.elements.REY` order) of total REY grades.

    Up to ``background_rey_ppm`` of each grade has the background pattern, the rest the REY-rich
    pattern (:func:`reymud.demo.survey.element_proportions`, as the small demo survey); the elements
    sum to the total (to rounding).
    """
    total = np.asarray(total_rey_ppm, dtype=float)
    p_bg, p_rich = element_proportions()
    bg = np.minimum(total, background_rey_ppm)
    return bg[..., None] * p_bg + (total - bg)[..., None] * p_rich


def eez_survey(config: EEZSurveyConfig | None = None) -> EEZSurvey:
    """Generate the SYNTHETIC EEZ-scale survey (deterministic for a seed).

    Returns
    -------
    EEZSurvey
        ``cores``: ``core_id, latitude, longitude, core_length_m``; ``slices``: ``core_id, top_mbsf,
        bottom_mbsf, length_m, total_rey_ppm`` and ``<El>_ppm`` (:func:`split_elements`; sampled part
        of each slice); ``window``: ``core_id, latitude, longitude, total_rey_ppm, thickness_m``
        (sampled length in 0-``base_mbsf``) and the length-weighted ``<El>_ppm``.
    """
    cfg = config or EEZSurveyConfig()
    rng = np.random.default_rng(cfg.seed)
    lat, lon, xy = _disc_positions(cfg, rng)
    from scipy.spatial.distance import cdist

    h = cdist(xy, xy)
    chol = np.linalg.cholesky(np.exp(-h / cfg.correlation_length_km) + 1e-9 * np.eye(cfg.n_cores))
    tops = np.arange(0.0, cfg.base_mbsf - 1e-9, cfg.slice_m)
    g_core = chol @ rng.standard_normal(cfg.n_cores)
    g_slice = chol @ rng.standard_normal((cfg.n_cores, len(tops)))
    rho = cfg.slice_correlation
    g = rho * g_core[:, None] + np.sqrt(1.0 - rho**2) * g_slice
    mid = tops + cfg.slice_m / 2.0
    profile = cfg.profile_floor + (1 - cfg.profile_floor) * np.exp(-0.5 * ((mid - cfg.peak_depth_mbsf)
                                                                         / cfg.profile_width_m) ** 2)
    grade = cfg.median_total_rey_ppm * profile[None, :] * np.exp(cfg.log_sd * g)
    length = rng.uniform(*cfg.core_length_m, cfg.n_cores)
    ids = np.array([f"SYN-EEZ-{i:05d}" for i in range(cfg.n_cores)])
    sampled = np.clip(np.minimum(length[:, None], tops[None, :] + cfg.slice_m) - tops[None, :], 0.0, cfg.slice_m)
    keep = sampled > 0
    cores = pd.DataFrame({"core_id": ids, "latitude": lat, "longitude": lon, "core_length_m": length})
    ci, si = np.nonzero(keep)
    slices = pd.DataFrame({"core_id": ids[ci], "top_mbsf": tops[si], "bottom_mbsf": tops[si] + sampled[ci, si],
                           "length_m": sampled[ci, si], "total_rey_ppm": grade[ci, si]})
    elements = split_elements(grade, cfg.background_rey_ppm)  # (core, slice, element); no new randomness
    slices[list(ELEMENT_COLUMNS)] = elements[ci, si]
    thick = sampled.sum(axis=1)
    window = pd.DataFrame({"core_id": ids, "latitude": lat, "longitude": lon,
                           "total_rey_ppm": (grade * sampled).sum(axis=1) / thick, "thickness_m": thick})
    window[list(ELEMENT_COLUMNS)] = (elements * sampled[:, :, None]).sum(axis=1) / thick[:, None]
    for frame in (cores, slices, window):
        frame.attrs.update(synthetic="true", label=LABEL, config=str(asdict(cfg)))
    return EEZSurvey(cfg, cores, slices, window)


def eez_demo(path: str, n_cores: int = 2_500, cell_m: float = 250.0, slice_m: float | None = None, seed: int = 20260202,
             client=None, config: ChunkedConfig = CHUNKED_DEFAULTS, subset_km2: float | None = None,
             progress: Callable[[int, int, dict], None] | None = None, elements: bool = True) -> ChunkedRun:
    """The SYNTHETIC EEZ-scale survey (:func:`eez_survey`) kriged over the whole EEZ to Zarr
    (:func:`reymud.spatial.chunked.estimate_chunked`).

    Parameters
    ----------
    path : str
        Zarr store to write (overwritten); attrs ``synthetic="true"`` and a SYNTHETIC ``title``.
    n_cores, seed : int
        Survey size and seed (:class:`EEZSurveyConfig`).
    cell_m : float
        Block size (m).
    slice_m : float, optional
        None: a 2-D model of the 0-10 mbsf window. Otherwise a 3-D model of ``slice_m`` slices over
        0-10 mbsf (variogram fitted per slice).
    client, config, progress
        As :func:`estimate_chunked`.
    subset_km2 : float, optional
        Compute only the tiles touching a square of this area centred on the island (a stated
        fraction for benchmarks); the store still has the full EEZ grid.
    elements : bool
        Also krige the element grades ``<El>_ppm`` with total REY's weights (default); False: total
        REY and thickness only (the pure throughput benchmark).

    Returns
    -------
    ChunkedRun
        ``resource``: SYNTHETIC dry and contained tonnes (REY, each element, TREO) per layer and in
        total over the estimated EEZ cells at the stated default dry bulk density
        (:data:`reymud.resource.config.DEFAULT_DENSITY_T_M3`), summed from the tile tasks.
    """
    base = EEZSurveyConfig(n_cores=n_cores, seed=seed)
    survey = eez_survey(base if slice_m is None else EEZSurveyConfig(n_cores=n_cores, seed=seed, slice_m=slice_m))
    circle = EEZCircle(survey.config.centre_latlon, survey.config.radius_km)
    grid = circle.grid(cell_m)
    window, _crs = to_projected(survey.window, grid.crs)
    variables = ("total_rey_ppm", "thickness_m")
    carried = ELEMENT_COLUMNS if elements else ()
    if slice_m is None:
        layers = fit_layers(window, variables, survey.config.base_mbsf, elements=carried)
    else:
        sl = survey.slices.merge(window[["core_id", "easting", "northing"]], on="core_id")
        sl = sl.rename(columns={"length_m": "thickness_m"})
        layers = fit_layers([(top + slice_m / 2.0, frame) for top, frame in sl.groupby("top_mbsf")], variables,
                            slice_m, elements=carried)
    bbox = None
    if subset_km2 is not None:
        half = np.sqrt(float(subset_km2)) * 1000.0 / 2.0
        ce, cn = grid.x0 + grid.cell_m * (grid.nx - 1) / 2.0, grid.y0 + grid.cell_m * (grid.ny - 1) / 2.0
        bbox = (ce - half, cn - half, ce + half, cn + half)
    attrs = {"synthetic": "true", "title": LABEL, "window_top_mbsf": 0.0, "window_base_mbsf": survey.config.base_mbsf,
             "domain": "window", "estimator": f"ordinary block kriging {config.block}; {config.neighbourhood.describe()}",
             "n_points": int(n_cores), "survey_config": json.dumps(asdict(survey.config)),
             "area_of_interest": f"EEZ circle {circle.radius_km} km around {circle.centre_latlon} (geodesic)"}
    if slice_m is not None:
        attrs["slice_thickness_m"] = float(slice_m)
    if bbox is not None:
        attrs["computed_subset"] = f"tiles touching a {subset_km2:g} km2 square centred on the island"
    attrs["tonnage_density_basis"] = f"{DEFAULT_DENSITY_T_M3:g} t/m3 stated default: {DENSITY_BASIS}"
    attrs["created_by"] = _version()
    run = estimate_chunked(layers, grid, path, variables, inside=circle, client=client, config=config, bbox_m=bbox,
                           attrs=attrs, progress=progress, elements=carried, density_t_m3=DEFAULT_DENSITY_T_M3)
    run.resource.update(synthetic=True, label=LABEL, density_basis=attrs["tonnage_density_basis"],
                        area=attrs.get("computed_subset", "the whole EEZ"))
    return run
