"""Ordinary kriging with variance: reymud vs pykrige (C backend), a plain scipy+numpy sketch and gstools.

Same data (``--samples`` scattered points over 100 km x 100 km), same covariance model (nugget 0.1 +
spherical 0.9, range 15 km), same square grids, one run. Moving neighbourhoods of ``--k`` nearest
samples (pykrige ``execute('points', ..., backend='C', n_closest_points=k)``); gstools has a global
neighbourhood only, so it is compared with reymud's global kriging on ``--global-cells`` cells.

Each (library, k, support, grid size) runs in its own subprocess, so the peak-memory figure
(``ru_maxrss`` growth after the data are loaded and the code is warm) is not polluted by earlier runs;
inside it the kriging is timed ``--repeat`` times (best of 3 by default: the machine is shared).
Differences are against pykrige at the same k and size (global: reymud-global vs gstools).
reymud's block kriging (4 x 4 discretisation) is timed against its own point kriging.
The numba compile time is measured in a fresh process with an empty ``NUMBA_CACHE_DIR``, then the
cached start in a second process.

Usage: ``python benchmarks/bench_kriging.py [--cells 62500 250000 1000000] [--k 16 32] [--samples 2000]``
(peers: ``pip install -c constraints.txt -e ".[bench]"``; a missing one is reported "not installed").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NUGGET, SILL, RANGE_M = 0.1, 0.9, 15_000.0
BLOCK = (4, 4)


def make_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2026)
    xy = rng.uniform(0, 100_000, (n, 2))
    z = np.sin(xy[:, 0] / 9000) + np.cos(xy[:, 1] / 13000) + rng.normal(0, 0.3, n)
    return xy, z


def grid_for(cells: int):
    from reymud.spatial import Grid

    side = int(np.rint(np.sqrt(cells)))
    return Grid(0.0, 0.0, side, side, 100_000.0 / side)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _spherical(h: np.ndarray) -> np.ndarray:
    u = np.minimum(h / RANGE_M, 1.0)
    return np.where(h == 0, NUGGET + SILL, SILL * (1.0 - u * (1.5 - 0.5 * u * u)))


def sketch_ok(xy: np.ndarray, z: np.ndarray, tgt: np.ndarray, k: int, chunk: int = 10_000):
    """A plain scipy+numpy moving-neighbourhood ordinary kriging: KD-tree + one batched solve per chunk."""
    from scipy.spatial import cKDTree

    tree = cKDTree(xy)
    est, var = np.empty(len(tgt)), np.empty(len(tgt))
    for s in range(0, len(tgt), chunk):
        t = tgt[s:s + chunk]
        _, idx = tree.query(t, k=k, workers=-1)
        p = xy[idx]
        a = np.ones((len(t), k + 1, k + 1))
        a[:, :k, :k] = _spherical(np.linalg.norm(p[:, :, None, :] - p[:, None, :, :], axis=-1))
        a[:, k, k] = 0.0
        b = np.ones((len(t), k + 1))
        b[:, :k] = _spherical(np.linalg.norm(p - t[:, None, :], axis=-1))
        x = np.linalg.solve(a, b[..., None])[..., 0]
        est[s:s + chunk] = np.einsum("tk,tk->t", x[:, :k], z[idx])
        var[s:s + chunk] = NUGGET + SILL - np.einsum("tk,tk->t", x, b)
    return est, var


def _krige(lib: str, xy, z, grid, tgt, k: int, block: bool):
    from reymud.spatial import Neighbourhood, OrdinaryKriging, Structure, VariogramModel

    model = VariogramModel(NUGGET, (Structure("spherical", SILL, RANGE_M),))
    if lib == "reymud":
        ds = OrdinaryKriging(model, Neighbourhood(max_samples=k, min_samples=1),
                             block=BLOCK if block else None).fit(xy, z).predict(grid)
        return ds["estimate"].values.ravel(), ds["variance"].values.ravel()
    if lib == "reymud-global":
        ds = OrdinaryKriging(model, Neighbourhood.global_(len(xy))).fit(xy, z).predict(tgt)
        return ds["estimate"].values, ds["variance"].values
    if lib == "sketch":
        return sketch_ok(xy, z, tgt, k)
    if lib == "gstools":
        import gstools as gs

        kr = gs.krige.Ordinary(model.to_gstools(), cond_pos=xy.T, cond_val=z, exact=True, pseudo_inv=False)
        return kr(tgt.T, return_var=True, chunk_size=2_000, store=False)
    if lib == "pykrige":
        from pykrige.ok import OrdinaryKriging as PK

        pk = PK(xy[:, 0], xy[:, 1], z, variogram_model="spherical", exact_values=True,
                variogram_parameters={"psill": SILL, "range": RANGE_M, "nugget": NUGGET})
        return pk.execute("points", tgt[:, 0], tgt[:, 1], backend="C", n_closest_points=k)
    raise ValueError(lib)


def run_one(lib: str, cells: int, k: int, block: bool, n: int, out: Path, n_targets: int, repeat: int) -> dict:
    if lib in ("pykrige", "gstools"):
        try:
            __import__(lib)
        except ImportError:
            return {"status": "not installed"}
    xy, z = make_data(n)
    grid = grid_for(cells)
    tgt = grid.coords()[:n_targets]
    _krige(lib, xy, z, grid_for(2_500), grid_for(2_500).coords()[:100], k, block)  # warm: imports, JIT cache
    base = _rss_mb()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        est, var = _krige(lib, xy, z, grid, tgt, k, block)
        times.append(time.perf_counter() - t0)
    np.save(out, np.stack([np.asarray(est, float).ravel(), np.asarray(var, float).ravel()]))
    return {"status": "ok", "wall_s": min(times), "all_s": times, "peak_mb": max(_rss_mb() - base, 0.0),
            "n_targets": len(np.ravel(est))}


def compile_times() -> tuple[float, float]:
    """(first call with an empty numba cache, first call with the cache filled), seconds, fresh processes."""
    code = ("import time, numpy as np\nfrom reymud.spatial import Grid, Neighbourhood, OrdinaryKriging, Structure, "
            "VariogramModel\nxy = np.random.default_rng(1).uniform(0, 1e4, (300, 2))\nm = VariogramModel(0.1, "
            "(Structure('spherical', 0.9, 3e3),))\nt0 = time.perf_counter()\nfor b in (None, (4, 4)):\n"
            "    OrdinaryKriging(m, Neighbourhood(16, 1), block=b).fit(xy, xy[:, 0]).predict(Grid(0, 0, 60, 60, 170.0))\n"
            "print(time.perf_counter() - t0)")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = [float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                     check=True).stdout.split()[-1]) for _ in range(2)]
    return runs[0], runs[1]


def _spawn(args, lib, cells, k, block, out) -> dict:
    n_t = min(cells, args.global_cells) if lib in ("gstools", "reymud-global") else cells
    cmd = [sys.executable, __file__, "--samples", str(args.samples), "--repeat", str(args.repeat),
           "--one", lib, str(cells), str(k), str(int(block)), str(n_t), str(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        if proc.returncode == 0:
            return json.loads(proc.stdout.strip().splitlines()[-1])
        return {"status": "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:70]}
    except subprocess.TimeoutExpired:
        return {"status": f"timeout > {args.timeout:.0f} s"}


def _exponent(rows, lib, k, block) -> float | None:
    pts = [(c, r["wall_s"]) for (li, c, kk, bl), r in rows.items()
           if li == lib and kk == k and bl == block and r.get("status") == "ok"]
    if len(pts) < 2:
        return None
    c, t = np.log(np.array(pts)).T
    return float(np.polyfit(c, t, 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, nargs="+", default=[62_500, 250_000, 1_000_000])
    ap.add_argument("--k", type=int, nargs="+", default=[16, 32])
    ap.add_argument("--samples", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per case; the best is reported")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per subprocess")
    ap.add_argument("--libs", nargs="+", default=["reymud", "pykrige", "sketch", "gstools", "reymud-global"])
    ap.add_argument("--global-cells", type=int, default=2_500, help="cells for the global runs")
    ap.add_argument("--one", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        lib, cells, k, block, n_t, out = args.one
        print(json.dumps(run_one(lib, int(cells), int(k), block == "1", args.samples, Path(out), int(n_t),
                                 args.repeat)))
        return
    cases = []
    for cells in args.cells:
        for k in args.k:
            for lib in args.libs:
                if lib in ("gstools", "reymud-global"):
                    if cells == min(args.cells) and k == min(args.k):
                        cases.append((lib, cells, 0, False))
                    continue
                cases.append((lib, cells, k, False))
                if lib == "reymud":
                    cases.append((lib, cells, k, True))
    rows, ref = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            out = Path(tmp) / ("_".join(map(str, case)) + ".npy")
            res = _spawn(args, *case, out)
            rows[case] = res
            if res["status"] == "ok":
                ref[case] = np.load(out)
            print(f"  done {case}: {res}", file=sys.stderr, flush=True)
        first, cached = compile_times()
    for case, res in rows.items():
        lib, cells, k, block = case
        peer = ("gstools", cells, 0, False) if lib == "reymud-global" else ("pykrige", cells, k, False)
        if res["status"] == "ok" and case != peer and peer in ref:
            nt = min(ref[peer].shape[1], ref[case].shape[1])
            res["diff"] = np.nanmax(np.abs(ref[case][:, :nt] - ref[peer][:, :nt]), axis=1).tolist()
        if res["status"] == "ok" and not block and case != peer and rows.get(peer, {}).get("status") == "ok":
            # time per cell of the peer over time per cell of this row
            res["speedup"] = rows[peer]["wall_s"] / rows[peer]["n_targets"] / (res["wall_s"] / res["n_targets"])
    print(f"\nOrdinary kriging with variance, {args.samples} samples, nugget {NUGGET} + spherical {SILL} range "
          f"{RANGE_M:.0f} m; best of {args.repeat}; peer for differences and speed-up: pykrige C at the same k "
          "(global rows: gstools)")
    print(f"{'library':<14}{'k':>4}{'support':>9}{'cells':>11}{'run cells':>11}{'best s':>9}{'cells/s':>12}"
          f"{'peak MB':>9}{'max|d est|':>12}{'max|d var|':>12}{'x peer':>10}  status")
    for (lib, cells, k, block), r in rows.items():
        hood = "global" if k == 0 else str(k)
        sup = f"{BLOCK[0]}x{BLOCK[1]}" if block else "point"
        if r["status"] != "ok":
            print(f"{lib:<14}{hood:>4}{sup:>9}{cells:>11,}{'-':>11}{'-':>9}{'-':>12}{'-':>9}{'-':>12}{'-':>12}"
                  f"{'-':>10}  {r['status']}")
            continue
        d = r.get("diff")
        de, dv = (f"{d[0]:.1e}", f"{d[1]:.1e}") if d and not block else ("-", "-")
        sp = f"{r['speedup']:.1f}" if "speedup" in r else "-"
        print(f"{lib:<14}{hood:>4}{sup:>9}{cells:>11,}{r['n_targets']:>11,}{r['wall_s']:>9.3f}"
              f"{r['n_targets'] / r['wall_s']:>12,.0f}{r['peak_mb']:>9.0f}{de:>12}{dv:>12}{sp:>10}  ok")
    print("\nscaling exponent of wall time vs cells (log-log fit over the sizes run; 1 = linear):")
    for lib in ("reymud", "pykrige", "sketch"):
        for k in args.k:
            for block in ((False, True) if lib == "reymud" else (False,)):
                e = _exponent(rows, lib, k, block)
                if e is not None:
                    print(f"  {lib:<8} k={k:<3} {'block' if block else 'point'}: {e:.2f}")
    print("\nblock 4x4 / point cost (reymud):")
    for cells in args.cells:
        for k in args.k:
            p, b = rows.get(("reymud", cells, k, False), {}), rows.get(("reymud", cells, k, True), {})
            if p.get("status") == "ok" and b.get("status") == "ok":
                print(f"  {cells:>9,} cells k={k}: {b['wall_s'] / p['wall_s']:.2f}x")
    print(f"\nnumba: first run with an empty cache (compile) {first:.1f} s; with the cache {cached:.1f} s "
          "(point + block kriging of 3,600 cells, fresh processes)")


if __name__ == "__main__":
    main()
