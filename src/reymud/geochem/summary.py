"""Classification by total-REY thresholds and the one-call per-sample summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reymud.elements import HREE_CONVENTIONS, REY
from reymud.geochem.anomalies import NEEDED, anomaly_values
from reymud.geochem.config import CLASS_LABELS, GeochemConfig, Thresholds
from reymud.geochem.core import _oxide_vector, element_block, lree_elements, reference_values

__all__ = ["CLASS_LABELS", "SUMMARY_COLUMNS", "classify", "summarise"]

#: Columns :func:`summarise` adds, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "total_rey_ppm",
    "total_rey_no_ce_ppm",
    "lree_ppm",
    "hree_ppm",
    "treo_ppm",
    "ce_anomaly",
    "eu_anomaly",
    "y_ho",
    "rey_class",
)


def _class_codes(values: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    codes = np.searchsorted(np.asarray(thresholds.as_tuple()), values, side="right")
    codes[np.isnan(values)] = -1
    return codes


def classify(total_rey, thresholds: Thresholds = Thresholds()) -> pd.Series:
    """Class of each sample from its total REY (ppm).

    Parameters
    ----------
    total_rey : Series or array-like
        Total REY in ppm.
    thresholds : Thresholds
        Lower bounds (inclusive) of REY-rich, highly and extremely REY-rich mud.

    Returns
    -------
    Series
        Categorical ``rey_class`` with categories ``below < rey_rich < highly_rey_rich <
        extremely_rey_rich`` (ordered); NaN total gives a missing class.
    """
    index = total_rey.index if isinstance(total_rey, pd.Series) else None
    values = np.asarray(total_rey, dtype=float)
    if values.ndim != 1:
        raise ValueError("classify expects a one-dimensional series of total REY values (ppm)")
    codes = _class_codes(values, thresholds)
    cat = pd.Categorical.from_codes(codes, categories=list(CLASS_LABELS), ordered=True)
    return pd.Series(cat, index=index, name="rey_class")


def summarise(df: pd.DataFrame, config: GeochemConfig = GeochemConfig()) -> pd.DataFrame:
    """The input samples plus the derived geochemistry columns of :data:`SUMMARY_COLUMNS`.

    One numpy pass over the (n_samples, 15) REY block: totals, LREE/HREE under
    ``config.hree_convention``, TREO, Ce/Ce* and Eu/Eu* normalised to ``config.reference``, Y/Ho and
    the class. NaN or absent elements propagate as NaN; ``attrs["notes"]`` says which, and
    ``attrs["geochem_config"]`` records the settings (censored-value policy from the store, if
    present in ``df.attrs``, is carried in ``attrs["censored_policy"]``).

    Parameters
    ----------
    df : DataFrame
        Wide samples frame with element symbol columns in ppm.
    config : GeochemConfig
        Settings (defaults printed by ``GeochemConfig().describe()``).

    Returns
    -------
    DataFrame
        A new frame; the input is not modified.
    """
    rey = list(REY)
    block, notes = element_block(df, rey)
    pos = {el: i for i, el in enumerate(rey)}
    sets = (
        rey,
        [el for el in rey if el != "Ce"],
        lree_elements(config.hree_convention),
        HREE_CONVENTIONS[config.hree_convention],
    )
    weights = np.zeros((len(rey), len(sets) + 1))
    for j, members in enumerate(sets):
        weights[[pos[el] for el in members], j] = 1.0
    weights[:, -1] = _oxide_vector(rey)
    # one BLAS pass for all sums and TREO; (k, 15) @ (15, n) suits the column-major block
    sums = weights.T @ block.T
    if np.isnan(sums).any():  # 0 x NaN is NaN: redo the affected samples with only each set's columns
        rows = np.flatnonzero(np.isnan(sums).any(axis=0))
        sub = block[rows]
        for j, members in enumerate((*sets, rey)):
            cols = [pos[el] for el in members]
            sums[j, rows] = sub[:, cols] @ weights[cols, j]
    total, total_no_ce, light, heavy, oxides = sums
    ref = reference_values(config.reference, rey)
    anomalies = {}
    for kind, method in (("ce", config.ce_method), ("eu", config.eu_method)):
        idx = [pos[el] for el in NEEDED[kind][method]]
        norm = block[:, idx] / ref[idx]
        anomalies[kind] = anomaly_values(norm[:, 0], norm[:, 1], norm[:, 2], kind, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        yho = block[:, pos["Y"]] / block[:, pos["Ho"]]
    yho[~np.isfinite(yho)] = np.nan
    basis = total if config.class_include_ce else total_no_ce
    classes = pd.Categorical.from_codes(
        _class_codes(basis, config.thresholds), categories=list(CLASS_LABELS), ordered=True
    )
    derived = pd.DataFrame(
        {
            "total_rey_ppm": total,
            "total_rey_no_ce_ppm": total_no_ce,
            "lree_ppm": light,
            "hree_ppm": heavy,
            "treo_ppm": oxides,
            "ce_anomaly": anomalies["ce"],
            "eu_anomaly": anomalies["eu"],
            "y_ho": yho,
            "rey_class": classes,
        },
        index=df.index,
    )
    base = df.drop(columns=[c for c in SUMMARY_COLUMNS if c in df.columns])
    out = pd.concat([base, derived], axis=1)
    out.attrs = dict(df.attrs)
    out.attrs["notes"] = list(df.attrs.get("notes", [])) + notes
    out.attrs["geochem_config"] = config.to_dict()
    if "censored_policy" in df.attrs:
        out.attrs["notes"].append(
            f"censored values were substituted by the store policy {df.attrs['censored_policy']!r}"
        )
    return out
