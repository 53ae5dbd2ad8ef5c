"""Spend roll-ups per project and across projects, computed in the database.

Every figure is a GROUP BY / SUM (or COUNT DISTINCT) in SQL, so a ledger of millions of postings is never
loaded into Python; only one row per project (and per activity kind and month) comes back. The money,
minutes and people figures read the roll-up summaries (``ledger.db.models_summaries``: one row per
project, day, account and activity, kept by the database in the same transaction as the postings and
checked by ``ledger report check``), so their cost grows with days, not postings. "Paid" and days to
payment read ``paid_days`` and ``payment_days`` (per project and day, rewritten with the per-record
``paid_summaries`` and ``payment_times`` when a batch is marked paid or a line returned, from the same
"what was paid" rule statements and balances use). Distinct people read ``participant_years`` for the
whole tax years in the period and ``participant_days`` for the days outside them.
The period selects by **activity date** (when the involvement happened).

What each figure means (also explained to finance officers in docs/payments.md):

* ``fees`` / ``expenses``: approved on the project's spend account, net of reversals;
* ``paid``: the part of that already sent: payable postings locked in a batch line marked paid (a
  returned payment is not paid until it is paid again in a later batch);
* ``committed``: approved but not yet paid (``fees + expenses - paid``); it can be negative when a
  record was reversed after payment and the money is still to be recovered;
* ``remaining``: ``budget - committed - paid`` (the budget is the project's whole budget);
* ``declined_value`` and ``minutes_declined``: time people chose not to be paid for, recognised on the
  FOREGONE account (declined FEES only: it is the value of time); ``minutes_paid`` is the paid-for time
  (the ``minutes`` on fee legs);
* ``declined_expenses``: costs people chose not to be paid back (the "decline" choice declines costs
  too), also on the FOREGONE account, kept apart because costs are not time and were never spent;
* ``participants``: distinct people with an approved record in the period;
* days to payment: per record, days from the activity date to the paid date of its (latest) paid
  batch. SQL counts the paid records per number of days; the median and 90th percentile are
  interpolated from those counts exactly with ``Decimal``, the way ``percentile_cont`` does, and
  rounded to 0.1 day (the same on SQLite, which has no percentile function, and PostgreSQL).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Integer, case, cast, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import (
    AccountKind,
    Category,
    Project,
)
from ledger.db.models_summaries import PaidDay, ParticipantDay, ParticipantYear, PaymentDay, SpendSummary
from ledger.errors import Invalid, NotFound
from ledger.exports.safety import cell
from ledger.money import Money, format_amount
from ledger.rates.taxyear import resolve_period
from ledger.reports.spend_data import ActivitySpend, MonthSpend, ProjectSpend, SpendReport
from ledger.reports.statements import activity_label

ALL = -1  # the key of the across-projects row in per-project dictionaries
TENTH = Decimal("0.1")
HALF, NINE_TENTHS = Decimal("0.5"), Decimal("0.9")


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def project_spend(
    session: Session, project_id: int, period_from: date | None = None, period_to: date | None = None,
    *, today: date | None = None,
) -> SpendReport:
    """One project's spend report for the period (default: the current UK tax year)."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"there is no project with id {project_id}")
    return spend_report(session, [project.id], period_from, period_to, today=today,
                        title=f"Involvement spend: {project.name}")


