"""Roll-up summaries kept in step with postings

Revision ID: 0015
Revises: 0014

* ``spend_summaries``: project spend and foregone postings summed per project, activity date, account,
  category, currency, activity key and rate card (``ledger.db.models_summaries``). Filled here from the
  postings already written.
* A trigger on ``postings`` adds each new project posting to its summary row in the same statement:
  on PostgreSQL once per INSERT statement (a transition table, so an entry's legs cost one upsert), on
  SQLite once per row. Postings are append-only (UPDATE, DELETE and TRUNCATE are refused), so INSERT is
  the only change a summary has to follow.
* ``participant_days``: how many approved records each person has per project and activity date (rows
  at zero are deleted), so "distinct people in a period" needs no join of records and activities.
  Triggers on ``records`` follow a record into and out of ``approved`` (and a change of its activity or
  participant while approved). Filled here from the records already approved.
* ``paid_summaries`` and ``payment_times``: what of each record was paid (per activity date) and when
  it was last paid, for the spend report's "paid" and "days to payment". Not triggers: they change only
  when a batch is marked paid or a line returned, and those services rewrite the rows of the records
  involved (``ledger.payments.paid_summaries``). Filled here from the batches already paid.
* ``shared_store``: a small key-value table for what several server processes must share
  (``ledger serve --workers N`` keeps its rate-limit counts here; ``ledger.api.shared_store``).
* On PostgreSQL each trigger first takes the audit chain's transaction lock (``AUDIT_LOCK_KEY`` in
  ``ledger.audit.chain``; every writer of postings also writes an audit event and so takes it anyway).
  Taking it before any summary row means two writers never wait for each other's summary rows in
  opposite orders, so the summaries cannot cause a deadlock. (The lock is already taken to write the
  audit event; taking it a few statements earlier lengthens the serial part of a write very little.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

AUDIT_LOCK_KEY = 0x6C65646761756474  # ledger.audit.chain.AUDIT_LOCK_KEY (a migration keeps its own copy)
KEY = "project_id, activity_date, account_kind, category, currency, activity, rate_card"
COUNTS = ("p.account_kind IN ('project_spend', 'project_foregone') AND p.project_id IS NOT NULL "
          "AND p.activity_date IS NOT NULL")
ADD = ("amount_minor = spend_summaries.amount_minor + excluded.amount_minor, "
       "minutes = spend_summaries.minutes + excluded.minutes, "
       "postings = spend_summaries.postings + excluded.postings")


def _grouped(source: str) -> str:
    """``INSERT ... SELECT`` of the grouped postings in ``source`` (aliased p), adding to existing rows."""
    return f"""
    INSERT INTO spend_summaries ({KEY}, amount_minor, minutes, postings)
    SELECT p.project_id, p.activity_date, p.account_kind, p.category, p.currency,
           COALESCE(a.activity, ''), COALESCE(r.rate_card, ''),
           SUM(p.amount_minor), SUM(COALESCE(p.minutes, 0)), COUNT(*)
      FROM {source} p
      LEFT JOIN records r ON r.id = p.record_id
      LEFT JOIN activities a ON a.id = r.activity_id
     WHERE {COUNTS}
     GROUP BY 1, 2, 3, 4, 5, 6, 7
     ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT ({KEY}) DO UPDATE SET {ADD}
    """


POSTGRES_TRIGGER = [
    f"""
    CREATE OR REPLACE FUNCTION ledger_sum_new_postings() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM new_postings p WHERE {COUNTS}) THEN
            PERFORM pg_advisory_xact_lock({AUDIT_LOCK_KEY});
            {_grouped('new_postings')};
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER postings_summed AFTER INSERT ON postings REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_sum_new_postings()
    """,
]

SQLITE_TRIGGER = f"""
CREATE TRIGGER postings_summed AFTER INSERT ON postings
WHEN NEW.account_kind IN ('project_spend', 'project_foregone') AND NEW.project_id IS NOT NULL
     AND NEW.activity_date IS NOT NULL
