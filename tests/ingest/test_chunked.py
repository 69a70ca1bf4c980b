"""Chunked reading: a long table read in small chunks stores exactly what a whole-file read stores,
errors name the same file, row and column, and a failure in a late chunk leaves the store as it was."""

from __future__ import annotations

import hashlib
import re

import pandas as pd
import pytest

from reymud.ingest import IngestError, ReadLimits, ingest_files, parse_file, read_chunks
from reymud.store import Project

TINY = ReadLimits(chunk_bytes=1024)  # a few dozen rows per chunk
HEADER = "sample_id,core_id,top_mbsf,bottom_mbsf,sample_type,reference,lab,analyte,value,unit\n"
ANALYTES = ("La", "Ce", "Nd", "Y")


def _long(n_samples: int = 30) -> list[str]:
    """Long-table rows: regular samples, a CRM, a blank, and a duplicate whose parent
    is far above it (in another chunk)."""
    lines = []
    for i in range(n_samples):
        for k, analyte in enumerate(ANALYTES):
            value = "<0.05" if (i + k) % 7 == 0 else f"{10 + i + k * 0.5:g}"
            lines.append(f"S{i:03d},PC01,{i * 0.3:.1f},{i * 0.3 + 0.3:.1f},sample,,LabA,{analyte},{value},ppm\n")
    for analyte in ANALYTES:
        lines.append(f"JMS-2,,,,crm,JMS-2,LabA,{analyte},100,ppm\n")
        lines.append(f"S000d,,,,duplicate,S000,LabA,{analyte},11,ppm\n")
    for analyte in ANALYTES:
        lines.append(f"BLK,,,,blank,,LabA,{analyte},<0.01,ppm\n")
    return lines


def _stored(project: Project) -> tuple[pd.DataFrame, pd.DataFrame]:
    samples = project.sample_info().drop(columns=["sample_id"])  # QA/QC ids carry the file's checksum
    assays = project.assays().merge(project.sample_info()[["sample_id", "label"]], on="sample_id")
    assays = assays.drop(columns="sample_id").sort_values(["label", "analyte", "value"]).reset_index(drop=True)
    return samples.sort_values(["label", "top_mbsf"]).reset_index(drop=True), assays


def test_read_chunks_numbers_rows_of_the_whole_file(write):
    path = write("a.csv", "# a comment\n" + HEADER + "".join(_long(20)))
    chunks = list(read_chunks(path, limits=TINY))
    assert len(chunks) > 3
    starts = [c.attrs["first_data_row"] for c in chunks]
    assert starts[0] == 3  # the comment line counts as a row
    assert starts == [3 + sum(len(c) for c in chunks[:i]) for i in range(len(chunks))]
    whole = pd.concat(chunks, ignore_index=True)
    assert whole.equals(pd.read_csv(path, skiprows=1, dtype=str, keep_default_na=False))


def test_small_chunks_store_exactly_what_one_chunk_stores(tmp_path, demo_files, write):
    path = write("long.csv", HEADER + "".join(_long()))
    collars, _ = demo_files
    results = []
    for name, limits in (("whole", None), ("tiny", TINY)):
        project = Project.init(tmp_path / f"{name}.duckdb")
        reports = ingest_files(project, [path], collars=collars, limits=limits)
        results.append((reports[-1].values, reports[-1].samples, reports[-1].qaqc, reports[-1].censored,
                        *_stored(project)))
    whole, tiny = results
    assert whole[:4] == tiny[:4] == (len(_long()), 30, 3, whole[3])
    pd.testing.assert_frame_equal(whole[4], tiny[4])
    pd.testing.assert_frame_equal(whole[5], tiny[5])
    # the duplicate took its parent's core and interval although the parent was chunks earlier
    duplicate = tiny[4].loc[tiny[4]["label"] == "S000d"].iloc[0]
    assert (duplicate["core_id"], duplicate["top_mbsf"], duplicate["bottom_mbsf"]) == ("PC01", 0.0, 0.3)