def spend_report(
    session: Session,
    project_ids: Sequence[int] | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    *,
    today: date | None = None,
    title: str = "Involvement spend: all projects",
) -> SpendReport:
    """Spend for the given projects (``None``: every project) with a totals row across them."""
    today = today or clock.today()
    start, end = resolve_period(period_from, period_to, today)
    query = select(Project).order_by(Project.code)
    if project_ids is not None:
        query = query.where(Project.id.in_(list(project_ids)))
    projects = session.scalars(query).all()
    currencies = {p.currency for p in projects}
    if len(currencies) > 1:
        raise Invalid(f"these projects use several currencies ({', '.join(sorted(currencies))}); ask for one "
                      "project at a time")
    currency = currencies.pop() if currencies else "GBP"
    ids = [p.id for p in projects]
    period = (start, end)

    sums, by_activity = _sums_and_activities(session, ids, period, currency)
    paid = _paid(session, ids, period)
    people = _participants(session, ids, period)
    days = _days_to_payment(session, ids, period)
    by_month = _by_month(session, ids, period, currency)

    def money(minor: int) -> Decimal:
        return Money.from_minor(int(minor), currency).amount

    rows: list[ProjectSpend] = []
    for project in projects:
        fees, expenses, declined, declined_expenses, minutes_paid, minutes_declined = sums.get(
            project.id, (0, 0, 0, 0, 0, 0))
        paid_minor = paid.get(project.id, 0)
        committed = fees + expenses - paid_minor
        budget = project.budget_minor
        median, p90 = days.get(project.id, (None, None))
        rows.append(ProjectSpend(
            code=project.code, name=project.name,
            budget=money(budget) if budget is not None else None,
            committed=money(committed), paid=money(paid_minor),
            remaining=money(budget - committed - paid_minor) if budget is not None else None,
            fees=money(fees), expenses=money(expenses),
            minutes_paid=minutes_paid, minutes_declined=minutes_declined, declined_value=money(declined),
            declined_expenses=money(declined_expenses),
            participants=people.get(project.id, 0),
            days_to_payment_median=median, days_to_payment_p90=p90,
            by_activity=by_activity.get(project.id, ()), by_month=by_month.get(project.id, ()),
        ))
    zero = Decimal(0)
    budgets = [r.budget for r in rows]
    total_budget = sum((b for b in budgets if b is not None), zero) if rows and None not in budgets else None
    committed_total = sum((r.committed for r in rows), zero)
    paid_total = sum((r.paid for r in rows), zero)
    median, p90 = days.get(ALL, (None, None))
    totals = ProjectSpend(
        code="ALL", name="All projects" if len(rows) != 1 else rows[0].name,
        budget=total_budget, committed=committed_total, paid=paid_total,
        remaining=total_budget - committed_total - paid_total if total_budget is not None else None,
        fees=sum((r.fees for r in rows), zero), expenses=sum((r.expenses for r in rows), zero),
        minutes_paid=sum(r.minutes_paid for r in rows), minutes_declined=sum(r.minutes_declined for r in rows),
        declined_value=sum((r.declined_value for r in rows), zero),
        declined_expenses=sum((r.declined_expenses for r in rows), zero),
        participants=people.get(ALL, 0), days_to_payment_median=median, days_to_payment_p90=p90,
        by_activity=_merge_activity(rows), by_month=_merge_month(rows),
    )
    return SpendReport(title=title, period_from=start, period_to=end, currency=currency, generated_on=today,
                       projects=tuple(rows), totals=totals)


# ------------------------------------------------------------------------------------------- queries


def _sums_and_activities(
    session: Session, ids: list[int], period: tuple[date, date], currency: str
) -> tuple[dict[int, tuple[int, int, int, int, int, int]], dict[int, tuple[ActivitySpend, ...]]]:
    """Per project: fees, expenses, declined fees (the value of declined time), declined expenses,
    paid-for minutes and declined minutes; and fees, expenses and minutes per activity (in the rate
    card's words). One GROUP BY over the summary rows per project, activity and rate card: a project's
    figures are the sum of its groups, and "by activity" is every group that came from a record
    (``activity`` is '' for a project posting without one)."""
    s = SpendSummary
    spend = s.account_kind == AccountKind.PROJECT_SPEND.value
    foregone = s.account_kind == AccountKind.PROJECT_FOREGONE.value
    fee = s.category == Category.FEE.value
    expense = s.category == Category.EXPENSE.value
    query = (
        select(
            s.project_id, s.activity, s.rate_card, func.min(s.activity_date),
            func.sum(case((spend & fee, s.amount_minor), else_=0)),
            func.sum(case((spend & expense, s.amount_minor), else_=0)),
            func.sum(case((foregone & fee, s.amount_minor), else_=0)),
            func.sum(case((foregone & expense, s.amount_minor), else_=0)),
            func.sum(case((spend & fee, s.minutes), else_=0)),
            func.sum(case((foregone & fee, s.minutes), else_=0)),
        )
        .where(s.project_id.in_(ids), s.activity_date.between(*period))
        .group_by(s.project_id, s.activity, s.rate_card)
    )
    sums: dict[int, list[int]] = {}
    merged: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for project_id, key, rate_card, first, *figures in session.execute(query):
        fees, expenses, declined, declined_expenses, minutes_paid, minutes_declined = (int(v or 0) for v in figures)
        total = sums.setdefault(int(project_id), [0, 0, 0, 0, 0, 0])
        for i, value in enumerate((fees, expenses, declined, declined_expenses, minutes_paid, minutes_declined)):
            total[i] += value
        if key == "":
            continue
        label = activity_label(rate_card or None, key, first)
        row = merged[int(project_id)].setdefault(label, [0, 0, 0])
        row[0] += fees
        row[1] += expenses
        row[2] += minutes_paid + minutes_declined  # fee minutes, paid for or declined
    by_activity = {
        pid: tuple(ActivitySpend(label, Money.from_minor(v[0], currency).amount,
                                 Money.from_minor(v[1], currency).amount, v[2]) for label, v in sorted(rows.items()))
        for pid, rows in merged.items()
    }
    return {pid: (v[0], v[1], v[2], v[3], v[4], v[5]) for pid, v in sums.items()}, by_activity


