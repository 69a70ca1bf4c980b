"""The realisation engine of :mod:`reymud.spatial.simulate`: circulant embedding, conditioning weights, batches.

Speed (issue 12): the conditioning (simple-kriging) weights do not change between realisations, so
they are computed once, in fixed slabs of grid cells (on the Dask workers when there are any), as
sparse rows ``W`` (cells x data nodes). A task then produces a *batch* of realisations: each draws
its own unconditional field from its own ``SeedSequence`` child, and the kriged residuals of the
whole batch are one sparse-times-dense product ``W @ R``. The unconditional FFT field is real, so it
uses ``rfft2``/``irfft2`` in float32 on the smallest torus that still reproduces the covariance to
``1e-6`` of the sill; the normal-score back-transform interpolates the table through a bucket index (no binary search for
most cells) and calls the tail models only for the few cells outside the data's score range.

Every per-realisation computation is the same whatever the batch it sits in, and batches and slabs
have fixed sizes (:class:`~reymud.spatial.simulate.SimulationDefaults`), so the result does not
depend on the number of workers.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import warnings
from dataclasses import replace

import numpy as np
from scipy import fft as sfft
from scipy import sparse

from reymud.spatial._simtrend import DRAW_LIMIT
from reymud.spatial.covariance import VariogramModel
from reymud.spatial.crs import Grid
from reymud.spatial.kriging_core import krige_targets
from reymud.spatial.neighbourhood import Neighbourhood, NeighbourSearch
from reymud.spatial.nscore import NormalScoreTransform, bootstrap_factor, bootstrap_values

#: Covariance left out by wrapping the torus, as a fraction of the sill (circulant embedding size).
WRAP_TOLERANCE = 1e-6
#: Shared-memory directory the workers on this machine write realisations into (None: through Dask).
SHARED_DIR: str | None = "/dev/shm"


class Plan:
    """Everything a worker needs to produce realisations (scattered once; weights and bootstrap factor apart)."""

    def __init__(self, method, grid_shape, y_data, chol=None, sqrt_eig=None, torus=None, data_nodes=None,
                 nscore=None, z_data=None, node_inv=None, boot_xy=None, boot_model=None, boot_w=None,
                 trend_factor=None, trend_data=None, trend_cells=None, trend_log=False):
        self.method, self.grid_shape, self.y_data = method, tuple(grid_shape), y_data
        self.chol, self.sqrt_eig, self.torus = chol, sqrt_eig, torus
        self.data_nodes, self.nscore = data_nodes, nscore
        self.z_data, self.node_inv, self.boot_w = z_data, node_inv, boot_w
        self.boot_xy, self.boot_model = boot_xy, boot_model
        # trend slopes drawn per realisation (reymud.spatial._simtrend): factor, terms at the data and cells
        self.trend_factor, self.trend_data, self.trend_cells = trend_factor, trend_data, trend_cells
        # log trend space: the drawn (Gaussian) trend error shifts log values, so exp() of it has mean
        # exp(var / 2); half its variance is subtracted at every cell and datum (mean-preserving draws)
        self.trend_half_var_data = self.trend_half_var_cells = 0.0
        if trend_log and trend_factor is not None:
            self.trend_half_var_data = 0.5 * ((trend_data @ trend_factor) ** 2).sum(axis=1)
            self.trend_half_var_cells = 0.5 * ((trend_cells @ trend_factor) ** 2).sum(axis=1)

    def bootstrap_factor(self) -> np.ndarray | None:
        """Cholesky factor of the data's normal-score covariance (spatial bootstrap), or None without it.

        Made once per simulation (one task on Dask, its result shared by every batch) and passed to
        :meth:`batch`; the plan itself carries only the data coordinates.
        """
        return None if self.boot_xy is None else bootstrap_factor(self.boot_xy, self.boot_model)

    def unconditional(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One unconditional field: (values at the grid cells, values at the data)."""
        m = self.grid_shape[0] * self.grid_shape[1]
        if self.method == "cholesky":
            field = self.chol @ rng.standard_normal(self.chol.shape[0])
            return field[:m], field[m:]
        white = rng.standard_normal(self.torus, dtype=np.float32)
        full = sfft.irfft2(self.sqrt_eig * sfft.rfft2(white), s=self.torus)
        grid = full[: self.grid_shape[0], : self.grid_shape[1]].astype(np.float64).ravel()
        return grid, grid[self.data_nodes]

    def transform_for(self, rng: np.random.Generator, chol: np.ndarray | None = None
                      ) -> tuple[np.ndarray, NormalScoreTransform | None]:
        """This realisation's data normal scores and back-transform (bootstrap histogram with ``chol``,
        the :meth:`bootstrap_factor`)."""
        if chol is None:
            return self.y_data, self.nscore
        ns = self.nscore
        yb = chol @ rng.standard_normal(chol.shape[0])
        zb = bootstrap_values(yb, ns)  # spatial bootstrap resample of the data
        if np.ptp(zb) == 0:
            return self.y_data, ns
        # the resampled table keeps the full data tails (bounds of the base transform), so every datum
        # stays inside the back-transform's range and is honoured whatever the resample
        tails = replace(ns.tails, zmin=ns.zmin_, zmax=ns.zmax_)
        ns = NormalScoreTransform(tails).fit(zb, self.boot_w)
        y = ns.transform(self.z_data)
        if self.node_inv is not None:  # fft: data averaged per grid node in normal-score space
            y = np.bincount(self.node_inv, y) / np.bincount(self.node_inv)
        return y, ns

    def trend_transform_for(self, rng: np.random.Generator, chol: np.ndarray | None = None
                            ) -> tuple[np.ndarray, NormalScoreTransform | None, np.ndarray]:
        """With a trend: this realisation's data scores, back-transform and trend shift at the cells.

        The trend's slopes are drawn first; the data residuals to the drawn trend get their own
        (declustered) normal-score table, resampled by the spatial bootstrap when it is on, so the
        shifted data are table entries rather than tail values.
        """
        white = np.clip(rng.standard_normal(self.trend_factor.shape[0]), -DRAW_LIMIT, DRAW_LIMIT)
        delta = self.trend_factor @ white
        z = self.z_data - (self.trend_data @ delta - self.trend_half_var_data)
        ns = self.nscore
        if ns is not None:
            tails = replace(ns.tails, zmin=ns.zmin_, zmax=ns.zmax_)
            ns = NormalScoreTransform(tails).fit(z, self.boot_w)
            if chol is not None:
                zb = bootstrap_values(chol @ rng.standard_normal(chol.shape[0]), ns)
                if np.ptp(zb) > 0:
                    ns = NormalScoreTransform(tails).fit(zb, self.boot_w)
        y = z if ns is None else ns.exact_scores(z)  # resampled tables: data between entries
        if self.node_inv is not None:
            y = np.bincount(self.node_inv, y) / np.bincount(self.node_inv)
        return y, ns, self.trend_cells @ delta - self.trend_half_var_cells

    def batch(self, seeds, slabs, chol: np.ndarray | None = None) -> np.ndarray:
        """Realisations ``(len(seeds), ny, nx)``, one per seed, conditioned through the weight ``slabs``
        (``chol``: the :meth:`bootstrap_factor`, None without the bootstrap)."""
        fields, resid, transforms, shifts = [], [], [], []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            if self.trend_factor is not None:
                y_data, nscore, shift = self.trend_transform_for(rng, chol)
                shifts.append(shift)
            else:
                y_data, nscore = self.transform_for(rng, chol)
            y_grid, y_at_data = self.unconditional(rng)
            fields.append(y_grid)
            resid.append(y_data - y_at_data)
            transforms.append(nscore)
        cond = np.stack(fields)  # (batch, cells): each realisation contiguous for the back-transform
        rmat = np.stack(resid, axis=1)  # (data, batch)
        start = 0
        for slab in slabs:  # kriged residuals: one sparse product per slab for the whole batch
            cond[:, start:start + slab.shape[0]] += (slab @ rmat).T
            start += slab.shape[0]
        for b, nscore in enumerate(transforms):
            if nscore is not None:
                cond[b] = back_transform(nscore, cond[b])
            if shifts:
                cond[b] += shifts[b]
        return cond.reshape(len(seeds), *self.grid_shape)


