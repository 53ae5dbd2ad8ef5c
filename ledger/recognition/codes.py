"""Verification codes: short enough to type, impossible to guess, kept only as a keyed hash.

* A code is 15 characters from Crockford's base 32 (no I, L, O or U, so nothing is misread), shown in three
  groups: ``7KQ2M-XW9RT-4HC8N``. 15 characters carry 75 random bits (``secrets``): guessing one of even a
  million issued codes at the throttled rate would take far longer than the universe has existed.
* Only an HMAC-SHA256 of the code is stored, keyed with a key derived from the keyring's oldest key (kept
  outside the database, like the payee seals): someone who copies the database can neither read the codes
  nor test guesses against the hashes offline.
* Reading a code forgives the usual slips: lower case, spaces, missing hyphens, O for 0, I or L for 1.
* Guessing is throttled per client address (an IPv6 address by its /64 network; a keyed hash of it, never
  the address itself) in the database, so every server process shares the count: after ``GUESS_LIMIT``
  unknown codes within ``GUESS_WINDOW`` an address gets "too many checks" for every code until the window
  moves on.
* Every check of an issued code (valid or withdrawn) adds one to its ``check_count``.

A check runs in transactions of its own (:func:`verify_code` takes the session factory): the failed
attempt must be kept even though the answer is "not found", which would roll back a request's transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ledger import clock
from ledger.db.engine import transaction
from ledger.db.models_recognition import InvolvementRecord, VerificationAttempt
from ledger.errors import LedgerError
from ledger.recognition.data import InvolvementSummary
from ledger.security.keys import get_keyring

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_LENGTH = 15
GROUP = 5
_INFO = b"ledger verification codes v1"
_CLIENT_INFO = b"ledger verification clients v1"
_SLIPS = str.maketrans({"O": "0", "I": "1", "L": "1"})

GUESS_LIMIT = 20
GUESS_WINDOW = timedelta(minutes=15)
KEEP_ATTEMPTS = timedelta(days=1)


class TooManyChecks(LedgerError):
    """Too many unknown codes from one address lately (HTTP 429, with the seconds to wait)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many codes that do not match anything were checked from this address. Wait "
            f"{retry_after // 60 + 1} minutes and try again, or ask the organisation that issued the record.",
            title="Too many checks",
        )
        self.retry_after = retry_after


def new_code() -> str:
    """A fresh random code, grouped for reading: ``7KQ2M-XW9RT-4HC8N``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalise_code(text: str) -> str | None:
    """The code as stored (15 characters, no hyphens), or ``None`` when it cannot be a code at all."""
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_SLIPS)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(code: str) -> str:
    """The keyed hash stored for a code (``code`` may be typed any way :func:`normalise_code` accepts)."""
    normal = normalise_code(code)
    if normal is None:
        raise ValueError("not a verification code")
    return hmac.new(get_keyring().subkey(_INFO), normal.encode("ascii"), hashlib.sha256).hexdigest()


def guesser(address: str) -> str:
    """Whose guesses these are: an IPv4 address, or an IPv6 address's /64 network (one home or server is
    given a whole /64, so counting each of its 2^64 addresses alone would throttle nothing). An IPv4
    address written as IPv6 (``::ffff:198.51.100.7``) is the IPv4 address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address  # "unknown" or a test client's name: counted as it is
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def client_hash(address: str) -> str:
    """A keyed hash of who is guessing (:func:`guesser`): enough to count their guesses, useless to anyone
    reading it."""
    return hmac.new(get_keyring().subkey(_CLIENT_INFO), guesser(address).encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Verification:
    """The answer to a check. ``summary`` only for a valid code; nothing else about the person is given."""

    status: Literal["valid", "withdrawn", "unknown"]
    organisation_name: str | None = None
    issued_on: datetime | None = None
    withdrawn_on: datetime | None = None
    summary: InvolvementSummary | None = None


def _throttle(session: Session, client: str, now: datetime) -> None:
    since = now - GUESS_WINDOW
    rows = session.execute(
        select(func.count(), func.min(VerificationAttempt.attempted_at))
        .where(VerificationAttempt.client_hash == client, VerificationAttempt.attempted_at > since)
    ).one()
    count, oldest = int(rows[0] or 0), rows[1]
    if count >= GUESS_LIMIT:
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        wait = int(((oldest or now) + GUESS_WINDOW - now).total_seconds()) + 1
        raise TooManyChecks(max(1, wait))


def verify_code(factory: sessionmaker[Session], code: str, address: str) -> Verification:
    """Check a code for anyone (no sign-in): counts the check, throttles guessing (see the module notes).

    Raises :class:`TooManyChecks` when the address has guessed too often lately.
    """
    now = clock.now()
    client = client_hash(address)
    normal = normalise_code(code)
    with transaction(factory) as session:
        _throttle(session, client, now)
        found = None
        if normal is not None:
            found = session.scalar(select(InvolvementRecord).where(InvolvementRecord.code_hash == code_hash(normal)))
        if found is None:
            session.add(VerificationAttempt(client_hash=client, attempted_at=now))
            session.execute(delete(VerificationAttempt).where(VerificationAttempt.attempted_at < now - KEEP_ATTEMPTS))
            return Verification("unknown")
        # One atomic increment: two servers checking at once both count.
        session.execute(update(InvolvementRecord).where(InvolvementRecord.id == found.id).values(
            check_count=InvolvementRecord.check_count + 1, last_checked_at=now))
        summary = InvolvementSummary.from_json(found.summary)
        if found.withdrawn_at is not None:
            return Verification("withdrawn", summary.organisation_name, found.created_at, found.withdrawn_at)
        return Verification("valid", summary.organisation_name, found.created_at, None, summary)
