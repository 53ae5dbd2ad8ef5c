"""The keyed chain: someone with database access but without the audit key cannot rewrite the trail.

Each test plays the attacker: drop the append-only trigger, change events, recompute hashes the best way
available without the key (plain SHA-256, or an HMAC with a key of their own), relink the chain, and
check that verification names the first event they touched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, DateTime, Engine, Integer, String, column, insert, select, table, text, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import GENESIS_HASH, record_event, seal_legacy_trail, verify_chain
from ledger.audit.chain import KEYED, PLAIN, SEAL_ACTION, chain_key, event_hash
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import AuditEvent, Role
from ledger.security.actor import Actor
from ledger.security.keys import Keyring, use_keyring

FINANCE = Actor(token_id=7, name="Finance team", role=Role.FINANCE)


def write(factory: sessionmaker[Session], n: int) -> list[int]:
    ids = []
    for i in range(n):
        with transaction(factory) as session:
            ids.append(record_event(session, FINANCE, "batch.paid", "batch", i, {"status": "exported"},
                                    {"status": "paid"}).id)
    return ids


def unguard(engine: Engine) -> None:
    """What an attacker with database access does first: remove the append-only triggers."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events"))


def rewrite(
    engine: Engine,
    factory: sessionmaker[Session],
    change: Callable[[AuditEvent], dict[str, object]],
    *,
    key: bytes | None,
    scheme: str,
    start: int = 0,
    stop: int | None = None,
) -> None:
    """Apply ``change`` to the events at positions ``start:stop`` and recompute their hashes and links."""
    unguard(engine)
    with transaction(factory) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        prev = events[start - 1].hash if start else GENESIS_HASH
        for event in events[start:stop]:
            values: dict[str, object] = {"prev_hash": prev, **change(event)}
            fields = {
                "prev_hash": prev, "occurred_at": event.occurred_at, "actor": event.actor,
                "actor_token_id": event.actor_token_id, "action": event.action, "entity": event.entity,
                "entity_id": event.entity_id, "before": event.before, "after": event.after,
            }
            fields.update({k: v for k, v in values.items() if k in fields})
            values["hash"] = event_hash(**fields, key=key)  # type: ignore[arg-type]
            values["hash_scheme"] = scheme
            session.execute(update(AuditEvent).where(AuditEvent.id == event.id).values(**values))
            prev = str(values["hash"])


def inflate(event: AuditEvent) -> dict[str, object]:
    return {"after": {"status": "paid", "amount": "9999.00"}}


def test_new_events_are_keyed(factory: sessionmaker[Session]) -> None:
    write(factory, 2)
    with transaction(factory) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert {e.hash_scheme for e in events} == {KEYED}
        # The stored hash is the HMAC with the audit key, not the plain SHA-256 of the same document.
        first = events[0]
        document = dict(prev_hash=first.prev_hash, occurred_at=first.occurred_at, actor=first.actor,
                        actor_token_id=first.actor_token_id, action=first.action, entity=first.entity,
                        entity_id=first.entity_id, before=first.before, after=first.after)
        assert first.hash == event_hash(**document, key=chain_key())  # type: ignore[arg-type]
        assert first.hash != event_hash(**document)  # type: ignore[arg-type]
        result = verify_chain(session)
    assert result.ok and result.count == 2 and result.keyed == 2


def test_rewrite_with_plain_sha256_fails(engine: Engine, factory: sessionmaker[Session]) -> None:
    ids = write(factory, 4)
    rewrite(engine, factory, inflate, key=None, scheme=PLAIN)
    with transaction(factory) as session:
        result = verify_chain(session)
    assert not result.ok and result.unsealed and result.first_bad_id == ids[0]
    assert result.problem is not None and "none of the 4 events is keyed" in result.problem
    # Still claiming to be keyed does not help either: the first rewritten event is named.
    rewrite(engine, factory, inflate, key=None, scheme=KEYED)
    with transaction(factory) as session:
        result = verify_chain(session)
    assert not result.ok and result.first_bad_id == ids[0] and not result.unsealed
    assert result.problem is not None and "keyed hash" in result.problem


def test_rewrite_of_the_newest_events_as_plain_fails(engine: Engine, factory: sessionmaker[Session]) -> None:
    ids = write(factory, 5)
    rewrite(engine, factory, inflate, key=None, scheme=PLAIN, start=3)
    with transaction(factory) as session:
        result = verify_chain(session)
    assert not result.ok and result.first_bad_id == ids[3] and result.count == 3
    assert result.problem is not None and "without the key" in result.problem


def test_rewrite_with_another_key_fails(engine: Engine, factory: sessionmaker[Session]) -> None:
    ids = write(factory, 4)
    rewrite(engine, factory, inflate, key=b"attacker's own key, 32 bytes...!", scheme=KEYED, start=1)
    with transaction(factory) as session:
        result = verify_chain(session)
    assert not result.ok and result.first_bad_id == ids[1] and result.count == 1


