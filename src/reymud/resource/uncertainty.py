"""Uncertainty of tonnage and contained oxide from conditional-simulation realisations.

Method (stated in every output): each realisation is a simulated ``total_rey_ppm`` field on the
block-model grid (optionally with a simulated ``thickness_m``). For a realisation and a cut-off,
the blocks inside the area with simulated grade ``>= cutoff`` are counted; their dry tonnes come
from block area x thickness x dry bulk density; contained REY is ``sum(dry_t x grade) x 1e-6``.
Element contents split the simulated total REY by the block model's estimated proportions
``<El>_ppm / total_rey_ppm`` of each block (blocks without a proportion take the model's
tonnage-weighted mean proportions); oxides use ``reymud.elements.oxide_factors()``.

P10 / P50 / P90 are the 10th / 50th / 90th percentiles over realisations (linear
interpolation): **P10 is the low case** (90 % of realisations exceed it), P90 the high case.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from statistics import NormalDist

import numpy as np
import pandas as pd
import xarray as xr

from reymud.elements import oxide_factors, oxide_names
from reymud.resource.blocks import block_area_m2, element_columns
from reymud.resource.config import DEFAULT_CUTOFFS_PPM, DEFAULT_DENSITY_T_M3

__all__ = ["METHOD", "density_factors", "exceedance_probability", "kriged_totals", "quartile_standard_error",
           "realization_totals", "uncertainty_summary"]

METHOD = (
    "per realisation: blocks inside with simulated total_rey_ppm >= cut-off; dry t = area x thickness x "
    "density; element contents = simulated total REY x block-model proportions <El>_ppm/total_rey_ppm; "
    "P10/P50/P90 = 10th/50th/90th percentiles over realisations (P10 = low case); kriged = the same totals "
    "from the kriged block model over the same blocks"
)
_CHUNK_VALUES = 4_000_000  # realisations x cells held at once (memory bound, ~32 MB per array)


def _as_realizations(realizations: xr.DataArray, dims: tuple[str, ...], ds: xr.Dataset, what: str) -> np.ndarray:
    if not isinstance(realizations, xr.DataArray) or "realization" not in realizations.dims:
        raise ValueError(f"{what} must be an xarray.DataArray with a 'realization' dimension")
    extra = set(realizations.dims) - {"realization", *dims}
    if extra or set(realizations.dims) != {"realization", *dims}:
        raise ValueError(f"{what} dims {realizations.dims} do not match the block model dims ('realization', *{dims})")
    realizations = realizations.transpose("realization", *dims)
    for dim in dims:
        if realizations.sizes[dim] != ds.sizes[dim] or (
            dim in realizations.coords and dim in ds.coords
            and not np.allclose(realizations[dim].values, ds[dim].values)
        ):
            raise ValueError(f"{what} '{dim}' coordinates differ from the block model's; simulate on the same grid")
    return np.asarray(realizations.values, dtype=float)


def realization_totals(
    realizations: xr.DataArray,
    ds: xr.Dataset,
    cutoffs: Iterable[float] | float = DEFAULT_CUTOFFS_PPM,
    density_t_m3: float | None = None,
    thickness: xr.DataArray | None = None,
    density_factor=None,
) -> pd.DataFrame:
    """Tonnage and contained oxide above each cut-off, one row per realisation and cut-off.

    Parameters
    ----------
    realizations : xarray.DataArray
        Simulated ``total_rey_ppm`` with dims ``("realization", *block-model dims)``.
    ds : xarray.Dataset
        BLOCK MODEL on the same grid (``thickness_m``, ``<El>_ppm``, ``total_rey_ppm``, ``inside``,
        optional ``density_t_m3``).
    cutoffs : float or iterable of float
        Cut-offs on simulated total REY (ppm).
    density_t_m3 : float, optional
        Dry bulk density where ``ds`` has none (default 0.55 t/m3, stated assumption).
    thickness : xarray.DataArray, optional
        Simulated ``thickness_m`` realisations (same dims); default the block model's thickness.
    density_factor : array_like, shape (n_realizations,), optional
        Density uncertainty: realisation ``r``'s densities are multiplied by ``density_factor[r]``
        (see :func:`density_factors`); default 1.

    Returns
    -------
    DataFrame
        ``realization, cutoff, dry_t, contained_rey_t, <El>_oxide_t, treo_t``.
    """
    cut = np.atleast_1d(np.asarray(cutoffs, dtype=float))
    if cut.size == 0 or not np.all(np.isfinite(cut)):
        raise ValueError(f"cut-offs {cutoffs!r}: give one or more finite numbers")
    for var in ("total_rey_ppm", "thickness_m"):
        if var not in ds:
            raise ValueError(f"block model has no {var!r} variable needed for the uncertainty summary")
    dims = tuple(ds["total_rey_ppm"].dims)
    real = _as_realizations(realizations, dims, ds, "realizations")
    n_real = real.shape[0]
    real = real.reshape(n_real, -1)
    factor = np.ones(n_real) if density_factor is None else np.asarray(density_factor, dtype=float).ravel()
    if factor.shape != (n_real,) or not np.all(factor > 0):
        raise ValueError(f"density_factor: give {n_real} positive factors, one per realisation")
    density = DEFAULT_DENSITY_T_M3 if density_t_m3 is None else float(density_t_m3)
    if not 0 < density <= 5:
        raise ValueError(f"density_t_m3 = {density_t_m3!r}: give a dry bulk density in t/m3, e.g. 0.55")
    dens = np.full(real.shape[1], density)
    if "density_t_m3" in ds:
        data = ds["density_t_m3"].broadcast_like(ds["total_rey_ppm"]).values.ravel().astype(float)
        dens = np.where(np.isfinite(data), data, dens)
    inside = (ds["inside"].broadcast_like(ds["total_rey_ppm"]).values.ravel().astype(bool)
              if "inside" in ds else np.ones(real.shape[1], dtype=bool))
    area = block_area_m2(ds) if real.shape[1] else 0.0
    if "aoi_fraction" in ds:  # part of each block inside the area of interest (AreaOfInterest.block_fractions)
        frac = np.nan_to_num(ds["aoi_fraction"].broadcast_like(ds["total_rey_ppm"]).values.ravel().astype(float))
        if (frac < 0).any() or (frac > 1 + 1e-9).any():
            raise ValueError("block model variable 'aoi_fraction' must lie in [0, 1]")
        dens = dens * frac  # tonnes scale with the block's area fraction
        inside &= frac > 0
    if thickness is None:
        thick = np.broadcast_to(ds["thickness_m"].values.ravel().astype(float), real.shape)
    else:
        thick = _as_realizations(thickness, dims, ds, "thickness").reshape(n_real, -1)
    cells = inside & np.isfinite(np.asarray(thick)).any(axis=0)
    elements = element_columns(ds)
    total = ds["total_rey_ppm"].values.ravel().astype(float)[cells]
    grades = np.column_stack([ds[f"{el}_ppm"].values.ravel().astype(float)[cells] for el in elements]) \
        if elements else np.zeros((cells.sum(), 0))
    base_t = area * np.nan_to_num(ds["thickness_m"].values.ravel().astype(float)[cells]) * dens[cells]
    with np.errstate(invalid="ignore", divide="ignore"):
        prop = grades / total[:, None]
        ok = np.isfinite(prop).all(axis=1) & (total > 0)
        mean_prop = (base_t[ok] @ grades[ok]) / (base_t[ok] @ total[ok]) if ok.any() and elements else \
            np.full(len(elements), np.nan)
    prop[~ok] = mean_prop
    real = real[:, cells]
    thick = np.asarray(thick)[:, cells]
    factors = np.array([oxide_factors()[el] for el in elements])
    out = np.zeros((n_real, cut.size, 2 + len(elements)))
    step = max(1, _CHUNK_VALUES // max(1, real.shape[1]))
    for start in range(0, n_real, step):  # chunks of realisations bound memory; cells are vectorised
        r = real[start:start + step]
        tons = area * np.nan_to_num(thick[start:start + step]) * dens[cells] * factor[start:start + step, None]
        grade = np.nan_to_num(r, nan=-np.inf)
        for k, c in enumerate(cut):
            w = np.where(grade >= c, tons, 0.0)
            wg = w * np.where(np.isfinite(grade), grade, 0.0)
            out[start:start + step, k, 0] = w.sum(axis=1)
            out[start:start + step, k, 1] = wg.sum(axis=1) * 1e-6
            out[start:start + step, k, 2:] = (wg @ prop) * 1e-6 * factors
    frame = pd.DataFrame({
        "realization": np.repeat(realizations["realization"].values if "realization" in realizations.coords
                                 else np.arange(n_real), cut.size),
        "cutoff": np.tile(cut, n_real),
        "dry_t": out[..., 0].ravel(),
        "contained_rey_t": out[..., 1].ravel(),
    })
    for i, el in enumerate(elements):
        frame[f"{el}_oxide_t"] = out[..., 2 + i].ravel()
    frame["treo_t"] = out[..., 2:].sum(axis=-1).ravel() if elements else np.nan
    frame.attrs.update(method=METHOD, n_realizations=n_real, elements=elements)
    return frame


def density_factors(n: int, seed=0, measured=None, assumed_range: tuple[float, float] | None = None,
                    density_t_m3: float = DEFAULT_DENSITY_T_M3) -> np.ndarray:
    """Per-realisation density factors for :func:`realization_totals` (``density_factor=``).

    Parameters
    ----------
    n : int
        Number of realisations.
    seed : int or numpy.random.SeedSequence
    measured : array_like, optional
        Measured dry bulk densities (t/m3): the factor is the bootstrap mean (resampling the
        measurements with replacement; Efron & Tibshirani 1993) over the measured mean - the
        uncertainty of the mean density that scales every tonne.
    assumed_range : (float, float), optional
        Without measurements: the stated assumption's range (t/m3), drawn uniformly; the factor is
        the draw over ``density_t_m3`` (the central assumption used for the blocks).

    Returns
    -------
    ndarray, shape (n,)
        Factors; all 1 when neither ``measured`` nor ``assumed_range`` is given (density fixed).
    """
    rng = np.random.default_rng(seed)
    if measured is not None:
        d = np.asarray(measured, dtype=float)
        d = d[np.isfinite(d)]
        if d.size < 2 or not np.all(d > 0):
            raise ValueError("density_factors: give at least 2 positive measured densities")
        means = d[rng.integers(d.size, size=(n, d.size))].mean(axis=1)
        return means / d.mean()
    if assumed_range is not None:
        lo, hi = (float(v) for v in assumed_range)
        if not 0 < lo <= hi:
            raise ValueError(f"density_factors: assumed_range {assumed_range!r} must be 0 < low <= high (t/m3)")
        return rng.uniform(lo, hi, n) / float(density_t_m3)
    return np.ones(n)


def kriged_totals(ds: xr.Dataset, cutoffs: Iterable[float] | float = DEFAULT_CUTOFFS_PPM,
                  density_t_m3: float | None = None) -> pd.DataFrame:
    """The totals of :func:`realization_totals` computed from the kriged ``total_rey_ppm`` itself.

    Same blocks, same tonnage rule; one row per cut-off (``realization`` = -1).
    """
    krig = ds["total_rey_ppm"].expand_dims(realization=[-1])
    return realization_totals(krig, ds, cutoffs, density_t_m3)


def _with_class(ds: xr.Dataset, label: str) -> xr.Dataset:
    out = ds.copy()
    keep = (ds["resource_class"] == label)
    out["inside"] = (ds["inside"].astype(bool) & keep) if "inside" in ds else keep
    return out


def uncertainty_summary(
    realizations: xr.DataArray,
    ds: xr.Dataset,
    cutoffs: Iterable[float] | float = DEFAULT_CUTOFFS_PPM,
    density_t_m3: float | None = None,
    thickness: xr.DataArray | None = None,
    percentiles: tuple[float, float, float] = (10.0, 50.0, 90.0),
    by_class: bool = False,
    density_factor=None,
) -> pd.DataFrame:
    """P10 / P50 / P90 (and P25 / P75, mean, kriged value) per element, TREO and ore, per cut-off.

    Parameters are those of :func:`realization_totals`; ``percentiles`` names the low, middle
    and high percentiles (P10 = 10th percentile = low case). Cut-off 0 (no cut-off) is always
    included. ``density_factor`` adds density uncertainty (:func:`density_factors`). With ``by_class`` and a ``resource_class`` variable in ``ds`` the rows repeat for
    each class (``resource_class`` column; ``"all"`` = every block inside).

    Returns
    -------
    DataFrame
        ``resource_class, cutoff, element, oxide, quantity, unit, p10, p25, p50, p75, p90, mean,
        kriged, kriged_in_p25_p75, p25_p75_mc_error, kriged_in_p25_p75_within_mc_error``;
        ``element`` is an element symbol (contained oxide t), ``TREO``, ``REY`` (contained REY t)
        or ``ore`` (dry tonnes). ``kriged_in_p25_p75`` is the strict test
        ``p25 <= kriged <= p75``; ``p25_p75_mc_error`` (same unit) is the Monte-Carlo error of
        those two percentiles and ``kriged_in_p25_p75_within_mc_error`` the test widened by it
        (see Notes). ``attrs`` record how the band was made (``method``, ``n_realizations``,
        ``seeds``, ``simulation``). A ``UserWarning`` names the rows where the kriged total of TREO
        falls outside P25-P75 beyond the Monte-Carlo error, with the side and the distance (percent
        of the kriged value).

    Notes
    -----
    P25 and P75 of ``n`` realisations are estimates with sampling error. The large-sample standard
    error of the sample ``p``-quantile is ``sqrt(p (1 - p) / n) / f(x_p)``, ``f`` the density at
    the quantile (Cramer 1946, *Mathematical Methods of Statistics*, p. 369). The density is taken
    as that of a normal band with the observed IQR (``sigma = IQR / (2 z)``, ``z = 0.6745``, the
    standard normal 75th percentile, density ``phi(z)``), so::

        se(P25) = se(P75) = sqrt(0.1875 / n) / phi(z) * IQR / (2 z) ~= 1.010 * IQR / sqrt(n)
        p25_p75_mc_error = 2 * se  (0.20 IQR for 100 realisations)

    The kriged value counts as within the band's Monte-Carlo error when
    ``p25 - p25_p75_mc_error <= kriged <= p75 + p25_p75_mc_error``. Kriged totals below P25 at a
    cut-off above the estimate's mean grade are expected to some degree: kriged blocks are smoother
    than the true grades, so tonnage above a high cut-off comes out lower (the smoothing effect;
    Journel & Huijbregts 1978, *Mining Geostatistics*; Isaaks & Srivastava 1989, *An Introduction
    to Applied Geostatistics*); the warning says so for those rows.
    """
    cut = np.unique(np.append(np.atleast_1d(np.asarray(cutoffs, dtype=float)), 0.0))
    groups = [("all", ds)]
    if by_class and "resource_class" in ds:
        labels = [str(v) for v in np.unique(ds["resource_class"].values.astype(str)) if str(v) not in ("", "nan")]
        groups += [(lab, _with_class(ds, lab)) for lab in labels]
    frames = [_summary(realizations, g, cut, density_t_m3, thickness, percentiles, density_factor)
              .assign(resource_class=name)
              for name, g in groups]
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[["resource_class", *[c for c in frame.columns if c != "resource_class"]]]
    sim = {k: realizations.attrs[k] for k in ("method", "transform", "tails", "declustering",
                                              "parameter_uncertainty", "nscore_fitted_sill", "support")
           if k in realizations.attrs}
    frame.attrs.update(method=METHOD, n_realizations=int(realizations.sizes["realization"]),
                       percentiles=list(percentiles), seeds=str(realizations.attrs.get("seeds", realizations.attrs.get(
                           "seed", "not recorded"))), simulation=sim)
    message = _band_warning(frame)
    if message:
        warnings.warn(message, stacklevel=2)
    return frame


def _band_warning(frame: pd.DataFrame) -> str:
    """The warning for TREO rows whose kriged total lies outside P25-P75 beyond the Monte-Carlo
    error: side and distance in percent of the kriged value, and the smoothing effect named where
    the kriged value is below P25 at a cut-off above the estimate's mean grade; "" when none."""
    bad = frame[(frame["element"] == "TREO") & ~frame["kriged_in_p25_p75_within_mc_error"] & (frame["p75"] > 0)]
    if not len(bad):
        return ""
    whole = frame[frame["cutoff"] == 0.0].set_index(["resource_class", "element"])["kriged"]
    parts, smooth, other = [], {}, False
    for r in bad.itertuples():
        below = r.kriged < r.p25
        edge, side = (r.p25, "below P25") if below else (r.p75, "above P75")
        scale = abs(r.kriged) if r.kriged else abs(edge)
        parts.append(f"{r.resource_class} cut-off {r.cutoff:g} ppm: {100 * abs(edge - r.kriged) / scale:.1f} % "
                     f"{side} (Monte-Carlo error {100 * r.p25_p75_mc_error / scale:.1f} %)")
        ore, rey = whole.get((r.resource_class, "ore"), np.nan), whole.get((r.resource_class, "REY"), np.nan)
        mean_ppm = 1e6 * rey / ore if ore > 0 else np.nan
        if below and np.isfinite(mean_ppm) and r.cutoff > mean_ppm:
            smooth[r.resource_class] = mean_ppm
        else:
            other = True
    n_real = frame.attrs.get("n_realizations", "the")
    text = (f"kriged TREO outside the simulated P25-P75 beyond the Monte-Carlo error of {n_real} realisations "
            f"(percent of the kriged value) at {'; '.join(parts)}")
    if smooth:
        means = ", ".join(f"{name} {ppm:,.0f} ppm" for name, ppm in smooth.items())
        text += (f". Below P25 at cut-offs above the estimate's mean grade ({means}) is the smoothing effect of "
                 "kriging: kriged blocks vary less than the true grades, so tonnage and oxide above a high cut-off "
                 "come out lower (Journel & Huijbregts 1978; Isaaks & Srivastava 1989); the simulated band "
                 "is the guide there")
    if other:
        text += (f". {'At the other rows' if smooth else 'There'} the simulation and the estimate disagree "
                 "(check the variogram, declustering and trend)")
    return text


