"""Bank details are encrypted at rest: the database column holds ciphertext, the code sees plain values."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from private_pg import private_postgres
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from ledger.db.engine import make_engine
from ledger.db.migrate import upgrade
from ledger.db.models import Participant, PaymentPreference
from ledger.security import keys
from ledger.security.crypto import decrypt, is_encrypted

DIGITS = ("40-11-62", "401162", "31926819")


def _person(**bank: str | None) -> Participant:
    return Participant(
        reference="P-TEST", name="Jo Smith", payment_preference=PaymentPreference.BANK_TRANSFER,
        bank_account_name=bank.get("name", "J SMITH"), bank_sort_code=bank.get("sort_code", "401162"),
        bank_account_number=bank.get("account", "31926819"),
    )


def test_the_database_column_holds_ciphertext_not_the_digits(session: Session) -> None:
    person = _person()
    session.add(person)
    session.flush()
    raw = session.execute(text(
        "SELECT bank_account_name, bank_sort_code, bank_account_number FROM participants WHERE id = :id"
    ), {"id": person.id}).one()
    for value in raw:
        assert is_encrypted(value), value
        assert "401162" not in value and "31926819" not in value and "SMITH" not in value
    assert [decrypt(v) for v in raw] == ["J SMITH", "401162", "31926819"]
    session.expire_all()
    again = session.get(Participant, person.id)
    assert again is not None
    assert (again.bank_account_name, again.bank_sort_code, again.bank_account_number) == (
        "J SMITH", "401162", "31926819")


def test_same_value_encrypts_differently_each_time(session: Session) -> None:
    """A random nonce per value: equal account numbers cannot be spotted by comparing ciphertexts."""
    first, second = _person(), _person()
    second.reference = "P-TEST2"
    session.add_all([first, second])
    session.flush()
    rows = session.execute(text("SELECT bank_account_number FROM participants WHERE reference LIKE 'P-TEST%'")).all()
    assert len({r[0] for r in rows}) == 2


def test_missing_bank_details_stay_null(session: Session) -> None:
    person = _person(name=None, sort_code=None, account=None)
    session.add(person)
    session.flush()
    raw = session.execute(text("SELECT bank_sort_code FROM participants WHERE id = :id"), {"id": person.id}).one()
    assert raw[0] is None


def test_a_value_altered_in_the_database_is_refused_not_read(session: Session) -> None:
    person = _person()
    session.add(person)
    session.flush()
    stored = session.execute(text("SELECT bank_account_number FROM participants WHERE id = :id"),
                             {"id": person.id}).scalar_one()
    tampered = stored[:-3] + ("A" if stored[-3] != "A" else "B") + stored[-2:]
    session.execute(text("UPDATE participants SET bank_account_number = :v WHERE id = :id"),
                    {"v": tampered, "id": person.id})
    session.expire_all()
    with pytest.raises(keys.KeyringError, match="integrity check"):
        session.get(Participant, person.id)


def _migrate_with_plain_rows(engine: Engine, *, with_batch_line: bool = True) -> None:
    """A database from before encryption: a participant (and a bank batch line) with plain bank details."""
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO participants (reference, name, payment_preference, bank_account_name, bank_sort_code, "
            "bank_account_number, statement_style, updated_at, created_at) VALUES ('P-0001', 'Jo', "
            "'bank_transfer', 'J SMITH', '401162', '31926819', 'standard', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))
        if with_batch_line:
            conn.execute(text(
                "INSERT INTO batches (reference, method, status, currency, total_minor, created_at) "
                "VALUES ('B-0001', 'bank_transfer', 'approved', 'GBP', 1000, CURRENT_TIMESTAMP)"
            ))
            conn.execute(text(
                "INSERT INTO batch_lines (batch_id, participant_id, payee_name, payment_reference, amount_minor, "
                "fees_minor, expenses_minor, status) SELECT b.id, p.id, 'Jo', 'B-0001-1', 1000, 1000, 0, "
                "'pending' FROM batches b, participants p"
            ))
    upgrade(engine)  # 0003 copies the plain details into the line; 0004 encrypts both


def _raw_line_bank(engine: Engine) -> tuple[str, str, str]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT bank_account_name, bank_sort_code, bank_account_number FROM batch_lines")).one()
    return (row[0], row[1], row[2])


def _raw_bank(engine: Engine) -> tuple[str, str, str]:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT bank_account_name, bank_sort_code, bank_account_number FROM participants WHERE reference = 'P-0001'"
        )).one()
    return (row[0], row[1], row[2])


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database (not migrated): the test takes it through the migrations itself."""
    if request.param == "sqlite":
        made = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
        yield made
        made.dispose()
        return
    with private_postgres("ledger_encrypt_migration") as url:
        made = make_engine(url)
        try:
            yield made
        finally:
            made.dispose()


