"""Server-side sessions: the browser's cookie holds a random id; the database holds its hash, who it
belongs to, when it was last used and when it must end.

A session is refused when it was ended (signed out, account disabled), when nobody used it for the idle
timeout (30 minutes by default), when it reaches its absolute lifetime (12 hours), when the account is no
longer active, or when the participant was erased. ``last_seen_at`` is written at most once a minute, so
reading pages does not mean a write per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.db.base import utcnow
from ledger.db.models import Participant, Role
from ledger.db.models_web import UserStatus, WebSession, WebUser
from ledger.security.actor import Actor
from ledger.users import settings
from ledger.users.accounts import participant_actor, user_actor
from ledger.users.secrets import new_link_secret, sha256

TOUCH_EVERY = timedelta(minutes=1)
MAX_SECRET = 200


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, for pages: the Actor for services plus what the header shows."""

    session_id: int
    actor: Actor
    display_name: str  # the person's name (a participant's preferred name) for "Signed in as ..."
    user_id: int | None
    participant_id: int | None

    @property
    def role(self) -> Role:
        return self.actor.role


def start(session: Session, *, user_id: int | None = None, participant_id: int | None = None) -> str:
    """Open a session for an account or a participant; returns the secret for the cookie (not stored)."""
    if (user_id is None) == (participant_id is None):
        raise ValueError("a session belongs to exactly one account or participant")
    secret = new_link_secret()
    now = utcnow()
    session.add(WebSession(id_hash=sha256(secret), user_id=user_id, participant_id=participant_id,
                           created_at=now, last_seen_at=now, expires_at=now + settings.session_lifetime()))
    session.flush()
    return secret


def _row(session: Session, secret: str) -> WebSession | None:
    if not secret or len(secret) > MAX_SECRET:
        return None
    return session.scalar(select(WebSession).where(WebSession.id_hash == sha256(secret)))


def why_not_open(row: WebSession, now: datetime) -> str | None:
    """Why a session no longer works (``None`` when it does)."""
    if row.ended_at is not None:
        return row.end_reason or "ended"
    if now >= row.expires_at:
        return "lifetime"
    if now - row.last_seen_at >= settings.idle_timeout():
        return "idle"
    return None


def not_yet_ended(session: Session, secret: str) -> bool:
    """True when the cookie names a session that has not been marked ended (it may still be refused)."""
    row = _row(session, secret)
    return row is not None and row.ended_at is None


def needs_write(session: Session, secret: str) -> bool:
    """True when looking this session up should write: it has just run out (to end it), or its idle clock
    was last moved on a minute or more ago. Lets the caller read in a read-only transaction otherwise."""
    row = _row(session, secret)
    if row is None or row.ended_at is not None:
        return False
    now = utcnow()
    return why_not_open(row, now) is not None or now - row.last_seen_at >= TOUCH_EVERY


def resolve(session: Session, secret: str, *, touch: bool = True) -> SignedIn | None:
    """The person a cookie's secret signs in, or ``None``. Marks an idle or expired session ended, and
    notes the time of use (at most once a minute) so the idle timeout runs from the last page."""
    row = _row(session, secret)
    if row is None:
        return None
    now = utcnow()
    reason = why_not_open(row, now)
    signed_in: SignedIn | None = None
    if reason is None and row.user_id is not None:
        user = session.get(WebUser, row.user_id)
        if user is None or user.status != UserStatus.ACTIVE:
            reason = "disabled"
        else:
            signed_in = SignedIn(row.id, user_actor(user), user.name, user.id, None)
    elif reason is None and row.participant_id is not None:
        person = session.get(Participant, row.participant_id)
        if person is None or person.erased_at is not None:
            reason = "erased"
        else:
            signed_in = SignedIn(row.id, participant_actor(person), person.preferred_name or person.name,
                                 None, person.id)
    if reason is not None:
        if row.ended_at is None and touch:
            row.ended_at, row.end_reason = now, reason
            session.flush()
        return None
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        session.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now))
    return signed_in


def end(session: Session, secret: str, *, reason: str = "signed out") -> WebSession | None:
    """End the session a cookie names (sign out); returns it, or ``None`` if it was unknown."""
    row = _row(session, secret)
    if row is None or row.ended_at is not None:
        return None
    row.ended_at, row.end_reason = utcnow(), reason
    session.flush()
    return row
