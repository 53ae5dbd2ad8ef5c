"""``/static``: the compiled CSS, govuk-frontend's JS and htmx, shipped inside the package.

URLs carry a content hash (``/static/css/ledger.css?v=3f2a...``, see :func:`static_url`), so browsers may
keep a file for a year: a rebuilt file has a new hash and so a new URL.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PATH = "/static"
ONE_YEAR = 365 * 24 * 60 * 60


@cache
def _fingerprint(relative: str) -> str:
    try:
        return hashlib.sha256((STATIC_DIR / relative).read_bytes()).hexdigest()[:12]
    except OSError:  # a missing file still gets a URL; the request for it answers 404
        return "missing"


def static_url(relative: str) -> str:
    """The URL of a shipped file, with its content hash so a cached copy is never stale."""
    relative = relative.lstrip("/")
    return f"{STATIC_PATH}/{relative}?v={_fingerprint(relative)}"


def static_router() -> Router:
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        include_in_schema=False,
        cache_control=CacheControlHeader(public=True, max_age=ONE_YEAR, immutable=True),
        name="web-static",
    )
