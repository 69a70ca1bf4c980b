"""The transparent slab method: area x thickness x density x grade x oxide factor.

This is the published method of Takaya et al. (2018): one mean grade over a slab of known area
and thickness. It has no classification and no uncertainty; reymud keeps it so anyone can check
the published 16 Mt (2,500 km2) and 1.2 Mt (105 km2) figures by hand.

Units: area km2 -> m2 (x 1e6); density g/cm3 == t/m3; 1 ppm = 1 g/t = 1e-6 t/t.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from reymud.elements import oxide_factors

__all__ = [
    "DEFAULT_PATTERN",
    "M2_PER_KM2",
    "implied_density_t_m3",
    "implied_grade_ppm",
    "mean_oxide_factor",
    "slab_tonnage",
]

M2_PER_KM2: float = 1.0e6
#: REY pattern whose element proportions give the default mean oxide factor (1.204). A sourced
#: packaged set (reference_compositions_ppm); REY mud is Y-richer and Ce-poorer, which moves the
#: factor by < 1 %. Takaya's check uses ~1.2. Override with ``oxide_factor=`` (a number or pattern).
DEFAULT_PATTERN: str = "PAAS_TaylorMcLennan1985"


def mean_oxide_factor(pattern: str | Mapping[str, float] = DEFAULT_PATTERN) -> float:
    """Mass-weighted mean oxide factor of a REY pattern: ``sum(c_i f_i) / sum(c_i)``.

    Parameters
    ----------
    pattern : str or mapping
        A column of the packaged ``reference_compositions_ppm`` table, or element -> ppm
        (any concentration unit; only proportions matter).

    Returns
    -------
    float
        Oxide tonnes per tonne of total REY for that pattern.
    """
    factors = oxide_factors()
    if isinstance(pattern, str):
        from reymud.data import read_reference

        table = read_reference("reference_compositions_ppm").set_index("element")
        if pattern not in table.columns:
            raise ValueError(f"unknown REY pattern {pattern!r}; choose one of {list(table.columns)}")
        pattern = table[pattern].dropna().to_dict()
    unknown = sorted(set(pattern) - set(factors))
    if unknown:
        raise ValueError(f"REY pattern has elements without an oxide factor: {unknown}")
    total = sum(float(v) for v in pattern.values())
    if not total > 0:
        raise ValueError("REY pattern must have a positive total concentration")
    return sum(float(v) * factors[el] for el, v in pattern.items()) / total


def _resolve_factor(oxide_factor: float | str | Mapping[str, float] | None) -> tuple[float, str]:
    if oxide_factor is None:
        return mean_oxide_factor(DEFAULT_PATTERN), f"implied by the {DEFAULT_PATTERN} REY pattern"
    if isinstance(oxide_factor, (str, Mapping)):
        name = oxide_factor if isinstance(oxide_factor, str) else "the given REY pattern"
        return mean_oxide_factor(oxide_factor), f"implied by {name}"
    value = float(oxide_factor)
    if not 1.0 <= value <= 2.0:
        raise ValueError(f"oxide_factor = {value!r}: REY oxide factors lie between 1.13 and 1.27; give ~1.2")
    return value, "given by the user"


def _positive(name: str, value: float, unit: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} = {value!r}: give a non-negative number in {unit}")
    return value


def slab_tonnage(
    area_km2: float,
    thickness_m: float,
    grade_ppm: float,
    density_t_m3: float,
    oxide_factor: float | str | Mapping[str, float] | None = None,
) -> dict[str, float | str]:
    """Dry tonnes, contained REY and REO of a uniform slab.

    Parameters
    ----------
    area_km2 : float
        Plan area (km2); converted to m2 by x 1e6.
    thickness_m : float
        Slab thickness (m).
    grade_ppm : float
        Mean total REY (ppm == g/t).
    density_t_m3 : float
        Dry bulk density (t/m3 == g/cm3); reymud's stated default is 0.55.
    oxide_factor : float, str, mapping or None
        Mean REO / REY mass ratio; a pattern name or element -> ppm mapping to derive it;
        ``None`` uses :data:`DEFAULT_PATTERN` (1.204).

    Returns
    -------
    dict
        ``area_m2, volume_m3, dry_t, contained_rey_t, oxide_factor, contained_reo_t,
        contained_reo_mt, oxide_factor_basis``.

    Examples
    --------
    >>> round(slab_tonnage(2500, 10, 964, 0.55, oxide_factor=1.2)["contained_reo_mt"], 1)
    15.9
    """
    area_m2 = _positive("area_km2", area_km2, "km2") * M2_PER_KM2
    thickness_m = _positive("thickness_m", thickness_m, "m")
    grade_ppm = _positive("grade_ppm", grade_ppm, "ppm")
    density = _positive("density_t_m3", density_t_m3, "t/m3 (== g/cm3)")
    if density > 5:
        raise ValueError(f"density_t_m3 = {density!r}: a dry bulk density in t/m3 is ~0.5-3 (kg/m3? divide by 1000)")
    factor, basis = _resolve_factor(oxide_factor)
    volume_m3 = area_m2 * thickness_m
    dry_t = volume_m3 * density
    rey_t = dry_t * grade_ppm * 1e-6
    reo_t = rey_t * factor
    return {
        "area_m2": area_m2,
        "volume_m3": volume_m3,
        "dry_t": dry_t,
        "contained_rey_t": rey_t,
        "oxide_factor": factor,
        "contained_reo_t": reo_t,
        "contained_reo_mt": reo_t / 1e6,
        "oxide_factor_basis": basis,
    }


def implied_grade_ppm(
    reo_t: float,
    area_km2: float,
    thickness_m: float,
    density_t_m3: float,
    oxide_factor: float | str | Mapping[str, float] | None = None,
) -> float:
    """Mean total REY (ppm) a slab must carry to hold ``reo_t`` tonnes of REO.

    Examples
    --------
    >>> round(implied_grade_ppm(1.2e6, 105, 10, 0.55, oxide_factor=1.2))
    1732
    """
    factor, _ = _resolve_factor(oxide_factor)
    dry_t = _positive("area_km2", area_km2, "km2") * M2_PER_KM2 * _positive("thickness_m", thickness_m, "m") \
        * _positive("density_t_m3", density_t_m3, "t/m3")
    if dry_t == 0:
        raise ValueError("the slab has no tonnage (zero area, thickness or density)")
    return _positive("reo_t", reo_t, "t") / (dry_t * factor * 1e-6)


def implied_density_t_m3(
    reo_t: float,
    area_km2: float,
    thickness_m: float,
    grade_ppm: float,
    oxide_factor: float | str | Mapping[str, float] | None = None,
) -> float:
    """Dry bulk density (t/m3) implied by a published REO total (how 0.55 was derived).

    Examples
    --------
    >>> round(implied_density_t_m3(16e6, 2500, 10, 964, oxide_factor=1.2), 3)
    0.553
    """
    factor, _ = _resolve_factor(oxide_factor)
    denom = (_positive("area_km2", area_km2, "km2") * M2_PER_KM2 * _positive("thickness_m", thickness_m, "m")
             * _positive("grade_ppm", grade_ppm, "ppm") * 1e-6 * factor)
    if denom == 0:
        raise ValueError("zero area, thickness or grade: no density is implied")
    return _positive("reo_t", reo_t, "t") / denom
