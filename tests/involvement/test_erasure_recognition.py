"""Erasure and records of involvement: an issued record no longer names the person, and its code says
"withdrawn" (UK GDPR: after the retention period nothing in the database names them)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.clock import as_of
from ledger.db.models import Participant
from ledger.db.models_recognition import InvolvementRecord
from ledger.involvement.erasure import erase
from ledger.recognition.codes import verify_code
from ledger.recognition.record import issue_record

from .support import ADMIN
from .test_erasure import SECRETS, _where, paid_person  # noqa: F401  (paid_person is a fixture)


def test_erasure_withdraws_and_scrubs_records_of_involvement(session: Session, paid_person: Participant) -> None:  # noqa: F811
    with as_of(date(2022, 12, 1)):
        issued = issue_record(session, ADMIN, paid_person.id, include_amounts=True)
    assert issued.code is not None and "Zebbo" in str(
        session.scalars(select(InvolvementRecord.summary)).one()), "the record names them (preferred name) first"
    with as_of(date(2029, 4, 6)):
        erase(session, ADMIN, paid_person.id)
    session.flush()
    for secret in SECRETS:
        assert _where(session, secret) == [], f"{secret!r} is still in the database"
    row = session.scalars(select(InvolvementRecord)).one()
    assert row.withdrawn_at is not None and row.summary["participant_name"].startswith("Erased participant")
    # verify_code opens its own sessions: bind them to this test's connection inside a savepoint, so they
    # see the erasure without anything being committed (the PostgreSQL database is shared by the folder).
    factory = sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint")
    assert verify_code(factory, issued.code, "192.0.2.9").status == "withdrawn"
