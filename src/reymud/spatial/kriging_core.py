"""Batched kriging solver shared by the estimators and the simulator.

Why our own kriging rather than gstools or pykrige
--------------------------------------------------
gstools' ``Krige`` has a global neighbourhood only and builds a dense (n_data x n_targets) covariance
block per chunk; pykrige's moving window (``n_closest_points``) solves one full system per target
(its C backend in Cython, the other backends in a Python loop), with no reuse across targets; neither does block kriging with discretisation nor gives the per-block
diagnostics a resource estimate needs (slope of regression, kriging efficiency, samples used).

How it is fast
--------------
Two implementations give the same answers (tests compare them to 1e-10):

- the compiled kernel (:mod:`reymud.spatial._kernels`, numba, threads over neighbour sets): one
  Cholesky factorisation per distinct neighbour set and one triangular solve per target, no
  per-target temporaries; block right-hand sides are the exact mean over the discretisation points
  (no tabulated point-to-block covariance, so no interpolation error). It covers ordinary and simple kriging, point and block targets, any
  radius / sector neighbourhood (padded rows) and several value columns, up to ``KERNEL_MAX_K``
  neighbours. ``engine="auto"`` (the default) uses it for those cases and falls back to the numpy
  path for universal kriging (``drift`` other than "none"), for larger neighbourhoods (global
  kriging: one large inverse applied with BLAS is faster there) and for the targets of
  near-singular neighbour sets (see ``_kernels.PIVOT_RTOL``);
- the pure-numpy reference path (``engine="numpy"``), described next.

With sparse cores and a dense grid, many neighbouring targets have the *same* neighbour set. Targets
are grouped by their (sorted) neighbour set; each group's left-hand side is built and inverted once
(one stacked ``np.linalg.inv`` over all groups of a chunk), then every target's right-hand side is
applied with a batched matrix-vector product. Targets are processed in chunks sorted by group, so
memory is linear in the grid and bounded per chunk.

Sign convention of ordinary kriging: ``[C 1; 1' 0] [w; mu] = [b; 1]``, so the kriging variance is
``BV - w'b - mu``, ``Var(Z*) = w'Cw = w'b - mu``, ``Cov(Z, Z*) = w'b`` and the slope of regression of
the true block value on its estimate is ``w'b / (w'b - mu)`` (1 for simple kriging).
"""

from __future__ import annotations

import numpy as np

from reymud.spatial.covariance import VariogramModel

__all__ = ["DENSE_DATA_COV_MAX", "DRIFTS", "ENGINES", "GATHER_MAX_K", "KERNEL_MAX_K", "block_offsets",
           "block_variance", "drift_terms", "krige_targets"]

#: Drift (trend) forms of universal kriging, in easting/northing.
DRIFTS = ("none", "linear", "quadratic")

#: Up to this many data the full data-data covariance matrix is built once and gathered from.
DENSE_DATA_COV_MAX = 2_500
#: Neighbourhoods larger than this are solved per neighbour set (matrix product), not gathered per target.
GATHER_MAX_K = 48
#: Largest neighbourhood the compiled kernel takes (beyond it the numpy path's BLAS products win).
KERNEL_MAX_K = 64
#: ``krige_targets(engine=...)``: "auto" (kernel where it applies), "numba" (kernel or error), "numpy".
ENGINES = ("auto", "numba", "numpy")


def block_offsets(cell_m: float, block: tuple[int, int] | None) -> np.ndarray | None:
    """Discretisation offsets (q, 2) of a square cell: ``nx x ny`` points at sub-cell centres."""
    if block is None or tuple(block) == (1, 1):
        return None
    bx, by = int(block[0]), int(block[1])
    ox = ((np.arange(bx) + 0.5) / bx - 0.5) * cell_m
    oy = ((np.arange(by) + 0.5) / by - 0.5) * cell_m
    e, n = np.meshgrid(ox, oy)
    return np.column_stack([e.ravel(), n.ravel()])


