"""RFC 9457 problem details: the one shape every error response of the API takes.

``type`` names the kind of problem (``about:blank`` when the HTTP status says it all), ``title`` is
short and stable, ``detail`` says what happened and what to do, ``status`` repeats the HTTP status and
``errors`` lists each offending field for validation problems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:involvement-ledger:problem:"


class FieldError(msgspec.Struct):
    """One thing wrong with one field (``field`` is a dotted path such as ``attendees[0].involvement_minutes``)."""

    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """The body of every error response (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)


def problem_type(slug: str | None) -> str:
    return "about:blank" if slug is None else PROBLEM_TYPE_BASE + slug


def status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    slug: str | None = None,
    instance: str | None = None,
    errors: Sequence[FieldError] = (),
) -> bytes:
    problem = Problem(
        type=problem_type(slug),
        title=title or status_title(status),
        status=status,
        detail=detail,
        instance=instance,
        errors=list(errors),
    )
    return msgspec.json.encode(problem)


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    slug: str | None = None,
    instance: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[Any]:
    body = problem_body(status, detail, title=title, slug=slug, instance=instance, errors=errors)
    return Response(
        content=body,
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )
