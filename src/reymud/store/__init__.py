"""The project store: one DuckDB file per project (cores, samples, assays, QA/QC, imports, artefacts)."""

from reymud.store.project import Project, ProjectBusyError, StoreError, analyte_order
from reymud.store.schema import CENSORED_POLICIES, QC_TYPES, SAMPLE_TYPES, SCHEMA_VERSION
from reymud.store.writer import write_import

__all__ = ["CENSORED_POLICIES", "QC_TYPES", "SAMPLE_TYPES", "SCHEMA_VERSION", "Project", "ProjectBusyError", "StoreError",
           "analyte_order", "write_import"]
