"""Geochemistry throughput: reymud summarise/normalise vs pyrolite normalize_to on the same data.

Run: ``.venv/bin/python benchmarks/bench_geochem.py [--samples 1000000] [--pyrolite-samples 100000]``.
Prints samples per second (best of ``--repeat`` runs). pyrolite runs on a subset (first N rows of
the same frame) because it is slower; its rate is per sample, so the columns compare directly.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from reymud import geochem
from reymud.elements import REY


def best_time(func, repeat: int) -> float:
    """Best wall time (s) of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def make_samples(n: int, seed: int = 0) -> pd.DataFrame:
    """Wide samples frame: ids, depths and 15 REY columns (lognormal ppm)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.lognormal(2.0, 1.0, size=(n, len(REY))), columns=list(REY))
    frame.insert(0, "core_id", np.repeat(np.arange(n // 30 + 1), 30)[:n].astype(str))
    frame.insert(1, "top_mbsf", np.tile(np.arange(30) * 0.4, n // 30 + 1)[:n])
    frame.insert(2, "bottom_mbsf", frame["top_mbsf"] + 0.4)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--pyrolite-samples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    df = make_samples(args.samples)
    sub = df.iloc[: args.pyrolite_samples][list(REY)].copy()
    rows = []

    def add(name: str, n: int, seconds: float) -> None:
        rows.append((name, n, seconds, n / seconds))

    add("reymud summarise (9 derived columns)", len(df), best_time(lambda: geochem.summarise(df), args.repeat))
    add("reymud normalise CI_McDonoughSun1995", len(df), best_time(lambda: geochem.normalise(df), args.repeat))
    add("reymud normalise (df.rey accessor)", len(df), best_time(lambda: df.rey.normalise(), args.repeat))
    add("reymud total_rey", len(df), best_time(lambda: geochem.total_rey(df), args.repeat))
    add("reymud ce_anomaly geometric PAAS", len(df), best_time(lambda: geochem.ce_anomaly(df), args.repeat))
    add("reymud normalise (same subset as pyrolite)", len(sub), best_time(lambda: geochem.normalise(sub), args.repeat))
    try:
        import pyrolite.geochem  # noqa: F401

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds = best_time(lambda: sub.pyrochem.normalize_to("Chondrite_MS95", units="ppm"), args.repeat)
        add("pyrolite normalize_to Chondrite_MS95 (ppm)", len(sub), seconds)
    except ImportError:  # pragma: no cover
        rows.append(("pyrolite (not installed)", 0, float("nan"), float("nan")))
    print(f"{'operation':46s} {'samples':>10s} {'best s':>9s} {'samples/s':>14s}")
    for name, n, seconds, rate in rows:
        print(f"{name:46s} {n:>10,d} {seconds:>9.3f} {rate:>14,.0f}")


if __name__ == "__main__":
    main()
