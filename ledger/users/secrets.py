"""Random secrets for links, codes and sessions, and the only ways they are stored (as hashes).

* Long random secrets (session ids, invitation and sign-in links: 256 bits) are stored as plain SHA-256,
  like API tokens: with full entropy a fast hash is safe and lets us find the row by one indexed lookup.
* A participant's short code has only 40 bits, so a plain hash could be reversed by trying every code.
  It is stored as an HMAC keyed with a key derived from the ledger's secret key (never in the database),
  so a stolen database alone does not give the codes away. Throttling stops guessing on the live site.
* Failed sign-ins are counted under a keyed hash of the e-mail address or client address, never the
  address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ledger.security.keys import get_keyring

_INFO = b"ledger web sign-in v1"
# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: letters and digits that are easy to read out and type from a letter.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8


def new_link_secret() -> str:
    return secrets.token_urlsafe(32)


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def keyed_hash(value: str) -> str:
    key = get_keyring().subkey(_INFO)
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def new_code() -> str:
    """Eight characters from :data:`CODE_ALPHABET` (about 37 bits), returned without the dash."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    """``KD7P3MXR`` -> ``KD7P-3MXR``: two groups of four are easier to read out and copy."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(typed: str) -> str | None:
    """What a person typed, as the stored code: capitals, without spaces or dashes; ``None`` if it
    cannot be a code (wrong length or characters), so it is never looked up."""
    cleaned = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned
