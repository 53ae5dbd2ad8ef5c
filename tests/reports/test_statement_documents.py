"""The demo's participants get statements people can read, and no statement goes out without a contact."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from payments.factory import participant
from pypdf import PdfReader
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Activity, Participant, Record, Setting
from ledger.demo.run import TAX_YEAR, DemoSummary, build_demo
from ledger.exports.pdf import render_statement
from ledger.organisation import OrganisationNotSet
from ledger.reports.statements import build_statement
from reports.readability import flesch_reading_ease


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    out = tmp_path_factory.mktemp("demo")
    return build_demo(f"sqlite:///{out / 'demo.db'}", out)


def busiest(session: Session) -> tuple[int, int]:
    """(participant id, activities in the demo's tax year) of the participant with the most records."""
    row = session.execute(
        select(Record.participant_id, func.count())
        .join(Activity, Activity.id == Record.activity_id)
        .where(Activity.date >= TAX_YEAR[0], Activity.date <= TAX_YEAR[1])
        .group_by(Record.participant_id)
        .order_by(func.count().desc(), Record.participant_id)
    ).first()
    assert row is not None
    return int(row[0]), int(row[1])


def read(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_busiest_participant_statements_are_short_and_readable(demo: DemoSummary) -> None:
    factory = make_session_factory(make_engine(f"sqlite:///{demo.database}"))
    with factory() as session:
        person, activities = busiest(session)
        assert activities >= 15  # the busiest person really is busy
        easy = build_statement(session, person, *TAX_YEAR, style="easy_read")
        standard = build_statement(session, person, *TAX_YEAR, style="standard")
    easy_pages, easy_text = read(render_statement(easy))
    standard_pages, standard_text = read(render_statement(standard))
    assert easy_pages <= 8
    assert flesch_reading_ease(easy_text) >= 80
    # The activities part of a busy year fits in 2 or 3 pages; "what changed because of you" (at most five
    # outcomes, docs/statements.md) may add one more.
    without_outcomes, _ = read(render_statement(replace(standard, outcomes=())))
    assert 2 <= without_outcomes <= 3 and standard.outcomes
    assert standard_pages <= without_outcomes + 1
    assert flesch_reading_ease(standard_text) >= 60
    for text in (easy_text, standard_text):
        assert "Amira Khan" in text and "0161 496 0123" in text and "involvement@northshire.example" in text


def test_every_demo_participants_statements_are_readable(demo: DemoSummary) -> None:
    """Not just the busiest: each of the demo's people gets an Easy Read statement that scores >= 80 in
    at most 8 pages, and a standard statement that scores >= 60 (the shipped samples are among them)."""
    factory = make_session_factory(make_engine(f"sqlite:///{demo.database}"))
    with factory() as session:
        people = list(session.execute(select(Participant.id, Participant.reference).order_by(Participant.id)))
        assert len(people) >= 12
        scores: dict[str, tuple[int, float, float]] = {}
        for person, reference in people:
            easy_pages, easy_text = read(render_statement(build_statement(session, person, *TAX_YEAR,
                                                                          style="easy_read")))
            _, standard_text = read(render_statement(build_statement(session, person, *TAX_YEAR, style="standard")))
            scores[reference] = (easy_pages, flesch_reading_ease(easy_text), flesch_reading_ease(standard_text))
            assert "Statement for" not in easy_text  # the Easy Read footer does not show a bare reference
    too_hard = {ref: score for ref, score in scores.items() if score[0] > 8 or score[1] < 80 or score[2] < 60}
    assert too_hard == {}, scores


def test_a_statement_without_the_organisation_set_names_what_is_missing(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(factory) as session:
        person = participant(session, "Ann Example")
        person_id = person.id
        session.execute(delete(Setting).where(Setting.key == "contact_phone"))
    with factory() as session, pytest.raises(OrganisationNotSet) as caught:
        build_statement(session, person_id, *TAX_YEAR)
    assert "contact phone number" in caught.value.detail and "ledger setup" in caught.value.detail
