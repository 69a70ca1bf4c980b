"""Ingest: lab files (CSV, TSV, XLSX, Parquet; wide or long) -> validated tables -> the project store.

What it does
------------
- Layout is detected: *long* when there are analyte and value columns (plus optional unit and
  detection-limit columns), *wide* when columns are analytes (``La``, ``La_ppm``, ``La (ppm)``,
  ``La [mg/kg]``, ``La ppb``, ``La2O3 (wt%)``), *collars* when only core_id/latitude/longitude...
- Units are converted exactly (:mod:`reymud.ingest.units`): elements to ppm, major oxides kept
  as oxide wt %, REY oxides to element ppm via ``reymud.elements.oxide_factors()``. A wide column
  without a unit takes it from a units row under the header or from the mapping file; otherwise
  it is an error. Raw cells and units are stored beside the canonical values.
- Below-detection cells (``<0.05``, ``bdl``, ``n.d.``, ``ND``, ``-``, empty) are censored with
  their limit (from ``<x``, a detection-limit row/column, else unknown = NaN); never 0, never
  dropped. ``n.a.`` (not analysed) stores nothing and is counted in the report.
- Depths: top/bottom columns, or one depth column (point samples, optional half thickness), or
  IODP names (``U1366D-2H-3-W 50/52``: core_id = hole ``U1366D``) with a section-top-depth
  column; IODP names without any depth column are refused (see :mod:`reymud.ingest.iodp`).
- QA/QC rows come from a ``sample_type`` column (``crm``/``duplicate``/``blank`` and common
  spellings) or, without one, from known CRM names (JMS-1, JMS-2, ...); duplicates name their
  parent in ``reference`` (or by a ``-dup`` suffix).
- Each file is one transaction; a file whose sha256 is already in the project is
  ``skipped-duplicate``. Errors are :class:`IngestError` naming file, spreadsheet row (header =
  row 1; ``#`` comment lines above the header count as rows), column, problem and fix.

- Memory stays bounded: a text table is read in chunks (:func:`read_chunks`, size and shape limits in
  :class:`ReadLimits`); a long table is validated and converted chunk by chunk, and stored in slices
  within the file's one transaction.

Public API: :func:`ingest_files`, :func:`read_table`, :func:`read_chunks`, :func:`parse_file`, :class:`IngestError`,
:class:`ImportReport`, :class:`IngestMapping` (the YAML mapping and every ingest default), and the
QA/QC summaries :func:`crm_stats`, :func:`duplicate_pairs`, :func:`blank_check`.
"""

from reymud.ingest.errors import IngestError
from reymud.ingest.mapping import IngestMapping
from reymud.ingest.pipeline import ImportReport, ingest_files, parse_file
from reymud.ingest.qaqc import blank_check, crm_stats, duplicate_pairs
from reymud.ingest.reader import ReadLimits, read_chunks, read_table

__all__ = ["ImportReport", "IngestError", "IngestMapping", "ReadLimits", "blank_check", "crm_stats", "duplicate_pairs",
           "ingest_files", "parse_file", "read_chunks", "read_table"]
