"""Calibration of the uncertainty band against a known truth (issue 9).

Builds ``--surveys`` synthetic surveys (default 50) with :mod:`reymud.demo.truth` - a lognormal
Matern field, a lens-shaped layer and clustered cores, i.e. NOT the demo generator's model - and runs
the default workflow through the public API with no knowledge of the truth
(:func:`reymud.demo.truth.run_survey`: kriged block model, declustered normal-score variogram,
``simulate_blocks`` on the estimate's blocks, ``uncertainty_summary``). Prints, per cut-off
(0 = none, 400, 1,000 ppm): the mean bias of the kriged total, the P10-P90 coverage of the true total
and the share of surveys whose kriged total lies in P25-P75.

Targets (issue 9): coverage 70-90 %, bias within +-3 %, kriged in P25-P75 in >= 80 % of surveys.
The totals are contained REY (t); the generator's element pattern is fixed, so TREO is a constant
multiple of contained REY and its coverage is the same.

Also times ``--timing-realizations`` realisations (default 100) on the demo's estimate grid.

``--trend-fraction F`` gives the truth a linear west-east grade trend (x ``1 +- F`` at the edges) and
``--plan-trend linear`` runs the workflow with that plan trend (universal kriging, residual
simulation with the trend added back); ``--trend-space linear|log|auto`` the space of that trend
(``SimulationDefaults.trend_space``).

Usage: ``python benchmarks/bench_calibration.py [--surveys 50] [--realizations 100] [--no-timing]
[--trend-fraction 0.3] [--plan-trend linear] [--trend-space log]``
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import pandas as pd

from reymud.demo.truth import TruthConfig, calibration_table, run_survey


def demo_timing(n_real: int) -> tuple[int, float, str]:
    """Seconds for ``n_real`` realisations on the grid the demo estimate uses (2 local workers)."""
    import tempfile
    import warnings
    from pathlib import Path

    from reymud.cli.spatial import _grid_for, _points
    from reymud.demo.files import demo_project
    from reymud.spatial import NormalScoreTransform, auto_model
    from reymud.spatial.simulate import simulate

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with demo_project(Path(tmp) / "demo.duckdb") as proj:
            pts, _, _ = _points(proj, (0.0, 10.0))
        pts = pts[pts["total_rey_ppm"].notna()]
        grid = _grid_for(pts, 250.0, 0.0, pts.attrs["crs"])  # `reymud estimate`/`simulate` default 250 m cell
        z = pts["total_rey_ppm"].to_numpy(float)
        xy = pts[["easting", "northing"]].to_numpy(float)
        model = auto_model(xy, NormalScoreTransform().fit(z).transform(z))
        t = time.perf_counter()
        real = simulate(pts, "total_rey_ppm", model, grid, n_real, seed=1, n_workers=2)
        return grid.nx * grid.ny, time.perf_counter() - t, real.attrs["method"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--surveys", type=int, default=50)
    ap.add_argument("--realizations", type=int, default=100)
    ap.add_argument("--seed", type=int, default=9000)
    ap.add_argument("--timing-realizations", type=int, default=100)
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--trend-fraction", type=float, default=0.0, help="linear grade trend of the truth (0 = none)")
    ap.add_argument("--plan-trend", choices=("none", "linear", "quadratic"), default="none",
                    help="the workflow's plan trend (universal kriging + trend simulation)")
    ap.add_argument("--trend-space", choices=("auto", "linear", "log"), default="auto",
                    help="space of the simulated trend (log: fitted on log(value), exp back)")
    args = ap.parse_args()
    cfg = replace(TruthConfig(), n_realizations=args.realizations, trend_fraction=args.trend_fraction,
                  plan_trend=args.plan_trend, trend_space=args.trend_space)
    t0 = time.perf_counter()
    results = pd.concat([run_survey(cfg, args.seed + i) for i in range(args.surveys)], ignore_index=True)
    elapsed = time.perf_counter() - t0
    table = calibration_table(results)
    print(f"{args.surveys} surveys x {args.realizations} realisations, {cfg.size_km:g} km square, "
          f"{cfg.n_cores} clustered cores, {cfg.block_m:g} m blocks ({cfg.refine}x{cfg.refine} simulation "
          f"nodes each), truth trend fraction {cfg.trend_fraction:g}, plan trend {cfg.plan_trend} "
          f"(trend space {cfg.trend_space}): {elapsed:.0f} s")
    print(table.round(1).to_string())
    if not args.no_timing:
        cells, sec, method = demo_timing(args.timing_realizations)
        print(f"\n{args.timing_realizations} realisations on the demo estimate grid ({cells:,} cells, {method}, "
              f"2 workers): {sec:.1f} s")


if __name__ == "__main__":
    main()