def block_variance(model: VariogramModel, offsets: np.ndarray | None) -> float:
    """Block-block covariance C_bb: the mean covariance between all pairs of discretisation points
    (= the sill for a point).

    The nugget is left out of the ``q`` coincident (diagonal) pairs, as in GSLIB ``kb2d``/``kt3d``
    (``if (i == j) cov = cov - c0``; Deutsch & Journel 1998) and R gstat: a nugget has no spatial
    extent, so its share of a block average vanishes; keeping it would add ``nugget / q``, an artefact
    of the discretisation (checked against gstat 2.1.0 on Meuse, tests/spatial/test_gstat_agreement.py).
    """
    if offsets is None:
        return model.sill
    q = len(offsets)
    cov = model.covariance_between(offsets[:, None, :], offsets[None, :, :])
    return float(cov.mean() - model.nugget / q)


def drift_terms(pts: np.ndarray, centre: np.ndarray, scale: np.ndarray, drift: str) -> np.ndarray:
    """Drift functions ``[1, u, v(, u^2, uv, v^2)]`` of points ``pts`` (..., 2).

    ``u, v`` are easting/northing centred on ``centre`` and divided by ``scale`` (both broadcast
    against ``pts[..., 0]``), which keeps the universal-kriging matrix well conditioned.
    """
    if drift not in DRIFTS:
        raise ValueError(f"unknown drift {drift!r}; use one of {DRIFTS}")
    u = (pts[..., 0] - centre[..., 0]) / scale
    v = (pts[..., 1] - centre[..., 1]) / scale
    cols = [np.ones_like(u)]
    if drift in ("linear", "quadratic"):
        cols += [u, v]
    if drift == "quadratic":
        cols += [u * u, u * v, v * v]
    return np.stack(cols, axis=-1)


