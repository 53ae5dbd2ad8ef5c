"""The one private-PostgreSQL-database helper for every test (import it as ``from private_pg import ...``).

PostgreSQL tests run only when ``LEDGER_TEST_DATABASE_URL`` names a server we may create databases on.
Each test (or session) gets a database of its own, created here with a random name and dropped afterwards
even when connections are still open (``WITH (FORCE)``), so runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade

PG_ENV = "LEDGER_TEST_DATABASE_URL"


def postgres_configured() -> bool:
    return bool(os.environ.get(PG_ENV))


def server_url_or_skip() -> str:
    """The test server's URL; skips the calling test when PostgreSQL tests are not configured."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    return base


def _admin() -> tuple[str, URL]:
    admin_url = make_url(server_url_or_skip()).set(drivername="postgresql")
    return admin_url.render_as_string(hide_password=False), admin_url


def create_private_postgres(prefix: str = "ledger_test") -> str:
    """Create an empty database of our own and return its URL (drop it with :func:`drop_private_postgres`)."""
    import psycopg

    conninfo, admin_url = _admin()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_private_postgres(url: str) -> None:
    import psycopg

    conninfo, _ = _admin()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@contextmanager
def private_postgres(prefix: str = "ledger_test", *, migrate: bool = False) -> Iterator[str]:
    """A private database's URL for the block (migrated to the latest schema with ``migrate``)."""
    url = create_private_postgres(prefix)
    try:
        if migrate:
            engine = make_engine(url)
            try:
                upgrade(engine)
            finally:
                engine.dispose()
        yield url
    finally:
        drop_private_postgres(url)


@contextmanager
def private_postgres_factory(prefix: str = "ledger_test", **engine_options: Any) -> Iterator[sessionmaker[Session]]:
    """Sessions on a private, migrated database (engine options such as ``pool_size`` pass through)."""
    with private_postgres(prefix) as url:
        engine = make_engine(url, **engine_options)
        try:
            upgrade(engine)
            yield make_session_factory(engine)
        finally:
            engine.dispose()
