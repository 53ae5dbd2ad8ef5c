"""Payment batches as a finance officer meets them: build, approve, export, pay, return, re-batch."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import (
    AccountKind,
    BatchItem,
    EntryKind,
    JournalEntry,
    Posting,
)
from ledger.errors import Conflict, Forbidden, Invalid, NotFound
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.payments.returns import return_line
from ledger.security.actor import Actor
from payments.factory import approve, export_file, participant, project, reverse

CLI = Actor.system("cli")
CHECKER = Actor.system("checker")  # a second person: the builder may not approve
MAY = date(2025, 5, 1)


def payable_balance(session: Session, participant_id: int) -> int:
    """What we owe the person (credit balance of their payable account), summed independently."""
    total = session.scalar(select(func.coalesce(func.sum(Posting.amount_minor), 0)).where(
        Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE, Posting.participant_id == participant_id))
    return -int(total or 0)


def test_one_line_per_payee_netted_with_fees_and_expenses_apart(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        ann = participant(s, "Ann Example")
        bob = participant(s, "Bob Example", "expenses_only")
        participant(s, "Vic Voucher", "voucher")
        approve(s, ann, proj, MAY, 3438, 1250)
        approve(s, ann, proj, MAY + timedelta(days=7), 2750)
        approve(s, bob, proj, MAY, 0, 880)
        outcome = build_batch(s, CLI, "bank_transfer")
        batch = outcome.batch
        lines = {line.participant_id: line for line in batch.lines}
        assert batch.reference == f"B-{batch.id:04d}" and batch.status == "draft"
        assert set(lines) == {ann.id, bob.id}
        ann_line = lines[ann.id]
        assert (ann_line.fees_minor, ann_line.expenses_minor, ann_line.amount_minor) == (6188, 1250, 7438)
        assert (lines[bob.id].fees_minor, lines[bob.id].expenses_minor) == (0, 880)
        assert batch.total_minor == 7438 + 880
        assert lines[ann.id].payee_name == "Ann Example"
        ref = lines[ann.id].payment_reference
        assert len(ref) <= 18 and ref == f"NHC PAY B{batch.id:04d}"
        assert outcome.skipped == ()
        locked = s.scalar(select(func.count()).select_from(BatchItem)) or 0
        assert locked == 4  # Ann: two fee credits and one expense credit; Bob: one expense credit


def test_reversed_record_nets_to_zero_and_stays_unbatched(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        ann, bob = participant(s, "Ann"), participant(s, "Bob")
        wrong = approve(s, ann, proj, MAY, 3000)
        reverse(s, wrong, MAY)
        approve(s, bob, proj, MAY, 1000)
        batch = build_batch(s, CLI, "bank_transfer").batch
        assert [line.participant_id for line in batch.lines] == [bob.id]
        ann_locked = s.scalar(select(func.count()).select_from(BatchItem)
                              .join(Posting, Posting.id == BatchItem.posting_id)
                              .where(Posting.participant_id == ann.id))
        assert ann_locked == 0


def test_payee_without_usable_bank_details_is_listed_not_dropped(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        good = participant(s, "Good Details")
        bad = participant(s, "Typo Details", sort_code="089999", account="66374959")  # fails the modulus check
        missing = participant(s, "No Details", sort_code=None, account=None)
        for person in (good, bad, missing):
            approve(s, person, proj, MAY, 2000)
        outcome = build_batch(s, CLI, "bank_transfer")
        assert [line.participant_id for line in outcome.batch.lines] == [good.id]
        reasons = {sk.participant_id: sk.reason for sk in outcome.skipped}
        assert set(reasons) == {bad.id, missing.id}
        assert "modulus" in reasons[bad.id]
        assert "missing" in reasons[missing.id]
        assert all(sk.amount == Decimal("20.00") for sk in outcome.skipped)
    with transaction(factory) as s:  # their postings are still free for a later batch
        assert s.scalar(select(func.count()).select_from(BatchItem)) == 1


def test_nothing_payable_is_a_clear_422_and_writes_nothing(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        approve(s, participant(s, "Vic", "voucher"), proj, MAY, 1500)
        with pytest.raises(Invalid, match="nothing is owed to anyone paid by bank transfer"):
            build_batch(s, CLI, "bank_transfer")
        with pytest.raises(Invalid, match="not a payment method"):
            build_batch(s, CLI, "cheque")
        with pytest.raises(NotFound):
            build_batch(s, CLI, "voucher", project_id=9999)


def test_project_and_up_to_filters(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        one, two = project(s, "ONE"), project(s, "TWO")
        ann = participant(s, "Ann")
        approve(s, ann, one, MAY, 1000)
        approve(s, ann, two, MAY, 2000)
        approve(s, ann, one, MAY + timedelta(days=40), 4000)
        batch = build_batch(s, CLI, "bank_transfer", project_id=one.id, up_to=MAY + timedelta(days=1)).batch
        assert batch.total_minor == 1000
        rest = build_batch(s, CLI, "bank_transfer").batch
        assert rest.total_minor == 6000


def test_state_machine_errors_are_conflicts(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        ann = participant(s, "Ann")
        approve(s, ann, proj, MAY, 3438)
        batch = build_batch(s, CLI, "bank_transfer").batch
        line_id = batch.lines[0].id
        with pytest.raises(Conflict, match="only be marked paid when it is approved or exported"):
            mark_paid(s, CLI, batch.id, date.today())
        with pytest.raises(Conflict, match="only be exported when it is approved"):
            export_file(s, CLI, batch.id, "csv")
        with pytest.raises(Invalid, match="unknown export format"):
            export_file(s, CLI, batch.id, "pdf")
        with pytest.raises(Conflict, match="not paid"):
            return_line(s, CLI, batch.id, line_id, "account closed")
        approve_batch(s, CHECKER, batch.id)
        with pytest.raises(Conflict, match="only be approved when it is a draft"):
            approve_batch(s, CHECKER, batch.id)
        with pytest.raises(Invalid, match="in the future"):
            mark_paid(s, CLI, batch.id, date.today() + timedelta(days=3))
        mark_paid(s, CLI, batch.id, date.today())
        with pytest.raises(Conflict, match="already paid"):
            export_file(s, CLI, batch.id, "csv")
        with pytest.raises(Invalid, match="say why"):
            return_line(s, CLI, batch.id, line_id, "   ")
        with pytest.raises(NotFound):
            return_line(s, CLI, batch.id, 999999, "closed")
        return_line(s, CLI, batch.id, line_id, "account closed")
        with pytest.raises(Conflict, match="only a paid line can be returned, and only once"):
            return_line(s, CLI, batch.id, line_id, "again")


def test_the_token_that_built_a_batch_cannot_approve_it(factory: sessionmaker[Session]) -> None:
    from ledger.db.models import Role

    builder = Actor(token_id=7, name="finance one", role=Role.FINANCE)
    checker = Actor(token_id=8, name="finance two", role=Role.FINANCE)
    with transaction(factory) as s:
        approve(s, participant(s, "Ann"), project(s), MAY, 1000)
        batch = build_batch(s, builder, "bank_transfer").batch
        with pytest.raises(Forbidden, match="someone else must check"):
            approve_batch(s, builder, batch.id)
        assert approve_batch(s, checker, batch.id).status == "approved"


def test_paid_return_and_rebatch(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        ann, bob = participant(s, "Ann"), participant(s, "Bob")
        approve(s, ann, proj, MAY, 3438, 1250)
        approve(s, bob, proj, MAY, 2000)
        first = build_batch(s, CLI, "bank_transfer").batch
        approve_batch(s, CHECKER, first.id)
        export_file(s, CLI, first.id, "bank-csv")
        mark_paid(s, CLI, first.id, date.today())
        assert first.status == "paid" and all(line.status == "paid" for line in first.lines)
        assert payable_balance(s, ann.id) == 0 and payable_balance(s, bob.id) == 0
        payment = s.scalars(select(JournalEntry).where(JournalEntry.kind == EntryKind.PAYMENT)).one()
        assert sum(p.amount_minor for p in payment.postings) == 0
        clearing = sum(p.amount_minor for p in payment.postings if p.account_kind == AccountKind.PAYMENTS_CLEARING)
        assert clearing == -(4688 + 2000)
        with pytest.raises(Invalid, match="nothing is owed"):
            build_batch(s, CLI, "bank_transfer")

        ann_line = next(line for line in first.lines if line.participant_id == ann.id)
        returned = return_line(s, CLI, first.id, ann_line.id, "account closed")
        assert returned.status == "returned" and returned.returned_reason == "account closed"
        assert returned.returned_at is not None
        assert payable_balance(s, ann.id) == 4688

        second = build_batch(s, CLI, "bank_transfer").batch
        assert [(line.participant_id, line.fees_minor, line.expenses_minor) for line in second.lines] == [
            (ann.id, 3438, 1250)
        ]
        doubled = s.execute(select(BatchItem.posting_id).group_by(BatchItem.posting_id)
                            .having(func.count() > 1)).all()
        assert doubled == []


def test_database_refuses_a_posting_in_two_batches(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        approve(s, participant(s, "Ann"), project(s), MAY, 1000)
        batch = build_batch(s, CLI, "bank_transfer").batch
        item = s.scalars(select(BatchItem)).first()
        assert item is not None
        line_id, posting_id = batch.lines[0].id, item.posting_id
    with pytest.raises(IntegrityError), transaction(factory) as s:
        s.add(BatchItem(batch_line_id=line_id, posting_id=posting_id))
        s.flush()


def test_exported_files_parse_back_to_the_postings(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        people = [participant(s, name) for name in ("Ann One", "Bob Two", "Cat Three")]
        for i, person in enumerate(people):
            approve(s, person, proj, MAY, 1000 + i * 111, 250 * i)
            approve(s, person, proj, MAY + timedelta(days=3), 2000)
        batch = build_batch(s, CLI, "bank_transfer").batch
        approve_batch(s, CHECKER, batch.id)
        owed = {
            person.reference: -int(s.scalar(select(func.sum(Posting.amount_minor)).join(
                BatchItem, BatchItem.posting_id == Posting.id).where(Posting.participant_id == person.id)) or 0)
            for person in people
        }
        listing = export_file(s, CLI, batch.id, "csv").decode("utf-8-sig")
        bank = export_file(s, CLI, batch.id, "bank-csv").decode("utf-8")
        document = json.loads(export_file(s, CLI, batch.id, "json"))
        assert batch.status == "exported"
    rows = [r for r in csv.DictReader(io.StringIO(listing)) if r["Record type"] == "payment"]
    assert {r["Participant reference"]: int(Decimal(r["Amount"]) * 100) for r in rows} == owed
    details = [r for r in csv.reader(io.StringIO(bank)) if r and r[0] == "D"]
    assert sorted(int(Decimal(r[4]) * 100) for r in details) == sorted(owed.values())
    assert all(r[1] == "089999" and r[2] == "66374958" for r in details)
    trailer = next(r for r in csv.reader(io.StringIO(bank)) if r and r[0] == "T")
    assert trailer[1] == "3" and Decimal(trailer[2]) * 100 == sum(owed.values())
    assert sorted(int(Decimal(line["amount"]) * 100) for line in document["lines"]) == sorted(owed.values())


def test_payee_named_like_a_formula_is_neutralised(factory: sessionmaker[Session]) -> None:
    evil = '=HYPERLINK("http://example.invalid","click")'
    with transaction(factory) as s:
        approve(s, participant(s, evil), project(s), MAY, 1000)
        batch = build_batch(s, CLI, "bank_transfer").batch
        approve_batch(s, CHECKER, batch.id)
        listing = export_file(s, CLI, batch.id, "csv").decode("utf-8-sig")
        xero = export_file(s, CLI, batch.id, "xero").decode("utf-8-sig")
    payee = next(r for r in csv.DictReader(io.StringIO(listing)) if r["Record type"] == "payment")["Payee"]
    assert payee == "'" + evil
    for row in csv.reader(io.StringIO(xero)):
        assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row)
