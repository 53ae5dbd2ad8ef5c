"""Migration 0010 carries an existing ledger forward: its participants' payee details are sealed as they
stand (so batches keep paying them), and a ledger that already paid one batch twice is stopped with the
batch named (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from ledger.db.engine import make_engine
from ledger.db.migrate import upgrade
from ledger.db.models import Participant
from ledger.payments.payee_seal import seal_matches
from ledger.security.crypto import encrypt

PARTICIPANT = ("INSERT INTO participants (reference, name, payment_preference, bank_account_name, bank_sort_code, "
               "bank_account_number, organisation_name, organisation_reference, statement_style, created_at, "
               "updated_at) VALUES (:ref, :name, :pref, :acct_name, :sort, :acct, :org, :org_ref, 'standard', "
               "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
BATCH = ("INSERT INTO batches (reference, method, status, currency, total_minor, created_at) "
         "VALUES ('B-0001', 'bank_transfer', 'paid', 'GBP', 0, CURRENT_TIMESTAMP)")
PAYMENT = ("INSERT INTO journal_entries (kind, booked_on, batch_id, memo, created_at) "
           "VALUES ('payment', CURRENT_DATE, :b, 'Payment batch B-0001 paid', CURRENT_TIMESTAMP)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'old.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    made = make_engine(url)
    try:
        upgrade(made, "0009")
        yield made
    finally:
        made.dispose()


def test_existing_participants_are_sealed_as_they_stand(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(text(PARTICIPANT), [
            {"ref": "P-0001", "name": "Ann Example", "pref": "bank_transfer", "acct_name": encrypt("ANN EXAMPLE"),
             "sort": encrypt("089999"), "acct": encrypt("66374958"), "org": None, "org_ref": None},
            {"ref": "P-0002", "name": "Bob Example", "pref": "organisation", "acct_name": None,
             "sort": None, "acct": None, "org": "Carers Together", "org_ref": "CT-9"},
        ])
    upgrade(engine)
    with Session(engine) as s:
        people = s.scalars(select(Participant).order_by(Participant.id)).all()
        assert [seal_matches(p) for p in people] == [True, True]
        seals = [p.payee_fingerprint for p in people]
    assert all(seal is not None and len(seal) == 64 for seal in seals) and seals[0] != seals[1]


def test_a_batch_paid_twice_stops_the_upgrade_with_the_batch_named(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(text(BATCH))
        batch_id = c.execute(text("SELECT id FROM batches")).scalar_one()
        c.execute(text(PAYMENT), [{"b": batch_id}, {"b": batch_id}])
    with pytest.raises(RuntimeError, match=f"batches posted as paid more than once: {batch_id}"):
        upgrade(engine)
    with engine.begin() as c:  # the ledger can be repaired (see docs/payments.md), then upgraded
        revision = c.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert revision == "0009"
