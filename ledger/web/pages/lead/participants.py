"""``/participants``: find, add and look after the people a lead works with.

Every change goes through the API's services (``ledger.involvement.participants``): bank details and the
payment choice never change directly, they become the pending payee change that a second person (finance)
confirms. Bank details are typed once: afterwards the pages show them masked (``****5678``) and the
payment form never fills them back in. A person outside the lead's projects is "not found" here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from msgspec import UNSET
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.db.models import Participant
from ledger.errors import Conflict, FieldProblem, Invalid, NotFound
from ledger.involvement.balances import participant_balance
from ledger.involvement.membership import may_see_participant
from ledger.involvement.participants import (
    create_participant,
    list_participants,
    participant_with_pending,
    update_participant,
)
from ledger.involvement.record_lists import RecordFilters, list_record_rows, visible_projects
from ledger.involvement.schemas import (
    BankIn,
    OrganisationIn,
    ParticipantCreate,
    ParticipantUpdate,
    WatchLimitIn,
)
from ledger.money import Money
from ledger.rates.benefit_limits import default_limits
from ledger.security.actor import Actor
from ledger.web.forms import Form, form_from
from ledger.web.pages.lead.common import (
    CONTACT_WORDS,
    LEADS,
    PAYMENT_WORDS,
    STATUS_TAGS,
    STATUS_WORDS,
    STYLE_WORDS,
    FormBody,
    money,
)
from ledger.web.render import page, see_other

PAGE_SIZE = 25
BANK_FIELDS = ("bank.account_name", "bank.sort_code", "bank.account_number")
SERVICE_FIELDS = {"bank": "bank.account_name", "organisation": "organisation.name", "projects": "project",
                  "projects[0]": "project"}


def find_participant(session: Session, actor: Actor, reference: str) -> Participant:
    """The person with this reference, if the actor may see them; otherwise "not found" (never "forbidden":
    that would tell a lead of another project that the reference exists)."""
    person = session.scalars(select(Participant).where(Participant.reference == reference.strip().upper())).first()
    if person is None or not may_see_participant(session, actor, person.id):
        raise NotFound(f"There is no participant {reference} in your projects.")
    return person


# ------------------------------------------------------------------------------------ form reading


def _text(form: Form, name: str) -> str | None:
    return form.value(name).strip() or None


def _bank(form: Form) -> BankIn | None:
    if not any(form.value(n).strip() for n in BANK_FIELDS):
        return None
    return BankIn(account_name=form.value("bank.account_name"), sort_code=form.value("bank.sort_code"),
                  account_number=form.value("bank.account_number"))


def _organisation(form: Form) -> OrganisationIn | None:
    if not form.value("organisation.name").strip() and not form.value("organisation.reference").strip():
        return None
    return OrganisationIn(name=form.value("organisation.name").strip(), reference=_text(form, "organisation.reference"))


def _watch_limits(form: Form) -> tuple[list[WatchLimitIn], int]:
    """The limits ticked (named ones) and the one typed by hand; also how many named ones came first."""
    named = [WatchLimitIn(limit=key) for key in form.get_list("watch_named") if key]
    own: list[WatchLimitIn] = []
    if form.value("watch_own.amount").strip() or form.value("watch_own.label").strip():
        own.append(WatchLimitIn(period=form.value("watch_own.period") or None,  # type: ignore[arg-type]
                                amount=form.value("watch_own.amount").strip() or None,
                                label=_text(form, "watch_own.label")))
    return named + own, len(named)


def _watch_field_map(problems: list[FieldProblem], named: int) -> list[FieldProblem]:
    """``watch_limits[i].amount`` -> the form's field (a ticked named limit, or the typed one)."""
    out = []
    for p in problems:
        if p.field.startswith("watch_limits["):
            index = int(p.field.removeprefix("watch_limits[").partition("]")[0] or 0)
            tail = p.field.partition("].")[2]
            own_field = tail if tail in ("amount", "period", "label") else "amount"
            name = "watch_named" if index < named else f"watch_own.{own_field}"
            out.append(FieldProblem(name, p.message))
        else:
            out.append(FieldProblem(SERVICE_FIELDS.get(p.field, p.field), p.message))
    return out


def _choice_or_none(form: Form, name: str, allowed: dict[str, str], problems: list[FieldProblem],
                    words: str) -> str | None:
    value = form.value(name)
    if value not in allowed:
        problems.append(FieldProblem(name, f"Choose {words}"))
        return None
    return value


def _context(session: Session, actor: Actor, form: Form, **extra: Any) -> dict[str, Any]:
    limits = default_limits().limits()
    return {"form": form, "projects": visible_projects(session, actor), "payment_words": PAYMENT_WORDS,
            "style_words": STYLE_WORDS, "contact_words": CONTACT_WORDS,
            "named_limits": [(lim.key, lim.label) for lim in limits], **extra}


