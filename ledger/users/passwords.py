"""Passwords: argon2id hashes, and the few rules a person is told in plain words.

Rules (following NCSC and NIST SP 800-63B advice): at least 10 characters, at most 200; no rules about
mixing capitals, digits or symbols (they make passwords harder to remember, not harder to guess); not one
of the commonest passwords, and not the person's own e-mail address or name. Long passphrases such as
three random words are encouraged.
"""

from __future__ import annotations

import contextlib
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 200

RULES_IN_WORDS = (
    f"Use at least {MIN_LENGTH} characters. Three random words together are a good password, for example "
    "'kettle river orange'. You do not need capitals, numbers or symbols."
)

# The commonest passwords in public breach lists (NCSC's top passwords and similar), lower-cased. Any
# of these is refused even when long enough; checked case-insensitively and ignoring spaces.
COMMON_PASSWORDS = frozenset({
    "123456", "123456789", "qwerty", "password", "12345678", "111111", "123123", "1234567890", "1234567",
    "qwerty123", "000000", "1q2w3e", "aa12345678", "abc123", "password1", "1234", "qwertyuiop", "123321",
    "password123", "iloveyou", "12345", "654321", "987654321", "letmein", "welcome", "monkey", "dragon",
    "football", "baseball", "sunshine", "princess", "admin", "administrator", "passw0rd", "password12",
    "password1234", "qwertyuiop1", "1qaz2wsx", "1q2w3e4r5t", "1q2w3e4r", "zaq12wsx", "welcome1",
    "welcome123", "changeme", "changeme123", "letmein123", "trustno1", "superman", "master", "liverpool",
    "chelsea", "arsenal", "manchester", "starwars", "whatever", "qazwsxedc", "1234qwer", "abcd1234",
    "abcdefgh", "abcdefghij", "0123456789", "1111111111", "0000000000", "11111111", "00000000",
    "iloveyou1", "loveyou123", "football1", "monkey123", "dragon123", "sunshine1", "princess1",
    "qwerty1234", "asdfghjkl", "asdfghjkl1", "zxcvbnm", "zxcvbnm123", "pa55word", "p@ssw0rd",
    "p@ssword", "passwordpassword", "secret123", "summer2024", "summer2025", "winter2024", "winter2025",
    "spring2025", "autumn2025", "january2025", "ledger123", "involvement", "password!", "password2024",
    "password2025", "password2026", "welcome2025", "welcome2026", "qwerty12345", "123456789a",
    "a123456789", "12345678910", "987654321a", "iloveyou!", "helloworld", "hello12345", "letmein!",
})

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters (RFC 9106)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches. A missing hash spends the same time on a dummy check, so whether an
    account exists cannot be told from how long a failed sign-in takes."""
    if stored_hash is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password)
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with older parameters (it is replaced at the next sign-in)."""
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """What is wrong with a new password, in plain words; ``None`` when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Your password must be at least {MIN_LENGTH} characters long. {RULES_IN_WORDS}"
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer."
    squashed = "".join(password.lower().split())
    if squashed in COMMON_PASSWORDS:
        return "That password is one of the most common and easy to guess. Choose a different one."
    mailbox = email.strip().lower()
    if mailbox and (squashed == "".join(mailbox.split()) or squashed == mailbox.split("@")[0]):
        return "Do not use your e-mail address as your password. Choose a different one."
    if name.strip() and squashed == "".join(name.lower().split()):
        return "Do not use your name as your password. Choose a different one."
    return None


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password: used only to spend time on unknown accounts")