def test_verifying_with_the_wrong_key_fails(factory: sessionmaker[Session]) -> None:
    ids = write(factory, 2)
    with transaction(factory) as session:
        result = verify_chain(session, key_source=lambda: Keyring.generate().audit_chain_key())
    assert not result.ok and result.first_bad_id == ids[0]


def test_rotation_keeps_the_chain_key(factory: sessionmaker[Session]) -> None:
    """``ledger keys rotate`` adds a newer key; the chain key comes from the oldest, so old events verify."""
    from ledger.security import keys

    write(factory, 2)
    keyring = keys.get_keyring()
    use_keyring(keyring.with_new_key())
    try:
        write(factory, 1)
        with transaction(factory) as session:
            assert verify_chain(session).ok
    finally:
        use_keyring(keyring)


def _legacy_database(url: str, n: int) -> Engine:
    """A database at revision 0004 whose trail was hashed the old, unkeyed way, then upgraded to head."""
    engine = make_engine(url)
    upgrade(engine, "0004")
    old_table = table(  # audit_events as it was before migration 0005 (no hash_scheme)
        "audit_events", column("occurred_at", DateTime(timezone=True)), column("actor", String),
        column("actor_token_id", Integer), column("action", String), column("entity", String),
        column("entity_id", String), column("before", JSON), column("after", JSON),
        column("prev_hash", String), column("hash", String),
    )
    prev = GENESIS_HASH
    with engine.begin() as conn:
        for i in range(n):
            fields: dict[str, object] = dict(
                prev_hash=prev, occurred_at=datetime(2025, 5, 1, 9, i, tzinfo=UTC), actor="system",
                actor_token_id=None, action="project.create", entity="project", entity_id=str(i), before=None,
                after={"code": f"P{i}"},
            )
            digest = event_hash(**fields)  # type: ignore[arg-type]
            conn.execute(insert(old_table).values(**fields, hash=digest))
            prev = digest
    upgrade(engine)
    return engine


def test_old_unkeyed_trail_is_sealed_and_then_protected(audit_database_url: str) -> None:
    engine = _legacy_database(audit_database_url, 3)
    try:
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            schemes = session.scalars(select(AuditEvent.hash_scheme)).all()
            assert schemes == [PLAIN] * 3  # carried forward by migration 0005
            before = verify_chain(session)
        assert not before.ok and before.unsealed and before.count == 3
        with transaction(factory) as session:
            seal = seal_legacy_trail(session, Actor.system())
            assert seal is not None and seal.action == SEAL_ACTION and seal.hash_scheme == KEYED
            assert seal.after is not None and seal.after["legacy_events"] == 3
        with transaction(factory) as session:
            assert seal_legacy_trail(session, Actor.system()) is None  # once is enough
            result = verify_chain(session)
        assert result.ok and result.count == 4 and result.keyed == 1
        write(factory, 1)
        with transaction(factory) as session:
            assert verify_chain(session).ok

        # Rewriting the old (plain) events and relinking them cannot reach past the sealing event ...
        rewrite(engine, factory, lambda e: {"actor": "forger"}, key=None, scheme=PLAIN, stop=3)
        with transaction(factory) as session:
            broken = verify_chain(session)
        assert not broken.ok and broken.first_bad_id == seal.id and broken.count == 3
        # ... and relinking the sealing event too breaks its keyed hash.
        with transaction(factory) as session:
            new_last = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.id)).all()[2]
            session.execute(update(AuditEvent).where(AuditEvent.id == seal.id).values(prev_hash=new_last))
        with transaction(factory) as session:
            broken = verify_chain(session)
        assert not broken.ok and broken.first_bad_id == seal.id
        assert broken.problem is not None and "keyed hash" in broken.problem
    finally:
        engine.dispose()


@pytest.mark.parametrize("scheme", ["md5", ""])
def test_unknown_scheme_is_refused(engine: Engine, factory: sessionmaker[Session], scheme: str) -> None:
    ids = write(factory, 2)
    unguard(engine)
    with transaction(factory) as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(hash_scheme=scheme))
    with transaction(factory) as session:
        result = verify_chain(session)
    assert not result.ok and result.first_bad_id == ids[1]


def test_db_upgrade_seals_an_old_trail_once(audit_database_url: str) -> None:
    from click.testing import CliRunner

    from ledger.cli import main

    engine = _legacy_database(audit_database_url, 2)
    engine.dispose()
    runner = CliRunner()
    before = runner.invoke(main, ["audit", "verify", "--database", audit_database_url])
    assert before.exit_code == 1 and "none of the 2 events is keyed" in before.output
    first = runner.invoke(main, ["db", "upgrade", "--database", audit_database_url])
    assert first.exit_code == 0 and "Sealed the 2 audit events" in first.output, first.output
    again = runner.invoke(main, ["db", "upgrade", "--database", audit_database_url])
    assert again.exit_code == 0 and "Sealed" not in again.output
    after = runner.invoke(main, ["audit", "verify", "--database", audit_database_url])
    assert after.exit_code == 0 and "audit chain intact: 3 events (2 written before keyed hashing" in after.output
