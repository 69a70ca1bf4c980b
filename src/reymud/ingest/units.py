"""Analyte names and units: what a lab column means and how to convert it exactly.

Canonical units (the store's): REY and other elements in ppm (mg/kg) as the element; major
oxides (``reymud.elements.MAJOR_OXIDES``) and other non-REY oxides in wt % as the oxide. A REY
oxide (``La2O3``, ``CeO2``, ``Pr6O11`` ...) is converted to the element with
``reymud.elements.oxide_factors()`` (other REY oxide stoichiometries from atomic weights).
Conversions are exact rationals applied as ``value * num / den`` (then ``/ oxide factor``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from reymud.elements import REY, atomic_weights, oxide_factors, oxide_names

__all__ = ["ELEMENTS", "UNITS_PER_PPM", "Conversion", "conversion", "normalise_unit", "parse_analyte"]

#: All element symbols (H-Og).
ELEMENTS: frozenset[str] = frozenset(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
    "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm "
    "Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No "
    "Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og".split())

#: Mass-fraction units as exact multiples of 1 ppm (key: normalised spelling).
UNITS_PER_PPM: dict[str, Fraction] = {
    "ppm": Fraction(1), "mg/kg": Fraction(1), "ug/g": Fraction(1), "g/t": Fraction(1),
    "ppb": Fraction(1, 1000), "ng/g": Fraction(1, 1000), "ug/kg": Fraction(1, 1000), "mg/t": Fraction(1, 1000),
    "wt%": Fraction(10000), "%": Fraction(10000), "mg/g": Fraction(1000), "g/kg": Fraction(1000),
}
_UNIT_ALIASES = {"wt.%": "wt%", "wt. %": "wt%", "wt %": "wt%", "weight%": "wt%", "mass%": "wt%",
                 "pct": "%", "percent": "%", "µg/g": "ug/g", "μg/g": "ug/g", "µg/kg": "ug/kg", "μg/kg": "ug/kg",
                 "mgkg": "mg/kg", "mg/kg-1": "mg/kg", "mgkg-1": "mg/kg", "ugg-1": "ug/g"}
_OXIDE_RE = re.compile(r"^([A-Z][a-z]?)(\d*)O(\d*)$")
_TOTAL_RE = re.compile(r"^([A-Z][a-z]?\d*O\d*)(?:T|\(T\)|\(t\)|\*|tot)$")
_O = 15.999


def normalise_unit(text: str | None) -> str | None:
    """Normalised unit key (``"wt %"`` -> ``"wt%"``, ``"µg/g"`` -> ``"ug/g"``), or None if unknown/empty."""
    if text is None:
        return None
    key = str(text).strip().lower().replace("μ", "µ")
    if not key:
        return None
    key = _UNIT_ALIASES.get(key, key)
    key = key.replace(" ", "").replace("µ", "u")
    key = _UNIT_ALIASES.get(key, key)
    return key if key in UNITS_PER_PPM else None


@lru_cache(maxsize=4096)
def parse_analyte(token: str, case_insensitive: bool = False) -> tuple[str, str, int, int] | None:
    """Recognise an element symbol or an oxide formula.

    Parameters
    ----------
    token : str
        E.g. ``"La"``, ``"La2O3"``, ``"SiO2"``, ``"Fe2O3T"`` (total iron, read as Fe2O3).
    case_insensitive : bool
        Also accept ``"LA"``/``"la"`` for ``La`` (used when the column states a unit).

    Returns
    -------
    tuple or None
        ``(kind, element, n_element, n_oxygen)`` with kind ``"element"`` or ``"oxide"``, or None.
    """
    token = token.strip()
    total = _TOTAL_RE.match(token)
    if total:
        token = total.group(1)
    if token in ELEMENTS:
        return ("element", token, 1, 0)
    match = _OXIDE_RE.match(token)
    if match and match.group(1) in ELEMENTS and match.group(1) != "O":
        return ("oxide", match.group(1), int(match.group(2) or 1), int(match.group(3) or 1))
    if case_insensitive and token.isalpha() and len(token) <= 2 and token.capitalize() in ELEMENTS:
        return ("element", token.capitalize(), 1, 0)
    return None


@dataclass(frozen=True)
class Conversion:
    """How one (analyte, unit) pair becomes canonical: ``value * num / den / oxide_factor``."""

    analyte: str
    unit: str
    num: int
    den: int
    oxide_factor: float

    def apply(self, values):
        """Convert values (scalar or array) to the canonical unit."""
        out = values * self.num / self.den
        return out / self.oxide_factor if self.oxide_factor != 1.0 else out


def _formula(element: str, n: int, m: int) -> str:
    return f"{element}{n if n > 1 else ''}O{m if m > 1 else ''}"


@lru_cache(maxsize=4096)
def conversion(analyte: tuple[str, str, int, int], unit_key: str) -> Conversion:
    """Canonical analyte, unit and exact factor for a parsed analyte reported in ``unit_key``.

    Parameters
    ----------
    analyte : tuple
        Output of :func:`parse_analyte`.
    unit_key : str
        A key of :data:`UNITS_PER_PPM` (see :func:`normalise_unit`).
    """
    kind, element, n, m = analyte
    per_ppm = UNITS_PER_PPM[unit_key]
    if kind == "element":
        return Conversion(element, "ppm", per_ppm.numerator, per_ppm.denominator, 1.0)
    formula = _formula(element, n, m)
    if element in REY:
        if formula == oxide_names()[element]:
            factor = float(oxide_factors()[element])
        else:
            weight = atomic_weights()[element]
            factor = (n * weight + m * _O) / (n * weight)
        return Conversion(element, "ppm", per_ppm.numerator, per_ppm.denominator, factor)
    to_wt = per_ppm / 10000
    return Conversion(formula, "wt%", to_wt.numerator, to_wt.denominator, 1.0)
