"""A fresh, migrated SQLite ledger per test; ``pg_factory`` gives a private PostgreSQL database instead.

``pg_factory`` skips unless ``LEDGER_TEST_DATABASE_URL`` is set; it creates a database of its own on
that server (dropped afterwards), so PostgreSQL tests can commit and race freely.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from private_pg import private_postgres
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade
from payments.factory import migrated_factory, set_organisation


@pytest.fixture
def factory(tmp_path: Path, sqlite_template: Path) -> sessionmaker[Session]:
    return migrated_factory(tmp_path, sqlite_template)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (not migrated), dropped after the test."""
    with private_postgres("ledger_payments") as url:  # the one shared helper (tests/private_pg.py)
        yield url


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
