"""A fresh, migrated database per test: SQLite always, PostgreSQL too when LEDGER_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade

PG_ENV = "LEDGER_TEST_DATABASE_URL"


def _private_postgres(prefix: str) -> Iterator[str]:
    import psycopg

    admin_url = make_url(os.environ[PG_ENV]).set(drivername="postgresql")
    conninfo = admin_url.render_as_string(hide_password=False)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def audit_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
        return
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
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
