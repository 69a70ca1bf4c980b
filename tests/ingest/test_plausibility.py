"""Silently-wrong data is refused: overflow, plausibility bounds, ambiguous missing values, shifted rows,
duplicate columns, depth units. Each test asserts the exact message (file, row, column)."""

from __future__ import annotations

import re

import pytest

from reymud.ingest import IngestError, IngestMapping, ingest_files
from reymud.ingest.bounds import PlausibilityBounds


def _unchanged(project):
    return project.sql("SELECT count(*) AS n FROM assays")["n"].iloc[0]


@pytest.mark.parametrize("cell", ["1e400", "9" * 400])
def test_concentration_overflowing_to_inf_is_refused(project, ingest, assays, refused, cell):
    path = assays("a.csv", f"S1,PC01,0.0,0.5,{cell},2\n")
    with refused(r"a\.csv, row 2, column 'La \(ppm\)': value .* is too large to be a number \(it overflows"):
        ingest(path)
    assert _unchanged(project) == 0


def test_ten_megabyte_digit_string_is_refused_with_a_short_message(ingest, assays):
    path = assays("a.csv", "S1,PC01,0.0,0.5," + "9" * 10_000_000 + ",2\n")
    with pytest.raises(IngestError) as info:
        ingest(path)
    assert re.search(r"a\.csv, row 2: a cell is longer than 131,072 characters", str(info.value))
    assert len(str(info.value)) < 400


