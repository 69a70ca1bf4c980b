"""Schema of ``results.json`` (pydantic models; documented in ``docs/results-schema.md``).

Tables are lists of row objects whose keys are the column names of the matching frame; the
schema fixes the sections, their scalar fields and the columns every row must have.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["SCHEMA_VERSION", "Results", "results_json_schema", "validate_results"]

SCHEMA_VERSION = "reymud.results/1"

Row = dict[str, Any]


def _rows_have(rows: list[Row], columns: tuple[str, ...], where: str) -> None:
    for i, row in enumerate(rows):
        missing = [c for c in columns if c not in row]
        if missing:
            raise ValueError(f"{where}[{i}] lacks column(s) {missing}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="allow")


class Data(_Section):
    n_cores: int = Field(ge=0)
    n_samples: int = Field(ge=0)
    n_assays: int = Field(ge=0)
    n_analytes: int = Field(ge=0)
    sample_top_mbsf: float | None
    sample_base_mbsf: float | None
    water_depth_min_m: float | None
    water_depth_max_m: float | None
    imports: list[Row]
    censored_counts: dict[str, int]
    censored_policy: str

    @model_validator(mode="after")
    def _cols(self) -> Data:
        _rows_have(self.imports, ("file_name", "sha256", "n_rows", "n_values", "status"), "data.imports")
        return self


class QAQC(_Section):
    n_crm: int
    n_duplicate: int
    n_blank: int
    crm: list[Row]
    duplicates: list[Row]
    blanks: list[Row]

    @model_validator(mode="after")
    def _cols(self) -> QAQC:
        _rows_have(self.crm, ("reference", "analyte", "n", "mean", "certified", "bias_pct"), "qaqc.crm")
        _rows_have(self.duplicates, ("analyte", "n_pairs", "precision_pct"), "qaqc.duplicates")
        _rows_have(self.blanks, ("analyte", "n", "mean", "max"), "qaqc.blanks")
        return self


class Geochemistry(_Section):
    n_samples: int
    stats: list[Row]
    class_counts: dict[str, int]
    config: dict[str, Any]

    @model_validator(mode="after")
    def _cols(self) -> Geochemistry:
        _rows_have(self.stats, ("variable", "mean", "median", "min", "max"), "geochemistry.stats")
        return self


class Cores(_Section):
    threshold_ppm: float
    n_layers: int
    n_cores_with_layers: int
    core_summary: list[Row]
    layers: list[Row]


class Window(_Section):
    top_mbsf: float
    base_mbsf: float
    domain: str
    crs: str
    n_points: int
    mean_thickness_m: float | None
    mean_total_rey_ppm: float | None
    points: list[Row]

    @model_validator(mode="after")
    def _cols(self) -> Window:
        _rows_have(self.points, ("core_id", "easting", "northing", "thickness_m", "total_rey_ppm"),
                   "window.points")
        return self


class Variogram(_Section):
    model: dict[str, Any]
    experimental: list[Row]
    transform: str | None


class BlockModel(_Section):
    crs: str
    cell_size_m: float
    nx: int
    ny: int
    n_cells: int
    n_inside: int
    area_inside_km2: float
    estimator: str
    means: dict[str, float | None]


class CrossValidation(_Section):
    folds: str | int
    summary: list[Row]
    points: list[Row]
    swath: list[Row]

    @model_validator(mode="after")
    def _cols(self) -> CrossValidation:
        _rows_have(self.points, ("variable", "core_id", "true", "estimate", "error"), "cross_validation.points")
        return self


class Resource(_Section):
    density_t_m3: float
    density_source: str
    cutoffs_ppm: list[float]
    class_counts: dict[str, int]
    table: list[Row]
    slab_check: dict[str, Any]

    @model_validator(mode="after")
    def _cols(self) -> Resource:
        _rows_have(self.table, ("cutoff", "class", "area_km2", "dry_t", "total_rey_ppm", "treo_t"),
                   "resource.table")
        return self


class Simulation(_Section):
    variable: str
    n_realizations: int
    seed: int
    cell_size_m: float
    scheduler: str
    band_method: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _trend(self) -> Simulation:
        # a simulated plan trend is reported with the share of clipped nodes (spatial._simtrend attrs)
        if self.band_method.get("trend", "none") != "none" and "trend_clipped_share" not in self.band_method:
            raise ValueError("simulation.band_method has a trend but no trend_clipped_share")
        return self


class Uncertainty(_Section):
    table: list[Row]
    exceedance_cutoffs_ppm: list[float]

    @model_validator(mode="after")
    def _cols(self) -> Uncertainty:
        _rows_have(self.table, ("cutoff", "element", "p10", "p50", "p90"), "uncertainty.table")
        return self


class Supply(_Section):
    element_resource: list[Row]
    summary: list[Row]


class Production(_Section):
    preset: str
    config: dict[str, Any]
    schedule: list[Row]
    totals: dict[str, Any]


class Scenario(_Section):
    name: str
    config: dict[str, Any]
    results: list[Row]


class Provenance(_Section):
    reymud_version: str
    software: dict[str, str]
    parameters: dict[str, Any]
    seeds: dict[str, int]
    inputs: list[Row]
    reference_data: dict[str, str]
    timestamps: dict[str, Any]

    @model_validator(mode="after")
    def _cols(self) -> Provenance:
        needed = ("reymud", "numpy", "scipy", "pandas", "xarray", "gstools", "dask", "duckdb")
        missing = [n for n in needed if n not in self.software]
        if missing:
            raise ValueError(f"provenance.software lacks {missing}")
        _rows_have(self.inputs, ("file_name", "sha256"), "provenance.inputs")
        return self


class Results(BaseModel):
    """Top level of ``results.json``."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = Field(pattern=r"^reymud\.results/\d+$")
    title: str
    synthetic: bool
    project: str
    data: Data
    qaqc: QAQC
    geochemistry: Geochemistry
    cores: Cores
    window: Window
    variography: dict[str, Variogram]
    block_model: BlockModel
    cross_validation: CrossValidation
    resource: Resource
    grade_tonnage: list[Row]
    simulation: Simulation
    uncertainty: Uncertainty
    supply: Supply
    production: Production
    scenario: Scenario
    plan: dict[str, Any] = Field(default_factory=dict, description="EstimationPlan.to_dict() of the run")
    plan_source: str = Field("AssessConfig", description="where the plan came from (reymud.spatial.plan."
                                                         "resolve_plan: '--plan FILE', 'project', 'defaults', "
                                                         "with the config/options applied on top)")
    provenance: Provenance
    warnings: list[str]


def validate_results(results: dict[str, Any]) -> Results:
    """Check a ``results.json`` dict against the schema.

    Raises
    ------
    ValueError
        (pydantic ``ValidationError``) naming every field that is missing or of the wrong type.
    """
    return Results.model_validate(results)


def results_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``results.json``."""
    return Results.model_json_schema()
