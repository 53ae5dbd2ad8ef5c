"""Involvement at a glance for each project of a spend report: people involved, time given, the share of
that time paid, paid to organisations or declined, the median days from activity to payment, and the share
of activities with an outcome reported back.

One fact, one place: people and the median days to payment are the spend report's own figures (its one
"what was paid" rule); time is the ``minutes`` on approval fee legs, netted by reversals, split by the one
watch rule (``earning_preferences``: bank transfer or voucher is paid to the person, otherwise to an
organisation they chose; FOREGONE legs are declined); "reported back" is ``ledger.recognition.outcomes.
reported_back`` (the same rule as the overdue list).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.db.models import AccountKind, Activity, Category, Posting, Project, Record, RecordStatus
from ledger.involvement.watch import earning_preferences
from ledger.recognition.outcomes import reported_back
from ledger.reports.involvement_glance_data import ProjectGlance
from ledger.reports.spend_data import ProjectSpend, SpendReport

ALL_CODE = "ALL"


def _minutes(session: Session, ids: list[int], period: tuple[date, date]) -> dict[int, tuple[int, int, int]]:
    """Per project: minutes paid to people, paid to organisations, declined (fee legs, net of reversals)."""
    spend = Posting.account_kind == AccountKind.PROJECT_SPEND.value
    foregone = Posting.account_kind == AccountKind.PROJECT_FOREGONE.value
    earning = Record.payment_preference_at_approval.in_(earning_preferences())
    minutes = func.coalesce(Posting.minutes, 0)
    rows = session.execute(
        select(Posting.project_id,
               func.sum(case((spend & earning, minutes), else_=0)),
               func.sum(case((spend & ~earning, minutes), else_=0)),
               func.sum(case((foregone, minutes), else_=0)))
        .join(Record, Record.id == Posting.record_id)
        .where(Posting.project_id.in_(ids), Posting.category == Category.FEE.value,
               Posting.account_kind.in_([AccountKind.PROJECT_SPEND.value, AccountKind.PROJECT_FOREGONE.value]),
               Posting.activity_date.between(*period))
        .group_by(Posting.project_id)
    )
    return {int(pid): (int(a or 0), int(b or 0), int(c or 0)) for pid, a, b, c in rows}


def _activities(session: Session, ids: list[int], period: tuple[date, date]) -> dict[int, tuple[int, int]]:
    """Per project: activities someone took part in (an approved record) and how many had something
    reported back."""
    took_part = (select(Record.id).where(Record.activity_id == Activity.id,
                                         Record.status == RecordStatus.APPROVED.value).exists())
    rows = session.execute(
        select(Activity.project_id, func.count(), func.sum(case((reported_back(), 1), else_=0)))
        .where(Activity.project_id.in_(ids), Activity.date.between(*period), took_part)
        .group_by(Activity.project_id)
    )
    return {int(pid): (int(n or 0), int(r or 0)) for pid, n, r in rows}


def involvement_glance(session: Session, report: SpendReport) -> tuple[ProjectGlance, ...]:
    """One row per project of the report, then the row across them (code ``ALL``) when there are several."""
    codes = [p.code for p in report.projects]
    ids = dict(session.execute(select(Project.code, Project.id).where(Project.code.in_(codes))).all())
    period = (report.period_from, report.period_to)
    minutes = _minutes(session, list(ids.values()), period)
    activities = _activities(session, list(ids.values()), period)

    def row(spend: ProjectSpend, time: tuple[int, int, int], acts: tuple[int, int]) -> ProjectGlance:
        return ProjectGlance.of(spend.code, spend.name, spend.participants, time, spend.days_to_payment_median,
                                acts[0], acts[1])

    rows = [row(p, minutes.get(ids.get(p.code, -1), (0, 0, 0)), activities.get(ids.get(p.code, -1), (0, 0)))
            for p in report.projects]
    if len(rows) > 1:
        time_total: dict[int, int] = defaultdict(int)
        for r in rows:
            for i, value in enumerate((r.minutes_paid, r.minutes_paid_to_organisation, r.minutes_declined)):
                time_total[i] += value
        rows.append(row(report.totals, (time_total[0], time_total[1], time_total[2]),
                        (sum(r.activities for r in rows), sum(r.activities_reported_back for r in rows))))
    return tuple(rows)
