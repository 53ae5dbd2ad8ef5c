"""Watch limits: telling a participant before a payment would take them over a limit they care about.

People on benefits can lose support when their earnings in a week pass a limit (ESA permitted work,
Carer's Allowance), and casual income above the trading allowance in a tax year needs a tax return.
The ledger informs; it never decides: a warning never blocks a quote or an approval, so the participant
can choose to defer, split, take a voucher, have an organisation paid, or decline.

Only what counts as the participant's earnings is added up (one rule, :func:`counts_as_earnings`):
fees paid to them by bank transfer or voucher (vouchers count as income for benefits). Fees paid to an
organisation at their request, declined fees and the fees of an expenses-only participant are not
their earnings (DWP notional earnings rule; see FACTS.md). Reimbursed expenses are never income and never count.

A limit is an amount typed by hand or a named limit (Carer's Allowance, ESA permitted work, the trading
allowance) kept as dated data in ``ledger/rates/limits``: the amount in force on the activity date is
used (:func:`limit_in_force`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ledger.db.models import Activity, Participant, PaymentPreference, Record, WatchLimit
from ledger.involvement.history import approved_sum
from ledger.money import Money, display_amount
from ledger.rates.benefit_limits import LimitRegistry, default_limits
from ledger.rates.contract import WatchWarning
from ledger.rates.taxyear import tax_year_end, tax_year_label, tax_year_start, week_end, week_start

EARNING_PREFERENCES = (PaymentPreference.BANK_TRANSFER, PaymentPreference.VOUCHER)


def counts_as_earnings(preference: str | None) -> bool:
    """THE watch-limit rule: are fees paid under this payment choice the participant's own earnings?

    Yes for bank transfer and voucher (vouchers are treated as earnings so nobody is caught out); no for
    fees paid to an organisation at their request, declined fees and an expenses-only choice (DWP
    notional earnings rule, FACTS.md). Quotes, approval, balances and statements all ask this function
    (SQL sums use :func:`earning_preferences`, built from the same tuple).
    """
    return preference is not None and PaymentPreference(preference) in EARNING_PREFERENCES


def earning_preferences() -> list[str]:
    """The payment choices whose fees count as earnings, for SQL ``IN`` conditions (see counts_as_earnings)."""
    return [p.value for p in EARNING_PREFERENCES]


@dataclass(frozen=True)
class LimitInForce:
    """A participant's watch limit as it applies on one date."""

    period: str
    label: str
    amount: Decimal
    currency: str
    key: str | None = None  # the named limit, when the limit is one
    source: str | None = None  # where a named limit's figure comes from
    effective_from: date | None = None  # since when that figure is in force


def limit_in_force(
    limit: WatchLimit, on: date, registry: LimitRegistry | None = None
) -> LimitInForce | None:
    """The limit's amount on ``on``: the typed amount, or the named limit's amount in force that day.

    ``None`` when a named limit has no figure for that date (before its first) or is no longer defined
    (its file was removed): nothing can be compared, so nothing is warned.
    """
    if limit.limit_key is None:
        assert limit.amount_minor is not None  # the database check guarantees one of the two
        return LimitInForce(limit.period, limit.label, Money.from_minor(limit.amount_minor, limit.currency).amount,
                            limit.currency)
    named = (registry or default_limits()).get(limit.limit_key)
    entry = named.in_force(on) if named is not None else None
    if named is None or entry is None:
        return None
    return LimitInForce(named.period, limit.label, entry.amount, named.currency, named.key, entry.source,
                        entry.effective_from)


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
        Record.payment_preference_at_approval.in_(earning_preferences()),
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
    if not counts_as_earnings(participant.payment_preference) or new_fees <= 0:
        return []
    warnings: list[WatchWarning] = []
    for limit in participant.watch_limits:
        found = limit_in_force(limit, on)
        if found is None or found.currency != currency:
            continue
        start, end = period_of(found.period, on)
        before = Money.from_minor(
            earnings_in(session, participant.id, start, end, currency, exclude_record_id=exclude_record_id), currency
        ).amount
        after = before + new_fees
        cap = found.amount
        if after <= cap:
            continue
        warnings.append(WatchWarning(
            period=found.period,
            label=limit.label,
            period_start=start,
            period_end=end,
            limit=Money(cap, currency).text(),
            fees_before=Money(before, currency).text(),
            fees_after=Money(after, currency).text(),
            message=(
                f"This would take your fees for {period_words(found.period, on)} to "
                f"{display_amount(after, currency)}, above your limit of {display_amount(cap, currency)} "
                f"({limit.label})."
            ),
            limit_key=found.key,
            source=found.source,
        ))
    return warnings


@dataclass(frozen=True)
class WatchStatus:
    """Where a participant stands against one limit in the period holding ``on`` (for balances)."""

    limit: LimitInForce
    period_start: date
    period_end: date
    earnings: Decimal  # approved fees that are their own earnings (counts_as_earnings), by activity date

    @property
    def over(self) -> bool:
        return self.earnings > self.limit.amount


def watch_statuses(session: Session, participant: Participant, on: date) -> list[WatchStatus]:
    """Each limit with the earnings counted so far in its period holding ``on``: the same sum the
    warnings of quotes and approvals start from (``earnings_in``)."""
    statuses: list[WatchStatus] = []
    for limit in participant.watch_limits:
        found = limit_in_force(limit, on)
        if found is None:
            continue
        start, end = period_of(found.period, on)
        earned = Money.from_minor(earnings_in(session, participant.id, start, end, found.currency), found.currency)
        statuses.append(WatchStatus(found, start, end, earned.amount))
    return statuses
