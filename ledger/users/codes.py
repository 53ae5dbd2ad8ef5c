"""Participants' sign-in codes and links: no password to remember.

A lead (for people in their projects), or an administrator, issues a code for a participant: eight
characters shown as ``KD7P-3MXR`` (no look-alike characters, so it can be read out on the phone or
printed in a letter), and a link that does the same. Either works once, for 7 days. Both are stored only as
hashes (the code as a keyed hash: ``ledger.users.secrets``). Issuing a new code leaves older unused ones
working until they run out (a printed letter and a code read out on the phone may both be in use); each
code and its link are used up together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.audit.chain import record_event
from ledger.db.base import utcnow
from ledger.db.models import Participant, Role
from ledger.db.models_web import SignInCode
from ledger.errors import Conflict, NotFound
from ledger.involvement.access import ensure_role
from ledger.involvement.membership import ensure_participant_visible
from ledger.security.actor import Actor
from ledger.users import settings
from ledger.users.secrets import keyed_hash, new_code, new_link_secret, sha256, show_code

LINK_PATH = "/sign-in/link/"


@dataclass(frozen=True)
class IssuedCode:
    """What to give the participant. ``code`` is shown grouped (``KD7P-3MXR``); ``link_path`` needs the
    server's address in front. Neither can be shown again."""

    participant_id: int
    reference: str
    code: str
    link_path: str
    expires_at: datetime


def issue_code(session: Session, actor: Actor, participant_id: int) -> IssuedCode:
    """A new sign-in code and link for a participant (leads for people in their projects; administrators)."""
    ensure_role(actor, Role.LEAD, doing="give sign-in codes")
    person = session.get(Participant, participant_id)
    if person is None:
        raise NotFound(f"There is no participant with id {participant_id}")
    ensure_participant_visible(session, actor, participant_id, doing="give a sign-in code to")
    if person.erased_at is not None:
        raise Conflict(f"{person.reference}'s details were erased; they cannot sign in")
    while True:  # a clash with a live code is vanishingly rare, but never hand out a code twice
        code = new_code()
        if session.scalar(select(SignInCode.id).where(SignInCode.code_hash == keyed_hash(code))) is None:
            break
    link = new_link_secret()
    expires = utcnow() + settings.code_lifetime()
    row = SignInCode(participant_id=participant_id, code_hash=keyed_hash(code), link_hash=sha256(link),
                     expires_at=expires, created_by=actor.name)
    session.add(row)
    session.flush()
    record_event(session, actor, "sign_in_code.issue", "participant", participant_id, None,
                 {"code_id": row.id, "expires_at": expires})
    return IssuedCode(participant_id, person.reference, show_code(code), LINK_PATH + link, expires)


def claim(session: Session, row: SignInCode | None) -> Participant | None:
    """Use up a code or link if it still works; the participant it signs in, or ``None``.

    The single use is one conditional UPDATE: when two sign-ins race with the same code, the database
    lets exactly one of them change the row (PostgreSQL re-checks ``used_at`` after the row lock).
    """
    if row is None:
        return None
    now = utcnow()
    if row.used_at is not None or row.expires_at <= now:
        return None
    result = session.execute(
        update(SignInCode).where(SignInCode.id == row.id, SignInCode.used_at.is_(None)).values(used_at=now)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    person = session.get(Participant, row.participant_id)
    if person is None or person.erased_at is not None:
        return None
    return person


def find_by_code(session: Session, normalised: str) -> SignInCode | None:
    return session.scalar(select(SignInCode).where(SignInCode.code_hash == keyed_hash(normalised)))


def find_by_link(session: Session, secret: str) -> SignInCode | None:
    if not secret or len(secret) > 200:
        return None
    return session.scalar(select(SignInCode).where(SignInCode.link_hash == sha256(secret)))
