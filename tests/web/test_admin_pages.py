"""The administrator's pages: inviting, changing and disabling accounts; API tokens (TestClient, CSRF)."""

from __future__ import annotations

import re
from collections.abc import Callable

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import csrf_token, ensure_project, make_user, submit

from ledger.db.engine import transaction
from ledger.db.models import ApiToken, Role
from ledger.db.models_web import WebSession, WebUser

GOOD = "kettle river orange"


def _count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_invite_shows_the_link_once_and_it_works(client_for: Callable[..., TestClient[Litestar]],
                                                 anonymous_client: TestClient[Litestar],
                                                 web_db: sessionmaker[Session]) -> None:
    with transaction(web_db) as s:
        ensure_project(s, "ALPHA")
    admin = client_for(Role.ADMIN)
    answer = submit(admin, "/admin/users/invite", "/admin/users/invite",
                    {"name": "Sam Patel", "email": "sam@example.org", "role": "lead", "projects": ["ALPHA"]})
    assert answer.status_code == 200 and "Copy the link now" in answer.text
    link = re.search(r'id="invitation-link"[^>]*>([^<]+)<', answer.text)
    assert link is not None and link.group(1).startswith("http://localhost/invitations/")
    listed = admin.get("/admin/users")
    assert "Sam Patel" in listed.text and "invited" in listed.text and "ALPHA" in listed.text
    path = link.group(1).removeprefix("http://localhost")
    done = submit(anonymous_client, path, path, {"password": GOOD, "confirm": GOOD}, follow_redirects=False)
    assert done.status_code == 303


def test_invite_bad_input_errors_beside_fields_nothing_saved(client_for: Callable[..., TestClient[Litestar]],
                                                             web_db: sessionmaker[Session]) -> None:
    admin = client_for(Role.ADMIN)
    before = _count(web_db, WebUser), _count(web_db, ApiToken)
    answer = submit(admin, "/admin/users/invite", "/admin/users/invite",
                    {"name": "Kept Name", "email": "not-an-address", "role": ""})
    assert answer.status_code == 400
    assert 'href="#email"' in answer.text and 'href="#role"' in answer.text
    assert 'value="Kept Name"' in answer.text and 'value="not-an-address"' in answer.text
    assert (_count(web_db, WebUser), _count(web_db, ApiToken)) == before


def test_email_already_used_is_an_error_beside_the_field(client_for: Callable[..., TestClient[Litestar]]) -> None:
    admin = client_for(Role.ADMIN, email="boss@example.org")
    answer = submit(admin, "/admin/users/invite", "/admin/users/invite",
                    {"name": "Other", "email": "BOSS@example.org", "role": "finance"})
    assert answer.status_code == 400 and "already an account" in answer.text and 'href="#email"' in answer.text


def test_change_role_and_projects(client_for: Callable[..., TestClient[Litestar]],
                                  web_db: sessionmaker[Session]) -> None:
    with transaction(web_db) as s:
        user = make_user(s, Role.FINANCE, name="Fi Finance")
        ensure_project(s, "BETA")
    admin = client_for(Role.ADMIN)
    page = f"/admin/users/{user.id}"
    wrong = submit(admin, page, f"{page}/role", {"role": "finance", "projects": ["BETA"]})
    assert wrong.status_code == 400 and "Only leads are limited" in wrong.text and 'href="#projects"' in wrong.text
    done = submit(admin, page, f"{page}/role", {"role": "lead", "projects": ["BETA"]}, follow_redirects=False)
    assert done.status_code == 303
    with web_db() as s:
        saved = s.get(WebUser, user.id)
        assert saved is not None and saved.role == "lead" and saved.project_ids is not None


def test_disable_signs_the_person_out_everywhere(client_for: Callable[..., TestClient[Litestar]],
                                                 web_db: sessionmaker[Session]) -> None:
    lead = client_for(Role.LEAD, name="Lee Lead")
    with web_db() as s:
        lee = s.scalar(select(WebUser).where(WebUser.name == "Lee Lead"))
    assert lee is not None and lead.get("/lead", follow_redirects=False).status_code == 200
    admin = client_for(Role.ADMIN)
    done = submit(admin, f"/admin/users/{lee.id}", f"/admin/users/{lee.id}/disable", {}, follow_redirects=False)
    assert done.status_code == 303
    assert lead.get("/lead", follow_redirects=False).headers["location"].startswith("/sign-in")
    with web_db() as s:
        assert s.scalar(select(WebSession.end_reason).where(WebSession.user_id == lee.id)) == "disabled"


