"""Background jobs: run an assessment or a scenario, poll progress, fetch the result and files."""

from __future__ import annotations

import json
import numbers
import shutil
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, Response

from reymud.supply import ScenarioConfig
from reymud.web.deps import AppContext, context, require_write
from reymud.web.jobs import Job, JobCancelled, NotCancellable, QueueFull
from reymud.web.routes.supply import scenario_payload
from reymud.web.schemas import AssessJobRequest, ErrorResponse, JobModel, json_response
from reymud.web.security import resolve_inside

__all__ = ["progress_adapter", "router"]

router = APIRouter(prefix="/api/jobs", tags=["jobs"],
                   responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse},
                              404: {"model": ErrorResponse}, 409: {"model": ErrorResponse},
                              422: {"model": ErrorResponse}})
_QUEUE_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorResponse, "description": "queue full for this kind; retry after `Retry-After` seconds",
          "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}}}

Ctx = Annotated[AppContext, Depends(context)]


def progress_adapter(job: Job):
    """A progress callback for the pipeline that accepts the usual shapes.

    ``(fraction)``, ``(fraction, message)``, ``(message, fraction)``, ``(done, total)``,
    ``(done, total, message)`` and keyword forms (``fraction=``, ``message=``, ``step=``...).
    """
    def callback(*args: Any, **kwargs: Any) -> None:
        values = [*args, *kwargs.values()]
        numbers_ = [float(v) for v in values if isinstance(v, numbers.Real) and not isinstance(v, bool)]
        text = " ".join(str(v) for v in values if isinstance(v, str)) or None
        fraction = None
        if len(numbers_) >= 2 and numbers_[1] > 0:
            fraction = numbers_[0] / numbers_[1]
        elif len(numbers_) == 1:
            fraction = numbers_[0] if numbers_[0] <= 1.0 else None
        job.report(fraction, text)
    return callback


def _commit_aware(job: Job, n_stages: int) -> Callable[..., None]:
    """Progress callback that enters the job's commit phase when assess starts saving.

    ``assess`` calls ``progress(label, stages_done, stages_total)``; ``stages_done == n_stages``
    is "saving results": from there on the job is not cancellable, before it nothing is written.
    """
    adapter = progress_adapter(job)

    def callback(*args: Any, **kwargs: Any) -> None:
        adapter(*args, **kwargs)
        if len(args) >= 2 and isinstance(args[1], int) and args[1] >= n_stages:
            job.begin_commit()
    return callback


def _assess_job(ctx: AppContext, overrides: dict[str, Any]):
    def run(job: Job) -> dict[str, Any]:
        from reymud.assess import AssessConfig, assess
        from reymud.assess.run import STAGES
        from reymud.report import write_report

        out_dir = resolve_inside(ctx.state.runs_dir, job.id)
        out_dir.mkdir(parents=True, exist_ok=True)
        try:
            job.report(0.0, "waiting for the project")
            with ctx.state.writing() as project:
                # the project's ONE plan (reymud.spatial.plan.resolve_plan) as it is when the job
                # starts, the request's overrides on top (checked against the defaults on submit)
                config = AssessConfig.for_project(project, values=overrides)
                job.report(0.01, "assessment started")
                result = assess(project, out_dir, config=config, progress=_commit_aware(job, len(STAGES)))
            result.paths["report"] = write_report(result, out_dir / "report.html", max_cells=config.max_display_cells)
        except JobCancelled:
            shutil.rmtree(out_dir, ignore_errors=True)
            raise
        files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())
        job.report(1.0, "assessment finished")
        return {
            "out_dir": out_dir.name,
            "files": files,
            "file_urls": {f: f"/api/jobs/{job.id}/files/{f}" for f in files},
            "sections": sorted(getattr(result, "results", {}) or {}),
        }
    return run


def _submit(ctx: AppContext, kind: str, func: Callable[[Job], Any], key: str) -> Response:
    try:
        job = ctx.jobs.submit(kind, func, key=key)
    except QueueFull as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after_s)}) from None
    return json_response(job.to_dict(), status_code=202)


@router.post("/assess", response_model=JobModel, status_code=202, dependencies=[Depends(require_write)],
             summary="Run the assessment as a background job", responses=_QUEUE_RESPONSES)
