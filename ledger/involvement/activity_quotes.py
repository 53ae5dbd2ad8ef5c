"""A live quote for a whole activity form, before anything is saved: every attendee's lines and warnings.

The lead recording a meeting for several people sees, as they type, what each person would be paid and
why (every line's plain-English explanation from the rate engine) and any watch limit the fees would take
them over. The numbers are the ones recording and approval would give: each attendee is quoted with
``ledger.involvement.calc.quote_part`` (the ledger's look-back figures included) and warned with
``ledger.involvement.watch.warnings_for``, exactly as ``ledger.involvement.activities.record_activity``
does. Unlike recording, one attendee's problem does not hide the others' quotes: each row gets its own
quote or its own problems, named as recording would name them (``attendees[2].expenses[0].receipt``).

Nothing is written. A lead limited to some projects may quote only their projects and their people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ledger.db.models import Participant, Project, Role
from ledger.errors import FieldProblem, Invalid
from ledger.involvement.access import ensure_role
from ledger.involvement.activities import MAX_DESCRIPTION, project_card
from ledger.involvement.calc import ACTIVITY_FIELDS, prefixed, quote_part
from ledger.involvement.dates import activity_date_problem
from ledger.involvement.membership import may_see_participant
from ledger.involvement.schemas import ActivityCreate
from ledger.involvement.watch import warnings_for
from ledger.rates.contract import QuoteResponse, to_response
from ledger.rates.model import RateCard
from ledger.rates.registry import CardRegistry
from ledger.security.actor import Actor


@dataclass(frozen=True)
class AttendeeQuote:
    """One attendee row: the quote (with warnings), or the problems that stop it being worked out."""

    index: int
    participant_id: int
    participant: Participant | None
    quote: QuoteResponse | None
    problems: list[FieldProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ActivityQuote:
    """The whole form: problems with the activity itself, and one answer per attendee."""

    problems: list[FieldProblem]
    attendees: list[AttendeeQuote]

    @property
    def every_problem(self) -> list[FieldProblem]:
        return [*self.problems, *(p for a in self.attendees for p in a.problems)]


def quote_activity(
    session: Session, actor: Actor, data: ActivityCreate, *, registry: CardRegistry | None = None
) -> ActivityQuote:
    """Quote every attendee of ``data`` as recording it would, writing nothing."""
    ensure_role(actor, Role.LEAD, doing="record activities")
    project = session.get(Project, data.project)
    if project is None:
        return ActivityQuote([FieldProblem("project", f"there is no project with id {data.project}")], [])
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
    people = _participants(session, [a.participant for a in data.attendees])
    answers: list[AttendeeQuote] = []
    seen: dict[int, int] = {}
    for index, attendee in enumerate(data.attendees):
        place = f"attendees[{index}]."
        person = people.get(attendee.participant)
        if attendee.participant in seen:
            answers.append(AttendeeQuote(index, attendee.participant, person, None, [FieldProblem(
                f"{place}participant", f"this person is listed twice (also in row {seen[attendee.participant] + 1})",
            )]))
            continue
        seen[attendee.participant] = index
        if person is None or not may_see_participant(session, actor, person.id):
            # Someone the lead may not see is "not found" to them: never confirm that the id exists.
            answers.append(AttendeeQuote(index, attendee.participant, None, None, [FieldProblem(
                f"{place}participant", f"there is no participant with id {attendee.participant} in your projects",
            )]))
            continue
        answers.append(_quote_one(session, card, data, index, person, problems))
    unique = list({(p.field, p.message): p for p in problems}.values())
    return ActivityQuote(unique, answers)


def _participants(session: Session, ids: list[int]) -> dict[int, Participant]:
    """Every attendee with their watch limits, in one query (not one per row)."""
    wanted = sorted({i for i in ids if i >= 1})
    if not wanted:
        return {}
    query = select(Participant).where(Participant.id.in_(wanted)).options(selectinload(Participant.watch_limits))
    return {p.id: p for p in session.scalars(query)}


def _quote_one(
    session: Session, card: RateCard, data: ActivityCreate, index: int, person: Participant,
    activity_problems: list[FieldProblem],
) -> AttendeeQuote:
    attendee = data.attendees[index]
    try:
        quote = quote_part(
            session, card, participant_id=person.id, on=data.date, activity=data.activity, mode=data.mode,
            part=attendee, mileage=attendee.mileage, expenses=attendee.expenses,
        )
    except Invalid as exc:
        found = prefixed(exc, f"attendees[{index}].")
        # Problems with the activity as a whole (its type, date, mode) are shown once, at the top.
        activity_problems.extend(p for p in found if p.field in ACTIVITY_FIELDS)
        own = [p for p in found if p.field not in ACTIVITY_FIELDS]
        return AttendeeQuote(index, person.id, person, None, own)
    warnings = warnings_for(session, person, data.date, quote.fees_total, currency=card.currency)
    return AttendeeQuote(index, person.id, person, to_response(quote, warnings))
