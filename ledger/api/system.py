"""Small routes about the service itself: is it up (and its database writable), and who am I."""

from __future__ import annotations

import secrets
from typing import Any

import msgspec
from litestar import Controller, Request, get
from sqlalchemy import insert, text
from sqlalchemy.orm import Session, sessionmaker

from ledger import __version__
from ledger.api.auth import PUBLIC_ROUTE
from ledger.api.database import database_of
from ledger.db.models import Setting
from ledger.security.actor import Actor


class Health(msgspec.Struct):
    """The service answers and its database can be written."""

    status: str
    version: str
    database: str


PROBE_KEY_PREFIX = "health-probe:"
POSTGRES_PAGE_BYTES = 8192


def _page_bytes(session: Session) -> int:
    if session.get_bind().dialect.name == "sqlite":
        return int(session.execute(text("PRAGMA page_size")).scalar_one())
    return POSTGRES_PAGE_BYTES


def check_database_writable(factory: sessionmaker[Session]) -> None:
    """Raise the database's own error unless a write that needs new room would succeed (it is rolled back).

    The probe inserts a setting about two database pages long, of random text (nothing can compress it),
    so it needs fresh pages: a SQLite file that cannot grow (disk full, ``max_page_count``) fails here with
    the same "database or disk is full" a real write would meet, as do a read-only file, a read-only
    PostgreSQL replica and a lost connection. A write that changes nothing (the first version of this
    probe) needs no room, so /health said "writable" while every real write was refused as full. Nothing
    is committed; on SQLite in WAL mode a rolled-back insert writes nothing to disk, so the probe is cheap.
    """
    with factory() as session:
        try:
            filler = secrets.token_urlsafe(_page_bytes(session) * 3 // 2)  # about two pages of text
            session.execute(insert(Setting).values(key=PROBE_KEY_PREFIX + secrets.token_hex(8), value=filler))
        finally:
            session.rollback()


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