def table_interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp(x, xp, fp)`` inside ``[xp[0], xp[-1]]`` (increasing ``xp``), about 3x faster for large ``x``.

    The interval of each ``x`` comes from a uniform bucket table over ``xp`` (8 buckets per table
    point); only values whose bucket holds a table point, or whose interval fails the check
    ``xp[j] <= x < xp[j + 1]``, are binary-searched. Outside the table the end intervals extrapolate
    (callers replace those values).
    """
    n = len(xp)
    if n < 2 or not xp[-1] > xp[0]:
        return np.interp(x, xp, fp)
    nb = 8 * n
    scale = nb / (xp[-1] - xp[0])
    first = np.searchsorted(xp, xp[0] + np.arange(nb + 1) / scale, side="right") - 1
    b = np.clip((x - xp[0]) * scale, 0, nb - 1).astype(np.intp)
    j = first[b]
    crowded = np.flatnonzero(first[b + 1] != j)
    j[crowded] = np.searchsorted(xp, x[crowded], side="right") - 1
    np.clip(j, 0, n - 2, out=j)
    wrong = np.flatnonzero(((xp[j] > x) & (j > 0)) | ((x >= xp[j + 1]) & (j < n - 2)))
    if wrong.size:  # rounding at a bucket edge
        j[wrong] = np.clip(np.searchsorted(xp, x[wrong], side="right") - 1, 0, n - 2)
    slope = np.diff(fp) / np.diff(xp)
    return fp[j] + (x - xp[j]) * slope[j]


def back_transform(nscore: NormalScoreTransform, y: np.ndarray) -> np.ndarray:
    """``nscore.inverse_transform(y)``: the table by :func:`table_interp`, the tail models only outside it."""
    s = nscore.scores_
    z = table_interp(y, s, nscore.values_)
    tail = (y < s[0]) | (y > s[-1])
    if tail.any():
        z[tail] = nscore.inverse_transform(y[tail])
    return z


def _wrap_lag_cells(model: VariogramModel, cell_m: float, limit: int) -> int:
    """Smallest lag (cells) beyond which the covariance stays below ``WRAP_TOLERANCE`` x sill, any direction."""
    lags = np.arange(1, limit + 1) * cell_m
    az = np.deg2rad(np.arange(0.0, 180.0, 5.0))
    cov = model.covariance_delta(lags[:, None] * np.sin(az)[None, :], lags[:, None] * np.cos(az)[None, :])
    small = np.abs(cov).max(axis=1) <= WRAP_TOLERANCE * model.sill
    # the lag after the last one still above the tolerance (covariances need not be monotone)
    above = np.flatnonzero(~small)
    return int(above[-1] + 2) if above.size else 1


def _spectrum(model, shape, cell_m):
    py, px = shape
    ly = np.where(np.arange(py) <= py // 2, np.arange(py), np.arange(py) - py) * cell_m
    lx = np.where(np.arange(px) <= px // 2, np.arange(px), np.arange(px) - px) * cell_m
    return sfft.rfft2(model.covariance_delta(lx[None, :], ly[:, None])).real


def circulant_sqrt(model: VariogramModel, grid: Grid) -> tuple[np.ndarray, tuple[int, int]]:
    """Square root of the circulant eigenvalues (half spectrum, float32) and the torus shape.

    The torus along each axis is the smallest fast FFT length ``>= max(n + L, 2 L)`` (``L``: the lag
    beyond which the covariance is below ``WRAP_TOLERANCE`` of the sill), so covariances between grid
    cells are reproduced to that tolerance; it grows (up to the exact ``2 n`` embedding and then the
    range-padded one) while the embedding has negative eigenvalues beyond ``1e-6`` of the largest.
    """
    ranges = [max(s.range_m, s.minor_m) for s in model.structures] or [grid.cell_m]
    pad = int(np.ceil(max(ranges) / grid.cell_m))
    last = (sfft.next_fast_len(max(2 * grid.ny, grid.ny + pad)), sfft.next_fast_len(max(2 * grid.nx, grid.nx + pad)))
    wrap = _wrap_lag_cells(model, grid.cell_m, max(last))
    shape = tuple(sfft.next_fast_len(min(2 * n, max(n + wrap, 2 * wrap))) for n in (grid.ny, grid.nx))
    while True:
        eig = _spectrum(model, shape, grid.cell_m)
        neg = -eig.min() if eig.min() < 0 else 0.0
        if neg <= 1e-6 * eig.max() or shape == last:
            break
        shape = tuple(min(b, sfft.next_fast_len(int(a * 1.25) + 1)) for a, b in zip(shape, last, strict=True))
    if neg > 1e-6 * eig.max():
        warnings.warn(f"circulant embedding: negative eigenvalues down to {-neg:.3g} clipped "
                      "(grid too small for the variogram range); covariance is approximate", stacklevel=4)
    # C^(1/2) w = irfft2(sqrt(lambda) * rfft2(w)); lambda = fft2 of the real even torus covariance
    return np.sqrt(np.clip(eig, 0.0, None)).astype(np.float32), shape


def weight_slab(xy: np.ndarray, model: VariogramModel, hood: Neighbourhood, targets: np.ndarray) -> sparse.csr_matrix:
    """Simple-kriging (mean 0) weights of ``targets`` from data at ``xy``: sparse rows (targets x data)."""
    idx, _ = NeighbourSearch(xy, hood).query(targets)
    res = krige_targets(xy, np.zeros((len(xy), 1)), model, targets, idx, mode="sk", mean=0.0, min_samples=1,
                        return_weights=True)
    cols = res["idx_sorted"]
    valid = cols >= 0
    indptr = np.concatenate([[0], np.cumsum(valid.sum(axis=1))])
    return sparse.csr_matrix((res["weights"][valid], cols[valid].astype(np.int32), indptr),
                             shape=(len(targets), len(xy)))


def slab_bounds(m: int, slab_cells: int) -> list[tuple[int, int]]:
    """Fixed row ranges of the weight slabs (independent of the number of workers)."""
    return [(a, min(a + slab_cells, m)) for a in range(0, m, max(int(slab_cells), 1))]


def batch_bounds(n: int, batch: int) -> list[tuple[int, int]]:
    """Fixed realisation ranges of the tasks (independent of the number of workers)."""
    return [(a, min(a + batch, n)) for a in range(0, n, max(int(batch), 1))]


def _grid_slab(xy, model, hood, grid: Grid, lo: int, hi: int) -> sparse.csr_matrix:
    from reymud.spatial.chunked import worker_threads

    worker_threads()  # numba's kernels on as many threads as the worker has (1 per worker by default)
    return weight_slab(xy, model, hood, grid.coords()[lo:hi])


def _boot_factor(plan: Plan) -> np.ndarray | None:
    return plan.bootstrap_factor()


class SharedOutput:
    """Realisations written by the workers straight into a file in shared memory (``SHARED_DIR``).

    The file has a random name; a task that sees it (a worker on the client's machine) writes its
    batch there and returns None, and the client copies the batch into its output array; a task that
    does not (a remote worker) returns the batch through Dask as before. ~200 MB of realisations
    then do not go through the scheduler's comms (serialise, send, receive) on the two cores.
    """

    def __init__(self, path: str, shape: tuple[int, ...]):
        self.path, self.shape = path, tuple(shape)

    @classmethod
    def create(cls, shape: tuple[int, ...]) -> SharedOutput | None:
        """A zero-filled (sparse) file for ``shape`` float64 values, or None when shared memory is
        missing or too small for it (then the realisations go through Dask)."""
        nbytes = int(np.prod(shape)) * 8
        if SHARED_DIR is None or not hasattr(os, "preadv") or not os.path.isdir(SHARED_DIR):
            return None
        try:
            if shutil.disk_usage(SHARED_DIR).free < 2 * nbytes:  # room to spare: a full tmpfs fails the writes
                return None
            fd, path = tempfile.mkstemp(prefix="reymud-sim-", suffix=".f64", dir=SHARED_DIR)
        except OSError:
            return None
        try:
            os.ftruncate(fd, nbytes)
        except OSError:
            os.close(fd)
            os.unlink(path)
            return None
        os.close(fd)
        return cls(path, shape)

    def _offset(self, a: int) -> int:
        return a * int(np.prod(self.shape[1:])) * 8

    def write(self, a: int, values: np.ndarray) -> bool:
        """Write realisations ``a:a+len(values)``; False when this process cannot see the file."""
        try:
            fd = os.open(self.path, os.O_WRONLY)
        except FileNotFoundError:
            return False
        try:
            buf, off = memoryview(np.ascontiguousarray(values, dtype=np.float64)).cast("B"), self._offset(a)
            while buf:  # pwrite: one kernel copy into the shared pages (no page faults of a mapping)
                n = os.pwrite(fd, buf, off)
                buf, off = buf[n:], off + n
        finally:
            os.close(fd)
        return True

    def read_into(self, out: np.ndarray, a: int, b: int) -> None:
        """Copy realisations ``a:b`` into ``out[a:b]`` (C-contiguous ``out``)."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            buf, off = memoryview(out[a:b]).cast("B"), self._offset(a)
            while buf:
                n = os.preadv(fd, [buf], off)
                if n <= 0:
                    raise OSError(f"shared realisations {self.path}: short read at byte {off}")
                buf, off = buf[n:], off + n
        finally:
            os.close(fd)

    def close(self) -> None:
        """Remove the file (the workers have finished with it)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def _run_batch(plan: Plan, chol, seeds, shared: SharedOutput | None, start: int, *slabs) -> np.ndarray | None:
    values = plan.batch(seeds, slabs, chol)
    return None if shared is not None and shared.write(start, values) else values


def run_sync(plan: Plan, cond, seeds, out, progress, info, slab_cells: int, batch: int) -> None:
    """All realisations in this process (same slabs and batches as on Dask)."""
    xy, model, hood, grid = cond
    slabs = [] if xy is None else [_grid_slab(xy, model, hood, grid, a, b) for a, b in slab_bounds(grid.nx * grid.ny,
                                                                                                  slab_cells)]
    chol = plan.bootstrap_factor()
    done = 0
    for a, b in batch_bounds(len(seeds), batch):
        out[a:b] = plan.batch(seeds[a:b], slabs, chol)
        for i in range(a, b):
            done += 1
            if progress:
                progress(done, len(seeds), {**info, "realization": i})


def run_dask(plan: Plan, cond, seeds, out, client, n_workers, progress, info, slab_cells: int, batch: int) -> None:
    """Realisations on Dask: the plan scattered once; the bootstrap factor (one task, first) and the
    weight slabs as tasks; realisation batches as tasks that need them, handed out as workers free up
    and written into shared memory (:class:`SharedOutput`) when the workers are on this machine."""
    from distributed import Client, LocalCluster, as_completed

    own_cluster = own_client = shared = None
    try:
        if client is None:
            own_cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
            client = own_client = Client(own_cluster)
        elif isinstance(client, str):
            client = own_client = Client(client)
        info["workers"] = len(client.scheduler_info().get("workers", {})) or n_workers
        tag = f"{id(plan):x}-{np.random.SeedSequence().entropy:x}"[:24]
        plan_f = client.scatter(plan, broadcast=True)
        # one bootstrap factor for every batch, made while the other workers start on the weights
        chol_f = (None if plan.boot_xy is None else
                  client.submit(_boot_factor, plan_f, key=f"reymud-bootf-{tag}", priority=1))
        xy, model, hood, grid = cond
        slabs = []
        if xy is not None:
            xy_f, grid_f = client.scatter([xy, grid], broadcast=True)
            slabs = [client.submit(_grid_slab, xy_f, model, hood, grid_f, a, b, key=f"reymud-wslab-{j}-{tag}")
                     for j, (a, b) in enumerate(slab_bounds(grid.nx * grid.ny, slab_cells))]
        shared = SharedOutput.create(out.shape) if out.flags.c_contiguous and out.dtype == np.float64 else None
        # batches go out as workers free up (two in flight per worker), so both finish together
        # whatever their speed; the realisations do not depend on where or in what order they ran
        todo = iter(batch_bounds(len(seeds), batch))
        pos = {}

        def submit(a: int, b: int):
            fut = client.submit(_run_batch, plan_f, chol_f, seeds[a:b], shared, a, *slabs, key=f"reymud-real-{a}-{tag}")
            pos[fut.key] = (a, b)
            return fut

        running = as_completed([submit(a, b) for a, b in itertools.islice(todo, 2 * max(info["workers"], 1))])
        done = 0
        for fut in running:
            a, b = pos.pop(fut.key)
            values = fut.result()
            fut.release()
            nxt = next(todo, None)
            if nxt is not None:
                running.add(submit(*nxt))
            if values is None:
                shared.read_into(out, a, b)
            else:
                out[a:b] = values
            for i in range(a, b):
                done += 1
                if progress:
                    progress(done, len(seeds), {**info, "realization": i})
    finally:
        if shared is not None:
            shared.close()
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
