"""TRUNCATE is refused on every append-only table (PostgreSQL; row triggers do not fire for TRUNCATE).

The report this answers: ``TRUNCATE audit_events`` succeeded and ``ledger audit verify`` then called the
empty trail intact.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import record_event
from ledger.db.engine import transaction
from ledger.db.guards import postgres_statements, statements_for
from ledger.db.models import IMMUTABLE_TABLES, AuditEvent
from ledger.security.actor import Actor


def _postgres_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE triggers already refuse `DELETE FROM table`")


@pytest.mark.parametrize("table", IMMUTABLE_TABLES)
def test_truncate_is_refused(engine: Engine, table: str) -> None:
    _postgres_only(engine)
    # CASCADE gets past the foreign-key check that stops a plain TRUNCATE of a referenced table first.
    for statement in (f"TRUNCATE TABLE {table} CASCADE", f"TRUNCATE {table} RESTART IDENTITY CASCADE"):
        with pytest.raises(DBAPIError, match="append-only: TRUNCATE is refused"), engine.begin() as conn:
            conn.execute(text(statement))
    with pytest.raises(DBAPIError, match=r"TRUNCATE is refused|referenced in a foreign key"), engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {table}"))


def test_truncating_a_referencing_table_with_cascade_is_refused_too(engine: Engine) -> None:
    """``TRUNCATE journal_entries CASCADE`` would also empty postings: the postings guard stops it."""
    _postgres_only(engine)
    with pytest.raises(DBAPIError, match="TRUNCATE is refused"), engine.begin() as conn:
        conn.execute(text("TRUNCATE records CASCADE"))


def test_audit_trail_survives_a_truncate_attempt(engine: Engine, factory: sessionmaker[Session]) -> None:
    _postgres_only(engine)
    with transaction(factory) as session:
        record_event(session, Actor.system(), "project.create", "project", 1, None, {"code": "P1"})
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_every_append_only_table_has_the_guard(engine: Engine) -> None:
    """Each table listed as immutable carries a TRUNCATE trigger (catches a table added without one)."""
    _postgres_only(engine)
    with engine.connect() as conn:
        guarded = set(conn.scalars(text(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname = c.relname || '_no_truncate'"
        )))
    tables = set(inspect(engine).get_table_names())
    assert set(IMMUTABLE_TABLES) <= guarded
    assert guarded <= tables


def test_statement_builders_include_the_truncate_guard() -> None:
    """A later migration making a table append-only through ``statements_for`` gets the guard too."""
    statements = " ".join(postgres_statements(("new_table",)))
    assert "BEFORE TRUNCATE ON new_table FOR EACH STATEMENT" in statements
    assert "BEFORE UPDATE OR DELETE ON new_table" in statements
    assert statements_for("postgresql", ("t",)) == postgres_statements(("t",))
    assert not any("TRUNCATE" in s for s in statements_for("sqlite", ("t",)))


def test_emptying_the_trail_is_refused_on_sqlite_too(engine: Engine, factory: sessionmaker[Session]) -> None:
    """SQLite's stand-in for TRUNCATE is an unqualified DELETE: the row trigger refuses it."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL is covered by the TRUNCATE tests above")
    with transaction(factory) as session:
        record_event(session, Actor.system(), "project.create", "project", 1, None, {"code": "P1"})
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