class ParticipantPages(Controller):
    path = "/participants"
    guards = (LEADS,)

    @get("/", name="lead-participants", sync_to_thread=True)
    def search(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        query = dict(request.query_params)
        form = form_from(query)
        try:
            number = max(1, int(query.get("page", "1")))
        except ValueError:
            number = 1
        found = list_participants(db_session, actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
                                  search=form.value("search") or None)
        pages = -(-found.total // PAGE_SIZE)
        pagination: dict[str, Any] = {}
        search = form.value("search")
        base = f"/participants?{urlencode({'search': search})}&page=" if search else "/participants?page="
        if number > 1:
            pagination["previous"] = {"href": f"{base}{number - 1}"}
        if number < pages:
            pagination["next"] = {"href": f"{base}{number + 1}"}
        return page(request, "lead/participants.html", {
            "form": form, "found": found, "pagination": pagination, "payment_words": PAYMENT_WORDS,
        })

    @get("/new", name="lead-participant-new", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        form = Form(values={"statement_style": "standard", "contact_preference": "email", "watch_own.period": "week"})
        projects = visible_projects(db_session, actor)
        if len(projects) == 1:
            form.values["project"] = str(projects[0].id)
        return page(request, "lead/participant_new.html", _context(db_session, actor, form))

    @post("/new", name="lead-participant-add", sync_to_thread=True)
    def add(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
            data: FormBody) -> Template | Redirect:
        form = form_from(data)
        problems: list[FieldProblem] = []
        preference = _choice_or_none(form, "payment_preference", PAYMENT_WORDS, problems, "how they want to be paid")
        style = _choice_or_none(form, "statement_style", STYLE_WORDS, problems, "a statement style")
        contact = _choice_or_none(form, "contact_preference", CONTACT_WORDS, problems, "how we send them messages")
        project = form.value("project")
        if not project.isdigit():
            problems.append(FieldProblem("project", "Choose the project this person joins"))
        limits, named = _watch_limits(form)
        if not form.value("name").strip():
            problems.append(FieldProblem("name", "Enter the person's full name"))
        person = None
        if not problems:
            try:
                person = create_participant(db_session, actor, ParticipantCreate(
                    name=form.value("name").strip(), payment_preference=preference,  # type: ignore[arg-type]
                    preferred_name=_text(form, "preferred_name"), email=_text(form, "email"),
                    phone=_text(form, "phone"), bank=_bank(form), organisation=_organisation(form),
                    watch_limits=limits, statement_style=style,  # type: ignore[arg-type]
                    contact_preference=contact,  # type: ignore[arg-type]
                    postal_address=_text(form, "postal_address"), projects=[int(project)],
                ))
            except Invalid as exc:
                problems.extend(_watch_field_map(exc.problems or [FieldProblem("", exc.detail)], named))
        if problems or person is None:
            form.add_problems(problems)
            return page(request, "lead/participant_new.html", _context(db_session, actor, form), status=400)
        waiting = " Their bank details wait for finance to confirm them." if _bank(form) else ""
        return see_other(f"/participants/{person.reference}", notice=f"{person.name} added as {person.reference}."
                                                                     + waiting)

    @get("/{reference:str}", name="lead-participant", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, reference: str) -> Template:
        return _person_page(request, db_session, actor, find_participant(db_session, actor, reference), Form())

    @post("/{reference:str}/email-code", name="lead-participant-email-code", sync_to_thread=True)
    def email_code(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                   reference: str) -> Template | Redirect:
        """A new sign-in code sent by e-mail (``ledger.messages.sign_in``): refused, in words, for someone who
        asked for post or no messages, or has no e-mail address."""
        from ledger.messages.sign_in import email_sign_in_code

        person = find_participant(db_session, actor, reference)
        try:
            email_sign_in_code(db_session, actor, person.id, str(request.base_url))
        except Conflict as exc:
            form = Form()
            form.add_general(exc.detail)
            return _person_page(request, db_session, actor, person, form, status=409)
        return see_other(f"/participants/{person.reference}",
                         notice=f"A new sign-in code is on its way to {person.name} by e-mail.")

    @get("/{reference:str}/edit", name="lead-participant-edit", sync_to_thread=True)
    def edit_form(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                  reference: str) -> Template:
        person = find_participant(db_session, actor, reference)
        form = Form(values={"name": person.name, "preferred_name": person.preferred_name or "",
                            "email": person.email or "", "phone": person.phone or "",
                            "statement_style": person.statement_style, "watch_own.period": "week",
                            "contact_preference": person.contact_preference,
                            "postal_address": person.postal_address or ""})
        form.lists["watch_named"] = [w.limit_key for w in person.watch_limits if w.limit_key]
        own = next((w for w in person.watch_limits if w.limit_key is None), None)
        if own is not None and own.amount_minor is not None:
            form.values.update({"watch_own.amount": Money.from_minor(own.amount_minor, own.currency).text(),
                                "watch_own.period": own.period, "watch_own.label": own.label})
        return page(request, "lead/participant_edit.html", _context(db_session, actor, form, person=person))

    @post("/{reference:str}/edit", name="lead-participant-save", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, reference: str,
             data: FormBody) -> Template | Redirect:
        person = find_participant(db_session, actor, reference)
        form = form_from(data)
        problems: list[FieldProblem] = []
        style = _choice_or_none(form, "statement_style", STYLE_WORDS, problems, "a statement style")
        contact = _choice_or_none(form, "contact_preference", CONTACT_WORDS, problems, "how we send them messages")
        if not form.value("name").strip():
            problems.append(FieldProblem("name", "Enter the person's full name"))
        limits, named = _watch_limits(form)
        if not problems:
            try:
                update_participant(db_session, actor, person.id, ParticipantUpdate(
                    name=form.value("name").strip(), preferred_name=_text(form, "preferred_name"),
                    email=_text(form, "email"), phone=_text(form, "phone"),
                    statement_style=style, watch_limits=limits,  # type: ignore[arg-type]
                    contact_preference=contact,  # type: ignore[arg-type]
                    postal_address=_text(form, "postal_address"),
                ))
            except (Invalid, Conflict) as exc:
                problems.extend(_watch_field_map(exc.problems or [FieldProblem("", exc.detail)], named))
        if problems:
            form.add_problems(problems)
            return page(request, "lead/participant_edit.html", _context(db_session, actor, form, person=person),
                        status=400)
        return see_other(f"/participants/{person.reference}", notice="Details saved.")

    @get("/{reference:str}/payment", name="lead-participant-payment", sync_to_thread=True)
    def payment_form(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                     reference: str) -> Template:
        person = find_participant(db_session, actor, reference)
        details = participant_with_pending(db_session, person)
        form = Form(values={"payment_preference": person.payment_preference,
                            "organisation.name": person.organisation_name or "",
                            "organisation.reference": person.organisation_reference or ""})
        return page(request, "lead/participant_payment.html",
                    _context(db_session, actor, form, person=details))

    @post("/{reference:str}/payment", name="lead-participant-payment-save", sync_to_thread=True)
    def payment(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, reference: str,
                data: FormBody) -> Template | Redirect:
        """Proposes the change; it takes effect only when finance confirms it (four eyes)."""
        person = find_participant(db_session, actor, reference)
        form = form_from(data)
        problems: list[FieldProblem] = []
        preference = _choice_or_none(form, "payment_preference", PAYMENT_WORDS, problems, "how they want to be paid")
        bank = _bank(form)
        if not problems:
            try:
                update_participant(db_session, actor, person.id, ParticipantUpdate(
                    payment_preference=preference,  # type: ignore[arg-type]
                    bank=bank if bank is not None else UNSET,  # blank boxes keep the details already given
                    organisation=_organisation(form) if preference == "organisation" else UNSET,
                ))
            except (Invalid, Conflict) as exc:
                problems.extend(_watch_field_map(exc.problems or [FieldProblem("", exc.detail)], 0))
        if problems:
            form.add_problems(problems)
            return page(request, "lead/participant_payment.html",
                        _context(db_session, actor, form, person=participant_with_pending(db_session, person)),
                        status=400)
        return see_other(f"/participants/{person.reference}",
                         notice="Change sent for checking. Payments use the details confirmed before until finance "
                                "confirms this change.")

    @post("/{reference:str}/sign-in-code", name="lead-participant-code", sync_to_thread=True)
    def sign_in_code(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                     reference: str) -> Template:
        """A new sign-in code for the person, shown once on this page (never stored where it could be read)."""
        from ledger.users.codes import issue_code

        person = find_participant(db_session, actor, reference)
        issued = issue_code(db_session, actor, person.id)
        base = str(request.base_url).rstrip("/")
        return page(request, "lead/participant_code.html", {
            "person": person, "issued": issued, "link": f"{base}{issued.link_path}",
        }, headers={"Cache-Control": "no-store"})


def _person_page(request: Request[Any, Any, Any], session: Session, actor: Actor, person: Participant, form: Form,
                 *, status: int = 200) -> Template:
    details = participant_with_pending(session, person)
    balance = participant_balance(session, actor, person.id)
    history = list_record_rows(session, actor, RecordFilters(participant=person.id), limit=20)
    return page(request, "lead/participant.html", {
        "form": form, "person": details, "balance": balance, "history": history, "money": money,
        "payment_words": PAYMENT_WORDS, "style_words": STYLE_WORDS, "status_words": STATUS_WORDS,
        "contact_words": CONTACT_WORDS, "status_tags": STATUS_TAGS,
    }, status=status)


PAGES: list[Any] = [ParticipantPages]
