"""Small builders for involvement tests: actors, participants, projects and recorded activities."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import AccountKind, Category, Participant, Posting, Project, Role
from ledger.involvement.activities import record_activity
from ledger.involvement.participants import create_participant
from ledger.involvement.payee_changes import confirm, pending_for
from ledger.involvement.projects import create_project
from ledger.involvement.schemas import (
    ActivityCreate,
    ActivityCreated,
    AttendeeIn,
    BankIn,
    OrganisationIn,
    ParticipantCreate,
    ProjectCreate,
    WatchLimitIn,
)
from ledger.security.actor import Actor

ADMIN = Actor(token_id=1, name="Ada Admin", role=Role.ADMIN)
LEAD = Actor(token_id=2, name="Lee Lead", role=Role.LEAD)
APPROVER = Actor(token_id=3, name="Amy Approver", role=Role.LEAD)
AUDITOR = Actor(token_id=4, name="Audrey Auditor", role=Role.AUDITOR)
FINANCE = Actor(token_id=5, name="Finn Finance", role=Role.FINANCE)

BANK = BankIn(account_name="J SMITH", sort_code="12-34-56", account_number="12345678")


def participant(
    session: Session,
    preference: str = "bank_transfer",
    *,
    name: str = "Jo Smith",
    watch: list[WatchLimitIn] | None = None,
    actor: Actor = LEAD,
    confirmed: bool = True,
    projects: list[int] | None = None,
) -> Participant:
    """A new participant; with ``confirmed`` (the default) finance has also confirmed their bank details."""
    bank = BANK if preference in ("bank_transfer", "expenses_only", "voucher") else None
    org = OrganisationIn(name="Mind in Leeds", reference="DON-1") if preference == "organisation" else None
    person = create_participant(session, actor, ParticipantCreate(
        name=name, payment_preference=preference, bank=bank, organisation=org,  # type: ignore[arg-type]
        watch_limits=watch or [], projects=projects or [],
    ))
    pending = pending_for(session, person.id)
    if confirmed and pending is not None:
        confirm(session, FINANCE, pending.id)
    return person


def project(
    session: Session, code: str = "STEER", rate_card: str = "nihr-style", budget: str | None = "5000.00"
) -> Project:
    return create_project(session, ADMIN, ProjectCreate(code=code, name=f"Project {code}", rate_card=rate_card,
                                                        budget=budget))


def attendee(participant_id: int, minutes: int = 90, **extra: Any) -> AttendeeIn:
    return AttendeeIn(participant=participant_id, involvement_minutes=minutes, **extra)


def meeting(
    session: Session,
    project_id: int,
    attendees: list[AttendeeIn],
    *,
    on: date = date(2026, 1, 7),
    activity: str = "meeting",
    mode: str = "in_person",
    actor: Actor = LEAD,
) -> ActivityCreated:
    return record_activity(session, actor, ActivityCreate(
        project=project_id, date=on, activity=activity, attendees=attendees, mode=mode,  # type: ignore[arg-type]
    ))


def account_sum(session: Session, kind: AccountKind, category: Category, **where: int) -> int:
    query = select(func.coalesce(func.sum(Posting.amount_minor), 0)).where(
        Posting.account_kind == kind, Posting.category == category
    )
    for column, value in where.items():
        query = query.where(getattr(Posting, column) == value)
    return int(session.scalar(query) or 0)
