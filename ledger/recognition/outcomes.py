""""What changed because of you": outcomes a lead adds to an activity or a project, and who sees them.

Rules (one place for each):

* **Adding** (:func:`add_outcome`): a lead (or an administrator) for the project; the words are plain text,
  1 to 2,000 characters; the date is when it was decided or changed, today or earlier, never before the
  activity it came from. Each one is written to the audit trail.
* **Who sees an outcome** (:func:`outcomes_for_participant`): the people who took part. An outcome of an
  activity is shown to each person with an approved record in that activity; an outcome of a whole project
  to each person with an approved record in that project dated on or before the outcome. Nobody else's.
* **Nothing reported back** (:func:`overdue_activities`): an activity someone took part in (a record that
  is submitted or approved), older than the set time (default 8 weeks), with no outcome of its own and no
  outcome of its whole project dated on or after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.audit import record_event
from ledger.db.models import Activity, Project, Record, RecordStatus, Role
from ledger.db.models_recognition import Outcome
from ledger.errors import NotFound, invalid_field
from ledger.involvement.access import ensure_role, visible_project_ids
from ledger.recognition.data import OutcomeItem
from ledger.recognition.schemas import OUTCOME_TEXT_MAX, OutcomeIn, OverdueOut
from ledger.reports.activity_labels import activity_label
from ledger.security.actor import Actor

DEFAULT_OVERDUE_WEEKS = 8
MAX_OVERDUE_WEEKS = 520
TOOK_PART = (RecordStatus.SUBMITTED.value, RecordStatus.APPROVED.value)


def _label(rate_card: str | None, activity: str, on: date) -> str:
    return activity_label(rate_card, activity, on)


def add_outcome(session: Session, actor: Actor, data: OutcomeIn, *, today: date | None = None) -> OutcomeItem:
    """Add an outcome to an activity or to a whole project (see the module rules); returns it."""
    ensure_role(actor, Role.LEAD, doing="add outcomes")
    today = today or clock.today()
    text = " ".join(data.text.split())
    problems = []
    if not text:
        problems.append(invalid_field("text", "say what changed, in plain words"))
    elif len(text) > OUTCOME_TEXT_MAX:
        problems.append(invalid_field("text", f"keep it to {OUTCOME_TEXT_MAX} characters or fewer"))
    if (data.activity is None) == (data.project is None):
        problems.append(invalid_field("activity", "give an activity or a project (for a whole project), not both"))
    if data.date > today:
        problems.append(invalid_field("date", f"{data.date.isoformat()} is in the future; an outcome is something "
                                              "that has already been decided or changed"))
    activity: Activity | None = None
    project: Project | None = None
    if data.activity is not None:
        activity = session.get(Activity, data.activity)
        if activity is None:
            raise NotFound(f"there is no activity with id {data.activity}")
        actor.ensure_project(activity.project_id)
        project = session.get(Project, activity.project_id)
        if data.date < activity.date:
            problems.append(invalid_field("date", f"{data.date.isoformat()} is before the activity "
                                                  f"({activity.date.isoformat()})"))
    elif data.project is not None:
        project = session.get(Project, data.project)
        if project is None:
            raise NotFound(f"there is no project with id {data.project}")
        actor.ensure_project(project.id)
    if problems:
        first = problems[0]
        raise type(first)("; ".join(p.detail for p in problems), [fp for p in problems for fp in p.problems])
    assert project is not None
    outcome = Outcome(project_id=project.id, activity_id=activity.id if activity else None, text=text,
                      outcome_date=data.date, added_by=actor.name, added_by_token_id=actor.token_id)
    session.add(outcome)
    session.flush()
    record_event(session, actor, "outcome.add", "outcome", outcome.id, None,
                 {"project_id": project.id, "activity_id": outcome.activity_id, "date": data.date, "text": text})
    return _item(outcome, project, activity)


def _item(outcome: Outcome, project: Project, activity: Activity | None) -> OutcomeItem:
    return OutcomeItem(
        id=outcome.id, project_id=project.id, project_name=project.name, outcome_date=outcome.outcome_date,
        text=outcome.text, activity_id=activity.id if activity else None,
        activity_label=_label(project.rate_card, activity.activity, activity.date) if activity else None,
        activity_date=activity.date if activity else None, added_by=outcome.added_by,
    )


def _rows(session: Session, *conditions: ColumnElement[bool]) -> tuple[OutcomeItem, ...]:
    rows = session.execute(
        select(Outcome, Project, Activity)
        .join(Project, Project.id == Outcome.project_id)
        .outerjoin(Activity, Activity.id == Outcome.activity_id)
        .where(*conditions)
        .order_by(Outcome.outcome_date, Outcome.id)
    ).all()
    return tuple(_item(outcome, project, activity) for outcome, project, activity in rows)


def list_outcomes(
    session: Session, actor: Actor, *, project_id: int | None = None, activity_id: int | None = None
) -> tuple[OutcomeItem, ...]:
    """Outcomes of the projects the actor works on (leads), or of every project (auditors, admins)."""
    ensure_role(actor, Role.LEAD, Role.AUDITOR, doing="list outcomes")
    conditions: list[ColumnElement[bool]] = []
    scope = visible_project_ids(actor)
    if scope is not None:
        conditions.append(Outcome.project_id.in_(scope))
    if project_id is not None:
        actor.ensure_project(project_id)
        conditions.append(Outcome.project_id == project_id)
    if activity_id is not None:
        conditions.append(Outcome.activity_id == activity_id)
    return _rows(session, *conditions)


def outcomes_for_participant(
    session: Session, participant_id: int, period_from: date | None = None, period_to: date | None = None
) -> tuple[OutcomeItem, ...]:
    """The outcomes this person may see (the module rule): of activities they took part in (an approved
    record), and of whole projects they took part in on or before the outcome's date. With a period, an
    activity's outcome counts by the activity's date, a project's by its own date."""
    took_part = (Record.participant_id == participant_id, Record.status == RecordStatus.APPROVED.value)
    in_activity = exists().where(Record.activity_id == Outcome.activity_id, *took_part)
    project_activity = Activity.__table__.alias("project_activity")
    in_project = exists().where(
        Record.activity_id == project_activity.c.id, project_activity.c.project_id == Outcome.project_id,
        project_activity.c.date <= Outcome.outcome_date, *took_part)
    when_activity: list[ColumnElement[bool]] = []
    when_project: list[ColumnElement[bool]] = []
    if period_from is not None:
        when_activity.append(Activity.date >= period_from)
        when_project.append(Outcome.outcome_date >= period_from)
    if period_to is not None:
        when_activity.append(Activity.date <= period_to)
        when_project.append(Outcome.outcome_date <= period_to)
    return _rows(session, or_(
        and_(Outcome.activity_id.is_not(None), in_activity, *when_activity),
        and_(Outcome.activity_id.is_(None), in_project, *when_project),
    ))


