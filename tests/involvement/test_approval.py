"""Approving, rejecting, reversing and correcting records: the money posted and the rules around it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.db.models import (
    AccountKind,
    AuditEvent,
    Batch,
    BatchItem,
    BatchLine,
    Category,
    EntryKind,
    JournalEntry,
    Posting,
    Record,
    RecordLine,
)
from ledger.errors import Conflict, Forbidden, Invalid
from ledger.involvement.approval import approve_record, correct_record, reject_record, reverse_record
from ledger.involvement.records import get_record, list_records
from ledger.involvement.schemas import CorrectionIn, MileageIn
from ledger.rates.contract import ExpenseRequest

from .support import APPROVER, AUDITOR, LEAD, account_sum, attendee, meeting, participant, project

P, F = AccountKind, Category


def one_record(session: Session, preference: str = "bank_transfer", on: date = date(2026, 1, 7),
               **extra: object) -> int:
    proj = project(session)
    person = participant(session, preference)
    made = meeting(session, proj.id, [attendee(person.id, 90, **extra)], on=on)  # type: ignore[arg-type]
    return made.records[0].id


def entry_legs(session: Session, record_id: int, kind: EntryKind = EntryKind.APPROVAL) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(Posting.account_kind, Posting.category, Posting.amount_minor)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(JournalEntry.record_id == record_id, JournalEntry.kind == kind)
    ).all()
    return {(kind_, cat): amount for kind_, cat, amount in rows}


PARKING = [ExpenseRequest(category="parking", amount="4.50")]


@pytest.mark.parametrize("preference", ["bank_transfer", "voucher", "organisation"])
def test_payable_preferences_owe_fees_and_expenses(session: Session, preference: str) -> None:
    record_id = one_record(session, preference, expenses=PARKING)
    out = approve_record(session, APPROVER, record_id)
    assert out.status == "approved" and out.warnings == []
    assert entry_legs(session, record_id) == {
        (P.PROJECT_SPEND, F.FEE): 4125, (P.PARTICIPANT_PAYABLE, F.FEE): -4125,
        (P.PROJECT_SPEND, F.EXPENSE): 450, (P.PARTICIPANT_PAYABLE, F.EXPENSE): -450,
    }


def test_expenses_only_recognises_fees_as_declined_and_owes_expenses(session: Session) -> None:
    record_id = one_record(session, "expenses_only", expenses=PARKING)
    approve_record(session, APPROVER, record_id)
    assert entry_legs(session, record_id) == {
        (P.PROJECT_FOREGONE, F.FEE): 4125, (P.PARTICIPANT_FOREGONE, F.FEE): -4125,
        (P.PROJECT_SPEND, F.EXPENSE): 450, (P.PARTICIPANT_PAYABLE, F.EXPENSE): -450,
    }


def test_decline_recognises_everything_and_owes_nothing(session: Session) -> None:
    record_id = one_record(session, "decline", expenses=PARKING)
    approve_record(session, APPROVER, record_id)
    assert entry_legs(session, record_id) == {
        (P.PROJECT_FOREGONE, F.FEE): 4125, (P.PARTICIPANT_FOREGONE, F.FEE): -4125,
        (P.PROJECT_FOREGONE, F.EXPENSE): 450, (P.PARTICIPANT_FOREGONE, F.EXPENSE): -450,
    }


def test_every_leg_carries_the_activity_date_and_the_fee_leg_the_recorded_minutes(session: Session) -> None:
    record_id = one_record(session, preparation_minutes=30, follow_up_minutes=10, travel_minutes=40)
    approve_record(session, APPROVER, record_id)
    postings = session.scalars(select(Posting).where(Posting.record_id == record_id)).all()
    assert {p.activity_date for p in postings} == {date(2026, 1, 7)}
    minutes = {(p.account_kind, p.category): p.minutes for p in postings}
    assert minutes[(P.PROJECT_SPEND, F.FEE)] == 90 + 30 + 10 + 40
    assert minutes[(P.PARTICIPANT_PAYABLE, F.FEE)] is None


@pytest.mark.parametrize(("on", "version", "fees"), [
    (date(2025, 12, 15), date(2022, 8, 31), "37.50"),
    (date(2025, 12, 16), date(2025, 12, 16), "41.25"),
])
def test_lines_are_stored_with_the_version_in_force_on_the_activity_date(
    session: Session, on: date, version: date, fees: str
) -> None:
    record_id = one_record(session, on=on)
    out = approve_record(session, APPROVER, record_id)
    assert out.quote is not None and (out.quote.version_from, out.quote.fees_total) == (version, fees)
    record = session.get(Record, record_id)
    assert record is not None
    assert (record.rate_card, record.version_from, record.currency) == ("nihr-style", version, "GBP")
    assert record.payment_preference_at_approval == "bank_transfer"
    lines = session.scalars(select(RecordLine).where(RecordLine.record_id == record_id)).all()
    assert [(line.kind, line.category, line.minutes) for line in lines] == [("involvement", "fee", 90)]
    assert lines[0].rate == ("25.00" if version.year == 2022 else "27.50")
    again = get_record(session, AUDITOR, record_id)
    assert again.quote == out.quote  # read back from the stored lines, not recalculated


def test_approving_twice_is_a_conflict_and_posts_once(session: Session) -> None:
    record_id = one_record(session)
    approve_record(session, APPROVER, record_id)
    with pytest.raises(Conflict):
        approve_record(session, APPROVER, record_id)
    entries = session.scalars(select(JournalEntry).where(JournalEntry.record_id == record_id)).all()
    assert len(entries) == 1


def test_the_recorder_never_decides_their_own_claim(session: Session) -> None:
    record_id = one_record(session)
    for decide in (lambda: approve_record(session, LEAD, record_id),
                   lambda: reject_record(session, LEAD, record_id, "no")):
        with pytest.raises(Forbidden) as exc:
            decide()
        assert "Ask a colleague" in exc.value.detail
    approve_record(session, APPROVER, record_id)
    with pytest.raises(Forbidden):
        reverse_record(session, LEAD, record_id, "oops")


def test_reject_needs_a_reason_and_only_a_submitted_record(session: Session) -> None:
    record_id = one_record(session)
    with pytest.raises(Invalid) as exc:
        reject_record(session, APPROVER, record_id, "   ")
    assert [p.field for p in exc.value.problems] == ["reason"]
    out = reject_record(session, APPROVER, record_id, "Wrong meeting date")
    assert (out.status, out.rejection_reason) == ("rejected", "Wrong meeting date")
    with pytest.raises(Conflict):
        reject_record(session, APPROVER, record_id, "again")
    with pytest.raises(Conflict):
        approve_record(session, APPROVER, record_id)
    assert entry_legs(session, record_id) == {}


def test_reverse_posts_a_linked_mirror_once(session: Session) -> None:
    record_id = one_record(session, expenses=PARKING)
    with pytest.raises(Conflict):
        reverse_record(session, APPROVER, record_id, "not approved yet")
    approve_record(session, APPROVER, record_id)
    with pytest.raises(Invalid):
        reverse_record(session, APPROVER, record_id, "")
    out = reverse_record(session, APPROVER, record_id, "Recorded for the wrong person")
    assert (out.status, out.reversal_reason) == ("reversed", "Recorded for the wrong person")
    approval = session.scalars(select(JournalEntry).where(JournalEntry.record_id == record_id,
                                                          JournalEntry.kind == EntryKind.APPROVAL)).one()
    reversal = session.scalars(select(JournalEntry).where(JournalEntry.kind == EntryKind.REVERSAL)).one()
    assert reversal.reverses_id == approval.id
    assert {k: -v for k, v in entry_legs(session, record_id).items()} == entry_legs(
        session, record_id, EntryKind.REVERSAL)
    assert account_sum(session, P.PARTICIPANT_PAYABLE, F.FEE, record_id=record_id) == 0
    with pytest.raises(Conflict) as exc:
        reverse_record(session, APPROVER, record_id, "again")
    assert "at most once" in exc.value.detail


def _lock_in_batch(session: Session, record_id: int, status: str) -> None:
    posting = session.scalars(select(Posting).where(
        Posting.record_id == record_id, Posting.account_kind == P.PARTICIPANT_PAYABLE)).first()
    assert posting is not None
    batch = Batch(reference=f"B-{record_id}-{status}", method="bank_transfer", status=status, currency="GBP")
    session.add(batch)
    session.flush()
    line = BatchLine(batch_id=batch.id, participant_id=posting.participant_id, payee_name="J SMITH",
                     payment_reference="REF", amount_minor=4125, fees_minor=4125, expenses_minor=0,
                     status="paid" if status == "paid" else "pending")
    session.add(line)
    session.flush()
    session.add(BatchItem(batch_line_id=line.id, posting_id=posting.id))
    session.flush()


def test_reverse_is_refused_while_the_money_sits_in_an_unpaid_batch(session: Session) -> None:
    record_id = one_record(session)
    approve_record(session, APPROVER, record_id)
    _lock_in_batch(session, record_id, "approved")
    with pytest.raises(Conflict) as exc:
        reverse_record(session, APPROVER, record_id, "mistake")
    assert "return the batch line first" in exc.value.detail


def test_reverse_after_payment_leaves_the_participant_owing_it_back(session: Session) -> None:
    record_id = one_record(session)
    approve_record(session, APPROVER, record_id)
    _lock_in_batch(session, record_id, "paid")
    assert reverse_record(session, APPROVER, record_id, "paid twice by mistake").status == "reversed"
    assert account_sum(session, P.PARTICIPANT_PAYABLE, F.FEE, record_id=record_id) == 0


def test_correction_flow(session: Session) -> None:
    record_id = one_record(session)
    with pytest.raises(Conflict):
        correct_record(session, LEAD, record_id, CorrectionIn(involvement_minutes=60))
    approve_record(session, APPROVER, record_id)
    with pytest.raises(Conflict):
        correct_record(session, LEAD, record_id, CorrectionIn(involvement_minutes=60))
    reverse_record(session, APPROVER, record_id, "It was a one hour meeting")
    with pytest.raises(Invalid) as exc:
        correct_record(session, LEAD, record_id, CorrectionIn(
            involvement_minutes=60, expenses=[ExpenseRequest(category="taxi", amount="30.00")]))
    assert [p.field for p in exc.value.problems] == ["expenses[0].receipt"]
    fixed = correct_record(session, LEAD, record_id, CorrectionIn(involvement_minutes=60))
    assert (fixed.status, fixed.quote.fees_total) == ("submitted", "27.50")
    with pytest.raises(Conflict):
        correct_record(session, LEAD, record_id, CorrectionIn(involvement_minutes=45))
    new = session.get(Record, fixed.id)
    old = session.get(Record, record_id)
    assert new is not None and old is not None
    assert (new.corrects_record_id, new.activity_id, new.participant_id) == (
        record_id, old.activity_id, old.participant_id)
    approve_record(session, APPROVER, fixed.id)
    assert account_sum(session, P.PARTICIPANT_PAYABLE, F.FEE, participant_id=new.participant_id) == -2750


def _chair_with_everything(session: Session) -> int:
    """A chair's approved-then-reversed record with follow-up, mileage and two expenses."""
    person = participant(session)
    record_id = meeting(session, project(session).id, [attendee(
        person.id, 90, role="chair", preparation_minutes=60, follow_up_minutes=30,
        mileage=MileageIn("car", 14, passengers=1),
        expenses=[ExpenseRequest(category="taxi", amount="18.40", receipt="Uber 4471"),
                  ExpenseRequest(category="parking", amount="4.50")],
    )]).records[0].id
    approve_record(session, APPROVER, record_id)
    reverse_record(session, APPROVER, record_id, "The meeting lasted 60 minutes, not 90.")
    return record_id


