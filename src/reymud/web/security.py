"""Who may call the server, and file-name hygiene: nothing a request names may leave the project.

Rules: (1) the ``Host`` header must name the bound host, loopback or a configured proxy name
(DNS rebinding); (2) off loopback every ``/api`` request needs ``Authorization: Bearer <token>``;
(3) a write needs the token or same-origin proof (``Origin``/``Referer`` plus the per-session CSRF
cookie echoed in a header, see :class:`RequestPolicy`); (4) every path built from request data is
sanitised to a bare file name and checked to resolve inside its base folder (symlinks included).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from reymud.web.config import LOOPBACK_HOSTS

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "Refusal",
    "RequestPolicy",
    "SecurityConfig",
    "TokenGuard",
    "generate_token",
    "resolve_inside",
    "safe_filename",
]

#: Cookie holding the signed per-session CSRF value, and the header the page echoes it in.
CSRF_COOKIE = "reymud_csrf"
CSRF_HEADER = "X-CSRF-Token"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME_CHARS = 120


def generate_token(n_bytes: int = 24) -> str:
    """A random URL-safe token (``n_bytes`` of entropy) for ``Authorization: Bearer``."""
    return secrets.token_urlsafe(n_bytes)


def safe_filename(name: str, allowed_extensions: tuple[str, ...] | None = None) -> str:
    """Reduce an uploaded file name to a safe bare name.

    Directory parts (``/`` or ``\\``), drive letters, control characters and anything but
    letters, digits, ``.``, ``_`` and ``-`` are removed; leading dots are stripped so the name
    can be neither hidden nor ``..``.

    Parameters
    ----------
    name : str
        The client-supplied file name.
    allowed_extensions : tuple of str, optional
        Accepted endings (lower case, with the dot).

    Returns
    -------
    str
        The sanitised name.

    Raises
    ------
    ValueError
        If nothing usable remains or the ending is not allowed (message says which endings are).
    """
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = base.split(":")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = _UNSAFE.sub("_", base).lstrip(".")
    if len(base) > _MAX_NAME_CHARS:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: _MAX_NAME_CHARS - len(ext) - 1] + dot + ext) if dot else base[:_MAX_NAME_CHARS]
    if not base.strip("._-"):
        raise ValueError(f"file name {name!r} has no usable characters; rename the file, e.g. assays.csv")
    if allowed_extensions is not None and not base.lower().endswith(tuple(allowed_extensions)):
        raise ValueError(
            f"file {base!r}: unsupported type; upload one of {', '.join(allowed_extensions)}"
        )
    return base


def resolve_inside(base: Path, *parts: str) -> Path:
    """Join ``parts`` onto ``base`` and refuse any result outside ``base``.

    Parameters
    ----------
    base : Path
        The folder the result must stay in.
    *parts : str
        Path parts from a request.

    Returns
    -------
    Path
        The resolved path (it may not exist).

    Raises
    ------
    PermissionError
        If the resolved path (after ``..`` and symlinks) is not inside ``base``.
    """
    root = Path(base).resolve()
    for part in parts:
        if "\x00" in part:
            raise PermissionError(f"path {part!r} contains a NUL byte")
    target = root.joinpath(*parts).resolve()
    if target != root and root not in target.parents:
        raise PermissionError(f"path {'/'.join(parts)!r} points outside the project; refused")
    return target


class TokenGuard:
    """FastAPI dependency that checks ``Authorization: Bearer <token>`` on write endpoints.

    Parameters
    ----------
    token : str or None
        The expected token; ``None`` disables the check (the server is bound to loopback).
    """

    def __init__(self, token: str | None) -> None:
        if token is not None and len(token) < 8:
            raise ValueError("token must be at least 8 characters; omit it to generate one")
        self.token = token

    @property
    def required(self) -> bool:
        """Whether write endpoints need the token."""
        return self.token is not None

    def matches(self, supplied: str) -> bool:
        """Whether ``supplied`` (surrounding spaces ignored) is the token (constant-time compare)."""
        return self.token is not None and hmac.compare_digest(supplied.strip().encode(), self.token.encode())

    def __call__(self, request: Request) -> None:
        if self.token is None:
            return
        header = request.headers.get("authorization", "")
        scheme, _, supplied = header.partition(" ")
        if scheme.lower() != "bearer" or not supplied:
            raise HTTPException(
                status_code=401,
                detail="this server needs a token for write requests: send 'Authorization: Bearer <token>' "
                "(the token was printed by `reymud serve`)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not self.matches(supplied):
            raise HTTPException(status_code=403, detail="invalid token for write requests",
                                headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class SecurityConfig:
    """Who may talk to the server and how much work it queues (``create_app(security=...)``).

    Parameters
    ----------
    host : str
        The address the server is bound to. Anything outside :data:`LOOPBACK_HOSTS` makes every
        ``/api`` endpoint (reads too) require ``Authorization: Bearer <token>``.
    allowed_hosts : tuple of str
        Extra names accepted in the ``Host`` header (e.g. a reverse proxy's public name). The bound
        host, ``localhost``, ``127.0.0.1`` and ``::1`` are always accepted; any other ``Host`` gets
        ``421`` (the DNS-rebinding defence).
    insecure_open : bool
        Allow a non-loopback bind without a token (everything open to the network). Off by default:
        :func:`reymud.web.create_app` refuses such a configuration.
    max_queued_per_kind : int
        Jobs waiting per kind (``assess``, ``scenario``); one more answers ``429`` with ``Retry-After``.
    retry_after_s : int
        The ``Retry-After`` value (seconds) of a ``429``.
    """

    host: str = "127.0.0.1"
    allowed_hosts: tuple[str, ...] = ()
    insecure_open: bool = False
    max_queued_per_kind: int = 4
    retry_after_s: int = 10

    def __post_init__(self) -> None:
        if self.max_queued_per_kind < 0:
            raise ValueError("SecurityConfig: max_queued_per_kind must be 0 or more")
        if self.retry_after_s < 1:
            raise ValueError("SecurityConfig: retry_after_s must be at least 1 second")

    @property
    def loopback(self) -> bool:
        """Whether the bound address only accepts connections from this machine."""
        return _bare_host(self.host) in LOOPBACK_HOSTS


def _bare_host(value: str) -> str:
    """``Host`` header or bind address without port and brackets, lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused: HTTP status, message and extra headers."""

    status: int
    detail: str
    headers: dict[str, str] = field(default_factory=dict)


class RequestPolicy:
    """Host check, token on every request off loopback, and CSRF defence on writes.

    A write (any method but ``GET``/``HEAD``/``OPTIONS``) is accepted with a valid bearer token,
    or when it proves to come from the page itself: its ``Origin`` (or, without one, its
    ``Referer``) names the served host, and its ``X-CSRF-Token`` header equals the signed
    per-session ``reymud_csrf`` cookie the server set (a cross-site page can neither read that
    cookie nor send a custom header without a CORS preflight, which this server never grants).

    Parameters
    ----------
    token : str or None
        The bearer token (at least 8 characters), or None.
    config : SecurityConfig
        Bound host, extra allowed hosts, whether an open non-loopback bind is allowed.

    Raises
    ------
    ValueError
        A non-loopback bind without a token and without ``insecure_open``.
    """

    #: Paths with no project data, served without a token (the page shell and the API docs).
    PUBLIC_PREFIXES: tuple[str, ...] = ("/static/", "/vendor/", "/docs")
    PUBLIC_PATHS: frozenset[str] = frozenset({"/", "/openapi.json", "/favicon.ico"})

    def __init__(self, token: str | None, config: SecurityConfig) -> None:
        if not config.loopback and token is None and not config.insecure_open:
            raise ValueError(f"binding to {config.host!r} (not loopback) needs a token: pass --token "
                             "(or REYMUD_TOKEN), or --insecure-open to serve every endpoint to the network")
        self.guard = TokenGuard(token)
        self.config = config
        self.reads_need_token = token is not None and not config.loopback
        self.hosts = frozenset({*LOOPBACK_HOSTS, _bare_host(config.host),
                                *(_bare_host(h) for h in config.allowed_hosts)})
        self._secret = secrets.token_bytes(32)

    def new_csrf(self) -> str:
        """A fresh signed CSRF value (``nonce.signature``) for the cookie."""
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{self._sign(nonce)}"

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def csrf_valid(self, value: str | None) -> bool:
        """Whether ``value`` is a CSRF value this server signed."""
        nonce, dot, signature = (value or "").partition(".")
        return bool(nonce and dot) and hmac.compare_digest(signature, self._sign(nonce))

    def _bearer(self, headers: Mapping[str, str]) -> str | None:
        """``"ok"``, ``"wrong"`` or None (no bearer header) for the request's token."""
        scheme, _, supplied = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not supplied.strip():
            return None
        return "ok" if self.guard.matches(supplied) else "wrong"

    def check(self, method: str, path: str, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Refusal | None:
        """None when the request may proceed, else the :class:`Refusal` to answer."""
        host_header = headers.get("host", "")
        if _bare_host(host_header) not in self.hosts:
            return Refusal(421, f"this server does not answer for host {host_header!r}; allowed: "
                           f"{', '.join(sorted(self.hosts))} (behind a reverse proxy start it with --allowed-host NAME)")
        bearer = self._bearer(headers)
        public = path in self.PUBLIC_PATHS or path.startswith(self.PUBLIC_PREFIXES)
        if bearer == "wrong":
            return Refusal(403, "invalid token", {"WWW-Authenticate": "Bearer"})
        if self.reads_need_token and bearer is None and not public:
            return Refusal(401, "this server is open to the network: every request needs 'Authorization: Bearer "
                           "<token>' (the token was printed by `reymud serve`)", {"WWW-Authenticate": "Bearer"})
        if method in ("GET", "HEAD", "OPTIONS") or bearer == "ok":
            return None
        for name in ("origin", "referer"):
            value = headers.get(name)
            if value:
                parsed = urlsplit(value)
                if parsed.netloc.lower() != host_header.strip().lower():
                    return Refusal(403, f"cross-origin write refused ({name} {value!r} is not this server)")
                break
        supplied = headers.get(CSRF_HEADER.lower())
        cookie = cookies.get(CSRF_COOKIE)
        if not supplied or not cookie or not hmac.compare_digest(supplied, cookie) or not self.csrf_valid(cookie):
            need = "'Authorization: Bearer <token>' or " if self.guard.required else ""
            return Refusal(403, f"write refused: send {need}the '{CSRF_HEADER}' header equal to the "
                           f"'{CSRF_COOKIE}' cookie the server sets on GET / (the page does this)")
        return None
