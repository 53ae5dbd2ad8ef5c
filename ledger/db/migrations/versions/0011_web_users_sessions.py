"""People who sign in to the web interface, their sessions and sign-in codes

Revision ID: 0011
Revises: 0010

* ``web_users``: staff accounts (name, e-mail unique ignoring case via ``email_key``, role, project scope,
  status, argon2id password hash, and the API-token identity the person acts with: see the model).
* ``web_invitations``: single-use links to set a password, stored as hashes, with an expiry.
* ``web_sign_in_codes``: a participant's short code and link (keyed hashes), valid 7 days, used once.
* ``web_sessions``: server-side sessions (hash of the cookie's id), for a user OR a participant.
* ``web_sign_in_failures``: failed sign-ins under a keyed hash of the account or client address, shared by
  every server process for throttling.
No existing data to carry.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'web_users',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('email_key', sa.String(length=320), nullable=False),
        sa.Column('role', sa.String(length=11), nullable=False),
        sa.Column('project_ids', sa.JSON(), nullable=True),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=True),
        sa.Column('invited_by', sa.String(length=200), nullable=False),
        sa.Column('updated_at', When, nullable=False),
        sa.Column('activated_at', When, nullable=True),
        sa.Column('disabled_at', When, nullable=True),
        sa.Column('last_signed_in_at', When, nullable=True),
        sa.Column('token_id', BigId, nullable=False),
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_web_users_token_id_api_tokens')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_users')),
        sa.UniqueConstraint('email_key', name=op.f('uq_web_users_email_key')),
        sa.UniqueConstraint('token_id', name=op.f('uq_web_users_token_id')),
    )
    op.create_index(op.f('ix_web_users_status'), 'web_users', ['status'], unique=False)
    op.create_table(
        'web_invitations',
        sa.Column('user_id', BigId, nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', When, nullable=False),
        sa.Column('used_at', When, nullable=True),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['web_users.id'], name=op.f('fk_web_invitations_user_id_web_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_invitations')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_web_invitations_token_hash')),
    )
    op.create_index(op.f('ix_web_invitations_user_id'), 'web_invitations', ['user_id'], unique=False)
    op.create_table(
        'web_sign_in_codes',
        sa.Column('participant_id', BigId, nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('link_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', When, nullable=False),
        sa.Column('used_at', When, nullable=True),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'],
                                name=op.f('fk_web_sign_in_codes_participant_id_participants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sign_in_codes')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_web_sign_in_codes_code_hash')),
        sa.UniqueConstraint('link_hash', name=op.f('uq_web_sign_in_codes_link_hash')),
    )
    op.create_index(op.f('ix_web_sign_in_codes_participant_id'), 'web_sign_in_codes', ['participant_id'],
                    unique=False)
    op.create_table(
        'web_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', BigId, nullable=True),
        sa.Column('participant_id', BigId, nullable=True),
        sa.Column('last_seen_at', When, nullable=False),
        sa.Column('expires_at', When, nullable=False),
        sa.Column('ended_at', When, nullable=True),
        sa.Column('end_reason', sa.String(length=20), nullable=True),
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('created_at', When, nullable=False),
        sa.CheckConstraint('(user_id IS NULL) <> (participant_id IS NULL)',
                           name=op.f('ck_web_sessions_user_or_participant')),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'],
                                name=op.f('fk_web_sessions_participant_id_participants'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['web_users.id'], name=op.f('fk_web_sessions_user_id_web_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
        sa.UniqueConstraint('id_hash', name=op.f('uq_web_sessions_id_hash')),
    )
    op.create_index(op.f('ix_web_sessions_user_id'), 'web_sessions', ['user_id'], unique=False)
    op.create_index(op.f('ix_web_sessions_participant_id'), 'web_sessions', ['participant_id'], unique=False)
    op.create_table(
        'web_sign_in_failures',
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('failed_at', When, nullable=False),
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sign_in_failures')),
    )
    op.create_index(op.f('ix_web_sign_in_failures_failed_at'), 'web_sign_in_failures', ['failed_at'], unique=False)
    op.create_index('ix_web_sign_in_failures_key_time', 'web_sign_in_failures', ['key_hash', 'failed_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_web_sign_in_failures_key_time', table_name='web_sign_in_failures')
    op.drop_index(op.f('ix_web_sign_in_failures_failed_at'), table_name='web_sign_in_failures')
    op.drop_table('web_sign_in_failures')
    op.drop_index(op.f('ix_web_sessions_participant_id'), table_name='web_sessions')
    op.drop_index(op.f('ix_web_sessions_user_id'), table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_index(op.f('ix_web_sign_in_codes_participant_id'), table_name='web_sign_in_codes')
    op.drop_table('web_sign_in_codes')
    op.drop_index(op.f('ix_web_invitations_user_id'), table_name='web_invitations')
    op.drop_table('web_invitations')
    op.drop_index(op.f('ix_web_users_status'), table_name='web_users')
    op.drop_table('web_users')
