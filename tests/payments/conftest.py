"""A fresh, migrated SQLite ledger per test; ``pg_factory`` gives a private PostgreSQL database instead.

``pg_factory`` skips unless ``LEDGER_TEST_DATABASE_URL`` is set; it creates a database of its own on
that server (dropped afterwards), so PostgreSQL tests can commit and race freely.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade
from payments.factory import migrated_factory, set_organisation

PG_ENV = "LEDGER_TEST_DATABASE_URL"


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    return migrated_factory(tmp_path)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (not migrated), dropped after the test."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    import psycopg

    name = f"ledger_payments_{uuid.uuid4().hex[:12]}"
    admin = make_url(base).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_factory(pg_url: str) -> Iterator[sessionmaker[Session]]:
    """A migrated private PostgreSQL ledger with the organisation set up."""
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        set_organisation(factory)
        yield factory
    finally:
        engine.dispose()
