"""Cut-off query latency of the dashboard API on a 1,000,000-cell block model (p50/p95 ms).

Builds a project holding a synthetic 1000 x 1000 BLOCK MODEL (smooth lognormal total REY, 15
element columns, four classes), its blocks table (``reymud.resource.blocks_table``) and then
times ``GET /api/resource?cutoff=...`` at random cut-offs:

- in-process (``fastapi.testclient``) and over real HTTP (uvicorn on localhost, httpx);
- against the same query done directly on ``GradeTonnageIndex`` and against the naive pandas
  approach (mask the blocks and sum, per query), the peer baseline.

Usage: ``python benchmarks/bench_api.py [--n-side 1000] [--queries 200]``.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from rich.console import Console
from rich.table import Table

from reymud.elements import REY
from reymud.resource import CLASSES, GradeTonnageIndex, blocks_table
from reymud.store import Project
from reymud.web import create_app
from reymud.web.state import BLOCK_MODEL_FILE


def block_model(n_side: int, seed: int = 1) -> xr.Dataset:
    """A smooth synthetic 2-D BLOCK MODEL of ``n_side`` x ``n_side`` cells of 250 m."""
    rng = np.random.default_rng(seed)
    cell = 250.0
    east = 500_000.0 + cell * (np.arange(n_side) + 0.5)
    north = 2_400_000.0 + cell * (np.arange(n_side) + 0.5)
    u, v = np.meshgrid(np.linspace(0, 6, n_side), np.linspace(0, 6, n_side))
    field = np.sin(u) * np.cos(0.7 * v) + 0.5 * np.sin(1.9 * u + 1.3 * v) + 0.2 * rng.standard_normal(u.shape)
    total = np.exp(6.8 + 0.6 * field)  # ppm, median about 900
    shares = rng.dirichlet(np.full(len(REY), 5.0))
    dims = ("northing", "easting")
    data = {"total_rey_ppm": (dims, total), "thickness_m": (dims, np.full(total.shape, 10.0)),
            "overburden_m": (dims, np.zeros(total.shape)), "inside": (dims, np.ones(total.shape, bool))}
    for el, share in zip(REY, shares, strict=True):
        data[f"{el}_ppm"] = (dims, total * share)
    ds = xr.Dataset(data, coords={"easting": east, "northing": north},
                    attrs={"crs": "EPSG:32656", "cell_size_m": cell, "synthetic": "true"})
    labels = rng.choice(np.array(CLASSES[:3]), size=total.shape, p=[0.2, 0.3, 0.5])
    return ds.assign(resource_class=(dims, labels))


def percentiles(times_s: list[float]) -> tuple[float, float]:
    ms = np.asarray(times_s) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def time_calls(func, cutoffs) -> list[float]:
    out = []
    for c in cutoffs:
        t0 = time.perf_counter()
        func(float(c))
        out.append(time.perf_counter() - t0)
    return out


def naive(blocks: pd.DataFrame, cutoff: float) -> dict:
    """Peer baseline: mask and sum per query (what a dashboard without an index does)."""
    above = blocks[blocks["total_rey_ppm"].to_numpy() >= cutoff]
    out = {}
    for cls, g in above.groupby("class", observed=True):
        dry = g["dry_t"].to_numpy()
        out[cls] = {"dry_t": dry.sum(), "total_rey_ppm": (dry * g["total_rey_ppm"].to_numpy()).sum() / dry.sum()}
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-side", type=int, default=1000, help="cells per side (n_side^2 blocks)")
    parser.add_argument("--queries", type=int, default=200, help="cut-off queries per method")
    args = parser.parse_args()
    console = Console()
    rng = np.random.default_rng(7)
    cutoffs = rng.uniform(0.0, 3_000.0, args.queries)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ds = block_model(args.n_side)
        blocks = blocks_table(ds)
        path = Path(tmp) / "bench.duckdb"
        with Project.init(path) as project:
            ds.drop_vars("resource_class").to_netcdf(project.artifact_dir / BLOCK_MODEL_FILE)
            project.save_frame("blocks", blocks)
        setup_s = time.perf_counter() - t0
        console.print(f"{len(blocks):,} blocks; project written in {setup_s:.1f} s")

        from fastapi.testclient import TestClient

        app = create_app(path)
        rows = []
        with TestClient(app) as client:
            t0 = time.perf_counter()
            first = client.get("/api/resource", params={"cutoff": 400})
            cold_ms = (time.perf_counter() - t0) * 1e3
            assert first.status_code == 200, first.text
            api = time_calls(lambda c: client.get("/api/resource", params={"cutoff": c}).raise_for_status(), cutoffs)
            rows.append(("API in-process (TestClient)", *percentiles(api)))
            t0 = time.perf_counter()
            client.get("/api/estimates/total_rey_ppm").raise_for_status()
            grid_ms = (time.perf_counter() - t0) * 1e3

        import httpx
        import uvicorn

        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(path), host="127.0.0.1", port=port, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            http.get("/api/resource", params={"cutoff": 400}).raise_for_status()  # builds the index
            over_http = time_calls(lambda c: http.get("/api/resource", params={"cutoff": c}).raise_for_status(),
                                   cutoffs)
        server.should_exit = True
        thread.join(10)
        rows.append(("API over HTTP (uvicorn + httpx)", *percentiles(over_http)))

        t0 = time.perf_counter()
        index = GradeTonnageIndex(blocks)
        build_ms = (time.perf_counter() - t0) * 1e3
        rows.append(("GradeTonnageIndex.query (direct)", *percentiles(time_calls(index.query, cutoffs))))
        rows.append(("pandas mask + groupby per query (peer)",
                     *percentiles(time_calls(lambda c: naive(blocks, c), cutoffs[: max(10, args.queries // 10)]))))

    table = Table(title=f"Cut-off query latency, {args.n_side ** 2:,}-cell model, {args.queries} random cut-offs")
    for col in ("method", "p50 ms", "p95 ms"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, p50, p95 in rows:
        table.add_row(name, f"{p50:.2f}", f"{p95:.2f}")
    console.print(table)
    console.print(f"first API query (loads blocks, builds the index): {cold_ms:.0f} ms; "
                  f"index build alone {build_ms:.0f} ms; decimated heatmap (40,000 cells) {grid_ms:.0f} ms")


if __name__ == "__main__":
    main()
