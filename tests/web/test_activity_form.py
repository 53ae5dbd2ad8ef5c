"""The activity form's own reading (no app): rows added by buttons, blank rows skipped, problems renumbered."""

from __future__ import annotations

from datetime import date

from ledger.web.pages.lead.activity_form import FormShape, read_activity, service_field

BASE = {"project": "3", "activity": "meeting", "mode": "online", "rows": "3",
        "attendees[0].expense_rows": "1", "attendees[1].expense_rows": "2", "attendees[2].expense_rows": "1"}


def test_buttons_add_rows_within_limits() -> None:
    shape = FormShape.read({**BASE, "rows": "999", "attendees[1].expense_rows": "junk"})
    assert shape.rows == 60 and shape.expense_rows[1] == 1
    shape = FormShape.read(BASE)
    assert shape.act("add-attendee") and (shape.rows, shape.expense_rows) == (4, [1, 2, 1, 1])
    assert shape.act("add-expense-1") and shape.expense_rows[1] == 3
    assert shape.act("add-expense-99") and shape.expense_rows == [1, 3, 1, 1]  # a forged row changes nothing
    assert not shape.act("save") and not shape.act(None)


def test_blank_rows_are_skipped_and_problems_named_by_form_row() -> None:
    values = {**BASE,
              "attendees[0].participant": "7", "attendees[0].involvement_minutes": "90",
              # row 1 left empty: skipped
              "attendees[2].participant": "9", "attendees[2].involvement_minutes": "1,441",
              "attendees[2].mileage.miles": "12",
              "attendees[2].expenses[0].amount": "4.50"}
    read = read_activity(values, FormShape.read(values), date(2026, 1, 7), [])
    assert read.data is not None and [a.participant for a in read.data.attendees] == [7]
    assert read.rows == [0]
    assert {p.field for p in read.problems} == {"attendees[2].involvement_minutes", "attendees[2].mileage.vehicle",
                                                "attendees[2].expenses[0].category"}


def test_whole_activity_problems_and_nobody() -> None:
    read = read_activity({"rows": "1", "mode": "by post"}, FormShape(), None,
                         [])
    assert read.data is None
    assert {p.field for p in read.problems} == {"project", "activity", "mode", "attendees[0].participant"}


def test_service_problems_are_renumbered_to_form_rows() -> None:
    rows = [0, 2, 5]  # the service saw three attendees; the form had blank rows between them
    assert service_field("attendees[1].expenses[0].receipt", rows) == "attendees[2].expenses[0].receipt"
    assert service_field("attendees[2].role", rows) == "attendees[5].role"
    assert service_field("date", rows) == "date"
