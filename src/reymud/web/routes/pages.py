"""The single page, its static files, and plotly.js served from the installed plotly package."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

__all__ = ["STATIC_DIR", "plotly_js_path", "router"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)


def plotly_js_path() -> Path:
    """``plotly.min.js`` bundled with the installed plotly Python package (works offline)."""
    import plotly

    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(f"plotly.min.js not found at {path}; reinstall plotly (pip install plotly)")
    return path


@router.get("/")
def index() -> FileResponse:
    """The dashboard page."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html",
                        headers={"Cache-Control": "no-cache"})


@router.get("/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    """plotly.js from the plotly package (no CDN)."""
    try:
        path = plotly_js_path()
    except FileNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})
