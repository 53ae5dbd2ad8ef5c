"""Recording an activity (a meeting, a review round) for everyone who took part, all or none.

Every attendee's part is checked with the rate engine before anything is written: an unknown role, a
missing receipt or an impossible number of minutes for one person refuses the whole activity, with each
problem named by its place in the request (``attendees[2].expenses[0].receipt``). So a lead never has to
work out which half of a meeting was saved.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.db.models import Activity, Participant, Project, Record, RecordExpense, RecordStatus, Role
from ledger.errors import FieldProblem, Invalid, invalid_field
from ledger.involvement.access import ensure_role
from ledger.involvement.calc import prefixed, quote_part
from ledger.involvement.dates import activity_date_problem
from ledger.involvement.membership import ensure_participant_visible
from ledger.involvement.schemas import ActivityCreate, ActivityCreated, AttendeeIn, RecordCreated
from ledger.involvement.watch import warnings_for
from ledger.money import Money, parse_amount
from ledger.rates.contract import to_response
from ledger.rates.engine import Quote
from ledger.rates.model import RateCard
from ledger.rates.registry import CardRegistry, default_registry
from ledger.security.actor import Actor

MAX_ATTENDEES = 500
MAX_DESCRIPTION = 5000


def project_card(project: Project, registry: CardRegistry | None = None) -> RateCard:
    """The project's rate card; a card that has gone from the configuration is a clear error."""
    cards = registry or default_registry()
    if project.rate_card not in cards:
        raise Invalid(
            f"Project {project.code} uses the rate card {project.rate_card!r}, which is not configured any more. "
            "Ask an administrator to restore it.",
            [FieldProblem("project", f"its rate card {project.rate_card!r} is not configured")],
        )
    return cards.get(project.rate_card)


def record_activity(
    session: Session, actor: Actor, data: ActivityCreate, *, registry: CardRegistry | None = None
) -> ActivityCreated:
    """Record one activity and a submitted record per attendee, or nothing at all."""
    ensure_role(actor, Role.LEAD, doing="record activities")
    project = session.get(Project, data.project)
    if project is None:
        raise invalid_field("project", f"there is no project with id {data.project}")
    actor.ensure_project(project.id)
    card = project_card(project, registry)
    problems: list[FieldProblem] = []
    date_problem = activity_date_problem(data.date)
    if date_problem is not None:
        problems.append(date_problem)
    if not data.activity.strip():
        problems.append(FieldProblem("activity", "must not be empty"))
    if data.description is not None and len(data.description) > MAX_DESCRIPTION:
        problems.append(FieldProblem("description", f"must be at most {MAX_DESCRIPTION} characters"))
    if not data.attendees:
        problems.append(FieldProblem("attendees", "list at least one person who took part"))
    if len(data.attendees) > MAX_ATTENDEES:
        problems.append(FieldProblem("attendees", f"record at most {MAX_ATTENDEES} people at once"))
    seen: dict[int, int] = {}
    participants: dict[int, Participant] = {}
    quotes: list[Quote | None] = []
    for index, attendee in enumerate(data.attendees):
        place = f"attendees[{index}]."
        quotes.append(None)
        if attendee.participant in seen:
            problems.append(FieldProblem(
                f"{place}participant",
                f"participant {attendee.participant} is listed twice (also attendees[{seen[attendee.participant]}])",
            ))
            continue
        seen[attendee.participant] = index
        participant = session.get(Participant, attendee.participant)
        if participant is None:
            problems.append(
                FieldProblem(f"{place}participant", f"there is no participant with id {attendee.participant}")
            )
            continue
        # A lead limited to some projects records only people who belong to them: recording someone
        # would otherwise be a way to make a project-B person "belong" to project A.
        ensure_participant_visible(session, actor, participant.id, doing="record activities for")
        participants[participant.id] = participant
        try:
            quotes[index] = _quote_attendee(session, card, data, attendee)
        except Invalid as exc:
            problems.extend(prefixed(exc, place))
    if problems:
        problems = list({(p.field, p.message): p for p in problems}.values())
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)

    activity = Activity(project_id=project.id, date=data.date, activity=data.activity.strip(), mode=data.mode,
                        description=data.description, recorded_by_token_id=actor.token_id)
    session.add(activity)
    session.flush()
    created: list[RecordCreated] = []
    for attendee, quote in zip(data.attendees, quotes, strict=True):
        assert quote is not None
        participant = participants[attendee.participant]
        record = new_record(activity, participant.id, attendee, card.currency, actor)
        session.add(record)
        session.flush()
        warnings = warnings_for(session, participant, data.date, quote.fees_total, currency=card.currency)
        created.append(RecordCreated(id=record.id, participant=participant.id, status=record.status,
                                     quote=to_response(quote, warnings)))
    record_event(session, actor, "activity.create", "activity", activity.id, None, {
        "project_id": project.id, "date": data.date, "activity": activity.activity, "mode": data.mode,
        "records": [{"id": r.id, "participant_id": r.participant} for r in created],
    })
    return ActivityCreated(id=activity.id, records=created)


def _quote_attendee(session: Session, card: RateCard, data: ActivityCreate, attendee: AttendeeIn) -> Quote:
    return quote_part(
        session, card, participant_id=attendee.participant, on=data.date, activity=data.activity,
        mode=data.mode, part=attendee, mileage=attendee.mileage, expenses=attendee.expenses,
    )


def new_record(
    activity: Activity, participant_id: int, part: AttendeeIn, currency: str, actor: Actor,
    *, corrects_record_id: int | None = None,
) -> Record:
    """A submitted record holding exactly what was entered (amounts are fixed only at approval)."""
    mileage = part.mileage
    return Record(
        activity_id=activity.id,
        participant_id=participant_id,
        role=part.role,
        involvement_minutes=part.involvement_minutes,
        preparation_minutes=part.preparation_minutes,
        follow_up_minutes=part.follow_up_minutes,
        travel_minutes=part.travel_minutes,
        mileage_vehicle=mileage.vehicle if mileage is not None else None,
        mileage_miles=mileage.miles if mileage is not None else None,
        mileage_passengers=mileage.passengers if mileage is not None else None,
        status=RecordStatus.SUBMITTED,
        recorded_by_token_id=actor.token_id,
        corrects_record_id=corrects_record_id,
        expenses=[
            RecordExpense(position=index, category=e.category,
                          amount_minor=Money(parse_amount(e.amount, currency), currency).minor,
                          receipt=(e.receipt or "").strip() or None)
            for index, e in enumerate(part.expenses)
        ],
    )