def _paid(session: Session, ids: list[int], period: tuple[date, date]) -> dict[int, int]:
    """Paid per project: the ``paid_days`` rows (what was paid per project and activity date;
    ``ledger.payments.paid_summaries`` keeps them with the batches, by the one "what was paid" rule)."""
    p = PaidDay
    query = (
        select(p.project_id, func.sum(p.paid_minor))
        .where(p.project_id.in_(ids), p.activity_date.between(*period))
        .group_by(p.project_id)
    )
    return {int(project_id): int(total or 0) for project_id, total in session.execute(query)}


def whole_tax_years(start: date, end: date) -> tuple[int, int] | None:
    """The first and last UK tax year (as the year each starts) lying wholly inside ``start``..``end``,
    or None when no whole tax year does."""
    first = start.year if start <= date(start.year, 4, 6) else start.year + 1
    last = end.year - 1 if end >= date(end.year, 4, 5) else end.year - 2
    return (first, last) if first <= last else None


def _people_rows(ids: list[int], period: tuple[date, date]) -> Any:
    """(project, person) for every approved record in the period, possibly repeated: from
    ``participant_years`` for the whole tax years inside it (one row per person and project a year) and
    from ``participant_days`` for the days before and after them (all of it when no whole year fits)."""
    d, y = ParticipantDay, ParticipantYear
    start, end = period
    years = whole_tax_years(start, end)
    if years is None:
        return select(d.project_id, d.participant_id).where(d.project_id.in_(ids), d.activity_date.between(start, end))
    first, last = years
    edges = [(start, date(first, 4, 5)), (date(last + 1, 4, 6), end)]
    by_year = select(y.project_id, y.participant_id).where(y.project_id.in_(ids), y.tax_year.between(first, last))
    edge_days = [d.activity_date.between(a, b) for a, b in edges if a <= b]
    if not edge_days:
        return by_year
    by_day = select(d.project_id, d.participant_id).where(d.project_id.in_(ids), or_(*edge_days))
    return union_all(by_year, by_day)


def _participants(session: Session, ids: list[int], period: tuple[date, date]) -> dict[int, int]:
    """Distinct people with an approved record in the period: per project, and across all of them.
    A person counts once however many of their rows :func:`_people_rows` gives."""
    rows = _people_rows(ids, period).subquery()
    project_id, participant_id = rows.c
    people = func.count(func.distinct(participant_id))
    if _is_postgres(session):  # one scan: per project, and () for everyone (project_id NULL)
        both = select(project_id, people).group_by(func.grouping_sets(project_id, literal_column("()")))
        result = {ALL if pid is None else int(pid): int(n) for pid, n in session.execute(both)}
        result.setdefault(ALL, 0)
        return result
    per_project = select(project_id, people).group_by(project_id)
    result = {int(pid): int(n) for pid, n in session.execute(per_project)}
    if len(result) <= 1:  # one project: its count is the count across projects
        result[ALL] = sum(result.values())
    else:
        result[ALL] = int(session.scalar(select(people)) or 0)
    return result


def _days_expression(session: Session) -> Any:
    t = PaymentDay
    if _is_postgres(session):
        return t.paid_on - t.activity_date  # date - date is a whole number of days
    return (cast(func.strftime("%s", t.paid_on), Integer) - cast(func.strftime("%s", t.activity_date), Integer)) / 86400


def _days_to_payment(
    session: Session, ids: list[int], period: tuple[date, date]
) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """Median and 90th percentile of days from activity to payment, per project and across them.

    ``payment_days`` counts the paid records per project, activity date and paid date; SQL adds them up
    per project and number of days (a few hundred rows come back however many records), and
    :func:`percentile_of_counts` interpolates exactly as ``percentile_cont`` does."""
    t = PaymentDay
    days = _days_expression(session)
    query = (
        select(t.project_id, days, func.sum(t.records))
        .where(t.project_id.in_(ids), t.activity_date.between(*period))
        .group_by(t.project_id, days)
    )
    per_project: dict[int, dict[int, int]] = defaultdict(dict)
    everyone: dict[int, int] = defaultdict(int)
    for project_id, value, records in session.execute(query):
        per_project[int(project_id)][int(value)] = int(records)
        everyone[int(value)] += int(records)
    result: dict[int, tuple[Decimal | None, Decimal | None]] = {}
    for project_id, counts in per_project.items():
        ordered = sorted(counts.items())
        result[project_id] = (percentile_of_counts(ordered, HALF), percentile_of_counts(ordered, NINE_TENTHS))
    ordered = sorted(everyone.items())
    result[ALL] = (percentile_of_counts(ordered, HALF), percentile_of_counts(ordered, NINE_TENTHS))
    return result


