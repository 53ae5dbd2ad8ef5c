"""Fixtures for API tests, reusable by every controller's tests.

* ``client``: a ``TestClient`` over a fresh, migrated SQLite database (a template copy for each test; the
  app itself is built once per run, without the start-up migration, and reset for each test, see
  ``db_template.ReusedApps``).
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
from db_template import ReusedApps, copy_database  # tests/db_template.py
from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import set_organisation
from private_pg import PG_ENV, private_postgres
from sqlalchemy.orm import Session, sessionmaker

from ledger.api import routes
from ledger.api.app import create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.security.tokens import create_token

__all__ = ["PG_ENV", "private_postgres_database"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def private_postgres_database(prefix: str) -> Iterator[str]:
    """Generator form of the shared helper (tests/private_pg.py): a database of our own, dropped after."""
    with private_postgres(prefix) as url:
        yield url


@pytest.fixture(scope="session")
def _api_apps(tmp_path_factory: pytest.TempPathFactory) -> ReusedApps:
    return ReusedApps(tmp_path_factory.mktemp("api") / "ledger.db")


@pytest.fixture
def database_url(_api_apps: ReusedApps, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite file: the one the reused apps serve (``app``), reset for this test."""
    _api_apps.reset(sqlite_template)
    return _api_apps.url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_database_url(request: pytest.FixtureRequest, _api_apps: ReusedApps, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        _api_apps.reset(sqlite_template)
        yield _api_apps.url
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
def app(app_factory: Callable[..., Litestar], api_handlers: Sequence[Any], database_url: str,
        _api_apps: ReusedApps) -> Litestar:
    """On SQLite, one app per set of extra handlers for the whole run (building one takes about a second),
    reset for each test by ``database_url``; on PostgreSQL, an app of the test's own.

    The reused apps skip the start-up migration: their database is always a copy of the migrated template
    already, and checking that again at every test's start-up cost about 16 ms a test. Tests of the start-up
    itself build their own app (``app_factory``), which migrates as the service does."""
    if database_url != _api_apps.url:
        return app_factory(extra_handlers=api_handlers)
    return _api_apps.get(tuple(api_handlers), lambda _url: app_factory(extra_handlers=api_handlers, upgrade=False))


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
def db_file(tmp_path: Path, sqlite_template: Path) -> Path:
    return copy_database(sqlite_template, tmp_path / "ledger.db")


def _token_on(app: Litestar, role: Role = Role.ADMIN, name: str = "admin") -> str:
    database: LedgerDatabase = app.state[STATE_KEY]
    with transaction(database.session_factory) as session:
        return create_token(session, name, role, None, None)[1]


@pytest.fixture
def token_on() -> Callable[..., str]:
    return _token_on
