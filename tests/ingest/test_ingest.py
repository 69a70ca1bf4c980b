"""End-to-end ingest: layouts, formats, units, censoring, depths, QA/QC, idempotence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from reymud.elements import oxide_factors
from reymud.ingest import IngestError, ingest_files, read_table

HEAD = "sample_id,core_id,top_mbsf,bottom_mbsf"


def test_demo_style_files_load(project, demo_files):
    collars, assays = demo_files
    reports = ingest_files(project, [assays], collars=collars)
    assert [(r.file, r.status, r.kind) for r in reports] == [
        ("SYNTHETIC_collars.csv", "loaded", "collars"), ("SYNTHETIC_assays.csv", "loaded", "wide")]
    assay = reports[1]
    assert (assay.rows, assay.values, assay.censored, assay.samples, assay.qaqc) == (7, 35, 6, 3, 4)
    assert assay.unrecognised == ()
    assert project.metadata()["synthetic"] == "true"
    log = project.imports()
    assert json.loads(log["header_json"].iloc[1]) == ["SYNTHETIC DEMO DATA - test assays"]
    assert json.loads(log["mapping_json"].iloc[1])["columns"]["La (ppm)"] == "La [ppm]"
    samples = project.samples()
    assert samples["sample_id"].tolist() == ["PC01-001", "PC01-002", "PC02-001"]
    assert list(samples.columns) == ["sample_id", "core_id", "top_mbsf", "bottom_mbsf", "La", "Ce", "Y", "SiO2",
                                     "P2O5"]
    # '<0.05' -> censored with limit 0.05 -> half limit 0.025; 'bdl' -> limit unknown -> NaN
    assert samples.loc[0, "Ce"] == 0.025 and np.isnan(samples.loc[1, "Y"])
    assert samples.attrs["censored_counts"] == {"La": 0, "Ce": 1, "Y": 1, "SiO2": 0, "P2O5": 0}
    assert project.samples(censored="limit").loc[0, "Ce"] == 0.05
    assert project.samples(censored="zero").loc[0, "Ce"] == 0.0
    qc = project.qaqc()
    assert sorted(qc["qc_type"].unique()) == ["blank", "crm", "duplicate"]
    assert set(qc.loc[qc["qc_type"] == "crm", "reference"]) == {"JMS-2"}
    assert set(qc.loc[qc["qc_type"] == "duplicate", "reference"]) == {"PC01-002"}
    cores = project.cores()
    assert cores["core_id"].tolist() == ["PC01", "PC02"] and cores["water_depth_m"].tolist() == [5700, 5650]


def test_reingest_is_a_noop(project, demo_files):
    collars, assays = demo_files
    ingest_files(project, [assays], collars=collars)
    before = project.assays()
    reports = ingest_files(project, [assays], collars=collars)
    assert [r.status for r in reports] == ["skipped-duplicate", "skipped-duplicate"]
    pd.testing.assert_frame_equal(project.assays(), before)
    assert len(project.imports()) == 2


def test_unit_conversion_and_raw_values_kept(project, demo_files, write):
    collars, _ = demo_files
    path = write("u.csv", f"{HEAD},La [mg/kg],Ce ppb,Nd_ppm,Pr6O11 (wt%),Sm (ug/g),CaO (ppm),Eu (%)\n"
                          "S1,PC01,0,1,10,2500,3.5,0.1,4,5000,0.0001\n")
    ingest_files(project, [path], collars=collars)
    assays = project.assays().set_index("analyte")
    assert assays.loc["La", "value"] == 10.0 and assays.loc["La", "unit_raw"] == "mg/kg"
    assert assays.loc["Ce", "value"] == 2500 / 1000 and assays.loc["Ce", "value_raw"] == "2500"
    assert assays.loc["Pr", "value"] == 0.1 * 10000 / oxide_factors()["Pr"]
    assert assays.loc["CaO", ["value", "unit"]].tolist() == [0.5, "wt%"]
    assert assays.loc["Eu", "value"] == 1.0 and assays.loc["Sm", "value"] == 4.0
    assert set(assays["unit"]) == {"ppm", "wt%"}


def test_long_layout_with_detection_limit_column(project, demo_files, write):
    collars, _ = demo_files
    path = write("long.csv", f"{HEAD},analyte,value,unit,detection_limit,lab\n"
                             "S1,PC01,0,0.5,La,120,ppm,0.01,LabB\nS1,PC01,0,0.5,Ce,<0.05,ppm,0.05,LabB\n"
                             "S1,PC01,0,0.5,La2O3,0.02,wt%,,LabB\nS2,PC01,0.5,1,La,ND,ppb,10,LabB\n"
                             "S2,PC01,0.5,1,Ce,35,ppm,0.05,LabB\n"
                             .replace("S1,PC01,0,0.5,La2O3,0.02,wt%,,LabB\n", ""))
    reports = ingest_files(project, [path], collars=collars)
    assert reports[1].kind == "long" and reports[1].values == 4 and reports[1].censored == 2
    assays = project.assays().set_index(["sample_id", "analyte"])
    assert assays.loc[("S2", "La"), "detection_limit"] == 10 / 1000
    assert bool(assays.loc[("S2", "La"), "censored"]) and np.isnan(assays.loc[("S2", "La"), "value"])
    assert assays.loc[("S1", "La"), "lab"] == "LabB"
    wide = project.samples(censored="half_limit")
    assert wide.set_index("sample_id").loc["S2", "La"] == 0.005


def test_formats_give_the_same_project(tmp_path, demo_files):
    from reymud.store import Project

    collars, assays = demo_files
    frame = read_table(assays)
    frame.to_excel(tmp_path / "x.xlsx", index=False)
    frame.to_parquet(tmp_path / "x.parquet")
    frame.to_csv(tmp_path / "x.tsv", sep="\t", index=False)
    results = []
    for name in ("x.xlsx", "x.parquet", "x.tsv"):
        p = Project.init(tmp_path / f"{name}.duckdb")
        ingest_files(p, [tmp_path / name], collars=collars)
        results.append(p.samples())
    for other in results[1:]:
        pd.testing.assert_frame_equal(results[0], other)
    assert results[0].loc[0, "Ce"] == 0.025


def test_single_depth_iodp_names_and_collars_in_same_file(project, write):
    path = write("iodp.csv", "Sample,Depth CSF-A (m),Latitude,Longitude,Water depth (m),La (ppm)\n"
                             "U1366D-2H-3-W 50/52,9.51,-25.9,-156.8,5130,40\n"
                             "U1366D-2H-4-W 50/52,11.01,-25.9,-156.8,5130,45\n")
    reports = ingest_files(project, [path], mapping={"point_half_thickness_m": 0.01})
    assert reports[0].cores == 1
    info = project.sample_info()
    assert info["core_id"].tolist() == ["U1366D", "U1366D"]
    assert info["top_mbsf"].tolist() == pytest.approx([9.5, 11.0])
    assert info["bottom_mbsf"].tolist() == pytest.approx([9.52, 11.02])
    assert info[["iodp_core", "iodp_core_type", "iodp_section", "iodp_half"]].iloc[0].tolist() == ["2", "H", "3", "W"]
    assert project.cores()["water_depth_m"].tolist() == [5130]


def test_iodp_section_top_depth(project, write):
    path = write("sec.csv", "Sample,Section top depth CSF-A (m),lat,lon,La (ppm)\n"
                            "U1366D-2H-3-W 50/52,9.0,-25.9,-156.8,40\n")
    ingest_files(project, [path])
    row = project.sample_info().iloc[0]
    assert (row["top_mbsf"], row["bottom_mbsf"]) == pytest.approx((9.5, 9.52))


def test_iodp_names_without_depth_are_refused(project, write):
    path = write("nod.csv", "Sample,lat,lon,La (ppm)\nU1366D-2H-3-W 50/52,-25.9,-156.8,40\n")
    with pytest.raises(IngestError, match="IODP-style but intervals in cm need the section top depth"):
        ingest_files(project, [path])


def test_units_row_detection_limit_row_and_unrecognised(project, demo_files, write):
    collars, _ = demo_files
    path = write("lab.csv", f"{HEAD},sample_type,La,Ce,Remarks\n,,,,,ppm,ppb,\nDL,,,,,0.01,5,\n"
                            "S1,PC01,0,1,sample,12,<,ok\n".replace("<,", "n.d.,"))
    report = ingest_files(project, [path], collars=collars)[1]
    assert report.unrecognised == ("Remarks",)
    assays = project.assays().set_index("analyte")
    assert assays.loc["Ce", "detection_limit"] == 5 / 1000 and bool(assays.loc["Ce", "censored"])
    assert assays.loc["La", "detection_limit"] == 0.01 and assays.loc["La", "value"] == 12


def test_mapping_file(project, demo_files, write):
    collars, _ = demo_files
    path = write("odd.csv", "Specimen No.,Hole,Depth from,Depth to,Lanthanum,Cerium,Notes\n"
                            "S1,PC01,0,1,10,-0.5,x\n")
    mapping = write("m.yaml", "columns:\n  'Specimen No.': sample_id\n  Hole: core_id\n  'Depth from': top_mbsf\n"
                              "  'Depth to': bottom_mbsf\n  Lanthanum: {analyte: La, unit: ppm}\n"
                              "  Cerium: {analyte: Ce, unit: ppb}\n  Notes: ignore\n"
                              "negative_means_below_detection: true\n")
    report = ingest_files(project, [path], collars=collars, mapping=mapping)[1]
    assert report.unrecognised == () and report.censored == 1
    assays = project.assays().set_index("analyte")
    assert assays.loc["Ce", "detection_limit"] == 0.5 / 1000
    assert json.loads(project.imports()["mapping_json"].iloc[1])["columns"]["Notes"] == "ignore"


def test_bad_mapping_is_a_clear_error(project, write):
    with pytest.raises(IngestError, match=r"m\.yaml: column 'X' is mapped to 'sampleid', which is not a role"):
        ingest_files(project, [], mapping=write("m.yaml", "columns:\n  X: sampleid\n"))


def test_identical_repeated_rows_are_merged(project, demo_files, write):
    collars, _ = demo_files
    path = write("r.csv", f"{HEAD},La (ppm)\nS1,PC01,0,1,5\nS1,PC01,0,1,5\n")
    assert ingest_files(project, [path], collars=collars)[1].samples == 1


def test_second_file_adds_analytes_to_stored_samples(project, demo_files, write):
    collars, _ = demo_files
    ingest_files(project, [write("a.csv", f"{HEAD},La (ppm)\nS1,PC01,0,1,5\n")], collars=collars)
    ingest_files(project, [write("b.csv", f"{HEAD},Ce (ppm)\nS1,PC01,0,1,7\n")])
    assert project.samples()[["La", "Ce"]].iloc[0].tolist() == [5, 7]
