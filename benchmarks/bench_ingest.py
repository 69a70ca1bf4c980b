"""Ingest throughput: a long table (analyte, value, unit) and a wide table (one column per analyte).

Prints values/s for ``reymud.ingest.ingest_files`` (read + recognise + convert + validate + store),
for ``parse_file`` alone (no store), and ``pandas.read_csv`` and DuckDB's ``read_csv`` (bare load
into an in-memory table, every column as text) on the same file for comparison. Then the peak
resident memory (``VmHWM`` of a fresh subprocess) of ingesting a long table of about
``--memory-file-mb`` MB, side by side with DuckDB's bare ``read_csv`` of the same file into a
database file (also a fresh subprocess).

Usage: ``python benchmarks/bench_ingest.py [--long-values N] [--wide-samples N] [--memory-file-mb MB]``
(defaults: 1,000,000 values long; 100,000 samples wide with 20 analytes; 200 MB; 0 skips it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from reymud.elements import REY
from reymud.ingest import ingest_files, parse_file
from reymud.store import Project

ANALYTES = [*REY, "Sc", "Th", "U", "Ba", "Sr"]


def _samples(n: int, rng: np.random.Generator) -> pd.DataFrame:
    n_cores = max(1, n // 40)
    core = np.repeat(np.arange(n_cores), int(np.ceil(n / n_cores)))[:n]
    within = np.arange(n) - np.searchsorted(core, core)
    return pd.DataFrame({"sample_id": [f"S{i:07d}" for i in range(n)], "core_id": [f"C{c:05d}" for c in core],
                         "top_mbsf": np.round(within * 0.3, 3), "bottom_mbsf": np.round(within * 0.3 + 0.3, 3)})


def _collars(n_cores: int, folder: Path) -> Path:
    path = folder / "collars.csv"
    pd.DataFrame({"core_id": [f"C{c:05d}" for c in range(n_cores)], "latitude": 21.9, "longitude": 153.8,
                  "water_depth_m": 5700.0}).to_csv(path, index=False)
    return path


def make_long(n_values: int, folder: Path, rng: np.random.Generator) -> tuple[Path, Path]:
    n = n_values // len(ANALYTES)
    samples = _samples(n, rng)
    long = samples.loc[samples.index.repeat(len(ANALYTES))].reset_index(drop=True)
    long["analyte"] = np.tile(ANALYTES, n)
    values = np.round(rng.lognormal(3, 1, len(long)), 3).astype(str)
    values[rng.random(len(long)) < 0.02] = "<0.05"
    long["value"] = values
    long["unit"] = "ppm"
    path = folder / "long.csv"
    long.to_csv(path, index=False)
    return path, _collars(samples["core_id"].nunique(), folder)


def make_wide(n_samples: int, folder: Path, rng: np.random.Generator) -> tuple[Path, Path]:
    wide = _samples(n_samples, rng)
    for analyte in ANALYTES:
        values = np.round(rng.lognormal(3, 1, n_samples), 3).astype(str)
        values[rng.random(n_samples) < 0.02] = "<0.05"
        wide[f"{analyte} (ppm)"] = values
    path = folder / "wide.csv"
    wide.to_csv(path, index=False)
    return path, _collars(wide["core_id"].nunique(), folder)


def _time(func) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - start, time.process_time() - cpu


def _duckdb_load(path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
    con.close()


#: Peak resident memory of this process (kB): VmHWM belongs to the new address space, while
#: ``ru_maxrss`` would carry over the parent's peak across fork + exec.
_HWM = """
def hwm():
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM")).split()[1])
"""

_PEAK = _HWM + """
import sys, time
from reymud.ingest import ingest_files
from reymud.store import Project
project = Project.init(sys.argv[1])
ingest_files(project, [sys.argv[3]])
start, cpu = time.perf_counter(), time.process_time()
ingest_files(project, [sys.argv[2]])
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
print(); print(hwm(), wall, cpu, project.counts()["assays"])
"""

_PEAK_DUCKDB = _HWM + """
import sys, time
import duckdb
con = duckdb.connect(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [sys.argv[2]])
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
n = con.execute("SELECT count(*) FROM t").fetchone()[0]
con.close()
print(); print(hwm(), wall, cpu, n)
"""


def _child(script: str, *args: str) -> tuple[float, float, float, int]:
    """Run ``script`` in a fresh interpreter: (peak RSS MB, wall s, CPU s, rows/values) from its last line."""
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                         check=True).stdout.split()[-4:]  # after DuckDB's progress bar
    return int(out[0]) / 1024, float(out[1]), float(out[2]), int(out[3])


def peak_memory(size_mb: int, folder: Path, rng: np.random.Generator) -> tuple[float, list[tuple]]:
    """Peak resident memory of loading a long table of about ``size_mb`` MB, each in a fresh subprocess.

    Returns the file size (MB) and rows ``(label, peak RSS MB, wall s, CPU s, values)`` for reymud's
    ``ingest_files`` (read + validate + convert + store into a project file) and DuckDB's bare
    ``read_csv`` into a table of a database file (every column as text, no validation).
    """
    n_values = int(size_mb * 1e6 / 41)  # about 41 bytes per long-table row in this generator
    path, collars = make_long(n_values, folder, rng)
    size = path.stat().st_size / 1e6
    rows = [("reymud ingest_files", *_child(_PEAK, str(folder / "peak.duckdb"), str(path), str(collars))),
            ("duckdb read_csv (bare)", *_child(_PEAK_DUCKDB, str(folder / "bare.duckdb"), str(path)))]
    return size, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-values", type=int, default=1_000_000)
    parser.add_argument("--wide-samples", type=int, default=100_000)
    parser.add_argument("--memory-file-mb", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, (path, collars) in (
            (f"long {args.long_values:,} values", make_long(args.long_values, folder, rng)),
            (f"wide {args.wide_samples:,} samples x {len(ANALYTES)}", make_wide(args.wide_samples, folder, rng)),
        ):
            n_values = len(pd.read_csv(path)) * (1 if "long" in label else len(ANALYTES))
            t_csv = _time(lambda path=path: pd.read_csv(path, dtype=str, keep_default_na=False))
            t_duck = _time(lambda path=path: _duckdb_load(path))
            t_parse = _time(lambda path=path: parse_file(path))
            project = Project.init(folder / f"{path.stem}.duckdb")
            ingest_files(project, [collars])
            t_ingest = _time(lambda project=project, path=path: ingest_files(project, [path]))
            assert len(project.assays()) == n_values
            rows.append((label, n_values, t_csv, t_duck, t_parse, t_ingest))
    print("values/s (wall seconds / CPU seconds of this process; the machine may be shared)")
    print(f"{'table':30s} {'values':>10s} {'pandas read_csv':>26s} {'duckdb read_csv':>26s} "
          f"{'reymud parse_file':>26s} {'reymud ingest_files':>26s}")
    for label, n, *timings in rows:
        cells = [f"{n / wall:>10,.0f} ({wall:5.1f}s/{cpu:5.1f}s)" for wall, cpu in timings]
        print(f"{label:30s} {n:>10,d} " + " ".join(f"{c:>26s}" for c in cells))
    if args.memory_file_mb:
        with tempfile.TemporaryDirectory() as tmp:
            size, peaks = peak_memory(args.memory_file_mb, Path(tmp), rng)
        print(f"\npeak memory, long table of {size:,.0f} MB (fresh subprocess each; target < 1,024 MB for reymud)")
        print(f"{'loader':26s} {'peak RSS MB':>12s} {'wall s':>8s} {'CPU s':>8s} {'values':>11s} {'values/s':>11s}")
        for label, peak, wall, cpu, n in peaks:
            print(f"{label:26s} {peak:>12,.0f} {wall:>8.1f} {cpu:>8.1f} {n:>11,d} {n / wall:>11,.0f}")


if __name__ == "__main__":
    main()
