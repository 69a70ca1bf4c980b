"""Block-model exchange formats: GSLIB (GeoEAS), VTK, GeoTIFF and block-model CSV.

A reymud BLOCK MODEL (see ``docs/CONTRACTS.md``) is an :class:`xarray.Dataset` on ``("northing", "easting")``
(2-D) or ``("depth_mbsf", "northing", "easting")`` (3-D depth slices). These writers put every variable of
it (grades, thickness, variances, search diagnostics, ``inside``, and a ``resource_class`` variable when one
is present) into the files that mining and GIS packages import:

- ``gslib``: GeoEAS/GSLIB point file (title, number of variables, one name a line, then values) with
  ``X Y Z`` block centroids, x fastest then y then z (the GSLIB grid order), missing values ``-999``.
- ``vtk``: an unstructured grid of hexahedral blocks with cell data (``.vtu`` XML or ``.vtk`` legacy, via
  meshio), opened directly by ParaView.
- ``geotiff``: one single-band (2-D) or one-band-per-slice (3-D) GeoTIFF per variable with the CRS, via
  rioxarray, north-up.
- ``csv``: block-model CSV with centroids ``XC, YC, ZC``, block sizes ``XINC, YINC, ZINC`` and the
  attributes (the Datamine field names; Leapfrog maps the same columns on import).

Vertical convention: the model's depths are metres below the seafloor, so ``Z`` (``ZC``) is
``-depth_mbsf`` of the block centre (metres, positive up, datum = seafloor), and ``ZINC`` is the slice
(or window) thickness. A 2-D model is one block layer spanning ``window_top_mbsf`` to ``window_base_mbsf``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from reymud.defaults import CLASSES

__all__ = ["EXPORT_FORMATS", "BlockGeometry", "attach_blocks_table", "block_geometry", "blocks_frame", "check_extension",
           "export_block_model", "write_block_csv", "write_geotiff", "write_gslib", "write_vtk"]

#: format -> accepted file extensions (lower case, first one is the default)
EXPORT_FORMATS: dict[str, tuple[str, ...]] = {
    "gslib": (".dat", ".gslib", ".gsl", ".txt"),
    "vtk": (".vtu", ".vtk"),
    "geotiff": (".tif", ".tiff"),
    "csv": (".csv",),
}
#: value written for missing (NaN) numbers in GSLIB files (the GSLIB convention)
GSLIB_MISSING = -999.0
#: variable holding the resource class, written as a code (GSLIB, VTK, GeoTIFF) or text (CSV)
CLASS_VARIABLE = "resource_class"


@dataclass(frozen=True)
class BlockGeometry:
    """Block centres and sizes of a block model, in metres (z positive up, datum = seafloor).

    Attributes
    ----------
    x, y, z : numpy.ndarray
        Sorted (ascending) centre coordinates along each axis.
    dx, dy, dz : numpy.ndarray
        Block size along each axis, one value per centre.
    """

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    dz: np.ndarray


def _sizes(centres: np.ndarray, fallback: float) -> np.ndarray:
    if len(centres) > 1:
        step = float(np.median(np.diff(centres)))
        return np.full(len(centres), abs(step))
    return np.full(len(centres), float(fallback))


def _depth_axis(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Centre depth (mbsf) and thickness (m) of each block layer."""
    if "depth_mbsf" in ds.dims:
        depth = np.asarray(ds["depth_mbsf"].values, float)
        thick = ds.attrs.get("slice_thickness_m")
        size = np.full(len(depth), float(thick)) if thick is not None else _sizes(depth, 1.0)
        return depth, size
    top = float(ds.attrs.get("window_top_mbsf", 0.0))
    base = float(ds.attrs.get("window_base_mbsf", top + 1.0))
    return np.array([(top + base) / 2.0]), np.array([base - top])


def _sorted(ds: xr.Dataset) -> xr.Dataset:
    for axis in ("easting", "northing", "depth_mbsf"):
        if axis not in ds.dims:
            continue
        if axis == "depth_mbsf":  # z up = shallowest last, so sort depth descending
            ds = ds.sortby(axis, ascending=False)
        else:
            ds = ds.sortby(axis)
    return ds


def _check_model(ds: xr.Dataset) -> None:
    missing = {"easting", "northing"} - set(ds.dims)
    if missing:
        raise ValueError(f"block model has no {sorted(missing)} dimension(s); dims are {list(ds.dims)} "
                         "(a reymud BLOCK MODEL has dims ('northing', 'easting') or with a leading 'depth_mbsf')")