def _group_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique rows of an int array: (index of first row of each group, group id of each row)."""
    key = np.ascontiguousarray(key)
    void = key.view(np.dtype((np.void, key.dtype.itemsize * key.shape[1]))).ravel()
    _, first, inv = np.unique(void, return_index=True, return_inverse=True)
    return first, inv.ravel()


def _rhs(model, xy_ext, keys, targets, offsets):
    pts = xy_ext[keys]  # (c, k, 2)
    if offsets is None:
        return model.covariance_between(pts, targets[:, None, :])
    disc = targets[:, None, None, :] + offsets[None, None, :, :]
    return model.covariance_between(pts[:, :, None, :], disc).mean(axis=2)


def _inverse_lhs(model, xy_ext, gkeys, gvalid, ok_mode, k, kk, eye, cache, fmat=None) -> np.ndarray:
    """Stacked inverses of the kriging matrices of each neighbour set (padded entries: identity).

    ``fmat`` (G, k, L): drift functions at the neighbours (universal kriging; None = ordinary).
    """
    if "cdd" in cache:
        cmat = cache["cdd"][gkeys[:, :, None], gkeys[:, None, :]]
    else:
        gp = xy_ext[gkeys]
        cmat = model.covariance_between(gp[:, :, None, :], gp[:, None, :, :])
    both = gvalid[:, :, None] & gvalid[:, None, :]
    lhs = np.zeros((len(gkeys), kk, kk))
    lhs[:, :k, :k] = np.where(both, cmat, 0.0) + (~gvalid)[:, :, None] * eye[:k, :k]
    if fmat is not None:
        f = np.where(gvalid[:, :, None], fmat, 0.0)
        lhs[:, :k, k:] = f
        lhs[:, k:, :k] = f.transpose(0, 2, 1)
        empty = ~gvalid.any(axis=1)
        for j in range(k, kk):  # no neighbour at all: keep the system regular
            lhs[:, j, j] = empty
    elif ok_mode:
        lhs[:, :k, k] = gvalid
        lhs[:, k, :k] = gvalid
        lhs[:, k, k] = ~gvalid.any(axis=1)  # no neighbour at all: keep the system regular
    try:
        return np.linalg.inv(lhs)
    except np.linalg.LinAlgError:  # e.g. a Gaussian model without nugget: near-singular systems
        return np.linalg.pinv(lhs, hermitian=True)


def krige_targets(
    xy: np.ndarray,
    values: np.ndarray,
    model: VariogramModel,
    targets: np.ndarray,
    idx: np.ndarray,
    mode: str = "ok",
    mean: np.ndarray | float = 0.0,
    offsets: np.ndarray | None = None,
    min_samples: int = 1,
    chunk_size: int = 20_000,
    return_weights: bool = False,
    cache: dict | None = None,
    drift: str = "none",
    engine: str = "auto",
) -> dict[str, np.ndarray]:
    """Krige ``targets`` from their neighbour index rows ``idx`` (padded with -1).

    Parameters
    ----------
    xy, values : ndarray
        Data coordinates (n, 2) and values (n, p).
    model : VariogramModel
    targets : ndarray, shape (m, 2)
        Point targets, or block centres when ``offsets`` is given.
    idx : ndarray of int, shape (m, k)
    mode : {"ok", "sk"}
    mean : float or ndarray (p,)
        Simple-kriging mean.
    offsets : ndarray (q, 2), optional
        Block discretisation offsets.
    min_samples : int
        Targets with fewer neighbours get NaN.
    chunk_size : int
        Targets per batch (bounds memory).
    return_weights : bool
        Also return ``weights`` (m, k) aligned with ``idx_sorted`` (m, k).
    cache : dict, optional
        Reused across calls: the data-data covariance matrix (small n) and, for large
        neighbourhoods (global kriging), the inverted left-hand sides keyed by neighbour set.
    drift : {"none", "linear", "quadratic"}
        Universal kriging (mode "ok" only): the unknown mean is a polynomial in easting/northing,
        centred on each neighbour set's mean coordinate and scaled by its spread. Block targets
        use the mean of the drift over the discretisation points. The kriging variance is
        ``BV - w'b - mu'f0`` and the slope ``w'b / (w'b - mu'f0)``; targets with fewer neighbours
        than drift terms + 1, or whose neighbours cannot determine the drift (collinear for a linear
        drift, on one conic for a quadratic one), get NaN.
    engine : {"auto", "numba", "numpy"}
        "auto": the compiled kernel where it applies (no drift, at most ``KERNEL_MAX_K``
        neighbours), else the numpy reference; "numba": the kernel, ``ValueError`` where it does
        not apply; "numpy": the reference path. Targets of near-singular neighbour sets are always
        solved by the reference path.

    Returns
    -------
    dict
        ``estimate`` (m, p), ``variance``, ``slope``, ``efficiency``, ``n_samples``, ``mean_distance``
        (each (m,)), plus ``weights``/``idx_sorted`` when asked.
    """
    if drift not in DRIFTS:
        raise ValueError(f"unknown drift {drift!r}; use one of {DRIFTS}")
    if drift != "none" and mode != "ok":
        raise ValueError("a drift needs mode 'ok' (universal kriging); simple kriging has a known mean")
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {ENGINES}")
    if mode not in ("ok", "sk"):
        raise ValueError(f"unknown kriging mode {mode!r}; use 'ok' or 'sk'")
    covered = drift == "none" and idx.shape[1] <= KERNEL_MAX_K
    if engine == "numba" and not covered:
        raise ValueError(f"the compiled kernel covers drift 'none' and at most {KERNEL_MAX_K} neighbours; got "
                         f"drift {drift!r} and {idx.shape[1]} neighbours (use engine 'auto' or 'numpy')")
    args = (xy, values, model, targets, idx, mode, mean, offsets, min_samples, chunk_size, return_weights, cache,
            drift)
    if engine == "numpy" or not covered:
        return _krige_numpy(*args)
    return _krige_kernel(*args)


def _krige_kernel(xy, values, model, targets, idx, mode, mean, offsets, min_samples, chunk_size, return_weights,
                  cache, drift) -> dict[str, np.ndarray]:
    """The compiled path of :func:`krige_targets`; near-singular sets are redone by the numpy path."""
    from reymud.spatial import _kernels

    n = len(xy)
    p = values.shape[1]
    mean = np.broadcast_to(np.asarray(mean, dtype=float), (p,))
    bv = block_variance(model, offsets)
    keys, count, order, starts = _kernels.group_neighbour_sets(idx, n)
    out = _kernels.solve_groups(xy, values, model, targets, keys, count, order, starts, offsets, bv,
                                mode == "ok", mean, min_samples, return_weights)
    failed = out.pop("failed") | ((count == 0) & (min_samples < 1))
    out["n_samples"] = count
    if return_weights:
        out["idx_sorted"] = np.where(keys < n, keys, -1)
    if failed.any():  # near-singular neighbour sets: the reference path (inverse / pseudo-inverse)
        redo = np.flatnonzero(failed)
        ref = _krige_numpy(xy, values, model, targets[redo], idx[redo], mode, mean, offsets, min_samples,
                           chunk_size, return_weights, cache, drift)
        for name in ("estimate", "variance", "slope", "efficiency", "mean_distance"):
            out[name][redo] = ref[name]
        if return_weights:
            out["weights"][redo] = ref["weights"]
    out["block_variance"] = np.float64(bv)
    return out


def _krige_numpy(xy, values, model, targets, idx, mode, mean, offsets, min_samples, chunk_size, return_weights,
                 cache, drift) -> dict[str, np.ndarray]:
    """The pure-numpy reference path of :func:`krige_targets` (stacked inverses of the bordered systems)."""
    n = len(xy)
    m, k = idx.shape
    p = values.shape[1]
    ok_mode = mode == "ok"
    uk = drift != "none"
    n_drift = {"none": 1, "linear": 3, "quadratic": 6}[drift] if ok_mode else 0
    kk = k + n_drift
    bv = block_variance(model, offsets)
    mean = np.broadcast_to(np.asarray(mean, dtype=float), (p,))
    xy_ext = np.vstack([xy, np.zeros((1, 2))])
    z_ext = np.vstack([values - (0.0 if ok_mode else mean), np.zeros((1, p))])
    keys = np.sort(np.where(idx < 0, n, idx), axis=1)
    count = (keys < n).sum(axis=1)
    first, group = _group_rows(keys)
    order = np.argsort(group, kind="stable")
    out = {name: np.full(m, np.nan) for name in ("variance", "slope", "efficiency", "mean_distance")}
    out["estimate"] = np.full((m, p), np.nan)
    out["n_samples"] = count.astype(np.int64)
    if return_weights:
        out["weights"] = np.zeros((m, k))
        out["idx_sorted"] = np.where(keys < n, keys, -1)
    eye = np.eye(kk)
    cache = {} if cache is None else cache
    if n <= DENSE_DATA_COV_MAX and "cdd" not in cache and len(first) * k * k > n * n:
        cdd = np.empty((n + 1, n + 1))
        for r0 in range(0, n + 1, 256):  # row blocks keep the temporaries small
            cdd[r0:r0 + 256] = model.covariance_between(xy_ext[r0:r0 + 256, None, :], xy_ext[None, :, :])
        cache["cdd"] = cdd
    big = kk > GATHER_MAX_K
    step = max(64, min(chunk_size, int(4e6 // (kk * (1 if big else kk)))))
    for start in range(0, m, step):
        rows = order[start:start + step]
        ugroups, local = np.unique(group[rows], return_inverse=True)
        gkeys = keys[first[ugroups]]  # (G, k)
        gvalid = gkeys < n
        ckey = (gkeys.tobytes() + drift.encode()) if big else None
        if uk:  # per neighbour set: centre = mean neighbour coordinate, scale = its spread
            gpts = xy_ext[gkeys]
            nv = np.maximum(gvalid.sum(axis=1), 1)[:, None]
            gcen = np.where(gvalid[..., None], gpts, 0.0).sum(axis=1) / nv
            dev = np.where(gvalid[..., None], np.abs(gpts - gcen[:, None, :]), 0.0)
            gscale = np.maximum(dev.max(axis=(1, 2)), 1.0)
            fmat = drift_terms(gpts, gcen[:, None, :], gscale[:, None], drift)
            # drift not identifiable from these neighbours (e.g. collinear for a linear drift): NaN
            sv = np.linalg.svd(np.where(gvalid[..., None], fmat, 0.0), compute_uv=False)
            g_ok = sv[:, -1] > 1e-8 * np.maximum(sv[:, 0], 1e-300)
        inverses = cache.setdefault("ainv", {})
        if ckey is not None and ckey in inverses:
            ainv = inverses[ckey]
        else:
            ainv = _inverse_lhs(model, xy_ext, gkeys, gvalid, ok_mode, k, kk, eye, cache,
                                fmat if uk else None)
            if ckey is not None:
                if len(inverses) > 4:
                    inverses.clear()
                inverses[ckey] = ainv
        # alpha = A^-1 [z; 0]: estimate = b_ext . alpha (z-part only, A symmetric)
        gz = np.concatenate([z_ext[gkeys], np.zeros((len(ugroups), kk - k, p))], axis=1)
        alpha = ainv @ gz  # (G, kk, p)
        tkeys = keys[rows]
        rhs = np.where(tkeys < n, _rhs(model, xy_ext, tkeys, targets[rows], offsets), 0.0)
        if uk:
            tcen, tscale = gcen[local], gscale[local]
            if offsets is None:
                f0 = drift_terms(targets[rows], tcen, tscale, drift)
            else:
                disc = targets[rows][:, None, :] + offsets[None, :, :]
                f0 = drift_terms(disc, tcen[:, None, :], tscale[:, None], drift).mean(axis=1)
            b_ext = np.concatenate([rhs, f0], axis=1)
        else:
            b_ext = np.concatenate([rhs, np.ones((len(rows), kk - k))], axis=1)
        if big:  # few large systems (global kriging): one matrix product per neighbour set
            x = np.empty_like(b_ext)
            est = np.empty((len(rows), p))
            bounds = np.flatnonzero(np.diff(local)) + 1
            for g, sl in enumerate(np.split(np.arange(len(rows)), bounds)):
                x[sl] = b_ext[sl] @ ainv[g]
                est[sl] = b_ext[sl] @ alpha[g]
        else:
            x = np.einsum("tij,tj->ti", ainv[local], b_ext)  # [w; mu]
            est = np.einsum("tk,tkp->tp", b_ext, alpha[local])
        w = x[:, :k]
        wb = np.einsum("tk,tk->t", w, rhs)
        if uk:
            mu = np.einsum("tl,tl->t", x[:, k:], b_ext[:, k:])  # mu' f0
            good = (count[rows] >= max(min_samples, n_drift + 1)) & g_ok[local]
        else:
            mu = x[:, k] if ok_mode else 0.0
            good = count[rows] >= min_samples
        var = bv - wb - mu
        out["estimate"][rows] = np.where(good[:, None], est + (0.0 if ok_mode else mean), np.nan)
        out["variance"][rows] = np.where(good, np.maximum(var, 0.0), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = wb / (wb - mu) if ok_mode else np.ones(len(rows))
        out["slope"][rows] = np.where(good, slope, np.nan)
        out["efficiency"][rows] = np.where(good, (bv - var) / bv, np.nan)
        d = np.hypot(*(xy_ext[tkeys] - targets[rows][:, None, :]).transpose(2, 0, 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            md = np.where(tkeys < n, d, 0.0).sum(axis=1) / count[rows]
        out["mean_distance"][rows] = np.where(good, md, np.nan)
        if return_weights:
            out["weights"][rows] = np.where(good[:, None], w, 0.0)
    out["block_variance"] = np.float64(bv)
    return out
