"""A NUL character in a page's address (PostgreSQL refuses it in text): a path holding one is 404 Not
found, a query value loses it (an empty filter), never 422 "cannot be stored". On PostgreSQL, where it
matters, through a private database (``tests/private_pg.py``); on SQLite too, where it must answer the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from private_pg import private_postgres, server_url_or_skip
from web_signin import factory_of, start_session

from ledger.api.app import create_app
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.web.auth import SESSION_COOKIE

BASE_URL = "http://localhost"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def nul_app(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Litestar]:
    monkeypatch.setenv("LEDGER_SECURE_COOKIES", "never")
    monkeypatch.setenv("LEDGER_WEB_INSECURE_COOKIES", "1")
    if request.param == "sqlite":
        app = create_app(f"sqlite:///{tmp_path / 'web.db'}")
        with TestClient(app, base_url=BASE_URL):
            yield app
        return
    server_url_or_skip()
    with private_postgres("web_nul") as url:
        app = create_app(url)
        with TestClient(app, base_url=BASE_URL):  # start-up migrates; shut down before the database is dropped
            yield app


def signed_in(app: Litestar, role: Role) -> TestClient[Litestar]:
    with transaction(factory_of(app)) as session:
        secret = start_session(session, role)
    client = TestClient(app, base_url=BASE_URL, raise_server_exceptions=False)
    client.cookies.set(SESSION_COOKIE, secret)
    return client


def test_nul_in_a_page_path_is_not_found(nul_app: Litestar) -> None:
    lead = signed_in(nul_app, Role.LEAD)
    for path in ("/participants/a%00b", "/participants/%00", "/records?participant=a%00b"):  # 400: a form error
        answer = lead.get(path)
        assert answer.status_code in (200, 400, 404), (path, answer.status_code, answer.text[:300])
        assert "cannot be stored" not in answer.text
    assert lead.get("/participants/a%00b").status_code == 404


def test_nul_in_an_audit_filter_is_dropped(nul_app: Litestar) -> None:
    admin = signed_in(nul_app, Role.ADMIN)
    for query in ("actor=%00", "entity=%00&action=%00", "actor=ann%00"):
        answer = admin.get(f"/admin/audit?{query}")
        assert answer.status_code == 200, (query, answer.status_code, answer.text[:300])
        assert "Audit trail" in answer.text or "audit" in answer.text.lower()
