"""Involvement at a glance for each project of a spend report: people involved, time given, the share of
that time paid, paid to organisations or declined, the median days from activity to payment, and the share
of activities with an outcome reported back.

One fact, one place: people, paid and declined time and the median days to payment are the spend report's
own figures (its roll-ups of the fee legs and its one "what was paid" rule); the part of the paid time that
went to organisations is the fee legs of records whose payment choice is payable but not the person's own
earnings (``PAYABLE_PREFERENCES`` and the watch rule ``counts_as_earnings``: "organisation"); "reported
back" is ``ledger.recognition.outcomes.reported_back`` (the same rule as the overdue list).

Speed: the spend report is held within 2x of a bare GROUP BY (docs/performance.md), so nothing here scans a
project's postings: the organisation part starts from a partial index of organisation-paid records
(migration 0014) and "reported back" is counted only for projects that have outcomes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from sqlalchemy import case, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from ledger.db.models import AccountKind, Activity, Category, Posting, Project, Record, RecordStatus
from ledger.db.models_recognition import Outcome
from ledger.involvement.approval import PAYABLE_PREFERENCES
from ledger.involvement.watch import counts_as_earnings
from ledger.recognition.outcomes import someone_took_part
from ledger.reports.involvement_glance_data import ProjectGlance
from ledger.reports.spend_data import ProjectSpend, SpendReport

ALL_CODE = "ALL"


def _organisation_minutes(session: Session, ids: list[int], period: tuple[date, date]) -> dict[int, int]:
    """Per project: fee minutes of approved records paid to an organisation the person chose.

    Read from the organisation-paid records only (a partial index, migration 0014), then their own fee
    legs: the cost follows how many such records there are, not the size of the ledger.
    """
    chosen = [p.value for p in PAYABLE_PREFERENCES if not counts_as_earnings(p.value)]  # "organisation"
    rows = session.execute(
        select(Activity.project_id, func.sum(func.coalesce(Posting.minutes, 0)))
        .select_from(Record)
        .join(Activity, Activity.id == Record.activity_id)
        .join(Posting, (Posting.record_id == Record.id) & (Posting.category == Category.FEE.value)
              & (Posting.account_kind == AccountKind.PROJECT_SPEND.value))
        .where(Record.status == RecordStatus.APPROVED.value, Record.payment_preference_at_approval == chosen[0]
               if len(chosen) == 1 else Record.payment_preference_at_approval.in_(chosen),
               Activity.project_id.in_(ids), Activity.date.between(*period))
        .group_by(Activity.project_id)
    )
    return {int(pid): int(total or 0) for pid, total in rows}


def _live_activities(session: Session, ids: list[int], period: tuple[date, date],
                     up_to: dict[int, date] | None = None) -> dict[int, int]:
    """Per project: activities in the period someone took part in (``someone_took_part``), optionally only
    those dated on or before ``up_to[project]``. One query: all activities (an index range) less those whose
    every record was rejected or reversed (looked for only among the few activities with such records), so
    the cost does not grow with the ledger."""
    dead_ids = (select(Record.activity_id)
                .where(Record.status.in_([RecordStatus.REJECTED.value, RecordStatus.REVERSED.value])).distinct())
    dead = case((Activity.id.in_(dead_ids) & ~someone_took_part(), 1), else_=0)
    query = (select(Activity.project_id, func.count() - func.sum(dead))
             .where(Activity.project_id.in_(ids), Activity.date.between(*period)).group_by(Activity.project_id))
    if up_to is not None:
        query = query.where(or_(*[(Activity.project_id == pid) & (Activity.date <= day)
                                  for pid, day in up_to.items()]) if up_to else false())
    return {int(pid): int(n or 0) for pid, n in session.execute(query)}


def _activities(session: Session, ids: list[int], period: tuple[date, date]) -> dict[int, tuple[int, int]]:
    """Per project: activities someone took part in, and how many had something reported back.

    "Reported back" is the rule of ``ledger.recognition.outcomes.reported_back`` (an outcome of its own, or an
    outcome of its whole project dated on or after it), counted from the outcomes' side so the cost follows
    the outcomes: the activities up to the latest whole-project outcome, plus later ones with their own.
    (``tests/recognition/test_glance.py`` checks these counts against ``reported_back`` itself.)
    """
    totals = _live_activities(session, ids, period)
    outcomes = session.execute(
        select(Outcome.project_id, func.max(case((Outcome.activity_id.is_(None), Outcome.outcome_date))))
        .where(Outcome.project_id.in_(ids)).group_by(Outcome.project_id)).all()
    if not outcomes:
        return {pid: (n, 0) for pid, n in totals.items()}
    latest = {int(pid): day for pid, day in outcomes if day is not None}
    covered = _live_activities(session, ids, period, latest) if latest else {}
    own = select(Outcome.activity_id).where(Outcome.project_id.in_(ids), Outcome.activity_id.is_not(None))
    later_own = dict(session.execute(
        select(Activity.project_id, func.count())
        .where(Activity.id.in_(own.distinct()), Activity.date.between(*period), someone_took_part(),
               not_(or_(*[(Activity.project_id == pid) & (Activity.date <= day) for pid, day in latest.items()]))
               if latest else true())
        .group_by(Activity.project_id)).all())
    return {pid: (n, covered.get(pid, 0) + int(later_own.get(pid, 0))) for pid, n in totals.items()}


def with_glance(session: Session, report: SpendReport) -> SpendReport:
    """The report with its "involvement at a glance" section, for where it is shown (the spend report PDF).

    Kept out of ``spend_report`` itself: the roll-up's figures stay within 2x of a bare GROUP BY
    (issue 14, ``bench/bench_rollup.py``), and this section reads records, activities and outcomes.
    """
    return replace(report, involvement=involvement_glance(session, report))


def involvement_glance(session: Session, report: SpendReport) -> tuple[ProjectGlance, ...]:
    """One row per project of the report, then the row across them (code ``ALL``) when there are several."""
    codes = [p.code for p in report.projects]
    ids = dict(session.execute(select(Project.code, Project.id).where(Project.code.in_(codes))).all())
    period = (report.period_from, report.period_to)
    to_organisations = _organisation_minutes(session, list(ids.values()), period)
    activities = _activities(session, list(ids.values()), period)

    def split(spend: ProjectSpend, organisation: int) -> tuple[int, int, int]:
        """(paid to people, paid to organisations, declined): the spend report's paid and declined time
        (its roll-up of the fee legs), with the organisation-paid part taken out of "paid"."""
        return spend.minutes_paid - organisation, organisation, spend.minutes_declined

    def row(spend: ProjectSpend, time: tuple[int, int, int], acts: tuple[int, int]) -> ProjectGlance:
        return ProjectGlance.of(spend.code, spend.name, spend.participants, time, spend.days_to_payment_median,
                                acts[0], acts[1])

    rows = [row(p, split(p, to_organisations.get(ids.get(p.code, -1), 0)), activities.get(ids.get(p.code, -1), (0, 0)))
            for p in report.projects]
    if len(rows) > 1:
        time_total: dict[int, int] = defaultdict(int)
        for r in rows:
            for i, value in enumerate((r.minutes_paid, r.minutes_paid_to_organisation, r.minutes_declined)):
                time_total[i] += value
        rows.append(row(report.totals, (time_total[0], time_total[1], time_total[2]),
                        (sum(r.activities for r in rows), sum(r.activities_reported_back for r in rows))))
    return tuple(rows)
