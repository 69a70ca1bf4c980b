"""Exact k-nearest-neighbour search for many targets (numba): tiles of targets share one candidate list.

Used by :class:`reymud.spatial.neighbourhood.NeighbourSearch` when there is no search radius and no
sector limit (every target then simply takes its ``k`` nearest data); the kriging kernel in
:mod:`reymud.spatial._kernels` consumes its output. Compiled on first use, cached on disk.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["TILE_FRACTION", "knn_search"]

#: Tile side of the k-nearest search as a fraction of the typical k-th neighbour distance
#: (smaller: fewer candidates per target, more tiles; 0.125 measured no faster).
TILE_FRACTION = 0.25


@njit(cache=True)
def _tile_order(tile_of, n_tiles):
    """Counting sort of targets by tile: (order, starts) with tile t = order[starts[t]:starts[t + 1]]."""
    m = tile_of.shape[0]
    starts = np.zeros(n_tiles + 1, dtype=np.int64)
    for r in range(m):
        starts[tile_of[r] + 1] += 1
    for t in range(n_tiles):
        starts[t + 1] += starts[t]
    pos = starts[:-1].copy()
    order = np.empty(m, dtype=np.int64)
    for r in range(m):
        order[pos[tile_of[r]]] = r
        pos[tile_of[r]] += 1
    return order, starts


@njit(parallel=True, cache=True)
def _tile_boxes(wt, order, starts, centres, half):
    for t in prange(starts.shape[0] - 1):
        x0 = np.inf
        x1 = -np.inf
        y0 = np.inf
        y1 = -np.inf
        for a in range(starts[t], starts[t + 1]):
            x = wt[order[a], 0]
            y = wt[order[a], 1]
            x0 = min(x0, x)
            x1 = max(x1, x)
            y0 = min(y0, y)
            y1 = max(y1, y)
        if starts[t + 1] > starts[t]:
            centres[t, 0] = 0.5 * (x0 + x1)
            centres[t, 1] = 0.5 * (y0 + y1)
            half[t] = 0.5 * math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2)


@njit(cache=True)
def _kth_smallest(buf, n, kth):
    """The ``kth`` (0-based) smallest of ``buf[:n]`` (quickselect; reorders ``buf``)."""
    lo = 0
    hi = n - 1
    while lo < hi:
        mid = (lo + hi) // 2  # median of three as pivot
        a, b, c = buf[lo], buf[mid], buf[hi]
        piv = max(min(a, b), min(max(a, b), c))
        i = lo
        j = hi
        while i <= j:
            while buf[i] < piv:
                i += 1
            while buf[j] > piv:
                j -= 1
            if i <= j:
                tmp = buf[i]
                buf[i] = buf[j]
                buf[j] = tmp
                i += 1
                j -= 1
        if kth <= j:
            hi = j
        elif kth >= i:
            lo = i
        else:
            return buf[kth]
    return buf[kth]


@njit(parallel=True, cache=True)
def _knn(wxy, wt, order, starts, cptr, cand, k, out_idx, out_d0):
    for t in prange(starts.shape[0] - 1):
        c0 = cptr[t]
        nc = cptr[t + 1] - c0
        cx = np.empty(nc)  # the tile's candidates, contiguous
        cy = np.empty(nc)
        for ci in range(nc):
            cx[ci] = wxy[cand[c0 + ci], 0]
            cy[ci] = wxy[cand[c0 + ci], 1]
        dist = np.empty(nc)
        buf = np.empty(nc)
        inset = np.zeros(nc, dtype=np.bool_)  # the previous target's k nearest
        have_prev = False
        for a in range(starts[t], starts[t + 1]):
            r = order[a]
            tx = wt[r, 0]
            ty = wt[r, 1]
            for ci in range(nc):
                dx = cx[ci] - tx
                dy = cy[ci] - ty
                dist[ci] = dx * dx + dy * dy
            dmin = np.inf
            for ci in range(nc):
                dmin = min(dmin, dist[ci])
            out_d0[r] = math.sqrt(dmin)
            if have_prev:  # same set as the previous target (the usual case)? then no selection
                far_in = -np.inf
                near_out = np.inf
                for ci in range(nc):  # branch-free selects
                    far_in = max(far_in, dist[ci] if inset[ci] else -np.inf)
                    near_out = min(near_out, np.inf if inset[ci] else dist[ci])
                if far_in < near_out:  # strict: the k nearest are unique and unchanged
                    got = 0
                    for ci in range(nc):
                        if inset[ci]:
                            out_idx[r, got] = cand[c0 + ci]
                            got += 1
                    continue
            for ci in range(nc):
                buf[ci] = dist[ci]
            thr = _kth_smallest(buf, nc, k - 1)
            n_eq = k  # how many at exactly the threshold still fit (ties: lower index first)
            for ci in range(nc):
                if dist[ci] < thr:
                    n_eq -= 1
            got = 0
            for ci in range(nc):
                d = dist[ci]
                take = d < thr or (d == thr and n_eq > 0)
                if take:
                    if d == thr:
                        n_eq -= 1
                    out_idx[r, got] = cand[c0 + ci]
                    got += 1
                inset[ci] = take
            have_prev = True


def knn_search(wxy: np.ndarray, wt: np.ndarray, k: int, tree) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest data of each target (the set ``cKDTree.query`` finds), sorted by data index.

    Targets are binned into square tiles about a quarter of the typical k-th neighbour distance
    wide. For a tile with bounding-box centre ``c`` and half-diagonal ``h``, every target's k
    nearest data lie within ``d_k(c) + 2h`` of ``c`` (triangle inequality), so one candidate list per
    tile (``d_k(c)`` and the list from ``tree``, in index order) and a brute-force selection per target
    give the exact answer. The k smallest distances are selected (quickselect), not sorted: each row
comes out in ascending data index, which is all the kriging solver needs. Ties in distance at the
k-th place keep the lower data index.

    Parameters
    ----------
    wxy : ndarray (n, 2)
        Data coordinates (the space ``tree`` was built on), ``n >= k``.
    wt : ndarray (m, 2)
        Targets in the same space.
    k : int
    tree : scipy.spatial.cKDTree
        Tree over ``wxy``.

    Returns
    -------
    idx : ndarray (m, k) int64
    nearest : ndarray (m,)
        Distance to the nearest datum.
    """
    wxy = np.ascontiguousarray(wxy, dtype=np.float64)
    wt = np.ascontiguousarray(wt, dtype=np.float64)
    n, m = len(wxy), len(wt)
    lo = np.minimum(wxy.min(axis=0), wt.min(axis=0))
    hi = np.maximum(wxy.max(axis=0), wt.max(axis=0))
    dmin, dmax = wxy.min(axis=0), wxy.max(axis=0)
    area = max(float(np.prod(np.maximum(dmax - dmin, 1e-9))), 1e-9)
    size = max(TILE_FRACTION * math.sqrt(k * area / (math.pi * n)), 1e-9)  # ~ d_k * TILE_FRACTION
    nx = int(min(max((hi[0] - lo[0]) / size, 1.0), 4096.0)) + 1
    ny = int(min(max((hi[1] - lo[1]) / size, 1.0), 4096.0)) + 1
    sx, sy = (hi[0] - lo[0]) / nx or 1.0, (hi[1] - lo[1]) / ny or 1.0
    ix = np.minimum(((wt[:, 0] - lo[0]) / sx).astype(np.int64), nx - 1)
    iy = np.minimum(((wt[:, 1] - lo[1]) / sy).astype(np.int64), ny - 1)
    order, starts = _tile_order(iy * nx + ix, nx * ny)
    centres = np.zeros((nx * ny, 2))
    half = np.zeros(nx * ny)
    _tile_boxes(wt, order, starts, centres, half)
    used = np.flatnonzero(np.diff(starts) > 0)
    dk = np.asarray(tree.query(centres[used], k=k, workers=-1)[0]).reshape(len(used), k)[:, -1]
    radius = np.zeros(nx * ny)
    radius[used] = (dk + 2.0 * half[used]) * (1.0 + 1e-12) + 1e-9  # inclusive, with rounding slack
    lists = tree.query_ball_point(centres[used], radius[used], workers=-1, return_sorted=True)
    counts = np.zeros(nx * ny, dtype=np.int64)
    counts[used] = np.fromiter(map(len, lists), dtype=np.int64, count=len(used))
    cptr = np.zeros(nx * ny + 1, dtype=np.int64)
    np.cumsum(counts, out=cptr[1:])
    cand = np.concatenate(lists).astype(np.int64) if len(used) else np.zeros(0, dtype=np.int64)
    idx = np.empty((m, k), dtype=np.int64)
    nearest = np.empty(m)
    _knn(wxy, wt, order, starts, cptr, cand, int(k), idx, nearest)
    return idx, nearest
