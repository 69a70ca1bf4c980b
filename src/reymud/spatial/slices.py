"""The 3-D BLOCK MODEL of a plan's depth window, built beside its 2-D model (one recipe for every entry point).

``reymud estimate --slices`` and ``assess`` (a plan with ``cutoff_basis: slice``) both build the
model of depth slices with :func:`plan_block_model_3d`: composites of the summarised samples
(:func:`reymud.cores.composite`) kriged slice by slice with the plan
(:func:`~reymud.spatial.blockmodel3d.estimate_block_model_3d`), on the 2-D model's grid, area of
interest and block fractions. :func:`slice_plan_problem` says before any estimation whether a
per-slice cut-off plan can be stated at all.
"""

from __future__ import annotations

import json

import pandas as pd
import xarray as xr

from reymud.spatial.blockmodel3d import estimate_block_model_3d
from reymud.spatial.crs import Grid
from reymud.spatial.plan import EstimationPlan

__all__ = ["plan_block_model_3d", "plan_slice_m", "slice_plan_problem"]

#: attributes of the 2-D model the 3-D one carries (the classification and the report read them)
_COLUMN_ATTRS: tuple[str, ...] = ("area_of_interest", "variogram_resolution")


def plan_slice_m(plan: EstimationPlan) -> float:
    """Thickness of the plan's depth slices (m): ``slice_m``, else the SMU thickness ``smu_thickness_m``."""
    return float(plan.slice_m or plan.smu_thickness_m)


def slice_plan_problem(plan: EstimationPlan) -> str | None:
    """Why the plan's per-slice (SMU) cut-off cannot be stated, or None when it can.

    The SMUs are whole numbers of slices (:func:`reymud.resource.blocks.merge_slices`) and the
    slices fill the depth window, so the SMU thickness must be a whole multiple of the slice
    thickness and the window a whole number of SMUs.

    Parameters
    ----------
    plan : EstimationPlan

    Returns
    -------
    str or None
        The problem and its fix, in one sentence.
    """
    slice_m, smu = plan_slice_m(plan), float(plan.smu_thickness_m)
    window = float(plan.window_base_mbsf - plan.window_top_mbsf)
    ratio = smu / slice_m
    if round(ratio) < 1 or abs(ratio - round(ratio)) > 1e-6:
        return (f"smu_thickness_m {smu:g} m is not a whole multiple of slice_m {slice_m:g} m: an SMU is made of "
                f"whole slices (set slice_m to {smu:g} or a divisor of it)")
    units = window / smu
    if abs(units - round(units)) > 1e-6:
        return (f"the {window:g} m depth window ({plan.window_top_mbsf:g}-{plan.window_base_mbsf:g} mbsf) is not a "
                f"whole number of {smu:g} m SMUs (change smu_thickness_m or the window)")
    return None


def plan_block_model_3d(samples: pd.DataFrame, points: pd.DataFrame, grid: Grid, plan: EstimationPlan,
                        column: xr.Dataset, synthetic: bool = False, plan_source: str | None = None) -> xr.Dataset:
    """The 3-D model of the plan's window in slices of :func:`plan_slice_m`, on the 2-D model's blocks.

    Parameters
    ----------
    samples : DataFrame
        Summarised samples (``reymud.geochem.summarise``): ``core_id, top_mbsf, bottom_mbsf`` and grades.
    points : DataFrame
        The window points of the 2-D model (``core_id, easting, northing``; one row per core).
    grid : Grid
        The 2-D model's grid.
    plan : EstimationPlan
        The run's plan: window, neighbourhood, block discretisation, trend and variogram recipe.
    column : xarray.Dataset
        The 2-D BLOCK MODEL of the same plan: its ``aoi_fraction`` and ``inside`` bound the 3-D
        blocks, its area of interest and variogram-resolution facts are copied, and every block's
        slices are rescaled to its tonnage and metal (``column`` of
        :func:`~reymud.spatial.blockmodel3d.estimate_block_model_3d`; unless the plan's
        ``slice_totals`` is ``"independent"``), so the per-slice and per-column statements agree
        at zero cut-off.
    synthetic : bool
        The data are SYNTHETIC demo data.
    plan_source : str, optional
        Where the plan came from (stored in ``attrs["plan_source"]``).

    Returns
    -------
    xarray.Dataset
        Dims ``(depth_mbsf, northing, easting)``; ``attrs["plan"]`` is the plan with
        ``cutoff_basis="slice"`` and ``smu_thickness_m`` = the slice thickness (the model's own
        basis; a statement merges the slices into the plan's SMU with
        :func:`reymud.resource.blocks.merge_slices`).

    Raises
    ------
    ValueError
        No composite in a slice, or the estimation's own errors.

    Warns
    -----
    SliceReconciliationWarning
        Slices and column disagree (:func:`~reymud.spatial.blockmodel3d.estimate_block_model_3d`);
        per-slice variogram fits warn as that function does.
    """
    from reymud.cores import composite

    slice_m = plan_slice_m(plan)
    top, base = plan.window
    composites = composite(samples, length_m=slice_m, top_mbsf=top)
    ds3 = estimate_block_model_3d(composites, points, grid, slice_m=slice_m, top_mbsf=top, base_mbsf=base,
                                  synthetic=synthetic, plan=plan, column=column)
    ds3["aoi_fraction"] = column["aoi_fraction"]
    ds3["inside"] = ds3["inside"] & column["inside"] if "inside" in ds3 else column["inside"]
    own = plan.replace(cutoff_basis="slice", smu_thickness_m=slice_m)
    ds3.attrs["plan"] = json.dumps(own.to_dict())
    if plan_source is not None:
        ds3.attrs["plan_source"] = plan_source
    ds3.attrs.update({k: column.attrs[k] for k in _COLUMN_ATTRS if k in column.attrs})
    return ds3
