"""Benchmark of the full default demo (`make demo`): time of every stage, report time and size.

Usage::

    python benchmarks/bench_demo.py                 # 25 cores, 250 m cells, 100 realisations, LocalCluster
    python benchmarks/bench_demo.py --cores 12 --realizations 20 --sync   # reduced
    python benchmarks/bench_demo.py --cli           # also time `reymud assess --demo` as make demo runs it

Prints one table: stage, seconds, share of the run; then outputs and their sizes.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _size(path: Path) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:,.2f} MB" if n >= 1e5 else f"{n / 1e3:,.1f} kB"


def run(cores: int, cell_m: float | None, realizations: int | None, sync: bool, cli: bool) -> None:
    from reymud.assess import AssessConfig, assess
    from reymud.demo import demo_project
    from reymud.report import write_report

    changes = {k: v for k, v in {"cell_m": cell_m, "n_realizations": realizations}.items() if v is not None}
    if sync:
        changes["use_dask"] = False
    root = Path(tempfile.mkdtemp(prefix="reymud-bench-"))
    try:
        start = time.perf_counter()
        project = demo_project(root / "demo.duckdb", seed=AssessConfig().seed, n_cores=cores)
        demo_s = time.perf_counter() - start
        # the project's ONE plan (the demo survey's), as `reymud assess --demo` resolves it
        cfg = AssessConfig.for_project(project, **changes)
        print(f"plan source: {cfg.plan_source}")
        marks: list[tuple[str, float]] = []

        def progress(label: str, done: int, total: int) -> None:
            if not label.startswith("conditional simulation "):
                marks.append((label, time.perf_counter()))

        start = time.perf_counter()
        result = assess(project, root / "out", cfg, progress=progress)
        marks[-1] = ("report", marks[-1][1])  # the caller renders the report (as `reymud assess` does)
        write_report(result, root / "out" / "report.html", max_cells=cfg.max_display_cells)
        marks.append(("done", time.perf_counter()))
        total_s = time.perf_counter() - start
        project.close()
        rows = [("demo survey (write + ingest)", demo_s)]
        rows += [(label, t1 - t0) for (label, t0), (_, t1) in itertools.pairwise(marks)]
        wall = demo_s + total_s
        print(f"\nreymud demo benchmark: {cores} cores, {cfg.cell_m:g} m cells "
              f"({result.results['block_model']['n_cells']:,} cells), {cfg.n_realizations} realisations on "
              f"{result.results['simulation']['scheduler']}, simulation cells {cfg.simulation_cell_m:g} m")
        print(f"{'stage':<42}{'seconds':>10}{'share':>9}")
        print("-" * 61)
        for label, seconds in rows:
            print(f"{label:<42}{seconds:>10.2f}{100 * seconds / wall:>8.1f}%")
        print("-" * 61)
        print(f"{'total (demo + assess, in process)':<42}{wall:>10.2f}{100.0:>8.1f}%")
        out = root / "out"
        print("\noutput                 size")
        for name in ("report.html", "results.json", "block_model_2d.nc", "exceedance.nc"):
            print(f"{name:<22}{_size(out / name):>12}")
        if cli:
            exe = Path(sys.executable).with_name("reymud")
            start = time.perf_counter()
            subprocess.run([str(exe), "assess", "--demo", "--out", str(root / "cli"), "--demo-cores", str(cores),
                            *(["--cell", str(cfg.cell_m)] if cell_m else []),
                            *(["--realizations", str(cfg.n_realizations)] if realizations else [])],
                           check=True, capture_output=True)
            print(f"\n`reymud assess --demo` wall time (fresh process, as `make demo`): "
                  f"{time.perf_counter() - start:.1f} s (budget 120 s)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cores", type=int, default=25, help="cores in the demo survey (count)")
    parser.add_argument("--cell", type=float, default=None, help="block size in metres (default AssessConfig)")
    parser.add_argument("--realizations", type=int, default=None, help="simulations (default AssessConfig)")
    parser.add_argument("--sync", action="store_true", help="simulate in process instead of on Dask")
    parser.add_argument("--cli", action="store_true", help="also time the CLI in a fresh process")
    args = parser.parse_args()
    run(args.cores, args.cell, args.realizations, args.sync, args.cli)


if __name__ == "__main__":
    main()
