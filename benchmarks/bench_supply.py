"""Benchmark of the supply stage: Monte Carlo of the production model and of a scenario.

Prints a table of wall-clock seconds. Usage::

    python benchmarks/bench_supply.py [--draws 10000] [--blocks 50000]

The blocks table is synthetic (random grades, blocks_table columns); the scenario is the
packaged example ``japan_hree_cut`` (15 elements x 48 months).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from reymud.elements import REY
from reymud.supply import (
    economics,
    example_scenario,
    load_scenario,
    monte_carlo,
    preset,
    production_schedule,
    run_scenario,
    scenario_monte_carlo,
    tornado,
)
from reymud.supply.lifting import lifting_summary


def synthetic_blocks(n: int, seed: int = 7) -> pd.DataFrame:
    """A blocks_table-shaped frame of ``n`` blocks (250 m cells, random grades)."""
    rng = np.random.default_rng(seed)
    thick = rng.uniform(2.0, 10.0, n)
    side = int(np.ceil(np.sqrt(n)))
    out = pd.DataFrame({"block_id": np.arange(n), "easting": 250.0 * (np.arange(n) % side),
                        "northing": 250.0 * (np.arange(n) // side), "area_m2": 62_500.0, "thickness_m": thick,
                        "dry_t": 62_500.0 * thick * 0.55, "overburden_m": rng.uniform(0, 6, n)})
    total = rng.lognormal(np.log(900.0), 0.5, n)
    weights = rng.dirichlet(np.ones(len(REY)), n)
    for j, el in enumerate(REY):
        out[f"{el}_ppm"] = total * weights[:, j]
    out["total_rey_ppm"] = total
    return out


def _time(fn, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--blocks", type=int, default=50_000)
    args = parser.parse_args()
    blocks = synthetic_blocks(args.blocks)
    cfg = preset("commercial")
    scen = load_scenario(example_scenario())
    rows = [
        ("production schedule (deterministic)", f"{args.blocks:,} blocks",
         _time(lambda: economics(production_schedule(blocks, cfg), cfg))),
        ("production Monte Carlo (NPV + output)", f"{args.draws:,} draws x {cfg.max_years} yr",
         _time(lambda: monte_carlo(blocks, cfg, n_draws=args.draws))),
        ("production tornado (9 inputs)", "19 evaluations", _time(lambda: tornado(blocks, cfg))),
        ("production schedule, nearest-neighbour path", f"{args.blocks:,} blocks",
         _time(lambda: production_schedule(blocks, cfg.replace(block_order="nearest")), repeat=1)),
        ("lifting model (5,700 m riser)", "1 rate", _time(lambda: lifting_summary(4_200.0))),
        ("scenario run (Japan, no deep sea, pooled x2)", f"{len(scen.element_list)} el x {scen.months} mo",
         _time(lambda: run_scenario(scen))),
        ("scenario Monte Carlo", f"{args.draws:,} draws x {len(scen.element_list)} el x {scen.months} mo",
         _time(lambda: scenario_monte_carlo(scen, n_draws=args.draws))),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'task':<{width}}  {'size':<32}  seconds (best of 3; nearest path: 1 run)")
    for task, size, sec in rows:
        print(f"{task:<{width}}  {size:<32}  {sec:8.3f}")


if __name__ == "__main__":
    main()
