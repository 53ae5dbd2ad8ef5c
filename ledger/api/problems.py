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


# ------------------------------------------------------------------------- the errors each operation gives

_ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The body is not JSON, or is nested more than 32 levels deep.",
    401: "No token, or a token that is not valid (public routes too refuse a token that is sent and wrong).",
    403: "The token's role or projects do not allow this.",
    404: "Something the request names (in the path or the body) does not exist.",
    409: "The current state forbids it (already done, locked, in progress, Idempotency-Key reused, settings "
    "missing).",
    413: "The body is larger than the server accepts.",
    422: "A value is not valid; `errors` lists every problem, each naming its field in plain words.",
    429: "Too many requests (failed tokens from this address, anonymous requests, or this token); wait for "
    "`Retry-After` seconds.",
    503: "The database is unavailable, read-only or full; `detail` says which and what to do.",
}


def error_statuses(*, method: str, public: bool, has_inputs: bool) -> list[int]:
    """The 4xx/5xx answers an operation can give, from what it takes (one rule for every route)."""
    writes = method in ("POST", "PUT", "PATCH", "DELETE")
    statuses = {401, 429, 503}
    if writes or not public:
        statuses |= {403, 409}
    if writes or has_inputs:
        statuses |= {404, 422}
    if has_inputs:
        statuses.add(400)  # a request that cannot be read (Litestar would document its own 400 shape here)
    if method in ("POST", "PUT", "PATCH"):
        statuses |= {400, 413}
    return sorted(statuses)


def attach_error_responses(routes: Sequence[Any], public_opt: str) -> None:
    """Give every API operation its problem+json error answers in the OpenAPI document.

    Litestar documents only a 400 "validation" answer of its own shape; the real answers are problem+json
    (see ``error_statuses``). A handler's own ``responses=`` entries win over these.
    """
    from litestar.openapi.datastructures import ResponseSpec
    from litestar.routes import HTTPRoute

    for route in routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            inputs = [name for name in handler.parsed_fn_signature.parameters
                      if name not in ("self", "db_session", "actor", "optional_actor", "request", "page")]
            has_inputs = bool(inputs) or "{" in route.path or bool(handler.resolve_dependencies().get("page"))
            for method in sorted(handler.http_methods):
                statuses = error_statuses(method=method, public=bool(handler.opt.get(public_opt)),
                                          has_inputs=has_inputs)
                specs = {
                    status: ResponseSpec(
                        data_container=Problem,
                        description=_ERROR_DESCRIPTIONS[status],
                        media_type=PROBLEM_MEDIA_TYPE,
                        generate_examples=False,
                    )
                    for status in statuses
                }
                handler.responses = {**specs, **(handler.responses or {})}
