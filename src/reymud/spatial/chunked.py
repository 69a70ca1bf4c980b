"""EEZ-scale block kriging in tiles on a Dask cluster, written chunk by chunk to Zarr (issue 12).

The grid (e.g. the whole Minamitorishima EEZ at 250 m: about 8.8 M cells in the bounding square,
6.9 M inside the circle) is cut into square tiles of ``ChunkedConfig.tile_cells`` cells, one Zarr
chunk each. The store's metadata and coordinates are written first; then every tile (and every
depth slice for a 3-D model) is one task: it takes the small scattered data (cores and fitted
variograms), block-krigs only the tile's cells inside the area with the same solver as
:class:`~reymud.spatial.OrdinaryKriging` (:class:`~reymud.spatial.neighbourhood.NeighbourSearch` +
:func:`~reymud.spatial.kriging_core.krige_targets`), writes its region with ``xarray.to_zarr(region=)``
and returns a few numbers (cells, seconds, peak RSS and, with a density, its dry and contained
tonnes). A worker never holds more than one tile, so memory per worker is bounded by the tile size,
not the grid.

Element grades (``elements``, e.g. ``Dy_ppm``) are additive parts of the first variable (total REY):
they are kriged with the SAME weights (one solve per neighbour set, a values matrix (n, p)), which is
standard practice for additive grades and keeps the sum of the element estimates equal to the total
REY estimate in every cell. They get no variance of their own (total REY's variogram does not
describe them).

The store is Zarr format 2 with consolidated metadata (read by xarray, zarr 2/3, GDAL). Workers write
to the store path themselves: on a real cluster (``scheduler=ADDR``) it must be a path
every worker sees (shared file system) or an fsspec URL.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numba
import numpy as np
import pandas as pd
import xarray as xr

from reymud import defaults as _defaults
from reymud.elements import REY, oxide_factors
from reymud.spatial.blockmodel import auto_model
from reymud.spatial.covariance import VariogramModel
from reymud.spatial.crs import EEZ_RADIUS_KM, MINAMITORISHIMA_LATLON, Grid, eez_mask
from reymud.spatial.kriging_core import block_offsets, krige_targets
from reymud.spatial.neighbourhood import Neighbourhood, NeighbourSearch

__all__ = ["CHUNKED_DEFAULTS", "ChunkedConfig", "ChunkedRun", "EEZCircle", "Layer", "estimate_chunked",
           "fit_layers", "resource_summary", "tiles_of", "worker_threads"]


@dataclass(frozen=True)
class ChunkedConfig:
    """Judgement defaults of the tiled estimation, stated in one place.

    Parameters
    ----------
    tile_cells : int
        Cells per tile side = Zarr chunk (512: 262,144 cells, a few tens of MB of outputs per task).
    block : (int, int) or None
        Block discretisation (the block model's default, ``reymud.defaults``).
    neighbourhood : Neighbourhood
        Kriging neighbourhood (the block model's default 3-16 samples).
    n_workers, threads_per_worker : int
        LocalCluster size when no client or scheduler is given.
    memory_limit : str
        Memory limit of each LocalCluster worker (Dask pauses / restarts a worker above it).
    store_dtype : str
        Floating dtype of the stored estimates (float64 as the block model contract).
    """

    tile_cells: int = 512
    block: tuple[int, int] | None = _defaults.BLOCK_DISCRETISATION
    neighbourhood: Neighbourhood = field(default_factory=lambda: Neighbourhood(max_samples=_defaults.MAX_SAMPLES,
                                                                               min_samples=_defaults.MIN_SAMPLES))
    n_workers: int = 2
    threads_per_worker: int = 1
    memory_limit: str = "2GiB"
    store_dtype: str = "float64"

    def __post_init__(self) -> None:
        if self.tile_cells < 1:
            raise ValueError(f"ChunkedConfig.tile_cells must be >= 1, got {self.tile_cells}")


CHUNKED_DEFAULTS = ChunkedConfig()


@dataclass(frozen=True)
class EEZCircle:
    """Area mask: cells whose centre is within ``radius_km`` (geodesic, WGS84) of ``centre_latlon``."""

    centre_latlon: tuple[float, float] = MINAMITORISHIMA_LATLON
    radius_km: float = EEZ_RADIUS_KM

    def __call__(self, grid: Grid) -> np.ndarray:
        """Boolean (ny, nx) mask of ``grid`` (needs ``grid.crs``)."""
        return eez_mask(grid, self.centre_latlon, self.radius_km).values

    def grid(self, cell_m: float, crs: str | None = None) -> Grid:
        """The square grid of ``cell_m`` cells around the circle in ``crs`` (default: UTM of the centre)."""
        from pyproj import Geod, Transformer

        from reymud.spatial.crs import utm_crs_for

        lat0, lon0 = self.centre_latlon
        crs = crs or utm_crs_for(lon0, northern=lat0 >= 0)
        lon, lat, _ = Geod(ellps="WGS84").fwd(np.full(72, lon0), np.full(72, lat0), np.arange(0, 360, 5.0),
                                              np.full(72, self.radius_km * 1000.0))
        e, n = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
        return Grid.around(np.column_stack([e, n]), cell_m, cell_m, crs)

    def area_km2(self) -> float:
        """Planar area of the circle, km2."""
        return float(np.pi * self.radius_km**2)


@dataclass(frozen=True)
class Layer:
    """The data of one 2-D layer (the window, or one depth slice): coordinates, values and models.

    ``values``/``models`` map variable name -> (n,) array / :class:`VariogramModel` (None: constant in
    the data, stored as that constant without kriging); NaN values are left out of that variable. ``window_m`` clips ``thickness_m`` to [0, window_m] (as the block model).
    ``values`` may also hold element grades (no model): kriged with the first variable's weights when
    :func:`estimate_chunked` is given them as ``elements``.
    """

    xy: np.ndarray
    values: dict[str, np.ndarray]
    models: dict[str, VariogramModel | None]
    window_m: float
    depth_mbsf: float | None = None


def fit_layers(points: pd.DataFrame | list[tuple[float, pd.DataFrame]], variables: tuple[str, ...],
               window_m: float, models: dict[str, VariogramModel] | None = None,
               elements: tuple[str, ...] = ()) -> list[Layer]:
    """Layers with fitted variograms (:func:`reymud.spatial.blockmodel.auto_model`) unless ``models`` given.

    ``points``: one frame (2-D) or ``[(depth_mbsf, frame), ...]`` (3-D slices; ``window_m`` = slice
    thickness); frames have ``easting``, ``northing``, the variables and the ``elements`` columns
    (carried into ``values`` without a variogram: they are kriged with the first variable's weights).
    """
    items = [(None, points)] if isinstance(points, pd.DataFrame) else list(points)
    layers = []
    for depth, frame in items:
        missing = {"easting", "northing", *variables, *elements} - set(frame.columns)
        if missing:
            raise ValueError(f"fit_layers: points{'' if depth is None else f' of slice {depth:g} mbsf'} "
                             f"lack column(s) {sorted(missing)}")
        xy = frame[["easting", "northing"]].to_numpy(float)
        vals, mods = {}, {}
        for v in variables:
            z = frame[v].to_numpy(float)
            ok = np.isfinite(z)
            vals[v] = z
            if ok.any() and np.ptp(z[ok]) == 0 and v not in (models or {}):
                mods[v] = None  # constant in the data (e.g. every core sampled the whole slice): no kriging
            else:
                mods[v] = (models or {}).get(v) or auto_model(xy[ok], z[ok], v if depth is None else f"{v} @ {depth:g}")
        vals.update({e: frame[e].to_numpy(float) for e in elements})
        layers.append(Layer(xy, vals, mods, float(window_m), depth))
    return layers


def tiles_of(grid: Grid, tile_cells: int, bbox_m: tuple[float, float, float, float] | None = None
             ) -> list[tuple[int, int, int, int]]:
    """Tiles ``(row0, row1, col0, col1)`` of ``grid``; with ``bbox_m`` = (e0, n0, e1, n1) only those it touches."""
    out = []
    for r0 in range(0, grid.ny, tile_cells):
        for c0 in range(0, grid.nx, tile_cells):
            r1, c1 = min(r0 + tile_cells, grid.ny), min(c0 + tile_cells, grid.nx)
            if bbox_m is not None:
                e0, n0, e1, n1 = bbox_m
                half = grid.cell_m / 2
                if (grid.x0 + c1 * grid.cell_m - half < e0 or grid.x0 + c0 * grid.cell_m - half > e1
                        or grid.y0 + r1 * grid.cell_m - half < n0 or grid.y0 + r0 * grid.cell_m - half > n1):
                    continue
            out.append((r0, r1, c0, c1))
    return out


def _names(variables, elements=()) -> list[str]:
    """Floating arrays stored per tile: each variable and its variance, the element grades, then the
    first variable's diagnostics."""
    out = [name for v in variables for name in (v, f"{v}_variance")]
    return [*out, *elements, "slope_of_regression", "kriging_efficiency", "mean_distance_m"]


def _template(grid: Grid, variables, elements, depths, cfg: ChunkedConfig, attrs: dict) -> xr.Dataset:
    import dask.array as da

    lead = () if depths is None else ("depth_mbsf",)
    shape = grid.shape if depths is None else (len(depths), *grid.shape)
    chunks = (cfg.tile_cells, cfg.tile_cells) if depths is None else (1, cfg.tile_cells, cfg.tile_cells)
    dims = (*lead, "northing", "easting")
    ds = grid.template()
    if depths is not None:
        ds = ds.assign_coords(depth_mbsf=("depth_mbsf", np.asarray(depths, float),
                                          {"units": "m below seafloor (slice centre)"}))
    for name in _names(variables, elements):
        ds[name] = (dims, da.full(shape, np.nan, dtype=cfg.store_dtype, chunks=chunks))
    ds["n_samples"] = (dims, da.zeros(shape, dtype=np.int16, chunks=chunks))
    ds["inside"] = (dims, da.zeros(shape, dtype=bool, chunks=chunks))
    ds.attrs.update(attrs)
    return ds


def worker_threads() -> int | None:
    """On a Dask worker: limit numba's parallel kernels to the worker's threads (no oversubscription
    when several single-thread workers share a machine) and return that number; elsewhere None."""
    try:
        from distributed import get_worker

        n = int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return None
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))  # numba is a run-time dependency
    return n


def _tile_tonnes(arrays: dict, estimated: np.ndarray, cell_m: float, grades: tuple[str, ...],
                 density_t_m3: float) -> dict:
    """Dry tonnes (cell area x kriged thickness x density) and contained tonnes of each grade (ppm) over
    the tile's estimated cells, estimates as stored (no cut-off, no clipping); TREO when every REY is a grade."""
    ok = estimated & np.isfinite(arrays["thickness_m"])
    dry = arrays["thickness_m"][ok] * (cell_m * cell_m * density_t_m3)
    contained = {g: float(np.dot(dry, arrays[g][ok])) * 1e-6 for g in grades}
    factors = oxide_factors()
    by_el = {g[:-4]: g for g in grades if g.endswith("_ppm")}
    treo = (sum(factors[el] * contained[by_el[el]] for el in REY) if set(REY) <= set(by_el) else None)
    return {"cells": int(ok.sum()), "dry_t": float(dry.sum()), "contained_t": contained, "treo_t": treo}


def _tile_task(layer: Layer, k: int | None, tile, grid: Grid, inside_fn, cfg: ChunkedConfig, path: str,
               variables: tuple[str, ...], elements: tuple[str, ...] = (), density_t_m3: float | None = None) -> dict:
    """Krige one tile of one layer and write its Zarr region; returns cells, seconds, peak RSS and, with
    ``density_t_m3``, ``tonnes`` (:func:`_tile_tonnes` of the first variable and the elements)."""
    t0 = time.perf_counter()
    worker_threads()
    r0, r1, c0, c1 = tile
    sub = Grid(grid.x0 + c0 * grid.cell_m, grid.y0 + r0 * grid.cell_m, c1 - c0, r1 - r0, grid.cell_m, grid.crs)
    inside = np.ones(sub.shape, dtype=bool) if inside_fn is None else np.asarray(inside_fn(sub), dtype=bool)
    cells = int(inside.sum())
    arrays = {name: np.full(sub.shape, np.nan, dtype=cfg.store_dtype) for name in _names(variables, elements)}
    n_samples = np.zeros(sub.shape, dtype=np.int16)
    if cells:
        targets = sub.coords()[inside.ravel()]
        offsets = block_offsets(sub.cell_m, cfg.block)
        searched = None
        for j, v in enumerate(variables):
            z = layer.values[v]
            ok = np.isfinite(z)
            if layer.models[v] is None:  # constant: the value wherever the first variable is estimated
                arrays[v][inside] = np.where(np.isfinite(arrays[variables[0]][inside]), z[ok][0], np.nan)
                arrays[f"{v}_variance"][inside] = np.where(np.isfinite(arrays[v][inside]), 0.0, np.nan)
                continue
            xy = layer.xy[ok]
            if searched is None or not np.array_equal(searched[0], ok):  # same data: same neighbours
                searched = (ok, NeighbourSearch(xy, cfg.neighbourhood).query(targets)[0])
            idx = searched[1]
            carried = elements if j == 0 else ()  # element grades: the first variable's weights, one solve
            values = np.column_stack([z[ok], *(layer.values[e][ok] for e in carried)])
            res = krige_targets(xy, values, layer.models[v], targets, idx, mode="ok", offsets=offsets,
                                min_samples=cfg.neighbourhood.min_samples)
            est = res["estimate"][:, 0]
            if v == "thickness_m":  # kriging weights can be negative: not physical outside the window
                est = np.clip(est, 0.0, layer.window_m)
            arrays[v][inside] = est
            arrays[f"{v}_variance"][inside] = res["variance"]
            for c, e in enumerate(carried, start=1):
                arrays[e][inside] = res["estimate"][:, c]
            if j == 0:
                arrays["slope_of_regression"][inside] = res["slope"]
                arrays["kriging_efficiency"][inside] = res["efficiency"]
                arrays["mean_distance_m"][inside] = res["mean_distance"]
                n_samples[inside] = res["n_samples"]
    first = arrays[variables[0]]
    estimated = inside & np.isfinite(first)
    tonnes = (None if density_t_m3 is None else
              _tile_tonnes(arrays, estimated, grid.cell_m, (variables[0], *elements), density_t_m3))
    lead = () if k is None else ("depth_mbsf",)
    dims = (*lead, "northing", "easting")
    shape = sub.shape if k is None else (1, *sub.shape)
    out = xr.Dataset({name: (dims, a.reshape(shape)) for name, a in arrays.items()})
    out["n_samples"] = (dims, n_samples.reshape(shape))
    out["inside"] = (dims, estimated.reshape(shape))
    region = {"northing": slice(r0, r1), "easting": slice(c0, c1)}
    if k is not None:
        region["depth_mbsf"] = slice(k, k + 1)
    out.to_zarr(path, region=region, mode="r+", consolidated=False)  # metadata: written once by the client
    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):
        worker = "local"
    return {"tile": tile, "layer": k, "cells": cells, "seconds": time.perf_counter() - t0, "worker": worker,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "sum": float(np.nansum(np.where(estimated, first, 0.0))), "n_estimated": int(estimated.sum()),
            "tonnes": tonnes}


