"""The record of involvement read back as text (pypdf) in each style: the figures, the outcomes of the
person's own activities, the code and where to check it, the organisation's sign-off; money only when asked."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from payments.factory import approve, participant, project
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.exports.pdf.recognition import render_record
from ledger.recognition.outcomes import add_outcome
from ledger.recognition.record import build_record, issue_record
from ledger.recognition.schemas import OutcomeIn
from ledger.security.actor import Actor

CLI = Actor.system("Lee Lead")


def _text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture
def people(factory: sessionmaker[Session]) -> tuple[int, int]:
    with transaction(factory) as s:
        proj = project(s, "PDF")
        ann = participant(s, "Ann Able")
        ben = participant(s, "Ben Bright")
        mine = approve(s, ann, proj, date(2025, 10, 6), 4125, minutes=90).record.activity_id
        approve(s, ann, proj, date(2026, 1, 12), 2750, minutes=60, activity="interview_panel")
        ann.payment_preference = "decline"
        approve(s, ann, proj, date(2026, 2, 2), 1375, minutes=30, declined=True)
        others = approve(s, ben, proj, date(2025, 11, 3), 2750, minutes=60).record.activity_id
        add_outcome(s, CLI, OutcomeIn(text="The waiting room now has quiet hours.", date=date(2025, 12, 1),
                                      activity=mine), today=date(2026, 3, 1))
        add_outcome(s, CLI, OutcomeIn(text="Ben's group changed the menu.", date=date(2025, 12, 1),
                                      activity=others), today=date(2026, 3, 1))
        return ann.id, ben.id


@pytest.mark.parametrize("style", ["standard", "large_print", "easy_read"])
def test_each_style_reads_back(factory: sessionmaker[Session], people: tuple[int, int], style: str) -> None:
    ann, _ben = people
    with transaction(factory) as s:
        record = issue_record(s, CLI, ann, style=style, today=date(2026, 3, 1))
    text = _text(render_record(record))
    assert record.code is not None and record.code in text
    assert "/verify" in text  # the checking page (its full address when LEDGER_PUBLIC_URL is set)
    assert "Ann Able" in text and "Northshire Health and Care NHS Trust" in text
    assert "Priya Shah" in text and "0161 496 0000" in text  # signed off with the contact
    assert "3 hours" in text  # 90 + 60 + 30 minutes in all
    assert "The waiting room now has quiet hours." in text
    assert "Ben's group changed the menu." not in text, "only outcomes of activities she took part in"
    assert not re.search(r"£\s*\d", text), "no money unless asked (the coin picture draws a bare £)"
    if style == "easy_read":
        assert "You chose not to be paid for 30 minutes" in text
        assert "Your record of taking part" in text
    else:
        assert "Given without pay" in text and "Interview panel member" in text
        assert "2025" in text and "2026" in text  # time by year


def test_amounts_shown_when_asked(factory: sessionmaker[Session], people: tuple[int, int]) -> None:
    ann, _ben = people
    with transaction(factory) as s:
        record = build_record(s, ann, style="standard", include_amounts=True, today=date(2026, 3, 1))
    text = _text(render_record(record))
    assert "Value of time given without pay £13.75" in text
    assert "Paid to them £0.00" in text  # approved but not paid yet: not "paid"


def test_easy_read_record_reads_easily(factory: sessionmaker[Session], people: tuple[int, int]) -> None:
    from reports.readability import flesch_reading_ease

    ann, _ben = people
    with transaction(factory) as s:
        record = issue_record(s, CLI, ann, style="easy_read", today=date(2026, 3, 1))
    standard = _text(render_record(replace(record, style="standard")))
    easy = _text(render_record(record))
    assert flesch_reading_ease(easy) >= 80, flesch_reading_ease(easy)
    assert flesch_reading_ease(standard) >= 60, flesch_reading_ease(standard)
