"""``GET /audit/verify``: the same check and the same words as ``ledger audit verify``."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import GENESIS_HASH, record_event
from ledger.audit.chain import PLAIN, event_hash
from ledger.cli import main
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, Role
from ledger.security.actor import Actor

API = "/api/v1"


def _write(factory: sessionmaker[Session], n: int) -> None:
    for i in range(n):
        with transaction(factory) as session:
            record_event(session, Actor.system("demo"), "record.approve", "record", i, None, {"status": "approved"})


def _rewrite_without_the_key(factory: sessionmaker[Session]) -> int:
    """Inflate every event and recompute plain SHA-256 hashes, as someone without the key would."""
    with transaction(factory) as session:
        session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        prev = GENESIS_HASH
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        for event in events:
            after = {"status": "approved", "fees": "9999.00"}
            digest = event_hash(prev_hash=prev, occurred_at=event.occurred_at, actor=event.actor,
                                actor_token_id=event.actor_token_id, action=event.action, entity=event.entity,
                                entity_id=event.entity_id, before=event.before, after=after)
            session.execute(update(AuditEvent).where(AuditEvent.id == event.id).values(
                after=after, prev_hash=prev, hash=digest))
            prev = digest
        return events[0].id


def test_verify_reports_intact_then_the_first_rewritten_event(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Callable[[str], dict[str, str]],
    session_factory: sessionmaker[Session], database_url: str,
) -> None:
    auditor = auth(make_token(Role.AUDITOR))  # creating the token is the first event
    _write(session_factory, 3)
    intact = client.get(f"{API}/audit/verify", headers=auditor)
    assert intact.status_code == 200, intact.text
    body = intact.json()
    assert body["ok"] is True and body["events"] == 4 and body["keyed_events"] == 4 and body["problem"] is None

    first = _rewrite_without_the_key(session_factory)  # still marked keyed: its keyed hash fails
    broken = client.get(f"{API}/audit/verify", headers=auditor).json()
    assert broken["ok"] is False and broken["first_bad_id"] == first and broken["events"] == 0
    assert "keyed hash" in broken["problem"]
    cli = CliRunner().invoke(main, ["audit", "verify", "--database", database_url])
    assert cli.exit_code == 1 and f"BROKEN at event {first}: {broken['problem']}" in " ".join(cli.output.split())

    with transaction(session_factory) as session:  # and marked plain: nothing is keyed any more
        session.execute(update(AuditEvent).values(hash_scheme=PLAIN))
    plain = client.get(f"{API}/audit/verify", headers=auditor).json()
    assert plain["ok"] is False and "none of the 4 events is keyed" in plain["problem"]
    assert plain["first_bad_id"] == first
    cli = CliRunner().invoke(main, ["audit", "verify", "--database", database_url])
    assert cli.exit_code == 1 and f"BROKEN at event {first}: {plain['problem']}" in " ".join(cli.output.split())


def test_verify_with_an_anchor_catches_deleted_newest_events(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Callable[[str], dict[str, str]],
    session_factory: sessionmaker[Session], database_url: str,
) -> None:
    admin = auth(make_token(Role.ADMIN))
    _write(session_factory, 3)
    anchor = CliRunner().invoke(main, ["audit", "anchor", "--database", database_url]).output.strip()
    assert client.get(f"{API}/audit/verify", params={"anchor": anchor}, headers=admin).json()["ok"] is True
    with transaction(session_factory) as session:
        session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        newest = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        session.execute(delete(AuditEvent).where(AuditEvent.id == newest))
    assert client.get(f"{API}/audit/verify", headers=admin).json()["ok"] is True  # invisible without it
    cut = client.get(f"{API}/audit/verify", params={"anchor": anchor}, headers=admin).json()
    assert cut["ok"] is False and "newest 1 events were deleted" in cut["problem"]


def test_verify_refuses_a_bad_anchor_and_other_roles(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Callable[[str], dict[str, str]],
) -> None:
    admin = auth(make_token(Role.ADMIN))
    bad = client.get(f"{API}/audit/verify", params={"anchor": "yesterday it was fine"}, headers=admin)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "not an audit anchor" in bad.text
    # The API never reads files named in the anchor parameter (the CLI does; the server must not).
    assert client.get(f"{API}/audit/verify", params={"anchor": "/etc/passwd"}, headers=admin).status_code == 422
    too_long = client.get(f"{API}/audit/verify", params={"anchor": "x" * 401}, headers=admin)
    assert too_long.status_code in (400, 422)
    assert client.get(f"{API}/audit/verify", headers=auth(make_token(Role.FINANCE))).status_code == 403
    assert client.get(f"{API}/audit/verify").status_code == 401
