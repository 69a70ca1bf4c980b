"""A small real assessment shared by the report tests (demo project, quick configuration)."""

from __future__ import annotations

import pytest

SMALL_ASSESS = {"cell_m": 2_000.0, "sim_cell_m": 4_000.0, "n_realizations": 2, "use_dask": False,
                "cv_folds": 4, "max_samples": 6, "margin_m": 2_000.0}


@pytest.fixture(scope="session")
def assessed_result(tmp_path_factory):
    """``(AssessResult, out_dir)`` of an assessment of an 8-core demo project (report written as the CLI does)."""
    from reymud.assess import AssessConfig, assess
    from reymud.demo import demo_project
    from reymud.report import write_report

    folder = tmp_path_factory.mktemp("report")
    project = demo_project(folder / "demo.duckdb", n_cores=8)
    config = AssessConfig.from_dict(SMALL_ASSESS)
    result = assess(project, folder / "out", config=config)
    project.close()
    write_report(result, folder / "out" / "report.html", max_cells=config.max_display_cells)
    return result, folder / "out"
