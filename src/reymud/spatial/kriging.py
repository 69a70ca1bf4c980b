"""Estimators in scikit-learn style: ordinary / universal / simple kriging (point or block), inverse distance and
nearest neighbour as check estimators, on the public base :class:`reymud.spatial.base.BaseEstimator`:
``__init__`` stores, ``fit(coordinates, data)`` validates and sets ``*_`` attributes,
``predict((easting, northing)) -> array``, ``grid(...)`` / ``estimate(grid_or_points) -> xarray.Dataset``.

The solver and the reasons for writing our own kriging are in :mod:`reymud.spatial.kriging_core`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy.spatial import cKDTree

from reymud.spatial._checks import SpatialInputError, as_coords_values, check_not_collinear, check_variance
from reymud.spatial.base import BaseEstimator, check_fitted
from reymud.spatial.covariance import VariogramModel
from reymud.spatial.crs import Grid
from reymud.spatial.kriging_core import DRIFTS, block_offsets, krige_targets
from reymud.spatial.neighbourhood import Neighbourhood, NeighbourSearch

__all__ = ["InverseDistance", "NearestNeighbour", "OrdinaryKriging", "SimpleKriging", "targets_of"]

_OUTPUTS = ("estimate", "variance", "n_samples", "mean_distance_m", "slope_of_regression",
            "kriging_efficiency", "nearest_sample_m", "n_in_search")


def targets_of(target) -> tuple[np.ndarray, Grid | None]:
    """(m, 2) target coordinates and the Grid (or None) from a Grid, a frame or an array."""
    if isinstance(target, Grid):
        return target.coords(), target
    if isinstance(target, pd.DataFrame):
        return target[["easting", "northing"]].to_numpy(float), None
    xy = np.asarray(target, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"predict: targets must be a Grid, a frame with easting/northing or an (m, 2) "
                         f"array, got shape {xy.shape}")
    return xy, None


def _to_dataset(res: dict, grid: Grid | None, m: int) -> xr.Dataset:
    if grid is not None:
        tmpl = grid.template()
        dims, shape = ("northing", "easting"), grid.shape
    else:
        tmpl = xr.Dataset(coords={"point": np.arange(m)})
        dims, shape = ("point",), (m,)
    for name, arr in res.items():
        tmpl[name] = (dims, np.reshape(arr, shape))
    return tmpl


def _concat(parts: list[dict]) -> dict:
    """Join per-slab result dicts (arrays concatenated along targets; widths of idx may differ)."""
    if len(parts) == 1:
        return parts[0]
    out = {}
    for key, first in parts[0].items():
        if np.ndim(first) == 0:
            out[key] = first
        elif key in ("weights", "idx_sorted"):
            width = max(p[key].shape[1] for p in parts)
            fill = 0.0 if key == "weights" else -1
            out[key] = np.concatenate([np.pad(p[key], ((0, 0), (0, width - p[key].shape[1])),
                                              constant_values=fill) for p in parts])
        else:
            out[key] = np.concatenate([p[key] for p in parts])
    return out


class _Estimator(BaseEstimator):
    """Shared fit / neighbour search / dataset assembly."""

    def _hood(self) -> Neighbourhood:
        """The search neighbourhood (the ``neighbourhood`` parameter, default ``Neighbourhood()``)."""
        hood = self.neighbourhood if self.neighbourhood is not None else Neighbourhood()
        if not isinstance(hood, Neighbourhood):
            raise TypeError(f"{type(self).__name__}: neighbourhood must be a Neighbourhood, got {type(hood).__name__}")
        return hood

    def _check_params(self) -> None:
        """Parameter checks of the subclass (run by ``fit``)."""

    def _fit(self, xy, data, weights: np.ndarray | None) -> None:
        """Store the data (n, 2) coordinates in metres and (n,) values."""
        where = type(self).__name__ + ".fit"
        if weights is not None:
            raise ValueError(f"{where}: this estimator does not use data weights (give weights=None)")
        self._check_params()
        hood = self._hood()
        xy, z = as_coords_values(xy, data, where, min_points=hood.min_samples)
        check_not_collinear(xy, where)
        if z.ndim == 1:
            check_variance(z, where)
        self.coords_, self.values_ = xy, z
        self.neighbourhood_ = hood
        self.search_ = NeighbourSearch(xy, hood)
        self.tree_ = cKDTree(xy)
        self.cache_ = {}

    def _check_fitted(self) -> None:
        check_fitted(self)

    def estimate(self, target, exclude=None) -> xr.Dataset:
        """Estimate and diagnostics at a Grid (dims northing, easting) or at points (dim ``point``).

        ``exclude`` (int array, one per target, -1 = none) leaves a datum out per target (used by
        leave-one-out cross-validation).
        """
        self._check_fitted()
        xy, grid = targets_of(target)
        res = self._estimate(xy, grid, exclude)
        res["estimate"] = res["estimate"][:, 0] if res["estimate"].ndim == 2 else res["estimate"]
        return _to_dataset({k: res[k] for k in _OUTPUTS}, grid, len(xy))

    def _nearest(self, xy: np.ndarray, exclude) -> np.ndarray:
        if exclude is None:
            return self.tree_.query(xy, k=1)[0]
        d, i = self.tree_.query(xy, k=min(2, len(self.coords_)))
        d, i = np.atleast_2d(d.T).T, np.atleast_2d(i.T).T
        return np.where(i[:, 0] == exclude, d[:, -1], d[:, 0])


class _Kriging(_Estimator):
    mode = "ok"

    def __init__(self, model: VariogramModel | None = None, neighbourhood: Neighbourhood | None = None,
                 block: tuple[int, int] | None = None, chunk_size: int = 20_000, mean: float | None = 0.0,
                 drift: str = "none") -> None:
        self.model = model
        self.neighbourhood = neighbourhood
        self.block = block
        self.chunk_size = chunk_size
        self.mean = mean
        self.drift = drift

    def _check_params(self) -> None:
        if not isinstance(self.model, VariogramModel):
            raise TypeError(f"model must be a VariogramModel, got {type(self.model).__name__}")
        if self.drift not in DRIFTS:
            raise ValueError(f"drift must be one of {DRIFTS}, got {self.drift!r}")

    def _fit(self, xy, data, weights: np.ndarray | None) -> None:
        super()._fit(xy, data, weights)
        # the stationary mean of simple kriging: given, or (mean=None) the data's
        self.mean_ = float(np.nanmean(self.values_)) if self.mean is None else float(self.mean)

    def _estimate(self, xy, grid, exclude, values=None, return_weights=False) -> dict:
        offsets = block_offsets(grid.cell_m, self.block) if (grid is not None and self.block) else None
        z = self.values_ if values is None else values
        z2 = z[:, None] if z.ndim == 1 else z
        # simple kriging of extra columns (predict_many) uses each column's data mean
        mean = self.mean_ if values is None else np.nanmean(z2, axis=0)
        # neighbour search + solve in slabs of targets: memory stays linear in the grid even when the
        # neighbourhood is global (idx is slab x n); the cache keeps data covariances / global inverses
        hood = self.neighbourhood_
        width = min(hood.max_samples, len(self.coords_)) * (3 if hood.sectors else 1)
        slab = max(256, min(200_000, int(2e7 // max(width, 1))))
        parts = []
        for start in range(0, len(xy), slab):
            sl = slice(start, start + slab)
            idx, n_in = self.search_.query(xy[sl], None if exclude is None else np.asarray(exclude)[sl])
            near = self.search_.last_nearest
            part = krige_targets(self.coords_, z2, self.model, xy[sl], idx, mode=self.mode, mean=mean,
                                 offsets=offsets, min_samples=hood.min_samples,
                                 chunk_size=int(self.chunk_size), return_weights=return_weights, cache=self.cache_,
                                 drift=self.drift)
            part["n_in_search"] = n_in
            part["nearest_sample_m"] = near if near is not None else np.full(len(idx), np.nan)
            parts.append(part)
        res = _concat(parts)
        res["mean_distance_m"] = res.pop("mean_distance")
        res["slope_of_regression"] = res.pop("slope")
        res["kriging_efficiency"] = res.pop("efficiency")
        todo = ~np.isfinite(res["nearest_sample_m"])
        if todo.any():
            res["nearest_sample_m"][todo] = self._nearest(xy[todo], None if exclude is None
                                                          else np.asarray(exclude)[todo])
        return res

    def predict_many(self, target, values: np.ndarray) -> dict:
        """Krige several value columns (n, p) at once with this model's weights (raw arrays).

        Simple kriging uses each column's data mean as its stationary mean.
        """
        self._check_fitted()
        xy, grid = targets_of(target)
        values = np.asarray(values, dtype=float)
        if values.shape[0] != len(self.coords_):
            raise ValueError("predict_many: values must have one row per fitted datum")
        return self._estimate(xy, grid, None, values=values)


class OrdinaryKriging(_Kriging):
    """Ordinary kriging (unknown local mean) with a moving neighbourhood, point or block support.

    A :class:`~reymud.spatial.base.BaseEstimator`: ``fit(coordinates, data)`` then
    ``predict((easting, northing))`` (array), ``grid(spacing=...)`` or ``estimate(grid)`` (Dataset).

    Parameters
    ----------
    model : VariogramModel
    neighbourhood : Neighbourhood, optional
        Search parameters (default :class:`Neighbourhood` defaults).
    block : (int, int), optional
        Discretisation ``(nx, ny)`` for block kriging on a Grid; ``None`` = point kriging.
    chunk_size : int
        Targets per batch (memory bound).
    drift : {"none", "linear", "quadratic"}
        ``"none"`` = ordinary kriging; otherwise universal kriging with a linear or quadratic
        drift in easting/northing (centred and scaled per neighbourhood; a block's drift is the
        mean over its discretisation points). See :func:`reymud.spatial.kriging_core.krige_targets`.
    """

    mode = "ok"

    def __init__(self, model: VariogramModel | None = None, neighbourhood: Neighbourhood | None = None,
                 block: tuple[int, int] | None = None, chunk_size: int = 20_000,
                 drift: str = "none") -> None:
        super().__init__(model, neighbourhood, block, chunk_size, drift=drift)


class SimpleKriging(_Kriging):
    """Simple kriging with a known stationary ``mean`` (same parameters as OrdinaryKriging, no drift).

    ``mean=None`` takes the fitted data's mean (``mean_``).
    """

    mode = "sk"

    def __init__(self, model: VariogramModel | None = None, mean: float | None = None,
                 neighbourhood: Neighbourhood | None = None,
                 block: tuple[int, int] | None = None, chunk_size: int = 20_000) -> None:
        super().__init__(model, neighbourhood, block, chunk_size, mean=mean)


class InverseDistance(_Estimator):
    """Inverse-distance weighting ``w ~ 1 / d**power`` over the neighbourhood (exact at data)."""

    def __init__(self, power: float = 2.0, neighbourhood: Neighbourhood | None = None) -> None:
        self.power = power
        self.neighbourhood = neighbourhood

    def _check_params(self) -> None:
        if not float(self.power) > 0:
            raise ValueError(f"InverseDistance: power must be > 0, got {self.power!r}")

    def _estimate(self, xy, grid, exclude) -> dict:
        idx, n_in = self.search_.query(xy, exclude)
        valid = idx >= 0
        count = valid.sum(axis=1)
        d = np.hypot(*(self.coords_[np.where(valid, idx, 0)] - xy[:, None, :]).transpose(2, 0, 1))
        z = self.values_[np.where(valid, idx, 0)]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(valid, 1.0 / np.maximum(d, 1e-12) ** float(self.power), 0.0)
            hit = valid & (d <= 1e-9)
            w = np.where(hit.any(axis=1)[:, None], hit.astype(float), w)
            est = (w * z).sum(axis=1) / w.sum(axis=1)
            md = np.where(valid, d, 0).sum(axis=1) / count
        good = count >= self.neighbourhood_.min_samples
        nan = np.full(len(xy), np.nan)
        return {"estimate": np.where(good, est, np.nan), "variance": nan, "n_samples": count,
                "mean_distance_m": np.where(good, md, np.nan), "slope_of_regression": nan,
                "kriging_efficiency": nan, "nearest_sample_m": self._nearest(xy, exclude), "n_in_search": n_in}


class NearestNeighbour(_Estimator):
    """Value of the nearest datum (polygonal estimate)."""

    def __init__(self) -> None:
        pass  # no parameters

    def _hood(self) -> Neighbourhood:
        return Neighbourhood(max_samples=1, min_samples=1)

    def _estimate(self, xy, grid, exclude) -> dict:
        if exclude is None:
            d, i = self.tree_.query(xy, k=1)
        else:
            if len(self.coords_) < 2:
                raise SpatialInputError("NearestNeighbour: leave-one-out needs at least 2 data")
            dd, ii = self.tree_.query(xy, k=2)
            first = ii[:, 0] != exclude
            d, i = np.where(first, dd[:, 0], dd[:, 1]), np.where(first, ii[:, 0], ii[:, 1])
        nan = np.full(len(xy), np.nan)
        return {"estimate": self.values_[i], "variance": nan, "n_samples": np.ones(len(xy), dtype=np.int64),
                "mean_distance_m": d, "slope_of_regression": nan, "kriging_efficiency": nan,
                "nearest_sample_m": d, "n_in_search": np.ones(len(xy), dtype=np.int64)}
