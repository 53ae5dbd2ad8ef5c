"""Batch lines carry the approved payee details; one approval per record; balance check once per entry

Revision ID: 0003
Revises: 0002

* ``batch_lines`` gets the payee's details as they were when the batch was built (payment choice, bank
  account name, sort code and account number, organisation name and reference). Existing lines are
  filled from their participant (what the bank file would have read at this revision), bank details for
  bank-transfer batches only and organisation details for organisation batches only. The bank columns
  are sized for ciphertext: revision 0004 encrypts them.
* The money of a batch is fixed once built: triggers refuse UPDATE of a line's amounts, payee or batch,
  and of a batch's total, currency or method (both databases). Status and return columns stay writable.
* An index on ``batch_lines (batch_id, id)``: lines are read a chunk at a time in id order, and without
  it PostgreSQL could sort the whole batch for every chunk.
* ``batches.approved_fingerprint``: a keyed fingerprint of the lines as approved, set once (the trigger
  refuses changing it after that). Batches approved before this revision have none.
* A unique partial index allows one approval entry per record. A database that already holds two
  approvals of one record stops the upgrade with the record ids (see docs/payments.md).
* PostgreSQL: the deferred per-posting balance trigger (``postings_balanced``, which re-summed the whole
  entry for every posting row: quadratic for a big payment entry) is replaced by a deferred check once per
  journal entry, plus a guard refusing postings added to an entry committed by an earlier transaction
  (each entry records the transaction that created it in ``created_xact``, from ``pg_current_xact_id()``:
  PostgreSQL 13 or later). An unbalanced entry still cannot commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

APPROVAL_INDEX = "uq_journal_entries_one_approval"
LINES_INDEX = "ix_batch_lines_batch_id_id"  # reading a batch's lines in chunks, in id order
APPROVAL_WHERE = "kind = 'approval'"

# Sized for ciphertext (ledger.security.crypto.ciphertext_length of 200, 6 and 8 characters).
SNAPSHOT_COLUMNS = (
    ("payment_preference", sa.String(20)),
    ("bank_account_name", sa.String(1118)),
    ("bank_sort_code", sa.String(86)),
    ("bank_account_number", sa.String(94)),
    ("organisation_name", sa.String(200)),
    ("organisation_reference", sa.String(100)),
)

LINE_MONEY = ("amount_minor", "fees_minor", "expenses_minor", "batch_id", "participant_id")
BATCH_MONEY = ("total_minor", "currency", "method")
FINGERPRINT = "approved_fingerprint"
LINES_MESSAGE = "batch_lines amounts are fixed when the batch is built: build a new batch instead"
BATCHES_MESSAGE = ("a batch total is fixed when the batch is built, and its approval fingerprint once "
                   "approved: build a new batch instead")


def _changed(columns: tuple[str, ...], dialect: str) -> str:
    op_ = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op_} NEW.{c}" for c in columns)


def _batch_changed(dialect: str) -> str:
    """The batch's money changed, or its fingerprint changed after it was first set."""
    op_ = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return (f"{_changed(BATCH_MONEY, dialect)} OR "
            f"(OLD.{FINGERPRINT} IS NOT NULL AND OLD.{FINGERPRINT} {op_} NEW.{FINGERPRINT})")


def _sqlite_money_guards() -> list[str]:
    return [
        f"CREATE TRIGGER batch_lines_money_fixed BEFORE UPDATE OF {', '.join(LINE_MONEY)} ON batch_lines "
        f"WHEN {_changed(LINE_MONEY, 'sqlite')} BEGIN SELECT RAISE(ABORT, '{LINES_MESSAGE}'); END",
        f"CREATE TRIGGER batches_money_fixed BEFORE UPDATE OF {', '.join((*BATCH_MONEY, FINGERPRINT))} ON batches "
        f"WHEN {_batch_changed('sqlite')} BEGIN SELECT RAISE(ABORT, '{BATCHES_MESSAGE}'); END",
    ]


def _postgres_money_guards() -> list[str]:
    statements = []
    for table, columns, changed, message in (
        ("batch_lines", LINE_MONEY, _changed(LINE_MONEY, "postgresql"), LINES_MESSAGE),
        ("batches", (*BATCH_MONEY, FINGERPRINT), _batch_changed("postgresql"), BATCHES_MESSAGE),
    ):
        statements += [
            f"""
            CREATE OR REPLACE FUNCTION ledger_{table}_money_fixed() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
            END;
            $$ LANGUAGE plpgsql
            """,
            f"CREATE TRIGGER {table}_money_fixed BEFORE UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION ledger_{table}_money_fixed()",
        ]
    return statements


