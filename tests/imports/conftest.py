"""Fixtures for imports: a migrated database per backend and one rolled-back transaction per test.

SQLite always; PostgreSQL too when ``LEDGER_TEST_DATABASE_URL`` is set (a private database for the run).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from private_pg import private_postgres
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade


@pytest.fixture(scope="session")
def imports_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("imports") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def imports_postgres_url() -> Iterator[str]:
    with private_postgres("ledger_imports", migrate=True) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path, imports_template: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"
        shutil.copy(imports_template, path)
        made = make_engine(f"sqlite:///{path}")
    else:
        made = make_engine(request.getfixturevalue("imports_postgres_url"))
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
