"""Fixtures for the involvement services: a migrated database per backend, a session per test.

Each test runs inside one transaction that is rolled back afterwards (the services flush but never
commit, exactly as in a request). SQLite always; PostgreSQL too when ``LEDGER_TEST_DATABASE_URL`` is
set, in a private database created for this run and dropped afterwards. Concurrency tests build their
own private database (see ``fresh_postgres``) because they need committed data seen by several sessions.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from private_pg import create_private_postgres, drop_private_postgres, private_postgres, private_postgres_factory
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade

# The private PostgreSQL databases come from the one shared helper (tests/private_pg.py); the names stay
# importable from here for tests that made their own.
__all__ = ["create_private_postgres", "drop_private_postgres"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("involvement") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with private_postgres("ledger_involvement", migrate=True) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"
        shutil.copy(sqlite_template, path)
        made = make_engine(f"sqlite:///{path}")
    else:
        made = make_engine(request.getfixturevalue("postgres_url"))
    yield made
    made.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """One transaction for the whole test, rolled back at the end (nothing is ever committed)."""
    factory = make_session_factory(engine)
    with factory() as db:
        db.begin()
        try:
            yield db
        finally:
            db.rollback()


@pytest.fixture
def fresh_postgres() -> Iterator[sessionmaker[Session]]:
    """A private, migrated PostgreSQL database for tests whose sessions must see each other's commits."""
    with private_postgres_factory("ledger_involvement_race", pool_size=30, max_overflow=10) as factory:
        yield factory