# The check that replaces 0001's per-posting ``postings_balanced`` on PostgreSQL.
POSTGRES_BALANCE_ONCE = [
    "DROP TRIGGER IF EXISTS postings_balanced ON postings",
    "ALTER TABLE journal_entries ADD COLUMN created_xact BIGINT",
    """
    CREATE OR REPLACE FUNCTION ledger_stamp_entry_xact() RETURNS trigger AS $$
    BEGIN
        NEW.created_xact := pg_current_xact_id()::text::bigint;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER journal_entries_stamp_xact BEFORE INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_stamp_entry_xact()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_posting_into_open_entry() RETURNS trigger AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM journal_entries
                        WHERE id = NEW.entry_id AND created_xact = pg_current_xact_id()::text::bigint) THEN
            RAISE EXCEPTION 'journal entry % was written by an earlier transaction: post a new entry instead '
                            'of adding to it', NEW.entry_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER postings_into_open_entry BEFORE INSERT ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_posting_into_open_entry()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_check_new_entry_balanced() RETURNS trigger AS $$
    DECLARE
        unbalanced RECORD;
    BEGIN
        SELECT currency, SUM(amount_minor) AS total INTO unbalanced
          FROM postings WHERE entry_id = NEW.id
         GROUP BY currency HAVING SUM(amount_minor) <> 0 LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'journal entry % does not balance in %: off by %',
                NEW.id, unbalanced.currency, unbalanced.total
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE CONSTRAINT TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_new_entry_balanced()
    """,
]

POSTGRES_BALANCE_PER_ROW = [
    "DROP TRIGGER IF EXISTS journal_entries_balanced ON journal_entries",
    "DROP TRIGGER IF EXISTS postings_into_open_entry ON postings",
    "DROP TRIGGER IF EXISTS journal_entries_stamp_xact ON journal_entries",
    "DROP FUNCTION IF EXISTS ledger_check_new_entry_balanced()",
    "DROP FUNCTION IF EXISTS ledger_posting_into_open_entry()",
    "DROP FUNCTION IF EXISTS ledger_stamp_entry_xact()",
    "ALTER TABLE journal_entries DROP COLUMN IF EXISTS created_xact",
    """
    CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced()
    """,
]


def _refuse_double_approvals() -> None:
    doubles = op.get_bind().execute(sa.text(
        "SELECT record_id FROM journal_entries WHERE kind = 'approval' AND record_id IS NOT NULL "
        "GROUP BY record_id HAVING COUNT(*) > 1 ORDER BY record_id"
    )).scalars().all()
    if doubles:
        listed = ", ".join(str(r) for r in doubles[:20])
        raise RuntimeError(
            f"records approved more than once: {listed}. The ledger now allows one approval per record; "
            "see 'One approval per record' in docs/payments.md before upgrading."
        )


def _fill_snapshots() -> None:
    """Existing lines get their participant's details (what an export would have read until now)."""

    def copy(columns: tuple[str, ...], method: str | None) -> None:
        sets = ", ".join(
            f"{c} = (SELECT p.{c} FROM participants p WHERE p.id = batch_lines.participant_id)" for c in columns
        )
        where = f" WHERE batch_id IN (SELECT id FROM batches WHERE method = '{method}')" if method else ""
        op.execute(f"UPDATE batch_lines SET {sets}{where}")

    op.execute("UPDATE batch_lines SET payment_preference = (SELECT p.payment_preference FROM participants p "
               "WHERE p.id = batch_lines.participant_id)")
    copy(("bank_account_name", "bank_sort_code", "bank_account_number"), "bank_transfer")
    copy(("organisation_name", "organisation_reference"), "organisation")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _refuse_double_approvals()
    op.create_index(APPROVAL_INDEX, "journal_entries", ["record_id"], unique=True,
                    sqlite_where=sa.text(APPROVAL_WHERE), postgresql_where=sa.text(APPROVAL_WHERE))
    for name, type_ in SNAPSHOT_COLUMNS:
        op.add_column("batch_lines", sa.Column(name, type_, nullable=True))
    op.add_column("batches", sa.Column(FINGERPRINT, sa.String(64), nullable=True))
    op.create_index(LINES_INDEX, "batch_lines", ["batch_id", "id"])
    _fill_snapshots()
    for statement in _postgres_money_guards() if dialect == "postgresql" else _sqlite_money_guards():
        op.execute(statement)
    if dialect == "postgresql":
        for statement in POSTGRES_BALANCE_ONCE:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in POSTGRES_BALANCE_PER_ROW:
            op.execute(statement)
        for table in ("batch_lines", "batches"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_money_fixed ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS ledger_{table}_money_fixed()")
    else:
        op.execute("DROP TRIGGER IF EXISTS batch_lines_money_fixed")
        op.execute("DROP TRIGGER IF EXISTS batches_money_fixed")
    op.drop_index(LINES_INDEX, table_name="batch_lines")
    op.drop_column("batches", FINGERPRINT)
    for name, _type in reversed(SNAPSHOT_COLUMNS):
        op.drop_column("batch_lines", name)
    op.drop_index(APPROVAL_INDEX, table_name="journal_entries")
