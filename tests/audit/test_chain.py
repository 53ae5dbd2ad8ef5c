"""The audit chain: appended in the caller's transaction, linked by hashes, and tampering is caught."""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import GENESIS_HASH, record_event, verify_chain
from ledger.audit.chain import event_hash
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, Role
from ledger.security.actor import Actor
from ledger.security.masking import mask_account_number, mask_bank, mask_sort_code

LEAD = Actor(token_id=4, name="Jo (lead)", role=Role.LEAD)


def write_events(factory: sessionmaker[Session], n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with transaction(factory) as session:
            record_event(
                session,
                LEAD,
                "record.approve",
                "record",
                i,
                {"status": "submitted"},
                {"status": "approved", "fees": Decimal("34.38"), "on": date(2025, 4, 6)},
            )


def drop_guard(engine: Engine, op: str) -> None:
    """Remove the append-only trigger, as an attacker with database access could."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text(f"DROP TRIGGER audit_events_no_{op}"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))


def test_events_link_to_each_other_and_values_are_json_safe(factory: sessionmaker[Session]) -> None:
    write_events(factory, 3)
    with transaction(factory) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert events[0].prev_hash == GENESIS_HASH
        assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
        assert events[0].after == {"status": "approved", "fees": "34.38", "on": "2025-04-06"}
        assert events[0].actor == "Jo (lead)" and events[0].actor_token_id == 4
        assert events[2].entity_id == "2"
        result = verify_chain(session)
    assert result.ok and result.count == 3 and result.last_hash == events[-1].hash


def test_empty_chain_is_intact(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        assert verify_chain(session) == verify_chain(session)
        assert verify_chain(session).ok and verify_chain(session).count == 0


def test_event_rolls_back_with_its_transaction(factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(factory) as session:
        record_event(session, LEAD, "x", "record", 1, None, {"a": 1})
        raise RuntimeError("the change failed")
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_bank_details_are_masked_and_floats_refused(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        event = record_event(
            session,
            LEAD,
            "participant.update",
            "participant",
            9,
            {"bank": {"sort_code": "12-34-56", "account_number": "12345678"}},
            {"bank_sort_code": "654321", "bank_account_number": "87654321", "name": "Ada"},
        )
        assert event.before == {"bank": {"sort_code": "**-**-56", "account_number": "****5678"}}
        # A participant's name is personal: only initials are kept (ledger.audit.personal).
        assert event.after == {"bank_sort_code": "**-**-21", "bank_account_number": "****4321", "name": "A***"}
        with pytest.raises(TypeError, match="floats"):
            record_event(session, LEAD, "x", "record", 1, None, {"amount": 1.5})


def test_mask_helpers() -> None:
    assert mask_bank("12-34-56", "12345678") == ("**-**-56", "****5678")
    assert mask_bank(None, None) == (None, None)
    assert mask_sort_code("123456") == "**-**-56"
    assert mask_account_number("1") == "********"


def test_edited_row_is_detected(engine: Engine, factory: sessionmaker[Session]) -> None:
    write_events(factory, 4)
    drop_guard(engine, "update")
    with transaction(factory) as session:
        target = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[2]
        session.execute(update(AuditEvent).where(AuditEvent.id == target).values(after={"status": "rejected"}))
    with transaction(factory) as session:
        result = verify_chain(session)
    assert not result.ok and result.first_bad_id == target and result.count == 2
    assert result.problem is not None and "changed" in result.problem


@pytest.mark.parametrize("position", [0, 1])
def test_deleted_row_is_detected(engine: Engine, factory: sessionmaker[Session], position: int) -> None:
    write_events(factory, 4)
    drop_guard(engine, "delete")
    with transaction(factory) as session:
        ids = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
        session.execute(delete(AuditEvent).where(AuditEvent.id == ids[position]))
    with transaction(factory) as session:
        result = verify_chain(session)
    assert not result.ok and result.first_bad_id == ids[position + 1]
    assert result.problem is not None and "deleted" in result.problem


def test_guard_refuses_edits_while_in_place(factory: sessionmaker[Session]) -> None:
    write_events(factory, 1)
    with pytest.raises(Exception, match="append-only"), transaction(factory) as session:
        session.execute(update(AuditEvent).values(action="forged"))


def test_hash_covers_every_field() -> None:
    base = dict(
        prev_hash=GENESIS_HASH,
        occurred_at=datetime(2025, 1, 1, 12),
        actor="a",
        actor_token_id=1,
        action="x",
        entity="record",
        entity_id="1",
        before=None,
        after={"a": "1"},
    )
    reference = event_hash(**base, key=b"k" * 32)  # type: ignore[arg-type]
    assert event_hash(**base) != reference  # type: ignore[arg-type]
    assert event_hash(**base, key=b"j" * 32) != reference  # type: ignore[arg-type]
    for field, other in [
        ("actor", "b"),
        ("actor_token_id", 2),
        ("action", "y"),
        ("entity", "batch"),
        ("entity_id", "2"),
        ("before", {}),
        ("after", {"a": "2"}),
        ("prev_hash", "1" * 64),
        ("occurred_at", datetime(2025, 1, 1, 12, 0, 1)),
    ]:
        assert event_hash(**{**base, field: other}, key=b"k" * 32) != reference, field  # type: ignore[arg-type]


def test_concurrent_writers_do_not_fork_the_chain(factory: sessionmaker[Session]) -> None:
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        try:
            write_events(factory, 10, start)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i * 100,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)  # a deadlock fails the test instead of hanging CI
        assert not thread.is_alive(), "a thread was still running after 120 s"
    assert errors == []
    with transaction(factory) as session:
        result = verify_chain(session)
    assert result.ok and result.count == 40
