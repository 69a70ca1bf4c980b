"""Element lists, plot order and oxide conversion: the vocabulary every stage shares.

REY = the 14 naturally occurring lanthanides La-Lu (no Pm) plus Y. Plot order places Y between
Dy and Ho (its ionic radius sits there). Oxide factors convert an element mass to the mass of
its conventional oxide (Ce as CeO2, Pr as Pr6O11, Tb as Tb4O7, others RE2O3); values are read
from the packaged table ``data/oxide_factors.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from reymud.data import read_reference

__all__ = [
    "HREE_CONVENTIONS",
    "LANTHANIDES",
    "MAJOR_OXIDES",
    "REY",
    "REY_PLOT_ORDER",
    "atomic_weights",
    "oxide_factors",
    "oxide_names",
]

LANTHANIDES: tuple[str, ...] = (
    "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
)
REY: tuple[str, ...] = (*LANTHANIDES, "Y")
REY_PLOT_ORDER: tuple[str, ...] = (
    "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Y", "Ho", "Er", "Tm", "Yb", "Lu",
)

#: Named HREE conventions (element tuples). LREE is the complement within REY.
HREE_CONVENTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # Takaya et al. 2018 (Sci. Rep. 8:5763): HREE = Eu-Lu (Y counted separately).
        "takaya2018": ("Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu"),
        # Common industry convention: HREE = Gd-Lu plus Y.
        "gd_lu_y": ("Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y"),
        # Gd-Lu without Y.
        "gd_lu": ("Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu"),
    }
)

#: Major-element oxides as labs report them (wt %), with (element, oxide factor).
#: Factors from IUPAC atomic weights (O = 15.999).
MAJOR_OXIDES: Mapping[str, tuple[str, float]] = MappingProxyType(
    {
        "SiO2": ("Si", 60.083 / 28.085),
        "TiO2": ("Ti", 79.865 / 47.867),
        "Al2O3": ("Al", 101.960 / (2 * 26.982)),
        "Fe2O3": ("Fe", 159.687 / (2 * 55.845)),
        "FeO": ("Fe", 71.844 / 55.845),
        "MnO": ("Mn", 70.937 / 54.938),
        "MgO": ("Mg", 40.304 / 24.305),
        "CaO": ("Ca", 56.077 / 40.078),
        "Na2O": ("Na", 61.979 / (2 * 22.990)),
        "K2O": ("K", 94.195 / (2 * 39.098)),
        "P2O5": ("P", 141.943 / (2 * 30.974)),
    }
)


@lru_cache(maxsize=1)
def _oxide_table():
    table = read_reference("oxide_factors").set_index("element")
    return table


def oxide_factors() -> dict[str, float]:
    """Oxide mass per element mass, e.g. ``{"Ce": 1.2284, ...}`` (REY and Sc)."""
    return _oxide_table()["factor_oxide_per_element"].astype(float).to_dict()


def oxide_names() -> dict[str, str]:
    """Conventional oxide formula of each element, e.g. ``{"Pr": "Pr6O11", ...}``."""
    return _oxide_table()["oxide"].to_dict()


def atomic_weights() -> dict[str, float]:
    """Standard atomic weights (g/mol) of REY and Sc."""
    return _oxide_table()["atomic_weight"].astype(float).to_dict()