def test_a_correction_changes_only_what_is_sent(session: Session) -> None:
    record_id = _chair_with_everything(session)
    fixed = correct_record(session, LEAD, record_id, CorrectionIn(involvement_minutes=60))
    new = session.get(Record, fixed.id)
    assert new is not None
    # Everything not sent is kept: the role (still paid as chair), preparation, follow-up, mileage, expenses.
    assert (new.role, new.involvement_minutes, new.preparation_minutes, new.follow_up_minutes) == (
        "chair", 60, 60, 30)
    assert (new.mileage_vehicle, new.mileage_miles, new.mileage_passengers) == ("car", 14, 1)
    assert [(e.category, e.amount_minor, e.receipt) for e in new.expenses] == [
        ("taxi", 1840, "Uber 4471"), ("parking", 450, None)]
    lines = {line.kind: line for line in fixed.quote.lines}
    assert lines["involvement"].rate == "41.25"  # £27.50 x 1.5 for the chair, not £27.50
    # The approver sees what changed, field by field, with the old and new amounts.
    assert fixed.changes is not None and fixed.changes.corrects_record == record_id
    assert [(c.field, c.old, c.new) for c in fixed.changes.fields] == [("involvement_minutes", "1 h 30 min", "1 h")]
    fees = fixed.changes.amounts[0]
    # Before: 90 min at £41.25 = £61.88 + 60 min + 30 min at £27.50 = £41.25 -> £103.13.
    # After: 60 min at £41.25 = £41.25 + £41.25 -> £82.50.
    assert (fees.what, fees.old, fees.new, fees.difference) == ("fees", "103.13", "82.50", "-20.63")
    assert [a.what for a in fixed.changes.amounts] == ["fees", "expenses", "total"]
    assert fixed.changes.amounts[1].difference == "0.00"


