"""``ledger records`` (the approval queue with what each correction changes) and ``ledger limits``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import Participant, Role
from ledger.involvement.activities import record_activity
from ledger.involvement.approval import approve_record, correct_record, reverse_record
from ledger.involvement.participants import create_participant
from ledger.involvement.projects import create_project
from ledger.involvement.schemas import (
    ActivityCreate,
    AttendeeIn,
    CorrectionIn,
    MileageIn,
    OrganisationIn,
    ParticipantCreate,
    ProjectCreate,
)
from ledger.security.actor import Actor

LEAD = Actor(token_id=2, name="Lee Lead", role=Role.LEAD)
APPROVER = Actor(token_id=3, name="Amy Approver", role=Role.LEAD)
ADMIN = Actor.system("test")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, sessionmaker[Session]]:
    monkeypatch.delenv("LEDGER_LIMITS", raising=False)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    return url, make_session_factory(engine)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_records_list_and_show_what_a_correction_changes(db: tuple[str, sessionmaker[Session]]) -> None:
    url, factory = db
    with transaction(factory) as session:
        person = create_participant(session, LEAD, ParticipantCreate(
            name="Jo Smith", payment_preference="organisation", organisation=OrganisationIn(name="Mind")))
        project = create_project(session, ADMIN, ProjectCreate(code="STEER", name="Steering", rate_card="nihr-style"))
        created = record_activity(session, LEAD, ActivityCreate(
            project=project.id, date=date(2026, 1, 14), activity="meeting", attendees=[AttendeeIn(
                participant=person.id, involvement_minutes=90, role="chair", follow_up_minutes=20,
                mileage=MileageIn("car", 14, 1))]))
        record_id = created.records[0].id
        approve_record(session, APPROVER, record_id)
        reverse_record(session, APPROVER, record_id, "It lasted an hour")
        fixed = correct_record(session, LEAD, record_id, CorrectionIn(involvement_minutes=60)).id
        reference = session.get(Participant, person.id).reference  # type: ignore[union-attr]
    code, out = run("records", "list", "--database", url)
    assert code == 0, out
    assert f"Record {fixed} (submitted): {reference}, meeting on 2026-01-14, chair" in out
    assert f"Corrects record {record_id}. What changes:" in out
    assert "involvement minutes: 1 h 30 min -> 1 h" in out
    assert "fees: 75.63 -> 55.00 (-20.63)" in out  # chair £61.88 + £13.75 -> £41.25 + £13.75
    assert "Jo Smith" not in out  # people by reference only
    code, shown = run("records", "show", str(fixed), "--database", url)
    assert code == 0 and "Car or van mileage: 14 miles at £0.45 a mile" in shown
    code, missing = run("records", "show", "999", "--database", url)
    assert code == 1 and "no record with id 999" in missing


def test_limits_list_show_and_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGER_LIMITS", raising=False)
    code, out = run("limits", "list", "--on", "2026-04-05")
    assert code == 0 and "Carer's Allowance earnings limit: £196.00 a week since 7 April 2025" in out
    code, out = run("limits", "list", "--on", "2026-04-06")
    assert "Carer's Allowance earnings limit: £204.00 a week since 6 April 2026" in out
    code, out = run("limits", "show", "carers_allowance")
    assert code == 0 and "from 6 April 2026: £204.00" in out and "gov.uk" in out
    code, out = run("limits", "show", "nothing")
    assert code == 1 and "carers_allowance" in out
    (tmp_path / "bad.toml").write_text('[[limits.carers_allowance.amounts]]\neffective_from = 2027-04-12\n'
                                       'amount = 212.0\nsource = "x"\n', encoding="utf-8")
    code, out = run("limits", "check", str(tmp_path))
    assert code == 1 and "limits.carers_allowance.amounts[0].amount" in out


def test_limits_watch_sets_a_named_limit_for_a_participant(db: tuple[str, sessionmaker[Session]]) -> None:
    url, factory = db
    with transaction(factory) as session:
        person = create_participant(session, LEAD, ParticipantCreate(
            name="Sam Lee", payment_preference="organisation", organisation=OrganisationIn(name="Mind")))
        reference = person.reference
    code, out = run("limits", "watch", reference, "--limit", "carers_allowance", "--database", url)
    assert code == 0, out
    assert f"{reference}: Carer's Allowance earnings limit [carers_allowance]:" in out
    code, out = run("limits", "watch", reference, "--amount", "1000.00", "--period", "tax_year",
                    "--label", "trading allowance", "--database", url)
    assert code == 0 and "[carers_allowance]" in out and "trading allowance: 1000.00 GBP per tax year" in out
    code, out = run("limits", "watch", reference, "--limit", "nope", "--database", url)
    assert code == 1 and "there is no named limit 'nope'" in out
    code, out = run("limits", "watch", reference, "--clear", "--database", url)
    assert code == 0 and "has no watch limits" in out


def test_rates_show_lists_the_dated_car_rate() -> None:
    code, out = run("rates", "show", "nihr-style")
    assert code == 0 and "Mileage, Car or van: £0.45 a mile" in out and "from 2026-04-06: £0.55 a mile" in out