def test_migration_encrypts_existing_participants_and_batch_lines(blank_engine: Engine) -> None:
    _migrate_with_plain_rows(blank_engine)
    raw = _raw_bank(blank_engine)
    assert all(is_encrypted(v) for v in raw)
    assert not any(d in "".join(raw) for d in DIGITS)
    assert [decrypt(v) for v in raw] == ["J SMITH", "401162", "31926819"]
    line = _raw_line_bank(blank_engine)
    assert all(is_encrypted(v) for v in line)
    assert [decrypt(v) for v in line] == ["J SMITH", "401162", "31926819"]

    upgrade(blank_engine)  # running it again changes nothing (already encrypted values are left alone)
    assert _raw_bank(blank_engine) == raw and _raw_line_bank(blank_engine) == line


def test_downgrade_restores_plain_values(blank_engine: Engine) -> None:
    from alembic import command

    from ledger.db.migrate import alembic_config

    _migrate_with_plain_rows(blank_engine, with_batch_line=False)
    assert all(is_encrypted(v) for v in _raw_bank(blank_engine))
    with blank_engine.begin() as conn:
        config = alembic_config(blank_engine)
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    assert _raw_bank(blank_engine) == ("J SMITH", "401162", "31926819")


def test_the_sqlite_template_database_copy_has_no_plain_digits(tmp_path: Path, sqlite_template: Path) -> None:
    """The whole file (as a backup would copy it) holds no digits of a stored account."""
    path = tmp_path / "copy.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO participants (reference, name, payment_preference, statement_style, updated_at, "
            "created_at) VALUES ('P-0001', 'Jo', 'bank_transfer', 'standard', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))
    from sqlalchemy.orm import Session as OrmSession

    with OrmSession(engine) as db, db.begin():
        person = db.query(Participant).filter_by(reference="P-0001").one()
        person.bank_account_name, person.bank_sort_code, person.bank_account_number = ("J SMITH", "401162",
                                                                                       "31926819")
    engine.dispose()
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("copy.db"))
    assert b"31926819" not in blob and b"401162" not in blob


def test_a_refused_service_write_logs_no_bank_digits(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    """The database refuses the row (PostgreSQL quotes the whole row in its error): nothing secret is logged."""
    import logging
    import traceback

    from sqlalchemy.exc import DBAPIError

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE participants ADD CONSTRAINT ck_test_no_bank "
                             "CHECK (bank_account_number IS NULL) NOT VALID"))
    else:
        session.execute(text("CREATE TEMP TRIGGER test_no_bank BEFORE INSERT ON participants "
                             "WHEN NEW.bank_account_number IS NOT NULL BEGIN SELECT RAISE(ABORT, 'refused'); END"))
    caplog.set_level(logging.DEBUG)
    person = _person(name="ZEBEDEE QUILLFEATHER")
    person.name = "Zebedee Quillfeather"
    session.add(person)
    with pytest.raises(DBAPIError) as refused:
        session.flush()
    logging.getLogger("ledger.test").error("participant write refused", exc_info=refused.value)
    text_seen = caplog.text + "".join(traceback.format_exception(refused.value))
    assert "refused" in text_seen or "ck_test_no_bank" in text_seen
    for secret in (*DIGITS, "Quillfeather", "QUILLFEATHER"):
        assert secret not in text_seen, secret
