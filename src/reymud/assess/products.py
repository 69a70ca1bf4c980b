"""What the assessment's stages hand each other: one frozen product per stage (the contract).

A stage is a function ``stage(ctx, *needed_products) -> Product``; its type hints ARE its
declaration: the parameters after ``ctx`` name the products it needs, the return annotation the
product it provides (:class:`reymud.assess.pipeline.Stage`). Each product carries the frames and
objects later stages, the figures and the saved artefacts read, and ``section``: its part of
``results.json``. Fields are documented in docs/CONTRACTS.md (assess).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import xarray as xr

from reymud.assess.cluster import DaskSession
from reymud.assess.config import AssessConfig
from reymud.geochem import GeochemConfig
from reymud.resource import ResourceConfig
from reymud.resource.basis import CutoffBasis
from reymud.spatial.covariance import VariogramModel
from reymud.spatial.crs import Grid
from reymud.spatial.plan import EstimationPlan
from reymud.supply import ProductionConfig

__all__ = [
    "BlockModelProduct",
    "CoresProduct",
    "CrossValidationProduct",
    "DataProduct",
    "GeochemProduct",
    "Product",
    "ProductionProduct",
    "QaqcProduct",
    "ResourceProduct",
    "RunContext",
    "ScenarioProduct",
    "SimulationProduct",
    "SupplyProduct",
    "VariographyProduct",
    "WindowProduct",
]


class Product(Protocol):
    """What every stage product offers the run besides its typed fields."""

    def frames(self) -> dict[str, pd.DataFrame]:
        """Tables by name for ``AssessResult.frames`` (figures; the contract's frames are saved)."""
        ...

    def sections(self) -> dict[str, Any]:
        """Its ``results.json`` section(s) by name."""
        ...


@dataclass(frozen=True)
class RunContext:
    """What every stage may use besides its products: the project, the config and the run's log.

    Attributes
    ----------
    project : reymud.store.Project
        The open project (read by the data stages; nothing is written before the run ends).
    config : AssessConfig
        Every judgement default of the run.
    synthetic : bool
        The project holds SYNTHETIC demo data (metadata ``synthetic``).
    dask : DaskSession or None
        The simulation's Dask session (started before the first stage so workers warm up).
    warnings : list of str
        Warnings in the order the stages raise them (``results.json["warnings"]``).
    timestamps : dict
        Wall-clock times (``provenance.timestamps``; volatile).
    on_detail : callable or None
        Progress detail of the running stage (e.g. realisations done).
    """

    project: Any
    config: AssessConfig
    synthetic: bool = False
    dask: DaskSession | None = None
    warnings: list[str] = field(default_factory=list)
    timestamps: dict[str, Any] = field(default_factory=dict)
    on_detail: Callable[[str], None] | None = None

    def report(self, detail: str) -> None:
        """Pass a progress detail of the running stage to the caller."""
        if self.on_detail is not None:
            self.on_detail(detail)


@dataclass(frozen=True)
class DataProduct:
    """The project's data: wide samples, cores, long assays and the ``data`` section."""

    samples: pd.DataFrame
    cores: pd.DataFrame
    assays: pd.DataFrame
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"samples_raw": self.samples, "cores_table": self.cores}

    def sections(self) -> dict[str, Any]:
        return {"data": self.section}


@dataclass(frozen=True)
class QaqcProduct:
    """CRM accuracy, duplicate precision (pairs and per analyte), blank levels."""

    crm: pd.DataFrame
    duplicates: pd.DataFrame
    duplicate_pairs: pd.DataFrame
    blanks: pd.DataFrame
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"qaqc_crm": self.crm, "qaqc_duplicates": self.duplicates,
                "qaqc_duplicate_pairs": self.duplicate_pairs, "qaqc_blanks": self.blanks}

    def sections(self) -> dict[str, Any]:
        return {"qaqc": self.section}


@dataclass(frozen=True)
class GeochemProduct:
    """Samples with the derived geochemistry (``geochem.summarise``) and the config used."""

    samples: pd.DataFrame
    config: GeochemConfig
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"samples_geochem": self.samples}

    def sections(self) -> dict[str, Any]:
        return {"geochemistry": self.section}


@dataclass(frozen=True)
class CoresProduct:
    """REY-rich layers and the per-core summary."""

    layers: pd.DataFrame
    core_summary: pd.DataFrame
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"layers": self.layers, "core_summary": self.core_summary}

    def sections(self) -> dict[str, Any]:
        return {"cores": self.section}