def _summary(realizations, ds, cut, density_t_m3, thickness, percentiles, density_factor) -> pd.DataFrame:
    totals = realization_totals(realizations, ds, cut, density_t_m3, thickness, density_factor)
    kriged = kriged_totals(ds, cut, density_t_m3).set_index("cutoff")
    elements = totals.attrs["elements"]
    names = oxide_names()
    spec = [("ore", "", "dry_t", "dry_t"), ("REY", "", "contained_rey_t", "contained_rey_t")]
    spec += [(el, names[el], "contained_oxide_t", f"{el}_oxide_t") for el in elements]
    spec += [("TREO", "REO", "contained_oxide_t", "treo_t")]
    columns = [s[3] for s in spec]
    n_real = totals.attrs["n_realizations"]
    cube = totals.sort_values(["cutoff", "realization"], kind="stable")[columns].to_numpy(dtype=float)
    cube = cube.reshape(cut.size, n_real, len(columns))
    lo, mid, hi = percentiles
    pct = np.percentile(cube, [lo, 25.0, mid, 75.0, hi], axis=1)  # (5, n_cut, n_q)
    krig = kriged.loc[cut, columns].to_numpy(dtype=float)
    frame = pd.DataFrame({
        "cutoff": np.repeat(cut, len(spec)),
        "element": np.tile([s[0] for s in spec], cut.size),
        "oxide": np.tile([s[1] for s in spec], cut.size),
        "quantity": np.tile([s[2] for s in spec], cut.size),
        "unit": "t",
        "p10": pct[0].ravel(), "p25": pct[1].ravel(), "p50": pct[2].ravel(), "p75": pct[3].ravel(),
        "p90": pct[4].ravel(), "mean": cube.mean(axis=1).ravel(), "kriged": krig.ravel(),
    })
    # a fixed quantity (ore tonnes at cut-off 0) has p25 == kriged == p75 up to rounding of the sums
    slack = 1e-9 * np.maximum(frame["kriged"].abs(), 1.0)
    frame["kriged_in_p25_p75"] = (frame["kriged"] >= frame["p25"] - slack) & (frame["kriged"] <= frame["p75"] + slack)
    frame["p25_p75_mc_error"] = 2.0 * quartile_standard_error(frame["p75"] - frame["p25"], n_real)
    tol = slack + frame["p25_p75_mc_error"]
    frame["kriged_in_p25_p75_within_mc_error"] = ((frame["kriged"] >= frame["p25"] - tol)
                                                  & (frame["kriged"] <= frame["p75"] + tol))
    return frame


