"""EEZ-scale block kriging on Dask (issue 12): wall time, throughput and peak memory per worker.

The SYNTHETIC EEZ survey (``reymud.demo.eez``: ``--cores`` cores over the 431,000 km2 Minamitorishima
EEZ) is block-kriged (2x2, 3-16 samples, total REY and thickness, and unless ``--no-elements`` every REY
element grade with total REY's weights) by
:func:`reymud.demo.eez.eez_demo` on a LocalCluster of ``--workers`` processes (1 thread,
``--memory-limit`` each), tile by tile into a Zarr store - the full code path and the full EEZ grid,
but only the tiles touching a centred square of ``--subset-km2`` (2-D) / ``--subset-3d-km2`` (3-D,
1 m slices over 0-10 mbsf) are computed; the full EEZ is extrapolated from the cells per second.
Worker start-up and the first (compiling / cache-loading) call are timed apart (warm-up).

Usage: ``python benchmarks/bench_eez.py [--workers 1 2] [--subset-km2 50000] [--subset-3d-km2 2500] [--no-elements]``
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from reymud.demo.eez import eez_demo
from reymud.spatial.chunked import ChunkedConfig, EEZCircle


def _full_cells(cell_m: float) -> int:
    """Cells of ``cell_m`` in the EEZ circle (planar area / cell area: about 6.9 M at 250 m)."""
    circle = EEZCircle()
    return round(circle.area_km2() * 1e6 / cell_m**2)


def run(workers: int, args, out: Path) -> list[dict]:
    from distributed import Client, LocalCluster

    rows = []
    t0 = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=args.memory_limit,
                      dashboard_address=None) as cl, Client(cl) as client, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter() - t0
        t1 = time.perf_counter()
        eez_demo(str(out / "warm.zarr"), n_cores=200, cell_m=20_000.0, client=client,
                 config=ChunkedConfig(tile_cells=16))
        warm = time.perf_counter() - t1
        for label, slice_m, subset, tile in (("2-D window", None, args.subset_km2, args.tile),
                                             ("3-D 1 m slices", 1.0, args.subset_3d_km2, args.tile_3d)):
            cfg = ChunkedConfig(tile_cells=tile, n_workers=workers, memory_limit=args.memory_limit)
            r = eez_demo(str(out / f"eez_{workers}_{label[:3]}.zarr"), n_cores=args.cores, cell_m=args.cell,
                         slice_m=slice_m, client=client, config=cfg, subset_km2=subset, elements=args.elements)
            layers = r.n_layers
            full = _full_cells(args.cell) * layers
            rows.append({"workers": workers, "label": label, "tile": tile, "tiles": r.n_tiles * layers,
                         "cells": r.cells_estimated, "wall_s": r.wall_s, "per_worker": r.cells_per_s_per_worker,
                         "rss_mb": r.peak_rss_mb, "full_cells": full,
                         "full_s": full / max(r.cells_per_s_per_worker * workers, 1e-9), "start_s": start,
                         "warm_s": warm, "mean": r.mean_first_variable})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, nargs="+", default=[2])
    ap.add_argument("--cores", type=int, default=2_500)
    ap.add_argument("--cell", type=float, default=250.0)
    ap.add_argument("--subset-km2", type=float, default=50_000.0)
    ap.add_argument("--subset-3d-km2", type=float, default=2_500.0)
    ap.add_argument("--tile", type=int, default=512)
    ap.add_argument("--tile-3d", type=int, default=256)
    ap.add_argument("--memory-limit", default="2GiB")
    ap.add_argument("--no-elements", dest="elements", action="store_false",
                    help="total REY and thickness only (the pure throughput benchmark)")
    ap.add_argument("--keep", type=Path, default=None, help="write the stores here instead of a temp dir")
    args = ap.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="reymud_eez_"))
    rows = []
    try:
        for w in args.workers:
            rows += run(w, args, out)
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    print(f"\nSYNTHETIC EEZ survey, {args.cores:,} cores, {args.cell:g} m blocks (2x2 block kriging, 3-16 samples, "
          f"total REY + thickness{' + REY elements (total REY weights)' if args.elements else ', no elements'});"
          f" LocalCluster, 1 thread and {args.memory_limit} per worker")
    print(f"{'workers':>7} {'model':<15}{'tiles':>6}{'cells':>12}{'wall s':>8}{'cells/s/wkr':>12}"
          f"{'peak RSS MB':>12}{'full-EEZ cells':>15}{'full est. s':>12}{'start s':>8}{'warm s':>7}")
    for r in rows:
        print(f"{r['workers']:>7} {r['label']:<15}{r['tiles']:>6}{r['cells']:>12,}{r['wall_s']:>8.1f}"
              f"{r['per_worker']:>12,.0f}{r['rss_mb']:>12,.0f}{r['full_cells']:>15,}{r['full_s']:>12,.0f}"
              f"{r['start_s']:>8.1f}{r['warm_s']:>7.1f}")
    for n in (16, 64):
        for r in rows[-2:]:
            t = r["full_cells"] / max(r["per_worker"] * n, 1e-9)
            print(f"on paper, {n} workers, {r['label']}: ~{t:,.0f} s for {r['full_cells']:,} cells at "
                  f"{r['per_worker']:,.0f} cells/s/worker, {n} x ~{np.ceil(r['rss_mb'] / 256) * 256:,.0f} MB")


if __name__ == "__main__":
    main()
