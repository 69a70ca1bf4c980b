"""Write endpoint: upload assay/collar files and ingest them like ``reymud ingest``.

Files are streamed to ``<project>.files/uploads/<upload id>/<sanitised name>`` (never elsewhere),
counted against the size limit while they are written, then passed to
:func:`reymud.ingest.ingest_files` (in the app's ingest worker process, see
:mod:`reymud.web.ingest_worker`) - the same validation and per-file transactions as the CLI.
A failed upload leaves no files behind.
"""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, UploadFile
from fastapi.responses import Response

from reymud.ingest import IngestError
from reymud.web.deps import AppContext, context, require_write
from reymud.web.schemas import ErrorResponse, UploadResponse, json_response
from reymud.web.security import resolve_inside, safe_filename

__all__ = ["router", "save_uploads"]

router = APIRouter(prefix="/api", tags=["uploads"],
                   responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse},
                              409: {"model": ErrorResponse}, 413: {"model": ErrorResponse},
                              422: {"model": ErrorResponse}})

Ctx = Annotated[AppContext, Depends(context)]
_CHUNK_BYTES = 1 << 20


class UploadTooLarge(Exception):
    """The upload exceeded the configured size limit."""


def save_uploads(ctx: AppContext, uploads: list[UploadFile], folder: Path) -> list[Path]:
    """Stream ``uploads`` into ``folder`` under sanitised names, enforcing the size limit.

    Raises
    ------
    ValueError
        Unusable or duplicate file names, or an unsupported file type.
    UploadTooLarge
        When the files together exceed ``WebConfig.max_upload_mb``.
    """
    names = [safe_filename(u.filename or "", ctx.config.upload_extensions) for u in uploads]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"file name(s) {duplicates} given more than once; upload each file once")
    folder.mkdir(parents=True, exist_ok=True)
    limit, total, paths = ctx.config.max_upload_bytes, 0, []
    for upload, name in zip(uploads, names, strict=True):
        target = resolve_inside(folder, name)
        with target.open("wb") as out:
            while chunk := upload.file.read(_CHUNK_BYTES):
                total += len(chunk)
                if total > limit:
                    raise UploadTooLarge(f"upload larger than the limit of {ctx.config.max_upload_mb:g} MB; "
                                         "split the files or start the server with a larger --max-upload-mb")
                out.write(chunk)
        paths.append(target)
    return paths


def _report_dict(report: Any) -> dict[str, Any]:
    out = dataclasses.asdict(report) if dataclasses.is_dataclass(report) else dict(vars(report))
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in out.items()}


@router.post("/uploads", response_model=UploadResponse, dependencies=[Depends(require_write)],
             summary="Upload and ingest lab files")
def upload(
    ctx: Ctx,
    files: Annotated[list[UploadFile] | None,
                     File(description="assay files (CSV, TSV, XLSX, Parquet; wide or long)")] = None,
    collars: Annotated[list[UploadFile] | None, File(description="collar files, loaded first")] = None,
) -> Response:
    """Ingest uploaded files into the project with the same checks as ``reymud ingest``.

    A file that fails validation is not written (each file is one transaction; files before it
    stay loaded) and the answer is ``422`` with ``detail`` (what is wrong and how to fix it),
    ``file``, ``row`` (spreadsheet row, header = 1) and ``column``."""
    collars = [c for c in (collars or []) if c.filename]
    files = [f for f in (files or []) if f.filename]
    if not files and not collars:
        raise HTTPException(422, "no files in the upload; choose at least one assay or collar file "
                            "(multipart fields 'files' and 'collars')")
    if len(files) + len(collars) > ctx.config.max_upload_files:
        raise HTTPException(422, f"{len(files) + len(collars)} files in one upload; the maximum is "
                            f"{ctx.config.max_upload_files}")
    folder = resolve_inside(ctx.state.uploads_dir, uuid.uuid4().hex[:12])
    try:
        try:
            collar_paths = save_uploads(ctx, collars, folder / "collars") if collars else []
            file_paths = save_uploads(ctx, files, folder)
        except UploadTooLarge as exc:
            raise HTTPException(413, str(exc)) from None
        except (ValueError, PermissionError) as exc:
            raise HTTPException(422, str(exc)) from None
        try:
            with ctx.state.writing(timeout_s=ctx.config.upload_wait_s):
                reports = ctx.ingest.ingest(ctx.state.path, file_paths, collar_paths)
        except TimeoutError as exc:
            raise HTTPException(409, str(exc)) from None
        except IngestError as exc:  # files before the bad one stay loaded, nothing of it is written
            shutil.rmtree(folder, ignore_errors=True)
            message = str(exc).replace(str(folder) + "/", "").replace(str(folder), "")
            # the upload form has no mapping file: point to the command line instead of a missing option
            message = message.replace("map them in a mapping file (--mapping)", "rename them in the file (a "
                                      "mapping file is an option of the command line: reymud ingest --mapping)")
            return json_response({"detail": message, "file": Path(str(exc.file)).name,
                                  "row": exc.row, "column": exc.column}, status_code=422)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        for f in (*files, *collars):
            f.file.close()
    return json_response({"reports": [_report_dict(r) for r in reports], "project": ctx.state.info()})
