"""Shared geography of the Minamitorishima deposit: one home for the EEZ circle and the study box.

Every stage reads these (``spatial.crs`` for masks and outlines, ``plot`` for map boundaries, ``demo`` for the
synthetic EEZ survey), so they live at the top of the package, beside :mod:`reymud.elements`.
Sources: DOMAIN.md section 1 (Minamitorishima about 24.28 N, 153.98 E; the EEZ taken as a 200-nautical-mile
circle, UNCLOS art. 57) and Takaya et al. (2018, Sci. Rep. 8:5763) for the study box.
"""

from __future__ import annotations

__all__ = ["EEZ_RADIUS_KM", "MINAMITORISHIMA_LATLON", "TAKAYA2018_BOX"]

#: Minamitorishima (Marcus Island), degrees N, degrees E.
MINAMITORISHIMA_LATLON: tuple[float, float] = (24.28, 153.98)
#: 200 nautical miles in km: the EEZ radius (a circle to a good approximation; no neighbour's zone overlaps).
EEZ_RADIUS_KM: float = 370.4
#: Takaya et al. 2018 study box (lat_min, lat_max, lon_min, lon_max): 21 48'-22 15' N, 153 30'-154 07' E.
TAKAYA2018_BOX: tuple[float, float, float, float] = (21.8, 22.25, 153.5, 154.0 + 7.0 / 60.0)
