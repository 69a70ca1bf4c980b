"""Cached read access to one project for the web app.

Everything the pages read is built once per version of the project and kept in a
:class:`reymud.web.cache.VersionedCache`: a write of this server (an upload, an assessment)
rebuilds what it made stale before it answers, while readers are served the cached values; a
change made on disk by another process is noticed by the file modification times and rebuilt
by the first reader that needs it (the others get the old value meanwhile). Frames saved by
``assess`` are preferred; without an assessment the sample-level views (cores, samples, layers)
are computed from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import xarray as xr

from reymud.store import Project
from reymud.web.cache import ALL, ASSESS, Version, VersionedCache
from reymud.web.config import WebConfig
from reymud.web.grids import grid_json
from reymud.web.ingest_worker import IngestWorker
from reymud.web.locks import ReadWriteLock

__all__ = ["BLOCK_MODEL_FILE", "EXCEEDANCE_FILE", "ArtifactError", "NotAvailable", "ProjectState"]

#: File name of the 2-D block model that ``assess`` leaves in the artefact folder.
BLOCK_MODEL_FILE = "block_model_2d.nc"
#: File name of the exceedance probabilities (``probability`` by ``cutoff_ppm``).
EXCEEDANCE_FILE = "exceedance.nc"


def _load_netcdf(path: Path) -> xr.Dataset | None:
    """A grid written by ``assess``, loaded into memory (file closed); None when it is absent."""
    if not path.is_file():
        return None
    try:
        with xr.open_dataset(path) as ds:
            return ds.load()
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path.name} cannot be read ({exc}); re-run the assessment to rewrite it") from None


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _projected(cores: pd.DataFrame, crs: str | None) -> pd.DataFrame:
    """``easting``/``northing`` of the cores with a position (NaN for a core stored without one)."""
    from reymud.spatial import to_projected

    known = (cores["latitude"].notna() & cores["longitude"].notna()).to_numpy()
    if known.all():
        return to_projected(cores, crs=crs)[0]
    out = cores.assign(easting=np.nan, northing=np.nan)
    if known.any():
        located, _ = to_projected(cores[known], crs=crs)
        out.loc[known, ["easting", "northing"]] = located[["easting", "northing"]].to_numpy()
    return out


class NotAvailable(LookupError):
    """Something the request needs has not been produced yet (answered with 404 and the fix)."""


class ArtifactError(RuntimeError):
    """A result file of the project exists but cannot be read (a server-side problem: 500)."""


class ProjectState:
    """Read access to one project with caches keyed by the project's version.

    Parameters
    ----------
    project_path : str or Path
        The project file (``*.duckdb``); it must exist and be a reymud project.
    config : WebConfig
        Dashboard settings.
    worker : IngestWorker, optional
        Where the sample tables of an un-assessed project are derived (default: in the thread
        that needs them).

    Raises
    ------
    reymud.store.StoreError
        If the file is missing or not a reymud project.
    """

    def __init__(self, project_path: str | Path, config: WebConfig, worker: IngestWorker | None = None) -> None:
        self.path = Path(project_path).resolve()
        self.config = config
        self.worker = worker or IngestWorker(enabled=False)
        with Project.open(self.path) as project:
            self.artifact_dir = project.artifact_dir.resolve()
        self.uploads_dir = self.artifact_dir / "uploads"
        self.runs_dir = self.artifact_dir / "web_runs"
        self._rw = ReadWriteLock()
        self._grid_files = (self.artifact_dir / BLOCK_MODEL_FILE, self.artifact_dir / EXCEEDANCE_FILE)
        self.cache = VersionedCache(self._read_version, self._disk_stamp, lambda: self._rw.writing)

    # ------------------------------------------------------------------ access
    @contextmanager
    def reading(self) -> Iterator[Project]:
        """The project for reading, under the shared lock (do not nest other loads inside).

        The block holds one connection for all its calls (opening the file costs more than a
        small query); the file was checked to be a reymud project when the state was made.
        """
        with self._rw.read():
            project = Project(self.path)
            try:
                session = project.session()
                session.__enter__()
            except duckdb.Error:  # e.g. a read-only file: one read-only connection per call instead
                yield project
                return
            try:
                yield project
            finally:
                session.__exit__(None, None, None)

    @contextmanager
    def writing(self, timeout_s: float | None = None) -> Iterator[Project]:
        """The project for writing, alone; what the write made stale is rebuilt when it ends.

        Readers are served the cached values during the write and its refresh; the refresh runs
        in the writer's thread after the lock is released (so it can read), once per write.

        Raises
        ------
        TimeoutError
            If another write (a job or an upload) still runs after ``timeout_s`` seconds.
        """
        if not self._rw.acquire_write(timeout_s):
            raise TimeoutError("another job is writing the project right now; retry when it has finished")
        try:
            with Project.open(self.path) as project:
                yield project
        finally:
            self.cache.begin_refresh()
            self._rw.release_write()
            self.cache.refresh()

    # ------------------------------------------------------------------ caching
    def _disk_stamp(self) -> tuple:
        """Modification times of the project file, its write-ahead log and the grid files."""
        return tuple(_mtime(p) for p in (self.path, Path(f"{self.path}.wal"), *self._grid_files))

    def _read_version(self) -> Version:
        with self.reading() as project:
            version = project.version()
        return Version(data=version["data"], artifacts=version["artifacts"],
                       files=tuple(_mtime(p) for p in self._grid_files))

    def refresh(self) -> int:
        """Rebuild every cached item made stale by a change (returns how many were rebuilt)."""
        self.cache.begin_refresh()
        return self.cache.refresh()

    def cached(self, key: str, loader: Callable[[], Any], scope: str = ALL) -> Any:
        """``loader()`` once per version of what ``scope`` depends on (see :mod:`reymud.web.cache`)."""
        return self.cache.get(key, loader, scope)

    def cached_body(self, key: str, build: Callable[[], bytes], scope: str = ALL) -> bytes:
        """A response body (JSON bytes) built once per version of what ``scope`` depends on, so a
        read of an unchanged table costs no serialisation (rebuilt by the writer after a change)."""
        return self.cached(f"body:{key}", build, scope)

    def _frame(self, name: str) -> pd.DataFrame | None:
        """A frame saved in the project, or None."""
        def load() -> pd.DataFrame | None:
            with self.reading() as project:
                if name not in project.list_frames():
                    return None
                return project.load_frame(name)
        return self.cached(f"frame:{name}", load, ASSESS)

    def warm(self) -> None:
        """Load what the page asks for first (block model, cut-off index, cores) so the first
        page view and the first cut-off query do not wait for it; errors are left for the
        requests to report."""
        for load in (self.info, self.block_model, lambda: self.gt_index("total_rey_ppm"), self.cores,
                     self.outlines):
            try:
                load()
            except Exception:  # a missing result is reported by the request that needs it
                continue

    # ------------------------------------------------------------------ project
    def info(self) -> dict[str, Any]:
        """Name, metadata, synthetic flag and what has been produced so far."""
        def load() -> dict[str, Any]:
            with self.reading() as project:
                metadata = project.metadata()
                frames = project.list_frames()
                counts = project.counts()
                assessed = "latest" in project.list_json("assess")
            return {
                "name": self.path.name,
                "synthetic": str(metadata.get("synthetic", "false")).lower() == "true",
                "metadata": {str(k): str(v) for k, v in metadata.items()},
                "n_cores": counts["cores"], "n_samples": counts["samples"], "n_imports": counts["imports"],
                "assessed": assessed,
                "has_block_model": (self.artifact_dir / BLOCK_MODEL_FILE).is_file(),
                "frames": sorted(frames),
            }
        return self.cached("info", load)

    def results(self) -> dict[str, Any]:
        """The latest assessment's ``results.json`` dict."""
        def load() -> dict[str, Any] | None:
            with self.reading() as project:
                if "latest" not in project.list_json("assess"):
                    return None
                return project.load_json("assess", "latest")
        out = self.cached("results", load, ASSESS)
        if out is None:
            raise NotAvailable(_NOT_ASSESSED)
        return out

    # ---------------------------------------------------------------- samples
    def _derived(self) -> dict[str, pd.DataFrame | None]:
        """Samples, core summary and layers computed from the store (in the worker process, see
        :func:`reymud.web.ingest_worker.derive_tables`), for what ``assess`` has not saved."""
        def load() -> dict[str, pd.DataFrame | None]:
            with self._rw.read():  # no write in between; the worker opens the file itself
                return self.worker.derive(self.path)
        return self.cached("derived", load)

    def samples(self) -> pd.DataFrame:
        """Wide samples with the geochemistry columns (``samples_geochem`` or computed)."""
        def load() -> pd.DataFrame:
            saved = self._frame("samples_geochem")
            return saved if saved is not None else self._derived()["samples"]
        return self.cached("samples", load)

    def cores(self) -> pd.DataFrame:
        """One row per core: store columns, the layer summary when known, easting/northing."""
        def load() -> pd.DataFrame:
            with self.reading() as project:
                cores = project.cores()
            summary = self._frame("core_summary")
            if summary is None and len(cores):
                summary = self._derived()["core_summary"]
            if summary is not None and len(summary):
                extra = [c for c in summary.columns if c not in cores.columns or c == "core_id"]
                cores = cores.merge(summary[extra], on="core_id", how="left")
            if len(cores):
                cores = _projected(cores, self.crs())
            return cores
        return self.cached("cores", load)

    def layers(self) -> pd.DataFrame:
        """REY-rich layers (``layers`` frame or computed with the default threshold)."""
        def load() -> pd.DataFrame:
            saved = self._frame("layers")
            return saved if saved is not None else self._derived()["layers"]
        return self.cached("layers", load)

    # ---------------------------------------------------------------- estimates
    def block_model(self) -> xr.Dataset:
        """The 2-D BLOCK MODEL written by ``assess`` (loaded into memory, file closed)."""
        path = self.artifact_dir / BLOCK_MODEL_FILE

        def load() -> xr.Dataset | None:
            return _load_netcdf(path)
        ds = self.cached("block_model", load, ASSESS)
        if ds is None:
            raise NotAvailable(f"no block model yet ({BLOCK_MODEL_FILE}): {_RUN_ASSESS}")
        return ds

    def crs(self) -> str | None:
        """CRS of the block model, else None (the UTM zone of the cores is used)."""
        try:
            return str(self.block_model().attrs.get("crs") or "") or None
        except (NotAvailable, ArtifactError):
            return None

    def blocks(self) -> pd.DataFrame:
        """Blocks table (saved ``blocks`` frame, else built from the block model)."""
        def load() -> pd.DataFrame:
            saved = self._frame("blocks")
            if saved is not None:
                return saved
            from reymud.resource import blocks_table

            return blocks_table(self.block_model())
        return self.cached("blocks", load, ASSESS)

    def gt_index(self, by: str):
        """The :class:`reymud.resource.GradeTonnageIndex` of the blocks for cut-off column ``by``."""
        from reymud.resource import GradeTonnageIndex
        from reymud.resource.index import resolve_by

        column = resolve_by(by)
        return self.cached(f"gt:{column}", lambda: GradeTonnageIndex(self.blocks(), by=column), ASSESS)

    def gt_index_if_ready(self, by: str):
        """The cut-off index for ``by`` when it is cached and current, else None (never loads, so
        the cut-off query can answer on the event loop without a thread hop)."""
        from reymud.resource.index import BY_ALIASES

        column = BY_ALIASES.get(by)
        return None if column is None else self.cache.peek(f"gt:{column}", ASSESS)

    def frame(self, name: str) -> pd.DataFrame:
        """A frame saved by ``assess`` (404 with the fix when missing)."""
        out = self._frame(name)
        if out is None:
            raise NotAvailable(f"no {name!r} table yet: {_RUN_ASSESS}")
        return out

    def grid_payload(self, variable: str, max_cells: int) -> dict[str, Any]:
        """A block-model variable for a heatmap (see :func:`reymud.web.grids.grid_json`), masked
        outside the area of interest (``inside``).

        Raises
        ------
        KeyError
            Unknown or non-numeric variable (the message lists the numeric ones).
        """
        ds = self.block_model()
        numeric = sorted(v for v in ds.data_vars if ds[v].dtype.kind in "fiub")
        if variable not in numeric:
            raise KeyError(f"no numeric variable {variable!r} in the block model; choose one of {numeric}")
        da = ds[variable]
        if "depth_mbsf" in da.dims:
            da = da.mean("depth_mbsf") if not variable.startswith("thickness") else da.sum("depth_mbsf")
        if "inside" in ds and variable != "inside":
            inside = ds["inside"].astype(bool)
            da = da.where(inside.any("depth_mbsf") if "depth_mbsf" in inside.dims else inside)
        return grid_json(da, dict(ds.attrs), max_cells, variable)

    def exceedance(self) -> xr.Dataset:
        """Probability that total REY is at or above each cut-off (``exceedance.nc`` of assess)."""
        path = self.artifact_dir / EXCEEDANCE_FILE

        def load() -> xr.Dataset | None:
            return _load_netcdf(path)
        ds = self.cached("exceedance", load, ASSESS)
        if ds is None or "probability" not in ds:
            raise NotAvailable(f"no exceedance probabilities yet ({EXCEEDANCE_FILE}): {_RUN_ASSESS}")
        return ds

    def outlines(self) -> dict[str, Any]:
        """EEZ circle and published study box as lon/lat and easting/northing polylines (the
        geometry of :func:`reymud.spatial.crs.eez_outline` and :func:`~reymud.spatial.crs.box_outline`)."""
        def load() -> dict[str, Any]:
            from pyproj import Transformer

            from reymud.spatial.crs import box_outline, eez_outline, utm_crs_for

            cfg = self.config
            lon_c, lat_c = eez_outline(cfg.eez_centre_lat_lon, cfg.eez_radius_km)
            lon_b, lat_b = box_outline(cfg.study_box_lat_lon)
            crs = self.crs()
            if crs is None:
                cores = self.cores()
                crs = utm_crs_for(float(cores["longitude"].mean()) if len(cores) else cfg.eez_centre_lat_lon[1])
            to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
            out: dict[str, Any] = {"crs": crs}
            for name, lon, lat in (("eez", lon_c, lat_c), ("study_box", lon_b, lat_b)):
                x, y = to_xy.transform(lon, lat)
                out[name] = {"longitude": np.round(lon, 6).tolist(), "latitude": np.round(lat, 6).tolist(),
                             "easting_m": np.round(x, 1).tolist(), "northing_m": np.round(y, 1).tolist()}
            out["eez"]["label"] = f"EEZ ({cfg.eez_radius_km:g} km around Minamitorishima)"
            out["study_box"]["label"] = "Takaya et al. 2018 study box"
            return out
        return self.cached("outlines", load)


_RUN_ASSESS = "run an assessment first (POST /api/jobs/assess or `reymud assess PROJECT`)"
_NOT_ASSESSED = f"this project has not been assessed yet: {_RUN_ASSESS}"