def test_a_correction_clears_a_field_only_on_purpose(session: Session) -> None:
    record_id = _chair_with_everything(session)
    fixed = correct_record(session, LEAD, record_id, CorrectionIn(mileage=None, expenses=[], role="member"))
    new = session.get(Record, fixed.id)
    assert new is not None
    assert (new.role, new.involvement_minutes, new.follow_up_minutes) == ("member", 90, 30)
    assert new.mileage_vehicle is None and new.expenses == []
    assert fixed.quote.expenses_total == "0.00"
    assert fixed.changes is not None
    changed = {c.field: (c.old, c.new) for c in fixed.changes.fields}
    assert changed == {
        "role": ("chair", "member"),
        "mileage": ("car, 14 miles, 1 passenger", "none"),
        "expenses": ("taxi £18.40 (receipt Uber 4471); parking £4.50", "none"),
    }
    expenses = fixed.changes.amounts[1]
    # 14 miles at 45p = £6.30 + 14 passenger miles at 5p = £0.70 + £18.40 + £4.50 = £29.90.
    assert (expenses.old, expenses.new, expenses.difference) == ("29.90", "0.00", "-29.90")


def test_the_approval_queue_shows_what_a_correction_changes(session: Session) -> None:
    record_id = _chair_with_everything(session)
    fixed = correct_record(session, LEAD, record_id, CorrectionIn(
        follow_up_minutes=0, expenses=[ExpenseRequest(category="parking", amount="6.00")]))
    queue = list_records(session, APPROVER, limit=10, offset=0, status="submitted")
    shown, = queue.items
    assert shown.id == fixed.id and shown.changes is not None
    assert [(c.field, c.old, c.new) for c in shown.changes.fields] == [
        ("follow_up_minutes", "30 min", "0 min"),
        ("expenses", "taxi £18.40 (receipt Uber 4471); parking £4.50", "parking £6.00"),
    ]
    assert get_record(session, APPROVER, fixed.id).changes == shown.changes
    original = get_record(session, APPROVER, record_id)
    assert original.changes is None  # only a correction has changes
    # Once approved, the stored lines are compared (not recalculated).
    approved = approve_record(session, APPROVER, fixed.id)
    assert approved.changes == shown.changes