@dataclass(frozen=True)
class ChunkedRun:
    """What :func:`estimate_chunked` did: store, sizes, timings, memory per worker and, with a density,
    ``resource``: dry and contained tonnes per layer and in total (:func:`resource_summary`)."""

    path: str
    grid: Grid
    n_layers: int
    n_tiles: int
    n_tiles_total: int
    cells_estimated: int
    wall_s: float
    workers: dict[str, dict]
    mean_first_variable: float
    resource: dict | None = None

    @property
    def cells_per_s_per_worker(self) -> float:
        """Estimated cells (one per layer) per second of wall time and per worker."""
        return self.cells_estimated / max(self.wall_s, 1e-9) / max(len(self.workers), 1)

    @property
    def peak_rss_mb(self) -> float:
        """Largest peak resident memory of any worker process (MB)."""
        return max((w["peak_rss_mb"] for w in self.workers.values()), default=float("nan"))

    def to_dict(self) -> dict:
        """JSON-friendly summary."""
        return {"path": self.path, "grid": asdict(self.grid), "n_layers": self.n_layers, "n_tiles": self.n_tiles,
                "n_tiles_total": self.n_tiles_total, "cells_estimated": self.cells_estimated,
                "wall_s": self.wall_s, "cells_per_s_per_worker": self.cells_per_s_per_worker,
                "peak_rss_mb": self.peak_rss_mb, "workers": self.workers,
                "mean_first_variable": self.mean_first_variable, "resource": self.resource}


