"""``/participants``: people paid for involvement, and their balance. Bank details are always masked.

``bank``, ``organisation`` and ``payment_preference`` in a response are the confirmed details; a change
of them made by create or PATCH shows as ``pending_payee_change`` until a second person confirms it
(``/payee-changes``). A lead limited to some projects sees only people who belong to them.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import Parameter
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.pagination import PAGE_DEPENDENCIES, Page, PageParams
from ledger.db.models import Role
from ledger.involvement.balances import participant_balance
from ledger.involvement.membership import add_to_project, projects_of
from ledger.involvement.participants import (
    create_participant,
    get_participant,
    list_participants,
    participant_out,
    participant_with_pending,
    update_participant,
)
from ledger.involvement.payee_changes import pending_by_participant
from ledger.involvement.schemas import (
    MAX_ID,
    BalanceOut,
    ParticipantCreate,
    ParticipantOut,
    ParticipantProjectsOut,
    ParticipantUpdate,
    PaymentPreferenceName,
    ProjectMembershipIn,
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
        """Adds a participant with a generated reference (P-0001). A lead limited to some projects names one
        of them in ``projects``. Bank details and a payee organisation are not in effect until a second
        person confirms them: they come back (masked) as ``pending_payee_change``, and ``bank`` stays null."""
        return participant_with_pending(db_session, create_participant(db_session, actor, data))

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
        pending = pending_by_participant(db_session, [p.id for p in found.items])
        return Page(items=[participant_out(p, pending.get(p.id)) for p in found.items], total=found.total,
                    limit=page.limit, offset=page.offset)

    @get("/{participant_id:int}", guards=[READERS], operation_id="getParticipant", summary="One participant",
         sync_to_thread=True)
    def get_one(self, participant_id: PathId, db_session: Session, actor: Actor) -> ParticipantOut:
        return participant_with_pending(db_session, get_participant(db_session, actor, participant_id))

    @patch("/{participant_id:int}", guards=[WRITERS], operation_id="updateParticipant",
           summary="Change a participant's details", sync_to_thread=True)
    def update(
        self, participant_id: PathId, data: ParticipantUpdate, db_session: Session, actor: Actor
    ) -> ParticipantOut:
        """Changes only the fields sent; ``null`` clears an optional one (for example ``"bank": null``).

        A change of ``bank``, ``organisation`` or ``payment_preference`` does NOT take effect: the response
        shows it as ``pending_payee_change`` (masked) and keeps the confirmed details until a second person
        (finance or an administrator) confirms it. Other fields change at once."""
        return participant_with_pending(db_session, update_participant(db_session, actor, participant_id, data))

    @post("/{participant_id:int}/projects", guards=[WRITERS], operation_id="addParticipantToProject",
          summary="Add a participant to a project", status_code=200, sync_to_thread=True)
    def add_project(
        self, participant_id: PathId, data: ProjectMembershipIn, db_session: Session, actor: Actor
    ) -> ParticipantProjectsOut:
        """Leads of that project can then see and change the person. The caller must already see the person
        and work on the project (so a lead of one project cannot pull in someone from another)."""
        add_to_project(db_session, actor, participant_id, data.project)
        return ParticipantProjectsOut(participant=participant_id, projects=projects_of(db_session, participant_id))

    @get("/{participant_id:int}/balance", guards=[BALANCE_READERS], operation_id="getParticipantBalance",
         summary="What a participant is owed, has been paid, and declined", sync_to_thread=True)
    def balance(self, participant_id: PathId, db_session: Session, actor: Actor) -> BalanceOut:
        return participant_balance(db_session, actor, participant_id)