BEGIN
    INSERT INTO spend_summaries ({KEY}, amount_minor, minutes, postings)
    VALUES (NEW.project_id, NEW.activity_date, NEW.account_kind, NEW.category, NEW.currency,
            COALESCE((SELECT a.activity FROM records r JOIN activities a ON a.id = r.activity_id
                       WHERE r.id = NEW.record_id), ''),
            COALESCE((SELECT r.rate_card FROM records r WHERE r.id = NEW.record_id), ''),
            NEW.amount_minor, COALESCE(NEW.minutes, 0), 1)
    ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
END
"""


DAY_KEY = "project_id, activity_date, participant_id"
_PLPGSQL_DAY = """
        INSERT INTO participant_days (project_id, activity_date, participant_id, approved_records)
        SELECT a.project_id, a.date, {row}.participant_id, {change} FROM activities a WHERE a.id = {row}.activity_id
        ON CONFLICT (project_id, activity_date, participant_id)
        DO UPDATE SET approved_records = participant_days.approved_records + excluded.approved_records;
        DELETE FROM participant_days d USING activities a
         WHERE a.id = {row}.activity_id AND d.project_id = a.project_id AND d.activity_date = a.date
           AND d.participant_id = {row}.participant_id AND d.approved_records = 0;"""
_SAME = "OLD.activity_id = NEW.activity_id AND OLD.participant_id = NEW.participant_id"

POSTGRES_DAY_TRIGGER = [
    f"""
    CREATE OR REPLACE FUNCTION ledger_count_approved_records() RETURNS trigger AS $$
    DECLARE
        was_counted boolean := TG_OP = 'UPDATE' AND OLD.status = 'approved';
        is_counted boolean := NEW.status = 'approved';
    BEGIN
        IF was_counted AND is_counted AND {_SAME} THEN
            RETURN NULL;
        END IF;
        IF was_counted OR is_counted THEN
            PERFORM pg_advisory_xact_lock({AUDIT_LOCK_KEY});
        END IF;
        IF was_counted THEN {_PLPGSQL_DAY.format(row='OLD', change='-1')}
        END IF;
        IF is_counted THEN {_PLPGSQL_DAY.format(row='NEW', change='1')}
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER records_counted AFTER INSERT OR UPDATE OF status, activity_id, participant_id ON records
    FOR EACH ROW EXECUTE FUNCTION ledger_count_approved_records()
    """,
]


def _sqlite_day(row: str, change: str) -> str:
    return f"""
    INSERT INTO participant_days ({DAY_KEY}, approved_records)
    SELECT a.project_id, a.date, {row}.participant_id, {change} FROM activities a WHERE a.id = {row}.activity_id
    ON CONFLICT ({DAY_KEY})
    DO UPDATE SET approved_records = participant_days.approved_records + excluded.approved_records;
    DELETE FROM participant_days
     WHERE approved_records = 0 AND participant_id = {row}.participant_id
       AND project_id = (SELECT project_id FROM activities WHERE id = {row}.activity_id)
       AND activity_date = (SELECT date FROM activities WHERE id = {row}.activity_id);"""


SQLITE_DAY_TRIGGERS = [
    f"""CREATE TRIGGER records_counted_insert AFTER INSERT ON records WHEN NEW.status = 'approved'
    BEGIN {_sqlite_day('NEW', '1')} END""",
    f"""CREATE TRIGGER records_uncounted AFTER UPDATE OF status, activity_id, participant_id ON records
    WHEN OLD.status = 'approved' AND NOT (NEW.status = 'approved' AND {_SAME})
    BEGIN {_sqlite_day('OLD', '-1')} END""",
    f"""CREATE TRIGGER records_counted AFTER UPDATE OF status, activity_id, participant_id ON records
    WHEN NEW.status = 'approved' AND NOT (OLD.status = 'approved' AND {_SAME})
    BEGIN {_sqlite_day('NEW', '1')} END""",
]

FILL_DAYS = f"""
INSERT INTO participant_days ({DAY_KEY}, approved_records)
SELECT a.project_id, a.date, r.participant_id, COUNT(*)
  FROM records r JOIN activities a ON a.id = r.activity_id
 WHERE r.status = 'approved'
 GROUP BY 1, 2, 3
