"""``/activities``: record an activity for everyone who took part (with a live quote), and list activities.

Recording calls ``ledger.involvement.activities.record_activity`` (the API's service: all attendees or
none); the live quote calls ``ledger.involvement.activity_quotes.quote_activity`` (the same quote and
watch warnings recording would give). The form works without JavaScript: "Add another person", "Add an
expense" and "Check amounts" are submit buttons that re-render the form; with JavaScript, HTMX asks for
the amounts as the lead types (``POST /activities/new/quote``) and swaps each person's quote in place.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ledger import clock
from ledger.db.models import Activity, Project, Record
from ledger.errors import FieldProblem, Invalid, NotFound
from ledger.involvement.activities import project_card, record_activity
from ledger.involvement.activity_quotes import ActivityQuote, quote_activity
from ledger.involvement.record_lists import ActivityFilters, list_activity_rows, visible_projects
from ledger.money import Money
from ledger.rates.registry import default_registry
from ledger.security.actor import Actor
from ledger.web.forms import Form, field_id, form_from, parse_date_input
from ledger.web.pages.lead.activity_form import (
    MINUTE_FIELDS,
    FormShape,
    ReadForm,
    attendee_name,
    card_choices,
    expense_name,
    field_names,
    read_activity,
    service_field,
)
from ledger.web.pages.lead.common import (
    LEADS,
    MODE_WORDS,
    STATUS_TAGS,
    STATUS_WORDS,
    FormBody,
    money,
    page_links,
    people_choices,
    read_cursor,
    read_date,
    read_id,
)
from ledger.web.render import fragment, page, see_other

FORM_TEMPLATE = "lead/activity_new.html"


def _choices(session: Session, actor: Actor, form: Form) -> dict[str, Any]:
    """Projects, people and the chosen project's rate-card choices for the form."""
    projects = visible_projects(session, actor)
    chosen = next((p for p in projects if str(p.id) == form.value("project")), projects[0] if projects else None)
    if chosen is not None and not form.value("project") and len(projects) == 1:
        form.values["project"] = str(chosen.id)
    card = None
    if chosen is not None:
        try:
            card = project_card(chosen, default_registry())
        except Invalid:
            card = None
    on = clock.today()
    return {
        "projects": [(str(p.id), f"{p.name} ({p.code})") for p in projects],
        "people": people_choices(session, actor),
        "card": card_choices(card, on) if card is not None else {"activities": [], "roles": [], "vehicles": [],
                                                                   "categories": []},
        "card_name": card.name if card is not None else None,
    }


def _render(request: Request[Any, Any, Any], session: Session, actor: Actor, form: Form, shape: FormShape,
            quotes: ActivityQuote | None, read: ReadForm | None, *, status: int = 200,
            focus: str | None = None) -> Template:
    return page(request, FORM_TEMPLATE, {
        "form": form, "shape": shape, "quotes": _quotes_by_row(quotes, read), "focus": focus,
        "minute_fields": MINUTE_FIELDS, "attendee_name": attendee_name, "expense_name": expense_name,
        "field_id": field_id, "money": money, **_choices(session, actor, form),
    }, status=status)


def _quotes_by_row(quotes: ActivityQuote | None, read: ReadForm | None) -> dict[int, Any]:
    """Each form row's quote answer (the service numbers attendees without the blank rows)."""
    if quotes is None or read is None:
        return {}
    return {read.rows[a.index]: a for a in quotes.attendees if a.index < len(read.rows)}


def _read(form: Form, shape: FormShape, *, need_attendee: bool = True) -> ReadForm:
    for name in field_names(shape):
        if name != "date":
            form.values.setdefault(name, "")
    on = parse_date_input(form, "date", "date of the activity")
    date_error = form.error("date")
    date_problems = [FieldProblem("date", date_error)] if date_error else []
    form.errors = [e for e in form.errors if e.name != "date"]  # read_activity reports it with the rest
    return read_activity(form.values, shape, on, date_problems, need_attendee=need_attendee)


def _add_problems(form: Form, problems: list[FieldProblem], rows: list[int]) -> None:
    form.add_problems([FieldProblem(service_field(p.field, rows), p.message) for p in problems])


