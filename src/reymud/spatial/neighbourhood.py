"""Moving search neighbourhood: KD-tree search in an anisotropic ellipse with optional sectors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["FAST_SEARCH_MIN_TARGETS", "NeighbourSearch", "Neighbourhood"]

#: From this many targets on, a search without radius or sectors uses the tiled search of
#: :func:`reymud.spatial._knn.knn_search` (same neighbour sets as the KD-tree, 2-3x faster).
FAST_SEARCH_MIN_TARGETS = 2_000


@dataclass(frozen=True)
class Neighbourhood:
    """Search neighbourhood of a moving-window estimator (judgement defaults stated here).

    Parameters
    ----------
    max_samples : int
        Most samples used per target (default 16). ``max_samples >= n`` with ``radius_m=None``
        gives a global neighbourhood.
    min_samples : int
        Fewest samples to estimate a target; fewer leaves it NaN (default 3).
    radius_m : float, optional
        Search radius along the major axis, metres; ``None`` = unlimited.
    radius_minor_m : float, optional
        Search radius along the minor axis (default = ``radius_m``: a circle).
    azimuth_deg : float
        Major axis of the search ellipse, clockwise from north.
    sectors : int
        0 (no sector limit), 4 (quadrants) or 8 (octants).
    max_per_sector : int
        Most samples kept per sector when ``sectors`` > 0.
    """

    max_samples: int = 16
    min_samples: int = 3
    radius_m: float | None = None
    radius_minor_m: float | None = None
    azimuth_deg: float = 0.0
    sectors: int = 0
    max_per_sector: int = 4

    def __post_init__(self) -> None:
        if self.min_samples < 1 or self.max_samples < self.min_samples:
            raise ValueError(f"Neighbourhood needs 1 <= min_samples <= max_samples, got "
                             f"{self.min_samples}, {self.max_samples}")
        if self.sectors not in (0, 4, 8):
            raise ValueError(f"Neighbourhood.sectors must be 0, 4 or 8, got {self.sectors}")
        if self.radius_m is not None and not self.radius_m > 0:
            raise ValueError(f"Neighbourhood.radius_m must be > 0, got {self.radius_m}")

    @classmethod
    def global_(cls, n: int) -> Neighbourhood:
        """Neighbourhood using all ``n`` data for every target."""
        return cls(max_samples=max(int(n), 1), min_samples=1)

    def describe(self) -> str:
        """One-line description."""
        r = "unlimited" if self.radius_m is None else f"{self.radius_m:.0f}/{self.radius_minor_m or self.radius_m:.0f} m"
        sec = f", {self.sectors} sectors x {self.max_per_sector}" if self.sectors else ""
        return f"{self.min_samples}-{self.max_samples} samples, radius {r} az {self.azimuth_deg:.0f}{sec}"


class NeighbourSearch:
    """KD-tree over data coordinates, searching in the space where the ellipse is a circle."""

    def __init__(self, xy: np.ndarray, hood: Neighbourhood) -> None:
        self.hood = hood
        self.n = len(xy)
        self.xy = xy
        self._wxy = self._warp(xy)
        self.tree = cKDTree(self._wxy)

    def _warp(self, xy: np.ndarray) -> np.ndarray:
        h = self.hood
        az = np.deg2rad(h.azimuth_deg)
        major = xy[:, 0] * np.sin(az) + xy[:, 1] * np.cos(az)
        minor = xy[:, 0] * np.cos(az) - xy[:, 1] * np.sin(az)
        ratio = 1.0 if h.radius_m is None or h.radius_minor_m is None else h.radius_m / h.radius_minor_m
        return np.column_stack([major, minor * ratio])

    @property
    def is_global(self) -> bool:
        """True when every target uses every datum."""
        return self.hood.radius_m is None and self.hood.max_samples >= self.n and self.hood.sectors == 0

    def query(self, targets: np.ndarray, exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of each target.

        Parameters
        ----------
        targets : ndarray, shape (m, 2)
        exclude : ndarray of int, shape (m,), optional
            Datum index to leave out for each target (leave-one-out); -1 for none.

        Returns
        -------
        idx : ndarray of int64, shape (m, k)
            Neighbour indices sorted by distance, padded with -1. Without radius and sectors, for
            ``FAST_SEARCH_MIN_TARGETS`` or more targets, the same sets sorted by data index instead
            (the solvers sort each set anyway); ``last_nearest`` holds the nearest distances.
        n_in_search : ndarray of int64, shape (m,)
            Data inside the search ellipse (before the max_samples / sector limits).
        """
        h = self.hood
        m = len(targets)
        self.last_nearest = None
        if self.is_global and exclude is None:
            idx = np.broadcast_to(np.arange(self.n), (m, self.n)).copy()
            return idx, np.full(m, self.n, dtype=np.int64)
        k = min(self.n, h.max_samples * (3 if h.sectors else 1) + (1 if exclude is not None else 0))
        if h.radius_m is None and h.sectors:
            k = self.n
        r = np.inf if h.radius_m is None else h.radius_m
        wt = self._warp(targets)
        if h.radius_m is None and not h.sectors and exclude is None:
            # the common case: every hit is valid, no compaction; many targets: the tiled search
            if m >= FAST_SEARCH_MIN_TARGETS:
                from reymud.spatial._knn import knn_search  # numba: imported on first use only

                idx, self.last_nearest = knn_search(self._wxy, wt, k, self.tree)
                return idx, np.full(m, self.n, dtype=np.int64)
            dist, idx = self.tree.query(wt, k=k, workers=-1)
            idx = np.asarray(idx, dtype=np.int64).reshape(m, k)
            self.last_nearest = np.asarray(dist, dtype=float).reshape(m, k)[:, 0].copy()
            return idx, np.full(m, self.n, dtype=np.int64)
        dist, idx = self.tree.query(wt, k=k, distance_upper_bound=r, workers=-1)
        dist = dist.reshape(m, k)
        idx = np.where(np.isfinite(dist), idx.reshape(m, k), -1).astype(np.int64)
        isotropic = h.radius_m is None or h.radius_minor_m is None or h.radius_minor_m == h.radius_m
        # a rotation keeps distances: with a circular search the first hit is the Euclidean nearest
        self.last_nearest = dist[:, 0].copy() if (isotropic and exclude is None) else None
        if exclude is not None:
            idx = np.where(idx == np.asarray(exclude)[:, None], -1, idx)
        if h.radius_m is None:
            n_in = np.full(m, self.n, dtype=np.int64) - (0 if exclude is None else (np.asarray(exclude) >= 0))
        else:
            n_in = np.asarray(self.tree.query_ball_point(wt, r, return_length=True, workers=-1), dtype=np.int64)
            if exclude is not None:
                n_in -= (np.asarray(exclude) >= 0)
        valid = idx >= 0
        if h.sectors:
            d = self.xy[np.where(valid, idx, 0)] - targets[:, None, :]
            ang = np.degrees(np.arctan2(d[..., 0], d[..., 1])) % 360.0
            sector = np.minimum((ang / (360.0 / h.sectors)).astype(np.int64), h.sectors - 1)
            onehot = (sector[..., None] == np.arange(h.sectors)) & valid[..., None]
            rank = np.cumsum(onehot, axis=1)  # rank within its sector, 1-based
            rank_own = np.take_along_axis(rank, sector[..., None], axis=2)[..., 0]
            valid &= rank_own <= h.max_per_sector
        # keep the first max_samples valid neighbours (already distance-sorted), compact to the left
        valid &= np.cumsum(valid, axis=1) <= h.max_samples
        order = np.argsort(~valid, axis=1, kind="stable")
        idx = np.where(np.take_along_axis(valid, order, axis=1), np.take_along_axis(idx, order, axis=1), -1)
        width = max(int(valid.sum(axis=1).max()) if m else 0, 1)
        return idx[:, :width], n_in
