"""Bank details encrypted at rest

Revision ID: 0004
Revises: 0003

Widens the bank columns to hold ciphertext (``ledger.db.encrypted.EncryptedString``) and encrypts every
value already stored, with the current key of the keyring (``ledger.security.keys``; a key file is created
beside the SQLite database on first start). Values already encrypted are left as they are, so the
migration is safe to meet rows written by newer code.

Besides the participant columns, the other bank columns that exist by now (pending payee changes, batch
line snapshots) are encrypted too if their tables hold plain values: a column that does not exist is
skipped, so this file does not depend on the exact shape of 0002/0003.

SQLite does not enforce VARCHAR lengths, so there the columns keep their declared type (rebuilding the
participants table in batch mode would fight the foreign keys that point at it); PostgreSQL widens them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from ledger.security.keys import Keyring

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# (table, column, longest plain value in characters)
PARTICIPANT_COLUMNS = (
    ("participants", "bank_account_name", 200),
    ("participants", "bank_sort_code", 6),
    ("participants", "bank_account_number", 8),
)
OTHER_COLUMNS = (
    ("payee_changes", "bank_account_name", 200),
    ("payee_changes", "bank_sort_code", 6),
    ("payee_changes", "bank_account_number", 8),
    ("batch_items", "bank_account_name", 200),
    ("batch_items", "bank_sort_code", 6),
    ("batch_items", "bank_account_number", 8),
    ("batch_lines", "bank_account_name", 200),
    ("batch_lines", "bank_sort_code", 6),
    ("batch_lines", "bank_account_number", 8),
)


def _keyring() -> Keyring:
    from ledger.security.keys import prepare_keyring

    url = op.get_bind().engine.url.render_as_string(hide_password=False)
    return prepare_keyring(url)


def _existing(columns: tuple[tuple[str, str, int], ...]) -> list[tuple[str, str, int]]:
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    found = []
    for table, column, length in columns:
        if table in tables and column in {c["name"] for c in inspector.get_columns(table)}:
            found.append((table, column, length))
    return found


def _convert(columns: list[tuple[str, str, int]], encrypting: bool) -> None:
    from ledger.security.crypto import decrypt, encrypt, is_encrypted

    bind = op.get_bind()
    ring = _keyring()
    for table, column, _length in columns:
        rows = bind.execute(
            sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608 - fixed names
        ).all()
        for row_id, value in rows:
            if encrypting and not is_encrypted(value):
                new = encrypt(value, ring)
            elif not encrypting and is_encrypted(value):
                new = decrypt(value, ring)
            else:
                continue
            bind.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :id"), {"v": new, "id": row_id})


def _retype(columns: list[tuple[str, str, int]], widen: bool) -> None:
    """On PostgreSQL, widen each column too short for ciphertext (or narrow the participants' back)."""
    from ledger.security.crypto import ciphertext_length

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return
    inspector = sa.inspect(bind)
    for table, column, length in columns:
        current = next(c["type"] for c in inspector.get_columns(table) if c["name"] == column)
        current_length = getattr(current, "length", None)
        wide = ciphertext_length(length)
        if widen and current_length is not None and current_length < wide:
            op.alter_column(table, column, type_=sa.String(wide), existing_type=current, existing_nullable=True)
        elif not widen and table == "participants":
            op.alter_column(table, column, type_=sa.String(length), existing_type=current, existing_nullable=True)


def upgrade() -> None:
    columns = _existing(PARTICIPANT_COLUMNS + OTHER_COLUMNS)
    _retype(columns, widen=True)
    _convert(columns, encrypting=True)


def downgrade() -> None:
    columns = _existing(PARTICIPANT_COLUMNS + OTHER_COLUMNS)
    _convert(columns, encrypting=False)
    _retype(columns, widen=False)
