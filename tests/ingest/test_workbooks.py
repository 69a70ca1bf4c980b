"""Workbooks: every sheet considered, core id from the sheet name, formulas without results refused."""

from __future__ import annotations

import openpyxl
import pytest
from typer.testing import CliRunner

from reymud.cli.main import app
from reymud.ingest import IngestError, ingest_files

HEADER = ["sample_id", "top_mbsf", "bottom_mbsf", "La (ppm)", "Ce (ppm)"]


def _book(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_every_sheet_is_loaded_and_core_id_from_sheet_name(project, demo_files, tmp_path):
    path = _book(tmp_path / "cores.xlsx", {
        "PC01": [HEADER, ["A1", 0.0, 0.5, 10, 20], ["A2", 0.5, 1.0, 11, 21]],
        "PC02": [HEADER, ["B1", 0.0, 0.4, 30, 40]],
        "Notes": [["written by the lab"]],
        "Empty": []})
    collars, _ = demo_files
    reports = ingest_files(project, [path], collars=collars, mapping={"core_id_from_sheet": True})
    report = reports[-1]
    assert report.sheets_loaded == ("PC01", "PC02")
    assert report.sheets_skipped == ("Notes: the sheet has a header row but no data rows",
                                     "Empty: sheet 'Empty' is empty (no header row)")
    stored = project.sql("SELECT sample_id, core_id FROM samples ORDER BY sample_id")
    assert stored.to_dict("list") == {"sample_id": ["A1", "A2", "B1"], "core_id": ["PC01", "PC01", "PC02"]}
    la = project.sql("SELECT value FROM assays WHERE analyte = 'La' ORDER BY sample_id")["value"].tolist()
    assert la == [10.0, 11.0, 30.0]


def test_cli_reports_loaded_and_skipped_sheets(tmp_path, demo_files):
    path = _book(tmp_path / "cores.xlsx", {"PC01": [["core_id", *HEADER], ["PC01", "A1", 0.0, 0.5, 10, 20]],
                                           "Notes": [["remark", "by"], ["written", "lab"]]})
    collars, _ = demo_files
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(tmp_path / "p.duckdb")]).exit_code == 0
    result = runner.invoke(app, ["ingest", str(tmp_path / "p.duckdb"), str(path), "--collars", str(collars)])
    assert result.exit_code == 0, result.output
    assert ("cores.xlsx: sheets loaded: PC01; skipped: Notes: no analyte, long-table or collar columns recognised"
            in result.output)


def test_error_on_a_sheet_names_the_sheet(project, demo_files, tmp_path):
    path = _book(tmp_path / "cores.xlsx", {"PC01": [["core_id", *HEADER], ["PC01", "A1", 0.0, 0.5, 10, 20]],
                                           "PC02": [["core_id", *HEADER], ["PC02", "B1", 0.0, 0.5, -1, 20]]})
    collars, _ = demo_files
    with pytest.raises(IngestError, match=r"cores\.xlsx \[sheet PC02\], row 2, column 'La \(ppm\)': negative "):
        ingest_files(project, [path], collars=collars)
    assert project.sql("SELECT count(*) AS n FROM samples")["n"].iloc[0] == 0


def test_same_sample_on_two_sheets(project, demo_files, tmp_path):
    path = _book(tmp_path / "cores.xlsx", {"PC01": [["core_id", *HEADER], ["PC01", "A1", 0.0, 0.5, 10, 20]],
                                           "PC02": [["core_id", *HEADER], ["PC02", "A1", 0.0, 0.5, 10, 20]]})
    collars, _ = demo_files
    with pytest.raises(IngestError, match=r"cores\.xlsx, row 2: sample id 'A1' appears on sheet 'PC01' and on sheet "
                                          r"'PC02'"):
        ingest_files(project, [path], collars=collars)


def test_formula_without_cached_result_is_refused(project, demo_files, tmp_path):
    path = _book(tmp_path / "calc.xlsx", {"Data": [["core_id", *HEADER], ["PC01", "A1", 0.0, 0.5, "=2*5", 20]]})
    collars, _ = demo_files
    with pytest.raises(IngestError, match=r"calc\.xlsx, row 2: sheet 'Data', cell E2 holds the formula '=2\*5' "
                                          r"without a computed result"):
        ingest_files(project, [path], collars=collars)


def test_workbook_is_read_and_parsed_once(project, demo_files, tmp_path, monkeypatch):
    path = _book(tmp_path / "cores.xlsx", {f"PC0{i}": [["core_id", *HEADER], [f"PC0{i}", f"S{i}", 0.0, 0.5, 10, 20]]
                                           for i in (1, 2)} | {"Notes": [["remark"]], "Empty": []})
    loads, reads = [], []
    real_load, real_read = openpyxl.load_workbook, type(path).read_bytes
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: loads.append(1) or real_load(*a, **k))
    monkeypatch.setattr(type(path), "read_bytes", lambda self: reads.append(self.name) or real_read(self))
    collars, _ = demo_files
    report = ingest_files(project, [path], collars=collars)[-1]
    assert report.sheets_loaded == ("PC01", "PC02") and len(report.sheets_skipped) == 2
    assert (len(loads), reads.count("cores.xlsx")) == (1, 1)  # 2N+1 = 9 parses before


def test_workbook_with_formulas_is_parsed_twice_at_most(tmp_path):
    from reymud.ingest.workbook import Workbook

    plain = _book(tmp_path / "plain.xlsx", {"A": [["x"], [1]]})
    calc = _book(tmp_path / "calc.xlsx", {"A": [["x"], ["=1+1"]], "B": [["y"], [2]]})
    with Workbook(plain) as book, Workbook(calc) as other:
        assert (book.parses, other.parses) == (1, 2)


def test_sheet_skipping_is_decided_by_error_type_not_message_text(project, demo_files, tmp_path):
    # the stray cell's text contains "is empty", which the old text matching took for an empty sheet
    path = _book(tmp_path / "cores.xlsx", {"PC01": [["core_id", *HEADER], ["PC01", "A1", 0.0, 0.5, 10, 20]],
                                           "PC02": [["core_id", *HEADER], ["PC02", "B1", 0.0, 0.5, 1, 2, "is empty"]]})
    collars, _ = demo_files
    with pytest.raises(IngestError, match=r"cores\.xlsx, row 2: sheet 'PC02': column 7 has a value \('is empty'\) "
                                          r"but no header"):
        ingest_files(project, [path], collars=collars)


def test_sheet_with_header_and_units_but_no_data_is_skipped(project, demo_files, tmp_path):
    path = _book(tmp_path / "cores.xlsx", {"PC01": [["core_id", *HEADER], ["PC01", "A1", 0.0, 0.5, 10, 20]],
                                           "Blank": [["core_id", *HEADER], [None, None, "m", "m", "ppm", "ppm"]]})
    collars, _ = demo_files
    report = ingest_files(project, [path], collars=collars)[-1]
    assert report.sheets_skipped == ("Blank: the sheet has a header (and units) row but no data rows",)
