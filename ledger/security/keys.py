"""The secret keys that protect bank details at rest, and the audit chain key derived from them.

Why a keyring kept outside the database: a copy of the database (a backup, a stolen disk, a support
dump) must not be enough to read anyone's bank details. The key therefore lives in
``LEDGER_SECRET_KEY`` or in a key file, never in a table.

Where the keys come from, in this order:

1. ``LEDGER_SECRET_KEY``: one or more keys (base64 or urlsafe base64 of 32 random bytes), separated by
   commas or whitespace. The first one listed is the *current* key (it encrypts); all of them decrypt.
2. ``LEDGER_KEY_FILE``: a text file holding one key per line (``#`` starts a comment), newest first.
3. Otherwise the default key file ``ledger.key`` beside the SQLite database file named by
   ``LEDGER_DATABASE_URL`` (e.g. ``/srv/ledger/ledger.db`` -> ``/srv/ledger/ledger.key``), or in the
   working folder when the database is PostgreSQL or in memory.

If no key exists anywhere, the first use creates the key file with owner-only permissions (0600) and
writes a warning to standard error and the log: the file must be backed up separately from the database,
because losing it loses every stored bank detail.

Rotation (``ledger keys rotate``) puts a new key first and keeps the older keys after it, so backups
made before the rotation can still be decrypted. Every key has an id (the first 8 hex digits of the
SHA-256 of the key): the id goes into each ciphertext so the right key is found without trial and
error, and the id itself reveals nothing about the key.

The audit chain is keyed with an HMAC key *derived* from the oldest key in the keyring (HKDF-SHA256,
info ``b"ledger audit chain v1"``). It is derived from the oldest key, not the current one, so that a
rotation does not change the audit key and does not break the verification of past events: never remove
the oldest key from the keyring.

Tests inject a keyring with :func:`use_keyring` (or by setting ``LEDGER_SECRET_KEY`` and calling
:func:`reset_keyring`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import secrets
import sys
import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

ENV_SECRET_KEY = "LEDGER_SECRET_KEY"
ENV_KEY_FILE = "LEDGER_KEY_FILE"
DEFAULT_KEY_FILE_NAME = "ledger.key"
KEY_BYTES = 32  # AES-256
AUDIT_CHAIN_INFO = b"ledger audit chain v1"

_KEY_FILE_HEADER = (
    "# Involvement ledger secret keys: one per line, newest (current) first.\n"
    "# BACK THIS FILE UP SEPARATELY FROM THE DATABASE. Without it the stored bank details cannot be read.\n"
    "# Never remove a line: older keys decrypt older backups, and the last key keys the audit chain.\n"
)


class KeyringError(RuntimeError):
    """The keyring is missing, unreadable or lacks a key a stored value needs.

    Not a ``LedgerError``: it is the server's configuration that is wrong, not the caller's input, so the
    API answers it as an internal error (logged, nothing personal in the message) and the CLI prints it.
    """

    @property
    def detail(self) -> str:
        return str(self)


def key_id(key: bytes) -> str:
    """A short public name for a key: 8 hex digits of its SHA-256 (reveals nothing usable about the key)."""
    return hashlib.sha256(key).hexdigest()[:8]


def encode_key(key: bytes) -> str:
    """The text form of a key, as written to the key file or ``LEDGER_SECRET_KEY``."""
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode_key(text: str) -> bytes:
    """Parse one key written in standard or urlsafe base64; it must be exactly 32 bytes."""
    cleaned = text.strip()
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError) as exc:
        raise KeyringError("a secret key is not valid base64 text") from exc
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"a secret key must be {KEY_BYTES} bytes (44 base64 characters), not {len(raw)} bytes")
    return raw


def generate_key() -> bytes:
    """A fresh random 256-bit key."""
    return secrets.token_bytes(KEY_BYTES)


@dataclass(frozen=True)
class Keyring:
    """Keys newest first: ``keys[0]`` encrypts, every key decrypts. ``source`` says where they came from."""

    keys: tuple[bytes, ...]
    source: str = "memory"
    path: Path | None = None  # the key file, when the keys came from one

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError("a keyring needs at least one key")
        ids = [key_id(k) for k in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyringError("the keyring lists the same key twice")

    @classmethod
    def generate(cls) -> Keyring:
        """A keyring with one new random key (tests and first start)."""
        return cls(keys=(generate_key(),))

    @property
    def current(self) -> bytes:
        return self.keys[0]

    @property
    def current_id(self) -> str:
        return self.ids[0]

    @cached_property
    def ids(self) -> tuple[str, ...]:
        return tuple(key_id(k) for k in self.keys)

    @cached_property
    def _by_id(self) -> dict[str, bytes]:
        return dict(zip(self.ids, self.keys, strict=True))

    def get(self, wanted_id: str) -> bytes:
        """The key with this id, or a clear error naming where the keys were looked for."""
        found = self._by_id.get(wanted_id)
        if found is not None:
            return found
        raise KeyringError(
            f"a stored value was encrypted with key {wanted_id}, which is not in the keyring ({self.source}); "
            "restore the key file or LEDGER_SECRET_KEY from its backup"
        )

    def with_new_key(self, new_key: bytes | None = None) -> Keyring:
        """A keyring whose current key is new, keeping every older key for decrypting old values."""
        return Keyring(keys=(new_key or generate_key(), *self.keys), source=self.source, path=self.path)

    @property
    def audit_root(self) -> bytes:
        """The key the audit chain key is derived from: the oldest, so rotation never changes it."""
        return self.keys[-1]

    def audit_chain_key(self) -> bytes:
        return derive_audit_chain_key(self.audit_root)

    def subkey(self, info: bytes) -> bytes:
        """A key for one purpose (audit chain, payee seals, approval fingerprints), from the oldest key."""
        return derive_subkey(self.audit_root, info)


@lru_cache(maxsize=32)
def derive_subkey(master: bytes, info: bytes) -> bytes:
    """HKDF-SHA256 of a master key for one purpose (``info``): 32 bytes for HMAC-SHA256.

    A separate derived key per purpose means the encryption key itself is never used for a second one.
    Cached: an audit event, a payee seal or a fingerprint check needs it for every row.
    """
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def derive_audit_chain_key(master: bytes) -> bytes:
    """The audit chain's key: :func:`derive_subkey` with info ``b"ledger audit chain v1"``."""
    return derive_subkey(master, AUDIT_CHAIN_INFO)


