"""Shared fixtures for the ingest tests: a fresh project and small lab files."""

from __future__ import annotations

import pytest

from reymud.store import Project

COLLARS = """# SYNTHETIC DEMO DATA - test collars
core_id,cruise,site,hole,latitude,longitude,water_depth_m,core_length_m,recovery
PC01,KR13,S1,A,21.9,153.7,5700,12.5,0.95
PC02,KR13,S2,A,22.0,153.9,5650,11.0,0.9
"""

ASSAYS = """# SYNTHETIC DEMO DATA - test assays
sample_id,core_id,top_mbsf,bottom_mbsf,sample_type,reference,lab,method,La (ppm),Ce (ppm),Y (ppm),SiO2 (wt%),P2O5 (wt%)
PC01-001,PC01,0.0,0.3,sample,,LabA,ICP-MS,100,<0.05,300,50.1,1.2
PC01-002,PC01,0.3,0.6,sample,,LabA,ICP-MS,200,80,bdl,49.0,2.5
PC02-001,PC02,0.0,0.4,sample,,LabA,ICP-MS,150,70,350,51.0,1.0
PC01-002d,PC01,0.3,0.6,duplicate,PC01-002,LabA,ICP-MS,210,82,405,48.0,2.4
JMS-2,,,,crm,JMS-2,LabA,ICP-MS,180,60,250,45,3
JMS-2,,,,crm,JMS-2,LabA,ICP-MS,190,62,260,45.5,3.1
BLK,,,,blank,,LabA,ICP-MS,<0.01,0.02,<0.01,<0.01,<0.01
"""


@pytest.fixture
def project(tmp_path):
    """An empty project in a temporary folder."""
    return Project.init(tmp_path / "test.duckdb")


@pytest.fixture
def write(tmp_path):
    """Write text to a file in tmp_path and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_text(text, encoding=encoding)
        return path

    return _write


@pytest.fixture
def demo_files(write):
    """A collar file and a wide assay file in the demo generator's style."""
    return write("SYNTHETIC_collars.csv", COLLARS), write("SYNTHETIC_assays.csv", ASSAYS)
