"""Seed data for the users tests: projects ALPHA (id 1) and BETA (2), Ada (P-0001, ALPHA), Bo (P-0002, BETA)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import Participant, ParticipantProject, PaymentPreference, Project


def seed(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        alpha = Project(code="ALPHA", name="Alpha", rate_card="nihr-style", currency="GBP")
        beta = Project(code="BETA", name="Beta", rate_card="nihr-style", currency="GBP")
        s.add_all([alpha, beta])
        s.flush()
        for ref, name, project in (("P-0001", "Ada Lovelace", alpha), ("P-0002", "Bo Brown", beta)):
            person = Participant(reference=ref, name=name, payment_preference=PaymentPreference.DECLINE)
            s.add(person)
            s.flush()
            s.add(ParticipantProject(participant_id=person.id, project_id=project.id, added_by="test"))