def estimate_chunked(layers: list[Layer], grid: Grid, path: str, variables: tuple[str, ...] = ("total_rey_ppm",),
                     inside: Callable[[Grid], np.ndarray] | None = None, client=None,
                     config: ChunkedConfig = CHUNKED_DEFAULTS, bbox_m: tuple[float, float, float, float] | None = None,
                     attrs: dict | None = None, progress: Callable[[int, int, dict], None] | None = None,
                     elements: tuple[str, ...] = (), density_t_m3: float | None = None) -> ChunkedRun:
    """Block-krige ``layers`` on ``grid`` tile by tile and write a Zarr store at ``path``.

    Parameters
    ----------
    layers : list of Layer
        One layer: a 2-D model (dims northing, easting). Several layers with ``depth_mbsf``: a 3-D
        model (leading dim ``depth_mbsf``), one task per tile and slice.
    grid : Grid
    path : str
        Zarr store (directory or fsspec URL), overwritten.
    variables : tuple of str
        Kriged variables (each with ``<v>_variance``); the first also gives ``slope_of_regression``,
        ``kriging_efficiency``, ``mean_distance_m``, ``n_samples`` and ``inside``.
    inside : callable, optional
        ``inside(sub_grid) -> bool (ny, nx)`` area mask (e.g. :class:`EEZCircle`); None = every cell.
    client : distributed.Client, str, "sync" or None
        A client, a scheduler address, ``"sync"`` (this process) or None (a LocalCluster of
        ``config.n_workers`` workers with ``config.memory_limit`` each, closed afterwards).
    config : ChunkedConfig
    bbox_m : (e0, n0, e1, n1), optional
        Compute only the tiles touching this box (a stated fraction of the grid); the store keeps the
        full grid, the other tiles stay empty (NaN / ``inside`` False).
    attrs : dict, optional
        Dataset attributes (e.g. ``synthetic``, ``title``); the config is added as ``chunked_config``.
    progress : callable, optional
        ``progress(done, total, task_stats)`` after every tile.
    elements : tuple of str
        Element grades in the layers' ``values`` (e.g. ``Dy_ppm``), additive parts of the first
        variable: kriged with its weights (same neighbours, same solve), stored without variance.
        Their missing values must be the first variable's.
    density_t_m3 : float, optional
        Dry bulk density (t/m3): every task also returns its dry tonnes and contained tonnes of the
        first variable and each element (and TREO when every REY is an element) over its estimated
        cells; needs ``thickness_m`` among the variables.

    Returns
    -------
    ChunkedRun
    """
    if not layers:
        raise ValueError("estimate_chunked: no layers")
    variables = tuple(variables)
    for lay in layers:
        missing = set(variables) - set(lay.values)
        if missing:
            raise ValueError(f"estimate_chunked: layer {lay.depth_mbsf} lacks {sorted(missing)}")
        if lay.models.get(variables[0]) is None:
            raise ValueError(f"estimate_chunked: the first variable {variables[0]!r} (it gives the diagnostics) "
                             f"has no model in layer {lay.depth_mbsf} (constant in the data?)")
        first_ok = np.isfinite(lay.values[variables[0]])
        for e in elements:
            if e not in lay.values or e in variables:
                raise ValueError(f"estimate_chunked: element {e!r} is {'a variable' if e in variables else 'missing'}"
                                 f" in layer {lay.depth_mbsf}")
            if not np.array_equal(np.isfinite(lay.values[e]), first_ok):
                raise ValueError(f"estimate_chunked: element {e!r} is missing where {variables[0]!r} is not (layer "
                                 f"{lay.depth_mbsf}): it is kriged with {variables[0]!r}'s weights")
    elements = tuple(elements)
    if density_t_m3 is not None and ("thickness_m" not in variables or not density_t_m3 > 0):
        raise ValueError(f"estimate_chunked: tonnage needs 'thickness_m' among the variables and a density > 0 "
                         f"(got {density_t_m3!r})")
    three_d = len(layers) > 1 or layers[0].depth_mbsf is not None
    depths = [lay.depth_mbsf for lay in layers] if three_d else None
    meta = {**(attrs or {}), "crs": grid.crs, "cell_size_m": grid.cell_m, "chunked_config": json.dumps(
        {**asdict(config), "neighbourhood": config.neighbourhood.describe()}),
        "variogram_models": json.dumps([{v: (m.to_dict() if m is not None else "constant in the data")
                                         for v, m in lay.models.items()} for lay in layers])}
    if elements:
        what = "total REY" if variables[0] == "total_rey_ppm" else variables[0]
        meta["element_grades"] = (f"element grades kriged with {what}'s weights (additive, consistent): "
                                  f"{', '.join(elements)} sum to {variables[0]}; no per-element variance")
    if density_t_m3 is not None:
        meta["tonnage_density_t_m3"] = float(density_t_m3)
    _template(grid, variables, elements, depths, config, meta).to_zarr(path, compute=False, mode="w", zarr_format=2,
                                                             consolidated=True)
    tiles = tiles_of(grid, config.tile_cells, bbox_m)
    jobs = [(lay, (k if three_d else None), t) for k, lay in enumerate(layers) for t in tiles]
    t0 = time.perf_counter()
    stats = _run(jobs, grid, inside, config, str(path), (variables, elements, density_t_m3), client, progress)
    wall = time.perf_counter() - t0
    workers: dict[str, dict] = {}
    for s in stats:
        w = workers.setdefault(s["worker"], {"tasks": 0, "cells": 0, "busy_s": 0.0, "peak_rss_mb": 0.0})
        w["tasks"] += 1
        w["cells"] += s["cells"]
        w["busy_s"] += s["seconds"]
        w["peak_rss_mb"] = max(w["peak_rss_mb"], s["peak_rss_mb"])
    n_est = sum(s["n_estimated"] for s in stats)
    total_tiles = len(tiles_of(grid, config.tile_cells))
    summary = None if density_t_m3 is None else resource_summary(stats, layers, density_t_m3, grid.cell_m)
    return ChunkedRun(str(path), grid, len(layers), len(tiles), total_tiles, sum(s["cells"] for s in stats), wall,
                      workers, sum(s["sum"] for s in stats) / n_est if n_est else float("nan"), summary)


