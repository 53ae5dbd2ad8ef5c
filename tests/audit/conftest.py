"""A fresh, migrated database per test: SQLite always, PostgreSQL too when LEDGER_TEST_DATABASE_URL is set.

On SQLite the ``engine`` is on a copy of the run's migrated template (``sqlite_template`` in
tests/conftest.py) at ``audit_database_url``'s path, which stays an empty path for tests that build an
older database themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from db_template import copy_database  # tests/db_template.py
from private_pg import PG_ENV, private_postgres
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade

__all__ = ["PG_ENV", "_private_postgres"]

SQLITE = "sqlite:///"


def _private_postgres(prefix: str) -> Iterator[str]:
    """Generator form of the shared helper (tests/private_pg.py), for ``yield from`` in fixtures."""
    with private_postgres(prefix) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def audit_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"{SQLITE}{tmp_path / 'audit.db'}"
        return
    yield from _private_postgres("ledger_audit")


@pytest.fixture
def engine(audit_database_url: str, sqlite_template: Path) -> Iterator[Engine]:
    sqlite_path = audit_database_url.removeprefix(SQLITE)
    if sqlite_path != audit_database_url:
        copy_database(sqlite_template, Path(sqlite_path))  # the migrations, run once for the whole run
        engine = make_engine(audit_database_url)
    else:
        engine = make_engine(audit_database_url)
        upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
