"""A participant's statement as plain data: what they did, what it was worth, what was paid and why.

Why plain frozen data: the statement is assembled from the database in one place and rendered (PDF,
JSON) in others. Renderers must never query, and a statement must never change after it is built, so
everything a renderer needs is here, already worked out, as ``Decimal`` money in one currency.

The objects check themselves when built: a statement that does not add up (an activity whose fees are
not the sum of its fee lines, a payment whose total is not fees plus expenses, a float where money
belongs) is refused with a clear :class:`ledger.errors.Invalid` naming the field, because a participant
must never receive a statement with wrong sums on it.

Meaning of the money on an activity:

* ``fees`` is the money for the person's time, ``expenses`` the costs paid back. They are never mixed.
* ``declined=True`` means the person chose not to be paid for their time: ``fees`` is then the value of
  that time (recognised, shown, but neither paid nor owed). Expenses may still be paid or owed, or
  declined too (``expenses_declined``: someone who chose "decline" is paid back nothing either).
* Fee and expenses are paid apart, so where the money is goes per category: ``paid_fees``/``owed_fees``
  and ``paid_expenses``/``owed_expenses``/``expenses_declined`` (someone whose fees go to an
  organisation has the fee paid there and their own costs paid to them by bank transfer, later or not).
* ``status`` sums that up: ``"paid"`` (nothing left owed), ``"owed"`` (some of it is approved, not yet
  paid), ``"declined"`` (nothing to pay at all: the fee was declined and the expenses are declined or
  none), or ``"reversed"`` (recorded by mistake and cancelled: shown for openness, counted nowhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, get_args

from ledger.errors import invalid_field
from ledger.money import MoneyError, minor_units, round_money
from ledger.organisation import Organisation
from ledger.recognition.data import OutcomeItem

StatementStyle = Literal["standard", "large_print", "easy_read"]
ActivityStatus = Literal["paid", "owed", "declined", "reversed"]
WatchPeriod = Literal["week", "tax_year"]

STATEMENT_STYLES: tuple[str, ...] = get_args(StatementStyle)
ACTIVITY_STATUSES: tuple[str, ...] = get_args(ActivityStatus)
WATCH_PERIODS: tuple[str, ...] = get_args(WatchPeriod)


# How each payment method is named on statements and payment advice (plain data, so renderers and the
# e-mail words can share it without reading the database).
METHOD_LABELS = {
    "bank_transfer": "Bank transfer",
    "voucher": "Voucher",
    "organisation": "Paid to an organisation for you",
}


def check_money(value: object, currency: str, where: str) -> None:
    """Refuse anything but a Decimal with at most the currency's decimal places (floats included)."""
    if not isinstance(value, Decimal):
        raise invalid_field(where, f"must be a Decimal amount, got {type(value).__name__}")
    if not value.is_finite():
        raise invalid_field(where, f"{value} is not a finite amount")
    if round_money(value, currency) != value:
        raise invalid_field(where, f"{value} has more decimal places than {currency} allows")


def check_text(value: object, where: str) -> None:
    """Text fields a reader sees must be present: an empty name or label would leave a hole on paper."""
    if not isinstance(value, str) or not value.strip():
        raise invalid_field(where, "must be non-empty text")


