"""``df.rey``: a thin pandas accessor over the functional API (like pyrolite's ``df.pyrochem``)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import pandas as pd

from reymud.geochem import anomalies, core, summary
from reymud.geochem import lambdas as lambdas_mod
from reymud.geochem.config import GeochemConfig, Thresholds

__all__ = ["ReyAccessor"]


class ReyAccessor:
    """REY geochemistry of a wide samples frame: ``df.rey.total()``, ``df.rey.summarise()``, ...

    Each method calls the function of the same name in :mod:`reymud.geochem` with this frame.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._df = frame

    def total(self, include_ce: bool = True) -> pd.Series:
        """Total REY (ppm); see :func:`reymud.geochem.total_rey`."""
        return core.total_rey(self._df, include_ce=include_ce)

    def lree(self, convention: str = "takaya2018") -> pd.Series:
        """LREE sum (ppm); see :func:`reymud.geochem.lree`."""
        return core.lree(self._df, convention)

    def hree(self, convention: str = "takaya2018") -> pd.Series:
        """HREE sum (ppm); see :func:`reymud.geochem.hree`."""
        return core.hree(self._df, convention)

    def treo(self) -> pd.Series:
        """TREO (ppm oxide); see :func:`reymud.geochem.treo`."""
        return core.treo(self._df)

    def oxides(self) -> pd.DataFrame:
        """Per-element oxides (ppm); see :func:`reymud.geochem.to_oxides`."""
        return core.to_oxides(self._df)

    def normalise(self, reference: str | Mapping[str, float] = "CI_McDonoughSun1995") -> pd.DataFrame:
        """Normalised REY; see :func:`reymud.geochem.normalise`."""
        return core.normalise(self._df, reference)

    def ce_anomaly(self, reference="PAAS_TaylorMcLennan1985", method: str = "geometric") -> pd.Series:
        """Ce/Ce*; see :func:`reymud.geochem.ce_anomaly`."""
        return anomalies.ce_anomaly(self._df, reference, method)

    def eu_anomaly(self, reference="PAAS_TaylorMcLennan1985", method: str = "geometric") -> pd.Series:
        """Eu/Eu*; see :func:`reymud.geochem.eu_anomaly`."""
        return anomalies.eu_anomaly(self._df, reference, method)

    def y_ho(self) -> pd.Series:
        """Y/Ho mass ratio; see :func:`reymud.geochem.y_ho`."""
        return anomalies.y_ho(self._df)

    def classify(self, thresholds: Thresholds = Thresholds()) -> pd.Series:
        """Class from total REY (with Ce); see :func:`reymud.geochem.classify`."""
        return summary.classify(core.total_rey(self._df), thresholds)

    def lambdas(self, norm_to: str = "ChondriteREE_ON", exclude=lambdas_mod.DEFAULT_LAMBDA_EXCLUDE,
                degree: int = 4) -> pd.DataFrame:
        """REE shape coefficients through pyrolite; see :func:`reymud.geochem.lambdas.lambdas`."""
        return lambdas_mod.lambdas(self._df, norm_to=norm_to, exclude=exclude, degree=degree)

    def summarise(self, config: GeochemConfig = GeochemConfig()) -> pd.DataFrame:
        """Input plus derived columns; see :func:`reymud.geochem.summarise`."""
        return summary.summarise(self._df, config)


def register() -> None:
    """Register ``df.rey`` (idempotent)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pd.api.extensions.register_dataframe_accessor("rey")(ReyAccessor)
