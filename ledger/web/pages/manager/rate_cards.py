"""``/admin/rate-cards``: each rate card's versions and the dates they start; one page per card saying, in
plain words, what each version changed (``ledger.rates.changes``).

The cards are public (the API's ``GET /rate-cards`` needs no sign-in); these pages are for staff, so
every staff role may read them. They read the same registry the engine prices with.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from ledger.db.models import Role
from ledger.errors import NotFound
from ledger.rates.changes import card_history, pricing_words
from ledger.rates.registry import default_registry
from ledger.web.auth import page_roles
from ledger.web.render import page

STAFF = page_roles(Role.LEAD, Role.FINANCE, Role.AUDITOR)


@get("/admin/rate-cards", name="manager-rate-cards", guards=[STAFF], sync_to_thread=False)
def rate_cards(request: Request[Any, Any, Any]) -> Template:
    return page(request, "manager/rate_cards.html", {"cards": default_registry().cards()})


@get("/admin/rate-cards/{key:str}", name="manager-rate-card", guards=[STAFF], sync_to_thread=False)
def rate_card(request: Request[Any, Any, Any], key: str) -> Template:
    registry = default_registry()
    card = next((c for c in registry.cards() if c.key == key), None)
    if card is None:
        raise NotFound(f"there is no rate card called {key!r}")
    latest = card.versions[-1]
    return page(request, "manager/rate_card.html", {
        "card": card, "history": list(reversed(card_history(card))),
        "latest": latest, "pricing": [(rule.label, pricing_words(rule, card.currency))
                                      for rule in latest.activities.values()],
    })


PAGES: list[Any] = [rate_cards, rate_card]
