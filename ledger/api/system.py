"""Small routes about the service itself: is it up, and who am I."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger import __version__
from ledger.api.auth import PUBLIC_ROUTE
from ledger.security.actor import Actor


class Health(msgspec.Struct):
    status: str
    version: str


class Me(msgspec.Struct):
    """The caller as the server sees them."""

    token_id: int | None
    name: str
    role: str
    project_ids: list[int] | None
    participant_id: int | None


class SystemController(Controller):
    tags = ("System",)

    @get(
        "/health",
        operation_id="health",
        summary="Is the service up and its database reachable?",
        sync_to_thread=True,
        **PUBLIC_ROUTE,
    )
    def health(self, db_session: Session) -> Health:
        db_session.execute(text("SELECT 1"))
        return Health(status="ok", version=__version__)

    @get("/me", operation_id="whoAmI", summary="The token's name, role and scope", sync_to_thread=False)
    def me(self, actor: Actor) -> Me:
        return Me(
            token_id=actor.token_id,
            name=actor.name,
            role=actor.role.value,
            project_ids=list(actor.project_ids) if actor.project_ids is not None else None,
            participant_id=actor.participant_id,
        )
