"""Organisation settings: name, contact person, phone, email, postal address, bank payer name, reference prefix

Revision ID: 0009
Revises: 0008

One key/value table (``settings``) set by ``ledger setup``. A key per setting keeps later settings a
data change, not a schema change. No existing data to carry: the old environment variable
(``LEDGER_ORGANISATION_NAME``) is offered as the default name by ``ledger setup``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'settings',
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_settings')),
    )


def downgrade() -> None:
    op.drop_table('settings')
