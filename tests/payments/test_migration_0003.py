"""Migration 0003 carries existing batches forward: old lines get their payee's details, and a ledger
that already holds two approvals of one record is stopped with the record named (on both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from ledger.db.engine import make_engine
from ledger.db.migrate import upgrade
from ledger.db.models import BatchLine

PARTICIPANT = ("INSERT INTO participants (reference, name, payment_preference, bank_account_name, bank_sort_code, "
               "bank_account_number, organisation_name, organisation_reference, statement_style, created_at, "
               "updated_at) VALUES (:ref, :name, :pref, :acct_name, :sort, :acct, :org, :org_ref, 'standard', "
               "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
BATCH = ("INSERT INTO batches (reference, method, status, currency, total_minor, created_at) "
         "VALUES (:ref, :method, 'approved', 'GBP', 2000, CURRENT_TIMESTAMP)")
LINE = ("INSERT INTO batch_lines (batch_id, participant_id, payee_name, payment_reference, amount_minor, "
        "fees_minor, expenses_minor, status) VALUES (:b, :p, :payee, 'INV B0001 P0001', 2000, 2000, 0, 'pending')")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'old.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    made = make_engine(url)
    try:
        upgrade(made, "0002")
        yield made
    finally:
        made.dispose()


def _id(connection: object, table: str, reference: str) -> int:
    return int(connection.execute(text(f"SELECT id FROM {table} WHERE reference = :r"),  # type: ignore[attr-defined]
                                  {"r": reference}).scalar_one())


def test_old_lines_get_the_details_an_export_would_have_read(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(text(PARTICIPANT), [
            {"ref": "P-0001", "name": "Ann Example", "pref": "bank_transfer", "acct_name": "Ann Example",
             "sort": "089999", "acct": "66374958", "org": None, "org_ref": None},
            {"ref": "P-0002", "name": "Bob Example", "pref": "organisation", "acct_name": "Bob Example",
             "sort": "089999", "acct": "66374958", "org": "Carers Together", "org_ref": "CT-9"},
        ])
        c.execute(text(BATCH), [{"ref": "B-0001", "method": "bank_transfer"},
                                {"ref": "B-0002", "method": "organisation"}])
        c.execute(text(LINE), [
            {"b": _id(c, "batches", "B-0001"), "p": _id(c, "participants", "P-0001"), "payee": "Ann Example"},
            {"b": _id(c, "batches", "B-0002"), "p": _id(c, "participants", "P-0002"), "payee": "Carers Together"},
        ])
    upgrade(engine)
    with Session(engine) as s:
        bank, org = s.scalars(select(BatchLine).order_by(BatchLine.id)).all()
        raw = s.execute(text("SELECT bank_account_number FROM batch_lines ORDER BY id")).scalars().all()
    assert (bank.payment_preference, bank.bank_account_name, bank.bank_sort_code, bank.bank_account_number) == (
        "bank_transfer", "Ann Example", "089999", "66374958")
    assert bank.organisation_name is None
    # An organisation payment keeps the organisation, not the person's bank details.
    assert (org.payment_preference, org.organisation_name, org.organisation_reference) == (
        "organisation", "Carers Together", "CT-9")
    assert org.bank_account_number is None
    assert raw[0] is not None and raw[0].startswith("enc1:")  # 0004 encrypted the copied details


def test_two_approvals_of_one_record_stop_the_upgrade_with_the_record_named(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(text(PARTICIPANT), [{"ref": "P-0001", "name": "Ann", "pref": "voucher", "acct_name": None,
                                       "sort": None, "acct": None, "org": None, "org_ref": None}])
        c.execute(text("INSERT INTO projects (code, name, rate_card, currency, created_at) "
                       "VALUES ('PRJ', 'Project', 'nihr-style', 'GBP', CURRENT_TIMESTAMP)"))
        c.execute(text("INSERT INTO activities (project_id, date, activity, mode, created_at) "
                       "VALUES (:p, '2025-05-01', 'meeting', 'online', CURRENT_TIMESTAMP)"),
                  {"p": c.execute(text("SELECT id FROM projects")).scalar_one()})
        c.execute(text(
            "INSERT INTO records (activity_id, participant_id, role, involvement_minutes, preparation_minutes, "
            "follow_up_minutes, travel_minutes, status, created_at) "
            "VALUES (:a, :p, 'participant', 60, 0, 0, 0, 'approved', CURRENT_TIMESTAMP)"),
            {"a": c.execute(text("SELECT id FROM activities")).scalar_one(),
             "p": _id(c, "participants", "P-0001")})
        record_id = c.execute(text("SELECT id FROM records")).scalar_one()
        for _ in range(2):
            c.execute(text("INSERT INTO journal_entries (kind, booked_on, record_id, memo, created_at) "
                           "VALUES ('approval', '2025-05-01', :r, 'approved', CURRENT_TIMESTAMP)"), {"r": record_id})
    with pytest.raises(RuntimeError, match=f"records approved more than once: {record_id}"):
        upgrade(engine)
