"""Statements say where the money is per category (fee, costs), agreeing with balances and payments.

A record's fee and its costs are paid apart: someone whose fees go to an organisation has the fee paid in
an organisation batch and their own costs paid to them by bank transfer (``payable_by``). And someone who
chose "decline" has their costs declined too, not owed. These tests hold the statement, the balance and
the payments made (the remittance lines) to the same figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from involvement.support import APPROVER, BANK, FINANCE, LEAD, attendee, meeting
from involvement.support import participant as new_participant
from involvement.support import project as new_project
from payments.factory import approve, backdate, participant, project
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.errors import Invalid
from ledger.exports.pdf import render_spend_report, render_statement
from ledger.exports.pdf.spend import SpendReportRenderer
from ledger.exports.pdf.statement_text import BANK_DETAILS_NEEDED, summary_sentences
from ledger.involvement.approval import approve_record
from ledger.involvement.balances import participant_balance
from ledger.involvement.participants import update_participant
from ledger.involvement.payee_changes import confirm, pending_for
from ledger.involvement.schemas import ParticipantUpdate
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.rates.contract import ExpenseRequest
from ledger.reports.spend import project_spend
from ledger.reports.statements import build_statement
from ledger.security.actor import Actor

CLI = Actor.system("cli")
SECOND = Actor.system("second check")  # batches are approved by someone other than who built them
PARKING = [ExpenseRequest(category="parking", amount="4.50")]
TAX_YEAR = (date(2025, 4, 6), date(2026, 4, 5))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_factory(request: pytest.FixtureRequest) -> sessionmaker[Session]:
    """The same test on SQLite and on PostgreSQL (the per-category sums are SQL)."""
    return request.getfixturevalue("factory" if request.param == "sqlite" else "pg_factory")  # type: ignore[no-any-return]


def _pay(s: Session, method: str, on: date) -> None:
    batch = build_batch(s, CLI, method).batch
    approve_batch(s, SECOND, batch.id)
    backdate(s, batch, on)
    mark_paid(s, CLI, batch.id, on, today=on)


def _words(s: Session, participant_id: int) -> str:
    statement = build_statement(s, participant_id, *TAX_YEAR, today=date(2026, 4, 6))
    return " ".join(summary_sentences(statement.summary, statement.currency, statement.fees_paid_to,
                                      bank_details_needed=statement.bank_details_needed))


def _pdf_text(data: bytes) -> str:
    import io

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_organisation_payee_fee_paid_while_own_costs_wait_for_bank_details(
    any_factory: sessionmaker[Session],
) -> None:
    with transaction(any_factory) as s:
        proj = new_project(s, "ORG")
        ann = new_participant(s, "organisation", name="Ann Org")  # fees to Mind in Leeds; no bank details
        for day in (date(2026, 1, 7), date(2026, 1, 14)):
            record_id = meeting(s, proj.id, [attendee(ann.id, 90, expenses=PARKING)], on=day).records[0].id
            approve_record(s, APPROVER, record_id)  # 41.25 for her time, 4.50 parking, each
        _pay(s, "organisation", date(2026, 2, 2))  # the fees, to Mind in Leeds
        with pytest.raises(Invalid, match="no confirmed bank details"):
            build_batch(s, FINANCE, "bank_transfer")  # her own costs wait: no bank batch can take them

        statement = build_statement(s, ann.id, *TAX_YEAR, today=date(2026, 4, 6))
        summary = statement.summary
        assert (summary.fees_paid, summary.fees_paid_to_organisation, summary.fees_owed) == (
            Decimal("82.50"), Decimal("82.50"), Decimal("0.00"))
        assert (summary.expenses_paid, summary.expenses_owed) == (Decimal("0.00"), Decimal("9.00"))
        assert [(a.paid_fees, a.owed_expenses, a.status) for a in statement.activities] == [
            (Decimal("41.25"), Decimal("4.50"), "owed")] * 2
        assert statement.bank_details_needed
        # The payments made (the remittance lines) carry the same fees as the summary and the balance.
        assert sum(p.fees for p in statement.payments) == summary.fees_paid
        balance = participant_balance(s, FINANCE, ann.id)
        assert (balance.paid.fees, balance.paid.expenses) == ("82.50", "0.00")
        assert (balance.owed.fees, balance.owed.expenses) == ("0.00", "9.00")

        words = _words(s, ann.id)
        assert "We paid £82.50 for your time to Mind in Leeds, as you asked." in words
        assert "We still owe you £9.00 for travel and other costs." in words
        assert BANK_DETAILS_NEEDED in words
        assert "We will pay £" not in words and "later payment" not in words
        assert "We need your bank details to pay you this." in _pdf_text(render_statement(statement))

        # She gives bank details, finance confirms them; a bank batch pays her own costs back: all agree.
        update_participant(s, LEAD, ann.id, ParticipantUpdate(bank=BANK))
        pending = pending_for(s, ann.id)
        assert pending is not None
        confirm(s, FINANCE, pending.id)
        assert not build_statement(s, ann.id, *TAX_YEAR, today=date(2026, 4, 6)).bank_details_needed
        _pay(s, "bank_transfer", date(2026, 3, 2))
        statement = build_statement(s, ann.id, *TAX_YEAR, today=date(2026, 4, 6))
        summary = statement.summary
        assert (summary.fees_paid, summary.expenses_paid, summary.fees_owed, summary.expenses_owed) == (
            Decimal("82.50"), Decimal("9.00"), Decimal("0.00"), Decimal("0.00"))
        assert {a.status for a in statement.activities} == {"paid"}
        assert (sum(p.fees for p in statement.payments), sum(p.expenses for p in statement.payments)) == (
            summary.fees_paid, summary.expenses_paid)
        balance = participant_balance(s, FINANCE, ann.id)
        assert (balance.paid.fees, balance.paid.expenses, balance.owed.total) == ("82.50", "9.00", "0.00")
        words = _words(s, ann.id)
        assert "We will pay" not in words and "We still owe" not in words


def test_decliner_is_told_costs_were_declined_not_owed(any_factory: sessionmaker[Session]) -> None:
    with transaction(any_factory) as s:
        proj = new_project(s, "DECL")
        bea = new_participant(s, "decline", name="Bea Decline")
        record_id = meeting(s, proj.id, [attendee(bea.id, 90, expenses=PARKING)], on=date(2026, 1, 7)).records[0].id
        approve_record(s, APPROVER, record_id)

        words = _words(s, bea.id)
        assert "owe" not in words and "later payment" not in words
        assert "You chose not to be paid back £4.50 for travel and other costs." in words
        statement = build_statement(s, bea.id, *TAX_YEAR, today=date(2026, 4, 6))
        activity, = statement.activities
        assert (activity.declined, activity.expenses_declined, activity.status) == (True, Decimal("4.50"), "declined")
        summary = statement.summary
        assert (summary.expenses_owed, summary.fees_owed, summary.expenses_declined) == (
            Decimal("0.00"), Decimal("0.00"), Decimal("4.50"))
        year, = statement.tax_years  # costs not paid back are not "money back for costs" in the year's totals
        assert (year.expenses, year.declined_expenses) == (Decimal("0.00"), Decimal("4.50"))
        balance = participant_balance(s, FINANCE, bea.id)
        assert balance.owed.total == "0.00"
        assert (balance.declined.fees, balance.declined.expenses) == (
            f"{summary.declined_value:.2f}", f"{summary.expenses_declined:.2f}")

        for style in ("standard", "easy_read"):
            text = _pdf_text(render_statement(build_statement(s, bea.id, *TAX_YEAR, style=style,
                                                              today=date(2026, 4, 6))))
            assert "We will pay" not in text and "We still owe" not in text and "later payment" not in text
            assert "£4.50" in text


def test_spend_counts_only_declined_fees_as_the_value_of_time(any_factory: sessionmaker[Session]) -> None:
    with transaction(any_factory) as s:
        proj = project(s, "SPEND")
        cal = participant(s, "Cal Decline", "decline")
        dee = participant(s, "Dee Paid")
        approve(s, cal, proj, date(2025, 6, 2), 5500, 6940, minutes=120, declined=True, costs_declined=True)
        approve(s, dee, proj, date(2025, 6, 2), 2750, 640, minutes=60)
        report = project_spend(s, proj.id, *TAX_YEAR, today=date(2026, 4, 6))
        row = report.totals
        assert row.declined_value == Decimal("55.00")  # the declined fee only: costs are not time
        assert row.declined_expenses == Decimal("69.40")
        assert (row.fees, row.expenses, row.minutes_declined) == (Decimal("27.50"), Decimal("6.40"), 120)
        text = SpendReportRenderer(report).summary_text()
        assert "2 hours without pay, worth £55.00." in text
        assert "People also chose not to be paid back £69.40 of travel and other costs." in text
        assert "£55.00" in _pdf_text(render_spend_report(report))


def test_bank_details_are_asked_for_only_when_a_bank_batch_cannot_pay(any_factory: sessionmaker[Session]) -> None:
    with transaction(any_factory) as s:
        proj = project(s, "BANK")
        dan = participant(s, "Dan Bank")  # confirmed (sealed) bank details
        approve(s, dan, proj, date(2025, 6, 2), 2750, 640)
        statement = build_statement(s, dan.id, *TAX_YEAR, today=date(2026, 4, 6))
        assert not statement.bank_details_needed
        assert "This will come in a later payment." in _words(s, dan.id)
        # Details moved outside the ledger are not confirmed: no batch will pay them, so we ask.
        s.execute(text("UPDATE participants SET payee_fingerprint = 'moved by hand' WHERE id = :id"), {"id": dan.id})
        s.expire_all()
        assert build_statement(s, dan.id, *TAX_YEAR, today=date(2026, 4, 6)).bank_details_needed
        assert BANK_DETAILS_NEEDED in _words(s, dan.id)