def quartile_standard_error(iqr, n: int):
    """Standard error of the P25 (or P75) of ``n`` draws from a normal band with this IQR.

    ``sqrt(0.25 * 0.75 / n) / phi(z) * IQR / (2 z)`` with ``z`` the standard normal 75th
    percentile (0.6745): the large-sample standard error of a sample quantile,
    ``sqrt(p (1 - p) / n) / f(x_p)`` (Cramer 1946, p. 369), with the normal density of standard
    deviation ``IQR / (2 z)`` at the quartile. About ``1.010 * IQR / sqrt(n)``.

    Parameters
    ----------
    iqr : float or array_like
        P75 - P25 (negative values count as 0).
    n : int
        Number of realisations (at least 1).

    Returns
    -------
    float or array_like
        The standard error, in the unit of ``iqr``.
    """
    if int(n) < 1:
        raise ValueError(f"quartile_standard_error: n = {n!r}; give the number of realisations (>= 1)")
    z = NormalDist().inv_cdf(0.75)
    factor = np.sqrt(0.25 * 0.75 / int(n)) / NormalDist().pdf(z) / (2.0 * z)
    return factor * np.maximum(iqr, 0.0)


def exceedance_probability(realizations: xr.DataArray, cutoff: float) -> xr.DataArray:
    """Probability that a block's simulated grade is at or above ``cutoff``.

    The fraction of realisations with ``value >= cutoff`` among those with a value; NaN where no
    realisation has a value. Dims are those of ``realizations`` without ``realization``.
    """
    if not isinstance(realizations, xr.DataArray) or "realization" not in realizations.dims:
        raise ValueError("realizations must be an xarray.DataArray with a 'realization' dimension")
    valid = realizations.notnull()
    n = valid.sum("realization")
    hits = (realizations >= float(cutoff)).where(valid, False).sum("realization")
    prob = (hits / n).where(n > 0)
    prob.name = "exceedance_probability"
    prob.attrs.update(cutoff=float(cutoff), n_realizations=int(realizations.sizes["realization"]),
                      long_name=f"P({realizations.name or 'value'} >= {float(cutoff):g})", units="1")
    return prob