def test_depth_overflowing_to_inf_is_refused(ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,0.0,1e400,1,2\n")
    with refused(r"row 2, column 'bottom_mbsf': '1e400' is too large to be a number"):
        ingest(path)


@pytest.mark.parametrize(("cell", "problem"), [
    ("2000000", r"concentration 2e\+06 ppm is above 1e\+06 ppm \(100 %\)"),
    ("1e308", r"concentration 1e\+308 ppm is above 1e\+06 ppm")])
def test_concentration_above_one_million_ppm(ingest, assays, refused, cell, problem):
    path = assays("a.csv", f"S1,PC01,0.0,0.5,{cell},2\n")
    with refused(rf"a\.csv, row 2, column 'La \(ppm\)': {problem}.*bounds\.max_concentration_ppm"):
        ingest(path)


def test_concentration_bound_in_long_table(write, ingest, refused):
    path = write("l.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,analyte,value,unit\nS1,PC01,0,0.5,SiO2,150,wt%\n")
    with refused(r"l\.csv, row 2, column 'value': concentration 150 wt% is above 1e\+06 ppm"):
        ingest(path)


def test_sum_of_majors_above_bound(write, ingest, refused):
    path = write("m.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,SiO2 (wt%),Al2O3 (wt%)\nS1,PC01,0,0.5,60,50\n")
    with refused(r"m\.csv, row 2: the oxides of sample 'S1' add up to 110\.0 wt %, above 105 wt %"):
        ingest(path)


def test_bounds_are_overridable_in_the_mapping(write, ingest):
    path = write("m.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,SiO2 (wt%),Al2O3 (wt%)\nS1,PC01,0,0.5,60,50\n")
    mapping = write("map.yaml", "bounds:\n  max_major_sum_wt_pct: 120\n")
    (report,) = [r for r in ingest(path, mapping=mapping) if r.file == "m.csv"]
    assert report.values == 2
    assert IngestMapping.load(mapping).bounds == PlausibilityBounds(max_major_sum_wt_pct=120.0)


def test_unknown_bound_in_mapping(write, refused):
    with refused(r"map\.yaml: bad 'bounds' section \(unknown bound\(s\) \['max_la'\]"):
        IngestMapping.load(write("map.yaml", "bounds:\n  max_la: 3\n"))


def test_sample_below_the_end_of_its_core(ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,500,501,1,2\n")
    with refused(r"a\.csv, row 2, column 'bottom_mbsf': sample 'S1' at 500-501 mbsf lies below the end of core "
                 r"'PC01' \(12\.5 m long\)"):
        ingest(path)


def test_zero_thickness_interval(ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,0.3,0.3,1,2\n")
    with refused(r"a\.csv, row 2, column 'bottom_mbsf': zero-thickness interval 0\.3-0\.3 m"):
        ingest(path)


def test_zero_thickness_allowed_on_request(ingest, assays):
    path = assays("a.csv", "S1,PC01,0.3,0.3,1,2\n")
    reports = ingest(path, mapping={"bounds": {"allow_zero_thickness": True}})
    assert reports[-1].values == 2


def test_negative_core_length(project, write, refused):
    path = write("c.csv", "core_id,latitude,longitude,core_length_m\nX1,20,150,-3\n")
    with refused(r"c\.csv, row 2, column 'core_length_m': core length -3 m of core 'X1' is not positive"):
        ingest_files(project, [path])


def test_water_depth_above_eleven_km(project, write, refused):
    path = write("c.csv", "core_id,latitude,longitude,water_depth_m\nX1,20,150,5000000\n")
    with refused(r"c\.csv, row 2, column 'water_depth_m': water depth 5e\+06 m of core 'X1' is outside 0-11000 m"):
        ingest_files(project, [path])


@pytest.mark.parametrize("cell", ["NaN", "nan", "#N/A", "inf"])
def test_nan_is_not_below_detection(ingest, assays, refused, cell):
    path = assays("a.csv", f"S1,PC01,0.0,0.5,{cell},2\n")
    with refused(rf"a\.csv, row 2, column 'La \(ppm\)': value '{re.escape(cell)}' is not a measurement"):
        ingest(path)


@pytest.mark.parametrize(("rows", "message"), [
    pytest.param("S1,PC01,0.0,0.5,<0,2\n",
                 r"row 2, column 'La \(ppm\)': below-detection value '<0' has a limit that is not a positive",
                 id="less-than-zero-is-not-a-detection-limit"),
    pytest.param("S1,PC01,0.0,0.5,0x10,2\n", r"row 2, column 'La \(ppm\)': value '0x10' is written in hexadecimal",
                 id="hexadecimal-value"),
    pytest.param("S1,PC01,0.0,0.5,1,2,50,52\n", r"a\.csv, row 2: the row has 8 fields but the header has 6",
                 id="row-with-two-extra-fields"),
    pytest.param("S1,PC01,0.0,0.5,1,2\nS2,PC01,0.5,0.8\n",
                 r"a\.csv, row 3: the row has 4 fields but the header has 6; missing fields", id="short-row"),
])
def test_refused_rows(ingest, assays, refused, rows, message):
    path = assays("a.csv", rows)
    with refused(message):
        ingest(path)


def test_decimal_comma_with_semicolon_delimiter(write, ingest, refused):
    path = write("a.csv", "sample_id;core_id;top_mbsf;bottom_mbsf;La (ppm)\nS1;PC01;0;0,5;1,5\n")
    with refused(r"a\.csv, row 2, column 'bottom_mbsf': '0,5' is not a number\. Fix: the value uses a decimal comma"):
        ingest(path)
    path = write("b.csv", "sample_id;core_id;top_mbsf;bottom_mbsf;La (ppm)\nS1;PC01;0;0.5;1,5e2\n")
    with refused(r"b\.csv, row 2, column 'La \(ppm\)': value '1,5e2' uses a decimal comma"):
        ingest(path)


def test_row_with_one_extra_leading_field(project, ingest, assays, refused):
    path = assays("a.csv", "S1,PC01,0.0,0.5,1,2\n,S2,PC01,0.5,0.8,1,2\n")
    with refused(r"a\.csv, row 3: the row has 7 fields but the header has 6; an extra field .* would shift"):
        ingest(path)
    assert _unchanged(project) == 0


def test_trailing_comma_on_every_row_is_handled(project, write, ingest):
    path = write("a.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm),Ce (ppm),\n"
                 "S1,PC01,0.0,0.5,1,2,\nS2,PC01,0.5,0.8,3,4,\n")
    report = ingest(path)[-1]
    assert report.samples == 2 and report.values == 4
    stored = project.sql("SELECT sample_id, value FROM assays WHERE analyte = 'La' ORDER BY sample_id")
    assert stored["value"].tolist() == [1.0, 3.0]


def test_duplicate_column_names(write, ingest, refused):
    path = write("a.csv", "sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm),La (ppm)\nS1,PC01,0,0.5,1,2\n")
    with refused(r"a\.csv, row 1, column 'La \(ppm\)': the column name 'La \(ppm\)' appears twice \(columns 5 and "
                 r"6\)"):
        ingest(path)


@pytest.mark.parametrize(("header", "units", "expected"), [
    ("Top (cm),Bottom (cm)", None, [0.3, 0.5]),
    ("top_mm,bottom_mm", None, [0.3, 0.5]),
    ("top,bottom", "cmbsf,cmbsf", [0.3, 0.5]),
    ("Top (cm),Bottom (cm)", "cm CSF-A,cm CSF-A", [0.3, 0.5])])
def test_depth_units_are_converted(project, write, ingest, header, units, expected):
    scale = {"cm": 100, "mm": 1000}["mm" if "mm" in header else "cm"]
    units_row = f",,{units},ppm\n" if units else ""
    path = write("a.csv", f"sample_id,core_id,{header},La (ppm)\n{units_row}S1,PC01,{0.3 * scale:g},{0.5 * scale:g},1\n")
    ingest(path)
    stored = project.sql("SELECT top_mbsf, bottom_mbsf FROM samples WHERE sample_id = 'S1'")
    assert stored.iloc[0].tolist() == pytest.approx(expected)


def test_depth_unit_from_mapping_file(project, write, ingest):
    path = write("a.csv", "sample_id,core_id,From,To,La (ppm)\nS1,PC01,30,50,1\n")
    mapping = {"columns": {"From": "top_mbsf", "To": "bottom_mbsf"}, "units": {"From": "cm", "To": "cm"}}
    ingest(path, mapping=mapping)
    assert project.sql("SELECT bottom_mbsf FROM samples")["bottom_mbsf"].tolist() == pytest.approx([0.5])


def test_mapped_depth_column_with_cm_units_row(project, write, ingest):
    path = write("a.csv", "sample_id,core_id,Top (cm),Bottom (cm),La\n,,cmbsf,cmbsf,ppm\nS1,PC01,351,360,1\n")
    mapping = {"columns": {"Top (cm)": "top_mbsf", "Bottom (cm)": "bottom_mbsf"}}
    ingest(path, mapping=mapping)
    assert project.sql("SELECT top_mbsf FROM samples")["top_mbsf"].tolist() == pytest.approx([3.51])


def test_contradicting_depth_units(write, ingest, refused):
    path = write("a.csv", "sample_id,core_id,Top (cm),Bottom (cm),La\n,,m,m,ppm\nS1,PC01,30,50,1\n")
    with refused(r"a\.csv, row 1, column 'Top \(cm\)': the depth unit 'm' \(units row\) contradicts 'cm' "
                 r"\(column name\)"):
        ingest(path)


def test_composite_depth_scale_is_refused(write, ingest, refused):
    path = write("a.csv", "sample_id,core_id,top,bottom,La\n,,m CCSF,m CCSF,ppm\nS1,PC01,0.3,0.5,1\n")
    with refused(r"a\.csv, row 1, column 'top': the depth unit 'm CCSF' \(units row\) is a composite \(CCSF/mcd\) "
                 r"depth"):
        ingest(path)


def test_unknown_depth_unit_is_refused(write, ingest, refused):
    path = write("a.csv", "sample_id,core_id,top,bottom,La\n,,furlong,furlong,ppm\nS1,PC01,0.3,0.5,1\n")
    with refused(r"row 1, column 'top': unknown depth unit 'furlong' \(units row\)"):
        ingest(path)


def test_iodp_collars_with_site_and_hole_join_iodp_sample_names(project, write):
    collars = write("holes.csv", "Exp,Site,Hole,Latitude,Longitude,Water depth (m)\n"
                                 "329,U1366,D,-26.05,-156.9,5128\n")
    samples = write("s.csv", "Sample,Top depth CSF-A (m),Bottom depth CSF-A (m),La (ppm)\n"
                             "U1366D-2H-3-W 50/52,9.5,9.52,120\n")
    ingest_files(project, [samples], collars=collars, mapping={"columns": {"Water depth (m)": "water_depth_m"}})
    stored = project.sql("SELECT s.sample_id, c.site, c.hole, c.latitude FROM samples s JOIN cores c USING (core_id)")
    assert stored.to_dict("records") == [{"sample_id": "U1366D-2H-3-W 50/52", "site": "U1366", "hole": "D",
                                          "latitude": -26.05}]


def test_collars_without_any_core_id_name_what_was_recognised(project, write, refused):
    path = write("c.csv", "Station name,Latitude,Longitude\nX,20,150\n")
    with refused(r"c\.csv, row 1: the file has collar columns \('Latitude', 'Longitude'\) but no core id: neither a "
                 r"core_id column nor both site and hole"):
        ingest_files(project, [path])


def test_absurdly_wide_file_is_refused_early(project, write, refused):
    path = write("wide.csv", ",".join(f"c{i}" for i in range(200_000)) + "\n" + ",".join("1" * 200_000) + "\n")
    with refused(r"wide\.csv, row 1: the header has more than 5,000 columns"):
        ingest_files(project, [path])


@pytest.mark.parametrize("dl_name", ["La_DL", "DL La", "La LOD (ppm)"])
def test_per_analyte_detection_limit_columns(project, write, ingest, dl_name):
    path = write("a.csv", f"sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm),{dl_name},Ce (ppm)\n"
                          "S1,PC01,0,0.5,bdl,0.05,3\nS2,PC01,0.5,1,12,0.04,4\n")
    report = ingest(path)[-1]
    assert dl_name not in report.unrecognised
    stored = project.sql("SELECT sample_id, value, detection_limit, censored FROM assays WHERE analyte = 'La' "
                         "ORDER BY sample_id")
    assert stored["detection_limit"].tolist() == [0.05, 0.04]
    assert stored["censored"].tolist() == [True, False] and stored["value"].iloc[1] == 12.0
