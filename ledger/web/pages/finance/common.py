"""What the finance pages share: who may read and act, words for methods and statuses, money in words.

The roles match the API exactly (``ledger/api/payments_api.py``, ``payee_changes_api.py``): finance
(and administrators, always) act; auditors read batches, remittance advice and payee changes, but do not
build, approve, download bank files (downloading marks a batch exported), mark paid or return lines.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from ledger.db.models import Role
from ledger.money import display_amount
from ledger.security.actor import Actor
from ledger.web.auth import page_roles

READERS = page_roles(Role.FINANCE, Role.AUDITOR)
ACTORS = page_roles(Role.FINANCE)

METHOD_WORDS = {"bank_transfer": "Bank transfer", "voucher": "Voucher", "organisation": "Paid to an organisation"}
STATUS_WORDS = {"draft": "Draft: waiting for a second officer", "approved": "Approved", "exported": "File downloaded",
                "paid": "Paid"}
STATUS_TAGS = {"draft": "govuk-tag--yellow", "approved": "govuk-tag--blue", "exported": "govuk-tag--purple",
               "paid": "govuk-tag--green"}
LINE_WORDS = {"pending": "To be paid", "paid": "Paid", "returned": "Came back"}
LINE_TAGS = {"pending": "govuk-tag--grey", "paid": "govuk-tag--green", "returned": "govuk-tag--red"}


def may_act(actor: Actor) -> bool:
    return actor.role in (Role.FINANCE, Role.ADMIN)


def may_open_records(actor: Actor) -> bool:
    """``/records/{id}`` is a lead's page (administrators too): link a record only for those who can open it."""
    return actor.role in (Role.LEAD, Role.ADMIN)


def money(amount: Decimal, currency: str) -> str:
    return display_amount(amount, currency)


def pagination(path: str, kept: dict[str, str], number: int, pages: int) -> dict[str, object] | None:
    """govuk-frontend pagination parameters, filters kept; ``None`` for a single page."""
    if pages <= 1:
        return None

    def link(n: int) -> str:
        return f"{path}?{urlencode({**{k: v for k, v in kept.items() if v}, 'page': n})}"

    shown = sorted({1, pages, *range(max(1, number - 2), min(pages, number + 2) + 1)})
    items: list[dict[str, object]] = []
    for previous, n in zip([0, *shown], shown, strict=False):
        if n - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": link(n), "current": n == number})
    result: dict[str, object] = {"items": items}
    if number > 1:
        result["previous"] = {"href": link(number - 1)}
    if number < pages:
        result["next"] = {"href": link(number + 1)}
    return result
