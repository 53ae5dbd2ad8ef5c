"""``/outcomes``: a lead reports back ("what changed because of you") and sees what is still unreported.

* ``GET /outcomes``: the outcomes of the lead's projects, newest first, with a link to add one;
* ``GET /outcomes/overdue?weeks=8``: activities with nothing reported back after the set time, each with
  an "Add what changed" link;
* ``GET /outcomes/records?participant=P-0012``: a person's record of involvement (what it says, records
  made, make a new one as a PDF, withdraw one);
* ``GET /outcomes/new?activity=ID`` (or ``?project=ID``) and ``POST /outcomes/new``: the form. Problems are
  shown beside their fields and in the GOV.UK error summary, what was typed is kept, nothing is saved; on
  success, POST-redirect-GET back to the list with a notice.

The same services as the API (``ledger.recognition.outcomes``) decide who may do what.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Response, Template
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import Activity, Participant, Project
from ledger.db.models_recognition import InvolvementRecord
from ledger.errors import Conflict, Forbidden, Invalid, NotFound
from ledger.exports.pdf.recognition import render_record
from ledger.involvement.membership import may_see_participant
from ledger.involvement.record_lists import visible_projects
from ledger.involvement.schemas import MAX_ID
from ledger.recognition.outcomes import (
    DEFAULT_OVERDUE_WEEKS,
    MAX_OVERDUE_WEEKS,
    add_outcome,
    list_outcomes,
    overdue_activities,
)
from ledger.recognition.record import build_record, issue_record, list_records, withdraw_record
from ledger.recognition.schemas import OutcomeIn
from ledger.reports.activity_labels import activity_label
from ledger.security.actor import Actor
from ledger.web.forms import Form, form_from, parse_date_input
from ledger.web.pages.lead.common import LEADS, STYLE_WORDS, FormBody
from ledger.web.pages.lead.participants import find_participant
from ledger.web.render import page, see_other

OptionalId = Annotated[int | None, Parameter(ge=1, le=MAX_ID)]


def _activity_for(session: Session, actor: Actor, activity_id: int) -> tuple[Activity, str]:
    """The activity and its words, if the lead works on its project; "not found" otherwise."""
    activity = session.get(Activity, activity_id)
    if activity is None or not actor.can_see_project(activity.project_id):
        raise NotFound(f"There is no activity {activity_id} in your projects.")
    project = session.get(Project, activity.project_id)
    assert project is not None
    label = activity_label(project.rate_card, activity.activity, activity.date)
    return activity, f"{label} on {activity.date:%-d %B %Y} ({project.name})"


def _form_page(request: Request[Any, Any, Any], session: Session, actor: Actor, form: Form,
               *, status: int = 200) -> Template:
    activity_words = None
    if form.value("activity").isdigit():
        activity_words = _activity_for(session, actor, int(form.value("activity")))[1]
    projects = [(str(p.id), p.name) for p in visible_projects(session, actor)]
    return page(request, "outcomes/new.html", {"form": form, "activity_words": activity_words,
                                               "projects": projects}, status=status)


class OutcomePages(Controller):
    path = "/outcomes"
    guards = (LEADS,)

    @get("/", name="outcomes-list", sync_to_thread=True)
    def outcomes(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        items = sorted(list_outcomes(db_session, actor), key=lambda o: (o.outcome_date, o.id), reverse=True)
        overdue = overdue_activities(db_session, actor)
        return page(request, "outcomes/list.html", {"items": items, "overdue": len(overdue),
                                                     "weeks": DEFAULT_OVERDUE_WEEKS})

    @get("/overdue", name="outcomes-overdue", sync_to_thread=True)
    def overdue(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                weeks: Annotated[str | None, Parameter(query="weeks", max_length=10)] = None) -> Template:
        form = form_from({"weeks": weeks or str(DEFAULT_OVERDUE_WEEKS)})
        chosen = DEFAULT_OVERDUE_WEEKS
        text = form.value("weeks").strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_OVERDUE_WEEKS:
            form.add("weeks", f"Enter a whole number of weeks from 1 to {MAX_OVERDUE_WEEKS}, for example 8")
        else:
            chosen = int(text)
        items = overdue_activities(db_session, actor, chosen)
        return page(request, "outcomes/overdue.html", {"form": form, "items": items, "weeks": chosen,
                                                        "since": clock.today() - timedelta(weeks=chosen)},
                    status=400 if form.errors else 200)

    @get("/new", name="outcomes-new", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
            activity: OptionalId = None, project: OptionalId = None) -> Template:
        form = form_from({"activity": str(activity or ""), "project": str(project or "")})
        form.set_date("date", clock.today())
        if activity is not None:
            _activity_for(db_session, actor, activity)  # not found unless the lead works on it
        return _form_page(request, db_session, actor, form)

    @post("/new", name="outcomes-add", sync_to_thread=True)
    def add(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
            data: FormBody) -> Template | Redirect:
        form = form_from(data)
        for name in ("activity", "project", "text", "date-day", "date-month", "date-year"):
            form.values.setdefault(name, "")
        on = parse_date_input(form, "date", "date it was decided or changed")
        activity = int(form.value("activity")) if form.value("activity").isdigit() else None
        project = int(form.value("project")) if form.value("project").isdigit() and activity is None else None
        if activity is None and project is None:
            form.add("project", "Choose the project this outcome is about")
        if not form.value("text").strip():
            form.add("text", "Say what was decided or changed, in plain words")
        if not form.errors and on is not None:
            try:
                add_outcome(db_session, actor, OutcomeIn(text=form.value("text"), date=on, activity=activity,
                                                         project=project))
            except Invalid as exc:
                form.add_problems(exc, {"activity": "project"}, fallback="text")
            except (Forbidden, NotFound):
                form.add("project", "Choose one of your own projects")
            else:
                return see_other("/outcomes", notice="Thank you: the people who took part will see what changed.")
        return _form_page(request, db_session, actor, form, status=400)


PAGES: list[Any] = [OutcomePages]


# ------------------------------------------------------------------------- records of involvement (leads)

Reference = Annotated[str | None, Parameter(query="participant", max_length=20)]


class RecordPages(Controller):
    """``/outcomes/records?participant=P-0012``: a person's record of involvement: what it would say, the
    records already made (checks counted, withdrawn or not), making a new one (a PDF download with its
    code) and withdrawing one. The same services and rules as the API (``ledger.recognition.record``)."""

    path = "/outcomes/records"
    guards = (LEADS,)

    def _context(self, session: Session, actor: Actor, reference: str) -> dict[str, Any]:
        person = find_participant(session, actor, reference)
        preview = build_record(session, person.id)
        return {"person": person, "summary": preview.summary, "outcomes": preview.outcomes,
                "issued": list_records(session, actor, person.id), "styles": list(STYLE_WORDS.items())}

    @get("/", name="outcomes-records", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
             participant: Reference = None) -> Template:
        form = form_from({"participant": participant or ""})
        if not participant:
            return page(request, "outcomes/records.html", {"form": form, "person": None})
        return page(request, "outcomes/records.html", {"form": form, **self._context(db_session, actor, participant)})

    @post("/", name="outcomes-records-issue", sync_to_thread=True)
    def issue(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
              data: FormBody) -> Response[bytes] | Template:
        form = form_from(data)
        person = find_participant(db_session, actor, form.value("participant"))
        style = form.value("style") or None
        if style is not None and style not in STYLE_WORDS:
            form.add("style", "Choose a style")
            return page(request, "outcomes/records.html",
                        {"form": form, **self._context(db_session, actor, person.reference)}, status=400)
        record = issue_record(db_session, actor, person.id, style=style,
                              include_amounts=form.value("include_amounts") == "yes")
        name = f"involvement-{person.reference}-{record.summary.issued_on.isoformat()}.pdf"
        return Response(render_record(record), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @post("/{record_id:int}/withdraw", name="outcomes-records-withdraw", sync_to_thread=True)
    def withdraw(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, record_id: int,
                 data: FormBody) -> Template | Redirect:
        form = form_from(data)
        row = db_session.get(InvolvementRecord, record_id)
        if row is None or not may_see_participant(db_session, actor, row.participant_id):
            raise NotFound(f"There is no record of involvement {record_id} for people in your projects.")
        person = db_session.get(Participant, row.participant_id)
        assert person is not None
        if not form.value("reason").strip():
            form.add("reason", "Say why you are withdrawing it, for example: issued by mistake",
                     anchor=f"reason-{record_id}")
            return page(request, "outcomes/records.html",
                        {"form": form, "withdrawing": record_id, **self._context(db_session, actor, person.reference)},
                        status=400)
        with suppress(Conflict):  # already withdrawn (a second click): the page shows it as withdrawn
            withdraw_record(db_session, actor, record_id, form.value("reason"))
        return see_other(f"/outcomes/records?participant={person.reference}",
                         notice="Withdrawn: its code now says so, and shows nothing else.")


PAGES.append(RecordPages)
