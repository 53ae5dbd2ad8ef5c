"""Anchors: ``ledger audit anchor`` writes down the trail's end; ``verify --anchor`` catches cut-off events.

The attacks played here are the ones the chain alone cannot see: deleting the newest events, emptying
the trail (TRUNCATE after dropping its guard), and replacing it with a shorter or different one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import Anchor, AnchorError, anchor_for, read_anchors, record_event, verify_chain
from ledger.audit.anchor import parse_anchor
from ledger.cli import audit_cmd
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent
from ledger.security.actor import Actor


def cli() -> click.Group:
    group = click.Group("ledger")
    audit_cmd.register(group)
    return group


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def write(factory: sessionmaker[Session], n: int) -> list[int]:
    ids = []
    for i in range(n):
        with transaction(factory) as session:
            ids.append(record_event(session, Actor.system(), "project.create", "project", i, None,
                                    {"code": f"P{i}"}).id)
    return ids


def remove_guards(engine: Engine) -> None:
    """An attacker with database access drops every guard on the audit table."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events"))


def take_anchor_line(engine: Engine) -> str:
    result = CliRunner().invoke(cli(), ["audit", "anchor", "--database", url_of(engine)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1  # one line, to paste or print
    return lines[0]


def verify(engine: Engine, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli(), ["audit", "verify", "--database", url_of(engine), *args])


def test_anchor_line_and_json_round_trip() -> None:
    anchor = Anchor(events=12, last_hash="ab" * 32, last_id=15, taken=datetime(2026, 1, 31, 17, tzinfo=UTC))
    assert parse_anchor(anchor.line()) == anchor
    assert parse_anchor(json.dumps(anchor.as_json())) == anchor
    assert parse_anchor("  kept in the ticket: " + anchor.line() + "  ") == anchor
    empty = Anchor(events=0, last_hash="0" * 64, last_id=None, taken=anchor.taken)
    assert parse_anchor(empty.line()) == empty


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "hello",
        "ledger-audit-anchor v1 events=3 last_id=3 last_hash=abc taken=2026-01-01T00:00:00Z",
        "ledger-audit-anchor v1 events=-1 last_id=3 last_hash=" + "a" * 64 + " taken=2026-01-01T00:00:00Z",
        "ledger-audit-anchor v1 events=3 last_id=3 last_hash=" + "a" * 64 + " taken=yesterday",
        '{"events": 3}',
        '{"events": "3", "last_hash": "' + "a" * 64 + '", "taken": "2026-01-01T00:00:00Z"}',
        '{"events": true, "last_hash": "' + "a" * 64 + '", "taken": "2026-01-01T00:00:00Z"}',
        '{"events": 3, "last_hash": "xyz", "taken": "2026-01-01T00:00:00Z"}',
        "{not json",
    ],
)
def test_bad_anchors_are_refused_clearly(bad: str) -> None:
    with pytest.raises(AnchorError):
        parse_anchor(bad)


def test_anchor_file_holds_many_anchors(tmp_path: Path) -> None:
    first = Anchor(events=1, last_hash="a" * 64, last_id=1, taken=datetime(2026, 1, 31, tzinfo=UTC))
    second = Anchor(events=5, last_hash="b" * 64, last_id=5, taken=datetime(2026, 2, 28, tzinfo=UTC))
    path = tmp_path / "anchors.txt"
    path.write_text(f"January:\n{first.line()}\n\nFebruary:\n{json.dumps(second.as_json())}\n")
    assert read_anchors(str(path)) == [first, second]
    (tmp_path / "none.txt").write_text("nothing here\n")
    with pytest.raises(AnchorError, match="holds no audit anchor"):
        read_anchors(str(tmp_path / "none.txt"))
    with pytest.raises(AnchorError, match="no anchor file"):
        read_anchors(str(tmp_path / "missing.txt"))


def test_anchor_of_an_intact_trail_matches_it(factory: sessionmaker[Session]) -> None:
    ids = write(factory, 3)
    with transaction(factory) as session:
        result = verify_chain(session)
        anchor = anchor_for(result)
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last is not None
    assert (anchor.events, anchor.last_id, anchor.last_hash) == (3, ids[-1], last.hash)


