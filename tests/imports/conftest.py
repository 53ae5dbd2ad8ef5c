"""Fixtures for imports: a migrated database per backend and one rolled-back transaction per test.

SQLite always (a copy of the run's migrated template, ``sqlite_template`` in tests/conftest.py);
PostgreSQL too when ``LEDGER_TEST_DATABASE_URL`` is set (a private database for the run).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from db_template import backend_engine, rolled_back_session  # tests/db_template.py
from private_pg import private_postgres
from sqlalchemy import Engine
from sqlalchemy.orm import Session


@pytest.fixture(scope="session")
def imports_postgres_url() -> Iterator[str]:
    with private_postgres("ledger_imports", migrate=True) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    url = request.getfixturevalue("imports_postgres_url") if request.param == "postgres" else None
    with backend_engine(sqlite_template, tmp_path, url) as made:
        yield made


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """One transaction for the whole test, rolled back at the end (nothing is ever committed)."""
    with rolled_back_session(engine) as db:
        yield db
