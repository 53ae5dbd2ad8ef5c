"""Who may open every page: one row per page route (method, path) and the roles allowed (SHARED file).

Like ``tests/api/test_authorization_matrix.py`` for the API. Adding a page means adding its row here:
``test_every_page_route_has_an_entry`` FAILS for a page route without one. Then, for each row:
* anonymous: a GET is sent to ``/sign-in?next=<the page>``; a POST (with a valid CSRF token) to ``/sign-in``;
* every role not listed gets 403;
* every role listed gets past the guard (no 403, no sign-in redirect, no server error on GET).

Administrators are allowed wherever ``page_roles`` lets them in (its default), so rows list them only to
be explicit; pages that shut administrators out (``page_roles(..., admin=False)``) go in ``ADMIN_EXCLUDED``.
Public pages (no sign-in at all) go in ``PUBLIC_PAGES``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from web_signin import csrf_token, make_participant, start_session

from ledger.api.app import create_app
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.web.auth import SESSION_COOKIE

A, L, F, U, P = Role.ADMIN, Role.LEAD, Role.FINANCE, Role.AUDITOR, Role.PARTICIPANT
ROLES = (A, L, F, U, P)

PUBLIC_PAGES: set[tuple[str, str]] = {
    ("GET", "/"),
    ("GET", "/sign-in"), ("POST", "/sign-in"),
    ("GET", "/sign-in/code"), ("POST", "/sign-in/code"),
    ("GET", "/sign-in/link/{token:str}"), ("POST", "/sign-in/link/{token:str}"),
    ("GET", "/invitations/{token:str}"), ("POST", "/invitations/{token:str}"),
    ("POST", "/sign-out"),
    ("GET", "/accessibility"),
    ("GET", "/verify"), ("GET", "/verify/{code:str}"),  # RECOGNITION: anyone checks a record's code
}

PAGE_ROLES: dict[tuple[str, str], set[Role]] = {
    # RECOGNITION: leads report back ("what changed because of you") and see what is unreported
    ("GET", "/outcomes"): {A, L}, ("GET", "/outcomes/overdue"): {A, L},
    ("GET", "/outcomes/new"): {A, L}, ("POST", "/outcomes/new"): {A, L},
    ("GET", "/outcomes/records"): {A, L}, ("POST", "/outcomes/records"): {A, L},
    ("POST", "/outcomes/records/{record_id:int}/withdraw"): {A, L},
    # Accounts and API tokens
    ("GET", "/admin/users"): {A},
    ("GET", "/admin/users/invite"): {A},
    ("POST", "/admin/users/invite"): {A},
    ("GET", "/admin/users/{user_id:int}"): {A},
    ("POST", "/admin/users/{user_id:int}/role"): {A},
    ("POST", "/admin/users/{user_id:int}/disable"): {A},
    ("POST", "/admin/users/{user_id:int}/invitation"): {A},
    ("GET", "/admin/tokens"): {A},
    ("POST", "/admin/tokens"): {A},
    ("POST", "/admin/tokens/{token_id:int}/revoke"): {A},
    # The lead's pages
    ("GET", "/lead"): {A, L},
    ("GET", "/participants"): {A, L},
    ("GET", "/participants/new"): {A, L},
    ("POST", "/participants/new"): {A, L},
    ("GET", "/participants/{reference:str}"): {A, L},
    ("GET", "/participants/{reference:str}/edit"): {A, L},
    ("POST", "/participants/{reference:str}/edit"): {A, L},
    ("GET", "/participants/{reference:str}/payment"): {A, L},
    ("POST", "/participants/{reference:str}/payment"): {A, L},
    ("POST", "/participants/{reference:str}/sign-in-code"): {A, L},
    ("POST", "/participants/{reference:str}/email-code"): {A, L},
    ("GET", "/activities"): {A, L},
    ("GET", "/activities/new"): {A, L},
    ("POST", "/activities/new"): {A, L},
    ("POST", "/activities/new/quote"): {A, L},
    ("GET", "/activities/{activity_id:int}"): {A, L},
    ("GET", "/approvals"): {A, L},
    ("POST", "/approvals/{record_id:int}/approve"): {A, L},
    ("GET", "/approvals/{record_id:int}/reject"): {A, L},
    ("POST", "/approvals/{record_id:int}/reject"): {A, L},
    ("GET", "/records"): {A, L},
    ("GET", "/records/{record_id:int}"): {A, L},
    ("GET", "/records/{record_id:int}/reverse"): {A, L},
    ("POST", "/records/{record_id:int}/reverse"): {A, L},
    ("GET", "/records/{record_id:int}/correct"): {A, L},
    ("POST", "/records/{record_id:int}/correct"): {A, L},
    # WEB-FINANCE (issue 10): the API's batch and payee-change roles (auditors read; finance acts)
    ("GET", "/finance"): {A, F, U}, ("GET", "/finance/batches"): {A, F, U}, ("POST", "/finance/batches"): {A, F},
    ("GET", "/finance/batches/{batch_id:int}"): {A, F, U},
    ("POST", "/finance/batches/{batch_id:int}/approve"): {A, F},
    ("POST", "/finance/batches/{batch_id:int}/export"): {A, F},
    ("POST", "/finance/batches/{batch_id:int}/paid"): {A, F},
    ("GET", "/finance/batches/{batch_id:int}/lines/{line_id:int}/return"): {A, F},
    ("POST", "/finance/batches/{batch_id:int}/lines/{line_id:int}/return"): {A, F},
    ("GET", "/finance/batches/{batch_id:int}/remittances"): {A, F, U},
    ("GET", "/finance/batches/{batch_id:int}/remittances/{participant_id:int}"): {A, F, U},
    ("GET", "/finance/payee-changes"): {A, F, U},
    ("POST", "/finance/payee-changes/{change_id:int}/confirm"): {A, F},
    ("POST", "/finance/payee-changes/{change_id:int}/refuse"): {A, F},
    # MESSAGES: failed deliveries and "Send again" (finance; auditors look)
    ("GET", "/finance/messages"): {A, F, U},
    ("POST", "/finance/messages/{message_id:int}/resend"): {A, F},
    # IMPORT: the spreadsheet upload page (leads for their own projects, admins)
    ("GET", "/imports"): {A, L},
    ("POST", "/imports"): {A, L},
    ("POST", "/imports/run"): {A, L},
    ("GET", "/imports/templates/{name:str}"): {A, L},
    # Managers (issue 10): spend (the API's spend readers; leads scoped), audit trail, rate cards
    ("GET", "/manager"): {A, L, F, U},
    ("GET", "/manager/download/{fmt:str}"): {A, L, F, U},
    ("GET", "/admin/audit"): {A, U}, ("POST", "/admin/audit/check"): {A, U},
    ("GET", "/admin/rate-cards"): {A, L, F, U}, ("GET", "/admin/rate-cards/{key:str}"): {A, L, F, U},
    # Issue 10: a participant's own pages
    ("GET", "/me"): {P},
    ("GET", "/me/statement.pdf"): {P},
    ("GET", "/me/preferences"): {P},
    ("POST", "/me/preferences"): {P},
    ("POST", "/me/record-of-involvement"): {P},
}

ADMIN_EXCLUDED: set[tuple[str, str]] = {
    ("GET", "/me"), ("GET", "/me/statement.pdf"), ("GET", "/me/preferences"), ("POST", "/me/preferences"),
    ("POST", "/me/record-of-involvement"),
}

NOT_PAGES = ("/api/v1", "/static/")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _page_routes(app: Litestar) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(NOT_PAGES):
            continue
        for handler in route.route_handlers:
            found.update((method, route.path) for method in handler.http_methods if method not in IGNORED_METHODS)
    return found


def concrete(path: str) -> str:
    """A real address for a route template: ids become 1, other parameters a made-up word."""
    return re.sub(r"\{[^}:]+:(\w+)\}", lambda m: "1" if m.group(1) == "int" else "unknown", path)


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Litestar]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEDGER_SECURE_COOKIES", "never")
        patch.setenv("LEDGER_WEB_INSECURE_COOKIES", "1")
        app = create_app(f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'ledger.db'}")
        with TestClient(app, base_url="http://localhost"):
            pass
        yield app


@pytest.fixture(scope="module")
def clients(matrix_app: Litestar) -> Iterator[dict[Role | None, TestClient[Litestar]]]:
    from web_signin import factory_of

    made: dict[Role | None, TestClient[Litestar]] = {}
    with transaction(factory_of(matrix_app)) as session:
        person = make_participant(session, reference="P-0001")
        secrets = {role: start_session(session, role, projects=None, participant=person.id) for role in ROLES}
    for role in (*ROLES, None):
        # Not entered: the app has started once already (a second start-up of one app would wait for ever).
        client = TestClient(matrix_app, base_url="http://localhost", raise_server_exceptions=False)
        if role is not None:
            client.cookies.set(SESSION_COOKIE, secrets[role])
        made[role] = client
    yield made


def _send(clients: dict[Role | None, TestClient[Litestar]], who: Role | None, method: str, path: str) -> object:
    client = clients[who]
    if method == "GET":
        return client.get(concrete(path), follow_redirects=False)
    token = csrf_token(client.get("/sign-in/code").text)  # any form's token will do: the check is double-submit
    return client.request(method, concrete(path), data={"_csrf_token": token}, follow_redirects=False)


def test_every_page_route_has_an_entry(matrix_app: Litestar) -> None:
    routes = _page_routes(matrix_app)
    missing = sorted(routes - PAGE_ROLES.keys() - PUBLIC_PAGES)
    assert not missing, f"page routes without a row in tests/web/test_page_matrix.py: {missing}"


def test_no_stale_entries(matrix_app: Litestar) -> None:
    stale = sorted((PAGE_ROLES.keys() | PUBLIC_PAGES) - _page_routes(matrix_app))
    assert not stale, f"rows for page routes that no longer exist: {stale}"


def _rows() -> list[tuple[str, str]]:
    return sorted(PAGE_ROLES)


@pytest.mark.parametrize(("method", "path"), _rows())
def test_anonymous_is_sent_to_sign_in(clients: dict[Role | None, TestClient[Litestar]], matrix_app: Litestar,
                                      method: str, path: str) -> None:
    if (method, path) not in _page_routes(matrix_app):
        pytest.skip("page not built yet (see test_no_stale_entries)")
    answer = _send(clients, None, method, path)
    assert answer.status_code == 303, (method, path, answer.status_code)  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    if method == "GET":
        assert location.startswith("/sign-in?next=/") or location == "/sign-in"
    else:
        assert location == "/sign-in"


@pytest.mark.parametrize(("method", "path"), _rows())
def test_each_role_gets_in_or_403(clients: dict[Role | None, TestClient[Litestar]], matrix_app: Litestar,
                                  method: str, path: str) -> None:
    if (method, path) not in _page_routes(matrix_app):
        pytest.skip("page not built yet (see test_no_stale_entries)")
    allowed = set(PAGE_ROLES[(method, path)])
    if (method, path) not in ADMIN_EXCLUDED:
        allowed.add(A)
    for role in ROLES:
        answer = _send(clients, role, method, path)
        status = answer.status_code  # type: ignore[attr-defined]
        if role in allowed:
            assert status != 403, (role, method, path)
            assert not answer.headers.get("location", "").startswith("/sign-in"), (role, method, path)  # type: ignore[attr-defined]
            if method == "GET":
                assert status < 500, (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC_PAGES))
def test_public_pages_need_no_sign_in(clients: dict[Role | None, TestClient[Litestar]], method: str,
                                      path: str) -> None:
    if method != "GET":
        return
    answer = _send(clients, None, method, path)
    assert answer.status_code < 500 and answer.status_code != 403  # type: ignore[attr-defined]