def block_geometry(ds: xr.Dataset) -> BlockGeometry:
    """Centres and sizes of the blocks of ``ds`` (sorted ascending; z = -depth_mbsf).

    Parameters
    ----------
    ds : xarray.Dataset
        A reymud BLOCK MODEL.

    Returns
    -------
    BlockGeometry

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"thickness_m": (("northing", "easting"), np.ones((2, 3)))},
    ...                 coords={"northing": [50.0, 150.0], "easting": [0.0, 100.0, 200.0]},
    ...                 attrs={"window_top_mbsf": 0.0, "window_base_mbsf": 10.0})
    >>> g = block_geometry(ds)
    >>> g.dx[0], g.dy[0], g.z[0], g.dz[0]
    (np.float64(100.0), np.float64(100.0), np.float64(-5.0), np.float64(10.0))
    """
    _check_model(ds)
    ds = _sorted(ds)
    cell = float(ds.attrs.get("cell_size_m", 1.0))
    x = np.asarray(ds["easting"].values, float)
    y = np.asarray(ds["northing"].values, float)
    depth, thick = _depth_axis(ds)
    order = np.argsort(-depth)
    return BlockGeometry(x, y, -depth[order], _sizes(x, cell), _sizes(y, cell), thick[order])


def _class_codes(values: np.ndarray) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(CLASSES)}
    flat = [lookup.get(str(v), -1) for v in np.ravel(values)]
    return np.asarray(flat, np.int16).reshape(np.shape(values))


def _class_legend() -> str:
    return ", ".join(f"{i}={name}" for i, name in enumerate(CLASSES)) + ", -1=none"


def _numeric(da: xr.DataArray) -> np.ndarray:
    """Values of a variable as numbers (bool -> 0/1, class names -> codes)."""
    if da.name == CLASS_VARIABLE or da.dtype.kind in "OUS":
        return _class_codes(da.values).astype(float)
    return np.asarray(da.values, dtype=float)


def _variables(ds: xr.Dataset) -> list[str]:
    dims = {"easting", "northing"}
    return [str(n) for n in ds.data_vars if dims <= set(ds[n].dims) and n != "spatial_ref"]


def blocks_frame(ds: xr.Dataset, class_as_text: bool = True) -> pd.DataFrame:
    """One row per block: ``XC, YC, ZC, XINC, YINC, ZINC`` then every variable of the model.

    Rows run x fastest, then y, then z (bottom layer first), the GSLIB grid order.

    Parameters
    ----------
    ds : xarray.Dataset
        A reymud BLOCK MODEL (2-D or 3-D).
    class_as_text : bool
        Keep ``resource_class`` as its name (``measured`` ...); else its integer code.

    Returns
    -------
    pandas.DataFrame
    """
    _check_model(ds)
    ds = _sorted(ds)
    geom = block_geometry(ds)
    zi, yi, xi = np.meshgrid(np.arange(len(geom.z)), np.arange(len(geom.y)), np.arange(len(geom.x)),
                             indexing="ij")
    out = {"XC": geom.x[xi.ravel()], "YC": geom.y[yi.ravel()], "ZC": geom.z[zi.ravel()],
           "XINC": geom.dx[xi.ravel()], "YINC": geom.dy[yi.ravel()], "ZINC": geom.dz[zi.ravel()]}
    layered = "depth_mbsf" in ds.dims
    for name in _variables(ds):
        da = ds[name]
        if layered and "depth_mbsf" not in da.dims:
            da = da.expand_dims(depth_mbsf=ds["depth_mbsf"].values)
        da = da.transpose(*([d for d in ("depth_mbsf",) if layered] + ["northing", "easting"]))
        if name == CLASS_VARIABLE and class_as_text:
            out[name] = np.asarray(da.values).astype(str).ravel()
        else:
            out[name] = _numeric(da).ravel()
    return pd.DataFrame(out)


def check_extension(path: str | Path, format: str) -> Path:
    """Refuse an output path whose extension does not match ``format``.

    Raises
    ------
    ValueError
        Unknown format, or extension not one of the format's (naming both).

    Examples
    --------
    >>> check_extension("bm.vtu", "vtk").name
    'bm.vtu'
    >>> check_extension("bm.tif", "csv")
    Traceback (most recent call last):
    ...
    ValueError: --out bm.tif: a csv file must end in .csv (got '.tif')
    """
    path = Path(path)
    if format not in EXPORT_FORMATS:
        raise ValueError(f"unknown block-model format {format!r}: use one of {', '.join(EXPORT_FORMATS)}")
    allowed = EXPORT_FORMATS[format]
    if path.suffix.lower() not in allowed:
        raise ValueError(f"--out {path}: a {format} file must end in {' or '.join(allowed)} "
                         f"(got {path.suffix or 'no extension'!r})")
    return path


