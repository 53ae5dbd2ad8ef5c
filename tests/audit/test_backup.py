"""``ledger db backup`` / ``ledger db restore``: backup -> restore -> verify, on SQLite and PostgreSQL.

Also: restore never overwrites a ledger by accident, a backup holds bank details only as ciphertext, and
a damaged or foreign file is refused with a clear message.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import record_event
from ledger.cli import audit_cmd, db_cmd
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import AuditEvent, Participant, PayeeChange, PayeeChangeStatus, PaymentPreference
from ledger.security.actor import Actor
from tests.audit.conftest import PG_ENV, _private_postgres

ACCOUNT = "31926819"  # a known account number, looked for in the backup's bytes
SORT_CODE = "601613"
ACCOUNT_NAME = "ZELDA QUIBBLEWORTH"
PENDING_ACCOUNT, PENDING_SORT_CODE, PENDING_NAME = "70814523", "309634", "ZQ PENDINGHAM"


def cli() -> click.Group:
    group = click.Group("ledger")
    db_cmd.register(group)
    audit_cmd.register(group)
    return group


def run(*args: str) -> Result:
    return CliRunner().invoke(cli(), list(args))


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def fill(factory: sessionmaker[Session], events: int = 3) -> None:
    """A participant with bank details and a few audit events."""
    with transaction(factory) as session:
        session.add(Participant(
            reference="P0001", name="Zelda Quibbleworth", payment_preference=PaymentPreference.BANK_TRANSFER,
            bank_account_name=ACCOUNT_NAME, bank_sort_code=SORT_CODE, bank_account_number=ACCOUNT,
        ))
        session.flush()
        # A pending change of bank details holds another account: also only ciphertext in a backup.
        session.add(PayeeChange(
            participant_id=session.scalars(select(Participant.id)).one(), status=PayeeChangeStatus.PENDING,
            payment_preference=PaymentPreference.BANK_TRANSFER, bank_account_name=PENDING_NAME,
            bank_sort_code=PENDING_SORT_CODE, bank_account_number=PENDING_ACCOUNT, proposed_by="Lee Lead",
        ))
        for i in range(events):
            record_event(session, Actor.system(), "project.create", "project", i, None, {"code": f"P{i}"})


def count_events(url: str) -> int:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    finally:
        engine.dispose()


@pytest.fixture
def empty_target(audit_database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same kind to restore into."""
    if audit_database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        yield from _private_postgres("ledger_restore")


def _needs_pg_tools(engine: Engine) -> None:
    if engine.dialect.name == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not installed")


def test_backup_restore_verify(
    engine: Engine, factory: sessionmaker[Session], empty_target: str, tmp_path: Path
) -> None:
    _needs_pg_tools(engine)
    fill(factory, events=4)
    anchor = run("audit", "anchor", "--database", url_of(engine))
    assert anchor.exit_code == 0, anchor.output
    backup_file = tmp_path / "ledger.backup"

    made = run("db", "backup", str(backup_file), "--database", url_of(engine))
    assert made.exit_code == 0, made.output
    assert "audit chain intact: 4 events" in made.output and "ledger-audit-anchor v1 events=4" in made.output
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600  # backups hold personal data
    assert not list(tmp_path.glob(".ledger.backup.partial*"))

    restored = run("db", "restore", str(backup_file), "--database", empty_target,
                   "--anchor", anchor.output.strip())
    assert restored.exit_code == 0, restored.output
    assert "audit chain intact: 4 events" in restored.output and "anchors checked: 1" in restored.output
    assert count_events(empty_target) == 4
    assert run("audit", "verify", "--database", empty_target).exit_code == 0

    # The restored database keeps its guards: the trail still cannot be edited or emptied.
    target = make_engine(empty_target)
    try:
        with pytest.raises(Exception, match="append-only"), target.begin() as conn:
            conn.execute(text("UPDATE audit_events SET actor = 'x'"))
        if target.dialect.name == "postgresql":
            with pytest.raises(Exception, match="TRUNCATE is refused"), target.begin() as conn:
                conn.execute(text("TRUNCATE audit_events CASCADE"))
    finally:
        target.dispose()


