"""The transparent slab method: area x thickness x density x grade x oxide factor.

This is the published method of Takaya et al. (2018): one mean grade over a slab of known area
and thickness. It has no classification and no uncertainty; reymud keeps it so anyone can check
the published 16 Mt (2,500 km2) and 1.2 Mt (105 km2) figures by hand. :func:`published_checks`
uses only the published inputs and labels the rest (density: ASSUMPTION; the 105 km2 grade:
BACK-SOLVED, because no grade was published for it); :func:`mud_oxide_factor` gives the mud's
own oxide factor from the project's measured REY pattern.

Units: area km2 -> m2 (x 1e6); density g/cm3 == t/m3; 1 ppm = 1 g/t = 1e-6 t/t.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from reymud.elements import oxide_factors

__all__ = [
    "DEFAULT_PATTERN",
    "M2_PER_KM2",
    "TAKAYA_2018",
    "implied_density_t_m3",
    "implied_grade_ppm",
    "mean_oxide_factor",
    "mud_oxide_factor",
    "published_checks",
    "slab_tonnage",
]

M2_PER_KM2: float = 1.0e6
#: REY pattern used only when no pattern or factor is given (1.204): a sourced packaged set
#: (reference_compositions_ppm), NOT the mud's. Give the mud's own factor instead - the
#: project's measured REY pattern through :func:`mud_oxide_factor` (REY mud is Y-richer and
#: Ce-poorer than PAAS); the result's ``oxide_factor_basis`` always says which was used.
DEFAULT_PATTERN: str = "PAAS_TaylorMcLennan1985"

#: What Takaya et al. (2018, Sci. Rep. 8:5763) published (reymud domain brief, section 1).
#: Not published: the dry bulk density and the mean grade of the 105 km2 square.
TAKAYA_2018: dict[str, dict[str, float]] = {
    "study_area": {"area_km2": 2500.0, "thickness_m": 10.0, "grade_ppm": 964.0, "reo_t": 16.0e6},
    "richest_square": {"area_km2": 105.0, "thickness_m": 10.0, "reo_t": 1.2e6},
}
#: reymud's stated dry bulk density for the checks and its basis (not a published input).
_DENSITY_BASIS = ("ASSUMPTION 0.55 t/m3: implied by Takaya's 2,500 km2 totals (0.54-0.57) and consistent with "
                  "red clay (porosity 75-80 %, grain density about 2.5 g/cm3); the paper's density was not found")


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


def mud_oxide_factor(samples) -> float:
    """The mud's own TREO/REY mass ratio from a wide samples frame (REY columns in ppm).

    ``sum_i(mean c_i x f_i) / sum_i(mean c_i)`` over the REY columns present: the oxide factor
    of the project's measured mean REY pattern (every sample weighted equally).

    Parameters
    ----------
    samples : DataFrame
        Wide samples (``Project.samples()``), blocks (``<El>_ppm``) or window points.

    Returns
    -------
    float
        Oxide tonnes per tonne of total REY.
    """
    from reymud.elements import REY

    cols = {el: (el if el in samples.columns else f"{el}_ppm") for el in REY}
    pattern = {el: float(samples[c].mean()) for el, c in cols.items() if c in samples.columns}
    pattern = {el: v for el, v in pattern.items() if v == v and v > 0}
    if not pattern:
        raise ValueError("mud_oxide_factor: no REY columns (La..Lu, Y in ppm, or <El>_ppm) with values")
    return mean_oxide_factor(pattern)


def published_checks(oxide_factor: float | str | Mapping[str, float] | None = None,
                     density_t_m3: float = 0.55) -> list[dict]:
    """Takaya et al. (2018) slab checks from published inputs only, each input labelled.

    Parameters
    ----------
    oxide_factor : float, str, mapping or None
        The mud's own oxide factor (see :func:`mud_oxide_factor`) or a REY pattern; None falls
        back to :data:`DEFAULT_PATTERN` and says so.
    density_t_m3 : float
        Dry bulk density; not published, so always labelled an ASSUMPTION.

    Returns
    -------
    list of dict
        Per check: ``check``, ``inputs`` ({name: (value, basis)}), the slab result and
        ``published_reo_t``. The 2,500 km2 area is computed from published area, thickness
        and grade; the 105 km2 square has no published grade, so its grade is BACK-SOLVED
        from its 1.2 Mt (it checks only the arithmetic, not the data).
    """
    factor, factor_basis = _resolve_factor(oxide_factor)
    pub = "published (Takaya et al. 2018)"
    area = TAKAYA_2018["study_area"]
    res = slab_tonnage(area["area_km2"], area["thickness_m"], area["grade_ppm"], density_t_m3, factor)
    study = {"check": "Takaya 2018 study area (2,500 km2, 0-10 mbsf)",
             "inputs": {"area_km2": (area["area_km2"], pub), "thickness_m": (area["thickness_m"], pub),
                        "grade_ppm": (area["grade_ppm"], pub + ": mean total REY"),
                        "density_t_m3": (density_t_m3, _DENSITY_BASIS),
                        "oxide_factor": (factor, factor_basis)},
             **res, "published_reo_t": area["reo_t"], "published_basis": pub + ": more than 16 Mt REO"}
    sq = TAKAYA_2018["richest_square"]
    grade = implied_grade_ppm(sq["reo_t"], sq["area_km2"], sq["thickness_m"], density_t_m3, factor)
    res = slab_tonnage(sq["area_km2"], sq["thickness_m"], grade, density_t_m3, factor)
    square = {"check": "Takaya 2018 richest grid square (105 km2, 0-10 mbsf)",
              "inputs": {"area_km2": (sq["area_km2"], pub), "thickness_m": (sq["thickness_m"], pub),
                         "grade_ppm": (grade, "BACK-SOLVED from the published 1.2 Mt with this density and "
                                              "oxide factor (no grade published): circular, reproduces 1.2 Mt"),
                         "density_t_m3": (density_t_m3, _DENSITY_BASIS),
                         "oxide_factor": (factor, factor_basis)},
              **res, "published_reo_t": sq["reo_t"], "published_basis": pub + ": 1.2 Mt REO"}
    return [study, square]


def _resolve_factor(oxide_factor: float | str | Mapping[str, float] | None) -> tuple[float, str]:
    if oxide_factor is None:
        return (mean_oxide_factor(DEFAULT_PATTERN),
                f"implied by the {DEFAULT_PATTERN} REY pattern (a reference shale, NOT the mud's own pattern)")
    if isinstance(oxide_factor, (str, Mapping)):
        name = oxide_factor if isinstance(oxide_factor, str) else "the given REY pattern"
        return mean_oxide_factor(oxide_factor), f"implied by {name} (its TREO/REY mass ratio)"
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
