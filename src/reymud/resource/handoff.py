"""The hand-off to the supply stage: contained oxide per element (with P10/P50/P90)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reymud.elements import REY, oxide_names

__all__ = ["ELEMENT_RESOURCE_COLUMNS", "element_resource", "read_element_resource"]

ELEMENT_RESOURCE_COLUMNS = ("element", "oxide", "contained_oxide_t", "p10", "p50", "p90")


def _is_summary(frame: pd.DataFrame) -> bool:
    return {"element", "p10", "p50", "p90"} <= set(frame.columns)


def _pick_cutoff(frame: pd.DataFrame, cutoff: float | None) -> float:
    available = np.unique(frame["cutoff"].to_numpy(dtype=float))
    if available.size == 0:
        raise ValueError("the table has no rows: nothing to hand over")
    if cutoff is None:
        return float(available.min())
    if not np.isclose(available, cutoff).any():
        raise ValueError(f"cut-off {cutoff:g} is not in the table; available: {', '.join(f'{a:g}' for a in available)}")
    return float(available[np.isclose(available, cutoff)][0])


def element_resource(
    table_or_summary: pd.DataFrame,
    summary: pd.DataFrame | None = None,
    cutoff: float | None = None,
    resource_class: str = "measured+indicated+inferred",
) -> pd.DataFrame:
    """Contained oxide per element: THE frame the supply stage takes.

    Parameters
    ----------
    table_or_summary : DataFrame
        A :func:`resource_table` (estimate) or an :func:`uncertainty_summary` (percentiles).
    summary : DataFrame, optional
        An uncertainty summary to add P10/P50/P90 beside the estimate of a resource table.
    cutoff : float, optional
        Cut-off to report; default the lowest in the table.
    resource_class : str
        Row of the resource table (default the whole resource, Measured+Indicated+Inferred).

    Returns
    -------
    DataFrame
        ``element, oxide, contained_oxide_t, p10, p50, p90`` (tonnes of oxide), one row per REY
        element present. ``contained_oxide_t`` is the block-model estimate; when only a summary
        is given it is the P50 (``attrs["basis"]`` says which). P columns are NaN without a summary.
    """
    table = None
    if _is_summary(table_or_summary):
        if summary is not None:
            raise ValueError("give a resource table first and the uncertainty summary as summary=")
        summary = table_or_summary
    else:
        table = table_or_summary
        missing = {"cutoff", "class"} - set(table.columns)
        if missing:
            raise ValueError(f"expected a resource_table (columns cutoff, class, <El>_oxide_t) or an "
                             f"uncertainty_summary; missing {sorted(missing)}")
    cut = _pick_cutoff(table if table is not None else summary, cutoff)
    names = oxide_names()
    result = pd.DataFrame({"element": list(REY), "oxide": [names[el] for el in REY]})
    basis = []
    if table is not None:
        rows = table[np.isclose(table["cutoff"].to_numpy(dtype=float), cut) & (table["class"] == resource_class)]
        if len(rows) != 1:
            classes = sorted(table["class"].unique())
            raise ValueError(f"resource table has no single {resource_class!r} row at cut-off {cut:g}; classes: {classes}")
        row = rows.iloc[0]
        result["contained_oxide_t"] = [float(row[f"{el}_oxide_t"]) if f"{el}_oxide_t" in row.index else np.nan
                                       for el in REY]
        basis.append(f"contained_oxide_t: block-model estimate, {resource_class}, cut-off {cut:g} ({row.get('by', '')})")
    if summary is not None:
        rows = summary[np.isclose(summary["cutoff"].to_numpy(dtype=float), cut)].set_index("element")
        if rows.empty:
            raise ValueError(f"uncertainty summary has no rows at cut-off {cut:g}")
        for p in ("p10", "p50", "p90"):
            result[p] = result["element"].map(rows[p]).astype(float)
        if table is None:
            result["contained_oxide_t"] = result["p50"]
            basis.append(f"contained_oxide_t: P50 of the realisations at cut-off {cut:g}")
        basis.append("p10/p50/p90: percentiles over realisations, P10 = low case")
    else:
        for p in ("p10", "p50", "p90"):
            result[p] = np.nan
    result = result[result["contained_oxide_t"].notna() | result["p50"].notna()]
    result = result[list(ELEMENT_RESOURCE_COLUMNS)].reset_index(drop=True)
    result.attrs.update(cutoff=cut, resource_class=resource_class, basis="; ".join(basis))
    return result


def read_element_resource(path: str | Path) -> pd.DataFrame:
    """A typed-in element resource (CSV or YAML) checked against the hand-off columns.

    CSV: columns ``element, contained_oxide_t`` at least (``oxide``, ``p10``, ``p50``, ``p90``
    optional). YAML: a mapping ``element: contained_oxide_t`` or a list of row mappings.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"element resource file {path} does not exist")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        with open(path, encoding="utf-8") as fh:
            content = yaml.safe_load(fh)
        if isinstance(content, dict):
            frame = pd.DataFrame({"element": list(content), "contained_oxide_t": list(content.values())})
        elif isinstance(content, list):
            frame = pd.DataFrame(content)
        else:
            raise ValueError(f"{path}: expected a mapping element -> contained_oxide_t or a list of rows")
    else:
        frame = pd.read_csv(path, comment="#")
    if not {"element", "contained_oxide_t"} <= set(frame.columns):
        raise ValueError(f"{path}: needs columns 'element' and 'contained_oxide_t'; found {list(frame.columns)}")
    bad = sorted(set(frame["element"]) - set(REY))
    if bad:
        raise ValueError(f"{path}: unknown element(s) {bad}; use REY symbols such as 'Nd', 'Dy', 'Y'")
    values = pd.to_numeric(frame["contained_oxide_t"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        row = int(np.flatnonzero(values.isna() | (values < 0))[0]) + 2
        raise ValueError(f"{path}: row {row}: contained_oxide_t must be a non-negative number of tonnes")
    frame["contained_oxide_t"] = values.astype(float)
    names = oxide_names()
    frame["oxide"] = frame["element"].map(names) if "oxide" not in frame else frame["oxide"].fillna(frame["element"].map(names))
    for p in ("p10", "p50", "p90"):
        frame[p] = pd.to_numeric(frame[p], errors="coerce") if p in frame else np.nan
    out = frame[list(ELEMENT_RESOURCE_COLUMNS)].reset_index(drop=True)
    out.attrs.update(basis=f"typed in from {path.name}")
    return out
