"""The reymud project: one DuckDB file holding cores, samples, assays, QA/QC, imports and artefacts.

Connections are short-lived: every method opens the file, does its work (writes in one
transaction) and closes it again, so the CLI, the web server and notebooks can share a project
file (DuckDB allows one writing process at a time; a busy file is retried for
``Project.lock_timeout_s`` seconds).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from reymud.store.lookups import IngestLookups
from reymud.store.schema import APPLICATION_ID, CENSORED_POLICIES, DDL, SAMPLE_TYPES, SCHEMA_VERSION

__all__ = ["Project", "ProjectBusyError", "StoreError", "analyte_order", "to_arrow"]

_CORE_COLUMNS = ["core_id", "cruise", "site", "hole", "latitude", "longitude", "water_depth_m",
                 "core_length_m", "recovery", "position_status"]
_ASSAY_COLUMNS = ["sample_id", "analyte", "value_raw", "unit_raw", "value", "unit", "detection_limit",
                  "censored", "lab", "method"]
_IMPORT_COLUMNS = ["file_name", "sha256", "imported_at", "n_rows", "n_values", "mapping_json",
                   "header_json", "status", "kind", "n_censored", "unrecognised_json", "import_id"]
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


class StoreError(RuntimeError):
    """A project file cannot be created, opened or written."""


class ProjectBusyError(StoreError):
    """Another process holds the project file for longer than ``Project.lock_timeout_s``."""


class WriteFailedError(StoreError):
    """A write could not be committed (disk full, file-size limit, read-only folder); nothing was stored."""


def analyte_order(analytes: Iterable[str]) -> list[str]:
    """Canonical column order: REY (La-Lu, Y), other elements A-Z, then major oxides in table order.

    Parameters
    ----------
    analytes : iterable of str
        Analyte names (element symbols or oxide formulas).

    Returns
    -------
    list of str
    """
    from reymud.elements import MAJOR_OXIDES, REY

    names = set(analytes)
    rey = [a for a in REY if a in names]
    majors = [a for a in MAJOR_OXIDES if a in names]
    rest = sorted(names - set(rey) - set(majors))
    return rey + rest + majors


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Project(IngestLookups):
    """A reymud project stored in one DuckDB file.

    Use :meth:`init` to create a project and :meth:`open` to open one; both return a
    ``Project`` that is also a context manager.

    Parameters
    ----------
    path : str or Path
        The project file (``*.duckdb``).
    lock_timeout_s : float
        How long to retry when another process holds the file (seconds).
    """

    def __init__(self, path: str | Path, lock_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.lock_timeout_s = float(lock_timeout_s)
        self._closed = False
        self._shared: duckdb.DuckDBPyConnection | None = None

    # ----------------------------------------------------------------- lifecycle
    @classmethod
    def init(cls, path: str | Path, overwrite: bool = False) -> Project:
        """Create a new, empty project file.

        Parameters
        ----------
        path : str or Path
            File to create (conventionally ``*.duckdb``).
        overwrite : bool
            Replace an existing file. Without it an existing file is an error.

        Returns
        -------
        Project
        """
        path = Path(path)
        if path.exists():
            if not overwrite:
                raise StoreError(f"{path} already exists; open it with Project.open, or choose another name")
            path.unlink()
            Path(f"{path}.wal").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        from reymud import __version__

        project = cls(path)
        with project._connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            for statement in DDL:
                con.execute(statement)
            con.executemany("INSERT INTO schema_info VALUES (?, ?)", [
                ("application", APPLICATION_ID), ("schema_version", str(SCHEMA_VERSION)),
                ("created_by", f"reymud {__version__}")])
            con.executemany("INSERT INTO metadata VALUES (?, ?)", [
                ("synthetic", "false"), ("created_at", _now().isoformat(timespec="seconds"))])
            con.execute("COMMIT")
        return project

    @classmethod
    def open(cls, path: str | Path, lock_timeout_s: float = 10.0) -> Project:
        """Open an existing project; a file that is not a reymud project is a :class:`StoreError`."""
        path = Path(path)
        if not path.is_file():
            raise StoreError(f"no project file {path}; create one with `reymud init {path}`")
        project = cls(path, lock_timeout_s=lock_timeout_s)
        try:
            info = project.sql("SELECT key, value FROM schema_info")
        except ProjectBusyError:
            raise
        except (duckdb.Error, StoreError) as exc:
            if _looks_like_duckdb(path) and not isinstance(exc, duckdb.CatalogException):
                raise StoreError(
                    f"{path} is a damaged reymud/DuckDB project file ({str(exc).splitlines()[0]}); restore it from "
                    "a backup (the file was not changed)") from None
            raise StoreError(
                f"{path} is not a reymud project ({str(exc).splitlines()[0]}); "
                f"create one with `reymud init NEWFILE.duckdb`") from None
        info = dict(zip(info["key"], info["value"], strict=True))
        if info.get("application") != APPLICATION_ID:
            raise StoreError(f"{path} is a DuckDB file but not a reymud project")
        if int(info.get("schema_version", -1)) > SCHEMA_VERSION:
            raise StoreError(f"{path} uses schema version {info['schema_version']}, newer than this "
                             f"reymud ({SCHEMA_VERSION}); upgrade reymud")
        if int(info.get("schema_version", -1)) < SCHEMA_VERSION:  # an older file: upgraded in place, atomically
            from reymud.store.migrate import upgrade

            upgrade(project, int(info.get("schema_version", -1)))
        return project

    def close(self) -> None:
        """Mark the project closed (connections are never held between calls)."""
        self._closed = True

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r})"

    @property
    def artifact_dir(self) -> Path:
        """Folder beside the project file (``<project>.files/``) for grids and other files."""
        folder = Path(f"{self.path}.files")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the artefact folder {folder} ({exc.strerror or exc}); run the command "
                             "where the project folder is writable, or copy the project there") from None
        return folder

    # --------------------------------------------------------------- connections
    @contextmanager
    def session(self) -> Iterator[Project]:
        """Hold one read-write connection for a block of calls (faster; blocks other processes meanwhile).

        Used by ingest for each batch of files; outside a session every call opens and closes its own
        connection.
        """
        if self._shared is not None:
            yield self
            return
        with self._connect(read_only=False) as con:
            self._shared = con
            try:
                yield self
            finally:
                self._shared = None

    @contextmanager
    def _connect(self, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._closed:
            raise StoreError(f"project {self.path} is closed; open it again with Project.open")
        if self._shared is not None:
            yield self._shared
            return
        deadline = time.monotonic() + self.lock_timeout_s
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.ConnectionException:
                if not read_only:
                    raise
                read_only = False  # same file already open read-write in this process
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise StoreError(f"cannot open {self.path}: {str(exc).splitlines()[0]}") from None
                if time.monotonic() > deadline:
                    raise ProjectBusyError(f"{self.path} is in use by another process (a running `reymud` "
                                     f"command or server); retry when it has finished") from None
                time.sleep(0.1)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction: committed on success, rolled back on any error."""
        with self._connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass  # a failed write invalidates the connection; DuckDB discards the transaction
                raise
            try:
                con.execute("COMMIT")
            except (duckdb.Error, OSError) as exc:
                raise WriteFailedError(_write_failed(self.path, exc)) from None

    def sql(self, query: str, params: list | None = None, frames: Mapping[str, pd.DataFrame] | None = None,
            ) -> pd.DataFrame:
        """Run one read query and return a DataFrame; ``frames`` are registered as views by name."""
        with self._connect(read_only=True) as con:
            for name, frame in (frames or {}).items():
                con.register(name, to_arrow(frame))
            try:
                return con.execute(query, params or []).df()
            except (duckdb.IOException, duckdb.InternalException, duckdb.FatalException,
                    duckdb.SerializationException) as exc:
                raise StoreError(f"{self.path} cannot be read ({str(exc).splitlines()[0]}); the file is damaged: "
                                 "restore it from a backup") from None
            finally:
                for name in frames or {}:
                    con.unregister(name)

    # ------------------------------------------------------------------- reading
    def cores(self) -> pd.DataFrame:
        """Core collars: ``core_id, cruise, site, hole, latitude, longitude, water_depth_m, core_length_m,
        recovery, position_status`` (``"none"``: stored without a position, latitude/longitude NaN)."""
        return self.sql(f"SELECT {', '.join(_CORE_COLUMNS)} FROM cores ORDER BY core_id")

    def samples(self, censored: str = "half_limit", sample_types: Iterable[str] = ("sample",)) -> pd.DataFrame:
        """Wide sample table, one row per sample, analytes in canonical units.

        Parameters
        ----------
        censored : {"half_limit", "limit", "zero", "nan"}
            Value used for a below-detection result: half its detection limit, the limit, 0 or NaN.
            A censored value whose limit is unknown is NaN under "half_limit" and "limit".
        sample_types : iterable of str
            Which sample types to include (``"sample"``, ``"crm"``, ``"duplicate"``, ``"blank"``).

        Returns
        -------
        DataFrame
            ``sample_id, core_id, top_mbsf, bottom_mbsf`` then one float column per analyte (REY and
            trace elements in ppm, majors as oxides in wt %), sorted by core_id, top_mbsf.
            ``attrs["censored_policy"]`` and ``attrs["censored_counts"]`` (per analyte) record the
            substitution.
        """
        if censored not in CENSORED_POLICIES:
            raise ValueError(f"censored={censored!r}; choose one of {', '.join(CENSORED_POLICIES)}")
        types = list(sample_types)
        bad = sorted(set(types) - set(SAMPLE_TYPES))
        if bad:
            raise ValueError(f"unknown sample type(s) {bad}; choose from {', '.join(SAMPLE_TYPES)}")
        substitute = {"half_limit": "0.5 * a.detection_limit", "limit": "a.detection_limit",
                      "zero": "0.0", "nan": "CAST('NaN' AS DOUBLE)"}[censored]
        marks = ", ".join("?" for _ in types) or "NULL"
        with self._connect(read_only=True) as con:
            head = con.execute(
                f"SELECT sample_id, core_id, top_mbsf, bottom_mbsf FROM samples WHERE sample_type IN ({marks})"
                " ORDER BY core_id, top_mbsf, sample_id", types).df()
            long = con.execute(
                f"SELECT a.sample_id, a.analyte, CASE WHEN a.censored THEN {substitute} ELSE a.value END AS v,"
                f" a.censored FROM assays a JOIN samples s USING (sample_id) WHERE s.sample_type IN ({marks})",
                types).df()
        counts = long.groupby("analyte")["censored"].sum().astype(int)
        wide = long.pivot(index="sample_id", columns="analyte", values="v")
        order = analyte_order(wide.columns)
        wide = wide.reindex(columns=order).astype(np.float64)
        out = head.join(wide, on="sample_id")
        out.columns.name = None
        out = out.reset_index(drop=True)
        out.attrs["censored_policy"] = censored
        out.attrs["censored_counts"] = {a: int(counts.get(a, 0)) for a in order}
        return out

    def assays(self) -> pd.DataFrame:
        """All assay values, long: ``sample_id, analyte, value_raw, unit_raw, value, unit, ...``."""
        return self.sql(f"SELECT {', '.join(_ASSAY_COLUMNS)} FROM assays ORDER BY sample_id, analyte")

    def qaqc(self) -> pd.DataFrame:
        """QA/QC values: ``sample_id, qc_type, reference, analyte, value, unit`` (+ limit, censored, lab, method)."""
        return self.sql("SELECT * FROM qaqc ORDER BY qc_type, reference, sample_id, analyte")

    def sample_info(self) -> pd.DataFrame:
        """Every stored sample with its type, reference and parsed IODP name fields."""
        return self.sql("SELECT * EXCLUDE (import_id) FROM samples ORDER BY core_id, top_mbsf, sample_id")

    def imports(self) -> pd.DataFrame:
        """The import log, one row per loaded file, oldest first."""
        return self.sql(f"SELECT {', '.join(_IMPORT_COLUMNS)} FROM imports ORDER BY import_id")

    def metadata(self) -> dict[str, str]:
        """Project metadata as a dict of strings (``synthetic`` is ``"true"`` or ``"false"``)."""
        frame = self.sql("SELECT key, value FROM metadata ORDER BY key")
        return dict(zip(frame["key"], frame["value"], strict=True))

    def set_metadata(self, **items: object) -> None:
        """Set metadata keys (values stored as strings) in one transaction."""
        with self.transaction() as con:
            con.executemany("INSERT OR REPLACE INTO metadata VALUES (?, ?)",
                            [(k, str(v)) for k, v in items.items()])

    # ----------------------------------------------------------------- estimation plan
    #: metadata key of the project's estimation plan (YAML/JSON text)
    PLAN_KEY = "estimation_plan"

    def plan_text(self) -> str | None:
        """The project's estimation plan as stored (YAML/JSON text), or None when it has none.

        Read it with :func:`reymud.spatial.plan.resolve_plan` (``source == "project"``); write it with
        :func:`reymud.spatial.plan.store_plan`.
        """
        return self.metadata().get(self.PLAN_KEY)

    def set_plan_text(self, text: str | None) -> None:
        """Store the project's estimation plan text as given (``None`` removes it), in one transaction.

        The store keeps text only; validate a plan first with :func:`reymud.spatial.plan.store_plan`,
        the one function that writes a plan (the store does not know the plan's rules).
        """
        with self.transaction() as con:
            if text is None:
                con.execute("DELETE FROM metadata WHERE key = ?", [self.PLAN_KEY])
            else:
                con.execute("INSERT OR REPLACE INTO metadata VALUES (?, ?)", [self.PLAN_KEY, str(text)])

    # ----------------------------------------------------------------- artefacts
    def save_json(self, kind: str, name: str, obj: Any) -> None:
        """Store a JSON-serialisable object under (kind, name), replacing any previous one."""
        text = json.dumps(obj, default=_json_default, allow_nan=True)
        with self.transaction() as con:
            con.execute("INSERT OR REPLACE INTO artifacts_json VALUES (?, ?, ?, ?)", [kind, name, text, _now()])

    def load_json(self, kind: str, name: str) -> Any:
        """Load the object saved under (kind, name); ``KeyError`` if there is none."""
        row = self.sql("SELECT json FROM artifacts_json WHERE kind = ? AND name = ?", [kind, name])
        if row.empty:
            raise KeyError(f"no saved {kind!r} named {name!r} in {self.path}")
        return json.loads(row["json"].iloc[0])

    def list_json(self, kind: str, newest_first: bool = False) -> list[str]:
        """Names saved under ``kind``: sorted by name, or by save time (newest first)."""
        order = "saved_at DESC, name" if newest_first else "name"
        return self.sql(f"SELECT name FROM artifacts_json WHERE kind = ? ORDER BY {order}", [kind])["name"].tolist()

    def save_frame(self, name: str, df: pd.DataFrame) -> None:
        """Store a DataFrame as table ``frame_<name>`` (with its ``attrs``), replacing any previous one."""
        if not _NAME_RE.match(name):
            raise ValueError(f"frame name {name!r}: use letters, digits, '_', '-' or '.' (1-100 characters)")
        table = "frame_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
        frame = df.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        attrs = json.dumps(dict(df.attrs), default=_json_default)
        with self.transaction() as con:
            con.register("frame_in", to_arrow(frame))
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM frame_in')
            con.unregister("frame_in")
            con.execute("INSERT OR REPLACE INTO artifacts_frames VALUES (?, ?, ?, ?)", [name, table, attrs, _now()])

    def load_frame(self, name: str) -> pd.DataFrame:
        """Load a frame saved with :meth:`save_frame`; ``KeyError`` if there is none."""
        with self._connect(read_only=True) as con:
            row = con.execute("SELECT table_name, attrs_json FROM artifacts_frames WHERE name = ?", [name]).fetchone()
            if row is None:
                raise KeyError(f"no saved frame {name!r} in {self.path}")
            frame = con.execute(f'SELECT * FROM "{row[0]}"').df()
        frame.attrs.update(json.loads(row[1]))
        return frame

    def list_frames(self) -> list[str]:
        """Names of saved frames, sorted."""
        return self.sql("SELECT name FROM artifacts_frames ORDER BY name")["name"].tolist()

    # ------------------------------------------------ counts and change stamp (read by the web)
    def counts(self) -> dict[str, int]:
        """Row counts: ``cores``, ``samples`` (type ``sample``), ``qc_samples`` (CRM, duplicate,
        blank), ``assays``, ``imports``, ``frames`` and ``json`` (saved artefacts)."""
        row = self.sql(
            "SELECT (SELECT count(*) FROM cores) AS cores,"
            " (SELECT count(*) FROM samples WHERE sample_type = 'sample') AS samples,"
            " (SELECT count(*) FROM samples WHERE sample_type <> 'sample') AS qc_samples,"
            " (SELECT count(*) FROM assays) AS assays, (SELECT count(*) FROM imports) AS imports,"
            " (SELECT count(*) FROM artifacts_frames) AS frames, (SELECT count(*) FROM artifacts_json) AS json")
        return {str(k): int(v) for k, v in row.iloc[0].items()}

    def version(self) -> dict[str, tuple]:
        """A stamp of the project's content for caches of derived tables (one cheap query).

        Returns
        -------
        dict
            ``data``: changes whenever an ingest commits (imports, cores, samples, assays,
            metadata); ``artifacts``: whenever a later stage saves a frame or a JSON object.
            Equal stamps mean the same content: the store only adds rows or replaces them with a
            new ``saved_at``, and a failed write leaves everything as it was.
        """
        row = self.sql(
            "SELECT (SELECT count(*) FROM imports) AS n_imports, (SELECT max(import_id) FROM imports) AS last_import,"
            " (SELECT count(*) FROM cores) AS n_cores, (SELECT count(*) FROM samples) AS n_samples,"
            " (SELECT count(*) FROM assays) AS n_assays,"
            " (SELECT string_agg(key || '=' || value, ';' ORDER BY key) FROM metadata) AS metadata,"
            " (SELECT count(*) FROM artifacts_json) AS n_json, (SELECT CAST(max(saved_at) AS VARCHAR)"
            " FROM artifacts_json) AS last_json, (SELECT count(*) FROM artifacts_frames) AS n_frames,"
            " (SELECT CAST(max(saved_at) AS VARCHAR) FROM artifacts_frames) AS last_frame").iloc[0]
        plain = {k: (None if pd.isna(v) else (str(v) if isinstance(v, str) else int(v))) for k, v in row.items()}
        data = tuple(plain[k] for k in ("n_imports", "last_import", "n_cores", "n_samples", "n_assays", "metadata"))
        artifacts = tuple(plain[k] for k in ("n_json", "last_json", "n_frames", "last_frame"))
        return {"data": data, "artifacts": artifacts}


def _looks_like_duckdb(path: Path) -> bool:
    """Whether the file carries DuckDB's magic bytes (``DUCK`` at offset 8)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def _write_failed(path: Path, exc: BaseException) -> str:
    """One-line message for a write that failed (disk full, file-size limit, read-only folder)."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (f"could not write to {path} ({first}); nothing of this step was stored and the project keeps its "
            "previous content. Free disk space or make the folder writable, then retry")


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """A DataFrame as an arrow table with plain string columns (DuckDB scans arrow natively)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) or pa.types.is_large_string(f.type)
              else f for f in table.schema]
    return table.cast(pa.schema(fields)) if fields != list(table.schema) else table


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (datetime, pd.Timestamp)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, pd.DataFrame):
        return obj.to_dict(orient="records")
    return str(obj)
