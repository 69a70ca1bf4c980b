"""CLI command group ``reymud scale``: EEZ-scale estimation on Dask, written chunk by chunk to Zarr.

``reymud scale eez-demo OUT.zarr`` generates the SYNTHETIC EEZ-scale survey and block-krigs it over
the whole Minamitorishima EEZ (2-D window, or 3-D with ``--slices``), total REY, thickness and (unless
``--no-elements``) every REY element with total REY's weights, and prints the EEZ-wide in-situ tonnes
per element summed by the tile tasks. Thin: parse, call :func:`reymud.demo.eez.eez_demo`, render.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from reymud.cli._common import fail

console = Console()
notes = Console(stderr=True)

scale_app = typer.Typer(help="EEZ-scale estimation on a Dask cluster (chunked, Zarr output).", no_args_is_help=True)


@scale_app.command("eez-demo")
def eez_demo(
    out: Annotated[Path, typer.Argument(help="Zarr store to write (a directory; overwritten).")],
    cores: Annotated[int, typer.Option("--cores", min=3, help="Synthetic core sites over the EEZ.")] = 2_500,
    cell: Annotated[float, typer.Option("--cell", min=1.0, help="Block size in metres.")] = 250.0,
    slices: Annotated[float | None, typer.Option("--slices", min=0.01,
                                                 help="3-D: slice thickness (m) over 0-10 mbsf; omit for 2-D.")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786); "
                                                  "workers must see OUT.")] = None,
    workers: Annotated[int, typer.Option("--workers", min=0, help="LocalCluster workers (0 = in-process).")] = 2,
    memory_limit: Annotated[str, typer.Option("--memory-limit", help="Memory limit per LocalCluster worker.")] = "2GiB",
    tile: Annotated[int, typer.Option("--tile", min=16, help="Tile (Zarr chunk) side in cells.")] = 512,
    subset_km2: Annotated[float | None, typer.Option("--subset-km2", min=1.0,
                                                     help="Compute only the tiles touching a square of this area "
                                                     "centred on the island (the store keeps the full EEZ).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic survey.")] = 20260202,
    elements: Annotated[bool, typer.Option("--elements/--no-elements",
                                           help="Also krige every REY element grade with total REY's weights "
                                           "(--no-elements: total REY and thickness only, for throughput).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")] = False,
) -> None:
    """Generate the SYNTHETIC EEZ-scale survey and krige it over the whole EEZ, tile by tile, to Zarr."""
    from reymud.demo.eez import eez_demo as run_demo
    from reymud.spatial.chunked import ChunkedConfig

    notes.print("[bold yellow]SYNTHETIC[/] EEZ-scale demo data (reymud.demo.eez): invented, not measurements")
    config = ChunkedConfig(tile_cells=tile, n_workers=max(workers, 1), memory_limit=memory_limit)
    # a scheduler address, in-process, or a LocalCluster started (and closed) by the run
    client = scheduler if scheduler else ("sync" if workers == 0 else None)
    where = (f"Dask scheduler {scheduler}" if scheduler else "in-process (no Dask)" if workers == 0
             else f"Dask LocalCluster ({workers} workers x 1 thread, {memory_limit} each)")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run = run_demo(str(out), n_cores=cores, cell_m=cell, slice_m=slices, seed=seed, client=client,
                           config=config, subset_km2=subset_km2, elements=elements)
    except (RuntimeError, ValueError, OSError) as exc:
        fail(f"scale eez-demo: {exc}", 1)
    for w in sorted({str(c.message) for c in caught}):
        notes.print(f"[yellow]warning:[/] {w}")
    summary = {"synthetic": True, "where": where, **run.to_dict()}
    if as_json:
        typer.echo(json.dumps(summary, default=str))
        return
    table = Table(title=f"SYNTHETIC EEZ-scale block model -> {out}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    g = run.grid
    rows = [("where", where), ("grid", f"{g.nx} x {g.ny} cells of {g.cell_m:g} m ({g.crs})"),
            ("layers", f"{run.n_layers} ({'3-D slices' if slices else '2-D window 0-10 mbsf'})"),
            ("tiles computed", f"{run.n_tiles} of {run.n_tiles_total} per layer"),
            ("element grades", "every REY, total REY's kriging weights" if elements else "not kriged (--no-elements)"),
            ("cells estimated", f"{run.cells_estimated:,}"), ("wall time", f"{run.wall_s:.1f} s"),
            ("cells/s per worker", f"{run.cells_per_s_per_worker:,.0f}"),
            ("peak RSS per worker", f"{run.peak_rss_mb:,.0f} MB"),
            ("mean total REY (inside)", f"{run.mean_first_variable:,.0f} ppm")]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if run.resource:
        console.print(_resource_table(run.resource))


def _resource_table(res: dict) -> Table:
    """SYNTHETIC in-situ tonnes per element: the total, and per slice for a 3-D model."""
    from reymud.formatting import format_number

    layers = res["layers"] if len(res["layers"]) > 1 else []
    table = Table(title=f"SYNTHETIC in-situ tonnes over {res['area']} (no cut-off; {res['density_t_m3']:g} t/m3 dry)")
    table.add_column("quantity")
    table.add_column("total t", justify="right")
    for lay in layers:
        table.add_column(f"{lay['depth_mbsf']:g} mbsf", justify="right")
    rows = [("dry tonnes", "dry_t")] + [("REY" if g == "total_rey_ppm" else g.removesuffix("_ppm"), g)
                                        for g in res["total"]["contained_t"]]
    if res["total"]["treo_t"] is not None:
        rows.append(("TREO", "treo_t"))
    for label, key in rows:
        vals = [e[key] if key in ("dry_t", "treo_t") else e["contained_t"][key] for e in (res["total"], *layers)]
        table.add_row(label, *(format_number(v) for v in vals))
    return table


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.add_typer(scale_app, name="scale")
