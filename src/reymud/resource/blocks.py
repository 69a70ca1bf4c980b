"""BLOCK MODEL (xarray) -> blocks table (one row per block inside the area of interest)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from reymud.elements import REY, oxide_factors
from reymud.resource.classify import class_codes
from reymud.resource.config import CLASSES, DEFAULT_DENSITY_T_M3, ClassificationRules
from reymud.resource.value import block_value_usd_t, default_prices_usd_per_kg

__all__ = ["block_area_m2", "blocks_table", "element_columns", "merge_slices"]


def element_columns(frame: pd.DataFrame | xr.Dataset) -> list[str]:
    """REY elements with a ``<El>_ppm`` column/variable, in canonical order."""
    names = frame.columns if isinstance(frame, pd.DataFrame) else frame.data_vars
    return [el for el in REY if f"{el}_ppm" in names]


def block_area_m2(ds: xr.Dataset) -> float:
    """Plan area of one block (m2): ``cell_size_m`` attribute squared, else the coordinate spacing."""
    if "cell_size_m" in ds.attrs:
        cell = np.asarray(ds.attrs["cell_size_m"], dtype=float).ravel()
        if cell.size == 1:
            cell = np.repeat(cell, 2)
        if cell.size != 2 or not np.all(cell > 0):
            raise ValueError(f"block model attribute cell_size_m = {ds.attrs['cell_size_m']!r}: expected a positive size in m")
        return float(cell[0] * cell[1])
    spacing = []
    for dim in ("easting", "northing"):
        if dim not in ds.coords or ds.sizes.get(dim, 0) < 2:
            raise ValueError(
                f"cannot infer the block size: no cell_size_m attribute and fewer than 2 '{dim}' coordinates; "
                "set ds.attrs['cell_size_m']"
            )
        steps = np.diff(ds[dim].values.astype(float))
        if not np.allclose(steps, steps[0]):
            raise ValueError(f"'{dim}' coordinates are not regularly spaced; set ds.attrs['cell_size_m']")
        spacing.append(abs(steps[0]))
    return float(spacing[0] * spacing[1])


def _codes(ds, classes, rules, notes) -> xr.DataArray:
    """Class codes (int8 index into CLASSES) from given labels, a variable, or the rules."""
    given = classes if classes is not None else ds.get("resource_class")
    if given is not None and np.issubdtype(given.dtype, np.integer):  # codes from class_codes()
        if int(given.min()) < 0 or int(given.max()) >= len(CLASSES):
            raise ValueError(f"class codes must lie in 0..{len(CLASSES) - 1} ({', '.join(CLASSES)})")
        return given.astype(np.int8)
    if given is not None:
        values = np.asarray(given.values).astype(str).ravel()
        codes = pd.Index(list(CLASSES)).get_indexer(values)
        if (codes < 0).any():
            raise ValueError(f"unknown class labels {sorted(set(values[codes < 0]))}; expected {CLASSES}")
        return given.copy(data=codes.reshape(given.shape).astype(np.int8))
    try:
        return class_codes(ds, rules or ClassificationRules())
    except ValueError as exc:
        if rules is not None:
            raise
        notes.append(f"blocks not classified ({exc})")
        return xr.full_like(ds["total_rey_ppm"], CLASSES.index("unclassified"), dtype=np.int8)


def blocks_table(
    ds: xr.Dataset,
    density_t_m3: float | None = None,
    *,
    rules: ClassificationRules | None = None,
    classes: xr.DataArray | None = None,
    prices_usd_per_kg: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per block inside the area of interest, with tonnage and grades.

    Parameters
    ----------
    ds : xarray.Dataset
        BLOCK MODEL, 2-D ``(northing, easting)`` or 3-D ``(depth_mbsf, northing, easting)``.
    density_t_m3 : float, optional
        Dry bulk density (t/m3) for blocks whose data carry none; default 0.55 (stated
        assumption, see ``ResourceConfig``). A ``density_t_m3`` variable in ``ds`` takes
        precedence wherever it is finite.
    rules : ClassificationRules, optional
        Classify with these rules. Without rules, classes come from ``classes``, a
        ``resource_class`` variable, or the default rules; if the variogram range is unknown the
        blocks are ``unclassified`` and ``attrs["notes"]`` says why.
    classes : xarray.DataArray, optional
        Precomputed classes: labels from :func:`classify_blocks` or int codes from
        :func:`class_codes`.
    prices_usd_per_kg : mapping, optional
        Element -> USD/kg oxide for ``value_usd_t``; default the packaged USGS 2025e prices.

    Returns
    -------
    DataFrame
        ``block_id, easting, northing, [depth_mbsf], area_m2, thickness_m, volume_m3,
        density_t_m3, dry_t, overburden_m, total_rey_ppm, <El>_ppm, treo_ppm, value_usd_t,
        class``. ``area_m2`` is the block area times ``aoi_fraction`` (the part inside the area of
        interest) when the model has that variable. Blocks with NaN grade or thickness are dropped (counted in
        ``attrs["n_nan_blocks"]``); negative estimates (kriging undershoot) are set to 0 with a note. ``attrs``: ``notes``, ``density_source``, ``unpriced``.
    """
    if "total_rey_ppm" not in ds:
        raise ValueError("block model has no 'total_rey_ppm' variable; is this a reymud BLOCK MODEL?")
    if "thickness_m" not in ds:
        raise ValueError("block model has no 'thickness_m' variable: tonnage needs the thickness of each block")
    dims = ds["total_rey_ppm"].dims
    allowed = {("northing", "easting"), ("depth_mbsf", "northing", "easting")}
    if tuple(dims) not in allowed:
        raise ValueError(f"block model dims {dims}: expected ('northing', 'easting') or ('depth_mbsf', 'northing', 'easting')")
    default_density = DEFAULT_DENSITY_T_M3 if density_t_m3 is None else float(density_t_m3)
    if not 0 < default_density <= 5:
        raise ValueError(f"density_t_m3 = {density_t_m3!r}: give a dry bulk density in t/m3 (== g/cm3), e.g. 0.55")
    notes: list[str] = []
    cls = _codes(ds, classes, rules, notes)
    area = block_area_m2(ds) if ds.sizes.get("easting", 0) * ds.sizes.get("northing", 0) else 0.0

    elements = element_columns(ds)
    names = ["total_rey_ppm", "thickness_m"] + [f"{el}_ppm" for el in elements]
    names += [v for v in ("overburden_m", "density_t_m3", "aoi_fraction") if v in ds]
    sub = ds[names].assign(resource_class=cls)
    inside = ds["inside"].astype(bool) if "inside" in ds else xr.ones_like(ds["total_rey_ppm"], dtype=bool)
    if "aoi_fraction" in ds:  # a block counts by the part of it inside the area of interest
        frac = ds["aoi_fraction"].astype(float)
        if float(frac.min()) < 0 or float(frac.max()) > 1:
            raise ValueError("block model variable 'aoi_fraction' must lie in [0, 1]")
        inside = inside & (frac.fillna(0.0) > 0)
    sub = sub.assign(inside_=inside.broadcast_like(ds["total_rey_ppm"]))
    frame = sub.to_dataframe().reset_index()
    frame.insert(0, "block_id", np.arange(len(frame), dtype=np.int64))
    frame = frame[frame.pop("inside_").to_numpy(dtype=bool)]
    bad = frame["total_rey_ppm"].isna() | frame["thickness_m"].isna()
    n_nan = int(bad.sum())
    if n_nan:
        notes.append(f"{n_nan} block(s) inside the area have no grade or thickness estimate and are excluded")
    frame = frame[~bad.to_numpy()].copy()
    clip = ["thickness_m", "total_rey_ppm"] + [f"{el}_ppm" for el in elements]
    negative = frame[clip].to_numpy(dtype=float) < 0
    if negative.any():  # kriging with negative weights can undershoot zero
        n_neg = int(negative.any(axis=1).sum())
        frame[clip] = frame[clip].clip(lower=0.0)
        notes.append(f"{n_neg} block(s) had negative estimates (kriging undershoot), set to 0")

    if "density_t_m3" in frame:
        data_density = frame["density_t_m3"].astype(float)
        n_data = int(data_density.notna().sum())
        frame["density_t_m3"] = data_density.fillna(default_density)
        source = f"data for {n_data} of {len(frame)} blocks, {default_density:g} t/m3 for the rest"
    else:
        frame["density_t_m3"] = default_density
        source = f"{default_density:g} t/m3 ({'given' if density_t_m3 is not None else 'stated default'})"
    frame["area_m2"] = area * (frame.pop("aoi_fraction").fillna(0.0).to_numpy(float) if "aoi_fraction" in frame
                               else 1.0)
    frame["volume_m3"] = frame["area_m2"].to_numpy(dtype=float) * frame["thickness_m"].to_numpy(dtype=float)
    frame["dry_t"] = frame["volume_m3"] * frame["density_t_m3"]
    if "overburden_m" not in frame:
        frame["overburden_m"] = np.nan
    factors = oxide_factors()
    grades = frame[[f"{el}_ppm" for el in elements]].to_numpy(dtype=float)
    frame["treo_ppm"] = grades @ np.array([factors[el] for el in elements]) if elements else np.nan
    prices = default_prices_usd_per_kg() if prices_usd_per_kg is None else prices_usd_per_kg
    unpriced: list[str] = []
    if elements:
        frame["value_usd_t"], unpriced = block_value_usd_t(frame, prices)
    else:
        frame["value_usd_t"] = np.nan
        notes.append("no per-element grades: treo_ppm, value_usd_t and oxide contents are unavailable")
    frame = frame.rename(columns={"resource_class": "class"})
    lead = ["block_id", "easting", "northing"] + (["depth_mbsf"] if "depth_mbsf" in frame else [])
    order = lead + ["area_m2", "thickness_m", "volume_m3", "density_t_m3", "dry_t", "overburden_m",
                    "total_rey_ppm"] + [f"{el}_ppm" for el in elements] + ["treo_ppm", "value_usd_t", "class"]
    out = frame[order].reset_index(drop=True)
    out["class"] = pd.Categorical.from_codes(out["class"].to_numpy(dtype=np.int8), categories=list(CLASSES))
    if len(out) == 0:
        notes.append("the block model has no block inside the area with an estimate")
    out.attrs.update(notes=notes, density_source=source, n_nan_blocks=n_nan, unpriced=unpriced,
                     synthetic=str(ds.attrs.get("synthetic", "unknown")))
    return out


