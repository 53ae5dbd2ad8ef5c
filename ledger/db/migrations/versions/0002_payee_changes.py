"""Pending payee changes (four eyes) and project-scoped participants

Revision ID: 0002
Revises: 0001

* ``payee_changes``: a change of bank details, organisation or payment choice waits here until a second
  person confirms it; at most one per participant is pending (a partial unique index).
* ``participant_projects``: which projects a person belongs to before their first record. Existing
  participants need no rows: anyone with a record in a project already belongs to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
PENDING_ONLY = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        'payee_changes',
        sa.Column('participant_id', BigId, nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('payment_preference', sa.String(length=13), nullable=False),
        # Sized for ciphertext: the model encrypts these (ledger.db.encrypted.EncryptedString(200/6/8)).
        sa.Column('bank_account_name', sa.String(length=1118), nullable=True),
        sa.Column('bank_sort_code', sa.String(length=86), nullable=True),
        sa.Column('bank_account_number', sa.String(length=94), nullable=True),
        sa.Column('organisation_name', sa.String(length=200), nullable=True),
        sa.Column('organisation_reference', sa.String(length=100), nullable=True),
        sa.Column('proposed_by', sa.String(length=200), nullable=False),
        sa.Column('proposed_by_token_id', BigId, nullable=True),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decided_by_token_id', BigId, nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'],
                                name=op.f('fk_payee_changes_participant_id_participants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payee_changes')),
    )
    op.create_index(op.f('ix_payee_changes_participant_id'), 'payee_changes', ['participant_id'], unique=False)
    op.create_index(op.f('ix_payee_changes_status'), 'payee_changes', ['status'], unique=False)
    op.create_index('uq_payee_changes_one_pending', 'payee_changes', ['participant_id'], unique=True,
                    sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY)
    op.create_table(
        'participant_projects',
        sa.Column('participant_id', BigId, nullable=False),
        sa.Column('project_id', BigId, nullable=False),
        sa.Column('added_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'],
                                name=op.f('fk_participant_projects_participant_id_participants'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_participant_projects_project_id_projects')),
        sa.PrimaryKeyConstraint('participant_id', 'project_id', name=op.f('pk_participant_projects')),
    )
    op.create_index(op.f('ix_participant_projects_project_id'), 'participant_projects', ['project_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_participant_projects_project_id'), table_name='participant_projects')
    op.drop_table('participant_projects')
    op.drop_index('uq_payee_changes_one_pending', table_name='payee_changes')
    op.drop_index(op.f('ix_payee_changes_status'), table_name='payee_changes')
    op.drop_index(op.f('ix_payee_changes_participant_id'), table_name='payee_changes')
    op.drop_table('payee_changes')
