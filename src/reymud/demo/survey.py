"""Seeded generator of the SYNTHETIC demo survey (numbers only; :mod:`reymud.demo.files` writes them).

Model (every number is a stated synthetic assumption, see :class:`DemoConfig`):

1. Cores as a real two-stage survey would place them inside the Takaya et al. 2018 study box (the
   reporting area): a regional jittered grid over part of the box (``survey_box_fraction``; the rest
   is not cored) and an infill cluster on a closer
   jittered grid over the north-western high-grade area (``infill_fraction`` of the cores).
2. Four independent Gaussian random fields at the core sites, exponential covariance
   ``C(h) = exp(-h / len_scale_km)`` (exact sampling by Cholesky factorisation), plus a trend that is
   highest in the north-west: a grade score, layer top depth, layer thickness and water depth.
3. Total REY down each core: red-clay background plus one REY-rich layer (smooth top and base, a
   peak 40 % of the way down), multiplicative geological noise, and rare diluted beds (ash/chert).
   The layer amplitude is scaled so the survey mean of total REY over 0-10 mbsf hits
   ``calibration_target_ppm`` (Takaya 2018: 964 ppm); peaks are softly capped at ``peak_cap_ppm``.
4. Elements: background pattern x background REY + seawater-like pattern x the excess, then
   analytical noise; majors follow red clay diluted by apatite whose P2O5 rises with the excess REY.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import brentq

from reymud.demo.pattern import BACKGROUND_PAAS_RATIOS, RICH_PAAS_RATIOS, proportions

__all__ = ["DemoConfig", "core_sites", "gaussian_fields", "profile", "total_rey_profiles"]


@dataclass(frozen=True)
class DemoConfig:
    """Every assumption of the demo survey. All values are synthetic choices, not data."""

    seed: int = 20260202
    n_cores: int = 50  # regional grid + infill cluster (Takaya 2018 had 25 regional sites)
    lat_min_deg: float = 21.8  # 21 deg 48' N (Takaya 2018 box)
    lat_max_deg: float = 22.25  # 22 deg 15' N
    lon_min_deg: float = 153.5  # 153 deg 30' E
    lon_max_deg: float = 154.0 + 7.0 / 60.0  # 154 deg 07' E
    len_scale_km: float = 15.0  # exponential covariance length of all fields
    survey_box_fraction: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 0.8)  # (west, east, north, south)
    # edges of the regional grid as fractions of the box from its W and N edges: the southern fifth is not cored
    infill_fraction: float = 0.4  # share of the cores in the infill cluster
    infill_box_fraction: tuple[float, float, float, float] = (0.05, 0.45, 0.05, 0.45)  # (west, east, north,
    # south) edges of the infill area as fractions of the box from its W and N edges: the NW high-grade area
    # (Takaya 2018 saw a > 400 km2 high-grade area in the north-west; here about 22 x 20 km)
    water_depth_range_m: tuple[float, float] = (5600.0, 5800.0)
    core_length_range_m: tuple[float, float] = (10.0, 15.0)
    sample_step_range_m: tuple[float, float] = (0.3, 0.5)
    gap_probability: float = 0.04  # unsampled gap after a sample (voids, section breaks)
    gap_range_m: tuple[float, float] = (0.05, 0.3)
    background_ppm: float = 260.0  # red-clay total REY
    calibration_target_ppm: float = 964.0  # mean total REY 0-10 mbsf, Takaya 2018
    peak_cap_ppm: float = 8000.0  # soft cap on layer peaks (Ohta 2020: about 8,000 ppm)
    trend_weight: float = 2.0  # NW trend weight in the grade score (trend -1..+1)
    field_weight: float = 1.0  # random-field weight in the grade score (unit-variance field)
    geological_noise_sd: float = 0.08  # log-sd of sample-to-sample variability
    analytical_noise_sd: float = 0.03  # log-sd of element measurement error
    dilution_probability: float = 0.03  # diluted bed (ash/chert) in a low-grade sample
    dilution_range: tuple[float, float] = (0.05, 0.15)
    batch_size: int = 40  # samples per lab batch: 1 CRM, 1 blank, 1 duplicate each
    crm_name: str = "SYNTHETIC-CRM-A"
    # measured dry bulk density (see reymud.demo.samples.dry_density): every n-th sample of a core
    density_every_n: int = 3  # 1 = every sample, 0 = none measured
    porosity_mean: float = 0.78  # red clay porosity 75-80 % (DOMAIN.md; Takaya 2018 implied density)
    porosity_sd: float = 0.012  # sample-to-sample spread: 0.75-0.80 is about +-2.5 sd
    grain_density_g_cm3: float = 2.5  # red-clay grain density about 2.5 g/cm3 (DOMAIN.md)

    def __post_init__(self) -> None:
        if int(self.n_cores) < 2:
            raise ValueError(f"n_cores must be at least 2 (spatial correlation needs pairs), got {self.n_cores}")
        for name in ("water_depth_range_m", "core_length_range_m", "sample_step_range_m", "gap_range_m",
                     "dilution_range"):
            lo, hi = getattr(self, name)
            if not 0 <= lo <= hi:
                raise ValueError(f"DemoConfig.{name} must be (low, high) with 0 <= low <= high, got {(lo, hi)}")
        if not self.lat_min_deg < self.lat_max_deg or not self.lon_min_deg < self.lon_max_deg:
            raise ValueError("DemoConfig: the study box needs lat_min_deg < lat_max_deg and lon_min_deg < lon_max_deg")

        for name in ("survey_box_fraction", "infill_box_fraction"):
            w, e, n, s = getattr(self, name)
            if not (0 <= w < e <= 1 and 0 <= n < s <= 1):
                raise ValueError(f"DemoConfig.{name} must be (west, east, north, south) fractions of the box with "
                                 f"0 <= west < east <= 1 and 0 <= north < south <= 1, got {getattr(self, name)}")
        if not 0 <= self.infill_fraction < 1:
            raise ValueError(f"DemoConfig.infill_fraction must be in [0, 1), got {self.infill_fraction}")
        if int(self.density_every_n) < 0 or not 0 < self.porosity_mean < 1 or self.porosity_sd < 0:
            raise ValueError("DemoConfig: density_every_n must be >= 0, porosity_mean in (0, 1), porosity_sd >= 0")

    @property
    def correlation_length_km(self) -> float:
        """Length parameter (km) of the exponential covariance ``exp(-h / L)`` of every field (``len_scale_km``).

        A fitted exponential variogram written as ``1 - exp(-h / a)`` should recover ``a`` near this
        value once the NW trend is removed; one written with the *practical* range ``1 - exp(-3 h / r)``
        should recover :attr:`practical_range_km`.
        """
        return float(self.len_scale_km)

    @property
    def practical_range_km(self) -> float:
        """Practical range (km) of the fields: distance where the exponential reaches 95 % of its sill (3 L)."""
        return 3.0 * float(self.len_scale_km)

    def to_dict(self) -> dict:
        """Plain dict (for the metadata file)."""
        return asdict(self)

    def describe(self) -> str:
        """Every setting with its value (all are synthetic assumptions; see the class source comments)."""
        lines = ["DemoConfig (SYNTHETIC assumptions, not data)"]
        lines += [f"  {key} = {value!r}" for key, value in self.to_dict().items()]
        return "\n".join(lines)


def _jittered_grid(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on a jittered grid in the unit square (x east, y south), one per grid cell."""
    nx = int(np.ceil(np.sqrt(n)))
    ny = int(np.ceil(n / nx))
    cell = np.arange(n)
    jitter = rng.uniform(-0.35, 0.35, size=(2, n))
    return (cell % nx + 0.5 + jitter[0]) / nx, (cell // nx + 0.5 + jitter[1]) / ny


def n_infill(config: DemoConfig) -> int:
    """Number of infill cores (the rest are on the regional grid; at least 2 regional cores)."""
    return int(min(round(config.infill_fraction * config.n_cores), config.n_cores - 2))


def core_sites(config: DemoConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (degrees) of the cores: regional grid first, then the infill cluster.

    The regional grid covers ``survey_box_fraction`` of the box; the infill cores sit on a closer
    jittered grid inside ``infill_box_fraction`` of the box (the north-western high).
    """
    k = n_infill(config)
    fx, fy = _jittered_grid(config.n_cores - k, rng)
    w, e, n, s = config.survey_box_fraction
    fx, fy = w + fx * (e - w), n + fy * (s - n)
    if k:
        w, e, n, s = config.infill_box_fraction
        gx, gy = _jittered_grid(k, rng)
        fx, fy = np.concatenate([fx, w + gx * (e - w)]), np.concatenate([fy, n + gy * (s - n)])
    lat = config.lat_max_deg - fy * (config.lat_max_deg - config.lat_min_deg)
    lon = config.lon_min_deg + fx * (config.lon_max_deg - config.lon_min_deg)
    return lat, lon


def local_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Approximate local east/north coordinates (km) around the mean position."""
    lat0 = float(np.mean(lat))
    east = (lon - np.mean(lon)) * 111.32 * np.cos(np.radians(lat0))
    north = (lat - lat0) * 110.57
    return np.column_stack([east, north])


def gaussian_fields(xy_km: np.ndarray, len_scale_km: float, n_fields: int, rng: np.random.Generator) -> np.ndarray:
    """``n_fields`` independent standard Gaussian random fields at the points (exponential covariance).

    Exact: ``L @ z`` with ``L`` the Cholesky factor of ``exp(-h / len_scale_km)``.
    """
    h = np.sqrt(((xy_km[:, None, :] - xy_km[None, :, :]) ** 2).sum(-1))
    cov = np.exp(-h / len_scale_km) + 1e-10 * np.eye(len(xy_km))
    chol = np.linalg.cholesky(cov)
    return chol @ rng.standard_normal((len(xy_km), n_fields))


def profile(depth: np.ndarray, top: np.ndarray, thickness: np.ndarray) -> np.ndarray:
    """Layer shape in [0, 1] at ``depth`` (rows = cores): smooth box times a peaked core."""
    edge = 0.2
    with np.errstate(over="ignore"):
        box = 1.0 / (1.0 + np.exp(-(depth - top) / edge)) / (1.0 + np.exp(-(top + thickness - depth) / edge))
    peak_depth = top + 0.4 * thickness
    bump = np.exp(-(((depth - peak_depth) / (0.35 * thickness)) ** 2))
    return box * (0.55 + 0.45 * bump)


def _trend(lat: np.ndarray, lon: np.ndarray, config: DemoConfig) -> np.ndarray:
    u = (lon - config.lon_min_deg) / (config.lon_max_deg - config.lon_min_deg)
    v = (config.lat_max_deg - lat) / (config.lat_max_deg - config.lat_min_deg)
    return 1.0 - 2.0 * np.sqrt(u**2 + v**2) / np.sqrt(2.0)  # +1 at the NW corner, -1 at the SE


def total_rey_profiles(config: DemoConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-core parameters: positions, water depth, layer top/thickness, background and peak grade.

    The layer amplitude is calibrated so that the mean over the regional-grid cores of the
    noise-free total REY averaged over 0-10 mbsf equals ``config.calibration_target_ppm`` (Takaya
    2018's 964 ppm is the mean of a regional survey; the infill cluster on the high-grade area would
    bias a mean over all cores upwards).
    """
    lat, lon = core_sites(config, rng)
    fields = gaussian_fields(local_km(lat, lon), config.len_scale_km, 4, rng)
    trend = _trend(lat, lon, config)
    score = config.trend_weight * trend + config.field_weight * fields[:, 0]
    top = np.clip(2.3 - 0.8 * trend + 0.7 * fields[:, 1], 0.5, 6.0)
    thickness = np.clip(3.5 + 1.0 * trend + 0.6 * fields[:, 0] + 0.6 * fields[:, 2], 1.0, 7.0)
    wd_lo, wd_hi = config.water_depth_range_m
    water_depth = np.clip(0.5 * (wd_lo + wd_hi) + 35.0 * fields[:, 3] - 25.0 * trend, wd_lo + 5, wd_hi - 5)
    background = config.background_ppm * np.exp(0.12 * rng.standard_normal(config.n_cores))
    depth = np.linspace(0.0, 10.0, 401)[None, :]
    shape = profile(depth, top[:, None], thickness[:, None])
    cap = config.peak_cap_ppm
    regional = slice(0, config.n_cores - n_infill(config))

    def peaks(scale: float) -> np.ndarray:
        raw = background + scale * np.exp(score)
        return cap * np.tanh(raw / cap)

    def mean_0_10(scale: float) -> float:
        amp = peaks(scale) - background
        mean = np.trapezoid(background[:, None] + amp[:, None] * shape, depth, axis=1) / 10.0
        return float(np.mean(mean[regional]))

    scale = brentq(lambda s: mean_0_10(s) - config.calibration_target_ppm, 0.0, 1e6)
    return {
        "latitude": lat, "longitude": lon, "trend": trend, "water_depth_m": water_depth,
        "layer_top_mbsf": top, "layer_thickness_m": thickness, "background_ppm": background,
        "peak_ppm": peaks(scale), "amplitude_scale": np.full(config.n_cores, scale),
    }


def element_proportions() -> tuple[np.ndarray, np.ndarray]:
    """(background, rich) element proportions of total REY in REY order."""
    return proportions(BACKGROUND_PAAS_RATIOS), proportions(RICH_PAAS_RATIOS)
