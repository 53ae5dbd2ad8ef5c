"""Who may do what, checked inside the services as well as by the API's route guards.

The route guards refuse a wrong role before any work starts; these checks make the same promise to every
other caller (the CLI, the demo, another service), and add what only the data can tell: whether a lead's
token covers the record's project, and whether a participant token is reading its own data.
"""

from __future__ import annotations

from ledger.db.models import Role
from ledger.errors import Forbidden
from ledger.security.actor import Actor

READ_ALL = (Role.ADMIN, Role.AUDITOR)


def ensure_role(actor: Actor, *roles: Role, doing: str) -> None:
    """Admin may always; otherwise the actor's role must be one of ``roles``."""
    allowed = {Role.ADMIN, *roles}
    if actor.role not in allowed:
        names = ", ".join(sorted(role.value for role in allowed))
        raise Forbidden(f"A {actor.role.value} token may not {doing}; it needs one of: {names}.")


def ensure_not_recorder(actor: Actor, recorded_by_token_id: int | None, doing: str) -> None:
    """Four eyes: the token that recorded a claim never decides it.

    Work done without a token (the CLI acting as the system) cannot be told apart, so it is not refused
    here; every API request has a token.
    """
    if actor.token_id is not None and actor.token_id == recorded_by_token_id:
        raise Forbidden(
            f"You recorded this claim, so you cannot {doing} it yourself. "
            "Ask a colleague (another lead or a manager) to do it."
        )


def visible_project_ids(actor: Actor) -> tuple[int, ...] | None:
    """The projects whose records this actor may read: ``None`` means all of them."""
    if actor.role == Role.LEAD:
        return actor.project_ids
    return None