def _add(acc: dict, t: dict) -> None:
    acc["cells"] += t["cells"]
    acc["dry_t"] += t["dry_t"]
    for g, v in t["contained_t"].items():
        acc["contained_t"][g] = acc["contained_t"].get(g, 0.0) + v
    acc["treo_t"] = None if t["treo_t"] is None else (acc["treo_t"] or 0.0) + t["treo_t"]


def resource_summary(stats: list[dict], layers: list[Layer], density_t_m3: float, cell_m: float) -> dict:
    """Sum the tasks' tonnes per layer and over all layers (tiles in a fixed order: reproducible sums).

    Returns
    -------
    dict
        ``basis`` (what was summed), ``density_t_m3``, ``cell_area_m2``, ``layers`` (one entry per
        layer: ``depth_mbsf``, ``cells``, ``dry_t``, ``contained_t`` {grade: t}, ``treo_t``) and
        ``total`` (the same over all layers).
    """
    empty = {"cells": 0, "dry_t": 0.0, "contained_t": {}, "treo_t": None}
    per: dict = {}
    total = {**empty, "contained_t": {}}
    for s in sorted(stats, key=lambda s: (-1 if s["layer"] is None else s["layer"], tuple(s["tile"]))):
        acc = per.setdefault(s["layer"], {**empty, "contained_t": {}})
        _add(acc, s["tonnes"])
    for k in sorted(per, key=lambda k: -1 if k is None else k):
        _add(total, per[k])
    return {"basis": "in situ over the estimated cells: cell area x kriged thickness x dry bulk density = dry t; "
                     "x grade (ppm) x 1e-6 = contained t; estimates as stored, no cut-off, no classification",
            "density_t_m3": float(density_t_m3), "cell_area_m2": float(cell_m) ** 2,
            "layers": [{"depth_mbsf": None if k is None else layers[k].depth_mbsf, **per[k]}
                       for k in sorted(per, key=lambda k: -1 if k is None else k)],
            "total": total}


