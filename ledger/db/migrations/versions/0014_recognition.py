"""Recognition: records of involvement, verification codes and outcomes

Revision ID: 0014
Revises: 0013

* ``involvement_records``: each record of involvement issued, with a keyed hash of its verification code
  (never the code), the summary a checker sees, whether and when it was withdrawn, and how often it was
  checked.
* ``verification_attempts``: failed checks per client (keyed hash of the address), so guessing codes is
  throttled across every server process.
* ``outcomes``: what changed because of participants' input, on an activity or a whole project.
* ``ix_records_paid_to_organisation``: a partial index of approved organisation-paid records (involvement
  at a glance reads only those).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ORGANISATION_PAID = "status = 'approved' AND payment_preference_at_approval = 'organisation'"
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'involvement_records',
        sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
        sa.Column('participant_id', BIG_ID, sa.ForeignKey('participants.id',
                  name='fk_involvement_records_participant_id_participants'), nullable=False),
        sa.Column('code_hash', sa.String(64), nullable=False),
        sa.Column('style', sa.String(20), nullable=False),
        sa.Column('include_amounts', sa.Boolean(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('issued_by', sa.String(200), nullable=False),
        sa.Column('issued_by_token_id', BIG_ID, nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by', sa.String(200), nullable=True),
        sa.Column('withdrawn_reason', sa.Text(), nullable=True),
        sa.Column('check_count', sa.Integer(), nullable=False),
        sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_involvement_records'),
        sa.UniqueConstraint('code_hash', name='uq_involvement_records_code_hash'),
    )
    op.create_index('ix_involvement_records_participant_id', 'involvement_records', ['participant_id'])
    op.create_table(
        'verification_attempts',
        sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
        sa.Column('client_hash', sa.String(64), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_verification_attempts'),
    )
    op.create_index('ix_verification_attempts_client_at', 'verification_attempts', ['client_hash', 'attempted_at'])
    op.create_index('ix_verification_attempts_attempted_at', 'verification_attempts', ['attempted_at'])
    op.create_table(
        'outcomes',
        sa.Column('id', BIG_ID, primary_key=True, autoincrement=True),
        sa.Column('project_id', BIG_ID, sa.ForeignKey('projects.id', name='fk_outcomes_project_id_projects'),
                  nullable=False),
        sa.Column('activity_id', BIG_ID, sa.ForeignKey('activities.id', name='fk_outcomes_activity_id_activities'),
                  nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('outcome_date', sa.Date(), nullable=False),
        sa.Column('added_by', sa.String(200), nullable=False),
        sa.Column('added_by_token_id', BIG_ID, nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_outcomes'),
    )
    op.create_index('ix_outcomes_project_id', 'outcomes', ['project_id'])
    op.create_index('ix_outcomes_activity_id', 'outcomes', ['activity_id'])
    # Involvement at a glance reads organisation-paid records only: a small partial index, so its cost follows
    # how many such records there are, not the size of the ledger (the spend report stays near its floor).
    op.create_index('ix_records_paid_to_organisation', 'records', ['activity_id'],
                    sqlite_where=sa.text(ORGANISATION_PAID), postgresql_where=sa.text(ORGANISATION_PAID))


def downgrade() -> None:
    op.drop_index('ix_records_paid_to_organisation', 'records')
    op.drop_table('outcomes')
    op.drop_table('verification_attempts')
    op.drop_table('involvement_records')
