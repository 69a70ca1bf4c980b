"""Compiled (numba) kriging kernel: one factorisation per distinct neighbour set, threads over sets.

What it computes is exactly what :func:`reymud.spatial.kriging_core.krige_targets` computes with its
pure-numpy reference path (``engine="numpy"``); tests compare the two to 1e-10. How it differs:

- targets are grouped by their sorted neighbour index set through a 64-bit hash of the set and one
  ``argsort``; consecutive targets with equal sets form a group (a hash collision only splits a
  group in two, it never merges different sets, so it cannot change an answer);
- per group (``prange``, both cores) the data covariance matrix ``C`` of the neighbours is built
  straight from the variogram parameters and Cholesky-factorised once, ``C = L L'``; then
  ``u = L^-1 1`` and ``zt = L^-1 z`` are solved once;
- per target only the right-hand side ``b`` (point covariance, or the mean over the block
  discretisation points: computed exactly, no tabulation, one vectorised pass over the neighbours
  per discretisation point) and one triangular solve ``y = L^-1 b``
  remain. Ordinary kriging follows from the bordered system without forming it:
  ``mu = (u'y - 1) / u'u``, ``w'b = y'y - mu u'y``, ``estimate = y'zt - mu u'zt`` and
  ``variance = BV - w'b - mu`` (simple kriging: ``mu = 0``, ``estimate = mean + y'zt``);
  the weights ``w = L'^-1 (y - mu u)`` are back-substituted only when asked for.

A group whose Cholesky pivot falls below ``PIVOT_RTOL`` times its diagonal entry (near-singular:
duplicate locations, a Gaussian model without nugget) is flagged and left to the numpy path, which
inverts (or pseudo-inverts) the bordered matrix as before.

Functions are compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from reymud.spatial.covariance import STRUCTURE_KINDS, VariogramModel

__all__ = ["PIVOT_RTOL", "group_neighbour_sets", "knn_search", "model_params", "solve_groups"]

#: Relative Cholesky pivot below which a neighbour set is handed back to the numpy path.
PIVOT_RTOL = 1e-8
#: Tile side of the k-nearest search as a fraction of the typical k-th neighbour distance
#: (smaller: fewer candidates per target, more tiles).
TILE_FRACTION = 0.25

#: Reassociation lets LLVM vectorise the dot products (answers change in the last bits only);
#: no "nnan"/"ninf": the pivot test must see NaN.
_FASTMATH = {"reassoc", "contract"}

_KIND = {kind: float(i) for i, kind in enumerate(STRUCTURE_KINDS)}


def model_params(model: VariogramModel) -> np.ndarray:
    """Structures of ``model`` as a float array (s, 6) for the kernel.

    Columns: kind code (index in ``STRUCTURE_KINDS``), partial sill, major range, minor range,
    sin(azimuth), cos(azimuth). The nugget is passed separately.
    """
    rows = [[_KIND[s.kind], s.sill, s.range_m, s.minor_m, np.sin(np.deg2rad(s.azimuth_deg)),
             np.cos(np.deg2rad(s.azimuth_deg))] for s in model.structures]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), 6)


@njit(cache=True, inline="always")
def _cov(de, dn, nugget, params):
    """Covariance of one separation vector: the same formulas as ``VariogramModel.covariance_delta``."""
    out = nugget if (de == 0.0 and dn == 0.0) else 0.0
    for s in range(params.shape[0]):
        rmaj = params[s, 2]
        rmin = params[s, 3]
        if rmin == rmaj:
            u = math.sqrt(de * de + dn * dn) * (1.0 / rmaj)
        else:
            hmaj = de * params[s, 4] + dn * params[s, 5]
            hmin = de * params[s, 5] - dn * params[s, 4]
            a = hmaj / rmaj
            b = hmin / rmin
            u = math.sqrt(a * a + b * b)
        kind = params[s, 0]
        if kind == 0.0:
            uc = min(u, 1.0)
            c = 1.0 - uc * (1.5 - 0.5 * uc * uc)
        elif kind == 1.0:
            c = math.exp(-3.0 * u)
        else:
            c = math.exp(-3.0 * u * u)
        out = out + params[s, 1] * c
    return out


@njit(parallel=True, cache=True)
def _sort_and_hash(idx, n, keys, count, hashes):
    m, k = idx.shape
    for r in prange(m):
        c = 0
        for j in range(k):
            v = idx[r, j]
            if v < 0:
                v = n
            else:
                c += 1
            # insertion sort into keys[r, :j+1]
            i = j
            while i > 0 and keys[r, i - 1] > v:
                keys[r, i] = keys[r, i - 1]
                i -= 1
            keys[r, i] = v
        count[r] = c
        h = np.uint64(1469598103934665603)
        for j in range(k):
            h = (h ^ np.uint64(keys[r, j])) * np.uint64(1099511628211)
        hashes[r] = h


@njit(parallel=True, cache=True)
def _hash_if_sorted(idx, n, count, hashes):
    """Hash rows that are already strictly ascending and unpadded (the tiled search's output);
    returns False (and stops being useful) as soon as one row is not."""
    m, k = idx.shape
    bad = 0
    for r in prange(m):
        h = np.uint64(1469598103934665603)
        ok = idx[r, 0] >= 0 and idx[r, k - 1] < n
        for j in range(k):
            if j > 0 and idx[r, j] <= idx[r, j - 1]:
                ok = False
            h = (h ^ np.uint64(idx[r, j])) * np.uint64(1099511628211)
        hashes[r] = h
        count[r] = k
        if not ok:
            bad += 1
    return bad == 0


@njit(cache=True)
def _group_starts(keys, order):
    m, k = keys.shape
    starts = np.empty(m + 1, dtype=np.int64)
    g = 0
    for a in range(m):
        same = a > 0
        if same:
            r0, r1 = order[a - 1], order[a]
            for j in range(k):
                if keys[r0, j] != keys[r1, j]:
                    same = False
                    break
        if not same:
            starts[g] = a
            g += 1
    starts[g] = m
    return starts[:g + 1].copy()


def group_neighbour_sets(idx: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sort each neighbour row and group equal sets.

    Parameters
    ----------
    idx : ndarray of int, shape (m, k)
        Neighbour indices, padded with -1.
    n : int
        Number of data (padding is replaced by ``n`` so it sorts last).

    Returns
    -------
    keys : ndarray (m, k) int64
        Sorted rows (padding = ``n``).
    count : ndarray (m,) int64
        Valid neighbours per target.
    order : ndarray (m,) int64
        Targets ordered so that equal sets are consecutive.
    starts : ndarray (G + 1,) int64
        Group ``g`` is ``order[starts[g]:starts[g + 1]]``.
    """
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    m, k = idx.shape
    count = np.empty(m, dtype=np.int64)
    hashes = np.empty(m, dtype=np.uint64)
    if m and k and _hash_if_sorted(idx, n, count, hashes):
        keys = idx  # already sorted sets without padding: no copy
    else:
        keys = np.empty((m, k), dtype=np.int64)
        if m:
            _sort_and_hash(idx, n, keys, count, hashes)
    order = np.argsort(hashes).astype(np.int64)
    starts = _group_starts(keys, order) if m else np.zeros(1, dtype=np.int64)
    return keys, count, order, starts


@njit(cache=True, inline="always", fastmath=_FASTMATH)
def _cov_many(gx, gy, n, px, py, nugget, params, out, dist):
    """``out[i] = C(gx[i] - px, gy[i] - py)`` and ``dist[i]`` the Euclidean distance, ``i < n``.

    Structure loop outermost and the kind tested once per structure, so each inner loop is a plain
    vectorisable loop over the neighbours.
    """
    for i in range(n):
        de = gx[i] - px
        dn = gy[i] - py
        dist[i] = math.sqrt(de * de + dn * dn)
        out[i] = nugget * ((de == 0.0) & (dn == 0.0))  # branch-free: the loop stays vectorised
    for s in range(params.shape[0]):
        kind = params[s, 0]
        sill = params[s, 1]
        if params[s, 3] == params[s, 2]:
            inv = 1.0 / params[s, 2]
            if kind == 0.0:
                for i in range(n):
                    uc = min(dist[i] * inv, 1.0)
                    out[i] += sill * (1.0 - uc * (1.5 - 0.5 * uc * uc))
            elif kind == 1.0:
                for i in range(n):
                    out[i] += sill * math.exp(-3.0 * (dist[i] * inv))
            else:
                for i in range(n):
                    u = dist[i] * inv
                    out[i] += sill * math.exp(-3.0 * u * u)
        else:
            for i in range(n):
                out[i] += _cov(gx[i] - px, gy[i] - py, 0.0, params[s:s + 1])


@njit(parallel=True, cache=True, error_model="numpy", fastmath=_FASTMATH)
def _solve(xy, z, targets, keys, count, order, starts, nugget, params, offsets, bv, ok_mode, mean,
           min_samples, want_weights, est, var, slope, eff, mdist, weights, failed):
    p = z.shape[1]
    q = offsets.shape[0]
    k = keys.shape[1]
    n_groups = starts.shape[0] - 1
    for g in prange(n_groups):
        a0 = starts[g]
        a1 = starts[g + 1]
        c = count[order[a0]]
        if c < min_samples or c == 0:
            continue  # outputs stay NaN (c == 0 with min_samples 0 was sent to numpy beforehand)
        nb = keys[order[a0], :c]
        gx = np.empty(c)  # the neighbours' coordinates, contiguous
        gy = np.empty(c)
        for i in range(c):
            gx[i] = xy[nb[i], 0]
            gy[i] = xy[nb[i], 1]
        lo = np.empty((c, c))
        dinv = np.empty(c)  # 1 / diagonal of L
        row = np.empty(c)
        dist = np.empty(c)
        ok = True
        for i in range(c):  # Cholesky, lower triangle, row by row
            _cov_many(gx, gy, i + 1, gx[i], gy[i], nugget, params, row, dist)
            for j in range(i):
                s = row[j]
                for t in range(j):
                    s -= lo[i, t] * lo[j, t]
                lo[i, j] = s * dinv[j]
            s = row[i]
            for t in range(i):
                s -= lo[i, t] * lo[i, t]
            if not s > PIVOT_RTOL * row[i]:
                ok = False
                break
            lo[i, i] = math.sqrt(s)
            dinv[i] = 1.0 / lo[i, i]
        if not ok:
            for a in range(a0, a1):
                failed[order[a]] = True
            continue
        u = np.empty(c)  # u = L^-1 1
        for i in range(c):
            s = 1.0
            for t in range(i):
                s -= lo[i, t] * u[t]
            u[i] = s * dinv[i]
        zt = np.empty((p, c))  # zt = L^-1 (z - mean), one row per value column
        for jp in range(p):
            for i in range(c):
                s = z[nb[i], jp] - (0.0 if ok_mode else mean[jp])
                for t in range(i):
                    s -= lo[i, t] * zt[jp, t]
                zt[jp, i] = s * dinv[i]
        uu = 0.0
        for i in range(c):
            uu += u[i] * u[i]
        uzt = np.zeros(p)
        for jp in range(p):
            for i in range(c):
                uzt[jp] += u[i] * zt[jp, i]
        b = np.empty(c)
        y = np.empty(c)
        for a in range(a0, a1):
            r = order[a]
            tx = targets[r, 0]
            ty = targets[r, 1]
            dsum = 0.0
            if q == 0:
                _cov_many(gx, gy, c, tx, ty, nugget, params, b, dist)
                for i in range(c):
                    dsum += dist[i]
            else:  # block: mean covariance over the discretisation points, one vector pass per point
                for i in range(c):
                    dsum += math.sqrt((gx[i] - tx) ** 2 + (gy[i] - ty) ** 2)
                    b[i] = 0.0
                for jq in range(q):
                    _cov_many(gx, gy, c, tx + offsets[jq, 0], ty + offsets[jq, 1], nugget, params, row, dist)
                    for i in range(c):
                        b[i] += row[i]
                for i in range(c):
                    b[i] = b[i] / q
            yy = 0.0
            uy = 0.0
            for i in range(c):
                s = b[i]
                for t in range(i):
                    s -= lo[i, t] * y[t]
                y[i] = s * dinv[i]
                yy += y[i] * y[i]
                uy += u[i] * y[i]
            if ok_mode:
                mu = (uy - 1.0) / uu
                wb = yy - mu * uy
            else:
                mu = 0.0
                wb = yy
            v = bv - wb - mu
            for jp in range(p):
                s = 0.0
                for i in range(c):
                    s += y[i] * zt[jp, i]
                est[r, jp] = s - mu * uzt[jp] + (0.0 if ok_mode else mean[jp])
            var[r] = max(v, 0.0)
            slope[r] = wb / (wb - mu) if ok_mode else 1.0
            eff[r] = (bv - v) / bv
            mdist[r] = dsum / c
            if want_weights:  # w = L'^-1 (y - mu u), aligned with the sorted keys
                for i in range(c - 1, -1, -1):
                    s = y[i] - mu * u[i]
                    for t in range(i + 1, c):
                        s -= lo[t, i] * weights[r, t]
                    weights[r, i] = s * dinv[i]
                for i in range(c, k):
                    weights[r, i] = 0.0


def solve_groups(xy: np.ndarray, values: np.ndarray, model: VariogramModel, targets: np.ndarray,
                 keys: np.ndarray, count: np.ndarray, order: np.ndarray, starts: np.ndarray,
                 offsets: np.ndarray | None, bv: float, ok_mode: bool, mean: np.ndarray, min_samples: int,
                 return_weights: bool) -> dict[str, np.ndarray]:
    """Krige every target of every neighbour-set group (see the module docstring).

    Parameters are those of :func:`~reymud.spatial.kriging_core.krige_targets` after
    :func:`group_neighbour_sets`; ``bv`` is the block (or point) variance and ``mean`` (p,) the
    simple-kriging mean. The left-hand sides are evaluated from the model, not gathered from a
    cached data covariance matrix: measured, the scattered reads of an (n, n) matrix were slower.

    Returns
    -------
    dict
        ``estimate`` (m, p), ``variance``, ``slope``, ``efficiency``, ``mean_distance`` (m,), ``failed``
        (m,) bool: targets of near-singular sets, to be redone by the numpy path; ``weights`` (m, k)
        when asked for.
    """
    m, k = keys.shape
    p = values.shape[1]
    out = {name: np.full(m, np.nan) for name in ("variance", "slope", "efficiency", "mean_distance")}
    out["estimate"] = np.full((m, p), np.nan)
    weights = np.zeros((m, k) if return_weights else (0, 0))
    failed = np.zeros(m, dtype=np.bool_)
    offs = np.zeros((0, 2)) if offsets is None else np.ascontiguousarray(offsets, dtype=np.float64)
    if m:
        _solve(np.ascontiguousarray(xy, dtype=np.float64), np.ascontiguousarray(values, dtype=np.float64),
               np.ascontiguousarray(targets, dtype=np.float64), keys, count, order, starts,
               float(model.nugget), model_params(model), offs, float(bv), bool(ok_mode),
               np.array(mean, dtype=np.float64).reshape(p), int(min_samples), bool(return_weights),
               out["estimate"], out["variance"], out["slope"], out["efficiency"], out["mean_distance"],
               weights, failed)
    out["failed"] = failed
    if return_weights:
        out["weights"] = weights
    return out


# -- k nearest neighbours of many targets (tiles of targets share one candidate list) ----------------

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