def test_admin_cannot_disable_themself(client_for: Callable[..., TestClient[Litestar]],
                                       web_db: sessionmaker[Session]) -> None:
    admin = client_for(Role.ADMIN, name="Ada Admin")
    with web_db() as s:
        me = s.scalar(select(WebUser).where(WebUser.name == "Ada Admin"))
    assert me is not None
    shown = admin.get(f"/admin/users/{me.id}")
    assert "Disable account" not in shown.text
    answer = admin.post(f"/admin/users/{me.id}/disable", data={"_csrf_token": csrf_token(shown.text)})
    assert answer.status_code == 409 and "your own account" in answer.text


def test_unknown_user_is_404(client_for: Callable[..., TestClient[Litestar]]) -> None:
    assert client_for(Role.ADMIN).get("/admin/users/999").status_code == 404


def test_token_created_shown_once_works_and_is_revoked(client_for: Callable[..., TestClient[Litestar]],
                                                       web_db: sessionmaker[Session]) -> None:
    with transaction(web_db) as s:
        ensure_project(s, "ALPHA")
    admin = client_for(Role.ADMIN)
    answer = submit(admin, "/admin/tokens", "/admin/tokens",
                    {"name": "Finance export", "role": "lead", "projects": ["ALPHA"]})
    assert answer.status_code == 200, answer.text
    secret = re.search(r'id="token-secret"[^>]*>(ldg_[^<]+)<', answer.text)
    assert secret is not None
    api = TestClient(admin.app, base_url="http://localhost")
    projects = api.get("/api/v1/projects", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert projects.status_code == 200
    listing = admin.get("/admin/tokens")
    assert secret.group(1) not in listing.text and "Finance export" in listing.text
    assert "(web sign-in)" not in listing.text  # accounts' own identity tokens are not listed
    with web_db() as s:
        token_id = s.scalar(select(ApiToken.id).where(ApiToken.name == "Finance export"))
    revoked = submit(admin, "/admin/tokens", f"/admin/tokens/{token_id}/revoke", {}, follow_redirects=False)
    assert revoked.status_code == 303
    again = api.get("/api/v1/projects", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert again.status_code == 401


def test_token_bad_input(client_for: Callable[..., TestClient[Litestar]], web_db: sessionmaker[Session]) -> None:
    admin = client_for(Role.ADMIN)
    before = _count(web_db, ApiToken)
    answer = submit(admin, "/admin/tokens", "/admin/tokens", {"name": "", "role": "participant",
                                                               "participant": "P-9999"})
    assert answer.status_code == 400 and 'href="#participant"' in answer.text
    empty = submit(admin, "/admin/tokens", "/admin/tokens", {"name": "", "role": "finance"})
    assert empty.status_code == 400 and 'href="#name"' in empty.text
    assert _count(web_db, ApiToken) == before


def test_identity_tokens_cannot_be_revoked_from_the_tokens_page(client_for: Callable[..., TestClient[Litestar]],
                                                                web_db: sessionmaker[Session]) -> None:
    admin = client_for(Role.ADMIN)
    with web_db() as s:
        identity = s.scalar(select(WebUser.token_id))
    answer = submit(admin, "/admin/tokens", f"/admin/tokens/{identity}/revoke", {})
    assert answer.status_code == 409



def test_invite_can_also_email_the_link(client_for: Callable[..., TestClient[Litestar]],
                                        web_db: sessionmaker[Session]) -> None:
    from ledger.db.models_messages import OutboxMessage

    admin = client_for(Role.ADMIN)
    answer = submit(admin, "/admin/users/invite", "/admin/users/invite",
                    {"name": "Em Mail", "email": "em@example.org", "role": "auditor", "send_email": "yes"})
    assert answer.status_code == 200 and "also being e-mailed to em@example.org" in answer.text
    with web_db() as s:
        queued = s.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in queued] == ["em@example.org"]
