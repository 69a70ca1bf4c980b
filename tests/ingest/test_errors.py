"""One test per kind of bad input: each asserts the specific message (file, row, column, problem, fix)."""

from __future__ import annotations

import re

import pytest

from reymud.ingest import IngestError, ingest_files


def test_inverted_interval(ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,0.5,0.2,1,2\n")
    with refused(r"a\.csv, row 2, column 'top_mbsf': inverted interval: top 0\.5 m is below bottom 0\.2 m.*"
                 r"Fix: swap the top and bottom"):
        ingest(path)


def test_overlapping_intervals(ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,0.0,0.5,1,2\nS2,PC01,0.4,0.8,1,2\n")
    with refused(r"row 3, column 'top_mbsf': overlapping intervals in core 'PC01': sample 'S2' \(0\.4-0\.8 mbsf\) "
                 r"overlaps sample 'S1' \(0-0\.5 mbsf, row 2\)"):
        ingest(path)


def test_overlap_with_samples_already_stored(ingest, assays, refused):
    ingest(assays("a.csv", "S1,PC01,0.0,0.5,1,2\n"))
    with refused(r"b\.csv, row 2.*sample 'S9' \(0\.2-0\.3 mbsf\) overlaps sample 'S1'.*already in the project"):
        ingest(assays("b.csv", "S9,PC01,0.2,0.3,1,2\n"))


def test_negative_concentration(ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,0,0.5,1,2\nS2,PC01,0.5,1,-3,2\n")
    with refused(r"row 3, column 'La \(ppm\)': negative concentration -3\. Fix: .*negative_means_below_detection"):
        ingest(path)


def test_non_numeric_concentration(ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,0,0.5,1,abc\n")
    with refused(r"row 2, column 'Ce \(ppm\)': value 'abc' is not a number\. Fix: write a number, '<limit'"):
        ingest(path)


def test_missing_coordinates(project, write, refused):
    path = write("c.csv", "core_id,latitude,longitude\nA,21.9,153.7\nB,,153.8\n")
    with refused(r"c\.csv, row 3, column 'latitude': core 'B' has no latitude\. Fix: fill in the latitude"):
        ingest_files(project, [path])


def test_out_of_range_coordinates(project, write, refused):
    path = write("c.csv", "core_id,latitude,longitude\nA,153.7,21.9\n")
    with refused(r"row 2, column 'latitude': latitude 153\.7 of core 'A' is outside -90\.\.90 degrees.*swapped"):
        ingest_files(project, [path])


def test_duplicate_sample_ids_with_conflicting_values(ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,0,0.5,1,2\nS1,PC01,0,0.5,1,3\n")
    with refused(r"row 3, column 'Ce \(ppm\)': sample id 'S1' appears on rows 2 and 3 with different values "
                 r"\('2' vs '3'\)\. Fix: .*sample_type=duplicate"):
        ingest(path)


def test_duplicate_sample_conflicting_with_project(ingest, assays, refused):
    ingest(assays("a.csv", "S1,PC01,0,0.5,1,2\n"))
    with refused(r"b\.csv, row 2, column 'top_mbsf': sample S1 is already in the project with top_mbsf = 0; this file says 0\.1"):
        ingest(assays("b.csv", "S1,PC01,0.1,0.5,1,2\n"))


def test_unknown_unit(write, ingest, refused):
    path = write("a.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,La (counts)\nS1,PC01,0,1,5\n")
    with refused(r"row 1, column 'La \(counts\)': unknown unit 'counts'\. Fix: use one of .*ppm"):
        ingest(path)


def test_unitless_concentration_column(write, ingest, refused):
    path = write("a.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,La\nS1,PC01,0,1,5\n")
    with refused(r"row 1, column 'La': the concentration column has no unit\. Fix: .*default_unit: ppm"):
        ingest(path)


def test_mixed_units_in_one_column(ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,0,0.5,12 ppm,2\nS2,PC01,0.5,1,300 ppb,2\n")
    with refused(r"row 3, column 'La \(ppm\)': mixed units in one column: value '300 ppb' is not in ppm"):
        ingest(path)


def test_mixed_units_in_long_value_column(write, ingest, refused):
    path = write("l.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,analyte,value,unit\n"
                 "S1,PC01,0,1,La,5 ppb,ppm\n")
    with refused(r"row 2, column 'value': mixed units: value '5 ppb' contradicts the row's unit 'ppm'"):
        ingest(path)


def test_analyte_not_an_element_wide(write, ingest, refused):
    path = write("a.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,Xq (ppm)\nS1,PC01,0,1,5\n")
    with refused(r"row 1, column 'Xq \(ppm\)': the column looks like a concentration \(ppm\) but 'Xq' is not an "
                 r"element symbol or oxide formula"):
        ingest(path)


def test_analyte_not_an_element_long(write, ingest, refused):
    path = write("l.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,analyte,value,unit\n"
                 "S1,PC01,0,1,La,5,ppm\nS1,PC01,0,1,Zz,5,ppm\n")
    with refused(r"row 3, column 'analyte': analyte 'Zz' is not an element symbol or oxide formula"):
        ingest(path)


def test_empty_file(project, write, refused):
    with refused(r"e\.csv: the file is empty\. Fix:"):
        ingest_files(project, [write("e.csv", "")])


def test_header_without_rows(project, assays, refused):
    with refused(r"h\.csv, row 2: the file has a header row but no data rows"):
        ingest_files(project, [assays("h.csv")])


def test_file_that_is_not_a_table(project, write, refused):
    with refused(r"n\.csv, row 1: the file is not a table: its first line has no comma, tab, semicolon"):
        ingest_files(project, [write("n.csv", "Dear colleague\nplease find the results attached\n")])


def test_binary_file(project, tmp_path, refused):
    path = tmp_path / "b.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with refused(r"b\.csv: the file is binary, not a table\. Fix: export the table as CSV"):
        ingest_files(project, [path])


def test_utf16_file_names_the_encoding_to_use(project, assays, refused):
    path = assays("u.csv", "S1,PC01,0,1,1,2\n", encoding="utf-16")
    with refused(r"u\.csv: the file is UTF-16 encoded text\. Fix: save it as UTF-8 .*'encoding: utf-16'"):
        ingest_files(project, [path])


def test_latin1_file_names_the_encoding_to_use(project, write, refused):
    path = write("l.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,La (µg/g)\nS1,PC01,0,1,1\n", encoding="latin-1")
    with refused(r"row 1: the file is not valid UTF-8 \(byte 0xb5 on line 1\).*Fix: re-save it as UTF-8, or set "
                 r"'encoding: cp1252'"):
        ingest_files(project, [path])


def test_sample_whose_core_has_no_collar_with_require_position(ingest, assays, refused):
    path = assays("a.csv", "S1,PC99,0,1,1,2\n")
    with refused(r"row 2, column 'core_id': core 'PC99' of sample 'S1' has no collar \(latitude/longitude\)\. "
                 r"Fix: add the core to a collar file \(--collars FILE\)"):
        ingest(path, mapping={"require_position": True})


def test_error_leaves_project_unchanged(project, ingest, assays):
    reports = ingest(assays("good.csv", "S1,PC01,0,1,1,2\n"))
    before = (project.imports()["file_name"].tolist(), len(project.assays()), len(project.samples()))
    with pytest.raises(IngestError):
        ingest_files(project, [assays("bad.csv", "S5,PC02,0,1,1,2\nS6,PC02,1,2,1,x\n")])
    after = (project.imports()["file_name"].tolist(), len(project.assays()), len(project.samples()))
    assert before == after == (["SYNTHETIC_collars.csv", "good.csv"], 2, 1)
    assert [r.status for r in reports] == ["loaded", "loaded"]


def test_message_names_file_row_column_problem_and_fix(ingest, assays):
    path = assays("a.csv", "S1,PC01,0,0.5,1,abc\n")
    with pytest.raises(IngestError) as info:
        ingest(path)
    err = info.value
    assert (err.file, err.row, err.column) == ("a.csv", 2, "Ce (ppm)")
    assert isinstance(err, ValueError) and re.search(r"Fix: ", str(err))
