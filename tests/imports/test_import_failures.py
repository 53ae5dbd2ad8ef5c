"""All or nothing under a failure half way (a database error on a late row), and re-importing the same
rows typed differently (spaces, capitals) adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from involvement.support import LEAD, participant, project
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import ledger.imports.activities as activities_module
from ledger.imports import run_import

from .files import csv_bytes
from .test_activities_import import counts

HEADINGS = ["Project", "Date", "Activity", "Participant", "Time"]


def many_rows(count: int) -> list[list[Any]]:
    start = dt.date(2026, 1, 5)
    return [HEADINGS] + [["STEER", (start + dt.timedelta(days=n)).strftime("%d/%m/%Y"), "meeting", "Jo Smith", 60]
                         for n in range(count)]


@pytest.fixture
def jo(session: Session) -> int:
    project(session, "STEER")
    return participant(session, name="Jo Smith").id


def test_a_database_error_on_a_late_row_leaves_nothing_behind(
        session: Session, jo: int, monkeypatch: pytest.MonkeyPatch) -> None:
    real = activities_module.record_activity
    calls = {"n": 0}

    def fails_on_the_90th(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 90:
            raise OperationalError("INSERT INTO records ...", {}, Exception("server closed the connection"))
        return real(*args, **kwargs)

    monkeypatch.setattr(activities_module, "record_activity", fails_on_the_90th)
    before = counts(session)
    with pytest.raises(OperationalError):
        run_import(session, LEAD, "activities", csv_bytes(many_rows(100)), dry_run=False)
    assert calls["n"] == 90
    assert counts(session) == before, "the 89 rows before the failure were not kept, nor an audit event"

    monkeypatch.setattr(activities_module, "record_activity", real)
    report = run_import(session, LEAD, "activities", csv_bytes(many_rows(100)), dry_run=False)
    assert report.saved and report.added.records == 100, "the same session works afterwards"


def test_the_same_rows_typed_with_other_spaces_and_capitals_are_already_there(session: Session, jo: int) -> None:
    first = run_import(session, LEAD, "activities", csv_bytes(many_rows(3)), dry_run=False)
    assert first.saved and first.added.records == 3
    after_first = counts(session)
    variants = [[" project ", " DATE", "activity ", "PARTICIPANT", "time"]] + [
        [" steer ", f" {date} ", "  MEETING ", "  jo   smith ", " 60 "] for _, date, _, _, _ in many_rows(3)[1:]]
    again = run_import(session, LEAD, "activities", csv_bytes(variants), dry_run=False)
    assert again.problems == [] and not again.saved, again.problems
    assert again.added.records == 0 and len(again.already_there) == 3
    assert counts(session) == after_first
