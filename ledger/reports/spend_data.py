"""A project spend report as plain data: what involvement cost, against budget, and how fast people were paid.

Why: programme managers and funders need to see that involvement is real (hours recognised, people
involved, including time people chose not to be paid for) and that payment is prompt. The reports layer
works these figures out from the ledger; renderers (PDF, JSON, CSV) only lay them out.

Money is ``Decimal`` in the report's currency. ``committed`` is approved but not yet paid;
``paid`` is what has been sent; ``remaining`` is budget minus committed minus paid and is present exactly
when a budget is. ``declined_value`` is the value of time people chose not to be paid for (declined
fees), neither paid nor owed; ``declined_expenses`` is costs they chose not to be paid back, kept apart
because costs are not time.

The report checks the totals row against the projects for every figure that adds up (money and
minutes); participant counts and waiting-time figures do not add across projects, so the reports layer
supplies them as measured across all projects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from ledger.errors import invalid_field
from ledger.money import MoneyError, minor_units
from ledger.reports.involvement_glance_data import ProjectGlance
from ledger.reports.statement_data import check_money, check_text

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

ADDITIVE_MONEY = ("committed", "paid", "fees", "expenses", "declined_value", "declined_expenses")
ADDITIVE_MINUTES = ("minutes_paid", "minutes_declined")


class ActivitySpend(NamedTuple):
    """Spend on one kind of activity (its rate-card label)."""

    label: str
    fees: Decimal
    expenses: Decimal
    minutes: int


class MonthSpend(NamedTuple):
    """Spend in one calendar month, ``month`` written ``YYYY-MM``."""

    month: str
    fees: Decimal
    expenses: Decimal


@dataclass(frozen=True, slots=True)
class ProjectSpend:
    """One project's figures for the report period (also used for the all-projects totals row)."""

    code: str
    name: str
    budget: Decimal | None
    committed: Decimal
    paid: Decimal
    remaining: Decimal | None
    fees: Decimal
    expenses: Decimal
    minutes_paid: int
    minutes_declined: int
    declined_value: Decimal
    participants: int
    days_to_payment_median: Decimal | None
    days_to_payment_p90: Decimal | None
    by_activity: tuple[ActivitySpend, ...] = ()
    by_month: tuple[MonthSpend, ...] = ()
    # Costs people chose not to be paid back (not time, not spent): apart from ``declined_value``.
    declined_expenses: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class SpendReport:
    """Spend per project for a period, with a totals row across them."""

    title: str
    period_from: date
    period_to: date
    currency: str
    generated_on: date
    projects: tuple[ProjectSpend, ...]
    totals: ProjectSpend
    # "Involvement at a glance" per project (ledger.reports.involvement_glance), then the row across them.
    involvement: tuple[ProjectGlance, ...] = ()

    def __post_init__(self) -> None:
        check_text(self.title, "title")
        try:
            minor_units(self.currency)
        except MoneyError as exc:
            raise invalid_field("currency", str(exc)) from None
        for name in ("period_from", "period_to", "generated_on"):
            if not isinstance(getattr(self, name), date):
                raise invalid_field(name, "must be a date")
        if self.period_from > self.period_to:
            raise invalid_field(
                "period_from",
                f"the period starts ({self.period_from.isoformat()}) after it ends "
                f"({self.period_to.isoformat()}); swap the dates",
            )
        if not isinstance(self.projects, tuple):
            raise invalid_field("projects", "must be a tuple")
        codes = [project.code for project in self.projects]
        if len(set(codes)) != len(codes):
            raise invalid_field("projects", "each project may appear only once")
        for i, project in enumerate(self.projects):
            self._check_project(project, f"projects[{i}]")
        self._check_project(self.totals, "totals", needs_code=False)
        for name in ADDITIVE_MONEY:
            expected = sum((getattr(p, name) for p in self.projects), Decimal(0))
            if getattr(self.totals, name) != expected:
                raise invalid_field(
                    f"totals.{name}", f"{getattr(self.totals, name)} is not the sum over projects ({expected})"
                )
        for name in ADDITIVE_MINUTES:
            expected_minutes = sum(getattr(p, name) for p in self.projects)
            if getattr(self.totals, name) != expected_minutes:
                raise invalid_field(
                    f"totals.{name}", f"{getattr(self.totals, name)} is not the sum over projects ({expected_minutes})"
                )

    def _check_project(self, project: ProjectSpend, where: str, *, needs_code: bool = True) -> None:
        if needs_code:
            check_text(project.code, f"{where}.code")
        check_text(project.name, f"{where}.name")
        for name in ADDITIVE_MONEY:
            check_money(getattr(project, name), self.currency, f"{where}.{name}")
        if (project.budget is None) != (project.remaining is None):
            raise invalid_field(f"{where}.remaining", "give remaining exactly when there is a budget")
        if project.budget is not None and project.remaining is not None:
            check_money(project.budget, self.currency, f"{where}.budget")
            check_money(project.remaining, self.currency, f"{where}.remaining")
        for name in ("minutes_paid", "minutes_declined", "participants"):
            value = getattr(project, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise invalid_field(f"{where}.{name}", "must be a whole number, 0 or more")
        for name in ("days_to_payment_median", "days_to_payment_p90"):
            value = getattr(project, name)
            if value is not None and (not isinstance(value, Decimal) or value < 0):
                raise invalid_field(f"{where}.{name}", "must be a Decimal number of days, 0 or more, or None")
        for j, row in enumerate(project.by_activity):
            check_text(row.label, f"{where}.by_activity[{j}].label")
            check_money(row.fees, self.currency, f"{where}.by_activity[{j}].fees")
            check_money(row.expenses, self.currency, f"{where}.by_activity[{j}].expenses")
        seen: set[str] = set()
        for j, month in enumerate(project.by_month):
            if not isinstance(month.month, str) or not _MONTH.match(month.month):
                raise invalid_field(f"{where}.by_month[{j}].month", f"{month.month!r} is not written YYYY-MM")
            if month.month in seen:
                raise invalid_field(f"{where}.by_month[{j}].month", f"{month.month} appears twice")
            seen.add(month.month)
            check_money(month.fees, self.currency, f"{where}.by_month[{j}].fees")
            check_money(month.expenses, self.currency, f"{where}.by_month[{j}].expenses")

    def months(self) -> tuple[MonthSpend, ...]:
        """Spend by month across all projects, in month order (what the chart draws)."""
        fees: dict[str, Decimal] = {}
        expenses: dict[str, Decimal] = {}
        for project in self.projects:
            for month in project.by_month:
                fees[month.month] = fees.get(month.month, Decimal(0)) + month.fees
                expenses[month.month] = expenses.get(month.month, Decimal(0)) + month.expenses
        return tuple(MonthSpend(m, fees[m], expenses[m]) for m in sorted(fees))
