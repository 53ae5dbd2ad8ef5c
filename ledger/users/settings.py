"""Settings for signing in, read from the environment with safe defaults (documented in
docs/administrators.md, "Sessions and sign-in settings").

Each is read when it is needed (not at import), so a changed setting takes effect on the next start and
tests can set it per test.
"""

from __future__ import annotations

import os
from datetime import timedelta
from enum import StrEnum

from ledger.settings import SettingError, _whole_number

DEFAULT_IDLE_MINUTES = 30
DEFAULT_SESSION_HOURS = 12
DEFAULT_INVITATION_DAYS = 7
CODE_VALID_DAYS = 7  # the issue fixes this: a participant's code or link works for 7 days
DEFAULT_ACCOUNT_ATTEMPTS = 5
DEFAULT_ADDRESS_ATTEMPTS = 20
DEFAULT_LOCK_MINUTES = 15
DEFAULT_CODE_ATTEMPTS_EVERYWHERE = 200


def idle_timeout() -> timedelta:
    """A session nobody used for this long ends (``LEDGER_SESSION_IDLE_MINUTES``, default 30)."""
    return timedelta(minutes=_whole_number("LEDGER_SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES, 1, 24 * 60))


def session_lifetime() -> timedelta:
    """A session ends this long after signing in, however busy (``LEDGER_SESSION_HOURS``, default 12)."""
    return timedelta(hours=_whole_number("LEDGER_SESSION_HOURS", DEFAULT_SESSION_HOURS, 1, 24 * 30))


def invitation_lifetime() -> timedelta:
    """How long an invitation link works (``LEDGER_INVITATION_DAYS``, default 7)."""
    return timedelta(days=_whole_number("LEDGER_INVITATION_DAYS", DEFAULT_INVITATION_DAYS, 1, 60))


def code_lifetime() -> timedelta:
    return timedelta(days=CODE_VALID_DAYS)


def account_attempts() -> int:
    """Failed sign-ins to one account within the lock period before it is paused
    (``LEDGER_SIGN_IN_ATTEMPTS``, default 5)."""
    return _whole_number("LEDGER_SIGN_IN_ATTEMPTS", DEFAULT_ACCOUNT_ATTEMPTS, 1, 1000)


def address_attempts() -> int:
    """Failed sign-ins (passwords or codes) from one client address within the lock period before it is
    paused (``LEDGER_SIGN_IN_ADDRESS_ATTEMPTS``, default 20: an office may share one address)."""
    return _whole_number("LEDGER_SIGN_IN_ADDRESS_ATTEMPTS", DEFAULT_ADDRESS_ATTEMPTS, 1, 100000)


def code_attempts_everywhere() -> int:
    """Wrong participant codes from ALL addresses together within the lock period before code sign-in is
    paused for everyone (``LEDGER_SIGN_IN_CODE_ATTEMPTS``, default 200). Codes are short (8 characters), so
    guessing from many addresses at once must be capped too; links (long secrets) keep working meanwhile."""
    return _whole_number("LEDGER_SIGN_IN_CODE_ATTEMPTS", DEFAULT_CODE_ATTEMPTS_EVERYWHERE, 1, 1_000_000)


def lock_period() -> timedelta:
    """The window failures are counted in, and so the longest pause (``LEDGER_SIGN_IN_LOCK_MINUTES``, 15)."""
    return timedelta(minutes=_whole_number("LEDGER_SIGN_IN_LOCK_MINUTES", DEFAULT_LOCK_MINUTES, 1, 24 * 60))


class SecureCookies(StrEnum):
    AUTO = "auto"  # Secure, except over plain http to this computer (localhost, 127.0.0.1, ::1)
    ALWAYS = "always"
    NEVER = "never"  # only for a test rig without https; never on a real server


def secure_cookies() -> SecureCookies:
    """When the session cookie is marked Secure (``LEDGER_SECURE_COOKIES``: auto, always or never)."""
    raw = (os.environ.get("LEDGER_SECURE_COOKIES") or "").strip().lower() or SecureCookies.AUTO.value
    try:
        return SecureCookies(raw)
    except ValueError:
        raise SettingError(f"LEDGER_SECURE_COOKIES must be auto, always or never, not {raw!r}") from None


DEFAULT_WEB_ADDRESS = "http://127.0.0.1:8000"
WEB_ADDRESS_VARIABLE = "LEDGER_WEB_ADDRESS"


def configured_web_address() -> str | None:
    """The public address of the web interface as the administrator set it (``LEDGER_WEB_ADDRESS``), or
    ``None`` when unset. THE one reading of that setting: sign-in links and the "check this code at" line
    on records of involvement both come from here."""
    raw = (os.environ.get(WEB_ADDRESS_VARIABLE) or "").strip().rstrip("/")
    if not raw:
        return None
    if not raw.startswith(("http://", "https://")) or any(ch.isspace() for ch in raw):
        raise SettingError(f"{WEB_ADDRESS_VARIABLE} must start with https:// (or http://), not {raw!r}")
    return raw


def web_address() -> str:
    """Where people open the web interface, for links printed or sent: the configured address, else the
    address ``ledger serve`` listens on. Set it to your public https address on a real server."""
    return configured_web_address() or DEFAULT_WEB_ADDRESS
