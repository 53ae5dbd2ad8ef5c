"""Watch limits: telling a participant before a payment would take them over a limit they care about.

People on benefits can lose support when their earnings in a week pass a limit (ESA permitted work,
Carer's Allowance), and casual income above the trading allowance in a tax year needs a tax return.
The ledger informs; it never decides: a warning never blocks a quote or an approval, so the participant
can choose to defer, split, take a voucher, have an organisation paid, or decline.

Only what counts as the participant's earnings is added up: fees paid to them by bank transfer or
voucher (vouchers count as income for benefits). Fees paid to an organisation at their request,
declined fees and the fees of an expenses-only participant are not their earnings (DWP notional
earnings rule; see FACTS.md). Reimbursed expenses are never income and never count.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ledger.db.models import Activity, Participant, PaymentPreference, Record, WatchLimit
from ledger.involvement.history import approved_sum
from ledger.money import Money, display_amount
from ledger.rates.contract import WatchWarning
from ledger.rates.taxyear import tax_year_end, tax_year_label, tax_year_start, week_end, week_start

EARNING_PREFERENCES = (PaymentPreference.BANK_TRANSFER, PaymentPreference.VOUCHER)


def period_of(period: str, on: date) -> tuple[date, date]:
    """The Monday-to-Sunday week or the 6 April to 5 April tax year holding ``on``."""
    if period == "week":
        return week_start(on), week_end(on)
    return tax_year_start(on), tax_year_end(on)


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def period_words(period: str, on: date) -> str:
    if period == "week":
        return f"the week of {_long_date(week_start(on))}"
    return f"the tax year {tax_year_label(on)}"


def earnings_in(
    session: Session, participant_id: int, start: date, end: date, currency: str,
    *, exclude_record_id: int | None = None,
) -> int:
    """Approved, not reversed, fees that are the participant's earnings, by activity date (minor units)."""
    return approved_sum(
        session, Record.fees_minor, participant_id,
        Record.payment_preference_at_approval.in_([p.value for p in EARNING_PREFERENCES]),
        Record.currency == currency, Activity.date >= start, Activity.date <= end,
        exclude_record_id=exclude_record_id,
    )


def warnings_for(
    session: Session,
    participant: Participant,
    on: date,
    new_fees: Decimal,
    exclude_record_id: int | None = None,
    *,
    currency: str = "GBP",
) -> list[WatchWarning]:
    """Each of the participant's limits that ``new_fees`` on ``on`` would take them over.

    Nothing is warned when the new fees are not the participant's earnings under their current payment
    choice, or when there are no new fees. ``currency`` is the currency of ``new_fees``; limits set in
    another currency are not compared with it.
    """
    if participant.payment_preference not in EARNING_PREFERENCES or new_fees <= 0:
        return []
    warnings: list[WatchWarning] = []
    limits: list[WatchLimit] = list(participant.watch_limits)
    for limit in limits:
        if limit.currency != currency:
            continue
        start, end = period_of(limit.period, on)
        before = Money.from_minor(
            earnings_in(session, participant.id, start, end, currency, exclude_record_id=exclude_record_id), currency
        ).amount
        after = before + new_fees
        cap = Money.from_minor(limit.amount_minor, currency).amount
        if after <= cap:
            continue
        warnings.append(WatchWarning(
            period=limit.period,
            label=limit.label,
            period_start=start,
            period_end=end,
            limit=Money(cap, currency).text(),
            fees_before=Money(before, currency).text(),
            fees_after=Money(after, currency).text(),
            message=(
                f"This would take your fees for {period_words(limit.period, on)} to "
                f"{display_amount(after, currency)}, above your limit of {display_amount(cap, currency)} "
                f"({limit.label})."
            ),
        ))
    return warnings