def _tenth(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_UP)


def percentile_of_counts(counts: Sequence[tuple[int, int]], fraction: Decimal) -> Decimal | None:
    """:func:`percentile` of the values given as ``(value, how many times)`` pairs, sorted by value."""
    total = sum(n for _, n in counts)
    if total == 0:
        return None
    position = fraction * (total - 1)
    lower = int(position)
    upper = min(lower + 1, total - 1)

    def at(index: int) -> int:
        seen = 0
        for value, n in counts:
            seen += n
            if index < seen:
                return value
        raise AssertionError("index beyond the counted values")  # pragma: no cover

    low, high = Decimal(at(lower)), Decimal(at(upper))
    return (low + (high - low) * (position - lower)).quantize(TENTH, rounding=ROUND_HALF_UP)


def percentile(sorted_values: Sequence[int], fraction: Decimal) -> Decimal | None:
    """``percentile_cont``: linear interpolation between the closest ranks, exact, rounded to 0.1."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    value = Decimal(sorted_values[lower]) + (Decimal(sorted_values[upper]) - Decimal(sorted_values[lower])) * weight
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _by_month(
    session: Session, ids: list[int], period: tuple[date, date], currency: str
) -> dict[int, tuple[MonthSpend, ...]]:
    s = SpendSummary
    if _is_postgres(session):
        # date_trunc, not to_char: grouping by a timestamp is several times cheaper than by text, which
        # shows at a national funder's size (hundreds of thousands of summary rows in a year).
        month = func.date_trunc("month", s.activity_date)
    else:
        month = func.strftime("%Y-%m", s.activity_date)
    query = (
        select(
            s.project_id, month,
            func.sum(case((s.category == Category.FEE.value, s.amount_minor), else_=0)),
            func.sum(case((s.category == Category.EXPENSE.value, s.amount_minor), else_=0)),
        )
        .where(s.project_id.in_(ids), s.account_kind == AccountKind.PROJECT_SPEND.value,
               s.activity_date.between(*period))
        .group_by(s.project_id, month)
        .order_by(s.project_id, month)
    )
    result: dict[int, list[MonthSpend]] = defaultdict(list)
    for project_id, first_day, fees, expenses in session.execute(query):
        label = first_day if isinstance(first_day, str) else f"{first_day:%Y-%m}"
        result[int(project_id)].append(MonthSpend(label, Money.from_minor(int(fees or 0), currency).amount,
                                                  Money.from_minor(int(expenses or 0), currency).amount))
    return {pid: tuple(rows) for pid, rows in result.items()}


def _merge_activity(rows: list[ProjectSpend]) -> tuple[ActivitySpend, ...]:
    merged: dict[str, list[Any]] = {}
    for row in rows:
        for item in row.by_activity:
            acc = merged.setdefault(item.label, [Decimal(0), Decimal(0), 0])
            acc[0] += item.fees
            acc[1] += item.expenses
            acc[2] += item.minutes
    return tuple(ActivitySpend(label, v[0], v[1], v[2]) for label, v in sorted(merged.items()))


def _merge_month(rows: list[ProjectSpend]) -> tuple[MonthSpend, ...]:
    merged: dict[str, list[Decimal]] = {}
    for row in rows:
        for item in row.by_month:
            acc = merged.setdefault(item.month, [Decimal(0), Decimal(0)])
            acc[0] += item.fees
            acc[1] += item.expenses
    return tuple(MonthSpend(month, v[0], v[1]) for month, v in sorted(merged.items()))


CSV_HEADER = (
    "Project code", "Project", "Budget", "Committed (approved, not paid)", "Paid", "Remaining", "Fees",
    "Expenses", "Minutes paid for", "Minutes declined", "Declined value", "Declined expenses", "Participants",
    "Median days to payment", "90th percentile days to payment", "Currency",
)


def spend_csv(report: SpendReport) -> bytes:
    """The report as CSV (one row per project, then the totals row); text cells neutralised."""
    def amount(value: Decimal | None) -> str:
        return "" if value is None else format_amount(value, report.currency)

    def days(value: Decimal | None) -> str:
        return "" if value is None else f"{value:f}"

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in (*report.projects, report.totals):
        writer.writerow([
            cell(row.code), cell(row.name), amount(row.budget), amount(row.committed), amount(row.paid),
            amount(row.remaining), amount(row.fees), amount(row.expenses), str(row.minutes_paid),
            str(row.minutes_declined), amount(row.declined_value), amount(row.declined_expenses),
            str(row.participants),
            days(row.days_to_payment_median), days(row.days_to_payment_p90), report.currency,
        ])
    return buffer.getvalue().encode("utf-8")
