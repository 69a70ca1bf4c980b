"""A measured dry bulk density column is recognised, stored and read back as dry_density_g_cm3."""

from __future__ import annotations

import numpy as np
import pytest

from reymud.ingest import IngestError, ingest_files
from reymud.ingest.columns import recognise_column

ASSAYS = """sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm),Ce (ppm),{density}
S1,C1,0,0.5,100,50,0.55
S2,C1,0.5,1.0,200,60,
S3,C1,1.0,1.5,300,70,{third}
"""
COLLARS = "core_id,latitude,longitude,core_length_m\nC1,22.0,153.8,2.0\n"


@pytest.mark.parametrize("header", ["Dry bulk density (g/cm3)", "dry_density_g_cm3", "DBD (g/cm3)",
                                    "Dry bulk density [t/m3]"])
def test_density_headers_are_recognised(header):
    assert recognise_column(header).role == "dry_density_g_cm3"


def test_density_is_stored_and_read_back(project, write):
    assays = write("a.csv", ASSAYS.format(density="Dry bulk density (g/cm3)", third="0.61"))
    reports = ingest_files(project, [assays], collars=write("c.csv", COLLARS))
    assert reports[-1].mapping["Dry bulk density (g/cm3)"] == "dry_density_g_cm3"
    samples = project.samples()
    np.testing.assert_allclose(samples["dry_density_g_cm3"].to_numpy(), [0.55, np.nan, 0.61])
    assert samples["La"].tolist() == [100.0, 200.0, 300.0]


def test_density_in_kg_m3_is_an_error_naming_row_and_column(project, write):
    assays = write("a.csv", ASSAYS.format(density="dry_density_g_cm3", third="610"))
    with pytest.raises(IngestError, match=r"outside 0\.1-3\.0 g/cm3") as err:
        ingest_files(project, [assays], collars=write("c.csv", COLLARS))
    assert err.value.row == 4 and err.value.column == "dry_density_g_cm3" and err.value.file == "a.csv"
