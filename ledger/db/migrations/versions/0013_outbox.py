"""Messages to participants: the outbox and each person's choice of e-mail, post or nothing

Revision ID: 0013
Revises: 0012

* ``participants.contact_preference``: ``email`` (the default: what the ledger could already hold),
  ``post`` (a printed letter) or ``none`` (no messages at all). ``participants.postal_address``: where a
  letter goes, encrypted at rest like bank details (ciphertext sized by ``ledger.security.crypto``).
  Plain ``ADD COLUMN`` only: a SQLite batch-mode rebuild of ``participants`` would drop its triggers.
* ``outbox``: one row per e-mail to send (``ledger.db.models_messages``), indexed for the worker's
  "what is due" question (status, next attempt).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.security.crypto import ciphertext_length

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column('participants', sa.Column('contact_preference', sa.String(length=5), nullable=False,
                                            server_default='email'))
    op.add_column('participants', sa.Column('postal_address', sa.String(length=ciphertext_length(400)),
                                            nullable=True))
    op.create_table(
        'outbox',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('participant_id', BigId, nullable=True),
        sa.Column('batch_id', BigId, nullable=True),
        sa.Column('period_from', sa.Date(), nullable=True),
        sa.Column('period_to', sa.Date(), nullable=True),
        sa.Column('recipient', sa.String(length=ciphertext_length(320)), nullable=False),
        sa.Column('secret', sa.String(length=ciphertext_length(2000)), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('message_id', sa.String(length=250), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claim', sa.String(length=40), nullable=True),
        sa.Column('last_answer', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('requested_by', sa.String(length=200), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'],
                                name=op.f('fk_outbox_participant_id_participants')),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_outbox_batch_id_batches')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
        sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_id')),
    )
    op.create_index('ix_outbox_due', 'outbox', ['status', 'next_attempt_at'])
    op.create_index('ix_outbox_participant', 'outbox', ['participant_id'])
    op.create_index('ix_outbox_batch', 'outbox', ['batch_id'])


def downgrade() -> None:
    op.drop_index('ix_outbox_batch', table_name='outbox')
    op.drop_index('ix_outbox_participant', table_name='outbox')
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_table('outbox')
    op.drop_column('participants', 'postal_address')  # plain DROP COLUMN: no rebuild, triggers kept
    op.drop_column('participants', 'contact_preference')
