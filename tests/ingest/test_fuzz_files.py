"""Whole-file fuzz test: ragged, shifted, duplicated-header and mixed-encoding CSV/XLSX files.

Every generated file either loads cleanly with stored values equal to the intended ones, or is
refused with an IngestError and the store left exactly as it was; nothing else (no traceback).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reymud.ingest import IngestError, ingest_files
from reymud.store import Project

COLLARS = "core_id,latitude,longitude,water_depth_m,core_length_m\nPC01,21.9,153.7,5700,12.5\n"
HEADER = ["sample_id", "core_id", "top_mbsf", "bottom_mbsf", "La (ppm)", "Ce (ppm)"]
#: Mutations after which the file must load with the intended values.
CLEAN = {"none", "trailing_comma", "unicode_id"}

values = st.floats(min_value=0.001, max_value=5000, allow_nan=False).map(lambda v: float(f"{v:.4g}"))
tables = st.lists(st.tuples(values, values), min_size=1, max_size=12)
mutations = st.sampled_from(["none", "trailing_comma", "unicode_id", "ragged_short", "ragged_long", "shifted",
                             "duplicate_header", "cp1252_byte"])


def _rows(pairs):
    return [[f"S{i}", "PC01", round(i * 0.5, 3), round(i * 0.5 + 0.5, 3), la, ce] for i, (la, ce) in enumerate(pairs)]


def _mutate(rows, mutation, where):
    header = list(HEADER)
    rows = [list(r) for r in rows]
    k = where % len(rows)
    if mutation == "ragged_short":
        rows[k] = rows[k][:-1]
    elif mutation == "ragged_long":
        rows[k] = [*rows[k], "7"]
    elif mutation == "shifted":
        rows[k] = ["", *rows[k]]
    elif mutation == "duplicate_header":
        header[5] = header[4]
    elif mutation == "unicode_id":
        rows[k][0] = f"S{k}-é"
    return header, rows


def _write(folder: Path, fmt: str, header, rows, mutation) -> Path:
    if fmt == "xlsx":
        path = folder / "f.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)
        return path
    end = "," if mutation == "trailing_comma" else ""
    text = ",".join(header) + end + "\n" + "".join(",".join(str(c) for c in r) + end + "\n" for r in rows)
    data = text.encode("utf-8")
    if mutation == "cp1252_byte":
        data = data.replace(b"S0,", b"S\xe90,", 1)
    path = folder / "f.csv"
    path.write_bytes(data)
    return path


def _snapshot(project: Project):
    return {t: project.sql(f"SELECT * FROM {t}").drop(columns=["loaded_at"], errors="ignore").to_csv()
            for t in ("imports", "cores", "samples", "assays")}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs=tables, mutation=mutations, where=st.integers(0, 50), fmt=st.sampled_from(["csv", "xlsx"]))
def test_any_file_loads_exactly_or_is_refused_cleanly(pairs, mutation, where, fmt):
    if fmt == "xlsx" and mutation in ("ragged_short", "cp1252_byte", "trailing_comma"):
        mutation = "none"  # an empty xlsx cell is a real empty cell; xlsx text is Unicode; no separators
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "collars.csv").write_text(COLLARS)
        project = Project.init(folder / "p.duckdb")
        ingest_files(project, [], collars=folder / "collars.csv")
        before = _snapshot(project)
        header, rows = _mutate(_rows(pairs), mutation, where)
        path = _write(folder, fmt, header, rows, mutation)
        try:
            ingest_files(project, [path])
        except IngestError as exc:
            assert mutation not in CLEAN, f"{mutation}: {exc}"
            assert str(exc).startswith(path.name) and "Fix:" in str(exc)
            assert _snapshot(project) == before
            return
        assert mutation in CLEAN, f"{mutation} ({fmt}) was loaded"
        stored = project.sql("SELECT sample_id, analyte, value FROM assays ORDER BY sample_id, analyte")
        expected = sorted((str(r[0]), a, float(v)) for r in rows for a, v in (("La", r[4]), ("Ce", r[5])))
        got = sorted(zip(stored["sample_id"], stored["analyte"], stored["value"], strict=True))
        assert got == expected
