"""Experimental variograms, weighted least-squares model fitting and variogram diagnostics.

Pairs are found with a KD-tree within ``max_lag`` and binned chunk by chunk (``chunk_points`` points
against the whole tree at a time), so memory is bounded by the pairs of one chunk, never O(n^2).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.spatial import cKDTree

from reymud.spatial._checks import as_coords_values
from reymud.spatial.covariance import STRUCTURE_KINDS, Structure, VariogramModel, _correlation
from reymud.spatial.nscore import NormalScoreTransform  # re-exported (moved to nscore.py)

__all__ = [
    "VARIOGRAM_DEFAULTS",
    "WEIGHTINGS",
    "NormalScoreTransform",
    "VariogramDefaults",
    "VariogramFitError",
    "experimental_variogram",
    "fit_variogram",
    "gstat_lags",
    "plan_resolution",
    "variogram_checks",
    "variogram_diagnostics",
]

#: Weightings of the least-squares fit and the gstat ``fit.method`` each one reproduces.
WEIGHTINGS = {"npairs_h2": 7, "npairs": 1, "cressie": 2, "equal": 6}


@dataclass(frozen=True)
class VariogramDefaults:
    """Judgement defaults of the experimental variogram, stated in one place."""

    n_lags: int = 12  #: number of lag classes
    max_lag_fraction: float = 0.5  #: default max lag = this fraction of the bounding-box diagonal
    angle_tol_deg: float = 22.5  #: half-angle of a directional cone
    chunk_points: int = 2_000  #: points per chunk of pair search (memory bound)


VARIOGRAM_DEFAULTS = VariogramDefaults()


class VariogramFitError(ValueError):
    """Raised when a variogram model cannot be fitted to an experimental variogram."""


def experimental_variogram(
    coords,
    values,
    n_lags: int | None = None,
    max_lag: float | None = None,
    azimuth: float | list[float] | None = None,
    angle_tol: float = VARIOGRAM_DEFAULTS.angle_tol_deg,
    bandwidth: float | None = None,
    defaults: VariogramDefaults = VARIOGRAM_DEFAULTS,
    closed: str = "left",
) -> pd.DataFrame:
    """Experimental semivariogram, omnidirectional or directional.

    Parameters
    ----------
    coords : array_like, shape (n, 2)
        Easting, northing in metres.
    values : array_like, shape (n,)
        Values (NaN rows are dropped).
    n_lags : int, optional
        Number of lag classes of equal width ``max_lag / n_lags`` (default 12).
    max_lag : float, optional
        Largest lag in metres (default half the bounding-box diagonal).
    azimuth : float or list of float, optional
        Direction(s) in degrees clockwise from north; ``None`` = omnidirectional.
    angle_tol : float
        Angular half-tolerance of each direction, degrees.
    bandwidth : float, optional
        Maximum perpendicular distance of a pair from the direction axis, metres.
    closed : {"left", "right"}
        ``"left"``: class ``k`` holds ``k w <= d < (k+1) w`` (the last class also ``d == max_lag``);
        ``"right"``: class ``k`` holds ``k w < d <= (k+1) w`` and coincident pairs (``d == 0``) are
        dropped, which is gstat's lag definition (use with :func:`gstat_lags`).

    Returns
    -------
    DataFrame
        ``lag_m`` (mean pair distance in the class), ``gamma``, ``n_pairs``, ``azimuth`` (NaN when
        omnidirectional); empty classes are dropped.
    """
    xy, z = as_coords_values(coords, values, "experimental_variogram", allow_duplicates=True)
    if closed not in ("left", "right"):
        raise ValueError(f"experimental_variogram: closed must be 'left' or 'right', got {closed!r}")
    n_lags = int(n_lags or defaults.n_lags)
    if max_lag is None:
        ext = xy.max(axis=0) - xy.min(axis=0)
        max_lag = float(np.hypot(*ext) * defaults.max_lag_fraction)
    if not max_lag > 0:
        raise ValueError("experimental_variogram: max_lag must be > 0 (are all points at one location?)")
    directions = [None] if azimuth is None else list(np.atleast_1d(azimuth).astype(float))
    width = max_lag / n_lags
    nd = len(directions)
    sums = np.zeros((nd, n_lags))
    dsum = np.zeros((nd, n_lags))
    counts = np.zeros((nd, n_lags), dtype=np.int64)
    tree = cKDTree(xy)
    step = defaults.chunk_points
    for start in range(0, len(xy), step):
        sub = cKDTree(xy[start:start + step])
        pairs = sub.sparse_distance_matrix(tree, max_lag, output_type="ndarray")
        i = pairs["i"] + start
        j = pairs["j"]
        keep = i < j
        if closed == "right":
            keep &= pairs["v"] > 0
        i, j, d = i[keep], j[keep], pairs["v"][keep]
        if closed == "right":
            lag = np.clip(np.ceil(d / width).astype(np.int64) - 1, 0, n_lags - 1)
        else:
            lag = np.minimum((d / width).astype(np.int64), n_lags - 1)
        sq = 0.5 * (z[i] - z[j]) ** 2
        de = xy[j, 0] - xy[i, 0]
        dn = xy[j, 1] - xy[i, 1]
        pair_az = np.degrees(np.arctan2(de, dn)) % 180.0
        for k, az in enumerate(directions):
            if az is None:
                sel = np.ones(len(d), dtype=bool)
            else:
                diff = np.abs((pair_az - az % 180.0 + 90.0) % 180.0 - 90.0)
                sel = diff <= angle_tol
                if bandwidth is not None:
                    sel &= d * np.sin(np.deg2rad(diff)) <= bandwidth
            sums[k] += np.bincount(lag[sel], sq[sel], minlength=n_lags)
            dsum[k] += np.bincount(lag[sel], d[sel], minlength=n_lags)
            counts[k] += np.bincount(lag[sel], minlength=n_lags)
    rows = []
    for k, az in enumerate(directions):
        ok = counts[k] > 0
        rows.append(pd.DataFrame({
            "lag_m": dsum[k][ok] / counts[k][ok],
            "gamma": sums[k][ok] / counts[k][ok],
            "n_pairs": counts[k][ok],
            "azimuth": np.nan if az is None else az,
        }))
    out = pd.concat(rows, ignore_index=True)
    out.attrs.update(max_lag_m=max_lag, n_lags=n_lags, angle_tol_deg=angle_tol, closed=closed,
                     bandwidth_m=bandwidth, variance=float(np.var(z)))
    return out


#: gstat's default cutoff as a fraction of the data box diagonal (``DEF_fraction`` in gstat's C source).
GSTAT_CUTOFF_FRACTION = 0.33333


def gstat_lags(coords) -> dict:
    """gstat's default lags for ``variogram()``: cutoff = 1/3 of the bounding-box diagonal, 15 classes.

    Returns keyword arguments for :func:`experimental_variogram` (``max_lag``, ``n_lags``,
    ``closed="right"``). Source: gstat ``variogram`` documentation (Pebesma 2004), ``cutoff``
    default "one third of the diagonal of the box spanning the data", ``width`` = cutoff / 15.
    The fraction is gstat's own constant ``DEF_fraction = 0.33333`` (its C source, ``defaults.h``),
    not exactly 1/3, so the lag boundaries are gstat's to the last digit.
    """
    xy = np.asarray(coords, dtype=float)
    ext = xy.max(axis=0) - xy.min(axis=0)
    return {"max_lag": float(np.hypot(*ext) * GSTAT_CUTOFF_FRACTION), "n_lags": 15, "closed": "right"}


def fit_variogram(
    experimental: pd.DataFrame,
    kinds: tuple[str, ...] = ("spherical",),
    nugget: bool = True,
    azimuth_deg: float | None = None,
    max_range_m: float | None = None,
    weighting: str = "npairs_h2",
) -> VariogramModel:
    """Weighted least-squares fit of nugget + nested structures.

    With several directions in ``experimental`` the structures get geometric anisotropy: the major
    axis is ``azimuth_deg`` (default the first direction) and major/minor ranges are both fitted.

    Parameters
    ----------
    experimental : DataFrame
        From :func:`experimental_variogram` (``lag_m``, ``gamma``, ``n_pairs``, ``azimuth``).
    kinds : tuple of str
        Nested structure kinds.
    nugget : bool
        Fit a nugget effect.
    azimuth_deg : float, optional
        Major axis of a directional fit.
    max_range_m : float, optional
        Upper bound of the fitted ranges (default twice the largest lag).
    weighting : {"npairs_h2", "npairs", "cressie", "equal"}
        Weights of the squared residual at lag ``j``: ``N_j / h_j^2`` (gstat ``fit.method = 7``,
        its default), ``N_j`` (``fit.method = 1``), ``N_j / gamma_model(h_j)^2`` (Cressie 1985,
        ``fit.method = 2``) or 1 (``fit.method = 6``).

    Raises
    ------
    VariogramFitError
        Too few non-empty lag classes, zero variance, or the optimiser does not converge.
    """
    if weighting not in WEIGHTINGS:
        raise VariogramFitError(f"unknown weighting {weighting!r}; use one of {tuple(WEIGHTINGS)}")
    for k in kinds:
        if k not in STRUCTURE_KINDS:
            raise VariogramFitError(f"unknown structure kind {k!r}; use one of {STRUCTURE_KINDS}")
    exp = experimental[experimental["n_pairs"] > 0]
    lag = exp["lag_m"].to_numpy(float)
    gam = exp["gamma"].to_numpy(float)
    npairs = exp["n_pairs"].to_numpy(float)
    if weighting == "npairs_h2":
        wt = npairs / np.maximum(lag, 1e-9 * max(float(lag.max()), 1.0)) ** 2
    elif weighting in ("npairs", "cressie"):
        wt = npairs
    else:
        wt = np.ones(len(lag))
    w = np.sqrt(wt / wt.mean())  # rescaling the weights leaves the optimum unchanged
    az_col = exp["azimuth"].to_numpy(float)
    directional = np.isfinite(az_col).any() and len(np.unique(az_col[np.isfinite(az_col)])) > 1
    if azimuth_deg is None:
        azimuth_deg = float(az_col[np.isfinite(az_col)][0]) if np.isfinite(az_col).any() else 0.0
    az_pair = np.where(np.isfinite(az_col), az_col, azimuth_deg)
    n_par = len(kinds) * (3 if directional else 2) + int(nugget)
    if len(lag) < n_par + 1:
        raise VariogramFitError(
            f"cannot fit {n_par} parameters to {len(lag)} non-empty lag classes: use more lags, a larger "
            "max_lag, fewer structures, or give the model by hand")
    gmax = float(np.max(gam))
    if not gmax > 0:
        raise VariogramFitError("experimental variogram is zero at every lag (all values equal?): "
                                "nothing to fit")
    lmax = float(max_range_m or 2.0 * lag.max())

    def unpack(p):
        i = int(nugget)
        structs = []
        for kind in kinds:
            if directional:
                sill, r, rm = p[i:i + 3]
                i += 3
            else:
                sill, r = p[i:i + 2]
                rm = r
                i += 2
            structs.append(Structure(kind, sill, r, rm, azimuth_deg))
        return (p[0] if nugget else 0.0), structs

    def resid(p):
        nug, structs = unpack(p)
        model_gam = np.full(len(lag), nug)
        for s in structs:
            r = s.range_along(az_pair)
            model_gam = model_gam + s.sill * (1.0 - _correlation(s.kind, lag / r))
        if weighting == "cressie":
            return w * (gam / np.maximum(model_gam, 1e-12 * gmax) - 1.0)
        return w * (model_gam - gam)

    x0, lo, hi = ([0.1 * gmax], [0.0], [2.0 * gmax]) if nugget else ([], [], [])
    for j, _ in enumerate(kinds):
        frac = (j + 1) / (len(kinds) + 1)
        x0 += [0.9 * gmax / len(kinds), lmax * frac / 2] + ([lmax * frac / 2] if directional else [])
        lo += [0.0, lmax * 1e-3] + ([lmax * 1e-3] if directional else [])
        hi += [2.0 * gmax, lmax] + ([lmax] if directional else [])
    try:
        res = optimize.least_squares(resid, np.array(x0), bounds=(np.array(lo), np.array(hi)))
    except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - defensive
        raise VariogramFitError(f"variogram fit failed: {exc}") from exc
    if not res.success or not np.all(np.isfinite(res.x)):
        raise VariogramFitError(f"variogram fit did not converge ({res.message}); give the model by hand")
    nug, structs = unpack(res.x)
    if nug + sum(s.sill for s in structs) <= 0:
        raise VariogramFitError("fitted variogram has zero sill; give the model by hand")
    model = VariogramModel(float(nug), tuple(
        Structure(s.kind, float(s.sill), float(s.range_m), float(s.minor_m), float(azimuth_deg))
        for s in structs))
    return model


def variogram_checks(
    experimental: pd.DataFrame,
    model: VariogramModel,
    values,
    extent_m: float,
    loo_correlation: float | None = None,
    min_pairs: int = 30,
) -> pd.DataFrame:
    """Structured checks of a fitted variogram (one row per check; JSON-ready with ``to_dict("records")``).

    Parameters
    ----------
    experimental : DataFrame
        The experimental variogram the model was fitted to (needs ``lag_m`` and ``n_pairs``).
    model : VariogramModel
        The fitted model.
    values : array_like
        The data the variogram was computed on (NaNs ignored), for the data variance.
    extent_m : float
        Survey extent in metres (e.g. the bounding-box diagonal of the data).
    loo_correlation : float, optional
        Correlation of leave-one-out estimates with the data; the check is skipped when None.
    min_pairs : int
        Fewest pairs a lag class should hold (Journel & Huijbregts 1978 rule of thumb: 30).

    Returns
    -------
    DataFrame
        ``check``, ``value``, ``limit``, ``passed`` (bool, or None when not evaluated) and ``message``
        (the warning text; empty when passed).
    """
    z = np.asarray(values, dtype=float)
    z = z[np.isfinite(z)]
    variance = float(np.var(z)) if len(z) else float("nan")
    rng = max((s.range_m for s in model.structures), default=0.0)
    lags = experimental[["lag_m", "n_pairs"]]
    thin = lags[lags["n_pairs"] < min_pairs]
    rows = [
        ("range_vs_extent", rng, float(extent_m), bool(rng <= extent_m),
         f"fitted range {rng:,.0f} m exceeds the survey extent {extent_m:,.0f} m: the variogram does not "
         "reach its sill inside the survey (trend or too few data?)"),
        ("sill_vs_variance", model.sill, 1.5 * variance, bool(model.sill <= 1.5 * variance),
         f"fitted sill {model.sill:.4g} is {model.sill / variance:.2f}x the data variance {variance:.4g} "
         "(limit 1.5x): a trend is likely (fit a linear or quadratic trend) or the sill is not reached"),
        ("min_pairs_per_lag", float(lags["n_pairs"].min()) if len(lags) else 0.0, float(min_pairs),
         bool(len(thin) == 0),
         f"{len(thin)} of {len(lags)} lag classes have fewer than {min_pairs} pairs (lags "
         + ", ".join(f"{r.lag_m:,.0f} m: {int(r.n_pairs)}" for r in thin.head(6).itertuples())
         + (", ..." if len(thin) > 6 else "") + ")"),
    ]
    if loo_correlation is None:
        rows.append(("loo_correlation", float("nan"), 0.5, None, ""))
    else:
        rows.append(("loo_correlation", float(loo_correlation), 0.5, bool(loo_correlation >= 0.5),
                     f"leave-one-out correlation {loo_correlation:.2f} is below 0.5: the variogram "
                     "predicts the data poorly"))
    out = pd.DataFrame(rows, columns=["check", "value", "limit", "passed", "message"])
    out["passed"] = out["passed"].astype(object)
    out.loc[out["passed"].eq(True), "message"] = ""
    return out


def variogram_diagnostics(
    experimental: pd.DataFrame,
    model: VariogramModel,
    values,
    extent_m: float,
    loo_correlation: float | None = None,
    min_pairs: int = 30,
) -> tuple[str, ...]:
    """Warning strings of the checks that failed (see :func:`variogram_checks`; empty when all pass)."""
    checks = variogram_checks(experimental, model, values, extent_m, loo_correlation, min_pairs)
    return tuple(checks.loc[checks["passed"].eq(False), "message"])


def plan_resolution(points: pd.DataFrame, plan, model: VariogramModel | None = None,
                    variable: str = "total_rey_ppm") -> dict:
    """Facts on how well the data resolve the variogram of ``variable`` (read by the classification).

    The experimental variogram and (unless ``model`` is given) the model come from the plan's own
    recipe (:func:`reymud.spatial.blockmodel.fit_plan_model`: residuals of the plan's trend); the
    leave-one-out correlation uses the plan's neighbourhood and drift. The thresholds applied to
    these facts are :class:`reymud.resource.ClassificationRules` fields (``measured_max_range_to_extent``,
    ``measured_min_pairs_per_lag`` / ``measured_min_reliable_lags``, ``measured_min_loo_correlation``).

    Parameters
    ----------
    points : DataFrame
        Window points (``easting``, ``northing``, ``variable``).
    plan : EstimationPlan
    model : VariogramModel, optional
        The model the block model was kriged with (default: fitted as the plan says).
    variable : str

    Returns
    -------
    dict
        JSON-ready: ``variable``, ``range_m`` (longest structure), ``extent_m`` (bounding-box diagonal
        of the data), ``lags`` (``[[lag_m, n_pairs], ...]``), ``loo_correlation`` (None when it
        cannot be computed), ``n_data``, ``trend``.
    """
    from reymud.spatial.blockmodel import fit_plan_model
    from reymud.spatial.kriging import OrdinaryKriging
    from reymud.spatial.neighbourhood import Neighbourhood
    from reymud.spatial.validate import cross_validate

    z = points[variable].to_numpy(float)
    ok = np.isfinite(z)
    xy, z = points[["easting", "northing"]].to_numpy(float)[ok], z[ok]
    out = {"variable": variable, "n_data": int(ok.sum()), "trend": plan.trend, "range_m": None,
           "extent_m": float(np.hypot(*np.ptp(xy, axis=0))) if len(xy) else 0.0, "lags": [],
           "loo_correlation": None}
    if len(z) < 3 or not np.ptp(z) > 0:
        return out
    experimental, fitted, _, _ = fit_plan_model(xy, z, plan, variable)
    model = model or fitted
    out["range_m"] = float(max((s.range_m for s in model.structures), default=0.0))
    out["lags"] = [[float(r.lag_m), int(r.n_pairs)] for r in experimental.itertuples() if r.n_pairs > 0]
    hood = Neighbourhood(max_samples=plan.max_samples, min_samples=min(plan.min_samples, 2),
                         radius_m=plan.search_radius_m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a drift a small neighbourhood cannot determine: NaN estimates
        try:
            estimator = OrdinaryKriging(model, hood, drift=plan.trend)
            corr = cross_validate(estimator, xy, z, "loo").attrs["summary"].get("correlation")
        except (ValueError, np.linalg.LinAlgError):
            corr = None
    out["loo_correlation"] = None if corr is None or not np.isfinite(corr) else float(corr)
    return out