def start_assess(ctx: Ctx, body: AssessJobRequest | None = None) -> Response:
    """Start ``reymud.assess.assess`` on this project with ``config`` overrides of
    :class:`reymud.assess.AssessConfig`; poll ``GET /api/jobs/{id}`` for progress. Output files go
    to ``<project>.files/web_runs/<job id>/``; the project's saved results are replaced. An
    identical request while one is still queued returns that job; ``429`` when the queue is full."""
    from reymud.assess import AssessConfig

    overrides = (body.config if body else {}) or {}
    try:  # checked now without opening the project: a running assessment holds it (the job applies
        AssessConfig.for_project(None, values=overrides)  # the overrides to the project's own plan)
    except (ValueError, TypeError) as exc:
        raise HTTPException(422, f"invalid assessment config: {exc}") from None
    return _submit(ctx, "assess", _assess_job(ctx, overrides), json.dumps(overrides, sort_keys=True, default=str))


@router.post("/scenario", response_model=JobModel, status_code=202, dependencies=[Depends(require_write)],
             summary="Run a scenario as a background job", responses=_QUEUE_RESPONSES)
def start_scenario(ctx: Ctx, config: ScenarioConfig) -> Response:
    """Run an export-restriction scenario in the background; the result (``GET
    /api/jobs/{id}/result``) is the same as ``POST /api/scenarios``."""
    def run(job: Job) -> dict[str, Any]:
        job.report(0.1, f"running scenario {config.name!r} ({config.months} months)")
        payload = scenario_payload(ctx.state, config)
        job.report(1.0, "scenario finished")
        return payload
    return _submit(ctx, "scenario", run, config.model_dump_json())


@router.get("/assess", include_in_schema=False)
@router.get("/scenario", include_in_schema=False)
def job_kind_get() -> None:
    """``/api/jobs/assess`` and ``/scenario`` only accept POST (not a job id)."""
    raise HTTPException(405, "method not allowed: POST to start a job", headers={"Allow": "POST"})


@router.get("", summary="All jobs")
def list_jobs(ctx: Ctx) -> dict[str, list[dict[str, Any]]]:
    """Known jobs (oldest first) with status and progress."""
    return {"jobs": [j.to_dict() for j in ctx.jobs.list()]}


def _job_or_404(ctx: AppContext, job_id: str) -> Job:
    job = ctx.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r} (jobs are kept in memory until the server stops)")
    return job


@router.get("/{job_id}", response_model=JobModel, summary="Job status and progress")
def job_status(ctx: Ctx, job_id: str) -> Response:
    """Status (``queued|running|succeeded|failed``), progress 0-1, messages, error and the result
    link once it succeeded."""
    return json_response(_job_or_404(ctx, job_id).to_dict())


@router.delete("/{job_id}", response_model=JobModel, dependencies=[Depends(require_write)],
               summary="Cancel a job", responses={409: {"model": ErrorResponse}})
def cancel_job(ctx: Ctx, job_id: str) -> Response:
    """Cancel a queued job (it never starts) or a running one (it stops at its next progress
    report and saves nothing; its output folder is removed). ``409`` once it has finished or has
    started to save its results."""
    _job_or_404(ctx, job_id)
    try:
        job = ctx.jobs.cancel(job_id)
    except NotCancellable as exc:
        raise HTTPException(409, str(exc)) from None
    return json_response(job.to_dict())


@router.get("/{job_id}/result", summary="Result of a finished job")
def job_result(ctx: Ctx, job_id: str) -> Response:
    """The job's result; ``409`` while it runs, ``422`` with the error if it failed."""
    job = _job_or_404(ctx, job_id)
    if job.status == "failed":
        raise HTTPException(422, f"job {job_id} failed: {job.error}")
    if job.status == "cancelled":
        raise HTTPException(409, f"job {job_id} was cancelled; it has no result")
    if not job.finished:
        raise HTTPException(409, f"job {job_id} is still {job.status} ({job.progress:.0%}); poll /api/jobs/{job_id}")
    return json_response(job.result)


@router.get("/{job_id}/files/{name:path}", summary="A file written by an assessment job")
def job_file(ctx: Ctx, job_id: str, name: str) -> FileResponse:
    """A file from the job's output folder (e.g. ``results.json``). Paths outside it are refused."""
    job = _job_or_404(ctx, job_id)
    try:
        target = resolve_inside(ctx.state.runs_dir / job.id, name)
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from None
    if not target.is_file():
        raise HTTPException(404, f"job {job_id} wrote no file {name!r}")
    return FileResponse(target)
