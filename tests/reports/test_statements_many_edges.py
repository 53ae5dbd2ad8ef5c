"""``build_statements`` against ``build_statement`` on the cases the generated ledger of
``test_statements_many.py`` does not reach, and ``ledger statements --all`` against one person at a time.

The cases: activities, batches and outcomes on the first and last day of the period and a day outside
it; a payment that came back (returned line, owed again, paid again in a later batch); an erased
participant (tombstone name, no watch limits); a correction (reversed, then recorded again); several
projects; a person with no records and no bank details; someone whose records are in two currencies
(refused the same way). Then the command line: every file ``--all`` writes is the file ``--participant``
writes for that person, byte for byte.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from payments.factory import approve, backdate, participant, project, reverse
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import transaction
from ledger.db.models import BatchLine, Participant, Record
from ledger.errors import Invalid
from ledger.involvement.erasure import erase
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.payments.returns import return_line
from ledger.recognition.outcomes import add_outcome
from ledger.recognition.schemas import OutcomeIn
from ledger.reports import statements
from ledger.reports.statements import build_statement, build_statements
from ledger.security.actor import Actor

CLI = Actor.system("cli")
CHECKER = Actor.system("checker")
LEAD = Actor.system("Lee Lead")
YEAR = (date(2025, 4, 6), date(2026, 4, 5))
TODAY = date(2026, 4, 10)


def _pay(s: Session, paid_on: date, up_to: date | None = None) -> int:
    batch = build_batch(s, CLI, "bank_transfer", up_to=up_to).batch
    approve_batch(s, CHECKER, batch.id)
    backdate(s, batch, paid_on)
    mark_paid(s, CLI, batch.id, paid_on, today=paid_on)
    return batch.id


def _ledger(s: Session) -> dict[str, int]:
    one, two, three = (project(s, code) for code in ("EDGE", "MORE", "LAST"))
    edges = participant(s, "Edith Edge", weekly_limit="100.00")
    returned = participant(s, "Rhys Returned", style="easy_read")
    erased = participant(s, "Erin Erased", weekly_limit="50.00")
    corrected = participant(s, "Cora Corrected", style="large_print")
    nothing = participant(s, "Nia Nothing", sort_code=None, account=None)
    first_day = approve(s, edges, one, YEAR[0], 2750, 450)
    approve(s, edges, one, YEAR[0] - timedelta(days=1), 1111)  # the day before: not on this statement
    approve(s, edges, two, YEAR[1], 3438)
    approve(s, edges, two, YEAR[1] + timedelta(days=1), 2222)  # the day after: not on it either
    approve(s, returned, one, date(2025, 5, 1), 4125, 1250)
    approve(s, returned, three, date(2025, 6, 1), 2750)
    approve(s, erased, one, date(2025, 5, 2), 2750)
    twice = approve(s, corrected, one, date(2025, 7, 1), 2750)
    approve(s, corrected, two, date(2025, 7, 2), 3438, 600)
    approve(s, corrected, three, date(2025, 7, 3), 4125)
    first = _pay(s, date(2025, 8, 1), up_to=date(2025, 7, 31))
    line_id = s.scalar(select(BatchLine.id).where(BatchLine.batch_id == first,
                                                  BatchLine.participant_id == returned.id))
    assert line_id is not None
    return_line(s, CLI, first, line_id, "account closed", booked_on=date(2025, 8, 20))
    reverse(s, twice, date(2025, 9, 1))
    approve(s, corrected, one, date(2025, 7, 1), 3438)  # recorded again, correctly
    _pay(s, YEAR[1], up_to=YEAR[1])  # paid on the last day of the period (the returned money too)
    _pay(s, YEAR[1] + timedelta(days=1))  # paid the day after: not on this statement
    add_outcome(s, LEAD, OutcomeIn(text="Chairs in the waiting room.", date=YEAR[0],
                                   activity=first_day.record.activity_id), today=TODAY)
    add_outcome(s, LEAD, OutcomeIn(text="Signs changed.", date=YEAR[1], project=two.id), today=TODAY)
    add_outcome(s, LEAD, OutcomeIn(text="Too late for this year.", date=YEAR[1] + timedelta(days=1),
                                   project=one.id), today=TODAY)
    add_outcome(s, LEAD, OutcomeIn(text="Before this year.", date=YEAR[0] - timedelta(days=1), project=one.id),
                today=TODAY)
    erase(s, CLI, erased.id, on=date(2040, 1, 1))
    return {"edges": edges.id, "returned": returned.id, "erased": erased.id, "corrected": corrected.id,
            "nothing": nothing.id}


def _same(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    with transaction(factory) as s:
        people = _ledger(s)
    ids = list(people.values())
    with transaction(factory) as s:
        one_by_one = [build_statement(s, pid, *YEAR, today=TODAY) for pid in ids]
        assert build_statements(s, ids, *YEAR, today=TODAY) == one_by_one
        monkeypatch.setattr(statements, "_MANY", 2)
        assert build_statements(s, ids[::-1], *YEAR, today=TODAY) == one_by_one[::-1]
        for start, end in ((YEAR[0], YEAR[0]), (YEAR[1], YEAR[1]), (date(2025, 8, 1), date(2025, 8, 31))):
            assert build_statements(s, ids, start, end, today=TODAY) == [
                build_statement(s, pid, start, end, today=TODAY) for pid in ids]
    got = dict(zip(people, one_by_one, strict=True))
    # the ledger has what the comparison needs to mean something
    assert [a.date for a in got["edges"].activities] == [YEAR[0], YEAR[1]]
    assert {o.text for o in got["edges"].outcomes} == {"Chairs in the waiting room.", "Signs changed."}
    assert [p.date for p in got["returned"].payments] == [YEAR[1]]  # the returned line is not a payment
    assert got["erased"].participant_name.startswith("Erased participant") and not got["erased"].weeks
    assert sorted(a.status for a in got["corrected"].activities).count("reversed") == 1
    assert len({a.project_name for a in got["corrected"].activities}) == 3
    assert not got["nothing"].activities and not got["nothing"].payments


def test_edge_cases_match_one_at_a_time(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    _same(factory, monkeypatch)


def test_edge_cases_match_one_at_a_time_on_postgres(pg_factory: sessionmaker[Session],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _same(pg_factory, monkeypatch)


def test_records_in_two_currencies_are_refused_as_one_at_a_time(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        people = _ledger(s)
        s.execute(update(Record).where(Record.participant_id == people["corrected"],
                                       Record.fees_minor == 4125).values(currency="EUR"))
        with pytest.raises(Invalid) as alone:
            build_statement(s, people["corrected"], *YEAR, today=TODAY)
        with pytest.raises(Invalid) as together:
            build_statements(s, list(people.values()), *YEAR, today=TODAY)
        assert together.value.detail == alone.value.detail


def test_all_writes_the_files_one_person_at_a_time_writes(factory: sessionmaker[Session], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with transaction(factory) as s:
        people = _ledger(s)
    run = CliRunner().invoke
    period = ["--from", YEAR[0].isoformat(), "--to", YEAR[1].isoformat(), "--database", url]
    together, alone = tmp_path / "all", tmp_path / "one"
    made = run(main, ["statements", "--all", "--out", str(together), *period])
    assert made.exit_code == 0, made.output
    for pid in people.values():
        one = run(main, ["statements", "--participant", str(pid), "--out", str(alone), *period])
        assert one.exit_code == 0, one.output
    files = sorted(p.name for p in together.iterdir())
    assert len(files) == len(people) and files == sorted(p.name for p in alone.iterdir())
    for name in files:
        assert (together / name).read_bytes() == (alone / name).read_bytes(), name


def test_a_name_that_cannot_be_printed_stops_all_without_a_half_written_file(factory: sessionmaker[Session],
                                                                             tmp_path: Path) -> None:
    """As before build_statements: the statements before the person are written whole, nothing after, no
    temporary file is left, and the error names the script."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with transaction(factory) as s:
        people = _ledger(s)
        s.execute(update(Participant).where(Participant.id == people["corrected"]).values(name="محمد علي"))
    folder = tmp_path / "all"
    made = CliRunner().invoke(main, ["statements", "--all", "--out", str(folder), "--from", YEAR[0].isoformat(),
                                     "--to", YEAR[1].isoformat(), "--database", url])
    assert made.exit_code == 1 and "Arabic" in made.output and "Traceback" not in made.output
    with transaction(factory) as s:
        order = list(s.scalars(select(Participant.reference).order_by(Participant.reference)))
        stopped_at = order.index(s.get(Participant, people["corrected"]).reference)  # type: ignore[union-attr]
    assert 0 < stopped_at < len(order) - 1
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(f"statement-{ref}-2025-04-06-to-2026-04-05.pdf" for ref in order[:stopped_at])
    for name in written:
        assert len(PdfReader(folder / name).pages) >= 1
