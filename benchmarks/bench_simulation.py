"""Conditional simulation: speed on Dask (1 vs 2 workers) and P10-P90 coverage of the true tonnage.

1. Speed: ``--realizations`` realisations on ``--cells`` cells (FFT unconditional field + kriging of
   the residuals, normal-score back-transform) from 2,000 samples, on a LocalCluster of 1 and of 2
   workers (1 thread each); arrays are checked identical across worker counts.
2. Coverage: ``--trials`` repeated trials. Each trial draws a true lognormal grade field, samples it
   at ``--cores`` core-like sites, simulates ``--trial-realizations`` realisations conditioned on the
   samples (normal scores, the true variogram of the Gaussian field), and checks whether the P10-P90
   band of the tonnage above cut-off (and of the contained metal) contains the truth. The target is
   about 80 %.

Usage: ``python benchmarks/bench_simulation.py [--cells 250000] [--realizations 100] [--trials 100]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from reymud.spatial import Grid, Structure, VariogramModel, simulate

MODEL = VariogramModel(0.05, (Structure("spherical", 0.95, 3_000.0),))


def speed(cells: int, n_real: int, workers: tuple[int, ...]) -> list[tuple]:
    from distributed import Client, LocalCluster

    side = int(np.rint(np.sqrt(cells)))
    grid = Grid(0.0, 0.0, side, side, 100.0)
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, side * 100.0, (2_000, 2))
    pts = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "v": rng.lognormal(6.8, 0.4, 2_000)})
    rows, ref = [], None
    for w in workers:
        with LocalCluster(n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
                Client(cl) as client:
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                real = simulate(pts, "v", MODEL, grid, n_real, seed=5, client=client, method="fft").values
            wall = time.perf_counter() - t0
        same = ref is None or np.array_equal(ref, real)
        ref = real if ref is None else ref
        rows.append((w, side * side, n_real, wall, same))
    return rows


def phases(cells: int, n_real: int = 16) -> list[tuple[str, float]]:
    """Where the time goes, in this process: plan, conditioning weights, and per realisation the
    unconditional field, bootstrap transform, kriged residuals (sparse product) and back-transform."""
    from reymud.spatial._simengine import _grid_slab, back_transform, slab_bounds
    from reymud.spatial.simulate import SIMULATION_DEFAULTS, _plan

    side = int(np.rint(np.sqrt(cells)))
    grid = Grid(0.0, 0.0, side, side, 100.0)
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, side * 100.0, (2_000, 2))
    z = rng.lognormal(6.8, 0.4, 2_000)
    out = []
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan, (cxy, model, hood, g), _ = _plan(xy, z, MODEL, grid, "nscore", SIMULATION_DEFAULTS.neighbourhood,
                                               "fft", SIMULATION_DEFAULTS)
    out.append((f"plan (nscore, {plan.torus[0]}x{plan.torus[1]} torus)", time.perf_counter() - t))
    t = time.perf_counter()
    chol = plan.bootstrap_factor()
    out.append(("bootstrap factor (once)", time.perf_counter() - t))
    t = time.perf_counter()
    slabs = [_grid_slab(cxy, model, hood, g, a, b)
             for a, b in slab_bounds(g.nx * g.ny, SIMULATION_DEFAULTS.weight_slab_cells)]
    out.append(("conditioning weights (once)", time.perf_counter() - t))
    seeds = np.random.SeedSequence(5).spawn(n_real)
    parts = dict.fromkeys(("bootstrap transform", "unconditional field (rfft2 float32)",
                           "kriged residuals (sparse product)", "back-transform"), 0.0)
    for sd in seeds:
        r = np.random.default_rng(sd)
        t = time.perf_counter()
        yd, ns = plan.transform_for(r, chol)
        parts["bootstrap transform"] += time.perf_counter() - t
        t = time.perf_counter()
        yg, ya = plan.unconditional(r)
        parts["unconditional field (rfft2 float32)"] += time.perf_counter() - t
        t = time.perf_counter()
        res = (yd - ya)[:, None]
        cond = yg + np.concatenate([(sl @ res)[:, 0] for sl in slabs])
        parts["kriged residuals (sparse product)"] += time.perf_counter() - t
        t = time.perf_counter()
        back_transform(ns, cond)
        parts["back-transform"] += time.perf_counter() - t
    out += [(f"per realisation: {k}", v / n_real) for k, v in parts.items()]
    return out


def coverage(trials: int, n_real: int, n_cores: int, mode: str = "nscore", cutoff_quantile: float = 0.6) -> dict:
    """P10-P90 coverage. ``mode="nscore"``: the practical workflow (normal scores of the sampled grades,
    histogram taken from the samples). ``mode="known"``: the true model and mean (simple kriging of
    the Gaussian log-grade), where the band is the exact posterior and should cover ~80 %."""
    grid = Grid(0.0, 0.0, 40, 40, 250.0)  # 10 km x 10 km, 250 m blocks
    far = pd.DataFrame({"easting": [1e9, 1e9 + 1], "northing": [1e9, 1e9], "v": [0.0, 0.0]})
    rng = np.random.default_rng(123)
    hit_t = hit_m = 0
    widths = []
    cutoff = float(np.exp(6.8 + 0.4 * 0.2533))  # ~60th percentile of lognormal(6.8, 0.4)
    for trial in range(trials):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = simulate(far, "v", MODEL, grid, 1, seed=10_000 + trial, client="sync", transform=None,
                         method="fft").values[0]
        truth = np.exp(6.8 + 0.4 * y)
        cells = rng.choice(grid.nx * grid.ny, n_cores, replace=False)
        xy = grid.coords()[cells] + rng.uniform(-100, 100, (n_cores, 2))
        if mode == "known":
            pts = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "v": y.ravel()[cells]})
            real = np.exp(6.8 + 0.4 * simulate(pts, "v", MODEL, grid, n_real, seed=trial, client="sync",
                                               transform=None, method="cholesky").values)
        else:
            pts = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "v": truth.ravel()[cells]})
            real = simulate(pts, "v", MODEL, grid, n_real, seed=trial, client="sync", method="cholesky").values
        above = real >= cutoff
        ton = above.sum(axis=(1, 2)).astype(float)  # blocks above cut-off (x block tonnes)
        metal = np.where(above, real, 0.0).sum(axis=(1, 2))
        t_true = float((truth >= cutoff).sum())
        m_true = float(np.where(truth >= cutoff, truth, 0.0).sum())
        p10, p90 = np.percentile(ton, [10, 90])
        q10, q90 = np.percentile(metal, [10, 90])
        hit_t += p10 <= t_true <= p90
        hit_m += q10 <= m_true <= q90
        widths.append((p90 - p10) / max(t_true, 1.0))
    return {"mode": mode, "trials": trials, "coverage_tonnage": hit_t / trials, "coverage_metal": hit_m / trials,
            "mean_relative_band_width": float(np.mean(widths)), "cutoff": cutoff, "quantile": cutoff_quantile}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=250_000)
    ap.add_argument("--realizations", type=int, default=100)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--trial-realizations", type=int, default=100)
    ap.add_argument("--cores", type=int, default=30)
    ap.add_argument("--modes", nargs="+", default=["known", "nscore"], help="coverage modes to run")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--phases", action="store_true", help="also time the phases in this process")
    args = ap.parse_args()
    if args.phases:
        print(f"\nPhases on {args.cells:,} cells (one process, seconds)")
        for name, sec in phases(args.cells):
            print(f"  {name:<55}{sec:>8.3f}")
    rows = [] if args.skip_speed else speed(args.cells, args.realizations, tuple(args.workers))
    print("\nConditional simulation (FFT field + kriging of residuals, normal scores), 2,000 samples")
    print(f"{'workers':>8}{'cells':>10}{'realisations':>14}{'wall s':>10}{'speed-up':>10}  identical to 1 worker")
    for w, cells, n, wall, same in rows:
        print(f"{w:>8}{cells:>10,}{n:>14}{wall:>10.1f}{rows[0][3] / wall:>10.2f}  {same}")
    for mode in args.modes if args.trials else []:
        t0 = time.perf_counter()
        cov = coverage(args.trials, args.trial_realizations, args.cores, mode)
        print(f"P10-P90 coverage, mode {mode!r}, {cov['trials']} synthetic-truth trials ({args.cores} cores, "
              f"{args.trial_realizations} realisations, cut-off {cov['cutoff']:.0f}): tonnage "
              f"{cov['coverage_tonnage']:.0%}, contained metal {cov['coverage_metal']:.0%} (target ~80 %); "
              f"mean band width {cov['mean_relative_band_width']:.0%} of truth; {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
