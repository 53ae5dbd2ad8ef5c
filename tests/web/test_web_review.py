"""Review findings on signing in (WEB-REVIEW): secrets in logs, odd bytes in forms, erasure ends sessions.

Every sign-in flow runs with logging at DEBUG; the captured logs and the audit trail must hold no password,
code, link, invitation or session secret, no e-mail address and no participant's name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import make_participant, make_user, submit

from ledger.api.app import create_app
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, Role
from ledger.db.models_web import WebSession, WebUser
from ledger.security.actor import Actor
from ledger.users import codes, invitations
from ledger.users.accounts import user_actor
from ledger.web.auth import SESSION_COOKIE
from ledger.web.forms import form_from

Client = TestClient[Litestar]
PASSWORD = "kettle river orange"


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def debug_logs(web_app: Litestar) -> Iterator[Keep]:
    """Every logger at DEBUG, caught at the root after the app has set up its logging (which replaces the
    root's handlers, so pytest's caplog would miss them). SQLAlchemy's engine logs SQL and rows at DEBUG."""
    keep, root = Keep(), logging.getLogger()
    names = ["", "sqlalchemy.engine", "sqlalchemy.pool", "litestar", "ledger", "uvicorn.access", "alembic"]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(keep)
    yield keep
    root.removeHandler(keep)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_no_secret_or_personal_detail_in_debug_logs_or_the_trail(
        debug_logs: Keep, anonymous_client: Client, client_for: Callable[..., Client], web_db: sessionmaker[Session],
        caplog: pytest.LogCaptureFixture) -> None:
    with transaction(web_db) as s:
        admin = make_user(s, Role.ADMIN, name="Ada Admin", email="ada.admin@example.org", password=PASSWORD)
        invited = invitations.invite(s, admin_actor(s, admin.id), email="lee.lead@example.org", name="Lee Lead",
                                     role="lead", projects=())
        person = make_participant(s, "Priya Participant", ("ALPHA",))
        issued = codes.issue_code(s, admin_actor(s, admin.id), person.id)
        issued_link = codes.issue_code(s, admin_actor(s, admin.id), person.id)
    invitation_token = invited.link_path.rsplit("/", 1)[-1]
    link_token = issued_link.link_path.rsplit("/", 1)[-1]
    client = anonymous_client
    new_password = "violet harbour lantern"
    assert submit(client, f"/invitations/{invitation_token}", f"/invitations/{invitation_token}",
                  {"password": new_password, "confirm": new_password}).status_code == 200
    wrong = submit(client, "/sign-in", "/sign-in", {"email": "ada.admin@example.org", "password": "wrong " + PASSWORD})
    assert wrong.status_code == 400
    unknown = submit(client, "/sign-in", "/sign-in", {"email": "nobody.here@example.org", "password": PASSWORD})
    assert unknown.status_code == 400
    right = submit(client, "/sign-in", "/sign-in", {"email": "lee.lead@example.org", "password": new_password},
                   follow_redirects=False)
    assert right.status_code == 303
    secrets = [client.cookies.get(SESSION_COOKIE) or ""]
    assert submit(client, "/sign-in/code", "/sign-out", {}).status_code == 200
    code = submit(client, "/sign-in/code", "/sign-in/code", {"code": issued.code}, follow_redirects=False)
    assert code.status_code == 303
    secrets.append(client.cookies.get(SESSION_COOKIE) or "")
    link = submit(client, f"/sign-in/link/{link_token}", f"/sign-in/link/{link_token}", {}, follow_redirects=False)
    assert link.status_code == 303
    secrets.append(client.cookies.get(SESSION_COOKIE) or "")
    assert all(secrets) and len(set(secrets)) == 3  # a new session id at every sign-in

    forbidden = [PASSWORD, new_password, issued.code, issued.code.replace("-", ""), issued_link.code, link_token,
                 invitation_token, *secrets, "ada.admin@example.org", "lee.lead@example.org",
                 "nobody.here@example.org", "Priya Participant"]
    server = [r for r in debug_logs.records if not r.name.startswith("httpx")]  # httpx logs the test's own requests
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in server)
    assert server, "nothing was logged"
    print(sorted({r.name for r in server}))
    with web_db() as s:
        trail = "\n".join(f"{e.action} {e.before} {e.after}" for e in s.scalars(select(AuditEvent)))
    assert "sign_in.fail" in trail and "sign_in " in trail + " "
    for secret in forbidden:
        assert secret not in logged, f"{secret!r} is in the logs"
        assert secret not in trail, f"{secret!r} is in the audit trail"


def admin_actor(session: Session, user_id: int) -> Actor:
    user = session.get(WebUser, user_id)
    assert user is not None
    return user_actor(user)


# ------------------------------------------------------------------------------------------ odd bytes

