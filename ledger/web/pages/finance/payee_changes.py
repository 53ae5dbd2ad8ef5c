"""``/finance/payee-changes``: changes of bank details or payment choice waiting for a second person.

The same services as ``/api/v1/payee-changes`` (``ledger.involvement.payee_changes``): ``list_changes`` and
``change_out`` (old and new side by side, numbers masked, the account name in full so it can be checked),
``confirm`` (refused for whoever proposed the change: four eyes) and ``refuse`` (with a reason). A refusal
comes back beside that change's buttons in plain words, and nothing changes.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from ledger.errors import LedgerError, NotFound
from ledger.involvement.payee_changes import change_out, confirm, get_change, list_changes, refuse
from ledger.involvement.schemas import MAX_ID
from ledger.security.actor import Actor
from ledger.web.forms import Form, form_from
from ledger.web.pages.finance.batches import _failure
from ledger.web.pages.finance.common import ACTORS, READERS, may_act, pagination
from ledger.web.pages.lead.common import PAYMENT_WORDS
from ledger.web.render import page, see_other

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PathId = Annotated[int, Parameter(ge=1, le=MAX_ID)]
PER_PAGE = 20
CHANGED_WORDS = {"payment_preference": "How they are paid", "bank": "Bank details", "organisation": "Organisation"}


def _listing(request: Request[Any, Any, Any], session: Session, actor: Actor, number: int, form: Form, *,
             status: int = 200) -> Template:
    found = list_changes(session, actor, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    pages = max(1, -(-found.total // PER_PAGE))
    return page(request, "finance/payee_changes.html", {
        "form": form, "changes": [change_out(c) for c in found.items], "total": found.total,
        "may_act": may_act(actor), "payment_words": PAYMENT_WORDS, "changed_words": CHANGED_WORDS,
        "pagination": pagination("/finance/payee-changes", {}, number, pages),
    }, status=status)


class PayeeChangePages(Controller):
    path = "/finance/payee-changes"

    @get("/", name="finance-payee-changes", guards=[READERS], sync_to_thread=True)
    def listing(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                number: int = Parameter(query="page", default=1, ge=1, le=1_000_000)) -> Template:
        return _listing(request, db_session, actor, number, Form())

    @post("/{change_id:int}/confirm", name="finance-payee-confirm", guards=[ACTORS], sync_to_thread=True)
    def confirm_one(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                    change_id: PathId) -> Template | Redirect:
        try:
            change = confirm(db_session, actor, change_id)
        except NotFound:
            raise
        except LedgerError as exc:
            db_session.rollback()
            form = Form()
            form.add(f"confirm-{change_id}", exc.detail)
            return _listing(request, db_session, actor, 1, form, status=_failure(exc))
        person = change.participant
        return see_other("/finance/payee-changes",
                         notice=f"Change confirmed: {person.name} ({person.reference}) is paid with the new details "
                                "from now on.")

    @post("/{change_id:int}/refuse", name="finance-payee-refuse", guards=[ACTORS], sync_to_thread=True)
    def refuse_one(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, change_id: PathId,
                   data: FormBody) -> Template | Redirect:
        form = form_from(data)
        name = f"reason-{change_id}"
        get_change(db_session, actor, change_id)  # a change that does not exist is a 404 page
        try:
            change = refuse(db_session, actor, change_id, form.value(name))
        except LedgerError as exc:
            db_session.rollback()
            form.add_problems(exc, fields={"reason": name}, fallback=name)
            return _listing(request, db_session, actor, 1, form, status=_failure(exc))
        person = change.participant
        return see_other("/finance/payee-changes",
                         notice=f"Change refused: {person.name} ({person.reference}) is still paid with the details "
                                "they had.")


PAGES: list[Any] = [PayeeChangePages]
