"""Arrange a paid batch whose payees chose e-mail, post or no messages."""

from __future__ import annotations

from datetime import date

from payments.factory import approve, participant, project
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import Batch, Participant
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.security.actor import Actor

BUILDER = Actor.system("finance one")
CHECKER = Actor.system("finance two")
ACTIVITY_DAY = date(2025, 10, 9)


def person(session: Session, name: str, *, email: str | None = None, contact: str = "email",
           address: str | None = None, style: str = "standard", preference: str = "bank_transfer",
           organisation: str | None = None) -> Participant:
    someone = participant(session, name, preference, style=style, organisation=organisation)
    someone.email = email
    someone.contact_preference = contact
    someone.postal_address = address
    session.flush()
    return someone


def paid_batch(session: Session, people: list[tuple[Participant, int, int]], method: str = "bank_transfer") -> Batch:
    """Approve one activity per (person, fee, expenses), build, check and pay a batch (the caller commits)."""
    proj = project(session, "MSG")
    for someone, fee, costs in people:
        approve(session, someone, proj, ACTIVITY_DAY, fee, costs)
    batch = build_batch(session, BUILDER, method).batch
    approve_batch(session, CHECKER, batch.id)
    return mark_paid(session, BUILDER, batch.id, clock.today())
