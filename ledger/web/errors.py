"""Error pages for browsers: 404, 403, 400, 500 and friends in plain words, never problem+json.

The API keeps its problem+json answers: :func:`browser_aware` wraps each of the API's exception handlers
so that a request outside ``/api/v1`` gets an HTML page with the SAME status the API's mapping gives (one
mapping of errors to statuses, ``ledger.api.errors``), and words written for a person.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import PermissionDeniedException, ValidationException
from litestar.types import ExceptionHandlersMap, Scope

from ledger.errors import LedgerError

API_PREFIX = "/api/v1"
CSRF_FAILED = "CSRF token verification failed"

# status -> (title, what happened and what to do), for errors that carry no words of their own.
WORDS: dict[int, tuple[str, str]] = {
    400: ("There is a problem with what was sent", "The page could not use what was sent. Go back, check what "
          "you typed and try again."),
    401: ("You need to sign in", "Sign in to see this page."),
    403: ("You cannot see this page", "Your account is not allowed to see this page. If you think it should be, "
          "ask the person who manages your account."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted the web address, "
          "check you copied the entire address."),
    405: ("This page cannot do that", "Go back and use the buttons on the page."),
    409: ("This has changed since you opened it", "Nothing was saved. Go back, reload the page and try again."),
    413: ("What was sent is too large", "Nothing was saved. Send a smaller file or less at once."),
    422: ("There is a problem with what was sent", "Nothing was saved. Go back, check what you typed and try "
          "again."),
    429: ("Too many tries", "You have tried too many times in a short time. Wait a minute, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. If it keeps happening, tell the person "
          "who looks after the ledger."),
    503: ("Sorry, the service is unavailable", "Try again in a few minutes. Nothing was saved."),
}
CSRF_WORDS = ("This form has expired", "For your security the form could not be sent. Go back, reload the page "
              "and try again. If you opened the page a long time ago, or from another website, that is why.")
KEPT_HEADERS = ("retry-after", "allow")


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def words_for(status: int, exc: Exception) -> tuple[str, str]:
    """A title and plain words for ``exc``: the service's own words for its errors, ours for the rest."""
    if isinstance(exc, PermissionDeniedException) and CSRF_FAILED in str(exc.detail):
        return CSRF_WORDS
    title, words = WORDS.get(status) or WORDS[500 if status >= 500 else 400]
    if isinstance(exc, LedgerError) and status < 500 and exc.detail:
        words = exc.detail[0].upper() + exc.detail[1:]
        if not words.endswith("."):
            words += "."
    elif isinstance(exc, ValidationException) and status < 500:
        title, words = WORDS[404] if status == 404 else ("This web address is not right", WORDS[404][1])
    return title, words


def error_page(request: Request[Any, Any, Any], status: int, exc: Exception,
               headers: dict[str, str] | None = None) -> Response[Any]:
    from ledger.web.render import page  # render imports the database helpers; keep this module light
    from ledger.web.security_headers import headers_for

    title, words = words_for(status, exc)
    # A path no route serves never reaches the security headers middleware: the page carries them itself.
    all_headers = {name.decode(): value.decode() for name, value in headers_for(request.scope)}
    all_headers.update(headers or {})
    return page(request, "errors/error.html", {"status": status, "title": title, "words": words},
                status=status, headers=all_headers)


def error_page_html(scope: Scope, status: int, title: str, words: str) -> bytes:
    """The error page as bytes, for middleware that replaces a response after the handler has run."""
    from ledger.web.render import layout_context

    request: Request[Any, Any, Any] = Request(scope)
    engine = request.app.template_engine
    if engine is None:  # never: create_app always configures templates
        return f"<h1>{html.escape(title)}</h1><p>{html.escape(words)}</p>".encode()
    context = layout_context(request)
    context.update({"status": status, "title": title, "words": words, "csrf_input": ""})
    return str(engine.get_template("errors/error.html").render(**context)).encode()


Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def _either(api_handler: Handler) -> Handler:
    def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        answer = api_handler(request, exc)  # the one mapping of errors to statuses (and its logging)
        if is_api_path(request.url.path):
            return answer
        kept = {k: v for k, v in (answer.headers or {}).items() if k.lower() in KEPT_HEADERS}
        return error_page(request, answer.status_code or 500, exc, kept)

    handle.__name__ = f"browser_aware_{getattr(api_handler, '__name__', 'handler')}"
    return handle


def browser_aware(api_handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """The API's exception handlers, answering with an HTML page for paths outside ``/api/v1``."""
    return {cls: _either(handler) for cls, handler in api_handlers.items()}