def test_a_correction_that_changes_nothing_is_refused(session: Session) -> None:
    record_id = one_record(session)
    reject_record(session, APPROVER, record_id, "The date was wrong")
    for same in (CorrectionIn(), CorrectionIn(involvement_minutes=90, role="member")):
        with pytest.raises(Invalid) as caught:
            correct_record(session, LEAD, record_id, same)
        assert [p.field for p in caught.value.problems] == ["body"]
        assert f"the same as record {record_id}" in caught.value.detail
    assert session.scalar(select(Record.id).where(Record.corrects_record_id == record_id)) is None


def test_mileage_beyond_the_threshold_counts_approved_miles_earlier_in_the_tax_year(session: Session) -> None:
    proj = project(session)
    person = participant(session)
    first = meeting(session, proj.id, [attendee(person.id, 60, mileage=MileageIn("car", 9_990))],
                    on=date(2025, 6, 1)).records[0].id
    second = meeting(session, proj.id, [attendee(person.id, 60, mileage=MileageIn("car", 20))],
                     on=date(2025, 7, 1)).records[0].id
    next_year = meeting(session, proj.id, [attendee(person.id, 60, mileage=MileageIn("car", 20))],
                        on=date(2026, 4, 6)).records[0].id
    approve_record(session, APPROVER, first)
    out = approve_record(session, APPROVER, second)
    assert out.quote is not None
    mileage = [(line.quantity, line.rate) for line in out.quote.lines if line.kind == "mileage"]
    assert mileage == [(10, "0.45"), (10, "0.25")]
    assert out.quote.expenses_total == "7.00"
    later = approve_record(session, APPROVER, next_year)  # a new tax year, and HMRC's 55p car rate
    assert later.quote is not None and later.quote.expenses_total == "11.00"


