"""Outcomes on statements: only the people who took part in an activity see its outcome (a whole project's
outcome: those who took part in the project before it), in every style, and in the statement's JSON."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from payments.factory import approve, participant, project
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.exports.pdf import render_statement
from ledger.recognition.outcomes import add_outcome
from ledger.recognition.schemas import OutcomeIn
from ledger.reports.statements import build_statement, statement_json
from ledger.security.actor import Actor

LEAD = Actor.system("Lee Lead")
YEAR = (date(2025, 4, 6), date(2026, 4, 5))


def _text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


@pytest.mark.parametrize("style", ["standard", "large_print", "easy_read"])
def test_only_those_who_took_part_see_an_outcome(factory: sessionmaker[Session], style: str) -> None:
    with transaction(factory) as s:
        one, two = project(s, "ONE"), project(s, "TWO")
        ann, ben, cal = participant(s, "Ann Able"), participant(s, "Ben Bright"), participant(s, "Cal Clear")
        anns = approve(s, ann, one, date(2025, 10, 6), 4125, minutes=90).record.activity_id
        approve(s, ben, one, date(2025, 10, 6), 4125, minutes=90)
        approve(s, cal, two, date(2025, 10, 6), 4125, minutes=90)
        late = participant(s, "Dee Late")
        approve(s, late, two, date(2026, 2, 1), 4125, minutes=90)
        add_outcome(s, LEAD, OutcomeIn(text="Signs in the clinic are now bigger.", date=date(2025, 11, 1),
                                       activity=anns), today=date(2026, 3, 1))
        add_outcome(s, LEAD, OutcomeIn(text="Project two's booking line opens at weekends.", date=date(2025, 12, 1),
                                       project=two.id), today=date(2026, 3, 1))
        ids = {p.name: p.id for p in (ann, ben, cal, late)}
    seen: dict[str, str] = {}
    with transaction(factory) as s:
        for name, pid in ids.items():
            statement = build_statement(s, pid, *YEAR, style=style, today=date(2026, 3, 1))
            seen[name] = _text(render_statement(statement))
            if name == "Ann Able":
                outcomes = json.loads(statement_json(statement))["outcomes"]
                assert [o["text"] for o in outcomes] == ["Signs in the clinic are now bigger."]
    assert "Signs in the clinic are now bigger." in seen["Ann Able"]
    assert "What changed because of you" in seen["Ann Able"]
    for name in ("Ben Bright", "Cal Clear", "Dee Late"):
        assert "Signs in the clinic" not in seen[name], name
    assert "booking line opens at weekends" in seen["Cal Clear"]
    assert "booking line" not in seen["Dee Late"], "she joined after the outcome"
    assert "What changed because of you" not in seen["Ben Bright"]
