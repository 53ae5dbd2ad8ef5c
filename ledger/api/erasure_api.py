"""Personal data with an end (UK GDPR): retention dates and erasure, for administrators only.

``GET /participants/retention`` lists everyone not yet erased with the date they become erasable;
``POST /participants/{id}/erasure`` replaces their name, contact and bank details by a tombstone once the
retention period has ended (409 naming the first possible date before then). People are named by
reference only in both answers. The rules are in ``ledger.involvement.erasure``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.clock import today
from ledger.involvement.erasure import Retention, erase, retention_report
from ledger.involvement.schemas import MAX_ID
from ledger.security.actor import Actor
from ledger.settings import retention_years

PathId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="An id as returned by the server")]
ADMINS = require_roles()  # administrators only


class RetentionOut(msgspec.Struct, kw_only=True):
    participant: int
    reference: str
    last_payment: dt.date | None
    counted_from: dt.date
    retention_ends: dt.date
    erasable_from: dt.date
    erasable_now: bool
    blocked_by: str | None


class RetentionListOut(msgspec.Struct, kw_only=True):
    retention_years: int
    today: dt.date
    items: list[RetentionOut]


class ErasureOut(msgspec.Struct, kw_only=True):
    participant: int
    reference: str
    erased_at: dt.datetime
    retention_ended: dt.date
    batch_lines_blanked: int
    payee_changes_blanked: int
    tokens_revoked: int


def retention_out(row: Retention) -> RetentionOut:
    return RetentionOut(participant=row.participant_id, reference=row.reference, last_payment=row.last_payment,
                        counted_from=row.counted_from, retention_ends=row.retention_ends,
                        erasable_from=row.erasable_from, erasable_now=row.erasable(), blocked_by=row.blocked_by)


class ErasureController(Controller):
    path = "/participants"
    tags = ("Participants",)

    @get("/retention", guards=[ADMINS], operation_id="listRetention",
         summary="When each participant's personal details may be erased (administrators)", sync_to_thread=True)
    def retention(self, db_session: Session, actor: Actor) -> RetentionListOut:
        """Everyone not yet erased, soonest erasable first. ``blocked_by`` says why someone cannot be erased
        whatever the date (money still owed, a claim waiting)."""
        rows = retention_report(db_session, actor)
        return RetentionListOut(retention_years=retention_years(), today=today(),
                                items=[retention_out(row) for row in rows])

    @post("/{participant_id:int}/erasure", guards=[ADMINS], operation_id="eraseParticipant", status_code=200,
          summary="Erase a participant's personal details after the retention period (administrators)",
          sync_to_thread=True)
    def erase_one(self, participant_id: PathId, db_session: Session, actor: Actor) -> ErasureOut:
        """Replaces name, contact and bank details by "Erased participant P-0012"; amounts, references and
        records stay. 409 before the retention period ends (the detail names the first possible date), while
        money is owed or a claim waits, or when already erased; 404 for an unknown id. Cannot be undone."""
        done = erase(db_session, actor, participant_id)
        return ErasureOut(participant=done.participant_id, reference=done.reference, erased_at=done.erased_at,
                          retention_ended=done.retention_ended, batch_lines_blanked=done.batch_lines,
                          payee_changes_blanked=done.payee_changes, tokens_revoked=done.tokens)
