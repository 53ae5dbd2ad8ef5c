"""A participant's own pages: ``/me`` ("My money": the statement for a tax year as a web page in the
person's style, with the PDF), ``/me/statement.pdf``, ``/me/record-of-involvement`` (a record of
involvement with a verification code, from ledger.recognition) and ``/me/preferences`` (style, contact).

Only a participant signed in with their own code may open them (``admin=False``: an administrator has no
"own" statement); the participant comes from the session, never from the address, so nobody can read
someone else's. The words are the statement's own (``ledger.exports.pdf.statement_text`` and
``plain_words``), so the page and the PDF never disagree.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import Activity, Participant, Record, Role
from ledger.errors import Conflict, Invalid
from ledger.exports.pdf import render_statement
from ledger.exports.pdf.plain_words import activity_sentence, fee_reasons, spell_out, time_sentence
from ledger.exports.pdf.recognition import render_record
from ledger.exports.pdf.recognition_statement import INTRO as OUTCOMES_INTRO
from ledger.exports.pdf.recognition_statement import newest
from ledger.exports.pdf.statement_text import (
    WATCH_NOTE,
    easy_read_status,
    easy_read_summary,
    status_text,
    summary_sentences,
)
from ledger.exports.pdf.text import duration, money
from ledger.organisation import OrganisationNotSet, get_organisation
from ledger.rates.taxyear import tax_year_start
from ledger.recognition.record import issue_record
from ledger.reports.statement_data import Statement
from ledger.reports.statements import build_statement
from ledger.security.actor import Actor
from ledger.users.self_service import change_my_preferences, my_participant
from ledger.web.auth import page_roles
from ledger.web.forms import Form, form_from
from ledger.web.pages.participant.when_paid import payment_timing
from ledger.web.render import page, see_other

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
SERVICE_NAME = "Payments for your involvement"
"""What a participant's pages are called (the staff name, "Involvement ledger", is an accounting word)."""
PARTICIPANT_ONLY = page_roles(Role.PARTICIPANT, admin=False)
YearParam = Annotated[int | None, Parameter(query="year", ge=2000, le=2100, required=False)]

STYLE_WORDS = (
    ("standard", "Standard"),
    ("large_print", "Large print: bigger writing"),
    ("easy_read", "Easy Read: short sentences, bigger writing and pictures"),
)
CONTACT_WORDS = (
    ("email", "By e-mail"),
    ("post", "By letter in the post"),
    ("none", "Please do not send me messages"),
)

CONTACT_NOW = {
    "email": "We send you messages by e-mail.",
    "post": "We send you letters in the post.",
    "none": "You asked us not to send you messages.",
}


def tax_years(session: Session, participant_id: int, today: date) -> list[int]:
    """The tax years (by starting year) the person can pick: from their first activity to this year."""
    first = session.scalar(select(func.min(Activity.date)).join(Record, Record.activity_id == Activity.id)
                           .where(Record.participant_id == participant_id))
    newest = tax_year_start(today).year
    oldest = tax_year_start(first).year if first else newest
    return list(range(newest, max(oldest, newest - 10) - 1, -1))


def _statement(session: Session, person: Participant, year: int | None) -> Statement:
    start = year if year is not None else tax_year_start(clock.today()).year
    try:
        return build_statement(session, person.id, date(start, 4, 6), date(start + 1, 4, 5))
    except OrganisationNotSet:  # the staff-facing words name a command; the person needs to know whom to tell
        raise Conflict("Your statement cannot be shown yet because our contact details are not set up. "
                       "Please tell your co-production lead.") from None


def _line_words(explanation: str, amount: str) -> str:
    """An explained line once: the explanation already names its amount, so it is not repeated."""
    return explanation if amount in explanation else f"{explanation} ({amount})"


def _activities(statement: Statement) -> list[dict[str, Any]]:
    currency = statement.currency
    rows = []
    for act in statement.activities:
        when = f"{act.date:%-d %B %Y}"
        rows.append({
            "date": when,
            "what": spell_out(act.activity_label),
            "project": act.project_name,
            "sentence": activity_sentence(act.activity_label, when),
            "time": duration(act.minutes) if act.minutes else None,
            "time_sentence": time_sentence(act) if act.minutes else None,
            "reasons": fee_reasons(act, currency),
            "amount": money(act.fees + act.expenses, currency),
            "status": status_text(act, currency, statement.fees_paid_to),
            "easy_status": easy_read_status(act, currency),
            "lines": [_line_words(line.explanation, money(line.amount, currency)) for line in act.lines],
            "reversed": act.status == "reversed",
        })
    return rows


