"""A database keeps to its key: started from another folder (no ``ledger.key`` there) or with another
ledger's key, the ledger stops with one line instead of making a second key, which would have broken the
keyed audit trail (``ledger audit verify``) and every payee seal. Both databases.

On the code before this change the ledger silently made a new key file on first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from private_pg import private_postgres
from sqlalchemy import Engine, text

from ledger.audit import record_event
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.security import keys
from ledger.security.actor import Actor
from ledger.security.keycheck import KEY_IDS_SETTING, recorded_key_ids


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        (tmp_path / "data").mkdir()
        yield f"sqlite:///{tmp_path / 'data' / 'ledger.db'}"
        return
    with private_postgres("ledger_keys") as pg:
        yield pg


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str) -> Iterator[Path]:
    """No injected keyring; the key file named by LEDGER_KEY_FILE in a folder that can be swapped."""
    saved = keys._cached
    keys.reset_keyring()
    monkeypatch.delenv(keys.ENV_SECRET_KEY, raising=False)
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(tmp_path / "first" / "ledger.key"))
    yield tmp_path
    keys.reset_keyring()
    keys.use_keyring(saved)


def _used_database(url: str) -> tuple[Engine, keys.Keyring]:
    """First start (a key file is made), then one audited action: the trail is keyed from here on."""
    engine = make_engine(url)
    upgrade(engine)
    ring = keys.get_keyring()
    with transaction(make_session_factory(engine)) as session:
        record_event(session, Actor.system("setup"), "test.event", "thing", 1, None, {"done": True})
    return engine, ring


def _start_elsewhere(monkeypatch: pytest.MonkeyPatch, key_file: Path, url: str) -> None:
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(key_file))
    keys.reset_keyring()
    keys.note_database_url(url)


def test_the_key_ids_are_recorded_and_a_start_from_another_folder_makes_no_second_key(
    folder: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, ring = _used_database(url)
    with engine.connect() as c:
        assert recorded_key_ids(c) == list(ring.ids)

    elsewhere = folder / "elsewhere" / "ledger.key"
    _start_elsewhere(monkeypatch, elsewhere, url)
    with pytest.raises(keys.KeyringError, match="No new key was made") as stopped:
        upgrade(engine)
    assert ring.current_id in str(stopped.value) and "\n" not in str(stopped.value)
    with pytest.raises(keys.KeyringError, match="LEDGER_KEY_FILE or LEDGER_SECRET_KEY"):
        keys.get_keyring()  # whichever command needs a key first (not only a start with upgrade)
    assert not elsewhere.exists()

    # Another ledger's key file is no better.
    keys.write_key_file(elsewhere, (keys.generate_key(),))
    _start_elsewhere(monkeypatch, elsewhere, url)
    with pytest.raises(keys.KeyringError, match=f"{ring.current_id}, which the keyring"):
        upgrade(engine)

    # The right key: the ledger starts, and a rotated keyring is recorded whole.
    _start_elsewhere(monkeypatch, folder / "first" / "ledger.key", url)
    upgrade(engine)
    rotated = keys.get_keyring().with_new_key()
    keys.use_keyring(rotated)
    upgrade(engine)
    with engine.connect() as c:
        assert recorded_key_ids(c) == list(rotated.ids)
    engine.dispose()


def test_a_trail_without_recorded_ids_still_gets_no_second_key(
    folder: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database from before key ids were recorded: its audit events alone stop a new key."""
    engine, _ring = _used_database(url)
    with engine.begin() as c:
        c.execute(text("DELETE FROM settings WHERE key = :k"), {"k": KEY_IDS_SETTING})
    elsewhere = folder / "elsewhere" / "ledger.key"
    _start_elsewhere(monkeypatch, elsewhere, url)
    with pytest.raises(keys.KeyringError, match="already has an audit trail"):
        upgrade(engine)
    assert not elsewhere.exists()
    engine.dispose()


def test_a_new_database_still_gets_its_key_file_on_first_start(folder: Path, url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    assert (folder / "first" / "ledger.key").exists()
    engine.dispose()


@pytest.mark.postgres
def test_the_short_postgres_spelling_of_the_url_is_checked_too(
    folder: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``postgres://`` is accepted everywhere else, so the second-key guard must read it as well."""
    if not url.startswith("postgresql://"):
        pytest.skip("the short spelling exists only for PostgreSQL")
    engine, _ring = _used_database(url)
    short = "postgres://" + url[len("postgresql://"):]
    monkeypatch.setenv("LEDGER_DATABASE_URL", short)
    elsewhere = folder / "elsewhere" / "ledger.key"
    _start_elsewhere(monkeypatch, elsewhere, short)
    with pytest.raises(keys.KeyringError, match="already has an audit trail"):
        keys.get_keyring()
    assert not elsewhere.exists()
    engine.dispose()