"""


PAID = """
  FROM postings p
  JOIN batch_items i ON i.posting_id = p.id
  JOIN batch_lines l ON l.id = i.batch_line_id AND l.status = 'paid'
  JOIN batches b ON b.id = l.batch_id
  JOIN records r ON r.id = p.record_id
  JOIN activities a ON a.id = r.activity_id
 WHERE p.account_kind = 'participant_payable'
"""
FILL_PAID = f"""
INSERT INTO paid_summaries (record_id, activity_date, project_id, paid_minor)
SELECT p.record_id, COALESCE(p.activity_date, a.date), a.project_id, COALESCE(SUM(-p.amount_minor), 0) {PAID}
 GROUP BY p.record_id, COALESCE(p.activity_date, a.date), a.project_id
"""
FILL_TIMES = f"""
INSERT INTO payment_times (record_id, project_id, activity_date, paid_on)
SELECT p.record_id, a.project_id, a.date, MAX(b.paid_on) {PAID}
 GROUP BY p.record_id, a.project_id, a.date
"""


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        'spend_summaries',
        sa.Column('id', big, primary_key=True, autoincrement=True),
        sa.Column('project_id', big, nullable=False),
        sa.Column('activity_date', sa.Date(), nullable=False),
        sa.Column('account_kind', sa.String(length=24), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('activity', sa.String(length=80), nullable=False),
        sa.Column('rate_card', sa.String(length=80), nullable=False),
        sa.Column('amount_minor', big, nullable=False),
        sa.Column('minutes', big, nullable=False),
        sa.Column('postings', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_spend_summaries')),
        sa.UniqueConstraint('project_id', 'activity_date', 'account_kind', 'category', 'currency', 'activity',
                            'rate_card', name='uq_spend_summaries_key'),
    )
    op.create_table(
        'participant_days',
        sa.Column('id', big, primary_key=True, autoincrement=True),
        sa.Column('project_id', big, nullable=False),
        sa.Column('activity_date', sa.Date(), nullable=False),
        sa.Column('participant_id', big, nullable=False),
        sa.Column('approved_records', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_participant_days')),
        sa.UniqueConstraint('project_id', 'activity_date', 'participant_id', name='uq_participant_days_key'),
    )
    op.create_table(
        'shared_store',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('value', sa.LargeBinary(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_shared_store')),
    )
    op.create_table(
        'paid_summaries',
        sa.Column('id', big, primary_key=True, autoincrement=True),
        sa.Column('record_id', big, nullable=False),
        sa.Column('activity_date', sa.Date(), nullable=False),
        sa.Column('project_id', big, nullable=False),
        sa.Column('paid_minor', big, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paid_summaries')),
        sa.UniqueConstraint('record_id', 'activity_date', name='uq_paid_summaries_key'),
    )
    op.create_index('ix_paid_summaries_project_date', 'paid_summaries', ['project_id', 'activity_date', 'paid_minor'])
    op.create_table(
        'payment_times',
        sa.Column('id', big, primary_key=True, autoincrement=True),
        sa.Column('record_id', big, nullable=False),
        sa.Column('project_id', big, nullable=False),
        sa.Column('activity_date', sa.Date(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_times')),
        sa.UniqueConstraint('record_id', name='uq_payment_times_record'),
    )
    op.create_index('ix_payment_times_project_date', 'payment_times', ['project_id', 'activity_date', 'paid_on'])
    op.execute(FILL_PAID)
    op.execute(FILL_TIMES)
    op.execute(_grouped('postings'))
    op.execute(FILL_DAYS)
    if op.get_bind().dialect.name == "postgresql":
        for statement in (*POSTGRES_TRIGGER, *POSTGRES_DAY_TRIGGER):
            op.execute(statement)
    else:
        for statement in (SQLITE_TRIGGER, *SQLITE_DAY_TRIGGERS):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS postings_summed ON postings")
        op.execute("DROP FUNCTION IF EXISTS ledger_sum_new_postings()")
        op.execute("DROP TRIGGER IF EXISTS records_counted ON records")
        op.execute("DROP FUNCTION IF EXISTS ledger_count_approved_records()")
    else:
        for trigger in ("postings_summed", "records_counted_insert", "records_uncounted", "records_counted"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table('payment_times')
    op.drop_table('paid_summaries')
    op.drop_table('shared_store')
    op.drop_table('participant_days')
    op.drop_table('spend_summaries')
