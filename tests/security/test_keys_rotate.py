"""``ledger keys status|rotate|generate``: every stored secret re-encrypted under a new key, old backups
still readable, an audit event, and a failed rotation that changes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from private_pg import private_postgres
from sqlalchemy import select, text

from ledger.cli import audit_cmd, db_cmd, keys_cmd
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import AuditEvent, Participant, PaymentPreference
from ledger.security import crypto, keys

PEOPLE = [("J SMITH", "401162", "31926819"), ("A KHAN", "200000", "55779911")]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    with private_postgres("ledger_keys") as made:
        yield made


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real key file for this test instead of the suite's in-memory key."""
    saved = keys._cached
    keys.reset_keyring()
    path = tmp_path / "secret" / "ledger.key"
    monkeypatch.delenv(keys.ENV_SECRET_KEY, raising=False)
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(path))
    yield path
    keys.reset_keyring()
    keys.use_keyring(saved)


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("ledger")
    for module in (db_cmd, audit_cmd, keys_cmd):
        module.register(group)
    return group


def run(cli: click.Group, *args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def seed(url: str) -> None:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        for i, (name, sort_code, account) in enumerate(PEOPLE):
            session.add(Participant(reference=f"P-{i:04d}", name=f"Person {i}",
                                    payment_preference=PaymentPreference.BANK_TRANSFER,
                                    bank_account_name=name, bank_sort_code=sort_code, bank_account_number=account))
    engine.dispose()


def raw_values(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT bank_account_name, bank_sort_code, bank_account_number FROM participants "
                                 "ORDER BY reference")).all()
    engine.dispose()
    return [value for row in rows for value in row]


def plain_values(url: str) -> list[tuple[str | None, str | None, str | None]]:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        people = session.scalars(select(Participant).order_by(Participant.reference)).all()
        found = [(p.bank_account_name, p.bank_sort_code, p.bank_account_number) for p in people]
    engine.dispose()
    return found


def test_rotate_reencrypts_everything_keeps_old_keys_and_is_audited(
    cli: click.Group, url: str, key_file: Path
) -> None:
    assert run(cli, "db", "upgrade", "--database", url).exit_code == 0
    seed(url)
    first = keys.get_keyring()
    assert first.path == key_file
    before = raw_values(url)
    assert {crypto.stored_key_id(v) for v in before} == {first.current_id}

    status = run(cli, "keys", "status", "--database", url)
    assert status.exit_code == 0, status.output
    assert f"key {first.current_id}: 6 (current)" in status.output
    assert keys.encode_key(first.current) not in status.output

    result = run(cli, "keys", "rotate", "--database", url)
    assert result.exit_code == 0, result.output
    assert "6 value(s) re-encrypted" in result.output and "Back it up again" in result.output

    keys.reset_keyring()
    keys.note_database_url(url)
    ring = keys.get_keyring()  # as the next process reads it
    assert ring.keys[1:] == first.keys and ring.current_id != first.current_id
    after = raw_values(url)
    assert {crypto.stored_key_id(v) for v in after} == {ring.current_id}
    assert not set(after) & set(before)
    assert plain_values(url) == PEOPLE
    assert ring.audit_chain_key() == first.audit_chain_key()

    # A backup taken before the rotation (values under the old key) is still readable with the new file.
    assert [crypto.decrypt(v, ring) for v in before] == [v for person in PEOPLE for v in person]

    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "keys.rotate")).one()
        assert event.after is not None and event.after["reencrypted"] == 6
        assert event.after["current_key"] == ring.current_id
    engine.dispose()
    verify = run(cli, "audit", "verify", "--database", url)
    assert verify.exit_code == 0, verify.output

    status = run(cli, "keys", "status", "--database", url)
    assert f"key {ring.current_id}: 6 (current)" in status.output


def test_a_value_under_an_unknown_key_stops_the_rotation_and_changes_nothing(
    cli: click.Group, url: str, key_file: Path
) -> None:
    assert run(cli, "db", "upgrade", "--database", url).exit_code == 0
    seed(url)
    stranger = crypto.encrypt("99999999", keys.Keyring.generate())
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE participants SET bank_account_number = :v WHERE reference = 'P-0001'"),
                     {"v": stranger})
    engine.dispose()
    before, file_before = raw_values(url), key_file.read_text()

    result = CliRunner().invoke(cli, ["keys", "rotate", "--database", url])
    assert result.exit_code == 1
    assert crypto.stored_key_id(stranger) in result.output and "does not hold" in result.output
    assert "99999999" not in result.output
    assert raw_values(url) == before
    assert key_file.read_text() == file_before

    status = CliRunner().invoke(cli, ["keys", "status", "--database", url])
    assert status.exit_code == 1 and crypto.stored_key_id(stranger) in status.output


def test_rotate_with_an_environment_key(
    cli: click.Group, url: str, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = keys.generate_key()
    monkeypatch.setenv(keys.ENV_SECRET_KEY, keys.encode_key(old))
    keys.reset_keyring()
    assert run(cli, "db", "upgrade", "--database", url).exit_code == 0
    seed(url)
    nothing = run(cli, "keys", "rotate", "--database", url)
    assert nothing.exit_code == 0 and "keys generate" in nothing.output

    new = run(cli, "keys", "generate").output.strip()
    assert len(keys.decode_key(new)) == 32
    monkeypatch.setenv(keys.ENV_SECRET_KEY, f"{new},{keys.encode_key(old)}")
    keys.reset_keyring()
    done = run(cli, "keys", "rotate", "--database", url)
    assert done.exit_code == 0 and "6 value(s) re-encrypted" in done.output, done.output
    assert {crypto.stored_key_id(v) for v in raw_values(url)} == {keys.key_id(keys.decode_key(new))}
    assert not key_file.exists()  # with LEDGER_SECRET_KEY no key file is written


def test_a_sqlite_backup_copy_holds_no_bank_digits(cli: click.Group, tmp_path: Path, key_file: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    assert run(cli, "db", "upgrade", "--database", url).exit_code == 0
    seed(url)
    copy = tmp_path / "copy.db"
    shutil.copy(tmp_path / "ledger.db", copy)
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("ledger.db*")) + copy.read_bytes()
    for _name, sort_code, account in PEOPLE:
        assert sort_code.encode() not in blob and account.encode() not in blob


def test_keys_commands_never_make_a_key_for_data_under_a_missing_one(
    cli: click.Group, url: str, key_file: Path
) -> None:
    assert run(cli, "db", "upgrade", "--database", url).exit_code == 0
    assert key_file.exists()  # first start
    key_file.unlink()
    keys.reset_keyring()
    fresh = run(cli, "keys", "status", "--database", url)
    assert fresh.exit_code == 0 and "No secret key yet" in fresh.output
    assert not key_file.exists()

    with pytest.raises(keys.KeyringError, match="No new key was made"):
        keys.get_keyring()  # the database's key ids are recorded: first use never makes a second key
    assert not key_file.exists()
    keys.write_key_file(key_file, (keys.generate_key(),))  # a key made by hand, and data under it
    keys.reset_keyring()
    seed(url)
    needed = keys.get_keyring().current_id
    key_file.unlink()
    keys.reset_keyring()
    for command in ("status", "rotate"):
        result = CliRunner().invoke(cli, ["keys", command, "--database", url])
        assert result.exit_code == 1, result.output
        assert "error:" in result.output and "no secret key" in result.output, result.output
        assert not key_file.exists(), command
    assert needed in CliRunner().invoke(cli, ["keys", "rotate", "--database", url]).output
