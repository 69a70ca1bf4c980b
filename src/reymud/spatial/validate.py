"""Validation: leave-one-out and spatial k-fold cross-validation, cell declustering, swath data."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import xarray as xr

from reymud.spatial._checks import as_coords_values

__all__ = ["cell_declustering", "cross_validate", "cv_summary", "swath"]


def cv_summary(frame: pd.DataFrame) -> dict[str, float]:
    """ME, RMSE, mean and variance of standardised errors, slope of true on estimated."""
    ok = frame["estimate"].notna()
    f = frame[ok]
    err = (f["estimate"] - f["true"]).to_numpy(float)
    std = f["std_error"].to_numpy(float)
    est = f["estimate"].to_numpy(float)
    tru = f["true"].to_numpy(float)
    # least-squares slope of true on estimate in closed form (np.polyfit warns RankWarning on ppm-scale data)
    de = est - est.mean() if len(f) else est
    slope = float(np.dot(de, tru - tru.mean()) / np.dot(de, de)) if len(f) > 2 and np.ptp(est) > 0 else float("nan")
    return {
        "n": len(f), "n_not_estimated": int((~ok).sum()),
        "mean_error": float(err.mean()) if len(f) else float("nan"),
        "rmse": float(np.sqrt(np.mean(err**2))) if len(f) else float("nan"),
        "mean_std_error": float(np.nanmean(std)) if np.isfinite(std).any() else float("nan"),
        "var_std_error": float(np.nanvar(std)) if np.isfinite(std).any() else float("nan"),
        "slope_true_on_estimate": slope,
        "correlation": float(np.corrcoef(est, tru)[0, 1]) if len(f) > 2 and np.ptp(est) > 0 else float("nan"),
    }


def cross_validate(estimator, coords, values, folds: str | int = "loo", block_size_m: float | None = None,
                   seed: int = 0) -> pd.DataFrame:
    """Cross-validate an (unfitted or fitted) estimator.

    Parameters
    ----------
    estimator : OrdinaryKriging, SimpleKriging, InverseDistance or NearestNeighbour
    coords, values : array_like
        Data (n, 2) in metres and (n,).
    folds : "loo" or int
        Leave-one-out, or spatial k-fold: points are grouped in square blocks of ``block_size_m``
        (default: the bounding box split 4 x 4) and whole blocks are assigned to ``folds`` folds,
        so held-out points are not surrounded by their close neighbours.
    block_size_m : float, optional
        Spatial block size for k-fold.
    seed : int
        Random assignment of blocks to folds.

    Returns
    -------
    DataFrame
        Per point: ``easting, northing, true, estimate, variance, error, std_error, fold``;
        ``attrs["summary"]`` holds :func:`cv_summary`.
    """
    xy, z = as_coords_values(coords, values, "cross_validate", min_points=3)
    est = copy.copy(estimator)
    n = len(xy)
    estimate = np.full(n, np.nan)
    variance = np.full(n, np.nan)
    fold = np.zeros(n, dtype=np.int64)
    if isinstance(folds, str):
        if folds != "loo":
            raise ValueError(f"folds must be 'loo' or an int, got {folds!r}")
        est.fit(xy, z)
        ds = est.predict(xy, exclude=np.arange(n))
        estimate, variance, fold = ds["estimate"].values, ds["variance"].values, np.arange(n)
    else:
        k = int(folds)
        if not 2 <= k <= n:
            raise ValueError(f"cross_validate: folds must be between 2 and {n}, got {k}")
        size = block_size_m or max(float(np.ptp(xy, axis=0).max()) / 4.0, 1e-9)
        cell = np.floor((xy - xy.min(axis=0)) / size).astype(np.int64)
        _, block_id = np.unique(cell, axis=0, return_inverse=True)
        block_id = block_id.ravel()
        nblocks = block_id.max() + 1
        perm = np.random.default_rng(seed).permutation(nblocks)
        fold = perm[block_id] % k
        for f in range(k):  # one fit per fold (k is small)
            test = fold == f
            if test.all() or not test.any():
                continue
            est.fit(xy[~test], z[~test])
            ds = est.predict(xy[test])
            estimate[test] = ds["estimate"].values
            variance[test] = ds["variance"].values
    frame = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "true": z, "estimate": estimate,
                          "variance": variance})
    frame["error"] = frame["estimate"] - frame["true"]
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["std_error"] = frame["error"] / np.sqrt(frame["variance"])
    frame["fold"] = fold
    frame.attrs["summary"] = cv_summary(frame)
    frame.attrs["folds"] = str(folds)
    return frame


def cell_declustering(coords, values, cell_sizes, n_offsets: int = 4) -> pd.DataFrame:
    """Cell declustering: weights inversely proportional to the number of data per cell.

    Parameters
    ----------
    coords, values : array_like
        Data (n, 2) metres and (n,).
    cell_sizes : sequence of float
        Cell sizes to try, metres.
    n_offsets : int
        Grid origins averaged per cell size (shifted along the diagonal) to smooth origin effects.

    Returns
    -------
    DataFrame
        ``cell_size_m, declustered_mean, naive_mean``; ``attrs["weights"]`` maps each cell size to
        the (n,) weights (sum 1) and ``attrs["best_cell_size_m"]`` is the size with the smallest
        declustered mean when the data are preferentially clustered in high values (largest
        otherwise) - the usual choice, to be judged on the plot.
    """
    xy, z = as_coords_values(coords, values, "cell_declustering", allow_duplicates=True)
    sizes = np.asarray(cell_sizes, dtype=float)
    if (sizes <= 0).any():
        raise ValueError("cell_declustering: cell sizes must be > 0 m")
    rows, weights = [], {}
    for size in sizes:  # a short loop over candidate cell sizes
        w = np.zeros(len(z))
        for o in range(n_offsets):
            shift = size * o / n_offsets
            cell = np.floor((xy - xy.min(axis=0) + shift) / size).astype(np.int64)
            _, inv, cnt = np.unique(cell, axis=0, return_inverse=True, return_counts=True)
            w += 1.0 / cnt[inv.ravel()]
        w /= w.sum()
        weights[float(size)] = w
        rows.append({"cell_size_m": float(size), "declustered_mean": float(w @ z), "naive_mean": float(z.mean())})
    out = pd.DataFrame(rows)
    pick = out["declustered_mean"].idxmin() if (out["declustered_mean"] < z.mean()).any() else \
        out["declustered_mean"].idxmax()
    out.attrs["weights"] = weights
    out.attrs["best_cell_size_m"] = float(out.loc[pick, "cell_size_m"])
    return out


def swath(ds: xr.Dataset, points: pd.DataFrame, variable: str, axis: str = "easting",
          n_bands: int = 10) -> pd.DataFrame:
    """Mean of block estimates vs mean of data in bands along ``axis`` (easting or northing).

    Returns
    -------
    DataFrame
        ``band_centre_m, band_lo_m, band_hi_m, mean_estimate, n_cells, mean_data, n_data``.
    """
    if axis not in ("easting", "northing"):
        raise ValueError(f"swath: axis must be 'easting' or 'northing', got {axis!r}")
    if variable not in ds or variable not in points.columns:
        raise ValueError(f"swath: {variable!r} must be in both the block model and the points")
    da = ds[variable]
    if "inside" in ds:
        da = da.where(ds["inside"])
    coord = da[axis].values
    lo, hi = float(coord.min()) - 0.5 * ds.attrs.get("cell_size_m", 0), float(coord.max()) + \
        0.5 * ds.attrs.get("cell_size_m", 0)
    edges = np.linspace(lo, hi, n_bands + 1)
    other = [d for d in da.dims if d != axis]
    cell_vals = da.transpose(axis, *other).values.reshape(len(coord), -1)
    band_c = np.clip(np.searchsorted(edges, coord, side="right") - 1, 0, n_bands - 1)
    finite = np.isfinite(cell_vals)
    s = np.bincount(band_c, np.where(finite, cell_vals, 0).sum(axis=1), minlength=n_bands)
    c = np.bincount(band_c, finite.sum(axis=1), minlength=n_bands)
    pv = points[variable].to_numpy(float)
    pc = points[axis].to_numpy(float)
    okp = np.isfinite(pv) & (pc >= lo) & (pc <= hi)
    band_p = np.clip(np.searchsorted(edges, pc[okp], side="right") - 1, 0, n_bands - 1)
    ps = np.bincount(band_p, pv[okp], minlength=n_bands)
    pn = np.bincount(band_p, minlength=n_bands)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({"band_centre_m": 0.5 * (edges[:-1] + edges[1:]), "band_lo_m": edges[:-1],
                             "band_hi_m": edges[1:], "mean_estimate": s / c, "n_cells": c.astype(np.int64),
                             "mean_data": ps / pn, "n_data": pn})
