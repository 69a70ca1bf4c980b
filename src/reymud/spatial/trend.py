"""Trend surfaces (polynomial drift in easting/northing) and the variogram of their residuals.

A regional trend inflates the experimental variogram: it keeps rising, the fitted range runs far
beyond the core spacing and the sill beyond the data variance. Two standard remedies (Chilès &
Delfiner 2012, ch. 5; Wackernagel 2003, ch. 38):

- kriging of residuals: fit a trend surface by least squares, krige the residuals, add the trend back;
- universal kriging: :class:`reymud.spatial.OrdinaryKriging` with ``drift="linear"|"quadratic"``,
  which needs the variogram of the residuals, not of the raw data.

Both need the residual variogram; :func:`fit_trend_and_variogram` fits it in one call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reymud.spatial._checks import as_coords_values
from reymud.spatial.covariance import VariogramModel
from reymud.spatial.kriging_core import drift_terms
from reymud.spatial.variogram import (
    experimental_variogram,
    fit_variogram,
    variogram_checks,
)

__all__ = ["TREND_ORDERS", "TrendSurface", "fit_trend_and_variogram"]

#: Trend orders and the names of their terms (``de``, ``dn`` = easting/northing minus the data centre, m).
TREND_ORDERS = {
    "none": ("1",),
    "linear": ("1", "de", "dn"),
    "quadratic": ("1", "de", "dn", "de2", "de_dn", "dn2"),
}


class TrendSurface:
    """Least-squares polynomial trend surface in easting/northing (scikit-learn style).

    Parameters
    ----------
    order : {"none", "linear", "quadratic"}
        ``"none"`` fits the mean only (residuals = deviations from the mean).

    Attributes
    ----------
    coef_ : ndarray
        Coefficients of the terms ``term_names_`` with ``de, dn`` in metres from ``centre_``
        (slopes per metre, curvatures per square metre).
    centre_ : ndarray (2,)
        Mean easting/northing of the fitted data.
    term_names_ : tuple of str
    """

    def __init__(self, order: str = "linear") -> None:
        self.order = order

    def fit(self, xy, z) -> TrendSurface:
        """Fit to (n, 2) coordinates in metres and (n,) values; returns self.

        Raises
        ------
        ValueError
            Unknown order, or fewer data than trend terms + 1.
        """
        if self.order not in TREND_ORDERS:
            raise ValueError(f"TrendSurface: order must be one of {tuple(TREND_ORDERS)}, got {self.order!r}")
        xy, z = as_coords_values(xy, z, "TrendSurface.fit", allow_duplicates=True)
        names = TREND_ORDERS[self.order]
        if len(z) < len(names) + 1:
            raise ValueError(f"TrendSurface.fit: a {self.order} trend has {len(names)} terms and needs at least "
                             f"{len(names) + 1} data, got {len(z)}")
        self.centre_ = xy.mean(axis=0)
        self.scale_ = float(max(np.abs(xy - self.centre_).max(), 1.0))
        a = drift_terms(xy, self.centre_, self.scale_, self.order)
        coef, *_ = np.linalg.lstsq(a, z, rcond=None)
        powers = np.array([0, 1, 1, 2, 2, 2][:len(names)], dtype=float)
        self.coef_ = coef / self.scale_ ** powers
        self._coef_scaled = coef
        self.term_names_ = names
        self.n_ = len(z)
        return self

    def predict(self, xy) -> np.ndarray:
        """Trend value at (m, 2) coordinates in metres."""
        if not hasattr(self, "coef_"):
            raise RuntimeError("TrendSurface is not fitted: call fit(xy, z) first")
        xy = np.asarray(xy, dtype=float)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"TrendSurface.predict: xy must be an (m, 2) array, got shape {xy.shape}")
        return drift_terms(xy, self.centre_, self.scale_, self.order) @ self._coef_scaled

    def residuals(self, xy, z) -> np.ndarray:
        """``z - trend(xy)``."""
        return np.asarray(z, dtype=float) - self.predict(xy)

    def to_dict(self) -> dict:
        """JSON-ready description of the fitted surface."""
        return {"order": self.order, "centre_m": [float(c) for c in self.centre_],
                "coefficients": {n: float(c) for n, c in zip(self.term_names_, self.coef_, strict=True)},
                "convention": "de, dn = easting, northing minus centre_m, metres"}


def fit_trend_and_variogram(
    xy,
    z,
    trend: str = "none",
    kinds: tuple[str, ...] = ("spherical",),
    weighting: str = "npairs_h2",
    nugget: bool = True,
    n_lags: int | None = None,
    max_lag: float | None = None,
    extent_m: float | None = None,
    loo_correlation: float | None = None,
    min_pairs: int = 30,
) -> tuple[TrendSurface, VariogramModel, pd.DataFrame, tuple[str, ...]]:
    """Fit a trend surface, then the variogram of its residuals, and check the result.

    Parameters
    ----------
    xy, z : array_like
        (n, 2) coordinates in metres and (n,) values.
    trend : {"none", "linear", "quadratic"}
        Trend order (``"none"`` = the variogram of the data themselves).
    kinds, weighting, nugget
        Passed to :func:`reymud.spatial.fit_variogram`.
    n_lags, max_lag
        Passed to :func:`reymud.spatial.experimental_variogram` (its defaults when None).
    extent_m : float, optional
        Survey extent for the range check (default the bounding-box diagonal of ``xy``).
    loo_correlation : float, optional
        Leave-one-out correlation, when already known, for the diagnostics.
    min_pairs : int
        Fewest pairs per lag before a warning.

    Returns
    -------
    trend_surface : TrendSurface
    model : VariogramModel
        Fitted to the residuals.
    experimental : DataFrame
        Residual experimental variogram (``lag_m``, ``gamma``, ``n_pairs``, ``azimuth``); its
        ``attrs["checks"]`` holds the structured checks (list of dicts, JSON-safe: not evaluated = None) and
        ``attrs["trend"]`` the trend description.
    diagnostics : tuple of str
        Warnings of :func:`reymud.spatial.variogram_diagnostics` (empty when all checks pass).
    """
    surface = TrendSurface(trend).fit(xy, z)
    xy_a = np.asarray(xy, dtype=float)
    resid = surface.residuals(xy_a, z)
    exp = experimental_variogram(xy_a, resid, n_lags=n_lags, max_lag=max_lag)
    model = fit_variogram(exp, kinds, nugget=nugget, weighting=weighting)
    if extent_m is None:
        extent_m = float(np.hypot(*(xy_a.max(axis=0) - xy_a.min(axis=0))))
    checks = variogram_checks(exp, model, resid, extent_m, loo_correlation, min_pairs)
    exp.attrs["checks"] = [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
                           for row in checks.to_dict("records")]  # JSON-safe: NaN -> None
    exp.attrs["trend"] = surface.to_dict()
    return surface, model, exp, tuple(checks.loc[checks["passed"].eq(False), "message"])
