"""Configuration from the environment, with safe defaults so ``ledger demo`` needs nothing set."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_DATABASE_FILE = "ledger.db"
DATABASE_URL_ENV = "LEDGER_DATABASE_URL"


def database_url(given: str | None = None) -> str:
    """The database to use, decided here and nowhere else (API, every CLI command, the demo's helpers).

    In order: ``given`` (a ``--database`` option or ``create_app(url)``), else ``LEDGER_DATABASE_URL``,
    else ``ledger.db`` in the working folder.
    """
    return given or os.environ.get("LEDGER_DATABASE_URL") or f"sqlite:///{Path(DEFAULT_DATABASE_FILE).resolve()}"


def hand_database_url_to_children(url: str) -> None:
    """Make ``url`` the database of processes started from here (``ledger serve --workers``): they read it
    back through ``database_url`` like every other command."""
    os.environ[DATABASE_URL_ENV] = url


def extra_card_dirs() -> list[Path]:
    """Folders of the organisation's own rate cards (``LEDGER_RATE_CARDS``, separated by ``os.pathsep``)."""
    raw = os.environ.get("LEDGER_RATE_CARDS", "")
    return [Path(part) for part in raw.split(os.pathsep) if part]


class SettingError(ValueError):
    """An environment setting has a value the ledger cannot use (the message names the variable)."""


def _whole_number(variable: str, default: int, lowest: int, highest: int) -> int:
    raw = (os.environ.get(variable) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not lowest <= int(raw) <= highest:
        raise SettingError(f"{variable} must be a whole number from {lowest} to {highest}, not {raw!r}")
    return int(raw)


DEFAULT_RETENTION_YEARS = 6


def retention_years() -> int:
    """Whole tax years personal details are kept after a person's last payment (``LEDGER_RETENTION_YEARS``).

    Six by default: HMRC expects payment records for six years after the end of the tax year they are in.
    """
    return _whole_number("LEDGER_RETENTION_YEARS", DEFAULT_RETENTION_YEARS, 1, 100)


DEFAULT_EARLIEST_ACTIVITY_DATE = date(2000, 1, 1)
DEFAULT_MONTHS_AHEAD = 12


def earliest_activity_date() -> date:
    """No activity, quote or correction may be dated before this (``LEDGER_EARLIEST_ACTIVITY_DATE``)."""
    raw = (os.environ.get("LEDGER_EARLIEST_ACTIVITY_DATE") or "").strip()
    if not raw:
        return DEFAULT_EARLIEST_ACTIVITY_DATE
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else date.fromisoformat("invalid")
    except ValueError:
        raise SettingError(f"LEDGER_EARLIEST_ACTIVITY_DATE must be a date such as 2000-01-01, not {raw!r}") from None


def activity_months_ahead() -> int:
    """How far ahead of today an activity may be dated, in months (``LEDGER_ACTIVITY_MONTHS_AHEAD``)."""
    return _whole_number("LEDGER_ACTIVITY_MONTHS_AHEAD", DEFAULT_MONTHS_AHEAD, 0, 120)


@dataclass(frozen=True)
class Settings:
    database_url: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(database_url=database_url())