def test_verify_with_anchor_passes_and_later_events_are_fine(engine: Engine, factory: sessionmaker[Session]) -> None:
    write(factory, 3)
    line = take_anchor_line(engine)
    write(factory, 2)  # the trail grows after the anchor: still consistent with it
    result = verify(engine, "--anchor", line)
    assert result.exit_code == 0, result.output
    assert "audit chain intact: 5 events" in result.output and "anchors checked: 1" in result.output


def test_deleting_the_newest_events_fails_verify_with_anchor(engine: Engine, factory: sessionmaker[Session]) -> None:
    ids = write(factory, 5)
    line = take_anchor_line(engine)
    remove_guards(engine)
    with engine.begin() as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids[-2:])))
    assert verify(engine).exit_code == 0  # the chain alone cannot see it: a shorter chain is still a chain
    result = verify(engine, "--anchor", line)
    assert result.exit_code == 1
    assert "the trail has 3 events but the anchor" in result.output and "recorded 5" in result.output
    assert "newest 2 events were deleted" in result.output and "Traceback" not in result.output


def test_emptied_trail_fails_verify_with_anchor(engine: Engine, factory: sessionmaker[Session], tmp_path: Path) -> None:
    write(factory, 3)
    anchor_file = tmp_path / "anchors.txt"
    anchor_file.write_text(take_anchor_line(engine) + "\n")
    remove_guards(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events" if engine.dialect.name == "sqlite" else "TRUNCATE audit_events"))
    assert verify(engine).exit_code == 0  # an empty trail is "intact" on its own
    result = verify(engine, "--anchor", str(anchor_file))
    assert result.exit_code == 1 and "the trail has 0 events" in result.output


def test_replaced_event_at_the_anchor_fails(engine: Engine, factory: sessionmaker[Session]) -> None:
    """Delete the newest events and write new ones so the trail is as long as before: the hash differs."""
    ids = write(factory, 4)
    line = take_anchor_line(engine)
    remove_guards(engine)
    with engine.begin() as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids[-2:])))
    write(factory, 2)  # written properly, with the key, by someone who can use the ledger
    assert verify(engine).exit_code == 0
    result = verify(engine, "--anchor", line)
    assert result.exit_code == 1 and "does not match the anchor" in result.output
    assert "number 4 in the trail" in result.output


def test_anchor_json_and_refusals(engine: Engine, factory: sessionmaker[Session]) -> None:
    write(factory, 2)
    result = CliRunner().invoke(cli(), ["audit", "anchor", "--json", "--database", url_of(engine)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["events"] == 2 and len(data["last_hash"]) == 64
    assert verify(engine, "--anchor", result.output.strip()).exit_code == 0
    bad = verify(engine, "--anchor", "not an anchor")
    assert bad.exit_code == 1 and "error: this is not an audit anchor" in bad.output


def test_no_anchor_of_a_broken_trail(engine: Engine, factory: sessionmaker[Session]) -> None:
    ids = write(factory, 3)
    remove_guards(engine)
    with engine.begin() as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    result = CliRunner().invoke(cli(), ["audit", "anchor", "--database", url_of(engine)])
    assert result.exit_code == 1 and f"BROKEN at event {ids[2]}" in result.output
    assert "ledger-audit-anchor" not in result.output


def test_verify_without_any_key_says_so_and_creates_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking must never make a key: a new key cannot match the trail, and it would hide the real one."""
    from ledger.security import keys

    database = tmp_path / "alone.db"
    url = f"sqlite:///{database}"
    assert CliRunner().invoke(main_cli(), ["db", "upgrade", "--database", url]).exit_code == 0
    from ledger.db.engine import make_engine, make_session_factory

    engine = make_engine(url)
    write(make_session_factory(engine), 2)
    engine.dispose()
    original = keys.get_keyring()
    monkeypatch.delenv(keys.ENV_SECRET_KEY, raising=False)
    monkeypatch.delenv(keys.ENV_KEY_FILE, raising=False)
    monkeypatch.chdir(tmp_path)
    for key_file in tmp_path.glob("*.key"):
        key_file.unlink()
    keys.reset_keyring()
    try:
        result = CliRunner().invoke(main_cli(), ["audit", "verify", "--database", url])
    finally:
        keys.use_keyring(original)
    assert result.exit_code == 1 and result.output.startswith("error: ") and "no secret key" in result.output
    assert not list(tmp_path.glob("*.key"))


def main_cli() -> click.Group:
    from ledger.cli import main

    return main
