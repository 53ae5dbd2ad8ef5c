"""The one place where errors become HTTP responses (problem+json, see ``ledger.api.problems``).

Domain errors map by kind: NotFound 404, Invalid (and NoRateInForce) 422, Conflict 409, Forbidden 403,
Unauthorized 401. Litestar's own validation errors become 422 (not its default 400) naming each field.
Anything unexpected becomes a 500 that says nothing about the internals, and is logged in full.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from http import HTTPStatus
from typing import Any

import msgspec
from advanced_alchemy import exceptions as aa_exceptions
from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, SerializationException, ValidationException
from litestar.types import ExceptionHandlersMap
from litestar.utils.scope.state import ScopeState
from sqlalchemy import exc as sa_exc

from ledger import input_problems
from ledger.api.limits import NestedTooDeep
from ledger.api.problems import FieldError, problem_response
from ledger.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    Invalid,
    LedgerError,
    NoRateInForce,
    NotFound,
    Unauthorized,
)

logger = logging.getLogger("ledger.api")

BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="involvement-ledger"'}
INTERNAL_DETAIL = "Something went wrong on our side. Nothing was saved. The error has been logged; please try again."

# Most specific first: NoRateInForce is an Invalid, so it must be looked at before Invalid.
_DOMAIN_STATUS: tuple[tuple[type[LedgerError], int, str], ...] = (
    (NoRateInForce, 422, "no-rate-in-force"),
    (Invalid, 422, "invalid"),
    (NotFound, 404, "not-found"),
    (Conflict, 409, "conflict"),
    (Forbidden, 403, "forbidden"),
    (Unauthorized, 401, "unauthorized"),
)



def _instance(request: Request[Any, Any, Any]) -> str:
    return request.url.path


def domain_status(exc: LedgerError) -> tuple[int, str]:
    for cls, status, slug in _DOMAIN_STATUS:
        if isinstance(exc, cls):
            return status, slug
    return 400, "bad-request"


def handle_domain_error(request: Request[Any, Any, Any], exc: LedgerError) -> Response[Any]:
    status, slug = domain_status(exc)
    headers = BEARER_CHALLENGE if status == 401 else None
    detail, problems = input_problems.plain_error(exc.detail, exc.problems)  # fields in words, one place
    return problem_response(
        status,
        detail,
        title=exc.title,
        slug=slug,
        instance=_instance(request),
        errors=[FieldError(field=p.field, message=p.message) for p in problems],
        headers=headers,
    )


def _body_of(request: Request[Any, Any, Any]) -> bytes | None:
    body = ScopeState.from_scope(request.scope).body
    return body if isinstance(body, bytes) else None


def validation_problems(request: Request[Any, Any, Any], extra: Any) -> list[FieldProblem]:
    """Litestar's ``extra`` (``{message, key, source}`` items) as plain-word problems, ALL of them.

    Litestar reports only msgspec's first problem with the body (and drops its path); the body it read is
    checked again against the handler's ``data`` type by ``ledger.input_problems``, which finds them all.
    """
    items = [item for item in (extra if isinstance(extra, list) else [extra] if extra else [])]
    problems: list[FieldProblem] = []
    body_messages: list[str] = []
    for item in items:
        if not isinstance(item, Mapping):
            body_messages.append(str(item))
        elif item.get("source") == "body" or str(item.get("key", "")) in ("", "data"):
            body_messages.append(str(item.get("message", "")))
        else:
            key = str(item.get("key", ""))
            field, words = input_problems.plain_message(str(item.get("message", "")), key)
            problems.append(FieldProblem(field or key, words))
    if body_messages:
        handler = request.scope.get("route_handler")
        data_field = getattr(handler, "parsed_data_field", None)
        raw = _body_of(request)
        if data_field is not None and (raw is None or not raw.strip()):
            fields = ", ".join(input_problems.iter_fields(data_field.annotation))
            problems.append(FieldProblem("body", "the request needs a JSON body" + (
                f": an object with {fields}" if fields else "")))
        elif data_field is not None:
            problems.extend(input_problems.problems_from_error(body_messages[0], raw, data_field.annotation))
        else:
            problems.extend(FieldProblem(*input_problems.plain_message(m)) for m in body_messages)
    return problems


_QUERY_SCALARS = (int, float, str, bool, Decimal, dt.date, dt.datetime)


def _query_annotations(handler: Any) -> dict[str, Any]:
    """Query name -> annotation (with its ``msgspec.Meta`` bounds) for the handler and its dependencies.

    Litestar checks a dependency's parameters (``limit``/``offset`` of every list) before the handler's own
    and stops at the first stage that fails, so ``?status=bogus&limit=abc`` came back naming only
    ``limit``. Reading every signature model lets :func:`query_problems` check them all at once.
    """
    models = [getattr(handler, "signature_model", None)]
    try:
        models += [getattr(provider, "signature_model", None) for provider in handler.resolve_dependencies().values()]
    except Exception:  # a handler Litestar could not resolve: check what its own signature says
        logger.debug("could not resolve the dependencies of %r", handler, exc_info=True)
    found: dict[str, Any] = {}
    for model in models:
        if model is None:
            continue
        try:
            hints = typing.get_type_hints(model, include_extras=True)
        except Exception:
            continue
        for name, annotation in hints.items():
            if name.startswith("_") or not _is_query_value(annotation):
                continue
            metas = [m for m in _metas(annotation)]
            alias = next((m.extra.get("query") for m in metas if m.extra and m.extra.get("query")), None)
            found[alias or name] = annotation
    return found


def _metas(annotation: Any) -> list[msgspec.Meta]:
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        return [e for e in extras if isinstance(e, msgspec.Meta)] + _metas(base)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _metas(arg)]
    return []


def _is_query_value(annotation: Any) -> bool:
    """A scalar, a choice (enum or Literal) or an optional one: the kinds of thing a query string holds."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_query_value(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(args) and all(_is_query_value(a) for a in args)
    if typing.get_origin(annotation) is typing.Literal:
        return True
    return isinstance(annotation, type) and (issubclass(annotation, enum.Enum) or annotation in _QUERY_SCALARS)


