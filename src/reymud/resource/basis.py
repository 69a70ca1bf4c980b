"""Where the cut-off applies: per column (2-D model) or per selective mining unit (3-D model).

:func:`statement_blocks` is the one recipe of the blocks a resource statement is made of, used by
``reymud resource`` and by ``assess``'s resource stage: a 2-D model's blocks are whole columns
(the cut-off applies to the window-average grade); a 3-D model's slices are merged into selective
mining units of the stated thickness (:func:`~reymud.resource.blocks.merge_slices`) and the
cut-off applies to each SMU. Then the blocks are classified and tabled
(:func:`~reymud.resource.classify.class_codes`, :func:`~reymud.resource.blocks.blocks_table`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import xarray as xr

from reymud.resource.blocks import blocks_table, merge_slices
from reymud.resource.classify import class_codes
from reymud.resource.config import ClassificationRules

__all__ = ["BasisError", "CutoffBasis", "StatementBlocks", "statement_blocks"]


class BasisError(ValueError):
    """The model cannot take the asked cut-off basis (e.g. an SMU that is not a whole number of slices)."""


@dataclass(frozen=True)
class CutoffBasis:
    """Where a statement's cut-off applies.

    Attributes
    ----------
    kind : {"column", "slice"}
        Per block column (2-D model) or per slice of a 3-D model (each a selective mining unit).
    thickness_m : float or None
        SMU thickness of a ``slice`` basis (m).
    merged_from_m : float or None
        Thickness of the model's slices when they were merged into thicker SMUs (m).
    """

    kind: str
    thickness_m: float | None = None
    merged_from_m: float | None = None

    @property
    def label(self) -> str:
        """Short form for tables and JSON: ``column`` or ``slice 1 m``."""
        return "column" if self.kind == "column" else f"slice {self.thickness_m:g} m"

    @property
    def statement(self) -> str:
        """The sentence a statement carries, e.g. ``cut-off applied per 1 m slice (selective mining unit)``."""
        if self.kind == "column":
            return "cut-off applied per column (window average grade, 2-D model)"
        merged = f", merged from {self.merged_from_m:g} m slices" if self.merged_from_m else ""
        return f"cut-off applied per {self.thickness_m:g} m slice (selective mining unit{merged})"

    def to_dict(self) -> dict:
        """JSON-ready: kind, thickness, label and statement."""
        return {"kind": self.kind, "smu_thickness_m": self.thickness_m, "merged_from_slice_m": self.merged_from_m,
                "label": self.label, "statement": self.statement}


@dataclass(frozen=True)
class StatementBlocks:
    """The blocks of a resource statement and how they were made.

    Attributes
    ----------
    model : xarray.Dataset
        The model the cut-off applies to: the 2-D model, or the 3-D one merged into SMUs.
    classes : xarray.DataArray or None
        Class codes of ``model`` (:func:`class_codes`); None when it could not be classified.
    blocks : DataFrame
        :func:`blocks_table` of ``model``.
    basis : CutoffBasis
    notes : list of str
        The classification's resolution note, or why every block is unclassified.
    """

    model: xr.Dataset
    classes: xr.DataArray | None
    blocks: pd.DataFrame
    basis: CutoffBasis
    notes: list[str] = field(default_factory=list)


def statement_blocks(ds: xr.Dataset, rules: ClassificationRules, density_t_m3: float | None = None,
                     smu_thickness_m: float | None = None, strict: bool = False) -> StatementBlocks:
    """Blocks of the resource statement of a 2-D (per column) or 3-D (per SMU) BLOCK MODEL.

    Parameters
    ----------
    ds : xarray.Dataset
        BLOCK MODEL; 3-D with ``depth_mbsf`` and ``attrs["slice_thickness_m"]``.
    rules : ClassificationRules
    density_t_m3 : float, optional
        Density where the data carry none; None = the stated default (and said so).
    smu_thickness_m : float, optional
        SMU thickness of a 3-D model (m): its slices are merged into SMUs of this thickness
        (:func:`merge_slices`); None = the model's own slices. Ignored for a 2-D model.
    strict : bool
        Raise when the blocks cannot be classified (e.g. no variogram range); False = every block
        unclassified, with a note saying why.

    Returns
    -------
    StatementBlocks

    Raises
    ------
    BasisError
        An SMU that is not a whole number of the model's slices (:func:`merge_slices`).
    ValueError
        A model that is not a BLOCK MODEL, or (``strict``) one that cannot be classified.
    """
    if "depth_mbsf" in ds.dims:
        if smu_thickness_m is not None:
            try:
                ds = merge_slices(ds, float(smu_thickness_m), density_t_m3)
            except ValueError as exc:
                raise BasisError(str(exc)) from exc
        merged = float(ds.attrs["merged_from_slice_m"]) if "merged_from_slice_m" in ds.attrs else None
        basis = CutoffBasis("slice", float(ds.attrs.get("slice_thickness_m", float("nan"))), merged)
    else:
        basis = CutoffBasis("column")
    notes: list[str] = []
    try:
        classes = class_codes(ds, rules)
        notes.append(f"classification: {classes.attrs['resolution']}")  # variogram-resolution rules
    except ValueError as exc:
        if strict:
            raise
        classes = None
        notes.append(f"all blocks unclassified: {exc}")
    blocks = blocks_table(ds, density_t_m3=density_t_m3, classes=classes)
    return StatementBlocks(model=ds, classes=classes, blocks=blocks, basis=basis, notes=notes)
