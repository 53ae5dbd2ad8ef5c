"""A fresh, migrated SQLite ledger per test (PostgreSQL tests make their own private database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from payments.factory import migrated_factory
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    return migrated_factory(tmp_path)


@pytest.fixture
def pg_factory() -> Iterator[sessionmaker[Session]]:
    """A private, migrated PostgreSQL database for one test (skipped without LEDGER_TEST_DATABASE_URL)."""
    base = os.environ.get("LEDGER_TEST_DATABASE_URL")
    if not base:
        pytest.skip("LEDGER_TEST_DATABASE_URL is not set")
    import psycopg

    name = f"ledger_reports_{uuid.uuid4().hex[:12]}"
    admin = make_url(base).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(admin.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
