"""Input checks shared by the spatial stage: clear errors for degenerate data."""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["SpatialInputError", "as_coords_values", "check_not_collinear", "merge_duplicates"]


class SpatialInputError(ValueError):
    """Degenerate spatial input (duplicates, too few points, zero variance, collinear points)."""


def as_coords_values(coords, values, where: str, allow_duplicates: bool = False,
                     min_points: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Validate and return ``(coords (n, 2) float, values (n,) or (n, p) float)`` without NaN rows.

    Raises
    ------
    SpatialInputError
        Wrong shapes, fewer than ``min_points`` finite rows, or (unless ``allow_duplicates``)
        duplicate locations, which are named with their row numbers.
    """
    xy = np.asarray(coords, dtype=float)
    z = np.asarray(values, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise SpatialInputError(f"{where}: coords must have shape (n, 2) [easting, northing], got {xy.shape}")
    if z.shape[0] != xy.shape[0]:
        raise SpatialInputError(f"{where}: {xy.shape[0]} coordinates but {z.shape[0]} values")
    ok = np.all(np.isfinite(xy), axis=1) & (np.isfinite(z) if z.ndim == 1 else np.all(np.isfinite(z), axis=1))
    if (~ok).any():
        xy, z = xy[ok], z[ok]
    if len(xy) < min_points:
        raise SpatialInputError(f"{where}: only {len(xy)} points with finite coordinates and values; "
                                f"need at least {min_points}")
    if not allow_duplicates:
        _, inv, cnt = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
        dup = np.flatnonzero(cnt[inv.ravel()] > 1)
        if len(dup):
            shown = ", ".join(f"row {i} ({xy[i, 0]:.1f}, {xy[i, 1]:.1f})" for i in dup[:6])
            raise SpatialInputError(
                f"{where}: {len(dup)} points share a location ({shown}{' ...' if len(dup) > 6 else ''}); "
                "merge them first with reymud.spatial.merge_duplicates(coords, values)")
    return xy, z


def merge_duplicates(coords, values) -> tuple[np.ndarray, np.ndarray]:
    """Average the values of points at identical locations (warns with the number merged)."""
    xy = np.asarray(coords, dtype=float)
    z = np.asarray(values, dtype=float)
    uniq, inv = np.unique(xy, axis=0, return_inverse=True)
    inv = inv.ravel()
    if len(uniq) == len(xy):
        return xy, z
    cnt = np.bincount(inv)
    if z.ndim == 1:
        merged = np.bincount(inv, z) / cnt
    else:
        merged = np.stack([np.bincount(inv, z[:, k]) / cnt for k in range(z.shape[1])], axis=1)
    warnings.warn(f"merge_duplicates: {len(xy) - len(uniq)} duplicate locations averaged", stacklevel=2)
    return uniq, merged


def check_not_collinear(xy: np.ndarray, where: str, rel_tol: float = 1e-9, action: str = "warn") -> bool:
    """Warn (or raise, ``action="raise"``) when all points lie on one straight line.

    Kriging still solves, but everything off the line is extrapolation. Returns True if collinear.
    """
    if len(xy) < 3:
        return False
    centred = xy - xy.mean(axis=0)
    sv = np.linalg.svd(centred, compute_uv=False)
    if sv[0] == 0 or sv[-1] <= rel_tol * sv[0]:
        msg = (f"{where}: all {len(xy)} points are collinear; a 2-D estimate away from that line is "
               "extrapolation - add off-line cores or use a 1-D/section analysis")
        if action == "raise":
            raise SpatialInputError(msg)
        warnings.warn(msg, stacklevel=3)
        return True
    return False


def check_variance(z: np.ndarray, where: str, action: str = "warn") -> bool:
    """Warn (or raise) when all values are equal (zero variance). Returns True if constant."""
    if z.ndim == 1 and np.ptp(z) == 0:
        msg = (f"{where}: all {len(z)} values equal {z[0]!r} (zero variance); the estimate is that "
               "constant everywhere and the variogram cannot be fitted")
        if action == "raise":
            raise SpatialInputError(msg)
        warnings.warn(msg, stacklevel=3)
        return True
    return False