@pytest.mark.parametrize(("edit", "message"), [
    # sample S001 given again far below with another depth
    (lambda lines: [*lines, "S001,PC01,9.9,10.2,sample,,LabA,Sm,3,ppm\n"],
     r"long\.csv, row 134, column 'top_mbsf': sample id 'S001' appears on rows 6 and 134 with different values"),
    # sample/analyte S002/La given again with another value
    (lambda lines: [*lines, "S002,PC01,0.6,0.9,sample,,LabA,La,99,ppm\n"],
     r"long\.csv, row 134, column 'value_raw': sample/analyte id 'S002 / La' appears on rows 10 and 134"),
    # a negative concentration in the last chunk
    (lambda lines: [*lines[:-1], "BLK,,,,blank,,LabA,Y,-3,ppm\n"],
     r"long\.csv, row 133, column 'value': negative"),
])
def test_errors_name_the_same_row_whatever_the_chunk_size(tmp_path, demo_files, write, edit, message):
    path = write("long.csv", HEADER + "".join(edit(_long())))
    collars, _ = demo_files
    for name, limits in (("whole", None), ("tiny", TINY)):
        project = Project.init(tmp_path / f"{name}.duckdb")
        ingest_files(project, [collars])
        before = hashlib.sha256(project.path.read_bytes()).hexdigest()
        with pytest.raises(IngestError, match=message):
            ingest_files(project, [path], limits=limits)
        assert hashlib.sha256(project.path.read_bytes()).hexdigest() == before  # byte-for-byte unchanged


def test_ragged_row_in_a_late_chunk_is_named(write):
    lines = _long(20)
    lines[70] = lines[70].rstrip("\n") + ",extra\n"
    path = write("long.csv", HEADER + "".join(lines))
    with pytest.raises(IngestError, match=r"long\.csv, row 72: the row has 11 fields but the header has 10"):
        parse_file(path, limits=TINY)


def _same_assays(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal assay rows whatever their order (chunks come row block by row block)."""
    def norm(frame):
        frame = frame.astype({c: object for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})
        return frame.astype({"value_raw": object}).sort_values(["sample_id", "analyte"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(norm(a), norm(b))


WIDE_HEAD = "sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm),Ce (ppm)\n"


def _wide_rows(n: int = 200) -> list[str]:
    return [f"S{i},PC01,{i * 0.3:.1f},{i * 0.3 + 0.3:.1f},{i + 1},{'<0.1' if i % 9 == 0 else i + 2}\n"
            for i in range(n)]


def test_wide_table_in_chunks_equals_whole(write):
    rows = _wide_rows()
    rows[-1] = "S199,PC01,59.7,60.0,200,bdl\n"
    path = write("wide.csv", WIDE_HEAD + "units,,m,m,ppm,ppm\nDL,,,,0.5,0.2\n" + "".join(rows))
    assert len(list(read_chunks(path, limits=TINY))) > 3
    whole, tiny = parse_file(path), parse_file(path, limits=TINY)
    assert tiny.n_rows == whole.n_rows == 201
    _same_assays(tiny.assays, whole.assays)
    pd.testing.assert_frame_equal(tiny.samples.reset_index(drop=True), whole.samples.reset_index(drop=True))
    # the detection-limit row of the first chunk gives the limit of a 'bdl' cell far below
    last = tiny.assays.loc[(tiny.assays["sample_id"] == "S199") & (tiny.assays["analyte"] == "Ce")]
    assert (last["censored"].tolist(), last["detection_limit"].tolist()) == ([True], [0.2])


@pytest.mark.parametrize("tail", ["DL,,,,0.5,0.2\n", "S3,PC01,0.9,1.2,4,5\n", "S3,PC01,0.9,1.2,4,6\n"])
def test_wide_rows_linked_across_chunks(write, tail):
    """A detection-limit row at the bottom, or a sample repeated far below (same or other values): the
    same rows or the same error whatever the chunk size (wide tables are joined before conversion)."""
    path = write("wide.csv", WIDE_HEAD + "".join(_wide_rows()) + tail)
    try:
        whole = parse_file(path)
    except IngestError as exc:
        with pytest.raises(IngestError, match=re.escape(str(exc))):
            parse_file(path, limits=TINY)
        assert "appears on rows 5 and 202" in str(exc)
        return
    tiny = parse_file(path, limits=TINY)
    _same_assays(tiny.assays, whole.assays)
    assert tiny.n_rows == whole.n_rows


def test_absurd_cell_is_refused_before_conversion(write):
    path = write("long.csv", HEADER + "".join(_long(3)) + "S9,PC01,1,2,sample,,LabA,La," + "9" * 200_000 + ",ppm\n")
    with pytest.raises(IngestError, match=r"long\.csv, row 26: a cell is longer than 131,072 characters"):
        parse_file(path)
    with pytest.raises(ValueError, match="chunk_bytes"):
        ReadLimits(chunk_bytes=10)


def test_too_many_rows_are_refused_as_the_reader_passes_them(write):
    path = write("long.csv", HEADER + "".join(_long()))
    with pytest.raises(IngestError, match=r"long\.csv, row 52: the table has more than 50 data rows\. Fix: split "):
        parse_file(path, limits=ReadLimits(chunk_bytes=1024, max_rows=50))
    with pytest.raises(IngestError, match=r"row 52: the table has more than 50 data rows"):  # one chunk
        parse_file(path, limits=ReadLimits(max_rows=50))
