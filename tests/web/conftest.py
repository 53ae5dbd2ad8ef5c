"""Fixtures for page tests: an app on a fresh SQLite file and TestClients signed in as anyone.

* ``web_app``: the app (``create_app``) on a fresh migrated SQLite file (cookies not Secure: the test
  client speaks plain http). Building the app takes about a second, so one app serves the whole run and
  is reset before each test (a fresh copy of the migrated database, empty rate-limit stores: see
  ``db_template.ReusedApps``).
* ``web_db``: its session factory, for seeding and for checking what was saved.
* ``client_for(role, projects=("ALPHA",) | None, participant=<id> | None, **user_fields)``: a TestClient
  signed in as a new account with that role (or as that participant). ``projects`` limits a lead.
* ``anonymous_client``: nobody signed in.
* ``submit(client, form_page, action, data)`` (from ``web_signin``): GET the form for its CSRF token, POST.
Browser tests: ``web_session_cookie`` and ``sign_in_browser`` in ``web_signin``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from db_template import ReusedApps  # tests/db_template.py
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker
from web_signin import factory_of, start_session  # tests/web/web_signin.py

from ledger.api.app import create_app
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.web.auth import SESSION_COOKIE

BASE_URL = "http://localhost"


@pytest.fixture(scope="session")
def _web_apps(tmp_path_factory: pytest.TempPathFactory) -> ReusedApps:
    return ReusedApps(tmp_path_factory.mktemp("web") / "web.db")


def _started_app(url: str) -> Litestar:
    app = create_app(url)
    with TestClient(app, base_url=BASE_URL):  # runs the start-up once (the copied database is already migrated)
        pass
    return app


@pytest.fixture
def web_app(_web_apps: ReusedApps, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Litestar:
    monkeypatch.setenv("LEDGER_SECURE_COOKIES", "never")
    _web_apps.reset(sqlite_template)
    return _web_apps.get("pages", _started_app)


@pytest.fixture
def web_db(web_app: Litestar) -> sessionmaker[Session]:
    return factory_of(web_app)


@pytest.fixture
def anonymous_client(web_app: Litestar) -> Iterator[TestClient[Litestar]]:
    yield TestClient(web_app, base_url=BASE_URL, raise_server_exceptions=False)


@pytest.fixture
def client_for(web_app: Litestar, web_db: sessionmaker[Session]) -> Iterator[Callable[..., TestClient[Litestar]]]:
    def make(role: Role | str, *, projects: Iterable[str] | None = None, participant: int | None = None,
             **user_fields: Any) -> TestClient[Litestar]:
        with transaction(web_db) as session:
            secret = start_session(session, role, projects=projects, participant=participant, **user_fields)
        # Not entered: the app started in ``web_app`` (a second start-up of one app would wait for ever).
        client = TestClient(web_app, base_url=BASE_URL, raise_server_exceptions=False)
        client.cookies.set(SESSION_COOKIE, secret)
        return client

    yield make
