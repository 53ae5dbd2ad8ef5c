"""A fresh, migrated database per test: SQLite always, PostgreSQL too when LEDGER_TEST_DATABASE_URL is set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from private_pg import PG_ENV, private_postgres
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade

__all__ = ["PG_ENV", "_private_postgres"]


def _private_postgres(prefix: str) -> Iterator[str]:
    """Generator form of the shared helper (tests/private_pg.py), for ``yield from`` in fixtures."""
    with private_postgres(prefix) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def audit_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
        return
    yield from _private_postgres("ledger_audit")


@pytest.fixture
def engine(audit_database_url: str) -> Iterator[Engine]:
    engine = make_engine(audit_database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