def outcome_counts_by_activity(session: Session, activity_ids: Sequence[int]) -> set[int]:
    """Which of these activities have an outcome of their own (for records and summaries)."""
    found: set[int] = set()
    ids = list(activity_ids)
    for start in range(0, len(ids), 500):
        found.update(session.scalars(
            select(Outcome.activity_id).where(Outcome.activity_id.in_(ids[start:start + 500])).distinct()))
    return found


def reported_back() -> ColumnElement[bool]:
    """SQL condition on ``Activity``: something was reported back (its own outcome, or one for its whole
    project dated on or after it). One rule for the overdue list and the involvement-at-a-glance share."""
    own = exists().where(Outcome.activity_id == Activity.id)
    whole_project = exists().where(Outcome.activity_id.is_(None), Outcome.project_id == Activity.project_id,
                                   Outcome.outcome_date >= Activity.date)
    return or_(own, whole_project)


def someone_took_part() -> ColumnElement[bool]:
    """SQL condition on ``Activity``: at least one record that is submitted or approved."""
    return exists().where(Record.activity_id == Activity.id, Record.status.in_(TOOK_PART))


def check_weeks(weeks: int) -> int:
    if not 1 <= weeks <= MAX_OVERDUE_WEEKS:
        raise invalid_field("weeks", f"must be a whole number of weeks from 1 to {MAX_OVERDUE_WEEKS}, not {weeks}")
    return weeks


def overdue_activities(
    session: Session, actor: Actor, weeks: int = DEFAULT_OVERDUE_WEEKS, *, today: date | None = None,
    project_id: int | None = None,
) -> list[OverdueOut]:
    """Activities with nothing reported back after ``weeks`` weeks, oldest first, in the actor's projects."""
    ensure_role(actor, Role.LEAD, Role.AUDITOR, doing="list activities with nothing reported back")
    weeks = check_weeks(weeks)
    today = today or clock.today()
    cutoff = today - timedelta(weeks=weeks)
    people = (select(func.count(func.distinct(Record.participant_id)))
              .where(Record.activity_id == Activity.id, Record.status.in_(TOOK_PART))
              .correlate(Activity).scalar_subquery())
    query = (
        select(Activity, Project, people)
        .join(Project, Project.id == Activity.project_id)
        .where(Activity.date <= cutoff, someone_took_part(), ~reported_back())
        .order_by(Activity.date, Activity.id)
    )
    scope = visible_project_ids(actor)
    if scope is not None:
        query = query.where(Activity.project_id.in_(scope))
    if project_id is not None:
        actor.ensure_project(project_id)
        query = query.where(Activity.project_id == project_id)
    return [
        OverdueOut(activity=activity.id, project=project.id, project_name=project.name, date=activity.date,
                   activity_label=_label(project.rate_card, activity.activity, activity.date),
                   description=activity.description, people=int(count or 0),
                   weeks_waiting=(today - activity.date).days // 7)
        for activity, project, count in session.execute(query)
    ]
