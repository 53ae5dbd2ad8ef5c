"""Fixtures for API tests, reusable by every controller's tests.

* ``client``: a ``TestClient`` over a fresh, migrated SQLite database (one file per test).
* ``app_factory(extra_handlers=(), url=None, upgrade=True)``: build another app (e.g. with probe routes).
* ``api_handlers``: override in a test module to add controllers to the default ``app``/``client``.
* ``make_token(role, name=None, project_ids=None, participant_id=None) -> str``: a token made directly
  in the app's database; ``auth(token) -> dict`` gives the ``Authorization`` header.
* ``session_factory``: sessions on the app's own database, to arrange or inspect data.
* ``db_file``: a migrated SQLite file, for tests that build their own app over it (read-only, full).
* ``token_on(app, role=ADMIN, name="admin") -> str``: a token made in any app's own database.
* ``backend_database_url``: SQLite, and PostgreSQL too when ``LEDGER_TEST_DATABASE_URL`` is set (a
  private database created for the test and dropped after). Override ``database_url`` with it to run a
  module on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import set_organisation
from private_pg import PG_ENV, private_postgres
from sqlalchemy.orm import Session, sessionmaker

from ledger.api import routes
from ledger.api.app import create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.db.engine import make_engine, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import Role
from ledger.security.tokens import create_token

__all__ = ["PG_ENV", "private_postgres_database"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def private_postgres_database(prefix: str) -> Iterator[str]:
    """Generator form of the shared helper (tests/private_pg.py): a database of our own, dropped after."""
    with private_postgres(prefix) as url:
        yield url


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    yield from private_postgres_database("ledger_platform")


@pytest.fixture
def api_handlers() -> Sequence[Any]:
    """Extra controllers for the default ``app``; override in a module to add probe routes."""
    return ()


@pytest.fixture
def app_factory(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Litestar]:
    def make(*, extra_handlers: Sequence[Any] = (), url: str | None = None, upgrade: bool = True) -> Litestar:
        if extra_handlers:
            monkeypatch.setattr(routes, "ROUTE_HANDLERS", [*routes.ROUTE_HANDLERS, *extra_handlers])
        return create_app(url or database_url, upgrade=upgrade)

    return make


@pytest.fixture
def app(app_factory: Callable[..., Litestar], api_handlers: Sequence[Any]) -> Litestar:
    return app_factory(extra_handlers=api_handlers)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        # Batches and documents need the organisation's details (``ledger setup``).
        set_organisation(app.state[STATE_KEY].session_factory)
        yield test_client


@pytest.fixture
def ledger_db(app: Litestar) -> LedgerDatabase:
    database: LedgerDatabase = app.state[STATE_KEY]
    return database


@pytest.fixture
def session_factory(ledger_db: LedgerDatabase) -> sessionmaker[Session]:
    return ledger_db.session_factory


@pytest.fixture
def make_token(client: TestClient[Litestar], session_factory: sessionmaker[Session]) -> Callable[..., str]:
    """``make_token(role, name=None, project_ids=None, participant_id=None) -> secret``."""

    def make(
        role: Role | str,
        *,
        name: str | None = None,
        project_ids: Sequence[int] | None = None,
        participant_id: int | None = None,
    ) -> str:
        with transaction(session_factory) as session:
            _token, secret = create_token(
                session, name or f"test {Role(role).value}", role, project_ids, participant_id
            )
        return secret

    return make


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    """``auth(token) -> {"Authorization": "Bearer <token>"}``."""
    return bearer


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _token_on(app: Litestar, role: Role = Role.ADMIN, name: str = "admin") -> str:
    database: LedgerDatabase = app.state[STATE_KEY]
    with transaction(database.session_factory) as session:
        return create_token(session, name, role, None, None)[1]


@pytest.fixture
def token_on() -> Callable[..., str]:
    return _token_on
