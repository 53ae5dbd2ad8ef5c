"""A keyed seal on each participant's confirmed payee details, so details moved by direct SQL are noticed.

Why: bank details are encrypted at rest, but a ciphertext is not bound to its row. Someone with write
access to the database (not to the key) can copy participant 2's encrypted bank columns onto
participant 1; the ledger decrypts them happily and the next batch pays participant 1's money into
participant 2's account, with nobody having confirmed anything.

So whenever the ledger itself writes a participant's payee details (a confirmed change, a new
participant, an erasure: every ORM write, see :func:`seal_on_write`), it stores an HMAC-SHA256 over
(participant id, payment choice, bank account name, sort code, account number, organisation name and
reference) in ``participants.payee_fingerprint``. The key is derived (HKDF, its own ``info``) from the
keyring's oldest key, outside the database, so whoever can only write to the database cannot make a
matching seal. It is taken over the plain values, so ``ledger keys rotate`` (new ciphertext, same
details) leaves it valid.

Batch building (``ledger.payments.batches``) leaves out anyone whose details do not match their seal,
with the reason :data:`UNSEALED_REASON` and an audit event: the details must be confirmed again by two
people (a new payee change), which writes a fresh seal.

Only writes the ledger makes through the ORM are sealed. Changing a participant's name or email does not
re-seal details that were tampered with before (the seal is recomputed only when a payee field itself is
set), so an unrelated edit never launders a tampered row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sqlalchemy import Connection, inspect, update

from ledger.security.keys import Keyring, get_keyring

_INFO = b"ledger payee details v1"
#: The participant attributes the seal covers, in this order (after the participant id).
SEALED_FIELDS = (
    "payment_preference", "bank_account_name", "bank_sort_code", "bank_account_number",
    "organisation_name", "organisation_reference",
)
UNSEALED_REASON = "bank details changed outside the ledger; ask finance to confirm them again"


def _seal_key(keyring: Keyring | None = None) -> bytes:
    return (keyring or get_keyring()).subkey(_INFO)  # from the oldest key: rotation keeps seals valid


def payee_fingerprint(participant_id: int, values: dict[str, Any], keyring: Keyring | None = None) -> str:
    """The seal over one participant's payee details (plain values, as the ledger reads them)."""
    payload = [participant_id, *(_plain(values.get(name)) for name in SEALED_FIELDS)]
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(_seal_key(keyring), data, hashlib.sha256).hexdigest()


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))  # an enum member counts as its stored value


def fingerprint_of(participant: Any) -> str:
    """The seal the participant's current details should carry."""
    return payee_fingerprint(participant.id, {name: getattr(participant, name) for name in SEALED_FIELDS})


def seal_matches(participant: Any) -> bool:
    """Whether the participant's payee details are exactly what the ledger last wrote (and sealed)."""
    stored = participant.payee_fingerprint
    return stored is not None and hmac.compare_digest(stored, fingerprint_of(participant))


def seal_on_write(connection: Connection, target: Any, *, inserted: bool) -> None:
    """Mapper hook (``ledger.db.models``): re-seal after the ledger inserts a participant or sets a payee field.

    An insert is sealed after the row exists (its id is part of the seal); an update only when one of
    :data:`SEALED_FIELDS` was set in this flush, so editing a name or an email never re-seals details
    someone changed outside the ledger.
    """
    if not inserted:
        state = inspect(target)
        if not any(state.attrs[name].history.has_changes() for name in SEALED_FIELDS):
            return
    seal = fingerprint_of(target)
    table = type(target).__table__
    connection.execute(update(table).where(table.c.id == target.id).values(payee_fingerprint=seal))
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(target, "payee_fingerprint", seal)
