"""Web dashboard: a FastAPI app over one project (``reymud serve PROJECT``).

Public API: :func:`create_app` (the application factory), :class:`WebConfig` (every default),
:class:`SecurityConfig` (bound host, allowed Host names, job queue bound),
:class:`JobManager` / :class:`Job` (background jobs with progress), :func:`generate_token`,
:func:`safe_filename`, :func:`resolve_inside` (file-name hygiene).
"""

from reymud.web.app import create_app
from reymud.web.config import LOOPBACK_HOSTS, WebConfig
from reymud.web.jobs import Job, JobManager
from reymud.web.security import SecurityConfig, generate_token, resolve_inside, safe_filename

__all__ = ["LOOPBACK_HOSTS", "Job", "JobManager", "SecurityConfig", "WebConfig", "create_app", "generate_token", "resolve_inside",
           "safe_filename"]
