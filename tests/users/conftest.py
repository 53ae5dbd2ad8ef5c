"""Fixtures for the users/sign-in services: a migrated SQLite file with two projects and two participants."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from db_template import copy_database  # tests/db_template.py
from sqlalchemy.orm import Session, sessionmaker
from users_seed import seed  # tests/users/users_seed.py

from ledger.db.engine import make_engine, make_session_factory


@pytest.fixture
def users_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite file with projects ALPHA (id 1) and BETA (2), Ada (P-0001, ALPHA), Bo (P-0002, BETA)."""
    url = f"sqlite:///{copy_database(sqlite_template, tmp_path / 'users.db')}"
    engine = make_engine(url)
    seed(make_session_factory(engine))
    engine.dispose()
    return url


@pytest.fixture
def users_db(users_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(users_url)
    yield make_session_factory(engine)
    engine.dispose()