class ActivityPages(Controller):
    path = "/activities"
    guards = (LEADS,)

    @get("/", name="lead-activities", sync_to_thread=True)
    def list_activities(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        query = dict(request.query_params)
        problems: list[FieldProblem] = []
        filters = ActivityFilters(project=read_id(query, "project", problems),
                                  date_from=read_date(query, "date_from", problems),
                                  date_to=read_date(query, "date_to", problems))
        cursor = read_cursor(query, problems)
        form = form_from(query)
        found = None
        if not problems:
            try:
                found = list_activity_rows(db_session, actor, filters, cursor)
            except Invalid as exc:
                problems.extend(exc.problems)
        form.add_problems(problems)
        return page(request, "lead/activities.html", {
            "form": form, "found": found, "projects": visible_projects(db_session, actor),
            "pagination": page_links("/activities", query, found.newer, found.older) if found else {},
            "mode_words": MODE_WORDS,
        }, status=400 if problems else 200)

    @get("/new", name="lead-activity-new", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        form = Form(values={"mode": "in_person", "rows": "1"})
        return _render(request, db_session, actor, form, FormShape(), None, None)

    @post("/new", name="lead-activity-save", sync_to_thread=True)
    def save(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
             data: FormBody) -> Template | Redirect:
        """Save (all attendees or none), or re-render for "Add another person" and "Check amounts"."""
        form = form_from(data)
        shape = FormShape.read(form.values)
        action = form.value("_action", "save")
        if shape.act(action) or action == "refresh":  # "refresh": another project chosen (HTMX)
            # One more row: the rows already filled in keep showing their amounts (no errors shown yet).
            focus = (field_id(attendee_name(shape.rows - 1, "participant")) if action == "add-attendee" else None)
            read = _read(form, shape, need_attendee=False)
            form.errors = []
            quotes = quote_activity(db_session, actor, read.data) if read.data is not None else None
            return _render(request, db_session, actor, form, shape, quotes, read, focus=focus)
        read = _read(form, shape)
        # The quote service checks each person (who they are, their role, receipts) exactly as recording
        # would, and says which row is wrong, so it runs first; recording then checks everything again.
        quotes = quote_activity(db_session, actor, read.data) if read.data is not None else None
        # The form's own problems name form rows already; the services number only the rows they were sent.
        form.add_problems(read.problems)
        _add_problems(form, quotes.every_problem if quotes is not None else [], read.rows)
        if action == "check" or form.errors or read.data is None:
            return _render(request, db_session, actor, form, shape, quotes, read, status=400 if form.errors else 200)
        try:
            created = record_activity(db_session, actor, read.data)
        except Invalid as exc:
            _add_problems(form, exc.problems or [FieldProblem("", exc.detail)], read.rows)
            return _render(request, db_session, actor, form, shape, quotes, read, status=400)
        people = len(created.records)
        return see_other(f"/activities/{created.id}",
                         notice=f"Activity recorded for {people} {'person' if people == 1 else 'people'}. "
                                "Each record now waits for a colleague to approve it.")

    @post("/new/quote", name="lead-activity-quote", sync_to_thread=True)
    def live_quote(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                   data: FormBody) -> Template:
        """HTMX: every attendee's quote, swapped into its row out of band; nothing is saved."""
        form = form_from(data)
        shape = FormShape.read(form.values)
        read = _read(form, shape, need_attendee=False)
        quotes = quote_activity(db_session, actor, read.data) if read.data is not None else None
        row_problems: dict[int, list[str]] = {}
        for problem in read.problems:  # named by form row already
            name = problem.field
            if name.startswith("attendees["):
                row = int(name.removeprefix("attendees[").partition("]")[0])
                row_problems.setdefault(row, []).append(problem.message)
        activity_problems = [p.message for p in read.problems if not p.field.startswith("attendees[")]
        if quotes is not None:
            activity_problems += [p.message for p in quotes.problems]
        return fragment(request, "lead/_live_quotes.html", {
            "shape": shape, "quotes": _quotes_by_row(quotes, read), "row_problems": row_problems,
            "activity_problems": activity_problems, "money": money, "field_id": field_id,
            "attendee_name": attendee_name,
        })

    @get("/{activity_id:int}", name="lead-activity", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, activity_id: int) -> Template:
        activity = db_session.scalars(
            select(Activity).where(Activity.id == activity_id).options(joinedload(Activity.project))
        ).one_or_none()
        if activity is None or not actor.can_see_project(activity.project_id):
            # Another project's activity is "not found" to a lead limited to their own.
            raise NotFound(f"There is no activity {activity_id} in your projects.")
        records = list(db_session.scalars(
            select(Record).where(Record.activity_id == activity.id).options(joinedload(Record.participant))
            .order_by(Record.id)))
        project: Project = activity.project
        amounts = {r.id: Money.from_minor(r.fees_minor + (r.expenses_minor or 0), r.currency).text()
                   for r in records if r.fees_minor is not None and r.currency is not None}
        return page(request, "lead/activity.html", {
            "activity": activity, "project": project, "records": records, "amounts": amounts, "mode_words": MODE_WORDS,
            "status_words": STATUS_WORDS, "status_tags": STATUS_TAGS, "money": money,
        })


PAGES: list[Any] = [ActivityPages]
