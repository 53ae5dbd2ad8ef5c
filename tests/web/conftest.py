"""Fixtures for page tests: an app on a fresh SQLite file and TestClients signed in as anyone.

* ``web_app``: ``create_app`` on a new migrated SQLite file (cookies not Secure: the test client speaks
  plain http).
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
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker
from web_signin import factory_of, start_session  # tests/web/web_signin.py

from ledger.api.app import create_app
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.web.auth import SESSION_COOKIE

BASE_URL = "http://localhost"


@pytest.fixture
def web_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Litestar]:
    monkeypatch.setenv("LEDGER_SECURE_COOKIES", "never")
    monkeypatch.setenv("LEDGER_WEB_INSECURE_COOKIES", "1")
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}")
    with TestClient(app, base_url=BASE_URL):  # runs the start-up (migrations) once
        pass
    yield app


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
