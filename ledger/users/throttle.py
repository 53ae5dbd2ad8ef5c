"""Slowing down guessing: failed sign-ins counted per account and per client address, in the database.

Kept in the database (``web_sign_in_failures``) so every server process (``ledger serve --workers``) sees
the same counts. The rule, for each key (an account or a client address): when the failures in the last
lock period (15 minutes by default) reach the limit, sign-in with that key is paused until the oldest of
those failures is a lock period old. A successful sign-in clears the account's failures. Keys are keyed
hashes (``ledger.users.secrets.keyed_hash``): the table holds no e-mail or IP addresses. Wrong participant
codes also count against one key for the whole site (:func:`every_code_key`), so guessing from thousands of
addresses is capped as well (the odds are worked out in docs/administrators.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ledger.db.base import utcnow
from ledger.db.models_web import SignInFailure
from ledger.users import settings
from ledger.users.secrets import keyed_hash


@dataclass(frozen=True)
class Key:
    """One thing failures are counted against, with its own limit."""

    hashed: str
    limit: int


def account_key(email: str) -> Key:
    return Key(keyed_hash("account:" + email.strip().casefold()), settings.account_attempts())


def address_key(address: str | None) -> Key:
    return Key(keyed_hash("address:" + (address or "unknown")), settings.address_attempts())


def every_code_key() -> Key:
    """One count for wrong codes from every address together: a cap on guessing from many addresses."""
    return Key(keyed_hash("codes:everywhere"), settings.code_attempts_everywhere())


def paused_until(session: Session, keys: Sequence[Key]) -> datetime | None:
    """When sign-in may be tried again, if any key has reached its limit; ``None`` when it may now."""
    now = utcnow()
    period = settings.lock_period()
    latest: datetime | None = None
    for key in keys:
        recent = session.scalars(
            select(SignInFailure.failed_at)
            .where(SignInFailure.key_hash == key.hashed, SignInFailure.failed_at > now - period)
            .order_by(SignInFailure.failed_at.desc())
            .limit(key.limit)
        ).all()
        if len(recent) >= key.limit:
            until = recent[-1] + period
            latest = until if latest is None or until > latest else latest
    return latest


def record_failure(session: Session, keys: Sequence[Key]) -> datetime | None:
    """Count one failure against every key; returns when sign-in reopens if this failure paused it."""
    now = utcnow()
    session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= now - settings.lock_period()))
    session.add_all([SignInFailure(key_hash=key.hashed, failed_at=now) for key in keys])
    session.flush()
    return paused_until(session, keys)


def clear(session: Session, key: Key) -> None:
    """Forget an account's failures after it signed in successfully (its address keeps its count)."""
    session.execute(delete(SignInFailure).where(SignInFailure.key_hash == key.hashed))


def when_in_words(until: datetime, now: datetime | None = None) -> str:
    """``"Try again after 14:35 (in 12 minutes)."``: the time in UTC and how long to wait."""
    now = now or utcnow()
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Try again after {until:%H:%M} UTC (in {minutes} {unit})."
