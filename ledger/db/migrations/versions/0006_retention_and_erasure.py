"""Retention dates and erasure tombstones

Revision ID: 0006
Revises: 0005

* ``participants.erased_at``: when a participant's personal details were replaced by a tombstone
  (``ledger participants erase``). Existing participants carry forward as not erased (NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