def query_problems(request: Request[Any, Any, Any]) -> list[FieldProblem]:
    """Every query parameter that is not what its handler (or a dependency) asks for, with what is wanted.

    ``status is not one of the allowed values ('bogus')`` becomes ``status must be one of: submitted,
    approved, rejected, reversed (not 'bogus')``: the choices come from the parameter's annotation.
    """
    annotations = _query_annotations(request.scope.get("route_handler"))
    problems: list[FieldProblem] = []
    for name, value in request.query_params.items():
        annotation = annotations.get(name)
        if annotation is None:
            continue
        try:
            msgspec.convert(value, type=annotation, strict=False)
        except (msgspec.ValidationError, TypeError, ValueError):
            problems.append(FieldProblem(
                name, f"{input_problems.named(name)} must be {input_problems.wanted(annotation)} (not {value!r})"
            ))
    return problems


_MISSING_PARAMETER = re.compile(r"Missing required (?P<kind>\w+) parameter '(?P<name>[^']+)'")


def handle_validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    problems = validation_problems(request, exc.extra)
    items = [item for item in (exc.extra if isinstance(exc.extra, list) else []) if isinstance(item, Mapping)]
    if any(str(getattr(item.get("source"), "value", item.get("source"))) == "query" for item in items):
        # Litestar stops at the first failing stage: check every query parameter again, naming the choices.
        every = query_problems(request)
        named_again = {p.field for p in every}
        problems = every + [p for p in problems if p.field not in named_again]
    missing = _MISSING_PARAMETER.search(str(exc.detail or ""))
    if not problems and missing:  # Litestar says this in its detail only, without ``extra``
        name, kind = missing.group("name"), missing.group("kind")
        problems = [FieldProblem(name, f"{input_problems.named(name)} is required (a {kind} parameter)")]
    found = input_problems.invalid(problems)
    return problem_response(
        422,
        found.detail,
        title="Invalid input",
        slug="validation",
        instance=_instance(request),
        errors=[FieldError(field=p.field, message=p.message) for p in found.problems],
    )


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status >= 500:
        logger.error("HTTP %s on %s %s: %s", status, request.method, request.url.path, exc.detail)
        return problem_response(status, INTERNAL_DETAIL, instance=_instance(request), headers=headers)
    if isinstance(exc, ClientException) and isinstance(exc.__cause__, SerializationException):
        return problem_response(
            400,
            f"The request body is not valid JSON ({exc.detail}). Send a JSON object.",
            title="Malformed request body",
            slug="malformed-body",
            instance=_instance(request),
        )
    slug: str | None = None
    detail = exc.detail
    if status == 429:
        # Litestar's limiter sends the seconds left in RateLimit-Reset; clients and proxies read Retry-After.
        wait = headers.get("RateLimit-Reset") or "60"
        headers["Retry-After"] = str(max(1, int(wait))) if wait.isdigit() else "60"
        slug = "rate-limited"
        if detail == HTTPStatus.TOO_MANY_REQUESTS.phrase:
            detail = (f"Too many requests from this client or with this token. Wait {headers['Retry-After']} "
                      "seconds (Retry-After), then try again.")
    elif status == 413:
        slug = "too-large"
        if detail == HTTPStatus.REQUEST_ENTITY_TOO_LARGE.phrase:
            detail = "The request body is larger than this server accepts. Send less at once."
    elif isinstance(exc, NestedTooDeep):
        slug = "too-deep"
    elif status == 401:
        headers.update(BEARER_CHALLENGE)
        slug = "unauthorized"
    elif status == 404:
        detail = f"There is nothing at {request.method} {request.url.path}."
    elif status == 405:
        allowed = headers.get("allow") or headers.get("Allow")
        detail = f"{request.method} is not allowed here" + (f"; use {allowed}." if allowed else ".")
    return problem_response(status, detail, slug=slug, instance=_instance(request), headers=headers)


