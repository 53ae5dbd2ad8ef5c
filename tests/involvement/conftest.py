"""Fixtures for the involvement services: a migrated database per backend, a session per test.

The SQLite database is a copy of the run's migrated template (``sqlite_template``, tests/conftest.py).

Each test runs inside one transaction that is rolled back afterwards (the services flush but never
commit, exactly as in a request). SQLite always; PostgreSQL too when ``LEDGER_TEST_DATABASE_URL`` is
set, in a private database created for this run and dropped afterwards. Concurrency tests build their
own private database (see ``fresh_postgres``) because they need committed data seen by several sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from db_template import backend_engine, rolled_back_session  # tests/db_template.py
from private_pg import create_private_postgres, drop_private_postgres, private_postgres, private_postgres_factory
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

# The private PostgreSQL databases come from the one shared helper (tests/private_pg.py); the names stay
# importable from here for tests that made their own.
__all__ = ["create_private_postgres", "drop_private_postgres"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with private_postgres("ledger_involvement", migrate=True) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with backend_engine(sqlite_template, tmp_path, url) as made:
        yield made


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """One transaction for the whole test, rolled back at the end (nothing is ever committed)."""
    with rolled_back_session(engine) as db:
        yield db


@pytest.fixture
def fresh_postgres() -> Iterator[sessionmaker[Session]]:
    """A private, migrated PostgreSQL database for tests whose sessions must see each other's commits."""
    with private_postgres_factory("ledger_involvement_race", pool_size=30, max_overflow=10) as factory:
        yield factory
