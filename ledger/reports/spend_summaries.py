"""Reading and proving the roll-up summaries (``ledger.db.models_summaries``).

The summaries are written only by the database (migration 0015's triggers). This module holds the one
definition of what each summary row must equal, written as a query over the source rows:

* :func:`summed_postings`: the project spend/foregone postings grouped by the summary key;
* :func:`counted_days`: approved records counted per project, activity date and person;
* :func:`counted_years`: those days counted per project, UK tax year and person (``participant_years``,
  kept by triggers on ``participant_days``, migration 0016);
* ``paid_per_record`` / ``last_paid_per_record`` (``ledger.payments.paid_summaries``): what of each
  record was paid and when it was last paid (``paid_summaries``, ``payment_times``), and
  ``paid_per_day`` / ``payment_times_per_day``: the same per project and day (``paid_days``,
  ``payment_days``).

:func:`check` compares each summary table with its definition in SQL (``EXCEPT`` both ways, so only the
differences come back, however large the ledger) and ``ledger report check`` prints them.
:func:`rebuild` replaces the summaries from the definitions: only for a database loaded in bulk with its
triggers switched off (the benchmarks do this after ``COPY``); a working ledger never needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, case, cast, delete, except_, extract, func, insert, select, text
from sqlalchemy.orm import Session

from ledger.db.models import Activity, Posting, Record, RecordStatus
from ledger.db.models_summaries import (
    SUMMARY_ACCOUNTS,
    PaidDay,
    PaidSummary,
    ParticipantDay,
    ParticipantYear,
    PaymentDay,
    PaymentTime,
    SpendSummary,
)
from ledger.payments import paid_summaries
from ledger.payments.paid_summaries import (
    PAID_COLUMNS,
    PAID_DAY_COLUMNS,
    PAYMENT_DAY_COLUMNS,
    TIME_COLUMNS,
    last_paid_per_record,
    paid_per_day,
    paid_per_record,
    payment_times_per_day,
)

SHOWN = 20  # differences listed per table by ``check`` (the count is always complete)
YEARS_TRIGGER = "participant_days_counted"  # migration 0016: participant_days -> participant_years


def summed_postings() -> Select[*tuple[Any, ...]]:
    """What ``spend_summaries`` must hold: one row per key with the sum, minutes and count of postings."""
    activity = func.coalesce(Activity.activity, "")
    rate_card = func.coalesce(Record.rate_card, "")
    key = (Posting.project_id, Posting.activity_date, Posting.account_kind, Posting.category, Posting.currency,
           activity, rate_card)
    return (
        select(*key, func.sum(Posting.amount_minor), func.sum(func.coalesce(Posting.minutes, 0)), func.count())
        .select_from(Posting)
        .outerjoin(Record, Record.id == Posting.record_id)
        .outerjoin(Activity, Activity.id == Record.activity_id)
        .where(Posting.account_kind.in_(SUMMARY_ACCOUNTS), Posting.project_id.is_not(None),
               Posting.activity_date.is_not(None))
        .group_by(*key)
    )


def counted_days() -> Select[*tuple[Any, ...]]:
    """What ``participant_days`` must hold: approved records per project, activity date and person."""
    key = (Activity.project_id, Activity.date, Record.participant_id)
    return (
        select(*key, func.count())
        .select_from(Record)
        .join(Activity, Activity.id == Record.activity_id)
        .where(Record.status == RecordStatus.APPROVED.value)
        .group_by(*key)
    )


def tax_year_of(day: Any, dialect: str) -> Any:
    """The UK tax year ``day`` falls in, as the year it starts (6 April), in SQL: the same rule as
    ``ledger.rates.taxyear.tax_year_start`` and migration 0016's triggers."""
    if dialect == "postgresql":
        year, month_day = cast(extract("year", day), Integer), func.to_char(day, "MM-DD")
    else:
        year, month_day = cast(func.strftime("%Y", day), Integer), func.strftime("%m-%d", day)
    return year - case((month_day < "04-06", 1), else_=0)


def counted_years(dialect: str) -> Select[*tuple[Any, ...]]:
    """What ``participant_years`` must hold: the days of :func:`counted_days` counted per project, tax
    year and person."""
    days = counted_days().subquery()
    project, day, person, _records = days.c
    year = tax_year_of(day, dialect)
    return select(project, year, person, func.count()).group_by(project, year, person)


