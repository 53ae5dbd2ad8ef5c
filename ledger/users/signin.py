"""Signing in: with an e-mail address and password (staff) or a code or link (participants).

Each function returns an outcome instead of raising, so the caller commits what happened (the failure
count, the audit events) even when the sign-in is refused. Messages never say whether an account exists.
Order of checks: a paused account or address is refused before any password is checked (no guessing while
paused, and no timing hint); then the password or code; failures are counted, and the one that reaches
a limit is written to the audit trail as a lock-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ledger.audit.chain import record_event
from ledger.db.base import utcnow
from ledger.db.models_web import UserStatus
from ledger.security.actor import Actor
from ledger.users import codes, sessions, throttle
from ledger.users.accounts import find_by_email, participant_actor, user_actor
from ledger.users.passwords import hash_password, needs_rehash, verify_password
from ledger.users.secrets import normalise_code

SIGN_IN_PAGE = Actor.system("web sign-in")  # who the trail names for refused attempts
WRONG_PASSWORD = "The email address or password is not right. Check them and try again."
WRONG_CODE = ("That sign-in code is not right, has been used, or has run out (codes work for 7 days). "
              "Check it, or ask your co-production lead for a new one.")
WRONG_LINK = ("This sign-in link is not right, has been used, or has run out (links work for 7 days). "
              "Ask your co-production lead for a new one, or type your code instead.")
DISABLED = "Your account has been disabled. Ask your administrator if you need it again."
PAUSED = "There have been too many attempts to sign in, so signing in is paused for a while."


@dataclass(frozen=True)
class Outcome:
    """``secret`` (for the session cookie) when signed in; otherwise ``message`` says what to do."""

    secret: str | None = None
    signed_in: sessions.SignedIn | None = None
    message: str | None = None
    paused_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.secret is not None


def _paused(until: datetime) -> Outcome:
    return Outcome(message=f"{PAUSED} {throttle.when_in_words(until)}", paused_until=until)


def _failed(session: Session, keys: list[throttle.Key], message: str, entity: str, entity_id: str | int,
            detail: dict[str, object]) -> Outcome:
    until = throttle.record_failure(session, keys)
    record_event(session, SIGN_IN_PAGE, "sign_in.fail", entity, entity_id, None, detail)
    if until is not None:
        record_event(session, SIGN_IN_PAGE, "sign_in.lock_out", entity, entity_id, None,
                     {**detail, "paused_until": until})
        return Outcome(message=f"{message} {PAUSED} {throttle.when_in_words(until)}", paused_until=until)
    return Outcome(message=message)


def with_password(session: Session, email: str, password: str, address: str | None) -> Outcome:
    keys = [throttle.account_key(email), throttle.address_key(address)]
    until = throttle.paused_until(session, keys)
    if until is not None:
        return _paused(until)
    user = find_by_email(session, email) if email.strip() else None
    usable = user is not None and user.status != UserStatus.INVITED
    right = verify_password(user.password_hash if usable and user is not None else None, password)
    if user is None or not right:
        reason = "unknown account" if user is None else ("not set up yet" if not usable else "wrong password")
        return _failed(session, keys, WRONG_PASSWORD, "web_user", user.id if user else "unknown",
                       {"email": email.strip()[:320], "method": "password", "reason": reason})
    if user.status == UserStatus.DISABLED:
        record_event(session, SIGN_IN_PAGE, "sign_in.fail", "web_user", user.id, None,
                     {"method": "password", "reason": "account disabled"})
        return Outcome(message=DISABLED)
    throttle.clear(session, keys[0])
    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_signed_in_at = utcnow()
    secret = sessions.start(session, user_id=user.id)
    actor = user_actor(user)
    record_event(session, actor, "sign_in", "web_user", user.id, None, {"method": "password"})
    return Outcome(secret=secret, signed_in=sessions.resolve(session, secret, touch=False))


def _with_row(session: Session, row: codes.SignInCode | None, keys: list[throttle.Key], method: str,
              wrong: str) -> Outcome:
    person = codes.claim(session, row)
    if person is None:
        return _failed(session, keys, wrong, "participant", row.participant_id if row else "unknown",
                       {"method": method, "reason": "unknown, used or expired"})
    secret = sessions.start(session, participant_id=person.id)
    record_event(session, participant_actor(person), "sign_in", "participant", person.id, None,
                 {"method": method, "code_id": row.id if row else None})
    return Outcome(secret=secret, signed_in=sessions.resolve(session, secret, touch=False))


def with_code(session: Session, typed: str, address: str | None) -> Outcome:
    keys = [throttle.address_key(address), throttle.every_code_key()]
    until = throttle.paused_until(session, keys)
    if until is not None:
        return _paused(until)
    normalised = normalise_code(typed)
    row = codes.find_by_code(session, normalised) if normalised else None
    return _with_row(session, row, keys, "code", WRONG_CODE)


def with_link(session: Session, secret: str, address: str | None) -> Outcome:
    keys = [throttle.address_key(address)]
    until = throttle.paused_until(session, keys)
    if until is not None:
        return _paused(until)
    return _with_row(session, codes.find_by_link(session, secret), keys, "link", WRONG_LINK)


def sign_out(session: Session, secret: str) -> bool:
    """End the session server-side and note it in the audit trail; ``False`` if it was not open."""
    signed_in = sessions.resolve(session, secret, touch=False)
    row = sessions.end(session, secret)
    if row is None:
        return False
    if signed_in is not None:
        entity = "web_user" if signed_in.user_id is not None else "participant"
        entity_id = signed_in.user_id if signed_in.user_id is not None else signed_in.participant_id
        record_event(session, signed_in.actor, "sign_out", entity, entity_id or 0, None, {"session": row.id})
    return True
