"""Migration 0002 (payee changes, participant projects) on a ledger that already has people, both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from private_pg import create_private_postgres, drop_private_postgres
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from ledger.db.engine import make_engine
from ledger.db.migrate import alembic_config, upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    made = create_private_postgres("ledger_payee_migration")
    try:
        yield made
    finally:
        drop_private_postgres(made)


def test_0002_keeps_people_adds_the_tables_and_allows_one_pending_change(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO participants (reference, name, payment_preference, bank_account_name, bank_sort_code, "
                "bank_account_number, statement_style, created_at, updated_at) VALUES ('P-0001', 'Jo', "
                "'bank_transfer', 'J SMITH', '123456', '12345678', 'standard', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        upgrade(engine, "0002")
        tables = set(inspect(engine).get_table_names())
        assert {"payee_changes", "participant_projects"} <= tables
        with engine.begin() as connection:
            assert connection.execute(text("SELECT bank_account_number FROM participants")).scalar() == "12345678"
            pending = ("INSERT INTO payee_changes (participant_id, status, payment_preference, proposed_by, "
                       "created_at) VALUES (1, '{}', 'voucher', 'x', CURRENT_TIMESTAMP)")
            connection.execute(text(pending.format("pending")))
            connection.execute(text(pending.format("superseded")))
            connection.execute(text(pending.format("refused")))
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(pending.format("pending")))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM payee_changes"))
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert "payee_changes" not in set(inspect(engine).get_table_names())
        upgrade(engine)  # and on to the newest schema with the person still there
        with engine.begin() as connection:
            assert connection.execute(text("SELECT reference FROM participants")).scalar() == "P-0001"
    finally:
        engine.dispose()
