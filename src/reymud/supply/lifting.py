"""Lifting mud from the seafloor: riser pipe, slurry, lift energy and time, operating days.

A steady vertical riser of inner diameter ``D`` from ``water_depth_m`` carries a slurry of
solids volume fraction ``c``. Solids are fine clay (micrometre grains), so their slip against
the water is neglected and the mixture moves as one fluid (a stated simplification). Pressure
the lift must supply over the seawater outside the pipe:

* static: (rho_m - rho_w) g H, with rho_m = c rho_s + (1 - c) rho_w;
* friction: f (H / D) rho_m v^2 / 2 (Darcy-Weisbach, constant friction factor ``f``).

Hydraulic power = pressure x mixture flow; shaft power = hydraulic / efficiency. Every default
of :class:`LiftingConfig` says where it comes from (:func:`lifting_parameters`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["LiftingConfig", "lifting_parameters", "lifting_summary", "operating_days"]

_G = 9.80665  # m/s2, standard gravity (CGPM 1901)


@dataclass(frozen=True)
class LiftingConfig:
    """Riser and slurry parameters (units in names; see :func:`lifting_parameters` for sources).

    Parameters
    ----------
    water_depth_m : float
        Seafloor depth. 5,700 m: midpoint of the 5,600-5,800 m water depth near Minamitorishima
        (reymud domain brief, 2026).
    pipe_inner_diameter_m : float
        Riser inner diameter. ASSUMPTION 0.25 m.
    solids_volume_fraction : float
        Solids volume / slurry volume in the riser. ASSUMPTION 0.10.
    grain_density_t_m3 : float
        Density of the solid grains. 2.5 t/m3: red clay (reymud domain brief, 2026).
    seawater_density_t_m3 : float
        1.025 t/m3, typical surface seawater (standard oceanographic value).
    friction_factor : float
        Darcy friction factor. ASSUMPTION 0.015 (turbulent flow in a smooth steel pipe).
    pump_efficiency : float
        Hydraulic / shaft power. ASSUMPTION 0.5 (air-lift and subsea pumps are often lower).
    availability : float
        Fraction of weather-permitted days the system runs. ASSUMPTION 0.85.
    weather_days_per_year : float
        Days lost to weather and typhoons per year. ASSUMPTION 30.
    """

    water_depth_m: float = 5700.0
    pipe_inner_diameter_m: float = 0.25
    solids_volume_fraction: float = 0.10
    grain_density_t_m3: float = 2.5
    seawater_density_t_m3: float = 1.025
    friction_factor: float = 0.015
    pump_efficiency: float = 0.5
    availability: float = 0.85
    weather_days_per_year: float = 30.0

    def __post_init__(self) -> None:
        checks = [
            (self.water_depth_m > 0, "water_depth_m must be > 0 (m, positive down)"),
            (self.pipe_inner_diameter_m > 0, "pipe_inner_diameter_m must be > 0 (m)"),
            (0 < self.solids_volume_fraction < 1, "solids_volume_fraction must be in (0, 1)"),
            (self.grain_density_t_m3 > self.seawater_density_t_m3 > 0,
             "grain_density_t_m3 must exceed seawater_density_t_m3 (> 0)"),
            (self.friction_factor >= 0, "friction_factor must be >= 0"),
            (0 < self.pump_efficiency <= 1, "pump_efficiency must be in (0, 1]"),
            (0 < self.availability <= 1, "availability must be in (0, 1]"),
            (0 <= self.weather_days_per_year < 365, "weather_days_per_year must be in [0, 365)"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"LiftingConfig: {message}")

    def replace(self, **changes) -> LiftingConfig:
        """A copy with some fields changed (None ignored; validated again)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


_SOURCES = {
    "water_depth_m": ("m", "reymud domain brief 2026: water depth 5,600-5,800 m near Minamitorishima (midpoint)"),
    "pipe_inner_diameter_m": ("m", "ASSUMPTION"),
    "solids_volume_fraction": ("-", "ASSUMPTION"),
    "grain_density_t_m3": ("t/m3", "reymud domain brief 2026: red clay grain density about 2.5 g/cm3"),
    "seawater_density_t_m3": ("t/m3", "standard value for seawater (1.025)"),
    "friction_factor": ("-", "ASSUMPTION (smooth pipe, turbulent)"),
    "pump_efficiency": ("-", "ASSUMPTION"),
    "availability": ("-", "ASSUMPTION"),
    "weather_days_per_year": ("days", "ASSUMPTION"),
}


def lifting_parameters(config: LiftingConfig) -> pd.DataFrame:
    """Every lifting parameter with its value, unit and source (or "ASSUMPTION").

    Parameters
    ----------
    config : LiftingConfig

    Returns
    -------
    DataFrame
        ``parameter, value, unit, source``.
    """
    return pd.DataFrame([{"parameter": f.name, "value": getattr(config, f.name), "unit": _SOURCES[f.name][0],
                          "source": _SOURCES[f.name][1]} for f in dataclasses.fields(config)])


def operating_days(config: LiftingConfig) -> float:
    """Operating days per year = (365 - weather days) x availability."""
    return (365.0 - config.weather_days_per_year) * config.availability


def lifting_summary(dry_t_per_day: float, config: LiftingConfig | None = None) -> dict[str, float]:
    """Flow, velocity, lift time, pressure, power and energy for a dry-solids lifting rate.

    Parameters
    ----------
    dry_t_per_day : float
        Dry solids lifted per operating day (t/day).
    config : LiftingConfig, optional

    Returns
    -------
    dict
        ``dry_t_per_day, slurry_m3_per_h, mixture_velocity_m_s, lift_time_h, slurry_density_t_m3,
        static_pressure_mpa, friction_pressure_mpa, shaft_power_kw, energy_kwh_per_dry_t,
        operating_days_per_year``.
    """
    cfg = config or LiftingConfig()
    if not dry_t_per_day > 0:
        raise ValueError("lifting_summary: dry_t_per_day must be > 0")
    c = cfg.solids_volume_fraction
    rho_w, rho_s = cfg.seawater_density_t_m3 * 1000.0, cfg.grain_density_t_m3 * 1000.0
    rho_m = c * rho_s + (1.0 - c) * rho_w
    q_solids = dry_t_per_day * 1000.0 / rho_s / 86400.0  # m3/s of grains
    q = q_solids / c
    area = np.pi * cfg.pipe_inner_diameter_m ** 2 / 4.0
    v = q / area
    h = cfg.water_depth_m
    dp_static = (rho_m - rho_w) * _G * h
    dp_friction = cfg.friction_factor * h / cfg.pipe_inner_diameter_m * rho_m * v ** 2 / 2.0
    power_w = (dp_static + dp_friction) * q / cfg.pump_efficiency
    return {
        "dry_t_per_day": float(dry_t_per_day), "slurry_m3_per_h": q * 3600.0,
        "mixture_velocity_m_s": v, "lift_time_h": h / v / 3600.0, "slurry_density_t_m3": rho_m / 1000.0,
        "static_pressure_mpa": dp_static / 1e6, "friction_pressure_mpa": dp_friction / 1e6,
        "shaft_power_kw": power_w / 1000.0,
        "energy_kwh_per_dry_t": power_w * 86400.0 / 3.6e6 / dry_t_per_day,
        "operating_days_per_year": operating_days(cfg),
    }
