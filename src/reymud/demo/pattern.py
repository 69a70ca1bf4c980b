"""The synthetic REY patterns of the demo survey (a SYNTHETIC ASSUMPTION, not a measurement).

Two end-members are defined by PAAS-normalised ratios (PAAS = Taylor & McLennan 1985, read from
the packaged ``reference_compositions_ppm.csv``) and turned into element proportions of total REY:

- ``RICH_PAAS_RATIOS``: a seawater-like pattern of REY carried by biogenic apatite (fish debris):
  negative Ce anomaly (Ce_N 0.30 -> Ce/Ce* about 0.31), positive Y anomaly (Y_N 2.3 -> Y/Ho about 40),
  HREE enriched (Yb_N / La_N = 1.5). Shaped after published REY-rich mud patterns
  (e.g. Kato et al. 2011; Takaya et al. 2018) but not copied from any sample.
- ``BACKGROUND_PAAS_RATIOS``: a nearly flat, detrital red-clay pattern (Ce_N 0.85, Y/Ho about 30).
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from reymud.data import read_reference
from reymud.elements import REY

__all__ = ["BACKGROUND_PAAS_RATIOS", "RICH_PAAS_RATIOS", "proportions"]

RICH_PAAS_RATIOS = MappingProxyType({
    "La": 1.00, "Ce": 0.30, "Pr": 0.95, "Nd": 1.00, "Sm": 1.10, "Eu": 1.25, "Gd": 1.45, "Tb": 1.45,
    "Dy": 1.50, "Ho": 1.55, "Er": 1.60, "Tm": 1.55, "Yb": 1.50, "Lu": 1.50, "Y": 2.30,
})
BACKGROUND_PAAS_RATIOS = MappingProxyType({
    "La": 1.00, "Ce": 0.85, "Pr": 1.00, "Nd": 1.00, "Sm": 1.00, "Eu": 1.05, "Gd": 1.05, "Tb": 1.05,
    "Dy": 1.05, "Ho": 1.05, "Er": 1.05, "Tm": 1.05, "Yb": 1.05, "Lu": 1.05, "Y": 1.15,
})


def proportions(ratios) -> np.ndarray:
    """Mass fraction of each REY (order of :data:`reymud.elements.REY`) in total REY for a pattern."""
    paas = read_reference("reference_compositions_ppm").set_index("element")["PAAS_TaylorMcLennan1985"]
    ppm = np.array([ratios[el] * float(paas[el]) for el in REY])
    return ppm / ppm.sum()
