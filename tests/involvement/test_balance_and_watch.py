"""Balances from the postings, and watch-limit warnings at the edges of weeks and tax years."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import Batch, BatchLine, Role
from ledger.errors import Forbidden
from ledger.involvement.approval import approve_record, reverse_record
from ledger.involvement.balances import participant_balance
from ledger.involvement.paid import last_paid_on
from ledger.involvement.quotes import quote_with_warnings
from ledger.involvement.schemas import WatchLimitIn
from ledger.involvement.watch import counts_as_earnings, warnings_for
from ledger.organisation import read_settings, save_organisation
from ledger.payments.batches import approve_batch, create_batch, mark_paid
from ledger.payments.returns import return_line
from ledger.rates.contract import ExpenseRequest, QuoteRequest
from ledger.reports.statements import build_statement
from ledger.security.actor import Actor

from .support import APPROVER, FINANCE, attendee, meeting, participant, project

PARKING = [ExpenseRequest(category="parking", amount="4.50")]


ORGANISATION = {  # batches and documents need the organisation's details (``ledger setup``)
    "name": "Northshire Health and Care Trust",
    "contact_name": "Sam Contact",
    "contact_phone": "01632 960000",
    "contact_email": "involvement@example.org",
    "postal_address": "1 Example Road, Northshire, NS1 1AA",
    "payer_name": "NORTHSHIRE HCT",
    "reference_prefix": "NHC",
}
FINANCE_TWO = Actor(token_id=6, name="Fran Finance", role=Role.FINANCE)


def pay_everything(session: Session, method: str = "bank_transfer") -> Batch:
    """Pay what is owed the way finance does: build a batch, a second person approves it, mark it paid."""
    if not read_settings(session):
        save_organisation(session, ORGANISATION)
    batch = create_batch(session, FINANCE, method)
    approve_batch(session, FINANCE_TWO, batch.id)
    return mark_paid(session, FINANCE, batch.id, clock.today())


def test_balance_owed_paid_and_declined(session: Session) -> None:
    proj = project(session)
    person = participant(session, "expenses_only")
    first, second, third = (
        meeting(session, proj.id, [attendee(person.id, 90, preparation_minutes=30, expenses=PARKING)], on=day)
        .records[0].id for day in (date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7))
    )
    for record_id in (first, second, third):
        approve_record(session, APPROVER, record_id)
    reverse_record(session, APPROVER, third, "duplicate")
    pay_everything(session)
    balance = participant_balance(session, FINANCE, person.id)
    assert balance.currency == "GBP" and balance.other_currencies == []
    assert (balance.owed.fees, balance.owed.expenses, balance.owed.total) == ("0.00", "0.00", "0.00")
    assert (balance.paid.fees, balance.paid.expenses) == ("0.00", "9.00")
    # Two records of 90 min + 30 min preparation at 27.50 (55.00 each) recognised but declined.
    assert (balance.declined.fees, balance.declined.expenses, balance.declined.minutes) == ("110.00", "0.00", 240)
    assert last_paid_on(session, person.id) == clock.today()


def test_returned_payment_is_owed_again_and_not_counted_as_paid(session: Session) -> None:
    proj = project(session)
    person = participant(session)
    approve_record(session, APPROVER, meeting(session, proj.id, [attendee(person.id, 90)]).records[0].id)
    batch = pay_everything(session)
    assert participant_balance(session, FINANCE, person.id).paid.fees == "41.25"
    line = session.scalars(select(BatchLine).where(BatchLine.batch_id == batch.id)).one()
    return_line(session, FINANCE, batch.id, line.id, "account closed")
    balance = participant_balance(session, FINANCE, person.id)
    assert (balance.owed.fees, balance.paid.fees) == ("41.25", "0.00")
    assert last_paid_on(session, person.id) is None  # a payment that came back was never received


def test_balance_access(session: Session) -> None:
    proj, other = project(session, "A"), project(session, "B")
    me, stranger = participant(session, name="Me"), participant(session, name="Stranger")
    meeting(session, proj.id, [attendee(me.id)])
    mine = Actor(token_id=20, name="me", role=Role.PARTICIPANT, participant_id=me.id)
    assert participant_balance(session, mine, me.id).owed.total == "0.00"
    with pytest.raises(Forbidden):
        participant_balance(session, mine, stranger.id)
    scoped = Actor(token_id=21, name="lead", role=Role.LEAD, project_ids=(other.id,))
    with pytest.raises(Forbidden):
        participant_balance(session, scoped, me.id)
    assert participant_balance(session, Actor(22, "lead", Role.LEAD, (proj.id,)), me.id).participant == me.id


ESA = WatchLimitIn("week", "195.50", "ESA permitted work")
TAX = WatchLimitIn("tax_year", "1000.00", "trading allowance")


def approved_fees(session: Session, person_id: int, on: date, minutes: int) -> None:
    proj = project(session, f"W{on.isoformat()}{minutes}")
    record_id = meeting(session, proj.id, [attendee(person_id, minutes, expenses=PARKING)], on=on).records[0].id
    approve_record(session, APPROVER, record_id)


def test_week_runs_monday_to_sunday(session: Session) -> None:
    person = participant(session, "voucher", watch=[ESA])
    approved_fees(session, person.id, date(2026, 1, 4), 360)   # Sunday before: 165.00, other week
    approved_fees(session, person.id, date(2026, 1, 5), 300)   # Monday: 137.50
    assert warnings_for(session, person, date(2026, 1, 11), Decimal("58.00")) == []      # 195.50 exactly
    warning, = warnings_for(session, person, date(2026, 1, 11), Decimal("58.01"))        # Sunday, same week
    assert (warning.period_start, warning.period_end) == (date(2026, 1, 5), date(2026, 1, 11))
    assert (warning.fees_before, warning.fees_after, warning.limit) == ("137.50", "195.51", "195.50")
    assert warnings_for(session, person, date(2026, 1, 12), Decimal("100.00")) == []     # next Monday


def test_tax_year_turns_on_6_april_and_expenses_never_count(session: Session) -> None:
    person = participant(session, "bank_transfer", watch=[TAX])
    approved_fees(session, person.id, date(2025, 4, 5), 720)  # 300.00 at the 2022 rate: the tax year before
    approved_fees(session, person.id, date(2025, 4, 6), 720)  # 300.00, first day of the 2025 to 2026 tax year
    for day in (date(2026, 1, 12), date(2026, 2, 2)):
        approved_fees(session, person.id, day, 720)  # 330.00 each at the 2025 rate, plus 4.50 parking each
    approved_fees(session, person.id, date(2026, 4, 6), 720)  # next tax year
    assert warnings_for(session, person, date(2026, 4, 5), Decimal("40.00")) == []   # 960.00 + 40.00
    warning, = warnings_for(session, person, date(2026, 4, 5), Decimal("40.01"))
    assert warning.fees_before == "960.00"
    assert (warning.period_start, warning.period_end) == (date(2025, 4, 6), date(2026, 4, 5))
    assert warning.message == ("This would take your fees for the tax year 2025 to 2026 to £1,000.01, above your "
                               "limit of £1,000.00 (trading allowance).")
    assert warnings_for(session, person, date(2026, 4, 6), Decimal("600.00")) == []  # 330.00 + 600.00


def test_fees_that_are_not_earnings_never_warn(session: Session) -> None:
    for preference in ("organisation", "decline", "expenses_only"):
        person = participant(session, preference, watch=[WatchLimitIn("week", "1.00", "tiny")])
        assert warnings_for(session, person, date(2026, 1, 5), Decimal("100.00")) == []


def test_fees_paid_to_an_organisation_do_not_count_later(session: Session) -> None:
    from ledger.involvement.participants import update_participant
    from ledger.involvement.schemas import OrganisationIn, ParticipantUpdate

    from .support import LEAD

    person = participant(session, "organisation", watch=[ESA])
    approved_fees(session, person.id, date(2026, 1, 5), 420)  # 192.50 to the organisation
    update_participant(session, LEAD, person.id, ParticipantUpdate(payment_preference="voucher",
                                                                   organisation=OrganisationIn(name="x")))
    assert warnings_for(session, person, date(2026, 1, 6), Decimal("190.00")) == []


def test_quote_with_warnings_for_a_named_participant(session: Session) -> None:
    person = participant(session, "voucher", watch=[ESA])
    approved_fees(session, person.id, date(2026, 1, 5), 300)
    request = QuoteRequest(rate_card="nihr-style", date=date(2026, 1, 7), activity="meeting",
                           involvement_minutes=180, participant=person.id)
    response = quote_with_warnings(session, APPROVER, request)
    assert response.fees_total == "82.50" and response.warnings is not None
    assert response.warnings[0].fees_after == "220.00"
    anonymous = QuoteRequest(rate_card="nihr-style", date=date(2026, 1, 7), activity="meeting",
                             involvement_minutes=180)
    assert quote_with_warnings(session, None, anonymous).warnings is None
    from ledger.errors import Unauthorized

    with pytest.raises(Unauthorized):
        quote_with_warnings(session, None, request)


# --------------------------------------------------------------------- one watch-limit rule, four views

EARNS = {"bank_transfer": True, "voucher": True, "organisation": False, "expenses_only": False, "decline": False}


@pytest.mark.parametrize("preference", sorted(EARNS))
def test_quotes_approval_balances_and_statements_agree_on_what_counts(session: Session, preference: str) -> None:
    """The four views count a person's earnings towards a watch limit by one rule (counts_as_earnings)."""
    if not read_settings(session):
        save_organisation(session, ORGANISATION)  # statements name the organisation's contact
    monday = date(2026, 1, 5)
    person = participant(session, preference, watch=[WatchLimitIn("week", "50.00", "ESA permitted work")])
    assert counts_as_earnings(preference) is EARNS[preference]
    proj = project(session, f"FOUR{preference}")
    first, second = (meeting(session, proj.id, [attendee(person.id, 60)], on=day).records[0].id
                     for day in (monday, monday + timedelta(days=2)))
    approve_record(session, APPROVER, first)  # £27.50: under the limit either way
    approval = approve_record(session, APPROVER, second).warnings  # £55.00 of fees this week
    quote = quote_with_warnings(session, APPROVER, QuoteRequest(
        rate_card="nihr-style", date=monday + timedelta(days=4), activity="meeting", involvement_minutes=60,
        participant=person.id)).warnings
    balance, = participant_balance(session, FINANCE, person.id, on=monday + timedelta(days=6)).watch_limits
    week, = build_statement(session, person.id, monday, monday + timedelta(days=6)).weeks
    earned = "55.00" if EARNS[preference] else "0.00"
    # 1. approval  2. quote  3. balance  4. statement: the same earnings, the same verdict.
    if EARNS[preference]:
        assert approval is not None and [(w.fees_before, w.fees_after) for w in approval] == [("27.50", "55.00")]
        assert quote is not None and [(w.fees_before, w.fees_after) for w in quote] == [("55.00", "82.50")]
    else:
        assert not approval and not quote  # fees to an organisation or declined are not their earnings
    assert (balance.earnings, balance.limit, balance.over) == (earned, "50.00", EARNS[preference])
    assert (str(week.fees), week.limit, week.over_limit) == (earned, Decimal("50.00"), EARNS[preference])
    assert week.paid_to_organisation == (Decimal("55.00") if preference == "organisation" else 0)
    assert week.declined == (Decimal("55.00") if preference in ("expenses_only", "decline") else 0)


