"""The project schema: DuckDB tables and views of a reymud project file.

Every table a later stage may read is declared here, in one place. The schema version is kept in
the ``schema_info`` table; :class:`reymud.store.Project` refuses files without it.
"""

from __future__ import annotations

__all__ = ["APPLICATION_ID", "CENSORED_POLICIES", "DDL", "MIGRATIONS", "POSITION_STATUSES", "QC_TYPES", "SAMPLE_TYPES",
           "SCHEMA_VERSION"]

#: Value of ``schema_info.application`` that marks a DuckDB file as a reymud project.
APPLICATION_ID = "reymud-project"
#: Bumped whenever a table changes shape (and a step added to :data:`MIGRATIONS`).
SCHEMA_VERSION = 2

#: Sample types a project knows; the last three are QA/QC records.
SAMPLE_TYPES: tuple[str, ...] = ("sample", "crm", "duplicate", "blank")
QC_TYPES: tuple[str, ...] = ("crm", "duplicate", "blank")
#: ``cores.position_status``: ``known`` (latitude and longitude given) or ``none`` (a core stored without a
#: position, e.g. from an ODP site file: geochemistry, layers and composites work, the spatial stage leaves
#: it out).
POSITION_STATUSES: tuple[str, ...] = ("known", "none")
#: How ``Project.samples`` replaces a censored (below-detection) value.
CENSORED_POLICIES: tuple[str, ...] = ("half_limit", "limit", "zero", "nan")

DDL: tuple[str, ...] = (
    """CREATE TABLE schema_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE imports (
        import_id INTEGER PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL UNIQUE,
        imported_at TIMESTAMP NOT NULL,
        kind VARCHAR NOT NULL,
        n_rows BIGINT NOT NULL,
        n_values BIGINT NOT NULL,
        n_censored BIGINT NOT NULL,
        mapping_json VARCHAR NOT NULL,
        header_json VARCHAR NOT NULL,
        unrecognised_json VARCHAR NOT NULL,
        status VARCHAR NOT NULL)""",
    """CREATE TABLE cores (
        core_id VARCHAR PRIMARY KEY,
        cruise VARCHAR, site VARCHAR, hole VARCHAR,
        latitude DOUBLE, longitude DOUBLE,
        water_depth_m DOUBLE, core_length_m DOUBLE, recovery DOUBLE,
        import_id INTEGER NOT NULL,
        position_status VARCHAR DEFAULT 'known')""",
    """CREATE TABLE samples (
        sample_id VARCHAR PRIMARY KEY,
        core_id VARCHAR,
        top_mbsf DOUBLE, bottom_mbsf DOUBLE,
        sample_type VARCHAR NOT NULL,
        reference VARCHAR,
        label VARCHAR,
        iodp_core VARCHAR, iodp_core_type VARCHAR, iodp_section VARCHAR, iodp_half VARCHAR,
        interval_top_cm DOUBLE, interval_bottom_cm DOUBLE,
        import_id INTEGER NOT NULL)""",
    """CREATE TABLE assays (
        sample_id VARCHAR NOT NULL,
        analyte VARCHAR NOT NULL,
        value_raw VARCHAR, unit_raw VARCHAR,
        value DOUBLE, unit VARCHAR NOT NULL,
        detection_limit DOUBLE,
        censored BOOLEAN NOT NULL,
        lab VARCHAR, method VARCHAR,
        import_id INTEGER NOT NULL)""",
    # (sample_id, analyte) is unique: ingest checks it before every write (a primary-key index
    # would triple the cost of loading large files).
    """CREATE VIEW qaqc AS
        SELECT s.sample_id, s.sample_type AS qc_type, s.reference, a.analyte, a.value, a.unit,
               a.detection_limit, a.censored, a.lab, a.method
        FROM samples s JOIN assays a USING (sample_id)
        WHERE s.sample_type <> 'sample'""",
    """CREATE TABLE metadata (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE artifacts_json (
        kind VARCHAR NOT NULL, name VARCHAR NOT NULL, json VARCHAR NOT NULL,
        saved_at TIMESTAMP NOT NULL, PRIMARY KEY (kind, name))""",
    """CREATE TABLE artifacts_frames (
        name VARCHAR PRIMARY KEY, table_name VARCHAR NOT NULL, attrs_json VARCHAR NOT NULL,
        saved_at TIMESTAMP NOT NULL)""",
)

#: Upgrade steps: ``MIGRATIONS[v]`` turns a version-``v`` file into version ``v + 1`` (run in one
#: transaction by :meth:`reymud.store.Project.open`; the result has the same tables as a new file).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE cores ALTER COLUMN latitude DROP NOT NULL",
        "ALTER TABLE cores ALTER COLUMN longitude DROP NOT NULL",
        "ALTER TABLE cores ADD COLUMN position_status VARCHAR DEFAULT 'known'"),
}