def handle_repository_error(request: Request[Any, Any, Any], exc: aa_exceptions.RepositoryError) -> Response[Any]:
    # advanced-alchemy wraps EVERY statement error as its IntegrityError (a 409): look at the cause first,
    # so a value the database refuses stays a 422 and a lost database stays a 503.
    if isinstance(exc.__cause__, sa_exc.DataError):
        return handle_data_error(request, exc.__cause__)
    if isinstance(exc.__cause__, sa_exc.OperationalError | sa_exc.InternalError):
        return handle_database_unavailable(request, exc.__cause__)
    if isinstance(exc, aa_exceptions.NotFoundError):
        return problem_response(
            404, "The item asked for does not exist.", slug="not-found", instance=_instance(request)
        )
    if isinstance(exc, aa_exceptions.IntegrityError):
        return handle_integrity_error(request, exc)
    return handle_unexpected(request, exc)


def handle_integrity_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A database constraint refused the change: usually two requests racing for the same thing."""
    logger.warning("integrity error on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        409,
        "The change conflicts with data saved at the same time (for example a duplicate). Nothing was "
        "saved; reload and try again.",
        title="Conflict with the current state",
        slug="conflict",
        instance=_instance(request),
    )


def handle_data_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database refused a value as given: a 422, not a 500 (``errors`` cannot name the field here).

    The services check lengths, ranges and formats first and name the field; this is the net under them
    for what only one database refuses (PostgreSQL rejects the character U+0000 in text, and text longer
    than its column, where SQLite stores both). Found by tests/api/test_schemathesis.py.
    """
    logger.warning("data refused by the database on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        422,
        "A value in the request cannot be stored as given: it may be too long, out of range, or contain a "
        "character that is not allowed (such as U+0000). Nothing was saved; check the values and try again.",
        title="Invalid input",
        slug="invalid",
        instance=_instance(request),
    )


READ_ONLY_DETAIL = (
    "The database is read-only, so nothing can be saved (reading still works). This will not pass by "
    "itself: an administrator must make the database writable (for SQLite, the server's user must be able "
    "to write the database file and its folder; for PostgreSQL, connect to the primary, not a replica)."
)
FULL_DETAIL = (
    "The disk holding the database is full, so nothing was saved. This will not pass by itself: an "
    "administrator must free space on the database's disk (or raise its quota), then try again."
)
BUSY_DETAIL = "The database is busy or unavailable. Nothing was saved; please try again shortly."
_READ_ONLY_SIGNS = ("readonly database", "read-only transaction", "read only transaction", "read-only file system")
_FULL_SIGNS = ("database or disk is full", "no space left on device", "disk full", "could not extend file")


def storage_fault(exc: BaseException) -> tuple[str, str, dict[str, str]] | None:
    """(slug, detail, headers) for a database that cannot be written or reached; ``None`` if it is neither.

    A read-only or full store is named as such (an administrator must act; retrying will not help), unlike
    a busy or lost database (``Retry-After``). Used by every path that maps database errors to a 503.
    """
    if not isinstance(exc, sa_exc.OperationalError | sa_exc.InternalError):
        return None
    text = str(getattr(exc, "orig", None) or exc).lower()
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code == "25006" or any(sign in text for sign in _READ_ONLY_SIGNS):
        return "storage-read-only", READ_ONLY_DETAIL, {}
    if code == "53100" or any(sign in text for sign in _FULL_SIGNS):
        return "storage-full", FULL_DETAIL, {}
    if isinstance(exc, sa_exc.OperationalError):
        return "database-unavailable", BUSY_DETAIL, {"Retry-After": "5"}
    return None


def handle_database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    fault = storage_fault(exc)
    if fault is None:
        return handle_unexpected(request, exc)
    slug, detail, headers = fault
    logger.error("database fault (%s) on %s %s", slug, request.method, request.url.path, exc_info=exc)
    return problem_response(503, detail, slug=slug, instance=_instance(request), headers=headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, INTERNAL_DETAIL, instance=_instance(request))


def exception_handlers() -> ExceptionHandlersMap:
    """The mapping given to the app; Litestar picks the most specific class in each exception's MRO."""
    return {
        LedgerError: handle_domain_error,
        ValidationException: handle_validation_error,
        HTTPException: handle_http_exception,
        aa_exceptions.RepositoryError: handle_repository_error,
        sa_exc.IntegrityError: handle_integrity_error,
        sa_exc.DataError: handle_data_error,
        sa_exc.OperationalError: handle_database_unavailable,
        sa_exc.InternalError: handle_database_unavailable,
        Exception: handle_unexpected,
    }