def parse_keys(text: str) -> tuple[bytes, ...]:
    """Keys from key-file or environment text: separated by commas, spaces or lines; ``#`` comments."""
    entries: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        entries.extend(part for part in re.split(r"[,\s]+", line) if part)
    return tuple(decode_key(entry) for entry in entries)


def default_key_file(database_url: str | None = None) -> Path:
    """``LEDGER_KEY_FILE``, else ``ledger.key`` beside the SQLite database file, else in the working folder.

    ``database_url`` is the database in use (a ``--database`` option); by default the one the settings name.
    """
    explicit = os.environ.get(ENV_KEY_FILE)
    if explicit:
        return Path(explicit).expanduser().resolve()
    from ledger.settings import database_url as resolve_database_url

    url = resolve_database_url(database_url)
    match = re.match(r"^sqlite(?:\+\w+)?:///(.+?)(?:\?.*)?$", url)
    if match and match.group(1) not in (":memory:", ""):
        return Path(match.group(1)).expanduser().resolve().parent / DEFAULT_KEY_FILE_NAME
    return Path.cwd().resolve() / DEFAULT_KEY_FILE_NAME


def write_key_file(path: Path, keys: tuple[bytes, ...]) -> None:
    """Write (or replace) a key file atomically with owner-only permissions (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(_KEY_FILE_HEADER)
            for key in keys:
                handle.write(encode_key(key) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _warn_new_key(path: Path) -> None:
    message = (
        f"WARNING: created a new secret key file at {path} (owner-only permissions). "
        "Back it up separately from the database NOW: without it the stored bank details cannot be read."
    )
    print(message, file=sys.stderr)
    if log.hasHandlers():  # configured logging gets it too; unconfigured, Python would print it a second time
        log.warning(message)


def load_keyring(create: bool = True, database_url: str | None = None) -> Keyring:
    """Read the keyring from the environment or the key file, creating the key file on first start."""
    env = os.environ.get(ENV_SECRET_KEY, "").strip()
    if env:
        return Keyring(keys=parse_keys(env), source=ENV_SECRET_KEY)
    path = default_key_file(database_url)
    if path.exists():
        try:
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyringError(f"cannot read the key file {path}: {exc}") from exc
        keys = parse_keys(text)
        if not keys:
            raise KeyringError(f"the key file {path} holds no key; restore it from its backup")
        return Keyring(keys=keys, source=f"key file {path}", path=path)
    if not create:
        raise KeyringError(f"no secret key: set {ENV_SECRET_KEY} or {ENV_KEY_FILE}, or restore {path}")
    from ledger.security.keycheck import refuse_new_key_for_used_database  # it imports this module

    refuse_new_key_for_used_database(database_url, path)  # a database already keyed never gets a second key
    keys = (generate_key(),)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL in a first write guards against two processes creating two different keys at once.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_keyring(create=False, database_url=database_url)
    except OSError as exc:
        raise KeyringError(f"cannot create the key file {path}: {exc}") from exc
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(_KEY_FILE_HEADER + encode_key(keys[0]) + "\n")
    _warn_new_key(path)
    return Keyring(keys=keys, source=f"key file {path}", path=path)


_lock = threading.Lock()
_cached: Keyring | None = None
_database_url: str | None = None


def note_database_url(url: str) -> None:
    """Remember the first database this process opens (``make_engine`` calls this), so the default key
    file is looked for beside *that* SQLite file (a ``--database`` option) rather than the default one.
    Nothing is read or created until a key is needed."""
    global _database_url
    with _lock:
        if _database_url is None:
            _database_url = url


def get_keyring(create: bool = True) -> Keyring:
    """The process-wide keyring, loaded once (and created on first start).

    ``create=False`` for commands that only check existing data (``audit verify``, backups): with no key
    anywhere they fail with "no secret key: ..." instead of making a key that cannot match the data.
    """
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = load_keyring(create=create, database_url=_database_url)
    return _cached


def prepare_keyring(database_url: str | None = None) -> Keyring:
    """Load (or on first start create) the keyring for the database in use, at start-up.

    The API and CLI call this with the URL they open, so the default key file sits beside *that* SQLite
    file, and a missing or unreadable key is reported before any request instead of in the middle of one.
    An already loaded keyring (or one a test injected) is kept.
    """
    global _cached
    with _lock:
        if _cached is None:
            _cached = load_keyring(database_url=database_url)
        return _cached


def keyring_for_existing_data(needed_ids: list[str]) -> Keyring:
    """The keyring for a database that already holds values under ``needed_ids``: never creates a key.

    Creating a new key here would hide the real problem (the key file that goes with the data is missing)
    and mix two keys in one database; so a missing key is an error naming what is needed.
    """
    global _cached
    with _lock:
        if _cached is None:
            try:
                _cached = load_keyring(create=False, database_url=_database_url)
            except KeyringError as exc:
                raise KeyringError(
                    f"the database holds bank details encrypted with key(s) {', '.join(needed_ids)} but there is "
                    f"no key: {exc}. A new key would not read them, so none was created"
                ) from None
        return _cached


def reload_keyring() -> Keyring:
    """Read the keys again (another process, e.g. ``ledger keys rotate``, may have added one).

    An injected keyring (tests) is kept as it is. Never creates a key file.
    """
    global _cached
    with _lock:
        if _cached is None or _cached.path is not None or _cached.source == ENV_SECRET_KEY:
            _cached = load_keyring(create=_cached is None, database_url=_database_url)
        return _cached


def use_keyring(keyring: Keyring | None) -> None:
    """Replace the process-wide keyring (tests; ``ledger keys rotate``). ``None`` forgets it."""
    global _cached
    with _lock:
        _cached = keyring


def reset_keyring() -> None:
    """Forget the cached keyring (and the noted database) so the next use reads the environment and
    key file again."""
    global _database_url
    use_keyring(None)
    with _lock:
        _database_url = None


def audit_chain_key(create: bool = True) -> bytes:
    """The HMAC key for the audit chain (P4): derived from the oldest key, unchanged by rotation.

    ``create=False``: never make a key file (for verifying a trail that already exists).
    """
    return get_keyring(create=create).audit_chain_key()
