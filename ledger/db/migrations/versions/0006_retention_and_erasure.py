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


# Plain ADD/DROP COLUMN, not batch mode: both SQLite (3.35+) and PostgreSQL do them in place, while batch
# mode would rebuild ``participants``, and dropping the old table fails once other rows refer to it.


def upgrade() -> None:
    op.add_column('participants', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('participants', 'erased_at')
