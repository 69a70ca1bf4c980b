"""reymud vs R gstat (the reference implementation) on the same data: Meuse, log(zinc), side by side.

Both read the 155 samples and the 3,103 ``meuse.grid`` nodes from ``tests/data/gstat_meuse_reference.csv``
(sp's meuse / meuse.grid; Rikken & Van Rijn 1993, Burrough & McDonnell 1998) and run, with the same
models (gstat's fit is passed to reymud so both solve the same systems):

- the default sample variogram (cutoff = diagonal / 3, 15 lags) and the spherical fit (N_j / h_j^2);
- ordinary kriging with the 16 nearest data, and with all 155 (global), at every grid node;
- universal kriging with a linear drift (16 nearest, residual-variogram model);
- block kriging of 40 m cells (16 nearest; the 4 x 4 sub-cell centres in both);
- leave-one-out cross-validation (16 nearest).

Each step runs once in each program after one warm-up run of the whole sequence (reymud's first call
compiles or loads its numba kernels; its cold time is printed separately, as is R's start-up with
gstat loaded). The "max rel diff" column compares the two programs' estimates of that run.

Usage: ``python benchmarks/bench_gstat.py`` (needs ``Rscript`` with gstat and jsonlite on the PATH;
without it the script says so and exits 0).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "gstat_meuse_reference.csv"
STEPS = ("variogram + fit", "OK 16 nearest", "OK global", "UK linear 16 nearest", "block 4x4 16 nearest",
         "LOO cross-validation")

R_SCRIPT = r"""
suppressPackageStartupMessages({library(sp); library(gstat); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
t0 <- as.numeric(args[3])
ref <- read.csv(args[1], comment.char = "#")
pts <- ref[ref$kind == "data", c("x", "y", "zinc")]
grd <- ref[ref$kind == "grid", c("x", "y")]
coordinates(pts) <- ~x + y
coordinates(grd) <- ~x + y
gridded(grd) <- TRUE
disc <- expand.grid(x = (0:3 + 0.5) * 10 - 20, y = (0:3 + 0.5) * 10 - 20)
startup <- as.numeric(Sys.time()) - t0
run <- function() {
  out <- list(); tm <- list()
  tm$vf <- system.time({
    v <- variogram(log(zinc) ~ 1, pts)
    f <- fit.variogram(v, vgm(1, "Sph", 900, 1))
  })[["elapsed"]]
  vr <- fit.variogram(variogram(log(zinc) ~ x + y, pts), vgm(1, "Sph", 900, 1))
  tm$ok <- system.time(out$ok <- krige(log(zinc) ~ 1, pts, grd, f, nmax = 16, debug.level = 0))[["elapsed"]]
  tm$okg <- system.time(out$okg <- krige(log(zinc) ~ 1, pts, grd, f, debug.level = 0))[["elapsed"]]
  tm$uk <- system.time(out$uk <- krige(log(zinc) ~ x + y, pts, grd, vr, nmax = 16, debug.level = 0))[["elapsed"]]
  tm$blk <- system.time(out$blk <- krige(log(zinc) ~ 1, pts, grd, f, nmax = 16, block = disc,
                                         debug.level = 0))[["elapsed"]]
  tm$cv <- system.time(out$cv <- krige.cv(log(zinc) ~ 1, pts, f, nmax = 16, verbose = FALSE,
                                          debug.level = 0))[["elapsed"]]
  list(out = out, tm = tm, f = f, vr = vr)
}
invisible(run())  # warm-up
r <- run()
model <- function(m) list(nugget = m$psill[1], psill = m$psill[2], range = m$range[2])
write_json(list(times = r$tm, startup = startup, fit = model(r$f), res = model(r$vr)), args[2],
           auto_unbox = TRUE, digits = 15)
cc <- coordinates(r$out$ok)
est <- data.frame(x = cc[, 1], y = cc[, 2], ok = r$out$ok$var1.pred, okg = r$out$okg$var1.pred,
                  uk = r$out$uk$var1.pred, blk = r$out$blk$var1.pred)
write.csv(est, sub("json$", "grid.csv", args[2]), row.names = FALSE)
write.csv(data.frame(cv = r$out$cv$var1.pred), sub("json$", "cv.csv", args[2]), row.names = FALSE)
"""


def run_gstat(workdir: Path) -> tuple[dict, pd.DataFrame, np.ndarray, float]:
    """Run the R side once (after its warm-up); its timings, grid estimates, LOO estimates, wall time."""
    script = workdir / "bench_gstat.R"
    script.write_text(R_SCRIPT)
    out = workdir / "gstat.json"
    t0 = time.time()
    subprocess.run(["Rscript", str(script), str(REFERENCE), str(out), repr(t0)], check=True)
    wall = time.time() - t0
    res = json.loads(out.read_text())
    grid = pd.read_csv(workdir / "gstat.grid.csv")
    cv = pd.read_csv(workdir / "gstat.cv.csv")["cv"].to_numpy(float)
    return res, grid, cv, wall


def run_reymud(fit: dict, res_fit: dict) -> tuple[dict, dict]:
    """reymud's steps once each, with gstat's fitted models; timings (s) and estimates."""
    from reymud.spatial import (
        Grid,
        Neighbourhood,
        OrdinaryKriging,
        Structure,
        VariogramModel,
        cross_validate,
        experimental_variogram,
        fit_variogram,
        gstat_lags,
    )

    ref = pd.read_csv(REFERENCE, comment="#")
    d, g = ref[ref["kind"] == "data"], ref[ref["kind"] == "grid"]
    xy, z = d[["x", "y"]].to_numpy(float), np.log(d["zinc"].to_numpy(float))
    gxy = g[["x", "y"]].to_numpy(float)
    x0, y0 = gxy.min(axis=0)
    col = np.rint((gxy[:, 0] - x0) / 40.0).astype(int)
    row = np.rint((gxy[:, 1] - y0) / 40.0).astype(int)
    lattice = Grid(x0, y0, int(col.max()) + 1, int(row.max()) + 1, 40.0)

    def model(f: dict) -> VariogramModel:
        return VariogramModel(f["nugget"], (Structure("spherical", f["psill"], f["range"]),))

    hood = Neighbourhood(max_samples=16, min_samples=1)
    times, est = {}, {}
    t = time.perf_counter()
    fit_variogram(experimental_variogram(xy, z, **gstat_lags(xy)), ("spherical",), weighting="npairs_h2")
    times["vf"] = time.perf_counter() - t
    runs = {
        "ok": lambda: OrdinaryKriging(model(fit), hood).fit(xy, z).predict((gxy[:, 0], gxy[:, 1])),
        "okg": lambda: OrdinaryKriging(model(fit), Neighbourhood.global_(len(z))).fit(xy, z).predict(
            (gxy[:, 0], gxy[:, 1])),
        "uk": lambda: OrdinaryKriging(model(res_fit), hood, drift="linear").fit(xy, z).predict(
            (gxy[:, 0], gxy[:, 1])),
        # block kriging needs a Grid (the 40 m lattice holding meuse.grid): read back at its nodes
        "blk": lambda: OrdinaryKriging(model(fit), hood, block=(4, 4)).fit(xy, z).estimate(lattice)[
            "estimate"].values[row, col],
        "cv": lambda: cross_validate(OrdinaryKriging(model(fit), hood), xy, z, "loo")["estimate"].to_numpy(),
    }
    for key, fn in runs.items():
        t = time.perf_counter()
        est[key] = np.asarray(fn(), dtype=float)
        times[key] = time.perf_counter() - t
    if "blk" in est:  # the lattice has more cells than meuse.grid: time reported for all of them
        times["blk_cells"] = lattice.nx * lattice.ny
    return times, est


def main() -> int:
    if shutil.which("Rscript") is None:
        print("bench_gstat: Rscript not found on PATH; install R with gstat (e.g. apt-get install "
              "r-cran-gstat r-cran-jsonlite) to run this comparison. Nothing measured.")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        try:
            gst, ggrid, gcv, r_wall = run_gstat(Path(tmp))
        except subprocess.CalledProcessError as exc:
            print(f"bench_gstat: the R side failed ({exc}); is gstat (and jsonlite) installed?")
            return 1
    t = time.perf_counter()
    run_reymud(gst["fit"], gst["res"])  # cold: imports, numba compile or cache load
    cold = time.perf_counter() - t
    mine, est = run_reymud(gst["fit"], gst["res"])
    grid_ref = pd.read_csv(REFERENCE, comment="#").query("kind == 'grid'")
    assert np.allclose(grid_ref[["x", "y"]].to_numpy(), ggrid[["x", "y"]].to_numpy())  # same node order

    def diff(key: str) -> str:
        ref = gcv if key == "cv" else ggrid[key].to_numpy(float)
        return f"{np.max(np.abs(est[key] / ref - 1.0)):.1e}"

    keys = ("vf", "ok", "okg", "uk", "blk", "cv")
    print(f"Meuse, log(zinc): 155 samples, {len(grid_ref):,} grid nodes; one run each after a warm-up")
    print(f"{'step':<24}{'gstat ms':>10}{'reymud ms':>11}{'gstat/reymud':>14}{'max rel diff':>14}")
    for name, key in zip(STEPS, keys, strict=True):
        g_ms, r_ms = 1e3 * gst["times"][key], 1e3 * mine[key]
        ratio = f"{g_ms / r_ms:.1f}" if r_ms > 0 and g_ms > 0 else "n/a"
        print(f"{name:<24}{g_ms:>10.1f}{r_ms:>11.1f}{ratio:>14}{'-' if key == 'vf' else diff(key):>14}")
    print(f"(gstat's elapsed times have 1 ms resolution; reymud's block run covers the whole {mine['blk_cells']:,}-"
          "cell lattice around meuse.grid)")
    print(f"R start-up with sp + gstat loaded: {1e3 * gst['startup']:.0f} ms; whole Rscript run {r_wall:.1f} s")
    print(f"reymud cold first pass of all steps (numba compile / cache load): {cold:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
