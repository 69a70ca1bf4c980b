"""Block-model exchange formats, each read back by its reference reader (or the format's own spec)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from reymud.spatial.exchange import (
    EXPORT_FORMATS,
    GSLIB_MISSING,
    blocks_frame,
    check_extension,
    export_block_model,
)

CRS = "EPSG:32654"


def _model(depths: list[float] | None = None) -> xr.Dataset:
    rng = np.random.default_rng(3)
    east = 500_000.0 + 1_000.0 * np.arange(4)
    north = 2_600_000.0 + 1_000.0 * np.arange(3)[::-1]  # descending on purpose
    shape = (len(north), len(east))
    grade = rng.uniform(300, 3000, shape)
    grade[0, 0] = np.nan
    cls = np.array([["measured", "indicated", "inferred", "unclassified"]] * 3)
    ds = xr.Dataset(
        {"total_rey_ppm": (("northing", "easting"), grade),
         "La_ppm": (("northing", "easting"), grade / 10),
         "n_samples": (("northing", "easting"), rng.integers(0, 9, shape)),
         "inside": (("northing", "easting"), grade > 1000),
         "resource_class": (("northing", "easting"), cls)},
        coords={"easting": east, "northing": north},
        attrs={"crs": CRS, "cell_size_m": 1000.0, "window_top_mbsf": 0.0, "window_base_mbsf": 10.0,
               "synthetic": "true"})
    if depths:
        ds = ds.expand_dims(depth_mbsf=depths).copy()
        ds["thickness_m"] = (("depth_mbsf", "northing", "easting"),
                             np.arange(len(depths) * 12, dtype=float).reshape(len(depths), 3, 4))
        ds.attrs["slice_thickness_m"] = 2.0
    return ds


def _value(ds, var, x, y, depth=None):
    sel = ds[var].sel(easting=x, northing=y)
    return sel.sel(depth_mbsf=depth) if depth is not None else sel


def test_csv_has_datamine_columns_and_every_variable(tmp_path):
    ds = _model()
    path, = export_block_model(ds, tmp_path / "bm.csv", "csv")
    assert path.read_text().startswith("# SYNTHETIC DEMO DATA")
    df = pd.read_csv(path, comment="#")
    assert list(df.columns[:6]) == ["XC", "YC", "ZC", "XINC", "YINC", "ZINC"]
    assert set(ds.data_vars) <= set(df.columns)
    assert len(df) == 12 and (df["XINC"] == 1000).all() and (df["ZINC"] == 10).all() and (df["ZC"] == -5).all()
    row = df[(df.XC == 501_000) & (df.YC == 2_601_000)].iloc[0]
    assert row["total_rey_ppm"] == pytest.approx(float(_value(ds, "total_rey_ppm", 501_000, 2_601_000)))
    assert row["resource_class"] == "indicated"
    assert df["total_rey_ppm"].isna().sum() == 1  # the one unestimated block is an empty field
    assert path.read_text().splitlines()[1].startswith("XC,YC,ZC,XINC,YINC,ZINC,")
    # x fastest, then y ascending
    assert df["XC"].iloc[:4].is_monotonic_increasing and df["YC"].iloc[0] < df["YC"].iloc[-1]


def test_gslib_geoeas_header_and_missing_values(tmp_path):
    ds = _model()
    path, = export_block_model(ds, tmp_path / "bm.dat", "gslib")
    lines = path.read_text().splitlines()
    nvar = int(lines[1])
    names = lines[2:2 + nvar]
    assert names[:3] == ["X", "Y", "Z"] and "resource_class" in names and "inside" in names
    assert "4 500000 1000 3 2.6e+06 1000 1 -5 10" in lines[0]
    data = np.loadtxt(lines[2 + nvar:])
    assert data.shape == (12, nvar)
    col = {n: i for i, n in enumerate(names)}
    # the NaN block (north-west corner: easting min, northing max) is written as -999
    nw = (data[:, col["X"]] == 500_000) & (data[:, col["Y"]] == 2_602_000)
    assert data[nw, col["total_rey_ppm"]][0] == GSLIB_MISSING
    assert set(data[:, col["resource_class"]]) == {0, 1, 2, 3}


def test_vtk_read_back_by_meshio(tmp_path):
    import meshio

    ds = _model(depths=[1.0, 3.0])
    for ext in EXPORT_FORMATS["vtk"]:
        path, = export_block_model(ds, tmp_path / f"bm{ext}", "vtk")
        mesh = meshio.read(path)
        assert mesh.cells[0].type == "hexahedron" and len(mesh.cells[0].data) == 24
        centres = mesh.points[mesh.cells[0].data].mean(axis=1)
        frame = blocks_frame(ds, class_as_text=False)
        np.testing.assert_allclose(centres, frame[["XC", "YC", "ZC"]].to_numpy())
        np.testing.assert_array_equal(mesh.cell_data["thickness_m"][0], frame["thickness_m"].to_numpy())
        assert set(ds.data_vars) <= set(mesh.cell_data)
        # the shallow slice (1 mbsf) is on top: z of its centre is -1
        top = centres[:, 2] == -1.0
        assert top.sum() == 12


def test_geotiff_per_variable_read_back_by_rasterio(tmp_path):
    import rasterio

    ds = _model()
    paths = export_block_model(ds, tmp_path / "bm.tif", "geotiff")
    assert {p.name for p in paths} == {f"bm_{v}.tif" for v in ds.data_vars}
    with rasterio.open(tmp_path / "bm_total_rey_ppm.tif") as src:
        assert src.crs.to_epsg() == 32654
        assert (src.width, src.height) == (4, 3)
        band = src.read(1)
        assert src.transform.e < 0  # north-up
        x, y = src.xy(0, 1)  # top row = northernmost
        assert (x, y) == (501_000.0, 2_602_000.0)
        assert band[0, 1] == pytest.approx(float(_value(ds, "total_rey_ppm", x, y)), rel=1e-6)
        assert np.isnan(band[0, 0])
    with rasterio.open(tmp_path / "bm_resource_class.tif") as src:
        assert "0=measured" in src.tags()["class_codes"]
        assert list(src.read(1)[0]) == [0, 1, 2, 3]


def test_geotiff_3d_has_one_band_per_slice(tmp_path):
    import rasterio

    ds = _model(depths=[1.0, 3.0])
    export_block_model(ds, tmp_path / "bm.tif", "geotiff")
    with rasterio.open(tmp_path / "bm_thickness_m.tif") as src:
        assert src.count == 2
        assert src.descriptions == ("thickness_m at 1 mbsf", "thickness_m at 3 mbsf")
        expected = ds["thickness_m"].sel(depth_mbsf=3.0).sortby("northing", ascending=False)
        np.testing.assert_allclose(src.read(2), expected.sortby("easting").values)


def test_geotiff_needs_a_crs(tmp_path):
    ds = _model()
    ds.attrs.pop("crs")
    with pytest.raises(ValueError, match="crs"):
        export_block_model(ds, tmp_path / "bm.tif", "geotiff")


@pytest.mark.parametrize(("name", "fmt"), [("bm.tif", "csv"), ("bm.nc", "gslib"), ("bm.csv", "vtk"),
                                            ("bm", "geotiff")])
def test_extension_must_match_format(tmp_path, name, fmt):
    with pytest.raises(ValueError, match=f"a {fmt} file must end in"):
        check_extension(tmp_path / name, fmt)
    with pytest.raises(ValueError, match="unknown block-model format"):
        check_extension(tmp_path / "bm.omf", "omf")


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    """A small demo project assessed once (block model + blocks table with classes in the project)."""
    from reymud.assess import AssessConfig, assess
    from reymud.demo import demo_project

    folder = tmp_path_factory.mktemp("exchange")
    project = demo_project(folder / "demo.duckdb", n_cores=8)
    assess(project, folder / "out", config=AssessConfig.from_dict(
        {"cell_m": 2_000.0, "sim_cell_m": 4_000.0, "n_realizations": 2, "use_dask": False, "cv_folds": 4,
         "max_samples": 6, "margin_m": 2_000.0}), report=False)
    project.close()
    return folder / "demo.duckdb"


def _cli(*args):
    from typer.testing import CliRunner

    from reymud.cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_export_blocks_every_format_with_classes(assessed, tmp_path):
    import meshio

    model = xr.open_dataset(assessed.parent / "demo.duckdb.files" / "block_model_2d.nc")
    n_blocks = model.sizes["easting"] * model.sizes["northing"]
    res = _cli("export", assessed, "--what", "blocks", "--format", "csv", "--out", tmp_path / "bm.csv")
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "bm.csv", comment="#")
    inside = df["inside"].astype(str).str.lower().isin(["true", "1"])
    # every block inside the area of interest is classified; grid cells outside it (issue 8 clipping) are not
    assert len(df) == n_blocks and inside.any() and df.loc[inside, "resource_class"].notna().all()
    assert {"kriging_efficiency", "slope_of_regression", "dry_t", "La_ppm", "inside"} <= set(df.columns)
    res = _cli("export", assessed, "--what", "blocks", "--format", "vtk", "--out", tmp_path / "bm.vtu")
    assert res.exit_code == 0, res.output
    assert "resource_class" in meshio.read(tmp_path / "bm.vtu").cell_data
    res = _cli("export", assessed, "--what", "blocks", "--format", "geotiff", "--out", tmp_path / "bm.tif")
    assert res.exit_code == 0 and (tmp_path / "bm_thickness_m.tif").exists()


def test_cli_export_refuses_mismatched_extension_and_keeps_tables(assessed, tmp_path):
    res = _cli("export", assessed, "--what", "blocks", "--format", "gslib", "--out", tmp_path / "bm.tif")
    assert res.exit_code == 2 and "a gslib file must end in" in res.output and not (tmp_path / "bm.tif").exists()
    res = _cli("export", assessed, "--format", "parquet", "--out", tmp_path / "tables")
    assert res.exit_code == 0 and (tmp_path / "tables" / "SYNTHETIC_samples.parquet").exists()
    res = _cli("export", assessed, "--format", "gslib")
    assert res.exit_code == 2 and "--what blocks" in res.output
    res = _cli("export", assessed, "--what", "blocks", "--format", "omf", "--out", tmp_path / "bm.omf")
    assert res.exit_code == 2 and "properties==0.6.0b0" in res.output


def test_estimate_refuses_a_tif_out_before_writing(assessed, tmp_path):
    res = _cli("estimate", assessed, "--out", tmp_path / "bm.tif")
    assert res.exit_code == 2 and "NetCDF" in res.output and not (tmp_path / "bm.tif").exists()
