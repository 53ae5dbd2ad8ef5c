"""One payment per batch; a paid batch stays paid; payee details sealed; who built and approved a batch

Revision ID: 0010
Revises: 0009

* A unique partial index allows one PAYMENT journal entry per batch (returns are RETURN entries and are
  unaffected). A database that already holds two payment entries for one batch stops the upgrade with
  the batch ids (see 'One payment per batch' in docs/payments.md).
* Triggers (both databases) refuse changing a batch's status backwards (draft -> approved -> exported ->
  paid) or out of ``paid``: a paid batch set back to ``exported`` by direct SQL could otherwise be
  exported and paid again. Plain ``CREATE TRIGGER`` statements and plain ``ADD COLUMN`` only: a SQLite
  batch-mode rebuild of ``batches`` would drop migration 0003's ``batches_money_fixed`` trigger.
* ``participants.payee_fingerprint``: a keyed seal over the confirmed payee details
  (``ledger.payments.payee_seal``). Existing participants are sealed here, in Python, with the keyring
  (migration 0004 already needs it, and the key is never in the database, so SQL alone cannot compute an
  HMAC). This trusts the details as they stand at the upgrade, as the ledger did until now; from here on a
  change made outside the ledger is caught.
* ``batches.created_by`` / ``approved_by``: the names of who built and approved a batch, so the CLI
  (which has no token) cannot build and approve alone. Existing batches keep NULL (the audit trail names
  them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PAYMENT_INDEX = "uq_journal_entries_one_payment"
STATUS_MESSAGE = ("a batch status only moves forward (draft, approved, exported, paid) and a paid batch stays "
                  "paid: build a new batch instead")
_RANK = "CASE {side}.status WHEN 'draft' THEN 0 WHEN 'approved' THEN 1 WHEN 'exported' THEN 2 WHEN 'paid' THEN 3 END"
_BACKWARDS = (f"({_RANK.format(side='NEW')}) < ({_RANK.format(side='OLD')}) "
              "OR (OLD.status = 'paid' AND NEW.status <> 'paid')")

SQLITE_STATUS_GUARD = (
    "CREATE TRIGGER batches_status_forward BEFORE UPDATE OF status ON batches "
    f"WHEN {_BACKWARDS} BEGIN SELECT RAISE(ABORT, '{STATUS_MESSAGE}'); END"
)
POSTGRES_STATUS_GUARD = [
    f"""
    CREATE OR REPLACE FUNCTION ledger_batches_status_forward() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{STATUS_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER batches_status_forward BEFORE UPDATE OF status ON batches "
    f"FOR EACH ROW WHEN ({_BACKWARDS}) EXECUTE FUNCTION ledger_batches_status_forward()",
]


def _refuse_double_payments() -> None:
    doubles = op.get_bind().execute(sa.text(
        "SELECT batch_id FROM journal_entries WHERE kind = 'payment' AND batch_id IS NOT NULL "
        "GROUP BY batch_id HAVING COUNT(*) > 1 ORDER BY batch_id"
    )).scalars().all()
    if doubles:
        listed = ", ".join(str(b) for b in doubles[:20])
        raise RuntimeError(
            f"batches posted as paid more than once: {listed}. The ledger now allows one payment entry per "
            "batch; see 'One payment per batch' in docs/payments.md before upgrading."
        )


def _seal_existing_participants() -> None:
    from ledger.payments.payee_seal import SEALED_FIELDS, payee_fingerprint
    from ledger.security.crypto import decrypt, is_encrypted
    from ledger.security.keys import prepare_keyring

    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT 1 FROM participants LIMIT 1")).first():
        return  # a new database: nothing to seal, and no key needed yet
    ring = prepare_keyring(bind.engine.url.render_as_string(hide_password=False))
    rows = bind.execute(sa.text(f"SELECT id, {', '.join(SEALED_FIELDS)} FROM participants")).mappings().all()
    for row in rows:
        values = {name: (decrypt(v, ring) if isinstance(v, str) and is_encrypted(v) else v)
                  for name, v in row.items() if name != "id"}
        bind.execute(sa.text("UPDATE participants SET payee_fingerprint = :seal WHERE id = :id"),
                     {"seal": payee_fingerprint(int(row["id"]), values, ring), "id": row["id"]})


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _refuse_double_payments()
    op.add_column('participants', sa.Column('payee_fingerprint', sa.String(length=64), nullable=True))
    op.add_column('batches', sa.Column('created_by', sa.String(length=200), nullable=True))
    op.add_column('batches', sa.Column('approved_by', sa.String(length=200), nullable=True))
    op.create_index(PAYMENT_INDEX, 'journal_entries', ['batch_id'], unique=True,
                    sqlite_where=sa.text("kind = 'payment'"), postgresql_where=sa.text("kind = 'payment'"))
    if dialect == "postgresql":
        for statement in POSTGRES_STATUS_GUARD:
            op.execute(statement)
    else:
        op.execute(SQLITE_STATUS_GUARD)
    _seal_existing_participants()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS batches_status_forward ON batches")
        op.execute("DROP FUNCTION IF EXISTS ledger_batches_status_forward()")
    else:
        op.execute("DROP TRIGGER IF EXISTS batches_status_forward")
    op.drop_index(PAYMENT_INDEX, table_name='journal_entries')
    # Plain DROP COLUMN (SQLite 3.35+), never a batch-mode rebuild: that would drop 0003's triggers.
    op.execute("ALTER TABLE batches DROP COLUMN approved_by")
    op.execute("ALTER TABLE batches DROP COLUMN created_by")
    op.execute("ALTER TABLE participants DROP COLUMN payee_fingerprint")
