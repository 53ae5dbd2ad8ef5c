"""No NUL character reaches a page's database query from its address.

A NUL character cannot be typed, and PostgreSQL refuses it in text (the page answered 422 "cannot be
stored" instead of "not found" or a form error). ``forms.form_from`` already drops NUL from submitted
forms; :class:`NulValuesMiddleware` does the same for the address, once for every page:

* a path holding NUL (``/participants/a%00b``) names nothing, so the page answers 404 Not found;
* a query value loses its NUL characters (``/admin/audit?actor=%00`` is read as ``actor=``, an empty
  filter), as a typed form value would.
"""

from __future__ import annotations

import re

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from ledger.errors import NotFound

_NUL_IN_QUERY = re.compile(rb"%00|\x00", re.IGNORECASE)


class NulValuesMiddleware(ASGIMiddleware):
    """404 for a path with NUL in it; NUL dropped from the query string (see the module's docstring)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if "\x00" in scope["path"]:
            raise NotFound("there is no such page")
        query = scope.get("query_string", b"")
        if query and _NUL_IN_QUERY.search(query):
            scope["query_string"] = _NUL_IN_QUERY.sub(b"", query)
        await next_app(scope, receive, send)