def test_backup_holds_bank_details_only_encrypted(
    engine: Engine, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _needs_pg_tools(engine)
    fill(factory)
    backup_file = tmp_path / "ledger.backup"
    assert run("db", "backup", str(backup_file), "--database", url_of(engine)).exit_code == 0
    content = backup_file.read_bytes()
    if engine.dialect.name == "postgresql":  # the custom format is compressed: look at its SQL text too
        pg_restore = shutil.which("pg_restore")
        assert pg_restore is not None
        content += subprocess.run([pg_restore, "--file=-", str(backup_file)], capture_output=True,
                                  check=True).stdout
    assert b"P0001" in content  # the participant is in the backup (so the search below is meaningful) ...
    # ... but their bank details only as ciphertext
    for secret in (ACCOUNT, SORT_CODE, ACCOUNT_NAME, PENDING_ACCOUNT, PENDING_SORT_CODE, PENDING_NAME):
        assert secret.encode() not in content, secret
        assert secret.encode("utf-16-le") not in content, secret


def test_restore_refuses_to_overwrite_a_ledger(
    engine: Engine, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _needs_pg_tools(engine)
    fill(factory)
    backup_file = tmp_path / "ledger.backup"
    assert run("db", "backup", str(backup_file), "--database", url_of(engine)).exit_code == 0
    refused = run("db", "restore", str(backup_file), "--database", url_of(engine))
    assert refused.exit_code == 1 and refused.output.startswith("error: ")
    assert "already holds" in refused.output and "Traceback" not in refused.output


def test_sqlite_force_keeps_a_copy_of_what_was_there(tmp_path: Path) -> None:
    live = f"sqlite:///{tmp_path / 'live.db'}"
    assert run("db", "upgrade", "--database", live).exit_code == 0
    live_engine = make_engine(live)
    fill(make_session_factory(live_engine), events=2)
    live_engine.dispose()
    assert run("db", "backup", str(tmp_path / "two.db"), "--database", live).exit_code == 0
    live_engine = make_engine(live)
    fill_more = make_session_factory(live_engine)
    with transaction(fill_more) as session:
        record_event(session, Actor.system(), "project.create", "project", 9, None, {"code": "P9"})
    live_engine.dispose()
    assert count_events(live) == 3

    forced = run("db", "restore", str(tmp_path / "two.db"), "--force", "--database", live)
    assert forced.exit_code == 0, forced.output
    assert count_events(live) == 2
    copies = list(tmp_path.glob("live.db.before-restore-*"))
    assert len(copies) == 1 and count_events(f"sqlite:///{copies[0]}") == 3
    assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600


def test_backup_refuses_to_overwrite_a_file_unless_asked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert run("db", "upgrade", "--database", url).exit_code == 0
    existing = tmp_path / "b.db"
    existing.write_text("keep me")
    refused = run("db", "backup", str(existing), "--database", url)
    assert refused.exit_code == 1 and "already exists" in refused.output and existing.read_text() == "keep me"
    assert run("db", "backup", str(existing), "--overwrite", "--database", url).exit_code == 0
    assert existing.read_bytes().startswith(b"SQLite format 3")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, not a backup", "is not a ledger backup"),
        (b"", "is not a ledger backup"),
    ],
)
def test_restore_refuses_foreign_files(tmp_path: Path, content: bytes, message: str) -> None:
    file = tmp_path / "x.backup"
    file.write_bytes(content)
    result = run("db", "restore", str(file), "--database", f"sqlite:///{tmp_path / 'new.db'}")
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / "new.db").exists()


