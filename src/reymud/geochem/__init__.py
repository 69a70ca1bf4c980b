"""REY geochemistry on the wide samples frame (element symbols in ppm), vectorised over samples.

Functional API plus a thin pandas accessor ``df.rey`` registered on import::

    from reymud import geochem
    out = geochem.summarise(samples, geochem.GeochemConfig(reference="PAAS_TaylorMcLennan1985"))
    ci = samples.rey.normalise("CI_McDonoughSun1995")
"""

from __future__ import annotations

from reymud.geochem.accessor import ReyAccessor, register
from reymud.geochem.anomalies import ce_anomaly, eu_anomaly, y_ho
from reymud.geochem.config import ANOMALY_METHODS, CLASS_LABELS, GeochemConfig, Thresholds
from reymud.geochem.core import (
    REFERENCE_ALIASES,
    hree,
    lree,
    lree_elements,
    normalise,
    reference_names,
    reference_values,
    to_oxides,
    total_rey,
    treo,
)
from reymud.geochem.summary import SUMMARY_COLUMNS, classify, summarise

register()

__all__ = [
    "ANOMALY_METHODS",
    "CLASS_LABELS",
    "REFERENCE_ALIASES",
    "SUMMARY_COLUMNS",
    "GeochemConfig",
    "ReyAccessor",
    "Thresholds",
    "ce_anomaly",
    "classify",
    "eu_anomaly",
    "hree",
    "lree",
    "lree_elements",
    "normalise",
    "reference_names",
    "reference_values",
    "summarise",
    "to_oxides",
    "total_rey",
    "treo",
    "y_ho",
]
