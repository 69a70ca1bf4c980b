"""One density resolution with an explicit source (resource.config.DensitySpec) for assess and the CLI."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from reymud.assess import AssessConfig
from reymud.cli.main import app
from reymud.resource import DEFAULT_DENSITY_T_M3, ResourceConfig, blocks_table
from reymud.resource.config import DensitySpec


def _model() -> xr.Dataset:
    """Four 100 m blocks, 10 m thick, 1,000 ppm, no measured density (the default or a given one applies)."""
    dims, shape = ("northing", "easting"), (2, 2)
    data = {"total_rey_ppm": (dims, np.full(shape, 1000.0)), "thickness_m": (dims, np.full(shape, 10.0)),
            "overburden_m": (dims, np.zeros(shape)), "nearest_core_m": (dims, np.full(shape, 500.0)),
            "mean_distance_m": (dims, np.full(shape, 800.0)), "n_cores_in_search": (dims, np.full(shape, 4)),
            "slope_of_regression": (dims, np.full(shape, 0.9)), "kriging_efficiency": (dims, np.full(shape, 0.7)),
            "inside": (dims, np.ones(shape, dtype=bool))}
    return xr.Dataset(data, coords={"northing": [50.0, 150.0], "easting": [50.0, 150.0]},
                      attrs={"crs": "EPSG:32656", "cell_size_m": 100.0, "variogram_range_m": 3000.0,
                             "synthetic": "true", "window_top_mbsf": 0.0, "window_base_mbsf": 10.0})


def test_the_spec_says_where_the_density_comes_from():
    assert DensitySpec.resolve(None) == DensitySpec.default() and not DensitySpec.default().is_given
    given = DensitySpec.resolve(DEFAULT_DENSITY_T_M3, "--density")  # the default value, but stated: given
    assert given.is_given and given.blocks_density == DEFAULT_DENSITY_T_M3
    assert given.describe() == "0.55 t/m3 (given: --density)"
    measured = DensitySpec.measured([0.5, np.nan, 0.7])
    assert measured.source == "measured" and measured.value_t_m3 == pytest.approx(0.6)
    with pytest.raises(ValueError, match=r"dry bulk density \(--density\) = 7.0: .* \(0, 5\]"):
        DensitySpec.resolve(7.0, "--density")
    with pytest.raises(ValueError, match="source"):
        DensitySpec(0.5, "guessed")
    with pytest.raises(ValueError, match=r"AssessConfig\.density_t_m3"):  # the same bounds in assess
        AssessConfig(density_t_m3=7.0)


def test_a_yaml_density_equal_to_the_default_is_given(tmp_path):
    path = tmp_path / "resource.yaml"
    path.write_text("density_t_m3: 0.55\n")
    config = ResourceConfig.from_yaml(path)
    assert config.density.is_given and ResourceConfig().density.source == "default"
    assert ResourceConfig(density_t_m3=0.6).density.is_given  # a value other than the default is never "default"
    assert blocks_table(_model(), config.density.blocks_density).attrs["density_source"] == "0.55 t/m3 (given)"
    assert blocks_table(_model(), None).attrs["density_source"] == "0.55 t/m3 (stated default)"


@pytest.mark.parametrize(("args", "yaml", "expected"), [
    ([], None, "stated default"),
    (["--density", "0.55"], None, "given"),
    ([], "density_t_m3: 0.55\n", "given"),  # was reported as the default (guessed by comparing with 0.55)
])
def test_reymud_resource_reports_the_source(tmp_path, args, yaml, expected):
    nc = tmp_path / "bm.nc"
    _model().to_netcdf(nc)
    if yaml is not None:
        (tmp_path / "r.yaml").write_text(yaml)
        args = [*args, "--rules", str(tmp_path / "r.yaml")]
    result = CliRunner().invoke(app, ["resource", "--grid", str(nc), *args])
    assert result.exit_code == 0, result.output
    assert f"Density: 0.55 t/m3 ({expected})" in re.sub(r"\s+", " ", result.output)