def test_a_named_limit_uses_the_amount_in_force_on_the_activity_date(session: Session) -> None:
    """Carer's Allowance: £196.00 a week to 5 April 2026, £204.00 from Monday 6 April 2026."""
    if not read_settings(session):
        save_organisation(session, ORGANISATION)
    person = participant(session, "voucher", watch=[WatchLimitIn(limit="carers_allowance")])
    stored, = person.watch_limits
    assert (stored.limit_key, stored.amount_minor, stored.period, stored.label) == (
        "carers_allowance", None, "week", "Carer's Allowance earnings limit")
    # 6 h 30 min at £27.50 = £178.75 in each week; £20.63 more makes £199.38: over £196.00, under £204.00.
    for monday in (date(2026, 3, 30), date(2026, 4, 6)):
        approved_fees(session, person.id, monday, 390)
    before = warnings_for(session, person, date(2026, 4, 5), Decimal("20.63"))
    after = warnings_for(session, person, date(2026, 4, 12), Decimal("20.63"))
    assert [(w.limit, w.fees_after, w.limit_key) for w in before] == [("196.00", "199.38", "carers_allowance")]
    assert before[0].source is not None and "7 April 2025" in before[0].source
    assert after == []  # £199.38 is under the £204.00 in force from 6 April 2026
    statuses = {on: participant_balance(session, FINANCE, person.id, on=on).watch_limits[0]
                for on in (date(2026, 4, 5), date(2026, 4, 6))}
    assert [(s.limit, s.over) for s in statuses.values()] == [("196.00", False), ("204.00", False)]
    weeks = build_statement(session, person.id, date(2026, 3, 30), date(2026, 4, 12)).weeks
    assert [(w.limit, w.over_limit) for w in weeks] == [(Decimal("196.00"), False), (Decimal("204.00"), False)]
