"""Fixtures for the users/sign-in services: a migrated SQLite file with two projects and two participants."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from users_seed import seed  # tests/users/users_seed.py

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade


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
