"""Retention and erasure (UK GDPR): a participant's personal details end six tax years after their last
payment; erasing before then is refused with the date it becomes possible; afterwards their name is
nowhere in the database while every amount, reference and balance stays as it was.

The story runs on the ledger's clock (``ledger.clock.as_of``): Zebedee is paid in October 2022 (tax
year 2022 to 2023, which ends on 5 April 2023), so the details are kept until 5 April 2029 and can be
erased from 6 April 2029.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from payments.factory import EXAMPLE_ORGANISATION
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from ledger.clock import as_of
from ledger.db.models import (
    AccountKind,
    ApiToken,
    Batch,
    BatchLine,
    IdempotencyRecord,
    Participant,
    PayeeChange,
    PayeeChangeStatus,
    Posting,
    Record,
    WatchLimit,
)
from ledger.errors import Conflict, Forbidden
from ledger.involvement.approval import approve_record
from ledger.involvement.balances import participant_balance
from ledger.involvement.erasure import (
    RetentionNotEnded,
    erasable_participants,
    erase,
    retention_end_for,
    retention_ends,
    retention_of,
    retention_report,
)
from ledger.involvement.participants import update_participant
from ledger.involvement.schemas import BankIn, ParticipantUpdate, WatchLimitIn
from ledger.organisation import save_organisation
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.security.actor import Actor
from ledger.security.tokens import create_token

from .support import ADMIN, APPROVER, AUDITOR, FINANCE, LEAD, attendee, meeting, participant, project

NAME = "Zebedee Quillfeather"
SECRETS = (NAME, "Zebedee", "Quillfeather", "Zebbo", "zebedee@example.org", "07700 900123", "Z QUILLFEATHER")
FINANCE_TWO = Actor(token_id=6, name="Fran Finance", role="finance")  # type: ignore[arg-type]


def _text_values(session: Session) -> dict[str, list[str]]:
    """Every text-like value of every column of every table, as the database holds it."""
    found: dict[str, list[str]] = {}
    for table in inspect(session.connection()).get_table_names():
        rows = session.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
        values: list[str] = []
        for row in rows:
            for value in row.values():
                if isinstance(value, str):
                    values.append(value)
                elif isinstance(value, bytes | memoryview):
                    values.append(bytes(value).decode("utf-8", "replace"))
                elif isinstance(value, dict | list):
                    values.append(json.dumps(value, ensure_ascii=False))
        found[table] = values
    return found


def _where(session: Session, needle: str) -> list[str]:
    lowered = needle.lower()
    return sorted({table for table, values in _text_values(session).items()
                   if any(lowered in value.lower() for value in values)})


def _money_picture(session: Session, person_id: int) -> dict[str, Any]:
    full = participant_balance(session, ADMIN, person_id)
    balance = (full.owed, full.paid, full.declined, full.other_currencies)  # money only: watch limits go
    sums = session.execute(
        select(Posting.account_kind, Posting.category, func.sum(Posting.amount_minor))
        .group_by(Posting.account_kind, Posting.category).order_by(Posting.account_kind, Posting.category)
    ).all()
    batches = session.execute(select(Batch.reference, Batch.total_minor, Batch.status).order_by(Batch.id)).all()
    lines = session.execute(select(BatchLine.payment_reference, BatchLine.amount_minor, BatchLine.status)
                            .order_by(BatchLine.id)).all()
    records = session.execute(select(Record.id, Record.status, Record.fees_minor, Record.expenses_minor)
                              .order_by(Record.id)).all()
    return {"balance": balance, "sums": [tuple(r) for r in sums], "batches": [tuple(b) for b in batches],
            "lines": [tuple(li) for li in lines], "records": [tuple(r) for r in records]}


@pytest.fixture
def paid_person(session: Session) -> Participant:
    """Zebedee: one meeting in October 2022, paid by bank transfer on 10 October 2022, then a pending bank change."""
    save_organisation(session, EXAMPLE_ORGANISATION)  # batches need the organisation's details
    with as_of(date(2022, 10, 1)):
        proj = project(session)
        person = participant(session, name=NAME, watch=[WatchLimitIn(period="week", amount="196.00",
                                                                      label="Carer's Allowance earnings limit")])
        update_participant(session, LEAD, person.id, ParticipantUpdate(
            preferred_name="Zebbo", email="zebedee@example.org", phone="07700 900123"))
    with as_of(date(2022, 10, 3)):
        created = meeting(session, proj.id, [attendee(person.id, 120)], on=date(2022, 10, 3))
        approve_record(session, APPROVER, created.records[0].id)
    with as_of(date(2022, 10, 10)):
        batch = build_batch(session, FINANCE, "bank_transfer").batch
        approve_batch(session, FINANCE_TWO, batch.id)
        mark_paid(session, FINANCE, batch.id, date(2022, 10, 10))
    with as_of(date(2022, 11, 1)):  # a pending change of bank details, never confirmed
        update_participant(session, LEAD, person.id, ParticipantUpdate(
            bank=BankIn(account_name="Z QUILLFEATHER", sort_code="20-00-00", account_number="55779911")))
    token, _secret = create_token(session, "Zebedee's phone", "participant", None, person.id)
    session.add(IdempotencyRecord(token_id=token.id, key="k1", method="PATCH", path="/participants",
                                  request_hash="0" * 64, status_code=200, content_type="application/json",
                                  response_body=json.dumps({"name": NAME}).encode()))
    session.flush()
    return person


def test_the_period_ends_six_tax_years_after_the_last_payment(session: Session, paid_person: Participant) -> None:
    retention = retention_of(session, paid_person)
    assert retention.last_payment == date(2022, 10, 10)
    assert retention.counted_from == date(2022, 10, 10)  # a later change of bank details is not activity
    assert retention.retention_ends == date(2029, 4, 5) == retention_ends(paid_person)
    assert retention.erasable_from == date(2029, 4, 6)
    # The tax year boundary: a payment on 5 April belongs to the year before, one on 6 April to the next.
    assert retention_end_for(date(2020, 4, 5), 6) == date(2026, 4, 5)
    assert retention_end_for(date(2020, 4, 6), 6) == date(2027, 4, 5)


def test_erasure_before_the_period_ends_is_refused_naming_the_date(session: Session, paid_person: Participant) -> None:
    before = _money_picture(session, paid_person.id)
    with as_of(date(2029, 4, 5)), pytest.raises(RetentionNotEnded) as refused:
        erase(session, ADMIN, paid_person.id)
    assert "6 April 2029" in refused.value.detail and paid_person.reference in refused.value.detail
    assert refused.value.erasable_from == date(2029, 4, 6)
    assert NAME not in refused.value.detail
    session.refresh(paid_person)
    assert paid_person.name == NAME and paid_person.erased_at is None
    assert _money_picture(session, paid_person.id) == before
    with as_of(date(2029, 4, 5)):
        assert erasable_participants(session, ADMIN) == []


def test_erasure_after_the_period_leaves_no_trace_of_the_person(session: Session, paid_person: Participant) -> None:
    person_id, reference = paid_person.id, paid_person.reference
    assert _where(session, NAME), "the scan must find the name before erasure, or it proves nothing"
    before = _money_picture(session, person_id)
    with as_of(date(2029, 4, 6)):
        assert [r.participant_id for r in erasable_participants(session, ADMIN)] == [person_id]
        done = erase(session, ADMIN, person_id)
    assert done.reference == reference and done.payee_changes >= 1 and done.batch_lines == 1 and done.tokens == 1
    assert done.replays == 1
    session.expire_all()
    person = session.get(Participant, person_id)
    assert person is not None
    assert person.name == f"Erased participant {reference}"
    assert (person.preferred_name, person.email, person.phone) == (None, None, None)
    assert (person.bank_account_name, person.bank_sort_code, person.bank_account_number) == (None, None, None)
    assert session.scalar(select(func.count()).select_from(WatchLimit).where(
        WatchLimit.participant_id == person_id)) == 0
    line = session.scalars(select(BatchLine).where(BatchLine.participant_id == person_id)).one()
    assert line.payee_name == person.name and line.bank_account_number is None and line.bank_account_name is None
    changes = session.scalars(select(PayeeChange).where(PayeeChange.participant_id == person_id)).all()
    assert all(c.bank_account_number is None and c.bank_account_name is None for c in changes)
    assert all(c.status != PayeeChangeStatus.PENDING for c in changes)
    token = session.scalars(select(ApiToken).where(ApiToken.participant_id == person_id)).one()
    assert token.revoked_at is not None and "Zebedee" not in token.name
    for secret in SECRETS:
        assert _where(session, secret) == [], f"{secret!r} is still in the database"
    # Amounts, references, records, batches and the balance are exactly as before.
    assert _money_picture(session, person_id) == before
    event = session.execute(text(
        "SELECT action, entity_id FROM audit_events ORDER BY id DESC LIMIT 1")).one()
    assert tuple(event) == ("participant.erase", str(person_id))


def test_someone_still_owed_money_or_waiting_is_never_erased(session: Session) -> None:
    with as_of(date(2022, 9, 5)):
        proj = project(session)
        owed = participant(session, name="Owen Owed")
        waiting = participant(session, name="Wanda Waiting")
        created = meeting(session, proj.id, [attendee(owed.id, 60), attendee(waiting.id, 60)], on=date(2022, 9, 5))
        approve_record(session, APPROVER, created.records[0].id)
    with as_of(date(2035, 6, 1)):
        for person, why in ((owed, "still owed"), (waiting, "waiting for a decision")):
            with pytest.raises(Conflict) as refused:
                erase(session, ADMIN, person.id)
            assert why in refused.value.detail and not isinstance(refused.value, RetentionNotEnded)
        assert erasable_participants(session, ADMIN) == []
        report = {r.participant_id: r for r in retention_report(session, ADMIN)}
        assert report[owed.id].blocked_by and "£" in (report[owed.id].blocked_by or "")


def test_someone_never_paid_counts_from_their_last_activity(session: Session) -> None:
    with as_of(date(2022, 9, 1)):
        proj = project(session)
        never = participant(session, name="Nell Neverpaid", preference="decline")
    with as_of(date(2023, 5, 2)):
        created = meeting(session, proj.id, [attendee(never.id, 60)], on=date(2023, 5, 2))
        approve_record(session, APPROVER, created.records[0].id)  # fee declined: nothing owed
    retention = retention_of(session, never)
    assert retention.last_payment is None and retention.last_activity == date(2023, 5, 2)
    assert retention.retention_ends == date(2030, 4, 5) and "never paid" in retention.basis
    with as_of(date(2022, 9, 1)):
        added_only = participant(session, name="Adam Addedonly", preference="voucher")
    assert retention_of(session, added_only).counted_from == date(2022, 9, 1)


def test_only_an_administrator_erases_and_only_once(session: Session, paid_person: Participant) -> None:
    with as_of(date(2029, 5, 1)):
        for actor in (LEAD, FINANCE, AUDITOR):
            with pytest.raises(Forbidden):
                erase(session, actor, paid_person.id)
            with pytest.raises(Forbidden):
                retention_report(session, actor)
        erase(session, ADMIN, paid_person.id)
        with pytest.raises(Conflict) as again:
            erase(session, ADMIN, paid_person.id)
    assert "already erased" in again.value.detail


def test_the_number_of_years_is_configurable(session: Session, paid_person: Participant,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_RETENTION_YEARS", "7")
    assert retention_of(session, paid_person).retention_ends == date(2030, 4, 5)
    monkeypatch.setenv("LEDGER_RETENTION_YEARS", "six")
    from ledger.settings import SettingError

    with pytest.raises(SettingError, match="LEDGER_RETENTION_YEARS"):
        retention_of(session, paid_person)


def test_line_status_of_the_erased_persons_payment_is_unchanged(session: Session, paid_person: Participant) -> None:
    with as_of(date(2030, 1, 1)):
        erase(session, ADMIN, paid_person.id)
    payable = session.scalar(select(func.sum(Posting.amount_minor)).where(
        Posting.participant_id == paid_person.id, Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE))
    assert payable == 0


def test_an_erased_participant_cannot_be_filled_in_again(session: Session, paid_person: Participant) -> None:
    with as_of(date(2029, 4, 6)):
        erase(session, ADMIN, paid_person.id)
        with pytest.raises(Conflict) as refused:
            update_participant(session, LEAD, paid_person.id, ParticipantUpdate(email="back@example.org"))
    assert "was erased" in refused.value.detail
    assert _where(session, "back@example.org") == []
