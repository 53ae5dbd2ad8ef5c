"""One transaction per page request: committed when the page answers 2xx or 3xx, rolled back otherwise.

A form that fails validation answers 400 and so keeps nothing; a successful POST answers 303 (POST-
redirect-GET) and is committed BEFORE the redirect leaves, so the page it leads to shows the change.
The response is held back until then (as the API's unit of work does), and a failed commit becomes an
error page instead of a success that saved nothing.
"""

from __future__ import annotations

import logging

import anyio
import anyio.to_thread
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import exc as sa_exc

from ledger.api.database import LedgerDatabase, database_of
from ledger.api.errors import storage_fault
from ledger.api.transaction import BufferedResponse, _end

logger = logging.getLogger("ledger.web")


def _kept(status: int) -> bool:
    return 200 <= status < 400


class PageUnitOfWorkMiddleware(ASGIMiddleware):
    """Settles the page request's session (if the handler used one) before the response is sent."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        db = database_of(scope)
        response = BufferedResponse()
        try:
            await next_app(scope, receive, response.send)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._abandon, db, scope)
            raise
        await anyio.to_thread.run_sync(self._settle, db, scope, response)
        await response.deliver(send)

    @staticmethod
    def _abandon(db: LedgerDatabase, scope: Scope) -> None:
        _end(db.request_session(scope), commit=False)

    @staticmethod
    def _settle(db: LedgerDatabase, scope: Scope, response: BufferedResponse) -> None:
        session = db.request_session(scope)
        if not _kept(response.status):
            _end(session, commit=False)
            return
        try:
            _end(session, commit=True)
        except Exception as exc:
            _end(session, commit=False)
            status, title, detail = commit_failure(exc, scope["path"])
            from ledger.web.errors import error_page_html  # it renders templates; imported late

            response.replace(status, "text/html; charset=utf-8", error_page_html(scope, status, title, detail))


def commit_failure(exc: Exception, path: str) -> tuple[int, str, str]:
    """(status, title, words) for a commit the database refused; nothing was saved in every case."""
    if isinstance(exc, sa_exc.IntegrityError):
        logger.warning("page commit refused by a constraint on %s: %s", path, exc)
        return 409, "Somebody changed this at the same time", (
            "Nothing was saved because the same thing was changed at the same moment. Go back, reload the "
            "page and try again.")
    if isinstance(exc, sa_exc.DataError):
        logger.warning("page commit refused a value on %s: %s", path, exc)
        return 400, "A value could not be saved", (
            "Nothing was saved: a value is too long or has a character that cannot be stored. Go back, "
            "check what you typed and try again.")
    fault = storage_fault(exc)
    if fault is not None:
        logger.error("database fault (%s) at page commit on %s", fault[0], path, exc_info=exc)
        return 503, "The service is not available right now", f"Nothing was saved. {fault[1]}"
    logger.error("page commit failed on %s", path, exc_info=exc)
    return 500, "Sorry, there is a problem with the service", "Nothing was saved. Try again later."
