"""The keyring: where keys come from, the key file made on first start, ids, rotation, the audit key."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger.security import crypto, keys


@pytest.fixture
def clean_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No injected keyring, no key in the environment, the database in a folder of its own."""
    saved = keys._cached
    keys.reset_keyring()
    monkeypatch.delenv(keys.ENV_SECRET_KEY, raising=False)
    monkeypatch.delenv(keys.ENV_KEY_FILE, raising=False)
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'ledger.db'}")
    (tmp_path / "data").mkdir()
    yield tmp_path / "data"
    keys.reset_keyring()
    keys.use_keyring(saved)


def test_first_start_creates_an_owner_only_key_file_beside_the_database_and_warns(
    clean_keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ring = keys.get_keyring()
    path = clean_keys / "ledger.key"
    assert ring.path == path and path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    err = capsys.readouterr().err
    assert "Back it up separately" in err and str(path) in err
    # The next process reads the same key and warns no more.
    keys.reset_keyring()
    assert keys.get_keyring().keys == ring.keys
    assert "WARNING" not in capsys.readouterr().err
    # A value written before is still readable after the restart.
    assert crypto.decrypt(crypto.encrypt("31926819", ring)) == "31926819"


def test_the_key_file_follows_the_database_in_use(clean_keys: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    keys.note_database_url(f"sqlite:///{other / 'x.db'}")
    assert keys.get_keyring().path == other / "ledger.key"


def test_key_file_setting_and_environment_key(
    clean_keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "secrets" / "my.key"
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(chosen))
    assert keys.load_keyring().path == chosen and chosen.exists()

    new, old = keys.generate_key(), keys.generate_key()
    standard = base64.b64encode(old).decode()  # standard base64 (with + and /) is accepted too
    monkeypatch.setenv(keys.ENV_SECRET_KEY, f"{keys.encode_key(new)}, {standard}")
    ring = keys.load_keyring()
    assert ring.source == keys.ENV_SECRET_KEY and ring.path is None
    assert ring.keys == (new, old) and ring.current_id == keys.key_id(new)


@pytest.mark.parametrize("bad", ["not base64!!", base64.b64encode(b"short").decode(), "   "])
def test_a_bad_key_is_refused_clearly(clean_keys: Path, monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    if not bad.strip():
        path = clean_keys / "ledger.key"
        path.write_text("# only a comment\n")
        with pytest.raises(keys.KeyringError, match="holds no key"):
            keys.load_keyring()
        return
    monkeypatch.setenv(keys.ENV_SECRET_KEY, bad)
    with pytest.raises(keys.KeyringError, match=r"base64|32 bytes"):
        keys.load_keyring()


def test_values_carry_their_key_id_and_every_known_key_decrypts() -> None:
    ring = keys.Keyring.generate()
    stored = crypto.encrypt("12345678", ring)
    assert crypto.stored_key_id(stored) == ring.current_id and "12345678" not in stored
    rotated = ring.with_new_key()
    assert rotated.ids[1:] == ring.ids
    assert crypto.decrypt(stored, rotated) == "12345678"
    again = crypto.reencrypt(stored, rotated)
    assert crypto.stored_key_id(again) == rotated.current_id
    assert crypto.decrypt(again, rotated) == "12345678"
    with pytest.raises(keys.KeyringError, match=rotated.current_id):
        crypto.decrypt(again, ring)  # the old keyring does not know the new key


def test_changing_the_key_id_or_the_body_is_detected() -> None:
    ring = keys.Keyring(keys=(keys.generate_key(), keys.generate_key()))
    stored = crypto.encrypt("401162", ring)
    other_id = ring.ids[1]
    relabelled = stored.replace(ring.current_id, other_id, 1)
    with pytest.raises(keys.KeyringError, match="integrity"):
        crypto.decrypt(relabelled, ring)
    with pytest.raises(keys.KeyringError):
        crypto.decrypt("plain 401162", ring)


def test_the_audit_chain_key_is_derived_separately_and_survives_rotation() -> None:
    ring = keys.Keyring.generate()
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ledger audit chain v1").derive(ring.current)
    assert ring.audit_chain_key() == expected and expected != ring.current
    assert ring.with_new_key().with_new_key().audit_chain_key() == expected


def test_a_process_reads_a_key_added_by_rotation_elsewhere(clean_keys: Path) -> None:
    ring = keys.get_keyring()
    assert ring.path is not None
    rotated = ring.with_new_key()
    keys.write_key_file(ring.path, rotated.keys)  # as `ledger keys rotate` in another process does
    assert stat.S_IMODE(os.stat(ring.path).st_mode) == 0o600
    value = crypto.encrypt("31926819", rotated)
    assert crypto.decrypt(value) == "31926819"  # the cached keyring lacked the key: read again
    assert keys.get_keyring().current_id == rotated.current_id


def test_a_database_restored_without_its_key_stops_at_start_and_makes_no_new_key(clean_keys: Path) -> None:
    from sqlalchemy import text

    from ledger.db.engine import make_engine
    from ledger.db.migrate import upgrade

    url = f"sqlite:///{clean_keys / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)  # first start on an empty database: the key file is made
    key_path = clean_keys / "ledger.key"
    assert key_path.exists()
    ring = keys.get_keyring()
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO participants (reference, name, payment_preference, bank_sort_code, statement_style, "
            "updated_at, created_at) VALUES ('P-0001', 'Jo', 'bank_transfer', :v, 'standard', CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"), {"v": crypto.encrypt("401162", ring)})

    # The database is restored on a machine without its key file.
    key_path.unlink()
    keys.reset_keyring()
    keys.note_database_url(url)
    with pytest.raises(keys.KeyringError, match=ring.current_id) as stopped:
        upgrade(engine)
    assert "none was created" in str(stopped.value)
    assert not key_path.exists()

    # A different key file is no better: the error names the key the data needs.
    keys.write_key_file(key_path, (keys.generate_key(),))
    keys.reset_keyring()
    keys.note_database_url(url)
    with pytest.raises(keys.KeyringError, match=f"{ring.current_id}, which the keyring"):
        upgrade(engine)

    # The right key file restored: the ledger starts again.
    keys.write_key_file(key_path, ring.keys)
    keys.reset_keyring()
    keys.note_database_url(url)
    upgrade(engine)
    engine.dispose()


def test_checking_commands_can_refuse_to_create_a_key(clean_keys: Path) -> None:
    with pytest.raises(keys.KeyringError, match="no secret key"):
        keys.audit_chain_key(create=False)
    assert not (clean_keys / "ledger.key").exists()
    assert len(keys.audit_chain_key()) == 32  # the default still creates it on first start
    assert (clean_keys / "ledger.key").exists()