#: 3-D variables merged by their most conservative slice (classification inputs) in :func:`merge_slices`.
_WORST = {"nearest_core_m": "max", "mean_distance_m": "max", "n_cores_in_search": "min", "n_samples": "min",
          "slope_of_regression": "min", "kriging_efficiency": "min"}


def merge_slices(ds: xr.Dataset, smu_thickness_m: float, density_t_m3: float | None = None) -> xr.Dataset:
    """A 3-D BLOCK MODEL whose depth slices are merged into selective mining units (SMU) of ``smu_thickness_m``.

    A cut-off applied per SMU then selects whole mining units. Each SMU holds ``k = smu / slice``
    consecutive slices: ``thickness_m`` is their sum, grades (``*_ppm``) are dry-tonnage-weighted
    means (thickness x density, the stated default where a slice has no density), so tonnage and
    contained metal are unchanged at cut-off 0; ``density_t_m3`` is the thickness-weighted mean
    (NaN only where every slice's density is assumed); ``overburden_m`` is the SMU top.
    Classification inputs take the most conservative slice (largest distance, fewest cores, lowest
    slope or kriging efficiency) and ``inside`` needs every slice inside. Variance variables are dropped.

    Parameters
    ----------
    ds : xarray.Dataset
        3-D BLOCK MODEL (``depth_mbsf`` first dim, ``attrs["slice_thickness_m"]``).
    smu_thickness_m : float
        SMU thickness (m): a whole multiple of the slice thickness that divides the slice count.
    density_t_m3 : float, optional
        Density where a slice has none (default 0.55, the stated default of ``ResourceConfig``).

    Raises
    ------
    ValueError
        For a 2-D model, an SMU that is not a whole number of slices, or slices that do not fill whole SMUs.
    """
    if "depth_mbsf" not in ds.dims or "slice_thickness_m" not in ds.attrs:
        raise ValueError("a per-slice cut-off needs a 3-D block model with slice_thickness_m "
                         "(reymud estimate PROJECT --slices 1)")
    slice_m = float(ds.attrs["slice_thickness_m"])
    ratio = float(smu_thickness_m) / slice_m
    k = round(ratio)
    if k < 1 or abs(ratio - k) > 1e-6:
        raise ValueError(f"SMU thickness {smu_thickness_m:g} m is not a whole number of the model's "
                         f"{slice_m:g} m slices; rebuild with reymud estimate --slices {smu_thickness_m:g}")
    n = ds.sizes["depth_mbsf"]
    if n % k:
        raise ValueError(f"the model's {n} slices of {slice_m:g} m do not fill whole {smu_thickness_m:g} m SMUs")
    if k == 1:
        return ds
    ds = ds.transpose("depth_mbsf", ...)
    default = DEFAULT_DENSITY_T_M3 if density_t_m3 is None else float(density_t_m3)

    def group(da: xr.DataArray) -> np.ndarray:
        values = np.asarray(da.values, dtype=float)
        return values.reshape(n // k, k, *values.shape[1:])

    thick = np.nan_to_num(group(ds["thickness_m"]))
    density = group(ds["density_t_m3"]) if "density_t_m3" in ds else np.full(thick.shape, np.nan)
    weight = thick * np.where(np.isfinite(density), density, default)
    wsum = weight.sum(axis=1)
    depth = ds["depth_mbsf"].values.astype(float).reshape(n // k, k).mean(axis=1)
    out = xr.Dataset(coords={"depth_mbsf": depth, **{c: ds[c] for c in ds.coords if c != "depth_mbsf"}},
                     attrs={**ds.attrs, "slice_thickness_m": float(smu_thickness_m),
                            "merged_from_slice_m": slice_m})
    dims = ds["thickness_m"].dims
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN groups (blocks no core reaches) stay NaN
        for name, da in ds.data_vars.items():
            if "depth_mbsf" not in da.dims:
                out[name] = da
                continue
            if name.endswith("_variance") or da.dims != dims:
                continue
            values = group(da)
            if name == "thickness_m":
                merged = np.where(np.isfinite(group(da)).any(axis=1), thick.sum(axis=1), np.nan)
            elif name.endswith("_ppm"):
                merged = np.where(wsum > 0, np.nansum(values * weight, axis=1) / wsum, np.nanmean(values, axis=1))
            elif name == "density_t_m3":
                tsum = (thick * np.isfinite(values)).sum(axis=1)
                merged = np.where(tsum > 0, np.nansum(values * thick, axis=1) / tsum, np.nan)
            elif name == "overburden_m":
                merged = values[:, 0]
            elif name == "inside":
                merged = np.asarray(da.values, dtype=bool).reshape(values.shape).all(axis=1)
            elif name in _WORST:
                merged = np.nanmax(values, axis=1) if _WORST[name] == "max" else np.nanmin(values, axis=1)
            else:
                continue
            out[name] = (dims, merged.astype(da.dtype) if name in ("inside", "n_cores_in_search", "n_samples")
                         and np.isfinite(merged).all() else merged, da.attrs)
    return out
