"""Test client of the web tests (imported by name: pytest puts this folder on ``sys.path``)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reymud.web.security import CSRF_COOKIE, CSRF_HEADER

__all__ = ["LocalClient"]


class LocalClient(TestClient):
    """A TestClient that talks to ``http://127.0.0.1`` (an allowed Host) and, like the page, echoes
    the ``reymud_csrf`` cookie in the ``X-CSRF-Token`` header of every write."""

    def __init__(self, app, **kwargs) -> None:
        kwargs.setdefault("base_url", "http://127.0.0.1")
        super().__init__(app, **kwargs)

    def request(self, method, url, **kwargs):
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            if CSRF_COOKIE not in self.cookies:
                super().request("GET", "/")
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault(CSRF_HEADER, self.cookies.get(CSRF_COOKIE, ""))
            kwargs["headers"] = headers
        return super().request(method, url, **kwargs)