@dataclass(frozen=True)
class WindowProduct:
    """The estimation points (``spatial.points.window_points``: one row per core) and their CRS."""

    points: pd.DataFrame
    crs: str
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"window_points": self.points}

    def sections(self) -> dict[str, Any]:
        return {"window": self.section}


@dataclass(frozen=True)
class VariographyProduct:
    """Fitted variogram models by variable, their curves (lag, gamma) and the experimental points."""

    models: Mapping[str, VariogramModel]
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]]
    experimental: pd.DataFrame
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"experimental_variograms": self.experimental}

    def sections(self) -> dict[str, Any]:
        return {"variography": self.section}


@dataclass(frozen=True)
class BlockModelProduct:
    """The 2-D BLOCK MODEL, its grid and the run's estimation plan.

    ``block_model_3d`` is the 3-D model of the same window in depth slices
    (:func:`reymud.spatial.slices.plan_block_model_3d`), built when the plan's cut-off applies per
    slice (``cutoff_basis: slice``); None otherwise.
    """

    block_model: xr.Dataset
    grid: Grid
    plan: EstimationPlan
    section: dict[str, Any]
    block_model_3d: xr.Dataset | None = None

    def frames(self) -> dict[str, pd.DataFrame]:
        return {}

    def sections(self) -> dict[str, Any]:
        return {"block_model": self.section}


@dataclass(frozen=True)
class CrossValidationProduct:
    """Cross-validation per point and variable, swaths and the declustered mean."""

    table: pd.DataFrame
    swath: pd.DataFrame
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"cross_validation": self.table, "swath": self.swath}

    def sections(self) -> dict[str, Any]:
        return {"cross_validation": self.section}


@dataclass(frozen=True)
class ResourceProduct:
    """Classes, blocks table, resource table, grade-tonnage and the resource config used.

    ``basis`` says where the cut-off applies (:class:`reymud.resource.basis.CutoffBasis`): per
    column of the 2-D model, or per selective mining unit of the 3-D model merged into SMUs
    (``statement_model``; None for the column basis, whose model is the 2-D one). ``classes`` are
    the 2-D model's (the class map); the blocks of a per-SMU statement carry their own SMU class.
    """

    classes: xr.DataArray
    config: ResourceConfig
    blocks: pd.DataFrame
    table: pd.DataFrame
    grade_tonnage: pd.DataFrame
    section: dict[str, Any]
    grade_tonnage_section: list[dict[str, Any]]
    basis: CutoffBasis = field(default_factory=lambda: CutoffBasis("column"))
    statement_model: xr.Dataset | None = None

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"blocks": self.blocks, "resource_table": self.table, "grade_tonnage": self.grade_tonnage}

    def sections(self) -> dict[str, Any]:
        return {"resource": self.section, "grade_tonnage": self.grade_tonnage_section}


@dataclass(frozen=True)
class SimulationProduct:
    """Realisations on the estimate's blocks, exceedance probabilities and the uncertainty band.

    ``model`` is the variogram simulated with; ``variography_entry`` (normal-score simulation) is its
    ``variography.total_rey_ppm_nscore`` entry: the declustered fit, not a fit of its own.
    """

    realizations: xr.DataArray
    exceedance: xr.Dataset
    model: VariogramModel
    uncertainty: pd.DataFrame
    section: dict[str, Any]
    uncertainty_section: dict[str, Any]
    variography_entry: dict[str, Any] | None = None

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"uncertainty": self.uncertainty}

    def sections(self) -> dict[str, Any]:
        return {"simulation": self.section, "uncertainty": self.uncertainty_section}


@dataclass(frozen=True)
class SupplyProduct:
    """The element resource (the hand-off to supply) and the per-element supply table."""

    element_resource: pd.DataFrame
    table: pd.DataFrame
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"element_resource": self.element_resource, "supply_summary": self.table}

    def sections(self) -> dict[str, Any]:
        return {"supply": self.section}


@dataclass(frozen=True)
class ProductionProduct:
    """The production schedule and the preset it used."""

    schedule: pd.DataFrame
    config: ProductionConfig
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"production_schedule": self.schedule}

    def sections(self) -> dict[str, Any]:
        return {"production": self.section}


@dataclass(frozen=True)
class ScenarioProduct:
    """The export-restriction scenario's summary and monthly balance."""

    summary: pd.DataFrame
    monthly: pd.DataFrame
    section: dict[str, Any]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"scenario_summary": self.summary, "scenario_monthly": self.monthly}

    def sections(self) -> dict[str, Any]:
        return {"scenario": self.section}
