"""Fixtures for the users/sign-in services: a migrated SQLite file with two projects and two participants."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
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


@pytest.fixture
def users_url(tmp_path: Path) -> str:
    """A migrated SQLite file with projects ALPHA (id 1) and BETA (2), Ada (P-0001, ALPHA), Bo (P-0002, BETA)."""
    url = f"sqlite:///{tmp_path / 'users.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(make_session_factory(engine))
    engine.dispose()
    return url


@pytest.fixture
def users_db(users_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(users_url)
    yield make_session_factory(engine)
    engine.dispose()
