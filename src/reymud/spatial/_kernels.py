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

__all__ = ["PIVOT_RTOL", "group_neighbour_sets", "model_params", "solve_groups"]

#: Relative Cholesky pivot below which a neighbour set is handed back to the numpy path.
PIVOT_RTOL = 1e-8

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
