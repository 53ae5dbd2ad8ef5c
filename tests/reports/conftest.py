"""A fresh, migrated SQLite ledger per test (PostgreSQL tests make their own private database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from payments.factory import migrated_factory, set_organisation
from private_pg import private_postgres_factory
from sqlalchemy.orm import Session, sessionmaker


@pytest.fixture
def factory(tmp_path: Path, sqlite_template: Path) -> sessionmaker[Session]:
    return migrated_factory(tmp_path, sqlite_template)


@pytest.fixture
def pg_factory() -> Iterator[sessionmaker[Session]]:
    """A private, migrated PostgreSQL database for one test (skipped without LEDGER_TEST_DATABASE_URL)."""
    with private_postgres_factory("ledger_reports") as factory:
        set_organisation(factory)  # documents and batches need the organisation's details, as on SQLite
        yield factory
