"""Audit trail keyed with an HMAC; TRUNCATE refused

Revision ID: 0005
Revises: 0004

* ``audit_events.hash_scheme`` says how each event's hash was made. Events written before this revision
  keep ``sha256`` (their hashes cannot be recomputed with a key without rewriting the trail, which is
  exactly what the trail forbids); every event written from now on is ``hmac-sha256``, keyed with a secret
  kept outside the database (``ledger.security.keys.audit_chain_key``). ``ledger.audit.chain`` explains
  why plain events are accepted only as the oldest part of the trail.
* On PostgreSQL, ``TRUNCATE`` is refused on every append-only table (row triggers do not fire for it).
  SQLite has no ``TRUNCATE``: ``DELETE FROM`` is already refused by its row triggers.

Adding the column is a plain ``ADD COLUMN`` with a constant default on both databases: no row is
rewritten (on PostgreSQL 11+ it is metadata only) so the append-only triggers do not fire, and on SQLite
the table is not rebuilt (a batch rebuild would drop its triggers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.db.guards import postgres_truncate_statements

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The append-only tables as they are at this revision (later revisions pass their own through
# ``ledger.db.guards.statements_for``, which includes the TRUNCATE guard).
APPEND_ONLY = ("journal_entries", "postings", "record_lines", "audit_events", "batch_items")


def upgrade() -> None:
    op.add_column(
        "audit_events",
        sa.Column("hash_scheme", sa.String(length=16), nullable=False, server_default="sha256"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in postgres_truncate_statements(APPEND_ONLY):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    with op.batch_alter_table("audit_events", recreate="never") as batch_op:
        batch_op.drop_column("hash_scheme")
