"""Importing involvement from messy spreadsheets: the report, and what is (not) in the ledger afterwards."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from involvement.support import ADMIN, FINANCE, LEAD, participant, project
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import Activity, AuditEvent, Record, RecordStatus, Role
from ledger.errors import Forbidden
from ledger.imports import run_import
from ledger.imports.report import ImportReport
from ledger.security.actor import Actor

from .files import csv_bytes, messy_activities, with_saved_value, xlsx_bytes


def counts(session: Session) -> tuple[int, int, int]:
    return (session.scalar(select(func.count()).select_from(Activity)) or 0,
            session.scalar(select(func.count()).select_from(Record)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("import.%"))) or 0)


def problems_at(report: ImportReport) -> dict[tuple[int | None, str | None], str]:
    return {(p.row, p.column): p.message for p in report.problems}


@pytest.fixture
def people(session: Session) -> dict[str, int]:
    steer = project(session, "STEER")
    jo = participant(session, name="Jo Smith")
    sam = participant(session, "voucher", name="Sam Jones")
    return {"steer": steer.id, "jo": jo.id, "sam": sam.id, "jo_ref": jo.reference, "sam_ref": sam.reference}


def test_a_messy_csv_dry_run_names_every_problem_by_row_and_column_and_saves_nothing(
        session: Session, people: dict[str, Any]) -> None:
    before = counts(session)
    report = run_import(session, LEAD, "activities", csv_bytes(messy_activities(people['sam_ref'])), dry_run=True)
    assert counts(session) == before, "a dry run saves nothing"
    assert report.dry_run and not report.saved and report.file_format == "csv"
    assert report.notes[0] == "headings found in row 3"
    assert "column J (Notes) is not a column the ledger reads: left out" in report.notes
    found = problems_at(report)
    assert list(found) == [(10, "D")], report.problems
    assert "no participant with the name 'Nobody Here'" in found[(10, "D")]
    assert report.problems[0].what_to_do and "add the person first" in report.problems[0].what_to_do
    assert [(n.row, n.note) for n in report.already_there] == [
        (9, "repeats row 8 (same person, project, date and activity)")]
    assert report.added_rows == [[4, 5], [7, 8]]  # what a real run would add, were it not for row 10
    assert report.rows_read == 6  # rows 4-10 less the blank row 6


def test_a_real_run_with_one_bad_row_leaves_nothing_behind(session: Session, people: dict[str, Any]) -> None:
    before = counts(session)
    report = run_import(session, LEAD, "activities", csv_bytes(messy_activities(people['sam_ref'])), dry_run=False)
    assert not report.saved and report.problems
    assert report.added.records == 0 and report.added_rows == []
    assert "Nothing was imported" in report.summary
    assert counts(session) == before, "all or nothing: the good rows were not kept either"


def test_a_clean_import_adds_submitted_records_once_and_a_second_run_adds_nothing(
        session: Session, people: dict[str, Any]) -> None:
    rows = messy_activities(people['sam_ref'])[:-1]  # without the unknown person
    before = counts(session)
    report = run_import(session, LEAD, "activities", csv_bytes(rows), dry_run=False)
    assert report.problems == [] and report.saved, report.problems
    assert (report.added.activities, report.added.records) == (3, 4)
    activities, records, events = counts(session)
    assert (activities - before[0], records - before[1], events - before[2]) == (3, 4, 1)
    stored = session.scalars(select(Record).order_by(Record.id)).all()[-4:]
    assert {r.status for r in stored} == {RecordStatus.SUBMITTED}, "imported records are never approved"
    first = stored[0]
    assert (first.participant_id, first.involvement_minutes, first.preparation_minutes) == (people["jo"], 90, 30)
    assert [(e.category, e.amount_minor) for e in first.expenses] == [("public_transport", 450)]
    taxi = stored[2]
    assert [(e.category, e.amount_minor, e.receipt) for e in taxi.expenses] == [("taxi", 101200, "R-77")]
    assert taxi.activity.date == dt.date(2026, 1, 21)
    meeting = session.get(Activity, first.activity_id)
    assert meeting is not None and {r.participant_id for r in meeting.records} == {people["jo"], people["sam"]}

    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "import.activities")).one()
    assert event.entity_id == report.file_sha256 and event.actor == LEAD.name
    assert event.after is not None and event.after["added"]["records"] == 4
    assert event.after["file_sha256"] == report.file_sha256

    again = run_import(session, LEAD, "activities", csv_bytes(rows), dry_run=False)
    assert again.problems == [] and not again.saved and again.added.records == 0
    assert counts(session) == (activities, records, events), "the same file again adds nothing, not even an event"
    assert [n.row for n in again.already_there] == [4, 5, 7, 8, 9]
    assert again.already_there[0].note.startswith("already in the ledger: record")
    assert "Nothing new to import" in again.summary


def test_an_xlsx_with_merged_headings_a_title_row_and_a_saved_formula(session: Session, people: dict[str, Any]) -> None:
    rows = messy_activities(people['sam_ref'])[:-1]
    rows[4][4] = "=60+30"  # row 5's time is a formula Excel worked out as 90
    book = with_saved_value(xlsx_bytes(rows, merges=("A1:J1", "G2:I2"), extra_sheets=("Notes",)), "60+30", "90")
    report = run_import(session, ADMIN, "activities", book, dry_run=False)
    assert report.problems == [] and report.file_format == "xlsx", report.problems
    assert report.added.records == 4
    sam = session.scalars(select(Record).where(Record.participant_id == people["sam"])).one()
    assert sam.involvement_minutes == 90, "the formula's saved value, never the formula"


def test_a_formula_without_a_saved_value_is_a_problem_not_a_blank(session: Session, people: dict[str, Any]) -> None:
    rows = messy_activities(people['sam_ref'])[:-1]
    rows[4][4] = "=60+30"
    report = run_import(session, ADMIN, "activities", xlsx_bytes(rows), dry_run=True)
    found = problems_at(report)
    assert list(found) == [(5, "E")], report.problems
    assert "formula" in found[(5, "E")]


def test_an_excel_date_cell_and_serial_number_are_dates(session: Session, people: dict[str, Any]) -> None:
    rows = [["Project", "Date", "Activity", "Participant", "Time"],
            ["STEER", dt.datetime(2026, 1, 7), "meeting", "Jo Smith", 60],
            ["STEER", 46036, "meeting", "Jo Smith", dt.time(1, 30)]]  # 46036 is 14 January 2026
    report = run_import(session, ADMIN, "activities", xlsx_bytes(rows), dry_run=False)
    assert report.problems == [], report.problems
    stored = session.scalars(select(Record).order_by(Record.id)).all()[-2:]
    assert [(r.activity.date, r.involvement_minutes) for r in stored] == [
        (dt.date(2026, 1, 7), 60), (dt.date(2026, 1, 14), 90)]


def test_a_day_month_date_is_refused_when_other_dates_in_the_file_are_month_first(
        session: Session, people: dict[str, Any]) -> None:
    rows = [["Project", "Date", "Activity", "Participant", "Time"],
            ["STEER", "03/04/2026", "meeting", "Jo Smith", 60],  # 3 April? 4 March?
            ["STEER", "01/23/2026", "meeting", "Sam Jones", 60]]  # only month first: 23 January
    report = run_import(session, ADMIN, "activities", csv_bytes(rows), dry_run=True)
    found = problems_at(report)
    assert set(found) == {(2, "B"), (3, "B")}
    assert "could be 3 April 2026 or 4 March 2026" in found[(2, "B")] and "row 3" in found[(2, "B")]
    assert "month first" in found[(3, "B")]
    alone = run_import(session, ADMIN, "activities", csv_bytes(rows[:2]), dry_run=False)
    assert alone.problems == [], "in a file with no month-first dates, 03/04/2026 is 3 April"
    assert session.scalars(select(Activity).order_by(Activity.id.desc())).first().date == dt.date(2026, 4, 3)


def test_an_unknown_activity_type_and_a_name_two_people_share_are_errors(
        session: Session, people: dict[str, Any]) -> None:
    participant(session, name="Jo Smith")  # a second Jo Smith
    sam = people["sam_ref"]
    rows = [["Project", "Date", "Activity", "Participant", "Time"],
            ["STEER", "07/01/2026", "focus group", sam, 60],
            ["STEER", "07/01/2026", "meeting", "Jo Smith", 60],
            ["STEER", "07/01/2026", "meeting", sam, "1.5"]]
    report = run_import(session, ADMIN, "activities", csv_bytes(rows), dry_run=True)
    found = problems_at(report)
    assert "'focus group' is not an activity type" in found[(2, "C")]
    assert report.problems[0].what_to_do and "meeting (Meeting, workshop or focus group)" in \
        report.problems[0].what_to_do
    assert "matches 2 people" in found[(3, "D")]
    assert "could be minutes or hours" in found[(4, "E")]


def test_the_services_rules_come_back_on_the_right_row_and_column(session: Session, people: dict[str, Any]) -> None:
    rows = [["Project", "Date", "Activity", "Participant", "Time", "Expense type", "Expense amount", "Role"],
            ["STEER", "07/01/2026", "meeting", "Jo Smith", 60, "taxi", "25.00", None],  # no receipt above £10
            ["STEER", "07/01/2026", "meeting", "Sam Jones", 60, None, None, "queen"]]  # no such role
    report = run_import(session, ADMIN, "activities", csv_bytes(rows), dry_run=True)
    found = problems_at(report)
    assert set(found) == {(2, "G"), (3, "H")}, report.problems  # no receipt column: shown on the amount
    assert "receipt" in found[(2, "G")]
    assert "chair" in found[(3, "H")]


def test_the_same_person_and_activity_with_different_figures_is_an_error(
        session: Session, people: dict[str, Any]) -> None:
    rows = [["Project", "Date", "Activity", "Participant", "Time"],
            ["STEER", "07/01/2026", "meeting", "Jo Smith", 60],
            ["STEER", "07/01/2026", "meeting", "Jo Smith", 90]]
    report = run_import(session, ADMIN, "activities", csv_bytes(rows), dry_run=True)
    assert list(problems_at(report)) == [(3, "D")]
    assert "different times or expenses" in report.problems[0].message


def test_a_lead_limited_to_one_project_cannot_import_into_another(session: Session, people: dict[str, Any]) -> None:
    other = project(session, "OTHER")
    elsewhere = Actor(token_id=99, name="Lou Elsewhere", role=Role.LEAD, project_ids=(other.id,))
    rows = [["Project", "Date", "Activity", "Participant", "Time"],
            ["STEER", "07/01/2026", "meeting", people["jo_ref"], 60]]
    before = counts(session)
    report = run_import(session, elsewhere, "activities", csv_bytes(rows), dry_run=False)
    assert not report.saved and counts(session) == before
    assert "you may not import into project STEER" in problems_at(report)[(2, "A")]
    # and in their own project, they still cannot see (or record for) people of another project
    rows[1][0] = "OTHER"
    report = run_import(session, elsewhere, "activities", csv_bytes(rows), dry_run=True)
    assert f"no participant with the reference {people['jo_ref']}" in problems_at(report)[(2, "D")]


@pytest.mark.parametrize("actor", [FINANCE, Actor(token_id=7, name="Audrey", role=Role.AUDITOR)])
def test_only_leads_and_administrators_import(session: Session, people: dict[str, Any], actor: Actor) -> None:
    rows = [["Project", "Date", "Activity", "Participant", "Time"],
            ["STEER", "07/01/2026", "meeting", people["jo_ref"], 60]]
    with pytest.raises(Forbidden):
        run_import(session, actor, "activities", csv_bytes(rows), dry_run=True)


def test_file_problems_are_reported_not_raised(session: Session, people: dict[str, Any]) -> None:
    no_headings = run_import(session, ADMIN, "activities", csv_bytes([["a", "b"], ["c", "d"]]), dry_run=True)
    assert no_headings.problems[0].row is None and "no heading row" in no_headings.problems[0].message
    missing = run_import(session, ADMIN, "activities", csv_bytes([["Date", "Participant"], ["07/01/2026", "x"]]),
                         dry_run=True)
    assert {p.message for p in missing.problems} >= {"there is no Activity type column",
                                                     "there is no Time taking part column"}
    old_excel = run_import(session, ADMIN, "activities", b"\xd0\xcf\x11\xe0" + b"\0" * 100, dry_run=True)
    assert "old-style Excel file" in old_excel.problems[0].message
    broken = run_import(session, ADMIN, "activities", b"PK\x03\x04 not really a zip", dry_run=True)
    assert "could not be opened" in broken.problems[0].message


def test_a_project_named_for_the_whole_file_and_semicolons_and_windows_1252(
        session: Session, people: dict[str, Any]) -> None:
    rows = [["Date", "Activity", "Name", "Time", "Expense amount", "Expense type"],
            ["07/01/2026", "meeting", "Jo Smith", "2 hours", "£3.20", "Public transport (bus, train, tram)"]]
    data = csv_bytes(rows, encoding="cp1252", delimiter=";")
    refused = run_import(session, ADMIN, "activities", data, dry_run=True)
    assert "no Project column" in refused.problems[0].message
    report = run_import(session, ADMIN, "activities", data, dry_run=False, project="steer")
    assert report.problems == [] and report.saved, report.problems
    record = session.scalars(select(Record).order_by(Record.id.desc())).first()
    assert record is not None and record.involvement_minutes == 120
    assert [(e.category, e.amount_minor) for e in record.expenses] == [("public_transport", 320)]


def test_the_templates_example_row_is_never_imported(session: Session, people: dict[str, Any]) -> None:
    from ledger.imports.templates import template_csv, template_xlsx

    for data in (template_csv("activities"), template_xlsx("activities")):
        report = run_import(session, ADMIN, "activities", data, dry_run=True)
        assert [(p.row, p.message) for p in report.problems] == [(2, "this is the template's example row")]


def test_a_workbook_that_states_the_wrong_size_is_read_whole(session: Session, people: dict[str, Any]) -> None:
    """Some programs write a sheet size of A1; the rows and columns in the file are what counts."""
    import io
    import re
    import zipfile

    rows = [["Project", "Date", "Activity", "Participant", "Time"],
            ["STEER", "07/01/2026", "meeting", "Jo Smith", 60], ["STEER", "08/01/2026", "meeting", "Jo Smith", 30]]
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data, count = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
                assert count == 1
            target.writestr(item, data)
    report = run_import(session, ADMIN, "activities", out.getvalue(), dry_run=True)
    assert report.problems == [] and report.added.records == 2, report.problems


def test_a_meeting_typed_with_its_details_merged_down_its_rows(session: Session, people: dict[str, Any]) -> None:
    """Project, date and type typed once and merged down the meeting's rows: each row gets them."""
    rows = [["Project", "Date", "Activity", "Participant", "Time"],
            ["STEER", "07/01/2026", "meeting", "Jo Smith", 60],
            [None, None, None, people["sam_ref"], 90],
            ["STEER", "08/01/2026", "meeting", "Jo Smith", 30]]
    book = xlsx_bytes(rows, merges=("A2:A3", "B2:B3", "C2:C3"))
    report = run_import(session, ADMIN, "activities", book, dry_run=False)
    assert report.problems == [] and (report.added.activities, report.added.records) == (2, 3), report.problems
    sam = session.scalars(select(Record).where(Record.participant_id == people["sam"])).one()
    assert sam.activity.date == dt.date(2026, 1, 7) and sam.involvement_minutes == 90
    unmerged = run_import(session, ADMIN, "activities", xlsx_bytes(rows), dry_run=True)
    assert {(p.row, p.column) for p in unmerged.problems} == {(3, "A"), (3, "B"), (3, "C")}, \
        "blank cells that are not merged are still missing, never guessed from the row above"


def test_a_heading_merged_across_two_columns_is_one_column(session: Session, people: dict[str, Any]) -> None:
    rows = [["Project", "Date", None, "Activity", "Participant", "Time"],
            ["STEER", "07/01/2026", None, "meeting", "Jo Smith", 60]]
    report = run_import(session, ADMIN, "activities", xlsx_bytes(rows, merges=("B1:C1",)), dry_run=True)
    assert report.problems == [] and report.added.records == 1, report.problems
