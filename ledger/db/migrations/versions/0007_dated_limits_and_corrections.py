"""Named, dated benefit limits for watch limits

Revision ID: 0007
Revises: 0006

A watch limit is either an amount typed by hand (as before) or the key of a named limit kept as dated
data with its source (``ledger/rates/limits/*.toml``: Carer's Allowance, ESA permitted work, the trading
allowance), whose amount in force on the activity date is used. So ``amount_minor`` becomes optional,
``limit_key`` is added, and a check makes sure each row has exactly one of them. Existing rows all have
an amount and no key, so they carry forward unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

MinorUnits = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('watch_limits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('limit_key', sa.String(length=80), nullable=True))
        batch_op.alter_column('amount_minor', existing_type=MinorUnits, nullable=True)
        batch_op.create_check_constraint(
            'amount_or_key', sa.text('(amount_minor IS NULL) <> (limit_key IS NULL)')
        )


def downgrade() -> None:
    # A named limit has no amount to keep: it cannot be represented in the old schema, so it is dropped.
    op.execute(sa.text('DELETE FROM watch_limits WHERE amount_minor IS NULL'))
    with op.batch_alter_table('watch_limits', schema=None) as batch_op:
        batch_op.drop_constraint('amount_or_key', type_='check')
        batch_op.alter_column('amount_minor', existing_type=MinorUnits, nullable=False)
        batch_op.drop_column('limit_key')
