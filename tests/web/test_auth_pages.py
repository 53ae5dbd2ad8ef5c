"""Signing in and out through the pages (TestClient, CSRF included): passwords, codes, links, invitations."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import ADMIN, csrf_token, make_participant, make_user, submit

from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, Role
from ledger.db.models_web import SignInCode, SignInFailure, WebSession, WebUser
from ledger.users import codes, invitations
from ledger.web.auth import SESSION_COOKIE, cookie_secure

GOOD = "kettle river orange"


@pytest.fixture
def lee(web_db: sessionmaker[Session]) -> WebUser:
    with transaction(web_db) as s:
        return make_user(s, Role.LEAD, projects=("ALPHA",), name="Lee Lead", email="lee@example.org", password=GOOD)


def test_anonymous_home_goes_to_sign_in(anonymous_client: TestClient[Litestar]) -> None:
    answer = anonymous_client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"


def test_password_sign_in_sets_a_safe_cookie_and_goes_home(anonymous_client: TestClient[Litestar], lee: WebUser,
                                                          web_db: sessionmaker[Session]) -> None:
    answer = submit(anonymous_client, "/sign-in", "/sign-in", {"email": "LEE@example.org", "password": GOOD},
                    follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/lead"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    home = anonymous_client.get("/", follow_redirects=False)
    assert home.headers["location"] == "/lead"
    with web_db() as s:
        assert s.scalar(select(func.count()).select_from(WebSession)) == 1


def test_next_is_followed_only_on_this_site(anonymous_client: TestClient[Litestar], lee: WebUser) -> None:
    page = anonymous_client.get("/sign-in?next=/records%3Fpage%3D2")
    assert 'name="next" value="/records?page=2"' in page.text
    answer = anonymous_client.post("/sign-in", data={"email": "lee@example.org", "password": GOOD,
                                                     "next": "//evil.example/x", "_csrf_token": csrf_token(page.text)},
                                   follow_redirects=False)
    assert answer.headers["location"] == "/lead"
    page = anonymous_client.get("/sign-in?next=https://evil.example")
    assert 'name="next"' not in page.text


def test_wrong_password_shows_the_error_beside_the_field_and_keeps_the_email(
        anonymous_client: TestClient[Litestar], lee: WebUser, web_db: sessionmaker[Session]) -> None:
    answer = submit(anonymous_client, "/sign-in", "/sign-in", {"email": "lee@example.org", "password": "nope nope"})
    assert answer.status_code == 400
    assert "There is a problem" in answer.text and 'href="#email"' in answer.text
    assert 'value="lee@example.org"' in answer.text and "nope nope" not in answer.text
    assert "Error: Sign in" in answer.text
    with web_db() as s:  # the failure was kept although the page answered 400
        assert s.scalar(select(func.count()).select_from(SignInFailure)) == 2
        assert s.scalar(select(func.count()).where(AuditEvent.action == "sign_in.fail")) == 1


def test_empty_fields_each_get_an_error(anonymous_client: TestClient[Litestar]) -> None:
    answer = submit(anonymous_client, "/sign-in", "/sign-in", {"email": " ", "password": ""})
    assert answer.status_code == 400
    assert "Enter your email address" in answer.text and "Enter your password" in answer.text


def test_repeated_failures_pause_with_a_plain_message(anonymous_client: TestClient[Litestar], lee: WebUser,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_SIGN_IN_ATTEMPTS", "2")
    for _ in range(2):
        answer = submit(anonymous_client, "/sign-in", "/sign-in", {"email": "lee@example.org", "password": "x" * 12})
    assert answer.status_code == 429 and "Try again after" in answer.text
    right = submit(anonymous_client, "/sign-in", "/sign-in", {"email": "lee@example.org", "password": GOOD})
    assert right.status_code == 429 and "paused" in right.text


def test_post_without_csrf_token_is_refused(anonymous_client: TestClient[Litestar], lee: WebUser) -> None:
    anonymous_client.get("/sign-in")
    answer = anonymous_client.post("/sign-in", data={"email": "lee@example.org", "password": GOOD},
                                   follow_redirects=False)
    assert answer.status_code == 403
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_sign_out_ends_the_session_on_the_server(client_for: Callable[..., TestClient[Litestar]],
                                                 web_db: sessionmaker[Session]) -> None:
    client = client_for(Role.ADMIN)
    stolen = client.cookies.get(SESSION_COOKIE)
    answer = submit(client, "/sign-in/code", "/sign-out", {}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    with web_db() as s:
        assert s.scalar(select(WebSession.end_reason)) == "signed out"
    client.cookies.set(SESSION_COOKIE, stolen or "")  # a copied cookie is useless afterwards
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_code_sign_in_for_a_participant(anonymous_client: TestClient[Litestar], web_db: sessionmaker[Session]) -> None:
    with transaction(web_db) as s:
        person = make_participant(s)
        issued = codes.issue_code(s, ADMIN, person.id)
    answer = submit(anonymous_client, "/sign-in/code", "/sign-in/code", {"code": issued.code.lower()},
                    follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/me"
    again = submit(anonymous_client, "/sign-in/code", "/sign-in/code", {"code": issued.code})
    assert again.status_code == 400 and "has been used" in again.text and 'href="#code"' in again.text
    assert f'value="{issued.code}"' in again.text


def test_link_sign_in_needs_the_button(anonymous_client: TestClient[Litestar], web_db: sessionmaker[Session]) -> None:
    with transaction(web_db) as s:
        issued = codes.issue_code(s, ADMIN, make_participant(s).id)
    shown = anonymous_client.get(issued.link_path)
    assert shown.status_code == 200
    with web_db() as s:  # opening the link (as an e-mail scanner would) did not use it up
        assert s.scalar(select(func.count()).select_from(WebSession)) == 0
    answer = anonymous_client.post(issued.link_path, data={"_csrf_token": csrf_token(shown.text)},
                                   follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/me"
    bad = submit(anonymous_client, "/sign-in/code", "/sign-in/link/not-a-link", {})
    assert bad.status_code == 400 and "not right" in bad.text


def test_invitation_page_sets_the_password(anonymous_client: TestClient[Litestar],
                                           web_db: sessionmaker[Session]) -> None:
    with transaction(web_db) as s:
        invited = invitations.invite(s, ADMIN, email="sam@example.org", name="Sam Patel", role="finance")
    shown = anonymous_client.get(invited.link_path)
    assert shown.status_code == 200 and "Sam Patel" in shown.text and "at least 10 characters" in shown.text
    weak = anonymous_client.post(invited.link_path, data={"password": "password123", "confirm": "password123",
                                                          "_csrf_token": csrf_token(shown.text)})
    assert weak.status_code == 400 and "most common" in weak.text and 'href="#password"' in weak.text
    assert "password123" not in weak.text.replace("most common", "")
    differ = submit(anonymous_client, invited.link_path, invited.link_path, {"password": GOOD, "confirm": GOOD + "x"})
    assert differ.status_code == 400 and 'href="#confirm"' in differ.text
    done = submit(anonymous_client, invited.link_path, invited.link_path, {"password": GOOD, "confirm": GOOD},
                  follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/sign-in"
    signed = submit(anonymous_client, "/sign-in", "/sign-in", {"email": "sam@example.org", "password": GOOD},
                    follow_redirects=False)
    assert signed.headers["location"] == "/finance"
    used = anonymous_client.get(invited.link_path)
    assert used.status_code == 404 and "already been used" in used.text


def test_signing_in_again_replaces_the_old_session(anonymous_client: TestClient[Litestar], lee: WebUser,
                                                   web_db: sessionmaker[Session]) -> None:
    submit(anonymous_client, "/sign-in", "/sign-in", {"email": "lee@example.org", "password": GOOD})
    submit(anonymous_client, "/sign-in", "/sign-in", {"email": "lee@example.org", "password": GOOD})
    with web_db() as s:
        reasons = list(s.scalars(select(WebSession.end_reason).order_by(WebSession.id)))
    assert reasons == ["replaced", None]


@pytest.mark.parametrize(
    ("setting", "scheme", "host", "secure"),
    [
        ("auto", "http", "localhost:8000", False),
        ("auto", "http", "127.0.0.1:8000", False),
        ("auto", "http", "[::1]:8000", False),
        ("auto", "https", "localhost", True),
        ("auto", "http", "ledger.example.org", True),
        ("always", "http", "localhost", True),
        ("never", "https", "ledger.example.org", False),
    ],
)
def test_secure_cookie_rule(monkeypatch: pytest.MonkeyPatch, setting: str, scheme: str, host: str,
                            secure: bool) -> None:
    monkeypatch.setenv("LEDGER_SECURE_COOKIES", setting)
    scope = {"type": "http", "scheme": scheme, "headers": [(b"host", host.encode())]}
    assert cookie_secure(scope) is secure  # type: ignore[arg-type]


def test_a_lead_gives_codes_only_to_people_in_their_projects(client_for: Callable[..., TestClient[Litestar]],
                                                             web_db: sessionmaker[Session]) -> None:
    """Through the participant's page, which calls ``ledger.users.codes.issue_code``."""
    with transaction(web_db) as s:
        mine = make_participant(s, "Mo Mine", ("ALPHA",))
        theirs = make_participant(s, "Tess Theirs", ("BETA",))
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    own = submit(lead, f"/participants/{mine.reference}", f"/participants/{mine.reference}/sign-in-code", {})
    assert own.status_code == 200 and re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", own.text)
    other = submit(lead, f"/participants/{mine.reference}", f"/participants/{theirs.reference}/sign-in-code", {})
    assert other.status_code in (403, 404)
    with web_db() as s:
        issued_for = set(s.scalars(select(SignInCode.participant_id)))
    assert issued_for == {mine.id}
