"""Migration 0007: watch limits typed by hand carry forward unchanged; a named limit has a key, not an amount."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from private_pg import private_postgres
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ledger.db.engine import make_engine
from ledger.db.migrate import alembic_config, upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        made = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
        yield made
        made.dispose()
        return
    with private_postgres("ledger_limits_migration") as url:
        made = make_engine(url)
        try:
            yield made
        finally:
            made.dispose()


def _limits(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT period, amount_minor, limit_key, currency, label FROM watch_limits ORDER BY id"))]


def test_existing_watch_limits_carry_forward_and_one_of_amount_or_key_is_required(blank_engine: Engine) -> None:
    upgrade(blank_engine, "0006")
    with blank_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO participants (reference, name, payment_preference, statement_style, updated_at, created_at) "
            "VALUES ('P-0001', 'Jo', 'decline', 'standard', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO watch_limits (participant_id, period, amount_minor, currency, label) "
            "SELECT id, 'week', 19550, 'GBP', 'ESA permitted work' FROM participants"))
    upgrade(blank_engine)
    assert _limits(blank_engine) == [("week", 19550, None, "GBP", "ESA permitted work")]
    with blank_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO watch_limits (participant_id, period, amount_minor, limit_key, currency, label) "
            "SELECT id, 'week', NULL, 'carers_allowance', 'GBP', 'Carer''s Allowance' FROM participants"))
    for amount, key in (("NULL", "NULL"), ("100", "'carers_allowance'")):
        with pytest.raises(IntegrityError), blank_engine.begin() as conn:
            conn.execute(text(
                f"INSERT INTO watch_limits (participant_id, period, amount_minor, limit_key, currency, label) "
                f"SELECT id, 'week', {amount}, {key}, 'GBP', 'x' FROM participants"))
    # Down again: a named limit cannot be kept without an amount; the typed one is kept.
    from alembic import command

    with blank_engine.begin() as conn:
        config = alembic_config(blank_engine)
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
    assert _limits_without_key(blank_engine) == [("week", 19550, "GBP", "ESA permitted work")]
    upgrade(blank_engine)
    assert _limits(blank_engine) == [("week", 19550, None, "GBP", "ESA permitted work")]


def _limits_without_key(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT period, amount_minor, currency, label FROM watch_limits ORDER BY id"))]
