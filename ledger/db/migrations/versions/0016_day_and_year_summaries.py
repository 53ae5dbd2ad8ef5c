"""Spend page summaries per project and day (paid, days to payment) and per person and tax year

Revision ID: 0016
Revises: 0015

The spend page over every project read one row per paid record ("paid", days to payment) and one per
person, project and day (distinct people) for the whole period. These tables hold the same facts
grouped further, so a tax year over every project reads a few thousand rows:

* ``paid_days``: ``paid_summaries`` summed per project and activity date.
* ``payment_days``: ``payment_times`` counted per project, activity date and paid date.
  Both are rewritten by the same code as the per-record tables, in the same transaction
  (``ledger.payments.paid_summaries``); filled here from them.
* ``participant_years``: ``participant_days`` counted per project, UK tax year (the year it starts) and
  person, rows at zero deleted. Distinct people over a period reads these for the whole tax years in it
  (and ``participant_days`` for the days outside them). Triggers on ``participant_days`` keep it; a
  ``participant_days`` row is only ever written by the ``records`` triggers of 0015, which already
  hold the audit chain's lock, so no new lock ordering appears. Filled here from ``participant_days``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

YEAR_KEY = "project_id, tax_year, participant_id"
# The UK tax year a date falls in, as the year it starts (6 April): ledger.rates.taxyear.tax_year_start.
PG_TAX_YEAR = ("(CAST(EXTRACT(YEAR FROM {d}) AS INTEGER) - CASE WHEN to_char({d}, 'MM-DD') < '04-06' "
               "THEN 1 ELSE 0 END)")
SQLITE_TAX_YEAR = ("(CAST(strftime('%Y', {d}) AS INTEGER) - CASE WHEN strftime('%m-%d', {d}) < '04-06' "
                   "THEN 1 ELSE 0 END)")


def _add_year(year: str, row: str, change: str) -> str:
    """Add ``change`` (1 or -1) to the row's person, project and tax year; a count taken to 0 is deleted
    (only a -1 can do that, so an added day skips the DELETE)."""
    key = (f"project_id = {row}.project_id AND tax_year = {year.format(d=row + '.activity_date')} "
           f"AND participant_id = {row}.participant_id")
    add = f"""
    INSERT INTO participant_years ({YEAR_KEY}, days)
    VALUES ({row}.project_id, {year.format(d=row + '.activity_date')}, {row}.participant_id, {change})
    ON CONFLICT ({YEAR_KEY}) DO UPDATE SET days = participant_years.days + excluded.days;"""
    if change == "1":
        return add
    return f"""
    UPDATE participant_years SET days = days - 1 WHERE {key};
    DELETE FROM participant_years WHERE {key} AND days = 0;"""


POSTGRES_YEAR_TRIGGER = [
    f"""
    CREATE OR REPLACE FUNCTION ledger_count_participant_years() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN {_add_year(PG_TAX_YEAR, 'OLD', '-1')}
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN {_add_year(PG_TAX_YEAR, 'NEW', '1')}
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER participant_days_counted
    AFTER INSERT OR DELETE OR UPDATE OF project_id, activity_date, participant_id ON participant_days
    FOR EACH ROW EXECUTE FUNCTION ledger_count_participant_years()
    """,
]

SQLITE_YEAR_TRIGGERS = [
    f"""CREATE TRIGGER participant_days_counted AFTER INSERT ON participant_days
    BEGIN {_add_year(SQLITE_TAX_YEAR, 'NEW', '1')} END""",
    f"""CREATE TRIGGER participant_days_uncounted AFTER DELETE ON participant_days
    BEGIN {_add_year(SQLITE_TAX_YEAR, 'OLD', '-1')} END""",
    f"""CREATE TRIGGER participant_days_moved AFTER UPDATE OF project_id, activity_date, participant_id
    ON participant_days
    BEGIN {_add_year(SQLITE_TAX_YEAR, 'OLD', '-1')} {_add_year(SQLITE_TAX_YEAR, 'NEW', '1')} END""",
]


def _fill_years(year: str) -> str:
    return f"""
    INSERT INTO participant_years ({YEAR_KEY}, days)
    SELECT project_id, {year.format(d='activity_date')}, participant_id, COUNT(*)
      FROM participant_days
     GROUP BY 1, 2, 3
    """


FILL_PAID_DAYS = """
INSERT INTO paid_days (project_id, activity_date, paid_minor)
SELECT project_id, activity_date, SUM(paid_minor) FROM paid_summaries GROUP BY project_id, activity_date
"""
FILL_PAYMENT_DAYS = """
INSERT INTO payment_days (project_id, activity_date, paid_on, records)
SELECT project_id, activity_date, paid_on, COUNT(*) FROM payment_times GROUP BY project_id, activity_date, paid_on
"""


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        'paid_days',
        sa.Column('id', big, primary_key=True, autoincrement=True),
        sa.Column('project_id', big, nullable=False),
        sa.Column('activity_date', sa.Date(), nullable=False),
        sa.Column('paid_minor', big, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paid_days')),
        sa.UniqueConstraint('project_id', 'activity_date', name='uq_paid_days_key'),
    )
    op.create_table(
        'payment_days',
        sa.Column('id', big, primary_key=True, autoincrement=True),
        sa.Column('project_id', big, nullable=False),
        sa.Column('activity_date', sa.Date(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('records', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_days')),
        sa.UniqueConstraint('project_id', 'activity_date', 'paid_on', name='uq_payment_days_key'),
    )
    op.create_table(
        'participant_years',
        sa.Column('id', big, primary_key=True, autoincrement=True),
        sa.Column('project_id', big, nullable=False),
        sa.Column('tax_year', sa.Integer(), nullable=False),
        sa.Column('participant_id', big, nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_participant_years')),
        sa.UniqueConstraint('project_id', 'tax_year', 'participant_id', name='uq_participant_years_key'),
    )
    op.execute(FILL_PAID_DAYS)
    op.execute(FILL_PAYMENT_DAYS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_fill_years(PG_TAX_YEAR))
        for statement in POSTGRES_YEAR_TRIGGER:
            op.execute(statement)
    else:
        op.execute(_fill_years(SQLITE_TAX_YEAR))
        for statement in SQLITE_YEAR_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS participant_days_counted ON participant_days")
        op.execute("DROP FUNCTION IF EXISTS ledger_count_participant_years()")
    else:
        for trigger in ("participant_days_counted", "participant_days_uncounted", "participant_days_moved"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table('participant_years')
    op.drop_table('payment_days')
    op.drop_table('paid_days')
