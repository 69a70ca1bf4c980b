"""QA/QC summaries: CRM repeatability, duplicate-pair differences, blanks against detection limits."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["blank_check", "crm_stats", "duplicate_pairs"]


def crm_stats(qaqc: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation and relative SD of each analyte of each CRM.

    Parameters
    ----------
    qaqc : DataFrame
        ``Project.qaqc()``.

    Returns
    -------
    DataFrame
        ``reference, analyte, unit, n, n_censored, mean, sd, rsd_pct`` (SD with ddof=1 over
        uncensored values; NaN with fewer than 2).
    """
    crm = qaqc.loc[qaqc["qc_type"] == "crm"]
    grouped = crm.groupby(["reference", "analyte", "unit"], sort=True)
    out = grouped["value"].agg(n="count", mean="mean", sd=lambda v: v.std(ddof=1)).reset_index()
    out.insert(4, "n_censored", grouped["censored"].sum().astype(int).to_numpy())
    out["rsd_pct"] = 100.0 * out["sd"] / out["mean"]
    return out


def duplicate_pairs(qaqc: pd.DataFrame, assays: pd.DataFrame) -> pd.DataFrame:
    """Each duplicate against its parent sample, per analyte.

    Parameters
    ----------
    qaqc : DataFrame
        ``Project.qaqc()``.
    assays : DataFrame
        ``Project.assays()`` (holds the parents' values).

    Returns
    -------
    DataFrame
        ``sample_id, parent_id, analyte, unit, value, parent_value, rel_diff_pct`` where
        ``rel_diff_pct = 100 |a - b| / ((a + b) / 2)`` (relative percent difference; NaN when either
        value is censored).
    """
    dup = qaqc.loc[qaqc["qc_type"] == "duplicate", ["sample_id", "reference", "analyte", "unit", "value"]]
    parent = assays[["sample_id", "analyte", "value"]].rename(columns={"sample_id": "parent_id",
                                                                        "value": "parent_value"})
    pairs = dup.rename(columns={"reference": "parent_id"}).merge(parent, on=["parent_id", "analyte"], how="inner")
    mean = (pairs["value"] + pairs["parent_value"]) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        pairs["rel_diff_pct"] = 100.0 * (pairs["value"] - pairs["parent_value"]).abs() / mean
    return pairs.sort_values(["parent_id", "analyte"]).reset_index(drop=True)


def blank_check(qaqc: pd.DataFrame) -> pd.DataFrame:
    """Blanks against detection limits, per analyte.

    Returns
    -------
    DataFrame
        ``analyte, unit, n, n_censored, max_value, detection_limit`` (median stated limit),
        ``n_above_limit`` (uncensored blank values above their limit) and ``max_over_limit``.
    """
    blank = qaqc.loc[qaqc["qc_type"] == "blank"].copy()
    blank["above"] = (~blank["censored"]) & (blank["value"] > blank["detection_limit"])
    grouped = blank.groupby(["analyte", "unit"], sort=True)
    out = grouped.agg(n=("value", "size"), n_censored=("censored", "sum"), max_value=("value", "max"),
                      detection_limit=("detection_limit", "median"), n_above_limit=("above", "sum")).reset_index()
    out["n_censored"] = out["n_censored"].astype(int)
    out["n_above_limit"] = out["n_above_limit"].astype(int)
    out["max_over_limit"] = out["max_value"] / out["detection_limit"]
    return out
