"""Before the ledger starts on a database: does the keyring hold every key its stored values need?

Why: a database restored on a new machine without its key file would otherwise meet "no key file" and
make a *new* key on first use. New bank details would then be written under the new key beside old
ones nobody can read, and restoring the real key file later would overwrite the new key and lose those
too. So ``ledger.db.migrate.upgrade`` (run by ``ledger db upgrade`` and on every start) calls
:func:`check_stored_keys` first: if the database holds encrypted values, a missing or different key is a
clear start-up error naming the key ids, and no key file is created. An empty or pre-encryption database
still gets its key file on first start.

A database with no bank details can still depend on a key: its audit trail is keyed (an HMAC derived
from the oldest key) and so are payee seals and approval fingerprints. Starting the ledger against an
existing PostgreSQL database from another folder used to find no ``ledger.key`` there and make a second
one, after which ``ledger audit verify`` reported the trail broken. So:

* every upgrade records the keyring's key ids in the ``settings`` table (:func:`record_key_ids`; ids
  only, never a key), and the next start refuses a keyring that lacks a recorded id
  (:func:`check_recorded_keys`);
* a new key file is never created for a database that already has audit events or recorded key ids
  (:func:`refuse_new_key_for_used_database`, called by ``ledger.security.keys`` just before it would
  create one, whichever command needs the key first).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from ledger.db.base import Base
from ledger.db.encrypted import encrypted_columns
from ledger.security import keys
from ledger.security.crypto import PREFIX

log = logging.getLogger(__name__)

#: The ``settings`` row holding the ids of the keys this database was used with (comma separated).
KEY_IDS_SETTING = "security.key_ids"
POINT_AT_THE_KEY = (f"point {keys.ENV_KEY_FILE} or {keys.ENV_SECRET_KEY} at the key that goes with this database "
                    "(restore it from its backup)")


def stored_key_ids(connection: Connection) -> set[str]:
    """The ids of the keys the stored encrypted values were written with (the ids only; nothing decrypted)."""
    import ledger.db.models  # noqa: F401 - every table must be known to the metadata

    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    found: set[str] = set()
    start = len(PREFIX) + 2  # "enc1:" then the 8-digit id (SQL substr counts from 1)
    for table, _pk, column in encrypted_columns(Base.metadata):
        if table not in tables or column not in {c["name"] for c in inspector.get_columns(table)}:
            continue
        rows = connection.execute(text(
            f"SELECT DISTINCT substr({column}, {start}, 8) FROM {table} "  # names from the metadata
            f"WHERE {column} LIKE '{PREFIX}:%'"
        ))
        found.update(row[0] for row in rows)
    return found


def check_stored_keys(connection: Connection) -> None:
    """Raise ``KeyringError`` (naming key ids and where keys were looked for) unless every key is there."""
    needed = stored_key_ids(connection)
    if not needed:
        return
    ring = keys.keyring_for_existing_data(sorted(needed))
    missing = sorted(needed - set(ring.ids))
    if missing:
        raise keys.KeyringError(
            f"the database holds bank details encrypted with key(s) {', '.join(missing)}, which the keyring "
            f"({ring.source}) does not hold: restore the key file or {keys.ENV_SECRET_KEY} that goes with "
            "this database from its backup"
        )


def recorded_key_ids(connection: Connection) -> list[str]:
    """The key ids recorded for this database (empty before the first upgrade that records them)."""
    if "settings" not in set(inspect(connection).get_table_names()):
        return []
    value = connection.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": KEY_IDS_SETTING}).scalar()
    return [part for part in (value or "").split(",") if part]


def _has_audit_events(connection: Connection) -> bool:
    if "audit_events" not in set(inspect(connection).get_table_names()):
        return False
    return connection.execute(text("SELECT 1 FROM audit_events LIMIT 1")).first() is not None


def check_recorded_keys(connection: Connection) -> None:
    """Raise ``KeyringError`` unless the keyring holds every key id recorded for this database.

    Never creates a key: with ids recorded, a missing key file means the wrong folder or setting, and a
    new key would break the audit trail and every seal.
    """
    recorded = recorded_key_ids(connection)
    if not recorded and not _has_audit_events(connection):
        return  # nothing here depends on a key yet
    try:
        ring = keys.get_keyring(create=False)
    except keys.KeyringError as exc:
        used = (f"was used with key(s) {', '.join(recorded)}" if recorded
                else "already has an audit trail made with a key")
        raise keys.KeyringError(f"this database {used}, but {exc}; {POINT_AT_THE_KEY}. No new key was made") from None
    if not recorded:
        return  # from before key ids were recorded: this upgrade records the keyring's
    missing = [key for key in recorded if key not in ring.ids]
    if missing:
        raise keys.KeyringError(
            f"this database was used with key(s) {', '.join(missing)}, which the keyring ({ring.source}) does "
            f"not hold: {POINT_AT_THE_KEY}"
        )


def record_key_ids(connection: Connection) -> None:
    """Record the keyring's key ids in ``settings`` (after every upgrade; a no-op when unchanged).

    Without a key yet (a new database that holds nothing keyed) there is nothing to record.
    """
    if "settings" not in set(inspect(connection).get_table_names()):
        return
    try:
        ring = keys.get_keyring(create=False)
    except keys.KeyringError:
        return
    recorded = recorded_key_ids(connection)
    wanted = list(ring.ids) + [key for key in recorded if key not in ring.ids]
    if wanted == recorded:
        return
    params = {"k": KEY_IDS_SETTING, "v": ",".join(wanted)}
    if recorded:
        connection.execute(text("UPDATE settings SET value = :v, updated_at = CURRENT_TIMESTAMP WHERE key = :k"),
                           params)
    else:
        connection.execute(text("INSERT INTO settings (key, value, updated_at) VALUES (:k, :v, CURRENT_TIMESTAMP)"),
                           params)


def refuse_new_key_for_used_database(database_url: str | None, path: Path) -> None:
    """Raise ``KeyringError`` (one line) instead of creating ``path`` for a database already in use.

    In use means it has audit events or recorded key ids: its trail and seals belong to another key. A
    database that cannot be reached, or a SQLite file that does not exist yet, does not stop the key
    being made (nothing there can depend on a key).
    """
    from ledger.db.engine import is_sqlite, normalise_url
    from ledger.settings import database_url as resolve_database_url

    url = normalise_url(resolve_database_url(database_url))  # the same spellings the engine accepts
    if is_sqlite(url):
        file = (make_url(url).database or "").removeprefix("file:")
        if file in ("", ":memory:") or not Path(file).expanduser().exists():
            return
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ImportError, ValueError):
        return
    try:
        with engine.connect() as connection:
            used = bool(recorded_key_ids(connection)) or _has_audit_events(connection)
    except SQLAlchemyError as exc:
        log.warning("could not check the database before creating a key file: %s", type(exc).__name__)
        return
    finally:
        engine.dispose()
    if used:
        raise keys.KeyringError(
            f"no key file at {path}, but this database already has an audit trail made with a key: {POINT_AT_THE_KEY}. "
            "No new key was made"
        )
