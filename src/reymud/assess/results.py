"""The result of an assessment: frames and grids for figures, and the ``results.json`` dict.

Every number shown in the HTML report is read from :attr:`AssessResult.results` (the same dict
that is written as ``results.json``), so the report and the JSON can never disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import xarray as xr

from reymud.resource.basis import CutoffBasis

__all__ = ["AssessResult", "cutoff_basis_statement", "jsonable", "records", "resolve_key", "strip_volatile"]

T = TypeVar("T")

#: Keys whose values change from run to run (wall-clock times); ignored when comparing runs.
VOLATILE_KEYS: tuple[str, ...] = ("timestamps",)


def jsonable(obj: Any) -> Any:
    """Convert numpy/pandas objects to plain JSON types (NaN and NaT become ``None``).

    Parameters
    ----------
    obj : Any
        DataFrame (-> list of row dicts), Series (-> dict), dataclass or mapping (-> dict),
        sequence, numpy scalar,
        timestamp, path or plain value.

    Returns
    -------
    Any
        An object ``json.dumps`` accepts with ``allow_nan=False``.
    """
    container = _container(obj)
    if container is not _NOT_HANDLED:
        return container
    return _scalar(obj)


_NOT_HANDLED = object()


def _container(obj: Any) -> Any:
    """Frames, dataclasses, series, mappings and sequences, converted item by item (else ``_NOT_HANDLED``)."""
    if isinstance(obj, pd.DataFrame):
        return records(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, pd.Series):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset, np.ndarray, pd.Index)):
        return [jsonable(v) for v in obj]
    return _NOT_HANDLED


def _scalar(obj: Any) -> Any:
    """One value: bool, int, finite float (else None), missing (None), time (ISO), path or text."""
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if obj is None or obj is pd.NaT or obj is pd.NA:
        return None
    if isinstance(obj, (pd.Timestamp, _dt.datetime, _dt.date)):
        return obj.isoformat()
    if isinstance(obj, (Path, str)):
        return str(obj) if isinstance(obj, Path) else obj
    try:
        if pd.isna(obj):
            return None
    except (TypeError, ValueError):
        pass
    return str(obj)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON-ready dicts (index dropped unless it is named)."""
    if frame.index.name is not None or isinstance(frame.index, pd.MultiIndex):
        frame = frame.reset_index()
    columns = [str(c) for c in frame.columns]
    return [dict(zip(columns, (jsonable(v) for v in row), strict=True))
            for row in frame.itertuples(index=False, name=None)]


def resolve_key(results: Mapping[str, Any], key: str) -> Any:
    """Value at a dotted path such as ``"resource.table.3.dry_t"`` (integers index lists).

    A key that itself contains dots (``"years_japan_x0.5"``) is found too: at each mapping the
    longest run of the remaining parts that is one of its keys is taken first, then shorter ones
    (``"a.b.c"`` finds ``{"a": {"b.c": 1}}`` and ``{"a.b": {"c": 2}}``).

    Raises
    ------
    KeyError
        Naming the first part of ``key`` that does not exist.
    """
    found, value, failed = _walk(results, key.split("."))
    if not found:
        raise KeyError(f"{key!r}: {failed}")
    return value


def _walk(node: Any, parts: list[str]) -> tuple[bool, Any, str]:
    """(found, value, reason) of ``parts`` below ``node``; dotted mapping keys tried longest first."""
    if not parts:
        return True, node, ""
    if isinstance(node, list):
        try:
            item = node[int(parts[0])]
        except (ValueError, IndexError):
            return False, None, f"no list item {parts[0]!r}"
        return _walk(item, parts[1:])
    if isinstance(node, Mapping):
        reason = f"no key {parts[0]!r}"
        for n in range(len(parts), 0, -1):
            name = ".".join(parts[:n])
            if name in node:
                found, value, why = _walk(node[name], parts[n:])
                if found:
                    return True, value, ""
                reason = why
        return False, None, reason
    return False, None, f"no key {parts[0]!r}"


def cutoff_basis_statement(results: Mapping[str, Any]) -> str:
    """Where the statement's cut-off applies, as one sentence (the CLI summary and the report print it).

    A per-slice statement carries it in ``resource.cutoff_basis.statement``; without that entry the
    cut-off applied per column (the plan's default basis, ``plan.cutoff_basis: column``).
    """
    stated = (results.get("resource") or {}).get("cutoff_basis") or {}
    return str(stated.get("statement") or CutoffBasis("column").statement)


def strip_volatile(results: Any) -> Any:
    """Copy of ``results`` without the wall-clock keys (:data:`VOLATILE_KEYS`), for comparisons."""
    if isinstance(results, Mapping):
        return {k: strip_volatile(v) for k, v in results.items() if k not in VOLATILE_KEYS}
    if isinstance(results, list):
        return [strip_volatile(v) for v in results]
    return results


@dataclass
class AssessResult:
    """Everything an assessment produced.

    Attributes
    ----------
    results : dict
        The ``results.json`` content (JSON types only); see ``docs/results-schema.md``.
    frames : dict of str to DataFrame
        Tables: the contract's saved frames (``core_summary``, ``layers``, ``samples_geochem``,
        ``window_points``, ``blocks``, ``resource_table``, ``grade_tonnage``, ``uncertainty``,
        ``element_resource``, ``supply_summary``, ``production_schedule``,
        ``cross_validation``) plus figure inputs (``experimental_variograms``, ``swath``, ...).
    block_model : xarray.Dataset
        The 2-D BLOCK MODEL of the contract.
    block_model_3d : xarray.Dataset or None
        The 3-D model in depth slices of a plan whose cut-off applies per slice (``cutoff_basis:
        slice``); None otherwise.
    exceedance : xarray.Dataset
        ``probability`` above each cut-off, dims ``("cutoff_ppm", "northing", "easting")``.
    provenance : dict
        Inputs, parameters, software versions, seeds and timestamps (also in ``results``).
    paths : dict of str to Path
        Files written (``report``, ``results``, ``block_model``, ``exceedance``, ``block_model_3d``).
    products : dict of type to product
        The stages' frozen products (:mod:`reymud.assess.products`) by type, in run order; read
        one with :meth:`product`, e.g. ``result.product(VariographyProduct).models``.
    """

    results: dict[str, Any]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    block_model: xr.Dataset | None = None
    exceedance: xr.Dataset | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    products: Mapping[type, Any] = field(default_factory=dict, repr=False)
    block_model_3d: xr.Dataset | None = None

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A frame by name, e.g. ``result["resource_table"]``."""
        try:
            return self.frames[name]
        except KeyError:
            raise KeyError(f"no frame {name!r}; available: {sorted(self.frames)}") from None

    def product(self, kind: type[T]) -> T:
        """The stage product of type ``kind`` (e.g. ``ResourceProduct``)."""
        try:
            return self.products[kind]
        except KeyError:
            names = sorted(t.__name__ for t in self.products)
            raise KeyError(f"no stage product {kind.__name__}; available: {names}") from None

    @property
    def synthetic(self) -> bool:
        """True when the project holds synthetic demo data."""
        return bool(self.results.get("synthetic", False))

    def to_dict(self) -> dict[str, Any]:
        """The ``results.json`` dict (a deep JSON-ready copy)."""
        return json.loads(self.to_json())

    def to_json(self, path: str | Path | None = None, indent: int = 2) -> str:
        """Serialise :attr:`results` (strict JSON: no NaN); write it to ``path`` when given."""
        text = json.dumps(jsonable(self.results), indent=indent, allow_nan=False, sort_keys=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text
