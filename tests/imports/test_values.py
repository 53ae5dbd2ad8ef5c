"""One cell -> one value: what is read, and what is refused with words saying how to write it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ledger.imports.columns import column_letter, match_heading
from ledger.imports.values import (
    CellProblem,
    DateStyle,
    parse_amount,
    parse_date,
    parse_minutes,
    parse_whole,
)


def date_of(value: Any, style: DateStyle | None = None) -> dt.date:
    return parse_date(value, row=2, column="date", style=style or DateStyle())


@pytest.mark.parametrize(("value", "expected"), [
    ("14/01/2026", dt.date(2026, 1, 14)),
    ("14.01.2026", dt.date(2026, 1, 14)),
    ("2026-01-14", dt.date(2026, 1, 14)),
    ("2026-01-14 00:00:00", dt.date(2026, 1, 14)),
    ("14 January 2026", dt.date(2026, 1, 14)),
    ("14th Jan 2026", dt.date(2026, 1, 14)),
    ("January 14, 2026", dt.date(2026, 1, 14)),
    (46036, dt.date(2026, 1, 14)),  # Excel's serial number
    ("46036", dt.date(2026, 1, 14)),
    (dt.datetime(2026, 1, 14, 9, 30), dt.date(2026, 1, 14)),
    ("  03/04/2026 ", dt.date(2026, 4, 3)),  # day first when nothing in the file says otherwise
])
def test_dates_read(value: Any, expected: dt.date) -> None:
    assert date_of(value) == expected


@pytest.mark.parametrize(("value", "words"), [
    ("03/04/26", "two-digit year"),
    ("04/23/2026", "month first"),
    ("31/02/2026", "not a real date"),
    ("next Tuesday", "not a date the ledger can read"),
    (46036.5, "not a date"),
    (True, "not a date"),
])
def test_dates_refused(value: Any, words: str) -> None:
    with pytest.raises(CellProblem) as refused:
        date_of(value)
    assert words in refused.value.message and refused.value.what_to_do


def test_a_month_first_date_makes_the_files_ambiguous_dates_known() -> None:
    style = DateStyle()
    assert date_of("03/04/2026", style) == dt.date(2026, 4, 3)
    with pytest.raises(CellProblem):
        parse_date("04/23/2026", row=9, column="date", style=style)
    assert style.ambiguous == [(2, "date", "03/04/2026")] and style.month_first_example == (9, "04/23/2026")
    assert date_of("05/05/2026", style) == dt.date(2026, 5, 5)  # the same both ways: not ambiguous
    assert len(style.ambiguous) == 1


@pytest.mark.parametrize(("value", "minutes"), [
    ("90", 90), (90, 90), (90.0, 90), ("1:30", 90), ("1h 30m", 90), ("1 h 30 min", 90), ("1 hour 30 minutes", 90),
    ("1.5 hours", 90), ("2 hours", 120), ("45m", 45), (dt.time(1, 30), 90), (dt.timedelta(hours=2), 120),
    ("0", 0),
])
def test_durations_read(value: Any, minutes: int) -> None:
    assert parse_minutes(value) == minutes


def test_a_bare_number_is_hours_when_the_heading_says_hours() -> None:
    assert parse_minutes("1.5", hours=True) == 90
    assert parse_minutes(2, hours=True) == 120
    with pytest.raises(CellProblem):
        parse_minutes("1.51", hours=True)  # 90.6 minutes: not whole


@pytest.mark.parametrize("value", ["1.5", 1.5, "-30", "an hour", "1:75", dt.date(2026, 1, 1), "1.25 minutes"])
def test_durations_refused(value: Any) -> None:
    with pytest.raises(CellProblem) as refused:
        parse_minutes(value)
    assert refused.value.what_to_do


@pytest.mark.parametrize(("value", "text"), [
    ("12.40", "12.40"), ("£12.40", "12.40"), ("£ 1,234.50", "1234.50"), ("GBP 5", "5"), (12.4, "12.4"),
    (7, "7"), ("-£3.00", "-3.00"),
])
def test_amounts_read_exactly(value: Any, text: str) -> None:
    assert parse_amount(value) == text


@pytest.mark.parametrize("value", ["12,40", "1,23.00", "twelve", "£", dt.date(2026, 1, 1), "12.40.1"])
def test_amounts_refused(value: Any) -> None:
    with pytest.raises(CellProblem):
        parse_amount(value)


def test_whole_numbers() -> None:
    assert parse_whole("12", "miles") == 12 and parse_whole(12.0, "miles") == 12
    assert parse_whole("12 miles", "miles") == 12
    with pytest.raises(CellProblem):
        parse_whole("12.5", "miles")


@pytest.mark.parametrize(("written", "key", "hours"), [
    ("Date of meeting", "date", False), ("DATE:", "date", False), ("Time (mins)", "involvement_minutes", False),
    ("Time (hours)", "involvement_minutes", True), ("Prep", "preparation_minutes", False),
    ("Follow-up time", "follow_up_minutes", False), ("Expense 2 amount", "expense2_amount", False),
    ("E-mail address", "participant_email", False), ("Notes", None, False),
])
def test_headings_match_whatever_their_case_and_spacing(written: str, key: str | None, hours: bool) -> None:
    assert match_heading("activities", written) == (key, hours)


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
