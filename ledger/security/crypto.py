"""Authenticated encryption of short text values (bank details) with the keyring's current key.

Why AES-256-GCM (``cryptography``'s AESGCM) rather than Fernet: Fernet is sound but has no key id in its
token (MultiFernet finds the key by trying each one), uses AES-128, and adds 57+ bytes of base64 framing.
With AES-256-GCM the key id is written into every value, so rotation can tell at a glance which values
are still under an old key, and a missing key is reported by name instead of "invalid token". Each value
gets a fresh random 96-bit nonce; the ledger encrypts far fewer than the 2**32 values per key where random
nonces start to be a concern.

Stored form (plain ASCII, so it fits a VARCHAR on SQLite and PostgreSQL)::

    enc1:<key id, 8 hex>:<urlsafe base64 of nonce(12) + ciphertext + tag(16)>

The prefix and key id are also the associated data, so changing either is detected on decryption.
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.security.keys import Keyring, KeyringError, get_keyring, key_id, reload_keyring

PREFIX = "enc1"
NONCE_BYTES = 12
TAG_BYTES = 16


@lru_cache(maxsize=16)
def _cipher(key: bytes) -> AESGCM:
    """One AESGCM object per key (making one costs more than encrypting a short value)."""
    return AESGCM(key)


def ciphertext_length(max_chars: int) -> int:
    """The longest stored form of a value of up to ``max_chars`` characters (UTF-8 is at most 4 bytes each)."""
    raw = NONCE_BYTES + 4 * max_chars + TAG_BYTES
    return len(PREFIX) + 1 + 8 + 1 + 4 * ((raw + 2) // 3)


def is_encrypted(value: str) -> bool:
    """Whether a stored value is in the ``enc1:`` form (the migration and tests use this)."""
    return value.startswith(PREFIX + ":")


def stored_key_id(value: str) -> str:
    """The id of the key a stored value was encrypted with."""
    parts = value.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise KeyringError("a stored value is not in the encrypted form the ledger writes")
    return parts[1]


def encrypt(plain: str, keyring: Keyring | None = None) -> str:
    """Encrypt ``plain`` under the current key (of ``keyring``, else the process-wide keyring)."""
    ring = keyring or get_keyring()
    key = ring.current
    kid = key_id(key)
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key).encrypt(nonce, plain.encode("utf-8"), f"{PREFIX}:{kid}".encode("ascii"))
    return f"{PREFIX}:{kid}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt(stored: str, keyring: Keyring | None = None) -> str:
    """Decrypt a value written by :func:`encrypt` with whichever known key it names.

    A tampered value, or one under a key the keyring does not hold, raises ``KeyringError`` with a message
    that names the key id only: never the value.
    """
    ring = keyring or get_keyring()
    kid = stored_key_id(stored)
    if keyring is None and kid not in ring.ids:
        ring = reload_keyring()  # rotated by another process since this one loaded its keys
    key = ring.get(kid)
    body = stored.split(":", 2)[2]
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise KeyringError("a stored encrypted value is damaged (not base64)") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise KeyringError("a stored encrypted value is damaged (too short)")
    try:
        plain = _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{PREFIX}:{kid}".encode("ascii"))
    except InvalidTag as exc:
        raise KeyringError(f"a stored value under key {kid} fails its integrity check (altered or damaged)") from exc
    return plain.decode("utf-8")


def reencrypt(stored: str, keyring: Keyring) -> str:
    """The same value under the keyring's current key (unchanged if it already is)."""
    if stored_key_id(stored) == keyring.current_id:
        return stored
    return encrypt(decrypt(stored, keyring), keyring)
