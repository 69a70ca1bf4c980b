"""Response and request models (they document the API in the OpenAPI schema at ``/openapi.json``)
and the helpers that turn frames into JSON without a Python loop over rows."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from reymud.assess.results import jsonable

__all__ = [
    "AssessJobRequest",
    "ErrorResponse",
    "GridResponse",
    "JobModel",
    "ProjectInfo",
    "ResourceQuery",
    "ScenarioRunResponse",
    "Table",
    "UploadResponse",
    "Vocabulary",
    "cached_json",
    "frame_body",
    "frame_json",
    "frame_response",
    "json_body",
    "json_response",
]


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer: a readable ``detail``; uploads add ``file``, ``row``, ``column``."""

    detail: str = Field(description="what is wrong and how to fix it")
    file: str | None = None
    row: int | None = Field(default=None, description="1-based spreadsheet row (header = row 1)")
    column: str | None = None
    errors: list[dict[str, Any]] | None = Field(default=None, description="per-field validation errors")


class ProjectInfo(BaseModel):
    """What the project holds and what has been produced."""

    name: str
    synthetic: bool = Field(description="True once a file marked SYNTHETIC was ingested")
    metadata: dict[str, str]
    n_cores: int
    n_samples: int
    n_imports: int
    assessed: bool
    has_block_model: bool
    frames: list[str]
    token_required: bool = Field(description="write endpoints need 'Authorization: Bearer <token>'")
    max_upload_mb: float
    default_cutoff_ppm: float


class Vocabulary(BaseModel):
    """The names the page needs (from the package, so the page never keeps copies)."""

    elements: list[str] = Field(description="REY element symbols in plot order (Y between Dy and Ho)")
    classes: list[str] = Field(description="resource classes, most to least confident")
    rey_rich_threshold_ppm: float = Field(description="total REY of a REY-rich sample (Kato et al. 2011)")
    cutoff_columns: list[str] = Field(description="columns a cut-off can apply to (`by` of /api/resource)")


class Table(BaseModel):
    """A table: ``columns`` and ``rows`` (one object per row; NaN as null)."""

    model_config = ConfigDict(extra="allow")
    columns: list[str]
    rows: list[dict[str, Any]]


class GridResponse(BaseModel):
    """A block-model variable for a heatmap (rows follow ``northing_m``, columns ``easting_m``)."""

    variable: str
    crs: str | None
    cell_size_m: float | None
    shape: list[int] = Field(description="full grid size (rows, columns) before decimation")
    stride: int = Field(description="cells averaged per side for display (1 = full resolution)")
    easting_m: list[float]
    northing_m: list[float]
    values: list[list[float | None]]
    synthetic: bool


class ResourceQuery(BaseModel):
    """Tonnage and grades at or above one cut-off, in total and per class."""

    model_config = ConfigDict(extra="allow")
    cutoff: float
    by: str
    total: dict[str, float | int | None]
    classes: dict[str, dict[str, float | int | None]]


class UploadResponse(BaseModel):
    """Result of ``POST /api/uploads``."""

    reports: list[dict[str, Any]]
    project: dict[str, Any]


class JobModel(BaseModel):
    """Status of a background job."""

    id: str
    kind: str = Field(description="assess | scenario")
    status: str = Field(description="queued | running | succeeded | failed | cancelled")
    progress: float = Field(ge=0, le=1)
    messages: list[str]
    error: str | None
    result_url: str | None = Field(description="GET this for the result once succeeded")
    created_s: float
    started_s: float | None
    finished_s: float | None


class AssessJobRequest(BaseModel):
    """Overrides of :class:`reymud.assess.AssessConfig` (any field; unknown names are refused)."""

    config: dict[str, Any] = Field(default_factory=dict, examples=[{"n_realizations": 20, "cell_m": 500.0}])


class ScenarioRunResponse(BaseModel):
    """Result of a scenario: monthly series (long), per-element summary and the notes on bases."""

    model_config = ConfigDict(extra="allow")
    name: str
    monthly: Table
    summary: Table
    unmet_by_month: Table = Field(description="unmet demand per case and month, summed over elements (t)")
    notes: list[str]


def frame_json(df: pd.DataFrame) -> dict[str, Any]:
    """A frame as ``{"columns": [...], "rows": [...]}`` (vectorised through ``DataFrame.to_json``)."""
    df = df.reset_index(drop=True)
    df.columns = [str(c) for c in df.columns]
    rows = json.loads(df.to_json(orient="records", date_format="iso", double_precision=10))
    return {"columns": list(df.columns), "rows": rows}



def json_body(payload: Any) -> bytes:
    """``payload`` as JSON bytes (NaN and infinities as null, see :func:`json_response`)."""
    return json.dumps(jsonable(payload), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def frame_body(df: pd.DataFrame, **extra: Any) -> bytes:
    """The body of :func:`frame_response` as JSON bytes (for :func:`cached_json`)."""
    return json.dumps({**frame_json(df), **jsonable(extra)}, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode()


def cached_json(body: bytes, status_code: int = 200) -> Response:
    """An answer from JSON bytes built once per project version (see ``ProjectState.cached_body``)."""
    return Response(body, status_code=status_code, media_type="application/json")


def json_response(payload: Any, status_code: int = 200) -> Response:
    """A JSON answer; NaN and infinities become null (see :func:`reymud.assess.results.jsonable`)."""
    return JSONResponse(jsonable(payload), status_code=status_code)


def frame_response(df: pd.DataFrame, **extra: Any) -> Response:
    """A :func:`frame_json` answer, with extra top-level keys."""
    return JSONResponse({**frame_json(df), **jsonable(extra)})
