"""Experimental variograms, weighted least-squares model fitting and the normal-score transform.

Pairs are found with a KD-tree within ``max_lag`` and binned chunk by chunk (``chunk_points`` points
against the whole tree at a time), so memory is bounded by the pairs of one chunk, never O(n^2).
"""

from __future__ import annotations

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
    "NormalScoreTransform",
    "VariogramDefaults",
    "VariogramFitError",
    "experimental_variogram",
    "fit_variogram",
]


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

    Returns
    -------
    DataFrame
        ``lag_m`` (mean pair distance in the class), ``gamma``, ``n_pairs``, ``azimuth`` (NaN when
        omnidirectional); empty classes are dropped.
    """
    xy, z = as_coords_values(coords, values, "experimental_variogram", allow_duplicates=True)
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
        i, j, d = i[keep], j[keep], pairs["v"][keep]
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
    out.attrs.update(max_lag_m=max_lag, n_lags=n_lags, angle_tol_deg=angle_tol,
                     bandwidth_m=bandwidth, variance=float(np.var(z)))
    return out


def fit_variogram(
    experimental: pd.DataFrame,
    kinds: tuple[str, ...] = ("spherical",),
    nugget: bool = True,
    azimuth_deg: float | None = None,
    max_range_m: float | None = None,
) -> VariogramModel:
    """Weighted least-squares fit of nugget + nested structures (weights = pair counts).

    With several directions in ``experimental`` the structures get geometric anisotropy: the major
    axis is ``azimuth_deg`` (default the first direction) and major/minor ranges are both fitted.

    Raises
    ------
    VariogramFitError
        Too few non-empty lag classes, zero variance, or the optimiser does not converge.
    """
    for k in kinds:
        if k not in STRUCTURE_KINDS:
            raise VariogramFitError(f"unknown structure kind {k!r}; use one of {STRUCTURE_KINDS}")
    exp = experimental[experimental["n_pairs"] > 0]
    lag = exp["lag_m"].to_numpy(float)
    gam = exp["gamma"].to_numpy(float)
    w = np.sqrt(exp["n_pairs"].to_numpy(float))
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
