"""Participant statements read back as text: the words and sums a participant will actually see."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from statement_samples import ORGANISATION

from ledger.errors import Invalid
from ledger.exports.pdf import render_statement
from ledger.exports.pdf.statement_text import JARGON, short_reason
from ledger.reports.statement_data import (
    PeriodTotal,
    Statement,
    StatementActivity,
    StatementLine,
    StatementPayment,
    WatchLimitInfo,
)

D = Decimal


def fee(explanation: str, amount: str, kind: str = "involvement") -> StatementLine:
    return StatementLine(kind, explanation, D(amount), True)


def cost(explanation: str, amount: str, kind: str = "expense") -> StatementLine:
    return StatementLine(kind, explanation, D(amount), False)


def activity(
    day: date,
    lines: tuple[StatementLine, ...],
    *,
    minutes: int,
    status: str = "paid",
    declined: bool = False,
    label: str = "Meeting",
    project: str = "Better Discharge",
    role: str = "member",
    mode: str = "in_person",
) -> StatementActivity:
    fees = sum((line.amount for line in lines if line.is_fee), D(0))
    expenses = sum((line.amount for line in lines if not line.is_fee), D(0))
    return StatementActivity(
        date=day,
        project_name=project,
        activity_label=label,
        role=role,
        mode=mode,
        minutes=minutes,
        lines=lines,
        fees=fees,
        expenses=expenses,
        declined=declined,
        status=status,  # type: ignore[arg-type]
    )


def sample_activities() -> tuple[StatementActivity, ...]:
    """Six counted activities, 14 hours 30 minutes; fees paid 398.75, expenses paid 62.40; 2 h declined."""
    return (
        activity(
            date(2025, 11, 3),
            (
                fee("2 hours meeting at £25.00 an hour", "50.00"),
                fee("1 hour preparation at £25.00 an hour, capped at the meeting time", "25.00", "preparation"),
                cost("Bus fare, receipt R-17", "6.40"),
            ),
            minutes=180,
        ),
        activity(
            date(2025, 11, 17),
            (
                fee(
                    "1 hour 30 minutes steering group at £37.50 an hour as chair; "
                    "you were in the meeting for 1 hour 22 minutes, rounded up to the next 15 minutes",
                    "56.25",
                ),
                fee("1 hour follow-up support at £25.00 an hour", "25.00", "follow_up"),
                cost("Mileage: 40 miles at £0.45 a mile", "18.00", "mileage"),
            ),
            minutes=150,
            role="chair",
            label="Steering group",
        ),
        activity(
            date(2025, 12, 1),
            (
                fee("3 hours co-facilitation at £41.25 an hour", "123.75"),
                fee("1 hour preparation at £41.25 an hour", "41.25", "preparation"),
                cost("Carer cover, receipt C-2", "30.00"),
            ),
            minutes=240,
            label="Co-facilitated workshop",
        ),
        activity(
            date(2025, 12, 8),
            (
                fee("2 hours document review at £27.50 an hour", "55.00"),
                cost("Online allowance for phone, data and printing", "5.00", "online_allowance"),
            ),
            minutes=120,
            mode="online",
            label="Document review",
        ),
        activity(
            date(2025, 12, 15),
            (fee("1 hour meeting at £22.50 an hour", "22.50"), cost("Parking, receipt P-9", "3.00")),
            minutes=60,
        ),
        activity(
            date(2025, 12, 22),
            (fee("2 hours interview panel at £27.50 an hour", "55.00"),),
            minutes=120,
            status="declined",
            declined=True,
            label="Interview panel",
        ),
    )


def sample_statement(**changes: object) -> Statement:
    base = Statement(
        participant_reference="P-0003",
        participant_name="Sam",
        organisation_name="Northshire Health & Care",
        period_from=date(2025, 11, 1),
        period_to=date(2025, 12, 31),
        currency="GBP",
        style="standard",
        rate_card_sources=("NIHR-style public involvement payment guidance (illustrative rates)",),
        activities=sample_activities(),
        payments=(
            StatementPayment(date(2025, 11, 28), "Bank transfer", "NHC B-0001", D("156.25"), D("24.40"), D("180.65")),
            StatementPayment(date(2025, 12, 29), "Bank transfer", "NHC B-0002", D("242.50"), D("38.00"), D("280.50")),
        ),
        tax_years=(
            PeriodTotal(
                "Tax year 2025 to 2026",
                D("398.75"),
                D("62.40"),
                D("55.00"),
                D("1000.00"),
                "Trading allowance",
            ),
        ),
        weeks=(
            PeriodTotal(
                "Week of Monday 1 December 2025",
                D("165.00"),
                D("30.00"),
                D("0.00"),
                D("195.50"),
                "ESA weekly limit",
            ),
            PeriodTotal(
                "Week of Monday 17 November 2025",
                D("201.25"),
                D("18.00"),
                D("0.00"),
                D("195.50"),
                "ESA weekly limit",
            ),
        ),
        watch_limits=(
            WatchLimitInfo("week", D("195.50"), "ESA weekly limit"),
            WatchLimitInfo("tax_year", D("1000.00"), "Trading allowance"),
        ),
        generated_on=date(2026, 1, 5),
        contact=ORGANISATION,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]


def flat(pdf: bytes) -> str:
    """All text with whitespace collapsed, so sentences wrapped over lines can be matched whole."""
    return " ".join(" ".join(pages_text(pdf)).split())


@pytest.mark.parametrize("style", ["standard", "large_print", "easy_read"])
def test_every_style_opens_with_the_exact_numbers(style: str) -> None:
    text = flat(render_statement(sample_statement(style=style)))
    assert text.startswith("Your ")
    if style == "easy_read":
        for line in (
            "You took part 6 times.",
            "You gave 14 hours 30 minutes of your time.",
            "We paid you £398.75 for your time.",
            "We paid you back £62.40 for travel and other costs.",
            "You chose not to be paid for 2 hours. That time was worth £55.00. Thank you.",
        ):
            assert line in text
    else:
        assert (
            "You took part in 6 activities for 14 hours 30 minutes. We paid you £398.75 for your time "
            "and £62.40 back for travel and other costs. You chose not to be paid for 2 hours. "
            "That time was worth £55.00. Thank you."
        ) in text


@pytest.mark.parametrize("style", ["standard", "large_print", "easy_read"])
def test_every_explanation_and_payment_is_shown(style: str) -> None:
    statement = sample_statement(style=style)
    text = flat(render_statement(statement))
    for act in statement.activities:
        if style == "easy_read":
            # Easy Read says how money was worked out in plain words, not the engine's sums.
            amount = f"worth £{act.fees}" if act.declined else f"Money for your time: £{act.fees}"
            assert amount in text
            continue
        for line in act.lines:
            assert short_reason(line.explanation, act.activity_label) in text, line.explanation
    for payment in statement.payments:
        assert payment.reference in text
    assert ("to your bank" if style == "easy_read" else "Bank transfer") in text
    assert "£180.65" in text and "£280.50" in text
    if style == "easy_read":  # no rate-card sources or versions in Easy Read
        assert "Where our rates come from" not in text and "NIHR" not in text
    else:
        assert "Where our rates come from" in text
        assert "NIHR-style public involvement payment guidance" in text
    # Every style names the contact person with a phone number and email.
    assert "Amira Khan" in text and "0161 496 0123" in text and "involvement@northshire.example" in text


def test_standard_keeps_fees_and_expenses_apart_and_shows_totals() -> None:
    text = flat(render_statement(sample_statement()))
    assert "For your time Costs paid back" in text
    assert "Paid to you £398.75 £62.40" in text
    assert "Not paid yet £0.00 £0.00" in text
    assert "You chose not to be paid (value of your time) £55.00" in text
    assert "They are not income" in text
    # per activity: fees then expenses in their own columns
    assert "£75.00 £6.40" in text
    assert "worth £55.00" in text
    # declined time with its value, and the tax-year and weekly totals with their limits
    assert "You chose not to be paid for some of your time." in text
    assert "Tax year 2025 to 2026 £398.75 £62.40 £55.00 Trading allowance: £1,000.00" in text
    assert "ESA weekly limit: £195.50 a week" in text
    assert "Week of Monday 17 November 2025 £201.25 Over the limit" in text
    assert text.count("Over the limit") == 1


def test_owed_and_reversed_wording() -> None:
    acts = (
        activity(date(2025, 11, 3), (fee("2 hours meeting at £25.00 an hour", "50.00"),), minutes=120, status="owed"),
        activity(date(2025, 11, 4), (cost("Train fare, receipt T-1", "12.30"),), minutes=60, status="owed"),
        activity(date(2025, 11, 5), (fee("1 hour meeting at £25.00 an hour", "25.00"),), minutes=60, status="reversed"),
    )
    statement = sample_statement(activities=acts, payments=(), tax_years=(), weeks=(), watch_limits=())
    text = flat(render_statement(statement))
    assert (
        "You took part in 2 activities for 3 hours. We still owe you £50.00 for your time and £12.30 for "
        "travel and other costs. This will come in a later payment."
    ) in text
    assert "1 activity was recorded by mistake and then cancelled." in text
    assert "£25.00 not counted" in text
    assert "No payments were made to you in this period." in text
    assert "We paid you" not in text
    easy = flat(render_statement(replace(statement, style="easy_read")))
    assert "We still owe you £50.00 for your time." in easy
    assert "We will pay you this later." in easy
    assert "We made a mistake and took it off." in easy


def test_easy_read_has_no_jargon_and_large_type() -> None:
    pdf = render_statement(sample_statement(style="easy_read"))
    text = flat(pdf).lower()
    for word in JARGON:
        assert word not in text, word
    assert "it does not count for benefits or tax." in text
    # body type is 16 point or more: every font size set in the page content is at least 14 (the footer)
    sizes = _font_sizes(pdf)
    assert min(sizes) >= 14
    assert sum(1 for s in sizes if s >= 16) > len(sizes) * 0.9


def test_large_print_type_sizes() -> None:
    sizes = _font_sizes(render_statement(sample_statement(style="large_print")))
    assert min(sizes) >= 14
    assert max(sizes) >= 20
    standard = _font_sizes(render_statement(sample_statement()))
    assert min(standard) < 14


def _font_sizes(pdf: bytes) -> list[Decimal]:
    sizes = []
    for page in PdfReader(BytesIO(pdf)).pages:
        content = page.get_contents()
        assert content is not None
        for block in re.findall(rb"BT (.*?) ET", content.get_data(), flags=re.S):
            if b"Tj" in block:  # only text that is shown, not ReportLab's initial font setting
                sizes += [D(m.decode()) for m in re.findall(rb"/F\d+(?:\+\d+)? ([\d.]+) Tf", block)]
    assert sizes
    return sizes


@pytest.mark.parametrize("style", ["standard", "large_print", "easy_read"])
def test_long_statement_splits_over_numbered_pages(style: str) -> None:
    start = date(2025, 4, 7)
    acts = tuple(
        activity(
            start + timedelta(days=i),
            (
                fee(f"Activity number {i:03d}: 1 hour meeting at £25.00 an hour", "25.00"),
                cost(f"Bus fare for activity {i:03d}", "3.20"),
            ),
            minutes=60,
        )
        for i in range(200)
    )
    statement = sample_statement(
        activities=acts,
        period_from=date(2025, 4, 6),
        period_to=date(2026, 4, 5),
        style=style,
        payments=(),
        weeks=(),
    )
    pages = pages_text(render_statement(statement))
    total = len(pages)
    assert total >= 5
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
    text = " ".join(" ".join(pages).split())
    for i in range(200):
        if style == "easy_read":
            day = start + timedelta(days=i)
            assert f"{day.day} {day:%B} {day.year}" in text
        else:
            assert f"Activity number {i:03d}: 1 hour meeting" in text
    assert ("You took part 200 times" if style == "easy_read" else "You took part in 200 activities") in text
    assert "£5,000.00" in text and "£640.00" in text
    if style != "easy_read":
        # the table's header row is repeated on every page the activities run onto
        header = "What happened and how we worked it out"
        assert sum(header in " ".join(page.split()) for page in pages) >= 3
    if style == "standard":
        # each activity is one row with its reasons: after the repeated header comes a date
        for page in pages[1:]:
            after = " ".join(page.split()).partition("Costs paid back ")[2]
            if after and "Payments made to you" not in after[:40] and not after.startswith("Chose not"):
                assert re.match(r"\d{1,2} [A-Z][a-z]{2} 20\d\d ", after), after[:60]


@pytest.mark.parametrize("style", ["standard", "large_print", "easy_read"])
def test_activity_longer_than_a_page_still_prints_every_line(style: str) -> None:
    lines = tuple(cost(f"Taxi number {i}, receipt T-{i}", "12.00") for i in range(80))
    statement = sample_statement(
        activities=(activity(date(2025, 11, 3), lines, minutes=60),), style=style, payments=(), weeks=()
    )
    text = flat(render_statement(statement))
    if style != "easy_read":  # Easy Read says "This was for taxi number ..." once per kind of cost
        assert all(f"Taxi number {i}, receipt T-{i}" in text for i in range(80))
    assert "£960.00" in text


@pytest.mark.parametrize("style", ["standard", "large_print", "easy_read"])
def test_same_data_gives_identical_bytes(style: str) -> None:
    assert render_statement(sample_statement(style=style)) == render_statement(sample_statement(style=style))


def test_metadata_for_screen_readers() -> None:
    pdf = render_statement(sample_statement())
    reader = PdfReader(BytesIO(pdf))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Payment statement for P-0003, 1 November 2025 to 31 December 2025"
    assert meta.author == "Northshire Health & Care"
    assert meta.subject
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712 (a PDF boolean)
    assert b"CreationDate (D:20000101000000" in pdf  # fixed: no real timestamp leaks in


def test_names_with_markup_characters_print_as_written() -> None:
    acts = (activity(date(2025, 11, 3), (fee("1 hour <pilot> at £25.00 & more", "25.00"),), minutes=60),)
    text = flat(render_statement(sample_statement(activities=acts, participant_name="Jo <J> & Co")))
    assert "Jo <J> & Co" in text
    assert "1 hour <pilot> at £25.00 & more" in text


def test_empty_period_says_so() -> None:
    statement = sample_statement(activities=(), payments=(), tax_years=(), weeks=(), watch_limits=())
    text = flat(render_statement(statement))
    assert "There are no activities on this statement for this period." in text
    assert "Page 1 of 1" in text


def test_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(Invalid, match="period starts \\(2026-01-01\\) after it ends \\(2025-12-31\\)") as info:
        sample_statement(period_from=date(2026, 1, 1), period_to=date(2025, 12, 31))
    assert info.value.problems[0].field == "period_from"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"style": "comic"}, "style", "'comic' is not one of standard, large_print, easy_read"),
        ({"currency": "XYZ"}, "currency", "unknown currency"),
        ({"participant_name": "  "}, "participant_name", "non-empty"),
        ({"activities": list(sample_activities())}, "activities", "must be a tuple"),
        ({"watch_limits": ()}, "weeks", "only when the participant has a weekly limit"),
    ],
)
def test_bad_statement_fields_are_named(changes: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as info:
        sample_statement(**changes)
    assert info.value.problems[0].field == field


def test_bad_activities_are_refused() -> None:
    good = sample_activities()[0]
    cases: list[tuple[StatementActivity, str, str]] = [
        (replace(good, date=date(2025, 10, 31)), "activities[0].date", "outside the statement period"),
        (replace(good, fees=D("99.00")), "activities[0].fees", "not the sum of its fee lines"),
        (replace(good, expenses=D("1.00")), "activities[0].expenses", "not the sum of its expense lines"),
        (replace(good, minutes=-5), "activities[0].minutes", "whole number"),
        (replace(good, status="lost"), "activities[0].status", "not one of"),  # type: ignore[arg-type]
        (replace(good, status="declined"), "activities[0].status", "needs declined=True"),
        (replace(good, status="declined", declined=True), "activities[0].status", "nothing is paid or owed"),
        (
            replace(good, lines=(fee("x", "75.005"), cost("y", "6.40")), fees=D("75.005")),
            "activities[0].fees",
            "more decimal places",
        ),
        (replace(good, lines=(), fees=75.0), "activities[0].fees", "must be a Decimal"),  # type: ignore[arg-type]
    ]
    for bad, field, message in cases:
        with pytest.raises(Invalid, match=message) as info:
            sample_statement(activities=(bad,))
        assert info.value.problems[0].field == field


def test_payment_total_must_add_up() -> None:
    bad = StatementPayment(date(2025, 11, 28), "Bank transfer", "NHC B-0001", D("10.00"), D("2.00"), D("13.00"))
    with pytest.raises(Invalid, match="not fees plus expenses") as info:
        sample_statement(payments=(bad,))
    assert info.value.problems[0].field == "payments[0].total"
