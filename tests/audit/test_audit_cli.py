"""``ledger audit verify``: exit 0 when intact, exit 1 naming the first broken event."""

from __future__ import annotations

import click
from click.testing import CliRunner
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import record_event
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


def test_verify_intact_and_broken(engine: Engine, factory: sessionmaker[Session]) -> None:
    for i in range(3):
        with transaction(factory) as session:
            record_event(session, Actor.system(), "project.create", "project", i, None, {"code": f"P{i}"})
    runner = CliRunner()
    ok = runner.invoke(cli(), ["audit", "verify", "--database", url_of(engine)])
    assert ok.exit_code == 0, ok.output
    assert "audit chain intact: 3 events" in ok.output

    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
    with transaction(factory) as session:
        second = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
        session.execute(update(AuditEvent).where(AuditEvent.id == second).values(actor="someone else"))
    broken = runner.invoke(cli(), ["audit", "verify", "--database", url_of(engine)])
    assert broken.exit_code == 1
    assert f"BROKEN at event {second}" in broken.output
    assert "Traceback" not in broken.output


def test_verify_refuses_a_database_that_is_not_set_up(tmp_path: object) -> None:
    result = CliRunner().invoke(cli(), ["audit", "verify", "--database", "sqlite:///" + str(tmp_path) + "/x.db"])
    assert result.exit_code == 1 and "ledger db upgrade" in result.output