@pytest.mark.parametrize(("on", "rate", "total"), [(date(2026, 4, 5), "0.45", "4.50"),
                                                    (date(2026, 4, 6), "0.55", "5.50")])
def test_a_car_journey_is_approved_at_the_hmrc_rate_in_force_on_its_date(
    session: Session, on: date, rate: str, total: str
) -> None:
    person = participant(session)
    record_id = meeting(session, project(session).id, [attendee(person.id, 60, mileage=MileageIn("car", 10))],
                        on=on).records[0].id
    out = approve_record(session, APPROVER, record_id)
    assert out.quote is not None
    assert [(line.quantity, line.rate, line.amount) for line in out.quote.lines if line.kind == "mileage"] == [
        (10, rate, total)]
    assert account_sum(session, P.PARTICIPANT_PAYABLE, F.EXPENSE, participant_id=person.id) == -int(
        Decimal(total) * 100)


def test_every_state_change_is_audited(session: Session) -> None:
    record_id = one_record(session)
    approve_record(session, APPROVER, record_id)
    reverse_record(session, APPROVER, record_id, "mistake")
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "record",
                                                              AuditEvent.entity_id == str(record_id))).all()
    assert actions == ["record.approve", "record.reverse"]


def test_records_list_is_scoped_and_filtered(session: Session) -> None:
    from ledger.db.models import Role
    from ledger.security.actor import Actor

    record_id = one_record(session)
    other_proj = project(session, "OTHER")
    other = meeting(session, other_proj.id, [attendee(participant(session, name="B").id)]).records[0].id
    scoped = Actor(token_id=11, name="scoped", role=Role.LEAD, project_ids=(other_proj.id,))
    assert [r.id for r in list_records(session, scoped, limit=10, offset=0).items] == [other]
    with pytest.raises(Forbidden):
        get_record(session, scoped, record_id)
    everyone = list_records(session, AUDITOR, limit=10, offset=0, status="submitted")
    assert everyone.total == 2 and [r.id for r in everyone.items] == [other, record_id]
    with pytest.raises(Invalid):
        list_records(session, AUDITOR, limit=10, offset=0, status="pending")
