"""Write-endpoint tokens and file-name hygiene: nothing a request names may leave the project.

Two rules: (1) when the server is bound to a non-loopback host every write endpoint needs
``Authorization: Bearer <token>``; (2) every path built from request data is sanitised to a bare
file name and checked to resolve inside its base folder (symlinks included).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import Path

from fastapi import HTTPException, Request

__all__ = [
    "TokenGuard",
    "generate_token",
    "resolve_inside",
    "safe_filename",
]

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
        if not secrets.compare_digest(supplied.strip().encode(), self.token.encode()):
            raise HTTPException(status_code=403, detail="invalid token for write requests",
                                headers={"WWW-Authenticate": "Bearer"})