def _payments(statement: Statement) -> list[dict[str, Any]]:
    """Each payment in plain sentences, the Easy Read PDF's words ("Money we sent you")."""
    out = []
    for p in statement.payments:
        when, amount = f"{p.date:%-d %B %Y}", money(p.total, statement.currency)
        if "organisation" in p.method_label.lower():
            lines = [f"On {when} we sent {amount} to {statement.fees_paid_to or 'the group you asked us to pay'}."]
        elif p.method_label.lower().startswith("bank"):
            lines = [f"On {when} we sent {amount} to your bank.",
                     f"Look for this name on your bank statement: {p.reference}."]
        else:
            lines = [f"On {when} we sent you {amount}.", f"How: {p.method_label}."]
        out.append({"lines": lines})
    return out


class MyMoneyPages(Controller):
    path = "/me"
    guards = (PARTICIPANT_ONLY,)

    @get("/", name="my-money", sync_to_thread=True)
    def my_money(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                 year: YearParam = None) -> Template:
        person = my_participant(db_session, actor)
        statement = _statement(db_session, person, year)
        summary = statement.summary
        owed = summary.fees_owed - summary.fees_owed_to_organisation + summary.expenses_owed  # to them
        owed_to_organisation = summary.fees_owed_to_organisation  # fees they asked us to pay to a group
        sentences = (easy_read_summary(summary, statement.currency, bank_details_needed=statement.bank_details_needed)
                     if statement.style == "easy_read" else
                     summary_sentences(summary, statement.currency, statement.fees_paid_to,
                                       bank_details_needed=statement.bank_details_needed))
        return page(request, "participant/my_money.html", {
            "person_name": statement.participant_name, "statement": statement, "sentences": sentences,
            "activities": _activities(statement), "payments": _payments(statement),
            "outcomes": newest(statement.outcomes), "more_outcomes": len(statement.outcomes) - len(newest(
                statement.outcomes)), "outcomes_intro": OUTCOMES_INTRO,
            "years": tax_years(db_session, person.id, clock.today()),
            "year": statement.period_from.year, "owed": money(owed, statement.currency) if owed else None,
            "owed_to_organisation": money(owed_to_organisation, statement.currency) if owed_to_organisation else None,
            "timing": payment_timing(db_session, person.id, statement.currency), "today": clock.today(),
            "money": money, "contact": statement.contact, "style": statement.style, "watch_note": WATCH_NOTE,
            "service_name": SERVICE_NAME, "contact_choice": CONTACT_NOW.get(person.contact_preference),
        })

    @get("/statement.pdf", name="my-statement-pdf", sync_to_thread=True)
    def statement_pdf(self, db_session: Session, actor: Actor, year: YearParam = None) -> Response[bytes]:
        person = my_participant(db_session, actor)
        statement = _statement(db_session, person, year)
        name = f"statement-{statement.period_from.year}-{statement.period_to.year}.pdf"
        return Response(render_statement(statement), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @post("/record-of-involvement", name="my-record-of-involvement", status_code=200, sync_to_thread=True)
    def record_of_involvement(self, db_session: Session, actor: Actor) -> Response[bytes]:
        """A record of everything they took part in, with a code anyone can check at /verify (a POST: it
        issues a new record, in the audit trail)."""
        person = my_participant(db_session, actor)
        record = issue_record(db_session, actor, person.id)
        return Response(render_record(record), media_type="application/pdf",
                        headers={"Content-Disposition": 'attachment; filename="record-of-involvement.pdf"'})

    def _preferences_page(self, request: Request[Any, Any, Any], session: Session, person: Participant, form: Form,
                          status: int = 200) -> Template:
        """The choices form, saying whether we hold an e-mail and a postal address (they cannot type one
        here: a lead adds it) and whom to phone to add or change one."""
        try:
            contact = get_organisation(session)
        except OrganisationNotSet:
            contact = None
        return page(request, "participant/preferences.html",
                    {"form": form, "styles": STYLE_WORDS, "contacts": CONTACT_WORDS, "contact": contact,
                     "has_email": bool(person.email), "has_address": bool(person.postal_address),
                     "service_name": SERVICE_NAME}, status=status)

    @get("/preferences", name="my-preferences", sync_to_thread=True)
    def preferences(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        person = my_participant(db_session, actor)
        form = Form()
        form.values.update({"statement_style": person.statement_style,
                            "contact_preference": person.contact_preference})
        return self._preferences_page(request, db_session, person, form)

    @post("/preferences", name="my-preferences-save", sync_to_thread=True)
    def save_preferences(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                         data: FormBody) -> Template | Redirect:
        form = form_from(data)
        try:
            change_my_preferences(db_session, actor, statement_style=form.value("statement_style"),
                                  contact_preference=form.value("contact_preference"))
        except Invalid as exc:
            form.add_problems(exc)
            return self._preferences_page(request, db_session, my_participant(db_session, actor), form, 400)
        return see_other("/me", notice="Your choices are saved.")


PAGES: list[Any] = [MyMoneyPages]
