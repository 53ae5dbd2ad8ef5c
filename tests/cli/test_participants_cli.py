"""``ledger participants retention`` and ``ledger participants erase``: the same rules as the service,
with the refusal before the retention period as one ``error:`` line naming the date, and exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from involvement.support import APPROVER, FINANCE, attendee, meeting, participant, project
from payments.factory import EXAMPLE_ORGANISATION
from sqlalchemy import select

from ledger.cli import main
from ledger.clock import as_of
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import Participant, Role
from ledger.involvement.approval import approve_record
from ledger.organisation import save_organisation
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.security.actor import Actor

SECOND_FINANCE = Actor(token_id=77, name="Second finance", role=Role.FINANCE)


@dataclass
class Ledger:
    url: str
    paid: str  # reference of someone paid on 10 October 2022 (erasable from 6 April 2029)
    owed: str  # reference of someone still owed money


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        save_organisation(session, EXAMPLE_ORGANISATION)  # batches need the organisation's details
        with as_of(date(2022, 10, 3)):
            proj = project(session)
            paid = participant(session, name="Petra Paidonce")
            owed = participant(session, name="Owen Stillowed", preference="voucher")
            first = meeting(session, proj.id, [attendee(paid.id, 60)], on=date(2022, 10, 3))
            approve_record(session, APPROVER, first.records[0].id)
        with as_of(date(2022, 10, 10)):
            batch = build_batch(session, FINANCE, "bank_transfer").batch
            approve_batch(session, SECOND_FINANCE, batch.id)
            mark_paid(session, FINANCE, batch.id, date(2022, 10, 10))
            second = meeting(session, proj.id, [attendee(owed.id, 60)], on=date(2022, 10, 10))
            approve_record(session, APPROVER, second.records[0].id)
        refs = (paid.reference, owed.reference)
    engine.dispose()
    yield Ledger(url, *refs)


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


def test_retention_lists_when_each_person_becomes_erasable(ledger: Ledger) -> None:
    with as_of(date(2029, 4, 6)):
        result = run("participants", "retention", "--database", ledger.url)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    out = result.stdout  # type: ignore[attr-defined]
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("P-")}
    assert "can be erased now" in lines[ledger.paid] and "10 Oct 2022" in lines[ledger.paid]
    assert "5 Apr 2029" in lines[ledger.paid]
    assert "still owed" in lines[ledger.owed]
    assert "Petra" not in out and "Owen" not in out, "the listing names people by reference only"
    with as_of(date(2029, 4, 6)):
        only = run("participants", "retention", "--erasable", "--database", ledger.url)
    assert [line.split()[0] for line in only.stdout.splitlines() if line.startswith("P-")] == [ledger.paid]  # type: ignore[attr-defined]


def test_erase_before_the_date_is_refused_with_the_date(ledger: Ledger) -> None:
    with as_of(date(2029, 4, 5)):
        result = run("participants", "erase", ledger.paid, "--yes", "--database", ledger.url)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr.startswith("error: ") and "6 April 2029" in result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]


def test_erase_after_the_date_replaces_the_name(ledger: Ledger) -> None:
    with as_of(date(2029, 4, 6)):
        result = run("participants", "erase", ledger.paid, "--yes", "--database", ledger.url)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"Erased the personal details of {ledger.paid}" in result.stdout  # type: ignore[attr-defined]
    engine = make_engine(ledger.url)
    with make_session_factory(engine)() as session:
        names = session.scalars(select(Participant.name).order_by(Participant.id)).all()
    engine.dispose()
    assert names == [f"Erased participant {ledger.paid}", "Owen Stillowed"]
    with as_of(date(2029, 4, 6)):
        again = run("participants", "erase", ledger.paid, "--yes", "--database", ledger.url)
    assert again.exit_code == 1 and "already erased" in again.stderr  # type: ignore[attr-defined]


def test_erase_asks_first_and_names_unknown_people(ledger: Ledger) -> None:
    with as_of(date(2029, 4, 6)):
        declined = CliRunner().invoke(main, ["participants", "erase", ledger.paid, "--database", ledger.url],
                                      input="n\n")
        unknown = run("participants", "erase", "P-9999", "--yes", "--database", ledger.url)
        owed = run("participants", "erase", ledger.owed, "--yes", "--database", ledger.url)
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert unknown.exit_code == 1 and unknown.stderr.startswith("error: there is no participant")  # type: ignore[attr-defined]
    assert owed.exit_code == 1 and "still owed" in owed.stderr  # type: ignore[attr-defined]


def test_a_missing_database_is_one_error_line(tmp_path: Path) -> None:
    result = run("participants", "retention", "--database", f"sqlite:///{tmp_path / 'nothing.db'}")
    assert result.exit_code == 1 and result.stderr.startswith("error: there is no database file")  # type: ignore[attr-defined]