ODD_VALUES = [
    "a\x00b@example.org",  # NUL: PostgreSQL refuses it in text
    "x" * 20_000,  # far longer than any field
    "\u202eevil\u202c@example.org",  # right-to-left override
    "ｌｅｅ@ｅｘａｍｐｌｅ.ｏｒｇ",  # full-width letters
    "e\u0301\u0301\u0301@example.org",  # stacked combining accents
    "😀@example.org",
]


def test_a_form_drops_nul_characters() -> None:
    form = form_from([("email", "a\x00b@example.org"), ("name", ["x\x00", "y"])])
    assert form.value("email") == "ab@example.org" and form.get_list("name") == ["x", "y"]


@pytest.fixture(scope="module")
def pg_app() -> Iterator[Litestar]:
    from private_pg import create_private_postgres, drop_private_postgres, server_url_or_skip

    server_url_or_skip()
    url = create_private_postgres("web_review")
    try:
        app = create_app(url)  # http://localhost: cookies are not Secure under the default "auto" rule
        with TestClient(app, base_url="http://localhost"):
            pass
        yield app
    finally:
        drop_private_postgres(url)


@pytest.mark.parametrize("value", ODD_VALUES, ids=["nul", "long", "rtl", "fullwidth", "combining", "emoji"])
def test_odd_values_in_sign_in_forms_get_a_form_error_on_postgres(pg_app: Litestar, value: str) -> None:
    client = TestClient(pg_app, base_url="http://localhost", raise_server_exceptions=False)
    for page, data in (("/sign-in", {"email": value, "password": value}), ("/sign-in/code", {"code": value})):
        answer = submit(client, page, page, data)
        assert answer.status_code == 400, f"{page} {value[:20]!r}: {answer.status_code}"
        assert "govuk-error-summary" in answer.text
    token = "t" * 43
    answer = submit(client, "/sign-in", f"/invitations/{token}", {"password": value, "confirm": value})
    assert answer.status_code in (400, 404), answer.status_code  # the "link does not work" page


# ------------------------------------------------------------------------------------------ code guessing


def test_wrong_codes_from_many_addresses_pause_code_sign_in_everywhere(
        web_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    """Guessing spread over many addresses (a botnet) is capped for the whole site; links still work."""
    from ledger.users import signin

    monkeypatch.setenv("LEDGER_SIGN_IN_CODE_ATTEMPTS", "3")
    with transaction(web_db) as s:
        admin = make_user(s, Role.ADMIN)
        person = make_participant(s, "Priya Participant", ("ALPHA",))
        issued = codes.issue_code(s, admin_actor(s, admin.id), person.id)
    for n in range(3):
        with transaction(web_db) as s:
            assert not signin.with_code(s, "AAAA-AAAA", f"198.51.100.{n}").ok
    with transaction(web_db) as s:
        paused = signin.with_code(s, issued.code, "203.0.113.9")  # a fresh address, the right code
    assert not paused.ok and paused.paused_until is not None
    with transaction(web_db) as s:
        assert signin.with_link(s, issued.link_path.rsplit("/", 1)[-1], "203.0.113.9").ok


# ------------------------------------------------------------------------------------------ sessions end


@pytest.mark.parametrize("change", ["idle", "lifetime", "erased", "disabled"])
def test_the_server_ends_a_session_whatever_the_cookie_says(client_for: Callable[..., Client],
                                                           web_db: sessionmaker[Session], change: str) -> None:
    """Checked by the page middleware on every request (the read-only path included), not by the cookie."""
    from datetime import timedelta

    from sqlalchemy import update

    from ledger.db.base import utcnow
    from ledger.db.models import Participant
    from ledger.db.models_web import UserStatus

    with transaction(web_db) as s:
        person_id = make_participant(s, "Priya Participant", ("ALPHA",)).id
    client = client_for(Role.LEAD, projects=("ALPHA",)) if change == "disabled" else \
        client_for(Role.PARTICIPANT, participant=person_id)
    home = "/lead" if change == "disabled" else "/me/preferences"
    assert client.get(home, follow_redirects=False).status_code == 200
    now = utcnow()
    with transaction(web_db) as s:
        if change == "idle":  # last used 31 minutes ago (the default idle timeout is 30)
            s.execute(update(WebSession).values(last_seen_at=now - timedelta(minutes=31)))
        elif change == "lifetime":  # busy all along, but signed in longer ago than the lifetime allows
            s.execute(update(WebSession).values(last_seen_at=now, expires_at=now - timedelta(seconds=1)))
        elif change == "erased":
            s.execute(update(Participant).where(Participant.id == person_id).values(erased_at=now))
        else:
            s.execute(update(WebUser).values(status=UserStatus.DISABLED.value))
    answer = client.get(home, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
    with web_db() as s:
        assert s.scalar(select(WebSession.ended_at)) is not None  # ended on the server, not just refused
    assert client.get(home, follow_redirects=False).status_code == 303
    if change == "disabled":  # enabled again (say, a mistake undone): the old session must not come back
        with transaction(web_db) as s:
            s.execute(update(WebUser).values(status=UserStatus.ACTIVE.value))
        assert client.get(home, follow_redirects=False).status_code == 303