def _check_date(value: object, where: str) -> None:
    if not isinstance(value, date):
        raise invalid_field(where, f"must be a date, got {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One itemised amount with the plain-language reason the rate engine gave for it."""

    kind: str
    explanation: str
    amount: Decimal
    is_fee: bool
    # The time a time line pays for and the count behind a counted line (miles), for plain-word renderings.
    minutes: int | None = None
    quantity: str | None = None


@dataclass(frozen=True, slots=True)
class StatementActivity:
    """One piece of involvement (one record) and how its money was worked out."""

    date: date
    project_name: str
    activity_label: str
    role: str
    mode: str
    minutes: int
    lines: tuple[StatementLine, ...]
    fees: Decimal
    expenses: Decimal
    declined: bool
    status: ActivityStatus
    # Whether its fees are the person's own earnings for watch limits (``ledger.involvement.watch.
    # counts_as_earnings``: bank transfer or voucher; not fees paid to an organisation, not declined ones).
    own_earnings: bool = True
    # What was paid of the fees / of the expenses (from ``ledger.involvement.paid``). ``None`` means all or
    # nothing by ``status`` (for hand-made statements); the statement builder always gives the amounts.
    fees_paid: Decimal | None = None
    expenses_paid: Decimal | None = None
    # The part of ``expenses`` the person chose not to be paid back (the "decline" choice): not owed.
    expenses_declined: Decimal = Decimal(0)

    @property
    def counted(self) -> bool:
        """Reversed activities are shown for openness but counted in no total."""
        return self.status != "reversed"

    @property
    def paid_fees(self) -> Decimal:
        """Money for their time that was paid (to them or to the organisation they chose)."""
        if not self.counted or self.declined:
            return Decimal(0)
        if self.fees_paid is not None:
            return self.fees_paid
        return self.fees if self.status == "paid" else Decimal(0)

    @property
    def owed_fees(self) -> Decimal:
        """Money for their time still to be paid (declined time is never owed)."""
        if not self.counted or self.declined:
            return Decimal(0)
        return self.fees - self.paid_fees

    @property
    def paid_expenses(self) -> Decimal:
        """Costs paid back."""
        if not self.counted:
            return Decimal(0)
        if self.expenses_paid is not None:
            return self.expenses_paid
        return self.expenses - self.expenses_declined if self.status == "paid" else Decimal(0)

    @property
    def owed_expenses(self) -> Decimal:
        """Costs still to be paid back (declined costs are never owed)."""
        if not self.counted:
            return Decimal(0)
        return self.expenses - self.expenses_declined - self.paid_expenses


@dataclass(frozen=True, slots=True)
class StatementPayment:
    """One payment the person received (or that was sent on their behalf)."""

    date: date
    method_label: str
    reference: str
    fees: Decimal
    expenses: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class PeriodTotal:
    """Totals for a tax year or a week, with the watch limit for that period beside them, if any.

    ``fees`` is what counts towards the limit: fees that are the person's own earnings, paid or owed
    (the one watch-limit rule, the same as quotes and approvals warn on). Fees paid to an organisation
    at their request (``paid_to_organisation``) and declined time (``declined``) are shown apart because
    they are not their earnings.
    """

    label: str
    fees: Decimal
    expenses: Decimal
    declined: Decimal
    limit: Decimal | None = None
    limit_label: str | None = None
    paid_to_organisation: Decimal = Decimal(0)
    # Costs they chose not to be paid back (not in ``expenses``, which is what is paid back or owed).
    declined_expenses: Decimal = Decimal(0)

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.fees > self.limit


@dataclass(frozen=True, slots=True)
class WatchLimitInfo:
    """A limit the participant asked us to watch (e.g. a weekly permitted-work earnings limit)."""

    period: WatchPeriod
    amount: Decimal
    label: str


@dataclass(frozen=True, slots=True)
class StatementSummary:
    """The numbers behind the opening summary sentence. Reversed activities are left out of all of them."""

    activity_count: int
    total_minutes: int
    fees_paid: Decimal
    expenses_paid: Decimal
    fees_owed: Decimal
    expenses_owed: Decimal
    declined_value: Decimal
    declined_minutes: int
    declined_count: int
    reversed_count: int
    # The parts of ``fees_paid`` / ``fees_owed`` that go to an organisation at the person's request (so the
    # statement can say "to the organisation you asked us to pay", not "we paid you").
    fees_paid_to_organisation: Decimal = Decimal(0)
    fees_owed_to_organisation: Decimal = Decimal(0)
    # Costs the person chose not to be paid back (the "decline" choice): neither paid nor owed.
    expenses_declined: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Statement:
    """Everything printed on one participant's statement for one period, in one currency."""

    participant_reference: str
    participant_name: str
    organisation_name: str
    period_from: date
    period_to: date
    currency: str
    style: StatementStyle
    rate_card_sources: tuple[str, ...]
    activities: tuple[StatementActivity, ...]
    payments: tuple[StatementPayment, ...]
    tax_years: tuple[PeriodTotal, ...]
    weeks: tuple[PeriodTotal, ...]
    watch_limits: tuple[WatchLimitInfo, ...]
    generated_on: date
    # Who sent it and whom to ask (``ledger setup``); every rendered statement names the contact person.
    contact: Organisation | None = None
    # The organisation the person asked us to pay for their time (when they did), named on the statement.
    fees_paid_to: str | None = None
    # Money is owed to them by bank transfer (their own costs, when their fees go to an organisation) and we
    # have no confirmed bank details: the statement asks for them instead of promising a later payment.
    bank_details_needed: bool = False
    # What changed because of their input (ledger.recognition.outcomes.outcomes_for_participant): only outcomes of
    # activities (or whole projects) they took part in.
    outcomes: tuple[OutcomeItem, ...] = ()

    def __post_init__(self) -> None:
        for name in ("participant_reference", "participant_name", "organisation_name"):
            check_text(getattr(self, name), name)
        try:
            minor_units(self.currency)
        except MoneyError as exc:
            raise invalid_field("currency", str(exc)) from None
        if self.style not in STATEMENT_STYLES:
            raise invalid_field("style", f"{self.style!r} is not one of {', '.join(STATEMENT_STYLES)}")
        for name in ("period_from", "period_to", "generated_on"):
            _check_date(getattr(self, name), name)
        if self.period_from > self.period_to:
            raise invalid_field(
                "period_from",
                f"the period starts ({self.period_from.isoformat()}) after it ends "
                f"({self.period_to.isoformat()}); swap the dates",
            )
        for name in ("rate_card_sources", "activities", "payments", "tax_years", "weeks", "watch_limits"):
            if not isinstance(getattr(self, name), tuple):
                raise invalid_field(name, "must be a tuple (statements are immutable)")
        for i, source in enumerate(self.rate_card_sources):
            check_text(source, f"rate_card_sources[{i}]")
        for i, activity in enumerate(self.activities):
            self._check_activity(activity, f"activities[{i}]")
        for i, payment in enumerate(self.payments):
            self._check_payment(payment, f"payments[{i}]")
        for i, limit in enumerate(self.watch_limits):
            where = f"watch_limits[{i}]"
            if limit.period not in WATCH_PERIODS:
                raise invalid_field(f"{where}.period", f"{limit.period!r} is not one of week, tax_year")
            check_money(limit.amount, self.currency, f"{where}.amount")
            check_text(limit.label, f"{where}.label")
        for group in ("tax_years", "weeks"):
            for i, total in enumerate(getattr(self, group)):
                self._check_total(total, f"{group}[{i}]")
        if self.weeks and not any(limit.period == "week" for limit in self.watch_limits):
            raise invalid_field("weeks", "weekly totals are shown only when the participant has a weekly limit")

    def _check_activity(self, activity: StatementActivity, where: str) -> None:
        _check_date(activity.date, f"{where}.date")
        if not self.period_from <= activity.date <= self.period_to:
            raise invalid_field(
                f"{where}.date",
                f"{activity.date.isoformat()} is outside the statement period "
                f"{self.period_from.isoformat()} to {self.period_to.isoformat()}",
            )
        for name in ("project_name", "activity_label"):
            check_text(getattr(activity, name), f"{where}.{name}")
        if not isinstance(activity.minutes, int) or isinstance(activity.minutes, bool) or activity.minutes < 0:
            raise invalid_field(f"{where}.minutes", "must be a whole number of minutes, 0 or more")
        if activity.status not in ACTIVITY_STATUSES:
            raise invalid_field(f"{where}.status", f"{activity.status!r} is not one of {', '.join(ACTIVITY_STATUSES)}")
        check_money(activity.fees, self.currency, f"{where}.fees")
        check_money(activity.expenses, self.currency, f"{where}.expenses")
        if activity.expenses < 0:
            raise invalid_field(f"{where}.expenses", "cannot be negative")
        for j, line in enumerate(activity.lines):
            check_money(line.amount, self.currency, f"{where}.lines[{j}].amount")
            check_text(line.explanation, f"{where}.lines[{j}].explanation")
        fee_sum = sum((line.amount for line in activity.lines if line.is_fee), Decimal(0))
        expense_sum = sum((line.amount for line in activity.lines if not line.is_fee), Decimal(0))
        if activity.lines and fee_sum != activity.fees:
            raise invalid_field(f"{where}.fees", f"{activity.fees} is not the sum of its fee lines ({fee_sum})")
        if activity.lines and expense_sum != activity.expenses:
            raise invalid_field(
                f"{where}.expenses", f"{activity.expenses} is not the sum of its expense lines ({expense_sum})"
            )
        for name in ("fees_paid", "expenses_paid"):
            if getattr(activity, name) is not None:
                check_money(getattr(activity, name), self.currency, f"{where}.{name}")
        check_money(activity.expenses_declined, self.currency, f"{where}.expenses_declined")
        if not Decimal(0) <= activity.expenses_declined <= activity.expenses:
            raise invalid_field(f"{where}.expenses_declined", "must be between 0 and the expenses")
        if activity.counted:
            if activity.fees_paid is not None and not Decimal(0) <= activity.fees_paid <= activity.fees:
                raise invalid_field(f"{where}.fees_paid", "must be between 0 and the fees")
            if activity.paid_expenses < 0 or activity.owed_expenses < 0:
                raise invalid_field(f"{where}.expenses_paid",
                                    "paid and declined expenses together cannot be more than the expenses")
            if activity.status == "paid" and (activity.owed_fees or activity.owed_expenses):
                raise invalid_field(f"{where}.status", "status 'paid' means nothing is still owed")
        if activity.status == "declined" and not activity.declined:
            raise invalid_field(f"{where}.status", "status 'declined' needs declined=True")
        if activity.status == "declined" and activity.expenses != activity.expenses_declined:
            raise invalid_field(
                f"{where}.status",
                "status 'declined' means nothing is paid or owed; when expenses are paid or owed use "
                "status 'paid' or 'owed' with declined=True",
            )

    def _check_payment(self, payment: StatementPayment, where: str) -> None:
        _check_date(payment.date, f"{where}.date")
        check_text(payment.method_label, f"{where}.method_label")
        check_text(payment.reference, f"{where}.reference")
        for name in ("fees", "expenses", "total"):
            check_money(getattr(payment, name), self.currency, f"{where}.{name}")
        if payment.fees + payment.expenses != payment.total:
            raise invalid_field(
                f"{where}.total", f"{payment.total} is not fees plus expenses ({payment.fees + payment.expenses})"
            )

    def _check_total(self, total: PeriodTotal, where: str) -> None:
        check_text(total.label, f"{where}.label")
        for name in ("fees", "expenses", "declined", "paid_to_organisation", "declined_expenses"):
            check_money(getattr(total, name), self.currency, f"{where}.{name}")
        if total.limit is not None:
            check_money(total.limit, self.currency, f"{where}.limit")
            check_text(total.limit_label, f"{where}.limit_label")

    @property
    def summary(self) -> StatementSummary:
        """The opening numbers, worked out from the activities so they always agree with the detail."""
        return summarise(self.activities)


def summarise(activities: Iterable[StatementActivity]) -> StatementSummary:
    """Sum activities into the statement's opening numbers (reversed ones are counted apart)."""
    zero = Decimal(0)
    count = minutes = declined_minutes = declined_count = reversed_count = 0
    fees_paid = expenses_paid = fees_owed = expenses_owed = declined_value = expenses_declined = zero
    paid_to_organisation = owed_to_organisation = zero
    for activity in activities:
        if not activity.counted:
            reversed_count += 1
            continue
        count += 1
        minutes += activity.minutes
        if activity.declined:
            declined_count += 1
            declined_minutes += activity.minutes
            declined_value += activity.fees
        # Per category: a fee paid to an organisation while the person's own costs wait is both.
        fees_paid += activity.paid_fees
        fees_owed += activity.owed_fees
        expenses_paid += activity.paid_expenses
        expenses_owed += activity.owed_expenses
        expenses_declined += activity.expenses_declined
        if not activity.own_earnings:
            paid_to_organisation += activity.paid_fees
            owed_to_organisation += activity.owed_fees
    return StatementSummary(
        activity_count=count,
        total_minutes=minutes,
        fees_paid=fees_paid,
        expenses_paid=expenses_paid,
        fees_owed=fees_owed,
        expenses_owed=expenses_owed,
        declined_value=declined_value,
        declined_minutes=declined_minutes,
        declined_count=declined_count,
        reversed_count=reversed_count,
        fees_paid_to_organisation=paid_to_organisation,
        fees_owed_to_organisation=owed_to_organisation,
        expenses_declined=expenses_declined,
    )
