"""Fixtures for the involvement services: a migrated database per backend, a session per test.

Each test runs inside one transaction that is rolled back afterwards (the services flush but never
commit, exactly as in a request). SQLite always; PostgreSQL too when ``LEDGER_TEST_DATABASE_URL`` is
set, in a private database created for this run and dropped afterwards. Concurrency tests build their
own private database (see ``fresh_postgres``) because they need committed data seen by several sessions.
"""

from __future__ import annotations

import os
import shutil
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


def _pg_admin_conninfo() -> tuple[str, object]:
    base = os.environ[PG_ENV]
    admin_url = make_url(base).set(drivername="postgresql")
    return admin_url.render_as_string(hide_password=False), admin_url


def create_private_postgres(prefix: str = "ledger_involvement") -> str:
    import psycopg

    conninfo, admin_url = _pg_admin_conninfo()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.set(database=name).render_as_string(hide_password=False)  # type: ignore[attr-defined, no-any-return]


def drop_private_postgres(url: str) -> None:
    import psycopg

    conninfo, _ = _pg_admin_conninfo()
    name = make_url(url).database
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("involvement") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    url = create_private_postgres()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        drop_private_postgres(url)


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
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    url = create_private_postgres("ledger_involvement_race")
    engine = make_engine(url, pool_size=30, max_overflow=10)
    try:
        upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        drop_private_postgres(url)
