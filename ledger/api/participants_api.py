"""``/participants``: people paid for involvement, and their balance. Bank details are always masked."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import Parameter
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.pagination import PAGE_DEPENDENCIES, Page, PageParams
from ledger.db.models import Role
from ledger.involvement.balances import participant_balance
from ledger.involvement.participants import (
    create_participant,
    get_participant,
    list_participants,
    participant_out,
    update_participant,
)
from ledger.involvement.schemas import (
    MAX_ID,
    BalanceOut,
    ParticipantCreate,
    ParticipantOut,
    ParticipantUpdate,
    PaymentPreferenceName,
)
from ledger.security.actor import Actor

PathId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="An id as returned by the server")]

WRITERS = require_roles(Role.LEAD)
READERS = require_roles(Role.LEAD, Role.AUDITOR, Role.PARTICIPANT)
BALANCE_READERS = require_roles(Role.LEAD, Role.FINANCE, Role.AUDITOR, Role.PARTICIPANT)


class ParticipantController(Controller):
    path = "/participants"
    tags = ("Participants",)
    dependencies = PAGE_DEPENDENCIES

    @post("/", guards=[WRITERS], operation_id="createParticipant", summary="Add a participant",
          sync_to_thread=True)
    def create(self, data: ParticipantCreate, db_session: Session, actor: Actor) -> ParticipantOut:
        """Adds a participant with a generated reference (P-0001). Bank details come back masked."""
        return participant_out(create_participant(db_session, actor, data))

    @get("/", guards=[READERS], operation_id="listParticipants", summary="List participants",
         sync_to_thread=True)
    def list_all(
        self,
        db_session: Session,
        actor: Actor,
        page: PageParams,
        payment_preference: Annotated[PaymentPreferenceName | None, Parameter(
            query="payment_preference", description="Only people with this payment choice")] = None,
        search: Annotated[str | None, Parameter(
            query="search", max_length=200, description="Part of a name or a reference such as P-0001")] = None,
    ) -> Page[ParticipantOut]:
        found = list_participants(db_session, actor, limit=page.limit, offset=page.offset,
                                  payment_preference=payment_preference, search=search)
        return Page(items=[participant_out(p) for p in found.items], total=found.total,
                    limit=page.limit, offset=page.offset)

    @get("/{participant_id:int}", guards=[READERS], operation_id="getParticipant", summary="One participant",
         sync_to_thread=True)
    def get_one(self, participant_id: PathId, db_session: Session, actor: Actor) -> ParticipantOut:
        return participant_out(get_participant(db_session, actor, participant_id))

    @patch("/{participant_id:int}", guards=[WRITERS], operation_id="updateParticipant",
           summary="Change a participant's details", sync_to_thread=True)
    def update(
        self, participant_id: PathId, data: ParticipantUpdate, db_session: Session, actor: Actor
    ) -> ParticipantOut:
        """Changes only the fields sent; ``null`` clears an optional one (for example ``"bank": null``)."""
        return participant_out(update_participant(db_session, actor, participant_id, data))

    @get("/{participant_id:int}/balance", guards=[BALANCE_READERS], operation_id="getParticipantBalance",
         summary="What a participant is owed, has been paid, and declined", sync_to_thread=True)
    def balance(self, participant_id: PathId, db_session: Session, actor: Actor) -> BalanceOut:
        return participant_balance(db_session, actor, participant_id)
