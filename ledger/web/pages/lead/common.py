"""What the lead's pages share: the role guard, the form body type, list filters from the query string,
the people a lead may choose, and words for statuses and amounts.

Nothing here decides a business rule: scope comes from ``ledger.involvement.membership`` and
``ledger.involvement.access``, money words from ``ledger.money``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.db.models import Participant, Role
from ledger.errors import FieldProblem
from ledger.involvement.membership import visible_participants
from ledger.involvement.record_lists import Cursor
from ledger.money import display_amount
from ledger.security.actor import Actor
from ledger.web.auth import page_roles

LEADS = page_roles(Role.LEAD)
"""Leads (and administrators, always): every lead page's guard."""

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A posted form, read by Litestar (repeated names become lists); turned into a ``Form`` by ``form_from``."""

MAX_PEOPLE_CHOICES = 2000

STATUS_WORDS = {
    "submitted": "Waiting for approval",
    "approved": "Approved",
    "rejected": "Rejected",
    "reversed": "Reversed",
}
STATUS_TAGS = {"submitted": "govuk-tag--yellow", "approved": "govuk-tag--green", "rejected": "govuk-tag--red",
               "reversed": "govuk-tag--grey"}
MODE_WORDS = {"in_person": "In person", "online": "Online"}
PAYMENT_WORDS = {
    "bank_transfer": "Bank transfer",
    "voucher": "Voucher",
    "organisation": "Paid to an organisation",
    "expenses_only": "Expenses only (no fees)",
    "decline": "Does not want to be paid",
}
STYLE_WORDS = {"standard": "Standard", "large_print": "Large print", "easy_read": "Easy Read"}
CONTACT_WORDS = {"email": "By email", "post": "By post (a printed letter)", "none": "No messages at all"}


def money(amount: str | Decimal | None, currency: str | None = "GBP") -> str:
    """An API amount ("41.25") as a person reads it ("£41.25"); "–" when there is none."""
    if amount is None or currency is None:
        return "–"
    return display_amount(Decimal(str(amount)), currency)


def minutes_words(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def people_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """Everyone the actor may record for (their projects' people), by name: ``(id, "Name (P-0001)")``."""
    query = select(Participant.id, Participant.name, Participant.reference).where(Participant.erased_at.is_(None))
    condition = visible_participants(actor)
    if condition is not None:
        query = query.where(condition)
    rows = session.execute(query.order_by(Participant.name, Participant.id).limit(MAX_PEOPLE_CHOICES))
    return [(str(pid), f"{name} ({reference})") for pid, name, reference in rows]


def _whole_id(raw: str | None, name: str, problems: list[FieldProblem]) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 2**63 - 1:
        problems.append(FieldProblem(name, "must be chosen from the list"))
        return None
    return int(text)


def _iso_date(raw: str | None, name: str, problems: list[FieldProblem]) -> date | None:
    """A filter date typed as ``27/3/2026``, ``27 3 2026`` or ``2026-03-27``."""
    text = (raw or "").strip()
    if not text:
        return None
    parts = text.replace("/", " ").replace(".", " ").split()
    try:
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        return date.fromisoformat(text)
    except ValueError:
        problems.append(FieldProblem(name, "must be a real date, written like 27/3/2026"))
        return None


def read_cursor(query: Mapping[str, str], problems: list[FieldProblem]) -> Cursor:
    return Cursor(before=_whole_id(query.get("before"), "before", problems),
                  after=_whole_id(query.get("after"), "after", problems))


def read_id(query: Mapping[str, str], name: str, problems: list[FieldProblem]) -> int | None:
    return _whole_id(query.get(name), name, problems)


def read_person(session: Session, actor: Actor, query: Mapping[str, str], problems: list[FieldProblem]) -> int | None:
    """The ``person`` filter: a participant's reference (``P-0012``), or their id as ``participant``.

    Someone the actor may not see is "not found", exactly like someone who does not exist.
    """
    from ledger.involvement.membership import may_see_participant

    by_id = read_id(query, "participant", problems)
    reference = (query.get("person") or "").strip().upper()
    if not reference:
        return by_id
    found = session.scalar(select(Participant.id).where(Participant.reference == reference))
    if found is None or not may_see_participant(session, actor, found):
        problems.append(FieldProblem("person", f"there is nobody with the reference {reference} in your projects"))
        return None
    return int(found)


def read_date(query: Mapping[str, str], name: str, problems: list[FieldProblem]) -> date | None:
    return _iso_date(query.get(name), name, problems)


def page_links(path: str, query: Mapping[str, str], newer: Cursor | None, older: Cursor | None) -> dict[str, Any]:
    """govuk-frontend pagination parameters (previous = newer records, next = older), filters kept."""
    from urllib.parse import urlencode

    kept = {k: v for k, v in query.items() if k not in ("before", "after") and v}
    params: dict[str, Any] = {}
    if newer is not None and newer.after is not None:
        params["previous"] = {"href": f"{path}?{urlencode({**kept, 'after': newer.after})}",
                              "text": "Newer", "labelText": "newer records"}
    if older is not None and older.before is not None:
        params["next"] = {"href": f"{path}?{urlencode({**kept, 'before': older.before})}",
                          "text": "Older", "labelText": "older records"}
    return params


def token_names(session: Session, token_ids: set[int | None]) -> dict[int, str]:
    """Who holds each token (web users act through a token of their own), in one query."""
    from ledger.db.models import ApiToken

    wanted = sorted(i for i in token_ids if i is not None)
    if not wanted:
        return {}
    return dict(session.execute(select(ApiToken.id, ApiToken.name).where(ApiToken.id.in_(wanted))).tuples().all())


def recorder_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """Who may have recorded the actor's records (leads and administrators), for the "recorded by" filter.

    A lead limited to some projects is offered only colleagues who work on one of them (or on every project).
    """
    from ledger.db.models import ApiToken

    rows = session.execute(select(ApiToken.id, ApiToken.name, ApiToken.project_ids)
                           .where(ApiToken.role.in_((Role.LEAD, Role.ADMIN)), ApiToken.revoked_at.is_(None))
                           .order_by(ApiToken.name, ApiToken.id).limit(500))
    mine = set(actor.project_ids) if actor.project_ids is not None else None
    return [(str(token_id), name) for token_id, name, projects in rows
            if mine is None or projects is None or mine & set(projects)]
