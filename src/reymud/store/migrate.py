"""Upgrading a project file written by an older reymud to the current schema, in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from reymud.store.schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    from reymud.store.project import Project

__all__ = ["upgrade"]


def upgrade(project: Project, version: int) -> None:
    """Bring ``project`` from schema ``version`` to :data:`SCHEMA_VERSION` (all steps or none).

    The steps of :data:`reymud.store.schema.MIGRATIONS` run in one transaction with the new version
    number and an ``upgraded_from`` entry in ``schema_info``; any failure (a read-only file, a full
    disk) rolls everything back and leaves the file as it was.

    Raises
    ------
    StoreError
        The file cannot be upgraded (message says why and what to do).
    """
    from reymud.store.project import ProjectBusyError, StoreError

    missing = [v for v in range(version, SCHEMA_VERSION) if v not in MIGRATIONS]
    if missing:
        raise StoreError(f"{project.path} uses schema version {version}, which this reymud ({SCHEMA_VERSION}) cannot "
                         "upgrade; open it with the reymud that wrote it and export the tables")
    try:
        with project.transaction() as con:
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    con.execute(statement)
            con.execute("UPDATE schema_info SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
            con.execute("INSERT OR REPLACE INTO schema_info VALUES ('upgraded_from', ?)", [str(version)])
    except ProjectBusyError:
        raise
    except (duckdb.Error, OSError, StoreError) as exc:
        raise StoreError(f"{project.path} uses schema version {version} and must be upgraded to {SCHEMA_VERSION} "
                         f"(cores may lack a position) before use, but the upgrade failed "
                         f"({str(exc).splitlines()[0]}); the file was not changed. Make it writable (or copy it to "
                         "a writable folder) and open it again") from None
