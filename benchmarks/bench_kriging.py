"""Ordinary kriging with variance: reymud vs gstools (global), pykrige (n_closest_points), gstlearn (moving).

Same data (``--samples`` scattered points over 100 km x 100 km), same covariance model (nugget 0.1 +
spherical 0.9, range 15 km), same grid. Each (library, grid size) runs in its own subprocess so the
peak-memory figure (``ru_maxrss`` growth after the data are loaded) is not polluted by earlier runs.
Max difference is against reymud with the same neighbourhood kind (moving 16 nearest for pykrige and
gstlearn; global for gstools - reymud's global run is timed too, on the smallest grid).

pykrige and gstlearn are benchmark extras: ``pip install pykrige gstlearn``; missing ones are
reported as "not installed".

Usage: ``python benchmarks/bench_kriging.py [--cells 250000 1000000] [--samples 2000] [--timeout 400]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NUGGET, SILL, RANGE_M, K = 0.1, 0.9, 15_000.0, 16


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


def run_one(lib: str, cells: int, n: int, out: Path, n_targets: int) -> dict:
    from reymud.spatial import Neighbourhood, OrdinaryKriging, Structure, VariogramModel

    xy, z = make_data(n)
    grid = grid_for(cells)
    grid.template()  # warm xarray's lazy imports outside the timing
    model = VariogramModel(NUGGET, (Structure("spherical", SILL, RANGE_M),))
    tgt = grid.coords()[:n_targets]
    if lib in ("pykrige", "gstlearn"):
        try:
            __import__(lib)
        except ImportError:
            return {"status": "not installed"}
    base = _rss_mb()
    t0 = time.perf_counter()
    if lib == "reymud":
        ds = OrdinaryKriging(model, Neighbourhood(max_samples=K, min_samples=1)).fit(xy, z).predict(grid)
        est, var = ds["estimate"].values.ravel(), ds["variance"].values.ravel()
    elif lib == "reymud-global":
        ds = OrdinaryKriging(model, Neighbourhood.global_(n)).fit(xy, z).predict(tgt)
        est, var = ds["estimate"].values.ravel(), ds["variance"].values.ravel()
    elif lib == "gstools":
        import gstools as gs

        kr = gs.krige.Ordinary(model.to_gstools(), cond_pos=xy.T, cond_val=z, exact=True, pseudo_inv=False)
        est, var = kr(tgt.T, return_var=True, chunk_size=2_000, store=False)
    elif lib == "pykrige":
        from pykrige.ok import OrdinaryKriging as PK

        pk = PK(xy[:, 0], xy[:, 1], z, variogram_model="spherical", exact_values=True,
                variogram_parameters={"psill": SILL, "range": RANGE_M, "nugget": NUGGET})
        try:
            est, var = pk.execute("points", tgt[:, 0], tgt[:, 1], backend="C", n_closest_points=K)
        except (ValueError, RuntimeError):
            est, var = pk.execute("points", tgt[:, 0], tgt[:, 1], backend="loop", n_closest_points=K)
        est, var = np.asarray(est), np.asarray(var)
    elif lib == "gstlearn":
        import gstlearn as gl

        dbin = gl.Db.create()
        dbin["x1"], dbin["x2"], dbin["z"] = xy[:, 0], xy[:, 1], z
        dbin.setLocators(["x1", "x2"], gl.ELoc.X)
        dbin.setLocator("z", gl.ELoc.Z)
        dbout = gl.Db.create()
        dbout["x1"], dbout["x2"] = tgt[:, 0], tgt[:, 1]
        dbout.setLocators(["x1", "x2"], gl.ELoc.X)
        glm = gl.Model.createFromParam(gl.ECov.SPHERICAL, range=RANGE_M, sill=SILL, space=gl.SpaceRN.create(2))
        glm.addCovFromParam(gl.ECov.NUGGET, sill=NUGGET)
        glm.setDriftIRF(0)
        gl.kriging(dbin, dbout, glm, gl.NeighMoving.create(False, K, 1e6), flag_est=True, flag_std=True,
                   namconv=gl.NamingConvention("K"))
        est, var = np.asarray(dbout["K.z.estim"]), np.asarray(dbout["K.z.stdev"]) ** 2
    else:
        raise ValueError(lib)
    wall = time.perf_counter() - t0
    np.save(out, np.stack([np.asarray(est, float).ravel(), np.asarray(var, float).ravel()]))
    return {"status": "ok", "wall_s": wall, "peak_mb": max(_rss_mb() - base, 0.0), "n_targets": len(est)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, nargs="+", default=[250_000, 1_000_000])
    ap.add_argument("--samples", type=int, default=2_000)
    ap.add_argument("--timeout", type=float, default=400.0, help="seconds per run")
    ap.add_argument("--libs", nargs="+", default=["reymud", "gstlearn", "pykrige", "gstools", "reymud-global"])
    ap.add_argument("--peer-cells", type=int, default=None,
                    help="run peers on only the first N cells of each grid (time extrapolated linearly)")
    ap.add_argument("--global-cells", type=int, default=2_500,
                    help="cells for the global-neighbourhood runs (gstools, reymud-global)")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        lib, cells, out = args.one
        cells = int(cells)
        if lib in ("gstools", "reymud-global"):
            n_t = min(cells, args.global_cells)
        elif lib == "reymud":
            n_t = cells
        else:
            n_t = min(cells, args.peer_cells or cells)
        print(json.dumps(run_one(lib, cells, args.samples, Path(out), n_t)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for cells in args.cells:
            ref = {}
            for lib in args.libs:
                if lib in ("reymud-global", "gstools") and cells != min(args.cells):
                    continue  # global runs: one (reduced) size only
                out = Path(tmp) / f"{lib}_{cells}.npy"
                cmd = [sys.executable, __file__, "--samples", str(args.samples), "--global-cells",
                       str(args.global_cells), "--one", lib, str(cells), str(out)]
                if args.peer_cells:
                    cmd[2:2] = ["--peer-cells", str(args.peer_cells)]
                try:
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                    res = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else \
                        {"status": "failed: " + proc.stderr.strip().splitlines()[-1][:60]}
                except subprocess.TimeoutExpired:
                    res = {"status": f"timeout > {args.timeout:.0f} s"}
                if res["status"] == "ok":
                    ref[lib] = np.load(out)
                rows.append((lib, cells, res))
                print(f"  done {lib} {cells}: {res}", file=sys.stderr, flush=True)
            for lib, c, res in rows:  # differences once every library of this size has run
                key = "reymud-global" if lib == "gstools" else "reymud"
                if c != cells or lib not in ref or key not in ref:
                    continue
                nt = min(ref[lib].shape[1], ref[key].shape[1])
                res["diff"] = float(np.nanmax(np.abs(ref[lib][0][:nt] - ref[key][0][:nt])))
                res["diff_var"] = float(np.nanmax(np.abs(ref[lib][1][:nt] - ref[key][1][:nt])))
    print(f"\nOrdinary kriging with variance, {args.samples} samples, nugget {NUGGET} + spherical {SILL} "
          f"range {RANGE_M:.0f} m; moving = {K} nearest")
    print("'run cells' < grid cells: the peer ran on the first cells only; 'wall s @grid' extrapolates linearly")
    print(f"{'library':<15}{'neighbourhood':<14}{'grid cells':>11}{'run cells':>10}{'wall s':>9}{'wall s @grid':>13}"
          f"{'peak MB':>9}{'max |d est|':>12}{'max |d var|':>12}  status")
    for lib, cells, r in rows:
        hood = "global" if lib in ("gstools", "reymud-global") else f"moving {K}"
        if r["status"] != "ok":
            print(f"{lib:<15}{hood:<14}{cells:>11,}{'-':>10}{'-':>9}{'-':>13}{'-':>9}{'-':>12}{'-':>12}  {r['status']}")
            continue
        d = f"{r['diff']:.1e}" if "diff" in r else "-"
        dv = f"{r.get('diff_var', 0.0):.1e}" if "diff" in r else "-"
        full = r["wall_s"] * cells / r["n_targets"]
        print(f"{lib:<15}{hood:<14}{cells:>11,}{r['n_targets']:>10,}{r['wall_s']:>9.2f}{full:>13.1f}"
              f"{r['peak_mb']:>9.0f}{d:>12}{dv:>12}  ok")


if __name__ == "__main__":
    main()
