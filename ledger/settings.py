"""Configuration from the environment, with safe defaults so ``ledger demo`` needs nothing set."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_FILE = "ledger.db"


def database_url(given: str | None = None) -> str:
    """The database to use, decided here and nowhere else (API, every CLI command, the demo's helpers).

    In order: ``given`` (a ``--database`` option or ``create_app(url)``), else ``LEDGER_DATABASE_URL``,
    else ``ledger.db`` in the working folder.
    """
    return given or os.environ.get("LEDGER_DATABASE_URL") or f"sqlite:///{Path(DEFAULT_DATABASE_FILE).resolve()}"


def extra_card_dirs() -> list[Path]:
    """Folders of the organisation's own rate cards (``LEDGER_RATE_CARDS``, separated by ``os.pathsep``)."""
    raw = os.environ.get("LEDGER_RATE_CARDS", "")
    return [Path(part) for part in raw.split(os.pathsep) if part]


def organisation_name() -> str:
    """The paying organisation's name on files and documents (``LEDGER_ORGANISATION_NAME``)."""
    return (os.environ.get("LEDGER_ORGANISATION_NAME") or "").strip() or "Involvement ledger"


@dataclass(frozen=True)
class Settings:
    database_url: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(database_url=database_url())
