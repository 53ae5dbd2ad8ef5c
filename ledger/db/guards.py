"""Database-level guards: append-only tables and balanced journal entries.

Code already refuses to edit posted money; these triggers make the database refuse too, so a stray
script or a bug cannot quietly rewrite history. Used by the migrations, which pass the table names
as they were at that revision.
"""

from __future__ import annotations


def sqlite_statements(tables: tuple[str, ...]) -> list[str]:
    statements: list[str] = []
    for table in tables:
        for op in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead'); END"
            )
    return statements


def postgres_statements(tables: tuple[str, ...]) -> list[str]:
    statements = [
        """
        CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: post a reversal instead', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
        DECLARE
            unbalanced RECORD;
        BEGIN
            SELECT currency, SUM(amount_minor) AS total INTO unbalanced
              FROM postings WHERE entry_id = NEW.entry_id
             GROUP BY currency HAVING SUM(amount_minor) <> 0 LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'journal entry % does not balance in %: off by %',
                    NEW.entry_id, unbalanced.currency, unbalanced.total
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced()
        """,
    ]
    for table in tables:
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
        )
    statements.extend(postgres_truncate_statements(tables))
    return statements


def postgres_truncate_statements(tables: tuple[str, ...]) -> list[str]:
    """Refuse ``TRUNCATE`` on append-only tables: row triggers do not fire for it, so it needs its own.

    Idempotent (drop-if-exists, then create) because migration 0005 adds these to tables that earlier
    revisions created, while a fresh database may already have them from ``postgres_statements``.
    """
    statements = [
        """
        CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: TRUNCATE is refused', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$ LANGUAGE plpgsql
        """
    ]
    for table in tables:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        statements.append(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate()"
        )
    return statements


def statements_for(dialect: str, tables: tuple[str, ...]) -> list[str]:
    """The guard statements for ``dialect``; ``tables`` is frozen by each migration that calls this."""
    return postgres_statements(tables) if dialect == "postgresql" else sqlite_statements(tables)
