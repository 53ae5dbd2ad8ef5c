"""A column type that keeps text encrypted in the database and plain in Python.

Use ``EncryptedString(n)`` for any column holding bank details (``n`` is the longest *plain* value in
characters; the database column is sized for the ciphertext). Values are encrypted with the keyring's
current key on every write and decrypted on every read (``ledger.security.crypto``), so services and
renderers never see ciphertext and the database, its backups and its dumps never see plain text.

Because each write uses a fresh nonce, the same value encrypts differently each time: such a column
cannot be searched or compared in SQL (``WHERE bank_sort_code = ...`` finds nothing). Compare in Python
after loading, if ever needed.

``ledger keys rotate`` finds every column of this type through :func:`encrypted_columns`, so a new
encrypted column is covered by rotation without further work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ledger.security.crypto import ciphertext_length, decrypt, encrypt


class EncryptedString(TypeDecorator[str]):
    """Text encrypted at rest with AES-256-GCM; ``plain_length`` is the longest plain value in characters."""

    impl = String
    cache_ok = True

    def __init__(self, plain_length: int, **kwargs: Any) -> None:
        self.plain_length = plain_length
        super().__init__(ciphertext_length(plain_length), **kwargs)

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return encrypt(str(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return decrypt(value)

    def process_literal_param(self, value: str | None, dialect: Dialect) -> str:
        # Never inline a secret into SQL text (it would end up in logs or dumps of statements).
        raise NotImplementedError("encrypted values are never rendered as SQL literals")

    @property
    def python_type(self) -> type[str]:
        return str


def encrypted_columns(metadata: MetaData) -> list[tuple[str, str, str]]:
    """``(table, primary key column, column)`` for every ``EncryptedString`` column, in a stable order."""
    found: list[tuple[str, str, str]] = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            continue
        for column in table.columns:
            if isinstance(column.type, EncryptedString):
                found.append((table.name, pk[0].name, column.name))
    return found
