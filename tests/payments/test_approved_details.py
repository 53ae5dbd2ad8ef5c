"""The money goes where two people agreed: lines keep the details they were approved with, and a batch
that no longer adds up is refused at approval, export and payment (with an audit event)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, BatchLine, EntryKind, JournalEntry, Participant
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.payments.integrity import BatchIntegrityError
from ledger.reports.batch_review import review_lines
from ledger.security.actor import Actor
from ledger.security.crypto import encrypt
from payments.factory import GOOD_ACCOUNT, GOOD_SORT, approve, export_file, participant, project

BUILDER = Actor.system("finance one")
CHECKER = Actor.system("finance two")
MAY = date(2025, 5, 1)
# Another pair that passes the modulus check (Vocalink's published test cases).
NEW_SORT, NEW_ACCOUNT = "089999", "66374958"
OTHER_SORT, OTHER_ACCOUNT = "107999", "88837491"
INFLATED = 1007325  # £10,073.25


def _bank_rows(content: bytes) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(content.decode("ascii"))) if row[0] == "D"]


def _drop_money_guard(session: Session) -> None:
    """What an owner of the database can do: take the trigger away. The re-check must still hold."""
    session.execute(text("DROP TRIGGER batch_lines_money_fixed"))
    session.execute(text("DROP TRIGGER batches_money_fixed"))


def _refusals(session: Session, batch_id: int) -> list[dict[str, object]]:
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "batch.integrity_refused", AuditEvent.entity_id == str(batch_id))
        .order_by(AuditEvent.id)).all()
    return [e.after or {} for e in events]


def _one_batch(factory: sessionmaker[Session], amounts: tuple[int, ...] = (3438, 2000)) -> tuple[int, list[int]]:
    with transaction(factory) as s:
        proj = project(s)
        people = [participant(s, f"Person {i}") for i in range(len(amounts))]
        for person, amount in zip(people, amounts, strict=True):
            approve(s, person, proj, MAY, amount, 100)
        batch = build_batch(s, BUILDER, "bank_transfer").batch
        return batch.id, [p.id for p in people]


def test_export_writes_the_details_approved_whatever_changed_since(factory: sessionmaker[Session]) -> None:
    batch_id, (ann_id, _bob_id) = _one_batch(factory)
    with transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)
    with transaction(factory) as s:  # a confirmed change after approval (or a direct write) moves nothing
        ann = s.get_one(Participant, ann_id)
        ann.bank_sort_code, ann.bank_account_number, ann.bank_account_name = OTHER_SORT, OTHER_ACCOUNT, "Mallory"
    with transaction(factory) as s:
        rows = _bank_rows(export_file(s, CHECKER, batch_id, "bank-csv"))
        document = json.loads(export_file(s, CHECKER, batch_id, "json"))
    assert {(r[1], r[2]) for r in rows} == {(GOOD_SORT, GOOD_ACCOUNT)}
    assert all("MALLORY" not in r[3] for r in rows)
    assert OTHER_ACCOUNT not in json.dumps(document)


def test_snapshot_columns_hold_ciphertext(factory: sessionmaker[Session]) -> None:
    batch_id, _ = _one_batch(factory)
    with transaction(factory) as s:
        raw = s.execute(text("SELECT bank_sort_code, bank_account_number, bank_account_name FROM batch_lines "
                             "WHERE batch_id = :b"), {"b": batch_id}).all()
        lines = s.scalars(select(BatchLine).where(BatchLine.batch_id == batch_id)).all()
    assert raw and all(value.startswith("enc1:") for row in raw for value in row)
    assert all(GOOD_ACCOUNT not in value for row in raw for value in row)
    assert {(line.bank_sort_code, line.bank_account_number) for line in lines} == {(GOOD_SORT, GOOD_ACCOUNT)}


def test_payee_without_confirmed_bank_details_is_left_out_with_a_reason(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        ready = participant(s, "Ready Payee")
        waiting = participant(s, "Waiting Payee", sort_code=None, account=None)
        waiting.bank_account_name = None  # nothing confirmed yet (a change waits for a second person)
        approve(s, ready, proj, MAY, 2000)
        approve(s, waiting, proj, MAY, 1500)
        outcome = build_batch(s, BUILDER, "bank_transfer")
        assert [line.participant_id for line in outcome.batch.lines] == [ready.id]
        [skipped] = outcome.skipped
        assert skipped.participant_id == waiting.id and "no confirmed bank details" in skipped.reason


def test_approval_view_shows_payee_masked_account_and_amount(factory: sessionmaker[Session]) -> None:
    batch_id, _ = _one_batch(factory, (3438,))
    with transaction(factory) as s:
        batch = approve_batch(s, CHECKER, batch_id)
        [line] = list(review_lines(s, batch))
    assert line.payee_name == "Person 0" and line.amount == Decimal("35.38")
    assert line.participant_name == "Person 0"
    assert line.paid_to == "PERSON 0 **-**-99 ****4958" or line.paid_to.endswith(" **-**-99 ****4958")
    assert GOOD_ACCOUNT not in line.paid_to


def test_direct_update_of_a_line_amount_is_refused_by_the_database(factory: sessionmaker[Session]) -> None:
    batch_id, _ = _one_batch(factory)
    with pytest.raises(IntegrityError, match="fixed when the batch is built"), transaction(factory) as s:
        s.execute(text("UPDATE batch_lines SET amount_minor = :a WHERE batch_id = :b"), {"a": INFLATED, "b": batch_id})
    with pytest.raises(IntegrityError, match="fixed when the batch is built"), transaction(factory) as s:
        s.execute(text("UPDATE batches SET total_minor = :a WHERE id = :b"), {"a": INFLATED, "b": batch_id})


def _inflate_first_line(factory: sessionmaker[Session], batch_id: int) -> None:
    with transaction(factory) as s:
        _drop_money_guard(s)
        line_id = s.scalar(select(func.min(BatchLine.id)).where(BatchLine.batch_id == batch_id))
        s.execute(text("UPDATE batch_lines SET amount_minor = :a, fees_minor = :f WHERE id = :l"),
                  {"a": INFLATED, "f": INFLATED - 100, "l": line_id})
        s.execute(text("UPDATE batches SET total_minor = total_minor - 3538 + :a WHERE id = :b"),
                  {"a": INFLATED, "b": batch_id})


def test_inflated_line_is_refused_at_export_and_paid_and_never_reaches_the_bank_file(
    factory: sessionmaker[Session],
) -> None:
    batch_id, _ = _one_batch(factory)
    with transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)
    _inflate_first_line(factory, batch_id)
    content = b""
    with pytest.raises(BatchIntegrityError, match="was not exported") as refused, transaction(factory) as s:
        content = export_file(s, CHECKER, batch_id, "bank-csv")
    assert content == b""
    assert "10073.25" in refused.value.detail and "35.38" in refused.value.detail
    with pytest.raises(BatchIntegrityError, match="was not marked paid"), transaction(factory) as s:
        mark_paid(s, CHECKER, batch_id, date.today())
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.kind == EntryKind.PAYMENT)) == 0
        assert {line.status for line in s.scalars(select(BatchLine).where(BatchLine.batch_id == batch_id))} == {
            "pending"}
        assert s.scalar(text("SELECT status FROM batches WHERE id = :b"), {"b": batch_id}) == "approved"
        refusals = _refusals(s, batch_id)
    assert [r["refused"] for r in refusals] == ["exported", "marked paid"]
    assert refusals[0]["lines_wrong"] == 1 and refusals[0]["lines"][0]["amount"] == "10073.25"  # type: ignore[index]


def test_inflated_line_is_refused_at_approval(factory: sessionmaker[Session]) -> None:
    batch_id, _ = _one_batch(factory)
    _inflate_first_line(factory, batch_id)
    with pytest.raises(BatchIntegrityError, match="was not approved"), transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)
    with transaction(factory) as s:
        assert s.scalar(text("SELECT status FROM batches WHERE id = :b"), {"b": batch_id}) == "draft"
        assert [r["refused"] for r in _refusals(s, batch_id)] == ["approved"]


def test_batch_total_not_matching_its_lines_is_refused(factory: sessionmaker[Session]) -> None:
    batch_id, _ = _one_batch(factory)
    with transaction(factory) as s:
        _drop_money_guard(s)
        s.execute(text("UPDATE batches SET total_minor = total_minor + 1 WHERE id = :b"), {"b": batch_id})
    with pytest.raises(BatchIntegrityError, match="batch total is") as refused, transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)
    assert "its lines add up to" in refused.value.detail


def test_amount_not_fees_plus_expenses_is_refused(factory: sessionmaker[Session]) -> None:
    batch_id, _ = _one_batch(factory)
    with transaction(factory) as s:
        _drop_money_guard(s)
        s.execute(text("UPDATE batch_lines SET amount_minor = amount_minor + 5000 WHERE batch_id = :b"),
                  {"b": batch_id})
        s.execute(text("UPDATE batches SET total_minor = total_minor + 10000 WHERE id = :b"), {"b": batch_id})
    with pytest.raises(BatchIntegrityError, match="was not approved"), transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)


def test_cli_refuses_an_inflated_batch_with_a_message_and_exit_1(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    batch_id, _ = _one_batch(factory)
    url = str(factory.kw["bind"].url)
    run = CliRunner().invoke
    shown = run(main, ["batch", "show", str(batch_id), "--database", url])
    assert shown.exit_code == 0, shown.output
    assert "**-**-99 ****4958" in shown.output and "£35.38" in shown.output and GOOD_ACCOUNT not in shown.output
    approved = run(main, ["batch", "approve", str(batch_id), "--as", "Cal Checker", "--database", url])
    assert approved.exit_code == 0, approved.output
    assert "Person 0" in approved.output and "****4958" in approved.output and "£21.00" in approved.output
    _inflate_first_line(factory, batch_id)
    out = tmp_path / "bank.csv"
    exported = run(main, ["batch", "export", str(batch_id), "--format", "bank-csv", "--out", str(out),
                          "--database", url])
    assert exported.exit_code == 1 and "was not exported" in exported.output and "Traceback" not in exported.output
    assert not out.exists()
    paid = run(main, ["batch", "paid", str(batch_id), "--on", date.today().isoformat(), "--database", url])
    assert paid.exit_code == 1 and "was not marked paid" in paid.output


def test_database_allows_one_approval_entry_per_record(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        first = approve(s, participant(s), proj, MAY, 2000)
        record_id = first.record.id
    with pytest.raises(IntegrityError), transaction(factory) as s:
        s.execute(text("INSERT INTO journal_entries (kind, booked_on, record_id, memo, created_at) "
                       "VALUES ('approval', '2025-05-02', :r, 'second approval', CURRENT_TIMESTAMP)"),
                  {"r": record_id})
    with transaction(factory) as s:  # other kinds for the same record (a reversal) are still fine
        s.execute(text("INSERT INTO journal_entries (kind, booked_on, record_id, memo, created_at) "
                       "VALUES ('reversal', '2025-05-02', :r, 'reversed', CURRENT_TIMESTAMP)"),
                  {"r": record_id})
        assert s.scalar(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.record_id == record_id)) == 2


def test_organisation_gets_the_fees_and_the_person_gets_their_own_costs_back(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s)
        sam = participant(s, "Sam Lee", "organisation", organisation="Mind in Leeds")
        sam.bank_account_name, sam.bank_sort_code, sam.bank_account_number = "Sam Lee", GOOD_SORT, GOOD_ACCOUNT
        kim = participant(s, "Kim Ray", "organisation", organisation="Carers Leeds")  # no bank details
        approve(s, sam, proj, MAY, 3000, 500)
        approve(s, kim, proj, MAY, 2000, 300)
        to_org = build_batch(s, BUILDER, "organisation").batch
        org_lines = {line.participant_id: line for line in to_org.lines}
        assert {pid: (ln.fees_minor, ln.expenses_minor) for pid, ln in org_lines.items()} == {
            sam.id: (3000, 0), kim.id: (2000, 0)}
        assert org_lines[sam.id].payee_name == "Mind in Leeds" and org_lines[sam.id].bank_account_number is None
        to_person = build_batch(s, BUILDER, "bank_transfer")
        [line] = to_person.batch.lines
        assert (line.participant_id, line.fees_minor, line.expenses_minor) == (sam.id, 0, 500)
        assert (line.payee_name, line.bank_account_number) == ("Sam Lee", GOOD_ACCOUNT)
        [skipped] = to_person.skipped
        assert skipped.participant_id == kim.id and skipped.amount == Decimal("3.00")


def test_details_changed_in_the_database_after_approval_stop_export_and_paid(factory: sessionmaker[Session]) -> None:
    batch_id, (ann_id, _bob) = _one_batch(factory)
    with transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)
    with transaction(factory) as s:  # re-encrypting the same details (what key rotation does) changes nothing
        for line in s.scalars(select(BatchLine).where(BatchLine.batch_id == batch_id)):
            s.execute(text("UPDATE batch_lines SET bank_account_number = :v WHERE id = :i"),
                      {"v": encrypt(line.bank_account_number or ""), "i": line.id})
    with transaction(factory) as s:
        assert _bank_rows(export_file(s, CHECKER, batch_id, "bank-csv"))
    with transaction(factory) as s:  # someone with database access redirects Ann's payment
        line = s.scalars(select(BatchLine).where(BatchLine.batch_id == batch_id,
                                                 BatchLine.participant_id == ann_id)).one()
        line.bank_sort_code, line.bank_account_number = OTHER_SORT, OTHER_ACCOUNT
    content = b""
    with pytest.raises(BatchIntegrityError, match="not as they were approved"), transaction(factory) as s:
        content = export_file(s, CHECKER, batch_id, "bank-csv")
    assert content == b""
    with pytest.raises(BatchIntegrityError, match="not as they were approved"), transaction(factory) as s:
        mark_paid(s, CHECKER, batch_id, date.today())
    with transaction(factory) as s:
        assert [r["reason"] for r in _refusals(s, batch_id)] == ["lines changed since approval"] * 2
    with pytest.raises(IntegrityError, match="fingerprint"), transaction(factory) as s:
        s.execute(text("UPDATE batches SET approved_fingerprint = 'x' WHERE id = :b"), {"b": batch_id})


def test_a_change_confirmed_by_two_people_after_approval_is_not_paid_by_this_batch(
    factory: sessionmaker[Session],
) -> None:
    """End to end with the four-eyes change: proposed by a lead, confirmed by finance, after approval."""
    from ledger.db.models import Role
    from ledger.involvement.payee_changes import PayeeDetails, confirm, propose

    lead = Actor(token_id=101, name="lead", role=Role.LEAD)
    finance = Actor(token_id=102, name="finance", role=Role.FINANCE)
    batch_id, (ann_id, _bob) = _one_batch(factory)
    with transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)
    with transaction(factory) as s:
        ann = s.get_one(Participant, ann_id)
        change = propose(s, lead, ann, PayeeDetails("bank_transfer", "Ann Example", OTHER_SORT, OTHER_ACCOUNT))
        assert change is not None
        confirm(s, finance, change.id)
    with transaction(factory) as s:
        assert s.get_one(Participant, ann_id).bank_account_number == OTHER_ACCOUNT  # the change took effect
        rows = _bank_rows(export_file(s, CHECKER, batch_id, "bank-csv"))
    assert {(r[1], r[2]) for r in rows} == {(GOOD_SORT, GOOD_ACCOUNT)}  # but this batch pays as approved


def test_an_account_name_no_bank_can_carry_leaves_that_payee_out_not_the_batch(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as s:
        proj = project(s)
        ready = participant(s, "Ann Example")
        arabic = participant(s, "Amal", account_name="أمل حداد")  # stored before names were checked on entry
        accented = participant(s, "Jan", account_name="Jan Łukasiewicz")  # has an A-Z spelling: paid
        for person in (ready, arabic, accented):
            approve(s, person, proj, MAY, 2000)
        outcome = build_batch(s, BUILDER, "bank_transfer")
        assert {line.participant_id for line in outcome.batch.lines} == {ready.id, accented.id}
        [skipped] = outcome.skipped
        assert skipped.participant_id == arabic.id and "letters a bank payment file cannot carry" in skipped.reason
        batch_id = outcome.batch.id
    with transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)
    with transaction(factory) as s:
        names = sorted(r[3] for r in _bank_rows(export_file(s, CHECKER, batch_id, "bank-csv")))
    assert names == ["ANN EXAMPLE", "JAN LUKASIEWICZ"]


def test_payment_advice_names_the_account_the_batch_paid_not_a_later_one(factory: sessionmaker[Session]) -> None:
    from ledger.reports.remittances import build_remittances

    batch_id, (ann_id, _bob_id) = _one_batch(factory)
    with transaction(factory) as s:
        approve_batch(s, CHECKER, batch_id)
        mark_paid(s, CHECKER, batch_id, date.today())
    with transaction(factory) as s:  # the person's details change after the money went
        ann = s.get_one(Participant, ann_id)
        ann.bank_sort_code, ann.bank_account_number = OTHER_SORT, OTHER_ACCOUNT
    with transaction(factory) as s:
        (advice,) = build_remittances(s, batch_id, ann_id)
    assert advice.paid_to.endswith(GOOD_ACCOUNT[-4:])
    assert OTHER_ACCOUNT[-4:] not in advice.paid_to
