"""Benchmark of the resource stage on a 1,000,000-block model.

Times: blocks_table (xarray -> DataFrame), GradeTonnageIndex build, one query, a 100-cut-off curve,
resource_table (3 cut-offs, all classes and cumulative rows), and the same answers computed the
naive way (a boolean mask over all blocks per cut-off: numpy and pandas groupby), plus
uncertainty_summary over simulated realisations. Max differences against the naive answers are
printed beside the times.

Usage: ``python benchmarks/bench_resource.py [--side 1000] [--realizations 50] [--real-side 500]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import xarray as xr
from rich.console import Console
from rich.table import Table

from reymud.elements import REY
from reymud.resource import (
    GradeTonnageIndex,
    blocks_table,
    class_codes,
    classify_blocks,
    resource_table,
    uncertainty_summary,
)

PATTERN = np.array([0.20, 0.08, 0.04, 0.17, 0.035, 0.009, 0.045, 0.007, 0.045, 0.01, 0.03, 0.004, 0.027, 0.004, 0.293])
PATTERN = PATTERN / PATTERN.sum()


def block_model(side: int, seed: int = 1) -> xr.Dataset:
    """A side x side synthetic 2-D block model (250 m cells) with the BLOCK MODEL variables."""
    rng = np.random.default_rng(seed)
    shape = (side, side)
    total = rng.lognormal(6.8, 0.6, shape)
    dims = ("northing", "easting")
    data = {"total_rey_ppm": (dims, total), "thickness_m": (dims, rng.uniform(2, 10, shape)),
            "overburden_m": (dims, rng.uniform(0, 3, shape)),
            "nearest_core_m": (dims, rng.uniform(0, 40_000, shape)),
            "n_cores_in_search": (dims, rng.integers(0, 8, shape)),
            "slope_of_regression": (dims, rng.uniform(0.2, 1.0, shape)),
            "inside": (dims, np.ones(shape, dtype=bool))}
    for el, p in zip(REY, PATTERN, strict=True):
        data[f"{el}_ppm"] = (dims, total * p)
    coords = {"northing": 250.0 * np.arange(side), "easting": 250.0 * np.arange(side)}
    return xr.Dataset(data, coords=coords, attrs={"cell_size_m": 250.0, "variogram_range_m": 30_000.0})


def timed(fn, repeat: int = 1):
    best, result = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=1000, help="blocks per side (side^2 blocks)")
    parser.add_argument("--realizations", type=int, default=50, help="realisations for uncertainty_summary")
    parser.add_argument("--real-side", type=int, default=500, help="grid side for the realisations")
    args = parser.parse_args()
    rows = []
    ds = block_model(args.side)
    n = args.side**2
    t, _ = timed(lambda: classify_blocks(ds))
    rows.append(("classify_blocks (string labels)", f"{n:,} blocks", t, ""))
    t, classes = timed(lambda: class_codes(ds))
    rows.append(("class_codes (int8 codes)", f"{n:,} blocks", t, ""))
    t, blocks = timed(lambda: blocks_table(ds, classes=classes))
    rows.append(("blocks_table (xarray -> DataFrame)", f"{n:,} blocks", t, ""))
    t, index = timed(lambda: GradeTonnageIndex(blocks))
    rows.append(("GradeTonnageIndex build (sort + cumsum)", f"{n:,} blocks", t, ""))

    rng = np.random.default_rng(2)
    cuts = rng.uniform(300, 3000, 200)
    t0 = time.perf_counter()
    answers = [index.query(c) for c in cuts]
    t = (time.perf_counter() - t0) / cuts.size
    dry, grade = blocks["dry_t"].to_numpy(), blocks["total_rey_ppm"].to_numpy()
    t_naive, naive = timed(lambda: [dry[grade >= c].sum() for c in cuts[:20]])
    diff = max(abs(a["total"]["dry_t"] - b) / b for a, b in zip(answers[:20], naive, strict=True))
    rows.append(("GradeTonnageIndex.query (per cut-off, 4 classes)", "mean of 200", t, f"rel diff {diff:.1e}"))
    rows.append(("naive numpy mask, tonnage only (per cut-off)", "mean of 20", t_naive / 20, "reference"))

    curve_cuts = np.linspace(0, 5000, 100)
    t, curve = timed(lambda: index.curve(curve_cuts, by_class=True), repeat=3)
    rows.append(("GradeTonnageIndex.curve", "100 cut-offs", t, ""))

    def pandas_curve():
        out = []
        for c in curve_cuts:
            sel = blocks[blocks["total_rey_ppm"] >= c]
            out.append(sel.groupby("class")["dry_t"].sum())
        return out

    t_pd, pd_curve = timed(pandas_curve)
    alls = curve[curve["class"] == "all"]["dry_t"].to_numpy()
    pd_tot = np.array([s.sum() for s in pd_curve])
    diff = np.max(np.abs(alls - pd_tot) / np.maximum(pd_tot, 1))
    rows.append(("pandas mask + groupby curve (tonnage only)", "100 cut-offs", t_pd, f"rel diff {diff:.1e}"))

    t, table = timed(lambda: resource_table(blocks, [400, 1000, 2000], index=index), repeat=3)
    rows.append(("resource_table (prebuilt index)", "3 cut-offs", t, f"{len(table)} rows"))
    t, _ = timed(lambda: resource_table(blocks, [400, 1000, 2000]))
    rows.append(("resource_table (incl. index build)", "3 cut-offs", t, ""))

    small = block_model(args.real_side, seed=3)
    base = small["total_rey_ppm"].values
    real = xr.DataArray(base[None] * rng.lognormal(0, 0.2, (args.realizations, 1, 1)),
                        dims=("realization", "northing", "easting"),
                        coords={"northing": small["northing"], "easting": small["easting"]})
    t, summary = timed(lambda: uncertainty_summary(real, small, [400, 1000, 2000]))
    rows.append(("uncertainty_summary", f"{args.realizations} x {args.real_side**2:,} cells, 3 cut-offs", t,
                 f"{len(summary)} rows"))

    table_out = Table(title=f"reymud resource benchmark ({n:,} blocks)")
    for col in ("operation", "size", "time ms", "check"):
        table_out.add_column(col, justify="right" if col == "time ms" else "left")
    for name, size, seconds, check in rows:
        table_out.add_row(name, size, f"{seconds * 1e3:,.2f}", check)
    Console(width=130).print(table_out)
    pd.set_option("display.width", 130)


if __name__ == "__main__":
    main()