def write_block_csv(ds: xr.Dataset, path: str | Path) -> Path:
    """Block-model CSV: ``XC, YC, ZC, XINC, YINC, ZINC`` + attributes (Datamine names; Leapfrog imports it).

    A first ``#`` comment line states the CRS, the vertical datum and, for synthetic data, that it is synthetic.
    """
    path = Path(path)
    frame = blocks_frame(ds)
    crs = ds.attrs.get("crs", "unknown")
    note = "SYNTHETIC DEMO DATA - " if str(ds.attrs.get("synthetic", "false")) == "true" else ""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, "wb") as fh:
        fh.write(f"# {note}reymud block model; CRS {crs}; ZC = -depth below seafloor (m); empty = not estimated\n"
                 .encode())
        # pyarrow writes NaN as an empty field and is ~10x faster than DataFrame.to_csv on a million blocks
        fh.write((",".join(frame.columns) + "\n").encode())
        pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), fh,
                        pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return path


def write_gslib(ds: xr.Dataset, path: str | Path) -> Path:
    """GSLIB / GeoEAS file: title, number of variables, names, then one row per block (x fastest).

    The title carries the grid definition (``nx xmn xsiz ny ymn ysiz nz zmn zsiz``), the CRS and the class
    legend; missing values are ``-999``.
    """
    path = Path(path)
    frame = blocks_frame(ds, class_as_text=False).drop(columns=["XINC", "YINC", "ZINC"])
    frame = frame.rename(columns={"XC": "X", "YC": "Y", "ZC": "Z"})
    geom = block_geometry(ds)
    grid = " ".join(f"{len(c)} {c[0]:.6g} {s[0]:.6g}" for c, s in
                    ((geom.x, geom.dx), (geom.y, geom.dy), (geom.z, geom.dz)))
    title = (f"reymud block model; grid (n min size per axis x y z): {grid}; CRS {ds.attrs.get('crs', 'unknown')}; "
             f"{CLASS_VARIABLE} codes {_class_legend()}; missing {GSLIB_MISSING:g}")
    values = frame.to_numpy(float)
    values = np.where(np.isfinite(values), values, GSLIB_MISSING)
    with open(path, "w", encoding="ascii") as fh:
        fh.write(title + "\n")
        fh.write(f"{frame.shape[1]}\n")
        for name in frame.columns:
            fh.write(f"{name}\n")
        np.savetxt(fh, values, fmt="%.8g", delimiter=" ")
    return path


def write_vtk(ds: xr.Dataset, path: str | Path) -> Path:
    """Hexahedral blocks with cell data, via meshio (``.vtu`` XML or ``.vtk`` legacy; ParaView opens both)."""
    import meshio

    path = Path(path)
    geom = block_geometry(ds)
    frame = blocks_frame(ds, class_as_text=False)
    edges = [np.concatenate([c - s / 2, [c[-1] + s[-1] / 2]]) for c, s in
             ((geom.x, geom.dx), (geom.y, geom.dy), (geom.z, geom.dz))]
    nx, ny = len(geom.x), len(geom.y)
    zz, yy, xx = np.meshgrid(edges[2], edges[1], edges[0], indexing="ij")
    points = np.column_stack([xx.ravel(), yy.ravel(), zz.ravel()])

    def node(i, j, k):
        return (k * (ny + 1) + j) * (nx + 1) + i

    k, j, i = np.meshgrid(np.arange(len(geom.z)), np.arange(ny), np.arange(nx), indexing="ij")
    i, j, k = i.ravel(), j.ravel(), k.ravel()
    cells = np.column_stack([node(i, j, k), node(i + 1, j, k), node(i + 1, j + 1, k), node(i, j + 1, k),
                             node(i, j, k + 1), node(i + 1, j, k + 1), node(i + 1, j + 1, k + 1),
                             node(i, j + 1, k + 1)])
    attrs = [c for c in frame.columns if c not in ("XC", "YC", "ZC", "XINC", "YINC", "ZINC")]
    cell_data = {name: [frame[name].to_numpy(float)] for name in attrs}
    mesh = meshio.Mesh(points, [("hexahedron", cells)], cell_data=cell_data)
    if path.suffix.lower() == ".vtk":
        meshio.write(path, mesh, file_format="vtk", binary=True)
    else:
        meshio.write(path, mesh, file_format="vtu")
    return path


