"""Imports from spreadsheets: no schema change (each import is an audit event; "already there" is read from the ledger)

Kept in the chain (0011 <- 0012 <- 0013) so every database passes through the same revisions. Imports need
no table of their own: a row is "already there" when the ledger has a record for the same person, project,
date and activity, and each import is one ``import.<kind>`` audit event naming the file by its SHA-256.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
