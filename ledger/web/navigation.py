"""The links in the header for each kind of user: one table, so every page shows the same navigation.

A feature adds its page here rather than drawing its own menu. The current page is marked with
``aria-current`` by :func:`links_for`, matching the start of the path so ``/participants/12`` still marks
"Participants". A link to a page this app does not serve (yet) is left out, so the header never leads to a
"Page not found".
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ledger.db.models import Role


@dataclass(frozen=True, slots=True)
class NavLink:
    href: str
    text: str


@dataclass(frozen=True, slots=True)
class NavItem:
    """A link as the header draws it: ``current`` when the page being shown lives under ``href``."""

    href: str
    text: str
    current: bool


_LEAD = (
    NavLink("/lead", "Home"),
    NavLink("/participants", "Participants"),
    NavLink("/activities", "Activities"),
    NavLink("/approvals", "Approvals"),
    NavLink("/records", "Records"),
    NavLink("/outcomes", "Outcomes"),
    NavLink("/imports", "Imports"),
)
_FINANCE = (NavLink("/finance", "Finance"), NavLink("/finance/messages", "Messages"))
_ADMIN = (NavLink("/admin/users", "Users"), NavLink("/admin/tokens", "API tokens"))
_SPEND = NavLink("/manager", "Spend")
_AUDIT = NavLink("/admin/audit", "Audit trail")
_RATES = NavLink("/admin/rate-cards", "Rate cards")

NAVIGATION: dict[Role, tuple[NavLink, ...]] = {
    Role.ADMIN: (*_LEAD, *_FINANCE, _SPEND, _AUDIT, _RATES, *_ADMIN),
    Role.LEAD: (*_LEAD, _SPEND),
    Role.FINANCE: (*_FINANCE, _SPEND, _RATES),
    Role.AUDITOR: (*_FINANCE, _SPEND, _AUDIT, _RATES),
    Role.PARTICIPANT: (NavLink("/me", "My money"),),
}
"""Role -> the header's links, in order."""


def _is_current(href: str, path: str) -> bool:
    return path == href or path.startswith(href.rstrip("/") + "/")


def links_for(role: Role | None, path: str, served: Collection[str] | None = None) -> list[NavItem]:
    """The header links for ``role`` (none when nobody is signed in), the one for ``path`` marked current.

    ``served`` (the paths the app answers) leaves out links to pages that do not exist yet.
    """
    if role is None:
        return []
    links = tuple(link for link in NAVIGATION.get(role, ()) if served is None or link.href in served)
    current = next((link.href for link in sorted(links, key=lambda x: -len(x.href)) if _is_current(link.href, path)),
                   None)
    return [NavItem(link.href, link.text, link.href == current) for link in links]