def _stored_spend() -> Select[*tuple[Any, ...]]:
    s = SpendSummary
    return select(s.project_id, s.activity_date, s.account_kind, s.category, s.currency, s.activity, s.rate_card,
                  s.amount_minor, s.minutes, s.postings)


def _stored_days() -> Select[*tuple[Any, ...]]:
    d = ParticipantDay
    return select(d.project_id, d.activity_date, d.participant_id, d.approved_records)


def _stored_years() -> Select[*tuple[Any, ...]]:
    y = ParticipantYear
    return select(y.project_id, y.tax_year, y.participant_id, y.days)


def _stored(columns: tuple[Any, ...]) -> Select[Any]:
    return select(*columns)


@dataclass(frozen=True)
class TableCheck:
    """One summary table against its definition: rows that differ, from either side."""

    table: str
    rows: int  # rows in the summary table
    only_in_summary: int  # summary rows with no exact match in the definition (wrong or extra)
    only_in_source: int  # definition rows with no exact match in the summary (wrong or missing)
    examples: tuple[str, ...]  # up to SHOWN differing rows, described

    @property
    def ok(self) -> bool:
        return self.only_in_summary == 0 and self.only_in_source == 0


def _compare(session: Session, table: str, stored: Select[Any], source: Select[Any], count_model: Any) -> TableCheck:
    extra = except_(stored, source).subquery()
    missing = except_(source, stored).subquery()
    only_in_summary = int(session.scalar(select(func.count()).select_from(extra)) or 0)
    only_in_source = int(session.scalar(select(func.count()).select_from(missing)) or 0)
    examples: list[str] = []
    for side, subquery in (("summary has", extra), ("postings/records give", missing)):
        for row in session.execute(select(subquery).limit(SHOWN)):
            examples.append(f"{side} {tuple(row)}")
    rows = int(session.scalar(select(func.count()).select_from(count_model)) or 0)
    return TableCheck(table, rows, only_in_summary, only_in_source, tuple(examples[:SHOWN]))


def check(session: Session) -> list[TableCheck]:
    """Compare every summary table with its definition; each result says how many rows differ."""
    dialect = session.get_bind().dialect.name
    return [
        _compare(session, "spend_summaries", _stored_spend(), summed_postings(), SpendSummary),
        _compare(session, "participant_days", _stored_days(), counted_days(), ParticipantDay),
        _compare(session, "participant_years", _stored_years(), counted_years(dialect), ParticipantYear),
        _compare(session, "paid_summaries", _stored(PAID_COLUMNS), paid_per_record(), PaidSummary),
        _compare(session, "payment_times", _stored(TIME_COLUMNS), last_paid_per_record(), PaymentTime),
        _compare(session, "paid_days", _stored(PAID_DAY_COLUMNS), paid_per_day(), PaidDay),
        _compare(session, "payment_days", _stored(PAYMENT_DAY_COLUMNS), payment_times_per_day(), PaymentDay),
    ]


def rebuild(session: Session) -> None:
    """Replace every summary table with its definition (after a bulk load with triggers off).

    On PostgreSQL the per-row trigger that counts ``participant_days`` into ``participant_years`` is
    switched off for this transaction's rewrite of ``participant_days`` (millions of rows at a national
    funder's size; the years are written from their definition below). ``ALTER TABLE`` is
    transactional there, so a failed rebuild leaves the trigger on."""
    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(delete(SpendSummary))
    if postgres:
        session.execute(text(f"ALTER TABLE participant_days DISABLE TRIGGER {YEARS_TRIGGER}"))
    session.execute(delete(ParticipantDay))
    s = SpendSummary
    session.execute(insert(s).from_select(
        [s.project_id, s.activity_date, s.account_kind, s.category, s.currency, s.activity, s.rate_card,
         s.amount_minor, s.minutes, s.postings], summed_postings()))
    d = ParticipantDay
    session.execute(insert(d).from_select(
        [d.project_id, d.activity_date, d.participant_id, d.approved_records], counted_days()))
    if postgres:
        session.execute(text(f"ALTER TABLE participant_days ENABLE TRIGGER {YEARS_TRIGGER}"))
    session.execute(delete(ParticipantYear))
    y = ParticipantYear
    session.execute(insert(y).from_select([y.project_id, y.tax_year, y.participant_id, y.days],
                                          counted_years(session.get_bind().dialect.name)))
    paid_summaries.rebuild(session)