def write_geotiff(ds: xr.Dataset, path: str | Path, variables: Sequence[str] | None = None) -> list[Path]:
    """One GeoTIFF per variable (``<stem>_<variable>.tif``), north-up, with the model's CRS, via rioxarray.

    A 3-D model gives one band per depth slice (band description = slice centre in mbsf). ``inside`` is
    written as 0/1 and ``resource_class`` as its integer code (legend in the file's tags); missing = NaN.

    Returns
    -------
    list of Path
        The files written, in variable order.
    """
    import rioxarray  # noqa: F401  (registers the .rio accessor)

    path = Path(path)
    _check_model(ds)
    crs = ds.attrs.get("crs")
    if not crs:
        raise ValueError("block model has no 'crs' attribute: a GeoTIFF needs the projected CRS")
    ds = ds.sortby("easting").sortby("northing", ascending=False)
    written = []
    for name in variables or _variables(ds):
        da = ds[name]
        data = xr.DataArray(_numeric(da).astype("float32"), dims=da.dims, coords={d: ds[d] for d in da.dims})
        depths = list(np.asarray(ds["depth_mbsf"].values, float)) if "depth_mbsf" in da.dims else None
        if "depth_mbsf" in data.dims:
            data = data.rename(depth_mbsf="band").assign_coords(band=np.arange(1, data.sizes["depth_mbsf"] + 1))
        data = data.rio.set_spatial_dims(x_dim="easting", y_dim="northing").rio.write_crs(crs)
        data = data.rio.write_nodata(np.nan, encoded=False)
        data.attrs.update(variable=name, units=str(da.attrs.get("units", "")), created_by="reymud")
        if name == CLASS_VARIABLE:
            data.attrs["class_codes"] = _class_legend()
        target = path.with_name(f"{path.stem}_{name}{path.suffix}")
        with warnings.catch_warnings():  # rioxarray 0.19 multiplies Affine objects with `*` (affine 3 asks `@`)
            warnings.filterwarnings("ignore", category=PendingDeprecationWarning, module="rioxarray")
            data.rio.to_raster(target, driver="GTiff", compress="deflate")
        _describe_bands(target, name, depths)
        written.append(target)
    return written


def attach_blocks_table(ds: xr.Dataset, blocks: pd.DataFrame) -> xr.Dataset:
    """Add the resource stage's per-block columns (class, tonnage, value) to the block model.

    Parameters
    ----------
    ds : xarray.Dataset
        A reymud BLOCK MODEL.
    blocks : pandas.DataFrame
        The ``blocks`` table (``easting``, ``northing`` [, ``depth_mbsf``], ``class``, ``dry_t`` ...) that
        ``reymud assess`` saves in the project; columns already in ``ds`` are left as they are.

    Returns
    -------
    xarray.Dataset
        ``ds`` plus ``resource_class`` (text; ``""`` where the table has no block) and the table's other
        numeric columns (NaN where it has none).
    """
    keys = [k for k in ("depth_mbsf", "northing", "easting") if k in blocks.columns and k in ds.dims]
    if {"easting", "northing"} - set(keys):
        raise ValueError("blocks table needs 'easting' and 'northing' columns to be matched to the block model; "
                         f"it has {list(blocks.columns)}")
    table = blocks.rename(columns={"class": CLASS_VARIABLE})
    extra = [c for c in table.columns if c not in keys and c not in ds and c != "block_id"
             and (c == CLASS_VARIABLE or pd.api.types.is_numeric_dtype(table[c]))]
    grid = table.set_index(keys)[extra].to_xarray().reindex({k: ds[k].values for k in keys},
                                                             method="nearest", tolerance=1e-6)
    out = ds.copy()
    for name in extra:
        da = grid[name]
        if name == CLASS_VARIABLE:
            da = da.fillna("").astype(str)
        out[name] = da.transpose(*[d for d in ds[next(iter(ds.data_vars))].dims if d in da.dims])
    return out


def _describe_bands(path: Path, name: str, depths: list[float] | None) -> None:
    """Band descriptions: the variable name, with the slice centre (mbsf) for a 3-D model."""
    import rasterio

    with rasterio.open(path, "r+") as dst:
        for band in range(1, dst.count + 1):
            label = name if depths is None else f"{name} at {depths[band - 1]:g} mbsf"
            dst.set_band_description(band, label)


_WRITERS = {"gslib": write_gslib, "vtk": write_vtk, "csv": write_block_csv}


def export_block_model(ds: xr.Dataset, path: str | Path, format: str) -> list[Path]:
    """Write ``ds`` in ``format`` (``gslib``, ``vtk``, ``geotiff`` or ``csv``) after checking the extension.

    Returns
    -------
    list of Path
        Files written (several for ``geotiff``: one per variable).
    """
    path = check_extension(path, format)
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "geotiff":
        return write_geotiff(ds, path)
    return [_WRITERS[format](ds, path)]
