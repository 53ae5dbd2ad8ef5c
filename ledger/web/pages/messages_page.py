"""``/finance/messages``: e-mails sent, waiting and failed, and "Send again" for a failed one (finance).

The same service calls as ``GET /api/v1/messages`` and ``POST /api/v1/messages/{id}/resend``
(``ledger.messages.outbox``). Addresses are shown masked: the page is for finding failures, not for
reading people's details. Failed messages are shown first (the default filter), each with the mail
server's last answer, which usually says what to fix. "Send again" is a plain form (works without
JavaScript) and redirects back with a notice (POST-redirect-GET); a refusal (the person has since chosen
post, say) comes back as an error summary linked to that message's button, and nothing changes.
Auditors may look; only finance (and administrators) send again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit.personal import mask_email
from ledger.db.models import Participant, Role
from ledger.errors import LedgerError, NotFound
from ledger.messages.outbox import list_messages, resend
from ledger.security.actor import Actor
from ledger.web.auth import page_roles
from ledger.web.forms import Form
from ledger.web.render import page, see_other

READERS = page_roles(Role.FINANCE, Role.AUDITOR)
SENDERS = page_roles(Role.FINANCE)
PER_PAGE = 50
FILTERS = (("failed", "Failed"), ("queued", "Waiting"), ("sent", "Sent"), ("all", "All"))
KIND_WORDS = {"remittance": "Payment advice", "statement": "Statement", "sign_in": "Sign-in code"}
STATUS_WORDS = {"queued": "Waiting", "sending": "Sending", "sent": "Sent", "failed": "Failed"}
STATUS_TAGS = {"queued": "govuk-tag--blue", "sending": "govuk-tag--blue", "sent": "govuk-tag--green",
               "failed": "govuk-tag--red"}


def _listing(request: Request[Any, Any, Any], session: Session, actor: Actor, show: str, number: int, form: Form,
             *, status: int = 200) -> Template:
    wanted = None if show == "all" else show
    found = list_messages(session, status=wanted, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    ids = {m.participant_id for m in found.items if m.participant_id is not None}
    references = dict(session.execute(select(Participant.id, Participant.reference)
                                      .where(Participant.id.in_(ids))).all()) if ids else {}
    rows = [{
        "id": m.id, "kind": KIND_WORDS.get(m.kind, m.kind), "status": m.status,
        "status_words": STATUS_WORDS.get(m.status, m.status), "tag": STATUS_TAGS.get(m.status, ""),
        "reference": references.get(m.participant_id, "") if m.participant_id is not None else "",
        "to": mask_email(m.recipient), "subject": m.subject, "attempts": m.attempts, "answer": m.last_answer,
        "created": m.created_at, "sent": m.sent_at,
    } for m in found.items]
    pages = max(1, -(-found.total // PER_PAGE))
    pagination: dict[str, Any] | None = None
    if pages > 1:
        link = lambda n: "/finance/messages?" + urlencode({"show": show, "page": n})  # noqa: E731
        pagination = {"items": [{"number": n, "href": link(n), "current": n == number} for n in range(1, pages + 1)]}
        if number > 1:
            pagination["previous"] = {"href": link(number - 1)}
        if number < pages:
            pagination["next"] = {"href": link(number + 1)}
    return page(request, "messages/list.html", {
        "form": form, "rows": rows, "total": found.total, "show": show, "filters": FILTERS,
        "can_resend": actor.role in (Role.FINANCE, Role.ADMIN), "pagination": pagination,
    }, status=status)


class MessagesPages(Controller):
    path = "/finance/messages"

    @get("/", name="messages-list", guards=[READERS], sync_to_thread=True)
    def listing(
        self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
        show: str = Parameter(query="show", default="failed"),
        number: int = Parameter(query="page", default=1, ge=1, le=1_000_000),
    ) -> Template:
        if show not in dict(FILTERS):
            show = "failed"
        return _listing(request, db_session, actor, show, number, Form())

    @post("/{message_id:int}/resend", name="messages-resend", guards=[SENDERS], sync_to_thread=True)
    def send_again(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                   message_id: int) -> Template | Redirect:
        try:
            message = resend(db_session, actor, message_id)
        except LedgerError as exc:
            form = Form()
            form.add(f"resend-{message_id}", str(exc), anchor=f"resend-{message_id}")
            db_session.rollback()
            status = 404 if isinstance(exc, NotFound) else 409
            return _listing(request, db_session, actor, "failed", 1, form, status=status)
        return see_other("/finance/messages?show=failed",
                         notice=f"Message {message.id} will be sent again in the next minute or so.")


PAGES: list[Any] = [MessagesPages]
