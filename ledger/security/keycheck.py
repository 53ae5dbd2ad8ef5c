"""Before the ledger starts on a database: does the keyring hold every key its stored values need?

Why: a database restored on a new machine without its key file would otherwise meet "no key file" and
make a *new* key on first use. New bank details would then be written under the new key beside old
ones nobody can read, and restoring the real key file later would overwrite the new key and lose those
too. So ``ledger.db.migrate.upgrade`` (run by ``ledger db upgrade`` and on every start) calls
:func:`check_stored_keys` first: if the database holds encrypted values, a missing or different key is a
clear start-up error naming the key ids, and no key file is created. An empty or pre-encryption database
still gets its key file on first start.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from ledger.db.base import Base
from ledger.db.encrypted import encrypted_columns
from ledger.security import keys
from ledger.security.crypto import PREFIX


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
