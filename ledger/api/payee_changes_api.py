"""``/payee-changes``: changes of how someone is paid, waiting for a second person (four eyes).

A lead's change of bank details, payee organisation or payment choice (``PATCH /participants/{id}``)
waits here. Finance or an administrator, not the person who proposed it, confirms it (it takes effect)
or refuses it with a reason (it never does). Auditors read. Bank numbers are always masked.
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.pagination import PAGE_DEPENDENCIES, Page, PageParams
from ledger.db.models import Role
from ledger.involvement.payee_changes import change_out, confirm, get_change, list_changes, refuse
from ledger.involvement.schemas import MAX_ID, PayeeChangeOut, ReasonIn
from ledger.security.actor import Actor

PathId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="An id as returned by the server")]
StatusName = Literal["pending", "confirmed", "refused", "superseded", "all"]

DECIDERS = require_roles(Role.FINANCE)
READERS = require_roles(Role.FINANCE, Role.AUDITOR)


class PayeeChangeController(Controller):
    path = "/payee-changes"
    tags = ("Payee changes",)
    dependencies = PAGE_DEPENDENCIES

    @get("/", guards=[READERS], operation_id="listPayeeChanges",
         summary="Changes of payee details, pending ones by default (longest waiting first)", sync_to_thread=True)
    def list_all(
        self,
        db_session: Session,
        actor: Actor,
        page: PageParams,
        status: Annotated[StatusName, Parameter(
            query="status", description="pending (default), confirmed, refused, superseded, or all")] = "pending",
        participant: Annotated[int | None, Parameter(query="participant", ge=1, le=MAX_ID,
                                                     description="Only this participant's changes")] = None,
    ) -> Page[PayeeChangeOut]:
        found = list_changes(db_session, actor, limit=page.limit, offset=page.offset,
                             status=None if status == "all" else status, participant_id=participant)
        return Page(items=[change_out(c) for c in found.items], total=found.total, limit=page.limit,
                    offset=page.offset)

    @get("/{change_id:int}", guards=[READERS], operation_id="getPayeeChange",
         summary="One change: confirmed and proposed details side by side (masked)", sync_to_thread=True)
    def get_one(self, change_id: PathId, db_session: Session, actor: Actor) -> PayeeChangeOut:
        return change_out(get_change(db_session, actor, change_id))

    @post("/{change_id:int}/confirm", guards=[DECIDERS], operation_id="confirmPayeeChange", status_code=200,
          summary="Confirm a pending change proposed by someone else: it takes effect", sync_to_thread=True)
    def confirm_one(self, change_id: PathId, db_session: Session, actor: Actor) -> PayeeChangeOut:
        """403 if you proposed it yourself; 409 if it is no longer pending. Check the change with the person
        (on contact details you already held) before confirming it."""
        return change_out(confirm(db_session, actor, change_id))

    @post("/{change_id:int}/refuse", guards=[DECIDERS], operation_id="refusePayeeChange", status_code=200,
          summary="Refuse a pending change, with a reason: it never takes effect", sync_to_thread=True)
    def refuse_one(self, change_id: PathId, data: ReasonIn, db_session: Session, actor: Actor) -> PayeeChangeOut:
        return change_out(refuse(db_session, actor, change_id, data.reason))
