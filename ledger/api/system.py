"""Small routes about the service itself: is it up (and its database writable), and who am I."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get
from sqlalchemy import column, table, update
from sqlalchemy.orm import Session, sessionmaker

from ledger import __version__
from ledger.api.auth import PUBLIC_ROUTE
from ledger.api.database import database_of
from ledger.security.actor import Actor


class Health(msgspec.Struct):
    """The service answers and its database can be written."""

    status: str
    version: str
    database: str


def check_database_writable(factory: sessionmaker[Session]) -> None:
    """Raise the database's own error unless a write would succeed (the write is rolled back).

    A no-op UPDATE of the migrations table needs the same rights as any real write, so a read-only
    file, a read-only PostgreSQL replica or a lost connection is found here, not at the next payment.
    """
    with factory() as session:
        try:
            session.execute(update(alembic_version).values(version_num=alembic_version.c.version_num))
        finally:
            session.rollback()


alembic_version = table("alembic_version", column("version_num"))


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
        summary="Is the service up and its database writable?",
        description="200 when the database can be written; 503 (problem+json) saying what is wrong when it "
        "cannot: read-only, full, or unreachable.",
        sync_to_thread=True,
        **PUBLIC_ROUTE,
    )
    def health(self, request: Request[Any, Any, Any]) -> Health:
        check_database_writable(database_of(request.scope).session_factory)
        return Health(status="ok", version=__version__, database="writable")

    @get("/me", operation_id="whoAmI", summary="The token's name, role and scope", sync_to_thread=False)
    def me(self, actor: Actor) -> Me:
        return Me(
            token_id=actor.token_id,
            name=actor.name,
            role=actor.role.value,
            project_ids=list(actor.project_ids) if actor.project_ids is not None else None,
            participant_id=actor.participant_id,
        )
