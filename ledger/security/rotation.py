"""Key rotation: re-encrypt every stored secret under the keyring's current key, in one transaction.

Why it works on the raw stored text rather than through the ORM: the ORM would decrypt and re-encrypt only
the rows it loads and would touch ``updated_at``; here every ``EncryptedString`` column of every table
(found from the models' metadata, so a column added later is covered without changing this file) is read
as stored, and each value under an older key is decrypted and written again under the current key. A value
already under the current key is left alone, so running it twice is harmless.

The key file is changed *before* the transaction commits (``ledger.cli.keys_cmd``): if the commit fails,
the file simply holds one more key than needed; if the file could not be written, nothing is committed.
Either way no value ends up under a key that is not kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.db.base import Base
from ledger.db.encrypted import encrypted_columns
from ledger.security.actor import Actor
from ledger.security.crypto import reencrypt, stored_key_id
from ledger.security.keys import Keyring

ROTATION_LOCK_ID = 0x4C4B_5931  # "LKY1": the advisory lock id for key rotation


@dataclass
class KeyUsage:
    """How many stored values each key encrypts, per column (``table.column``) and in total."""

    by_key: Counter[str] = field(default_factory=Counter)
    by_column: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_key.values())


@dataclass(frozen=True)
class RotationResult:
    new_key_id: str
    reencrypted: int  # values rewritten under the new key
    unchanged: int  # values that were already under it
    columns: tuple[str, ...]


def _columns() -> list[tuple[str, str, str]]:
    import ledger.db.models  # noqa: F401 - every table must be known to the metadata

    return encrypted_columns(Base.metadata)


def _stored(session: Session, table: str, pk: str, column: str) -> list[tuple[object, str]]:
    # Names come from the models' metadata, never from input.
    rows = session.execute(text(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL"))
    return [(row[0], row[1]) for row in rows]


def lock_for_rotation(session: Session) -> None:
    """One rotation at a time. SQLite: the write transaction (BEGIN IMMEDIATE) already is the lock.

    PostgreSQL: a transaction-scoped advisory lock, so a second ``ledger keys rotate`` waits, then reads
    the key file the first one wrote (two rotations must never each write a key file without the other's
    new key).
    """
    connection = session.connection()  # begins the transaction now (on SQLite: BEGIN IMMEDIATE, the write lock)
    if connection.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ROTATION_LOCK_ID})


def key_usage(session: Session) -> KeyUsage:
    """Count stored values per key id (the ids only: nothing is decrypted)."""
    usage = KeyUsage()
    for table, pk, column in _columns():
        counts: Counter[str] = Counter()
        for _id, value in _stored(session, table, pk, column):
            try:
                counts[stored_key_id(value)] += 1
            except Exception:  # a value not in the encrypted form: report it, never its content
                counts["(not encrypted)"] += 1
        usage.by_column[f"{table}.{column}"] = counts
        usage.by_key.update(counts)
    return usage


def reencrypt_all(session: Session, actor: Actor, keyring: Keyring, *, previous_ids: tuple[str, ...]) -> RotationResult:
    """Rewrite every stored value that is not under ``keyring.current`` (inside the caller's transaction).

    Any value the keyring cannot decrypt stops the whole rotation with ``KeyringError`` (naming the key
    id, never the value): the transaction rolls back and nothing changes.
    """
    rewritten = unchanged = 0
    names: list[str] = []
    for table, pk, column in _columns():
        names.append(f"{table}.{column}")
        for row_id, value in _stored(session, table, pk, column):
            new_value = reencrypt(value, keyring)
            if new_value is value:
                unchanged += 1
                continue
            session.execute(
                text(f"UPDATE {table} SET {column} = :value WHERE {pk} = :id"),
                {"value": new_value, "id": row_id},
            )
            rewritten += 1
    record_event(
        session, actor, "keys.rotate", "keyring", keyring.current_id,
        {"current_key": previous_ids[0] if previous_ids else None, "keys": list(previous_ids)},
        {"current_key": keyring.current_id, "keys": list(keyring.ids), "reencrypted": rewritten,
         "already_current": unchanged, "columns": names},
    )
    return RotationResult(keyring.current_id, rewritten, unchanged, tuple(names))
