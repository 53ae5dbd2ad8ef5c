"""A participant's balance: what they are owed now, what has been paid, and what they declined.

Computed from the postings with SQL sums, never from a stored running total, so the balance always agrees
with the ledger it summarises:

* owed = minus the sum of their payable account (credits are what we owe; payments debit it);
* paid = what batches marked paid have paid them: the one definition in ``ledger.involvement.paid``,
  shared with statements and the spend report (a returned payment is not paid);
* watch limits = where they stand today against each limit they asked us to watch, counted by the one
  watch-limit rule (``ledger.involvement.watch``) that quotes, approvals and statements use;
* declined = minus the sum of their foregone account (recognised value they chose not to take), with the
  time it covered from the minutes on the project-side fee postings.

Fees and expenses are always kept apart: fees may matter for benefits and tax, expenses never do.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import (
    AccountKind,
    Category,
    Participant,
    Posting,
    Role,
)
from ledger.errors import NotFound
from ledger.involvement.access import ensure_role
from ledger.involvement.membership import ensure_participant_visible
from ledger.involvement.paid import paid_by_currency_and_category
from ledger.involvement.schemas import BalanceOut, CurrencyBalance, Declined, FeesExpenses, WatchStatusOut
from ledger.involvement.watch import watch_statuses
from ledger.money import Money
from ledger.security.actor import Actor

HOME_CURRENCY = "GBP"  # shown first when a participant has figures in more than one currency


def _sums(session: Session, participant_id: int) -> dict[str, dict[str, int]]:
    """Per currency: the sums the balance needs, in minor units."""
    payable = Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE
    foregone = Posting.account_kind == AccountKind.PARTICIPANT_FOREGONE
    fee = Posting.category == Category.FEE
    expense = Posting.category == Category.EXPENSE

    def total(*conditions: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((and_(*conditions), Posting.amount_minor), else_=0)), 0)

    query = (
        select(
            Posting.currency,
            total(payable, fee).label("payable_fees"),
            total(payable, expense).label("payable_expenses"),
            total(foregone, fee).label("foregone_fees"),
            total(foregone, expense).label("foregone_expenses"),
            func.coalesce(func.sum(case(
                (Posting.account_kind == AccountKind.PROJECT_FOREGONE, Posting.minutes), else_=0)), 0
            ).label("declined_minutes"),
        )
        .where(Posting.participant_id == participant_id)
        .group_by(Posting.currency)
    )
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for row in session.execute(query).mappings():
        result[row["currency"]] = {key: int(value or 0) for key, value in row.items() if key != "currency"}
    for currency, by_category in paid_by_currency_and_category(session, participant_id).items():
        result[currency]["paid_fees"] = by_category.get(Category.FEE.value, 0)
        result[currency]["paid_expenses"] = by_category.get(Category.EXPENSE.value, 0)
    return result


def _pair(fees_minor: int, expenses_minor: int, currency: str) -> FeesExpenses:
    fees = Money.from_minor(fees_minor, currency)
    expenses = Money.from_minor(expenses_minor, currency)
    return FeesExpenses(fees=fees.text(), expenses=expenses.text(), total=(fees + expenses).text())


def _in_currency(currency: str, sums: dict[str, int]) -> CurrencyBalance:
    return CurrencyBalance(
        currency=currency,
        owed=_pair(-sums.get("payable_fees", 0), -sums.get("payable_expenses", 0), currency),
        paid=_pair(sums.get("paid_fees", 0), sums.get("paid_expenses", 0), currency),
        declined=Declined(
            fees=Money.from_minor(-sums.get("foregone_fees", 0), currency).text(),
            expenses=Money.from_minor(-sums.get("foregone_expenses", 0), currency).text(),
            minutes=sums.get("declined_minutes", 0),
        ),
    )


def participant_balance(
    session: Session, actor: Actor, participant_id: int, *, on: date | None = None
) -> BalanceOut:
    """Owed, paid and declined for one participant.

    Finance, auditors and administrators read any balance; a participant token only its own; a lead
    limited to some projects reads the balance of people who belong to one of them (``membership``).
    """
    ensure_role(actor, Role.LEAD, Role.FINANCE, Role.AUDITOR, Role.PARTICIPANT, doing="read balances")
    actor.ensure_participant(participant_id)
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound(f"There is no participant with id {participant_id}.")
    ensure_participant_visible(session, actor, participant_id, doing="read balances of")
    sums = _sums(session, participant.id)
    currencies = sorted(sums, key=lambda c: (c != HOME_CURRENCY, c)) or [HOME_CURRENCY]
    balances = [_in_currency(c, sums.get(c, {})) for c in currencies]
    first = balances[0]
    watch = [
        WatchStatusOut(period=w.limit.period, label=w.limit.label, period_start=w.period_start,
                       period_end=w.period_end, limit=Money(w.limit.amount, w.limit.currency).text(),
                       earnings=Money(w.earnings, w.limit.currency).text(), over=w.over,
                       limit_key=w.limit.key, source=w.limit.source)
        for w in watch_statuses(session, participant, on or clock.today())
    ]
    return BalanceOut(participant=participant.id, reference=participant.reference, currency=first.currency,
                      owed=first.owed, paid=first.paid, declined=first.declined, other_currencies=balances[1:],
                      watch_limits=watch)
