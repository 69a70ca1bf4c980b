"""Shared fixtures for the ingest tests: a fresh project, small lab files and the ingest call."""

from __future__ import annotations

import pytest

from reymud.ingest import IngestError, ingest_files
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

#: Header of the small wide assay files the refusal tests write (``assays`` fixture).
ASSAY_HEADER = "sample_id,core_id,top_mbsf,bottom_mbsf,La (ppm),Ce (ppm)\n"


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


@pytest.fixture
def assays(write):
    """Write a wide assay file: :data:`ASSAY_HEADER`, then ``rows`` (CSV text); return its path."""

    def _assays(name: str, rows: str = "", encoding: str = "utf-8"):
        return write(name, ASSAY_HEADER + rows, encoding=encoding)

    return _assays


@pytest.fixture
def ingest(project, demo_files):
    """Ingest one file into ``project`` with the demo collar file (cores PC01, PC02); return the reports."""
    collars, _ = demo_files

    def _ingest(path, **kw):
        return ingest_files(project, [path], collars=collars, **kw)

    return _ingest


@pytest.fixture
def refused():
    """``refused(pattern)``: expect an :class:`~reymud.ingest.IngestError` whose message matches ``pattern``."""

    def _refused(match: str):
        return pytest.raises(IngestError, match=match)

    return _refused
