"""A participant write the database refuses leaves no bank digits (or name) in any log or response.

The database is made to refuse every row that carries an account number (a CHECK constraint on
PostgreSQL, whose error DETAIL quotes the whole row; a trigger on SQLite), then a participant with known
bank details is written through the API. Every logger is captured at DEBUG (SQLAlchemy's statement log
included), and the problem+json body is read too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.models import Role

SORT_CODE, ACCOUNT, NAME = "40-11-62", "31926819", "Zebedee Quillfeather"
SECRETS = ("401162", "40-11-62", "40 11 62", ACCOUNT, "Quillfeather")


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    return backend_database_url


def refuse_bank_rows(factory: sessionmaker[Session]) -> list[str]:
    """Make the database refuse any row holding an account number; returns the tables it applies to."""
    engine = factory.kw["bind"]
    tables = [t for t in inspect(engine).get_table_names()
              if "bank_account_number" in {c["name"] for c in inspect(engine).get_columns(t)}]
    with engine.begin() as conn:
        for table in tables:
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT ck_test_no_bank_{table} "
                                  "CHECK (bank_account_number IS NULL) NOT VALID"))
            else:
                for when in ("INSERT", "UPDATE"):
                    conn.execute(text(
                        f"CREATE TRIGGER test_no_bank_{table}_{when.lower()} BEFORE {when} ON {table} "
                        "WHEN NEW.bank_account_number IS NOT NULL BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
                    ))
    return tables


def assert_no_secrets(*texts: str) -> None:
    for blob in texts:
        for secret in SECRETS:
            assert secret not in blob, f"{secret!r} leaked into: {blob[:2000]}"


def test_refused_participant_writes_leak_no_bank_digits(
    client: TestClient[Litestar],
    make_token: Callable[..., str],
    auth: Callable[[str], dict[str, str]],
    session_factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert "participants" in refuse_bank_rows(session_factory)
    admin = make_token(Role.ADMIN)
    caplog.set_level(logging.DEBUG)  # every logger, SQLAlchemy's statement and row log included
    created = client.post("/api/v1/participants", headers=auth(admin), json={
        "name": NAME, "payment_preference": "bank_transfer",
        "bank": {"account_name": NAME.upper(), "sort_code": SORT_CODE, "account_number": ACCOUNT},
    })
    assert created.status_code >= 400, created.text
    assert created.headers["content-type"].startswith("application/problem+json")
    assert caplog.records, "the refused write should have been logged"
    assert any(r.levelno >= logging.WARNING for r in caplog.records)
    assert_no_secrets(created.text, caplog.text,
                      "\n".join(logging.Formatter().format(r) for r in caplog.records))

    # A participant without bank details is stored; adding bank details to it is refused the same way.
    plain = client.post("/api/v1/participants", headers=auth(admin),
                        json={"name": "Jo", "payment_preference": "decline"})
    assert plain.status_code == 201, plain.text
    caplog.clear()
    changed = client.patch(f"/api/v1/participants/{plain.json()['id']}", headers=auth(admin), json={
        "payment_preference": "bank_transfer",
        "bank": {"account_name": NAME.upper(), "sort_code": SORT_CODE, "account_number": ACCOUNT},
    })
    # A four-eyes flow may hold the change as pending (its table refuses it too) or write the row.
    assert changed.status_code >= 400, changed.text
    assert_no_secrets(changed.text, caplog.text,
                      "\n".join(logging.Formatter().format(r) for r in caplog.records))


def test_api_responses_show_bank_details_masked_only(
    client: TestClient[Litestar],
    make_token: Callable[..., str],
    auth: Callable[[str], dict[str, str]],
    session_factory: sessionmaker[Session],
) -> None:
    from ledger.db.models import Participant, PaymentPreference

    with session_factory() as db, db.begin():
        person = Participant(reference="P-0900", name="Jo Smith", payment_preference=PaymentPreference.BANK_TRANSFER,
                             bank_account_name="J SMITH", bank_sort_code="401162", bank_account_number=ACCOUNT)
        db.add(person)
        db.flush()
        person_id = person.id
    admin = make_token(Role.ADMIN)
    bodies = []
    for path in ("/api/v1/participants", f"/api/v1/participants/{person_id}", "/api/v1/audit"):
        answer = client.get(path, headers=auth(admin))
        assert answer.status_code == 200, (path, answer.text)
        bodies.append(answer.text)
    assert "****6819" in bodies[1] and "**-**-62" in bodies[1]
    assert_no_secrets(*bodies)