def _run(jobs, grid, inside, cfg, path, spec, client, progress) -> list[dict]:
    if isinstance(client, str) and client == "sync":
        out = []
        for lay, k, tile in jobs:
            out.append(_tile_task(lay, k, tile, grid, inside, cfg, path, *spec))
            if progress:
                progress(len(out), len(jobs), out[-1])
        return out
    from distributed import Client, LocalCluster, as_completed

    own_cluster = own_client = None
    try:
        if client is None:
            own_cluster = LocalCluster(n_workers=cfg.n_workers, threads_per_worker=cfg.threads_per_worker,
                                       processes=True, memory_limit=cfg.memory_limit, dashboard_address=None)
            client = own_client = Client(own_cluster)
        elif isinstance(client, str):
            client = own_client = Client(client)
        uniq = {id(lay): lay for lay, _, _ in jobs}
        scattered = dict(zip(uniq, client.scatter(list(uniq.values()), broadcast=True), strict=True))
        grid_f, inside_f = client.scatter([grid, inside], broadcast=True) if inside is not None else (
            client.scatter(grid, broadcast=True), None)
        futures = [client.submit(_tile_task, scattered[id(lay)], k, tile, grid_f, inside_f, cfg, path, *spec,
                                 pure=False) for lay, k, tile in jobs]
        out = []
        for fut in as_completed(futures):
            out.append(fut.result())
            fut.release()
            if progress:
                progress(len(out), len(jobs), out[-1])
        return out
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