def test_restore_refuses_a_sqlite_file_that_is_not_a_ledger(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    result = run("db", "restore", str(other), "--database", f"sqlite:///{tmp_path / 'new.db'}")
    assert result.exit_code == 1 and "not a ledger backup" in result.output


def test_restore_refuses_a_damaged_sqlite_backup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert run("db", "upgrade", "--database", url).exit_code == 0
    backup_file = tmp_path / "b.db"
    assert run("db", "backup", str(backup_file), "--database", url).exit_code == 0
    data = bytearray(backup_file.read_bytes())
    data[4096 * 2 : 4096 * 6] = b"\xff" * (4096 * 4)  # scribble over some pages
    backup_file.write_bytes(bytes(data))
    result = run("db", "restore", str(backup_file), "--database", f"sqlite:///{tmp_path / 'new.db'}")
    assert result.exit_code == 1 and "error: " in result.output and "Traceback" not in result.output


def test_missing_files_and_folders(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    missing_db = run("db", "backup", str(tmp_path / "b.db"), "--database", url)
    assert missing_db.exit_code == 1 and "no database file" in missing_db.output
    assert run("db", "upgrade", "--database", url).exit_code == 0
    no_folder = run("db", "backup", str(tmp_path / "nope" / "b.db"), "--database", url)
    assert no_folder.exit_code == 1 and "does not exist" in no_folder.output
    no_backup = run("db", "restore", str(tmp_path / "none.db"), "--database", f"sqlite:///{tmp_path / 'n.db'}")
    assert no_backup.exit_code == 1 and "no backup file" in no_backup.output


def test_restoring_a_tampered_backup_fails_verification(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert run("db", "upgrade", "--database", url).exit_code == 0
    engine = make_engine(url)
    fill(make_session_factory(engine), events=3)
    engine.dispose()
    backup_file = tmp_path / "b.db"
    assert run("db", "backup", str(backup_file), "--database", url).exit_code == 0
    with sqlite3.connect(backup_file) as conn:
        conn.execute("DROP TRIGGER audit_events_no_update")
        conn.execute("UPDATE audit_events SET actor = 'forger' WHERE id = 2")
    conn.close()
    result = run("db", "restore", str(backup_file), "--database", f"sqlite:///{tmp_path / 'new.db'}")
    assert result.exit_code == 1 and "BROKEN at event 2" in result.output


def test_postgres_tools_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump anywhere
    result = run("db", "backup", str(tmp_path / "b.dump"), "--database", os.environ[PG_ENV])
    assert result.exit_code == 1
    assert "pg_dump was not found on PATH" in result.output and "docs/administrators.md" in result.output


def test_backup_of_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "l.db"
    not_a_db.write_bytes(b"this is not SQLite" * 100)
    result = run("db", "backup", str(tmp_path / "b.db"), "--database", f"sqlite:///{not_a_db}")
    assert result.exit_code == 1 and result.output.startswith("error: SQLite could not copy")
    assert "Traceback" not in result.output
    assert not (tmp_path / "b.db").exists() and not list(tmp_path.glob(".b.db.partial*"))


def test_restoring_without_the_key_stops_with_a_clear_error(tmp_path: Path) -> None:
    """A backup is useless without the secret key it was made with: restore says so, in one line."""
    from ledger.security import keys

    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert run("db", "upgrade", "--database", url).exit_code == 0
    engine = make_engine(url)
    fill(make_session_factory(engine), events=1)
    engine.dispose()
    assert run("db", "backup", str(tmp_path / "b.db"), "--database", url).exit_code == 0
    original = keys.get_keyring()
    keys.use_keyring(keys.Keyring.generate())  # another machine, another key
    try:
        result = run("db", "restore", str(tmp_path / "b.db"), "--database", f"sqlite:///{tmp_path / 'new.db'}")
    finally:
        keys.use_keyring(original)
    assert result.exit_code == 1 and "error: " in result.output and "Traceback" not in result.output
    assert original.current_id in result.output  # names the key that is needed
