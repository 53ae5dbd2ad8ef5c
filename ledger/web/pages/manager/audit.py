"""``/admin/audit``: the audit trail with filters, a page at a time, and "Check the trail".

Who: auditors and administrators, as the API's ``GET /audit``. What is shown is what the API shows: the
stored events, whose before/after were masked when written (``ledger.audit.personal``); they are masked
once more for display (masking is idempotent), so nothing personal can appear even in an old row.
The check is ``ledger.audit.verify_chain``, the one ``ledger audit verify`` runs, optionally with an anchor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.response import Template
from sqlalchemy.orm import Session

from ledger.audit import AnchorError, VerifyResult, mask_personal, verify_chain
from ledger.audit.anchor import parse_anchor
from ledger.audit.search import AuditFilters, AuditPage, search_events
from ledger.db.models import AuditEvent, Role
from ledger.errors import FieldProblem
from ledger.security.keys import KeyringError
from ledger.web.auth import page_roles
from ledger.web.forms import Form, form_from
from ledger.web.pages.lead.common import FormBody
from ledger.web.pages.manager.common import read_iso_date
from ledger.web.render import page

AUDITORS = page_roles(Role.AUDITOR)
PER_PAGE = 50
TEXT_LIMIT = 80  # the columns' size (ledger.db.models.AuditEvent)


def _text(query: Mapping[str, str], name: str, problems: list[FieldProblem]) -> str | None:
    text = (query.get(name) or "").strip()
    if len(text) > TEXT_LIMIT:
        problems.append(FieldProblem(name, f"must be at most {TEXT_LIMIT} characters"))
        return None
    return text or None


def read_filters(query: Mapping[str, str], problems: list[FieldProblem]) -> tuple[AuditFilters, int]:
    filters = AuditFilters(
        action=_text(query, "action", problems), entity=_text(query, "entity", problems),
        entity_id=_text(query, "entity_id", problems), actor=_text(query, "actor", problems),
        date_from=read_iso_date(query, "date_from", problems), date_to=read_iso_date(query, "date_to", problems),
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        problems.append(FieldProblem("date_from", "the first day is after the last day; swap the dates"))
    page_text = (query.get("page") or "1").strip()
    number = 1
    if not page_text.isdigit() or not 1 <= int(page_text) <= 1_000_000:
        problems.append(FieldProblem("page", "must be a page number, 1 or more"))
    else:
        number = int(page_text)
    return filters, number


def shown(event: AuditEvent) -> dict[str, Any]:
    """One event as the page shows it (before/after masked again, as pretty JSON)."""
    def pretty(data: dict[str, Any] | None) -> str | None:
        masked = mask_personal(data, entity=event.entity)
        return None if masked is None else json.dumps(masked, indent=1, sort_keys=True, default=str)

    return {"id": event.id, "occurred_at": event.occurred_at, "actor": event.actor, "action": event.action,
            "entity": event.entity, "entity_id": event.entity_id, "before": pretty(event.before),
            "after": pretty(event.after), "hash": event.hash}


def _links(query: Mapping[str, str], found: AuditPage, number: int) -> dict[str, Any]:
    kept = {k: v for k, v in query.items() if k != "page" and v}
    params: dict[str, Any] = {}
    if found.has_newer:
        params["previous"] = {"href": f"/admin/audit?{urlencode({**kept, 'page': number - 1})}", "text": "Newer",
                              "labelText": "newer events"}
    if found.has_older:
        params["next"] = {"href": f"/admin/audit?{urlencode({**kept, 'page': number + 1})}", "text": "Older",
                          "labelText": "older events"}
    return params


def _trail_page(request: Request[Any, Any, Any], session: Session, query: Mapping[str, str], *,
                check: VerifyResult | None = None, check_form: Form | None = None, status: int = 200) -> Template:
    problems: list[FieldProblem] = []
    filters, number = read_filters(query, problems)
    form = form_from(query)
    form.add_problems(problems)
    found = None if problems else search_events(session, filters, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    return page(request, "manager/audit.html", {
        "form": form, "found": found, "events": [shown(e) for e in found.events] if found else [],
        "pagination": _links(query, found, number) if found else {}, "number": number,
        "check": check, "check_form": check_form or Form(),
    }, status=400 if problems or (check_form and check_form.errors) else status)


@get("/admin/audit", name="manager-audit", guards=[AUDITORS], sync_to_thread=True)
def audit_trail(request: Request[Any, Any, Any], db_session: Session) -> Template:
    return _trail_page(request, db_session, dict(request.query_params))


@post("/admin/audit/check", name="manager-audit-check", guards=[AUDITORS], sync_to_thread=True, status_code=200)
def check_trail(request: Request[Any, Any, Any], db_session: Session, data: FormBody) -> Template:
    """Run the same check as ``ledger audit verify`` (reads only; shown at once, nothing is saved)."""
    form = form_from(data)
    anchors = []
    anchor_text = form.value("anchor").strip()
    if anchor_text:
        try:
            anchors = [parse_anchor(anchor_text)]
        except AnchorError as exc:
            form.add("anchor", str(exc))
    result = None
    if not form.errors:
        try:
            result = verify_chain(db_session, anchors=anchors)
        except KeyringError as exc:
            form.add("anchor", f"the trail cannot be checked on this server: {exc}")
    return _trail_page(request, db_session, {}, check=result, check_form=form)


PAGES: list[Any] = [audit_trail, check_trail]
