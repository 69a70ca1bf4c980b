"""Join per-core window statistics with core positions into a projected points frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reymud.spatial.crs import to_projected

__all__ = ["NoPositionError", "points_from_cores", "positioned", "window_points"]


class NoPositionError(ValueError):
    """No core with samples has a position (latitude/longitude), so nothing can be placed on a map."""


def positioned(cores: pd.DataFrame) -> np.ndarray:
    """Which cores have a position: ``position_status`` not ``"none"`` and both coordinates given."""
    known = cores["latitude"].notna().to_numpy() & cores["longitude"].notna().to_numpy()
    if "position_status" in cores.columns:
        known &= (cores["position_status"] != "none").to_numpy()
    return known


def points_from_cores(window_table: pd.DataFrame, cores: pd.DataFrame, crs: str | None = None,
                      duplicates: str = "error") -> pd.DataFrame:
    """One row per core with ``easting``/``northing`` and the window values.

    Parameters
    ----------
    window_table : DataFrame
        Output of ``reymud.cores.window_stats`` (``core_id``, ``thickness_m``, ``overburden_m``, means).
    cores : DataFrame
        ``Project.cores()`` (``core_id``, ``latitude``, ``longitude``, ...).
    crs : str, optional
        Projected CRS; default the UTM zone of the mean longitude.
    duplicates : {"error", "merge"}
        Cores at the same position: raise naming them, or average their numeric values.

    Returns
    -------
    DataFrame
        ``core_id, latitude, longitude, easting, northing`` and the window columns;
        ``attrs["crs"]`` holds the CRS.
    """
    for name, frame, need in (("window_table", window_table, {"core_id"}),
                              ("cores", cores, {"core_id", "latitude", "longitude"})):
        missing = need - set(frame.columns)
        if missing:
            raise ValueError(f"points_from_cores: {name} lacks column(s) {sorted(missing)}")
    pos = cores[["core_id", "latitude", "longitude"]].drop_duplicates("core_id")
    win = window_table.drop(columns=[c for c in ("latitude", "longitude") if c in window_table.columns])
    merged = win.merge(pos, on="core_id", how="left", validate="many_to_one")
    no_pos = merged["latitude"].isna() | merged["longitude"].isna()
    if no_pos.any():
        raise ValueError(f"points_from_cores: no position for core(s) {merged.loc[no_pos, 'core_id'].tolist()[:10]}; "
                         "add them to the collars table")
    out, crs_used = to_projected(merged, crs)
    key = out[["easting", "northing"]].round(3)
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        names = out.loc[dup, "core_id"].tolist()
        if duplicates != "merge":
            raise ValueError(f"points_from_cores: cores at identical positions {names[:10]}; pass "
                             "duplicates='merge' to average them or fix the collars")
        num = out.select_dtypes(include=[np.number]).columns
        grouped = out.groupby([key["easting"], key["northing"]], sort=False)
        merged_num = grouped[list(num)].mean().reset_index(drop=True)
        ids = grouped["core_id"].agg("+".join).reset_index(drop=True)
        out = pd.concat([ids, merged_num], axis=1)
    cols = ["core_id", "latitude", "longitude", "easting", "northing"]
    out = out[cols + [c for c in out.columns if c not in cols]].reset_index(drop=True)
    out.attrs["crs"] = crs_used
    return out


def window_points(samples: pd.DataFrame, cores: pd.DataFrame, plan=None, *, threshold: float | None = None,
                  columns: list[str] | None = None, duplicates: str = "merge") -> pd.DataFrame:
    """The one builder of the estimation points: per-core window statistics, projected.

    Used by ``reymud estimate|validate|simulate|variogram``, :func:`reymud.assess.assess` and the
    web job, so every entry point estimates from the same points.

    Parameters
    ----------
    samples : DataFrame
        Summarised samples (``reymud.geochem.summarise``).
    cores : DataFrame
        ``Project.cores()`` (positions; recovered lengths when present).
    plan : EstimationPlan, optional
        Depth window, sample-support rule and CRS; default ``EstimationPlan()``.
    threshold : float, optional
        Count only REY-rich mud (``total_rey_ppm >= threshold``) as thickness; cores without any
        get thickness 0 and no grade.
    columns : list of str, optional
        Columns averaged over the window (default every numeric assay column).
    duplicates : {"merge", "error"}
        Cores at one position (see :func:`points_from_cores`).

    Returns
    -------
    DataFrame
        As :func:`points_from_cores`; cores without data in the window are left out and named in
        ``attrs["dropped_cores"]``; cores stored without a position (``position_status == "none"``)
        are left out and named in ``attrs["unpositioned_cores"]``, with a sentence in
        ``attrs["notes"]``.

    Raises
    ------
    NoPositionError
        When no core that has samples has a position.
    """
    from reymud.cores import window_stats
    from reymud.cores.composite import SPARSE_COLUMNS, default_columns
    from reymud.spatial.plan import EstimationPlan

    plan = plan or EstimationPlan()
    top, base = plan.window
    has_samples = cores["core_id"].isin(samples["core_id"]).to_numpy()
    known = positioned(cores)
    unpositioned = [str(c) for c in cores.loc[has_samples & ~known, "core_id"]]
    if has_samples.any() and not (has_samples & known).any():
        listed = f" ({', '.join(unpositioned[:10])}{', ...' if len(unpositioned) > 10 else ''})" if unpositioned else ""
        raise NoPositionError(f"no core with samples has a position (latitude/longitude): {len(unpositioned)} core(s) "
                              f"were stored without one{listed}; spatial estimation needs collars: ingest a collar "
                              "file (core_id, latitude, longitude) with `reymud ingest PROJECT --collars FILE`")
    notes = ()
    if unpositioned:
        cores = cores.loc[known]
        samples = samples.loc[samples["core_id"].isin(cores["core_id"]).to_numpy()]
        notes = (f"{len(unpositioned)} core(s) without a position left out of the spatial stage: "
                 f"{', '.join(unpositioned[:10])}{', ...' if len(unpositioned) > 10 else ''} (add them to a collar "
                 "file to include them)",)
    if columns is None:  # the grades, plus the measured dry density where the samples carry one
        columns = default_columns(samples) + [c for c in SPARSE_COLUMNS if c in samples.columns]
    table = window_stats(samples, top, base, columns=columns, threshold=threshold, support=plan.support(),
                         cores=cores if "core_length_m" in cores.columns else None)
    pts = points_from_cores(table, cores, crs=plan.crs, duplicates=duplicates)
    crs = pts.attrs["crs"]
    if threshold is not None:  # no REY-rich mud in the window: thickness 0, grade unknown
        pts["thickness_m"] = pts["thickness_m"].fillna(0.0)
        pts.loc[pts["thickness_m"] <= 0, "total_rey_ppm"] = np.nan
    dropped = pts["thickness_m"].isna()
    names = [str(c) for c in pts.loc[dropped, "core_id"]]
    pts = pts.loc[~dropped].reset_index(drop=True)
    pts.attrs.update(crs=crs, dropped_cores=names, unpositioned_cores=unpositioned, notes=notes)
    return pts
