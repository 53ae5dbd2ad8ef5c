"""Bring a database up to the current schema with Alembic (``ledger db upgrade``; also on start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from ledger.security.keycheck import check_recorded_keys, check_stored_keys, record_key_ids

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration not yet applied (safe to call on every start)."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        # Before anything could create a key file: a database whose key is missing stops here (P3).
        check_stored_keys(connection)
        check_recorded_keys(connection)  # a database used with another key: never start with a new one
        command.upgrade(config, revision)
        record_key_ids(connection)
