"""Verification codes on SQLite and PostgreSQL: valid, withdrawn and unknown; every check counted; guessing
throttled per address in the database (so every server process shares it); codes typed loosely still match."""

from __future__ import annotations

from datetime import date

import pytest
from payments.factory import approve, participant, project
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models_recognition import InvolvementRecord, VerificationAttempt
from ledger.recognition import codes
from ledger.recognition.codes import TooManyChecks, normalise_code, verify_code
from ledger.recognition.record import issue_record, withdraw_record
from ledger.security.actor import Actor

CLI = Actor.system("cli")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_factory(request: pytest.FixtureRequest) -> sessionmaker[Session]:
    return request.getfixturevalue("factory" if request.param == "sqlite" else "pg_factory")  # type: ignore[no-any-return]


def test_valid_withdrawn_unknown_and_counted(any_factory: sessionmaker[Session]) -> None:
    with transaction(any_factory) as s:
        ann = participant(s, "Ann Able")
        approve(s, ann, project(s, "COD"), date(2025, 10, 6), 4125, minutes=90)
        issued = issue_record(s, CLI, ann.id, include_amounts=True)
    assert issued.code is not None and issued.record_id is not None
    found = verify_code(any_factory, issued.code.lower().replace("-", " "), "192.0.2.1")
    assert found.status == "valid" and found.summary is not None
    assert found.summary.total_minutes == 90 and found.organisation_name
    assert verify_code(any_factory, issued.code, "192.0.2.2").status == "valid"
    with transaction(any_factory) as s:
        withdraw_record(s, CLI, issued.record_id, "lost")
    gone = verify_code(any_factory, issued.code, "192.0.2.1")
    assert gone.status == "withdrawn" and gone.summary is None and gone.withdrawn_on is not None
    assert verify_code(any_factory, "0" * 15, "192.0.2.1").status == "unknown"
    with any_factory() as s:
        row = s.get(InvolvementRecord, issued.record_id)
        assert row is not None and row.check_count == 3
        assert s.scalar(select(func.count()).select_from(VerificationAttempt)) == 1


def test_guessing_is_throttled_per_address(any_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "GUESS_LIMIT", 3)
    for n in range(3):
        assert verify_code(any_factory, f"{n:015d}", "198.51.100.7").status == "unknown"
    with pytest.raises(TooManyChecks) as refused:
        verify_code(any_factory, "1" * 15, "198.51.100.7")
    assert 0 < refused.value.retry_after <= codes.GUESS_WINDOW.total_seconds() + 1
    assert verify_code(any_factory, "2" * 15, "198.51.100.8").status == "unknown", "another address is not held up"
    with any_factory() as s:
        stored = set(s.scalars(select(VerificationAttempt.client_hash)))
    assert "198.51.100.7" not in str(stored) and len(stored) == 2


def test_reading_codes() -> None:
    assert normalise_code("7kq2m xw9rt-4hc8n") == "7KQ2MXW9RT4HC8N"
    assert normalise_code("OIL00-00000-00000") == "01100000000000000"[:15]
    assert normalise_code("7KQ2M-XW9RT-4HC8") is None  # too short
    assert normalise_code("7KQ2M-XW9RT-4HC8U") is None  # U is not in the alphabet


def test_one_ipv6_network_counts_as_one_address(
        any_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone with IPv6 holds a /64 (2^64 addresses): counting each address alone would not throttle at all."""
    monkeypatch.setattr(codes, "GUESS_LIMIT", 3)
    for n in range(3):
        assert verify_code(any_factory, f"{n:015d}", f"2001:db8:1:2::{n + 1:x}").status == "unknown"
    with pytest.raises(TooManyChecks):
        verify_code(any_factory, "1" * 15, "2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert verify_code(any_factory, "2" * 15, "2001:db8:1:3::1").status == "unknown", "another network is not held up"
    assert codes.client_hash("::ffff:198.51.100.7") == codes.client_hash("198.51.100.7")  # IPv4 seen through IPv6
