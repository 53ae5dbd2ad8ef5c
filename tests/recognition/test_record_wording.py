"""Records of involvement and the statement's outcomes read back as text (pypdf) after the wording review
(docs/recognition.md, "What we checked in the wording"): where to check a code in words a reader can use,
large print headings not broken in two, Easy Read one idea a line with where each change came from, and
names in many scripts."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from payments.factory import approve, participant, project
from pypdf import PdfReader
from reports.readability import flesch_reading_ease
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.exports.pdf import render_statement
from ledger.exports.pdf.recognition import render_record
from ledger.exports.pdf.typefaces import UnprintableText
from ledger.recognition.outcomes import add_outcome
from ledger.recognition.record import PUBLIC_URL_VARIABLE, build_record, issue_record
from ledger.recognition.schemas import OutcomeIn
from ledger.reports.statements import build_statement
from ledger.security.actor import Actor

LEAD = Actor.system("Lee Lead")
TODAY = date(2026, 3, 1)
YEAR = (date(2025, 4, 6), date(2026, 4, 5))
CHANGES = ["Signs are bigger.", "Letters are shorter.", "The lift is fixed.", "Chairs are softer.",
           "Parking is free.", "The cafe opens early.", "The door is wider."]


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _flat(data: bytes) -> str:
    return " ".join(" ".join(_pages(data)).split())


def _someone(factory: sessionmaker[Session], name: str = "Ann Able", outcomes: int = 2, style: str = "standard") -> int:
    with transaction(factory) as s:
        proj = project(s, "WORDS")
        ann = participant(s, name, "voucher", style=style)
        for i in range(outcomes):
            day = date(2025, 10, 6) + timedelta(days=7 * i)
            activity = approve(s, ann, proj, day, 4125, minutes=90).record.activity_id
            add_outcome(s, LEAD, OutcomeIn(text=CHANGES[i], date=day + timedelta(days=14), activity=activity),
                        today=TODAY)
        return ann.id


@pytest.mark.parametrize("style", ["standard", "large_print", "easy_read"])
def test_without_the_sites_address_the_record_says_what_verify_is(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, style: str,
) -> None:
    monkeypatch.delenv(PUBLIC_URL_VARIABLE, raising=False)
    ann = _someone(factory)
    with transaction(factory) as s:
        record = issue_record(s, LEAD, ann, style=style, today=TODAY)
    text = _flat(render_record(record))
    assert record.code is not None and f"/verify/{record.code}" not in text, "a bare path means nothing on paper"
    if style == "easy_read":
        assert "They go to our website. They open the page called /verify." in text
        assert f"The code is {record.code}." in text and "Or they can ask us." in text
    else:
        assert f"Go to the page /verify on our website and type the code {record.code}, or ask us." in text


@pytest.mark.parametrize("style", ["standard", "easy_read"])
def test_with_the_sites_address_the_record_gives_the_full_address(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, style: str,
) -> None:
    monkeypatch.setenv(PUBLIC_URL_VARIABLE, "https://involvement.example.org/")
    ann = _someone(factory)
    with transaction(factory) as s:
        record = issue_record(s, LEAD, ann, style=style, today=TODAY)
    text = _flat(render_record(record)).replace(" ", "")  # long addresses may wrap
    address = f"https://involvement.example.org/verify/{record.code}"
    assert address in text
    if style == "standard":
        assert f"orgotohttps://involvement.example.org/verifyandtypethecode{record.code}" in text


def test_large_print_table_headings_are_whole_words(factory: sessionmaker[Session]) -> None:
    ann = _someone(factory, style="large_print")
    with transaction(factory) as s:
        record = build_record(s, ann, today=TODAY)
    lines = [line.strip() for page in _pages(render_record(record)) for line in page.splitlines()]
    assert "Activities" in lines and "Time given" in lines
    assert not [line for line in lines if line in {"Activiti", "es", "Activit", "ies"}], "a heading broken in two"


def test_easy_read_record_says_where_each_change_came_from(factory: sessionmaker[Session]) -> None:
    ann = _someone(factory, style="easy_read")
    with transaction(factory) as s:
        record = build_record(s, ann, today=TODAY)
    text = _flat(render_record(record))
    assert "It came from what you did on 6 October 2025." in text
    assert "It came from what you did on 13 October 2025." in text
    assert "It shows the time you gave to help us. We made it on" in text  # two lines, one idea each
    assert flesch_reading_ease(text) >= 80


def test_easy_read_statement_names_the_record_by_its_easy_read_title(factory: sessionmaker[Session]) -> None:
    ann = _someone(factory, outcomes=7, style="easy_read")
    with transaction(factory) as s:
        text = _flat(render_statement(build_statement(s, ann, *YEAR, today=TODAY)))
    assert "You told us what you think. This is what we changed because of it." in text
    assert "There are 2 more. Ask us for your record of taking part. It shows all of them." in text
    assert "record of involvement" not in text.lower(), "Easy Read calls it the record of taking part"


@pytest.mark.parametrize("name", ["Zoë Ó Súilleabháin", "Nguyễn Thị Minh", "Ахмед Иванов", "Σοφία Παπαδοπούλου"])
@pytest.mark.parametrize("style", ["standard", "easy_read"])
def test_names_in_many_scripts_print_on_the_record(factory: sessionmaker[Session], name: str, style: str) -> None:
    ann = _someone(factory, name=name, outcomes=1, style=style)
    with transaction(factory) as s:
        record = build_record(s, ann, today=TODAY)
    assert name in _flat(render_record(record))


@pytest.mark.parametrize(("name", "script"), [("محمد علي", "Arabic"), ("李雷", "CJK")])
def test_a_name_no_shipped_font_can_print_is_refused_with_the_script_named(
    factory: sessionmaker[Session], name: str, script: str,
) -> None:
    """Not a fix: no Arabic or CJK font ships with the ledger (docs/recognition.md says so). The record is
    refused with the script named, never printed with empty boxes where the name should be."""
    ann = _someone(factory, name=name, outcomes=1)
    with transaction(factory) as s:
        record = build_record(s, ann, today=TODAY)
    with pytest.raises(UnprintableText, match=script):
        render_record(record)


@pytest.mark.parametrize("style", ["standard", "large_print"])
def test_footers_name_the_reference_as_a_reference_not_as_a_person(factory: sessionmaker[Session], style: str) -> None:
    ann = _someone(factory, style=style)
    with transaction(factory) as s:
        record = build_record(s, ann, today=TODAY)
        statement = build_statement(s, ann, *YEAR, today=TODAY)
    reference = record.summary.participant_reference
    record_pages = _pages(render_record(record))
    statement_pages = _pages(render_statement(statement))
    assert all(f"Record of involvement, reference {reference}" in page for page in record_pages)
    assert all(f"Statement, reference {reference}" in page for page in statement_pages)
    assert not any(f"for {reference}" in page for page in (*record_pages, *statement_pages))
