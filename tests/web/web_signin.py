"""Signing people in for tests, without typing: users and sessions made directly in the database.

Import from any test under tests/web (``from web_signin import ...``); the fixtures in tests/web/conftest.py
use these. For Playwright::

    secret = web_session_cookie(live_server.database_url, Role.LEAD, projects=("ALPHA",))
    sign_in_browser(page.context, live_server.base_url, secret)
    page.goto("/lead")
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Participant, ParticipantProject, PaymentPreference, Project, Role
from ledger.db.models_web import UserStatus, WebUser
from ledger.security.actor import Actor
from ledger.users import accounts, sessions
from ledger.users.passwords import hash_password
from ledger.web.auth import SESSION_COOKIE

_numbers = itertools.count(1)
ADMIN = Actor.system("test set-up")


def ensure_project(session: Session, code: str) -> Project:
    found = session.scalar(select(Project).where(Project.code == code))
    if found is None:
        found = Project(code=code, name=f"Project {code.title()}", rate_card="nihr-style", currency="GBP")
        session.add(found)
        session.flush()
    return found


def make_participant(session: Session, name: str = "Ada Lovelace", projects: Iterable[str] = ("ALPHA",),
                     reference: str | None = None) -> Participant:
    person = Participant(reference=reference or f"P-{9000 + next(_numbers):04d}", name=name,
                         payment_preference=PaymentPreference.DECLINE)
    session.add(person)
    session.flush()
    for code in projects:
        session.add(ParticipantProject(participant_id=person.id, project_id=ensure_project(session, code).id,
                                       added_by="test"))
    session.flush()
    return person


def make_user(session: Session, role: Role | str, *, projects: Iterable[str] | None = None, name: str | None = None,
              email: str | None = None, password: str | None = None) -> WebUser:
    """An active account (status active, password set only if given: argon2 is slow on purpose)."""
    number = next(_numbers)
    role_value = Role(role).value
    codes = list(projects or [])
    for code in codes:
        ensure_project(session, code)
    user = accounts.create_user(session, ADMIN, email=email or f"{role_value}{number}@example.org",
                                name=name or f"Test {role_value.title()} {number}", role=role_value, projects=codes)
    user.status = UserStatus.ACTIVE
    if password is not None:
        user.password_hash = hash_password(password)
    session.flush()
    return user


def start_session(session: Session, role: Role | str, *, projects: Iterable[str] | None = None,
                  participant: int | None = None, **user_fields: Any) -> str:
    """A signed-in session's cookie value: a participant's (by id) or a new account's with ``role``."""
    if Role(role) == Role.PARTICIPANT:
        if participant is None:
            participant = make_participant(session).id
        return sessions.start(session, participant_id=participant)
    user = make_user(session, role, projects=projects, **user_fields)
    return sessions.start(session, user_id=user.id)


def web_session_cookie(database_url: str, role: Role | str, *, projects: Iterable[str] | None = None,
                       participant: int | None = None, **user_fields: Any) -> str:
    """For a live server: make the account (or use the participant) and a session in its database."""
    engine = make_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            return start_session(session, role, projects=projects, participant=participant, **user_fields)
    finally:
        engine.dispose()


def sign_in_browser(context: Any, base_url: str, secret: str) -> None:
    """Give a Playwright browser context the session cookie (instant: no form typed)."""
    context.add_cookies([{"name": SESSION_COOKIE, "value": secret, "url": base_url, "httpOnly": True,
                          "sameSite": "Lax"}])


def csrf_token(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF field"
    return found.group(1)


def submit(client: Any, form_page: str, action: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """GET ``form_page`` (for its CSRF token and cookie), then POST ``data`` to ``action`` as a browser would."""
    shown = client.get(form_page)
    return client.post(action, data={**data, "_csrf_token": csrf_token(shown.text)}, **kwargs)


def factory_of(app: Any) -> sessionmaker[Session]:
    from ledger.api.database import STATE_KEY

    return app.state[STATE_KEY].session_factory  # type: ignore[no-any-return]
