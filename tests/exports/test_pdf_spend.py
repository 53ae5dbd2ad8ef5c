"""The project spend report PDF: figures, totals and the chart."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader

from ledger.errors import Invalid
from ledger.exports.pdf import render_spend_report
from ledger.exports.pdf.chart import nice_steps
from ledger.reports.spend_data import ActivitySpend, MonthSpend, ProjectSpend, SpendReport

D = Decimal


def project_a() -> ProjectSpend:
    return ProjectSpend(
        code="BD",
        name="Better Discharge",
        budget=D("5000.00"),
        committed=D("280.00"),
        paid=D("1180.65"),
        remaining=D("3539.35"),
        fees=D("1310.25"),
        expenses=D("150.40"),
        minutes_paid=2910,
        minutes_declined=120,
        declined_value=D("55.00"),
        participants=7,
        days_to_payment_median=D("12"),
        days_to_payment_p90=D("19.5"),
        by_activity=(
            ActivitySpend("Meeting", D("910.25"), D("120.40"), 2010),
            ActivitySpend("Document review", D("400.00"), D("30.00"), 900),
        ),
        by_month=(
            MonthSpend("2025-11", D("610.25"), D("80.40")),
            MonthSpend("2025-12", D("700.00"), D("70.00")),
        ),
    )


def project_b() -> ProjectSpend:
    return ProjectSpend(
        code="YCV",
        name="Young Carers Voice",
        budget=None,
        committed=D("300.00"),
        paid=D("0.00"),
        remaining=None,
        fees=D("275.00"),
        expenses=D("25.00"),
        minutes_paid=600,
        minutes_declined=0,
        declined_value=D("0.00"),
        participants=4,
        days_to_payment_median=None,
        days_to_payment_p90=None,
        by_activity=(ActivitySpend("Meeting", D("275.00"), D("25.00"), 600),),
        by_month=(MonthSpend("2025-12", D("275.00"), D("25.00")),),
    )


def totals() -> ProjectSpend:
    return ProjectSpend(
        code="",
        name="All projects",
        budget=None,
        committed=D("580.00"),
        paid=D("1180.65"),
        remaining=None,
        fees=D("1585.25"),
        expenses=D("175.40"),
        minutes_paid=3510,
        minutes_declined=120,
        declined_value=D("55.00"),
        participants=10,
        days_to_payment_median=D("12"),
        days_to_payment_p90=D("19.5"),
    )


def report(**changes: object) -> SpendReport:
    base = SpendReport(
        title="Involvement spend",
        period_from=date(2025, 11, 1),
        period_to=date(2025, 12, 31),
        currency="GBP",
        generated_on=date(2026, 1, 5),
        projects=(project_a(), project_b()),
        totals=totals(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def flat(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages).split())


def filled_rectangles(pdf: bytes) -> int:
    count = 0
    for page in PdfReader(BytesIO(pdf)).pages:
        content = page.get_contents()
        assert content is not None
        count += len(re.findall(rb" re f", content.get_data()))
    return count


def test_spend_report_figures() -> None:
    text = flat(render_spend_report(report()))
    assert text.startswith("Involvement spend Covers 1 November 2025 to 31 December 2025. Made on 5 January 2026.")
    # Each number is named for what it is: approved = fees + expenses = paid + committed.
    assert (
        "Across 2 projects, £1,760.65 was approved for activities in this period: £1,585.25 in fees and "
        "£175.40 in expenses. Of that, £1,180.65 has been paid and £580.00 is committed (approved but not "
        "paid yet). People gave 58 hours 30 minutes of involvement that is paid for, and 2 hours without "
        "pay, worth £55.00. 10 people took part. Half of the payments were made within 12 days of the "
        "activity and 90% within 19.5 days."
    ) in text
    t = totals()
    assert t.fees + t.expenses == D("1760.65") == t.paid + t.committed
    assert "BD Better Discharge £5,000.00 £280.00 £1,180.65 £3,539.35 £1,310.25 £150.40" in text
    assert "YCV Young Carers Voice no budget £300.00 £0.00 no budget £275.00 £25.00" in text
    assert "All projects no budget £580.00 £1,180.65 no budget £1,585.25 £175.40" in text
    assert "Document review £400.00 £30.00 15 hours" in text
    assert "Dec 2025 £700.00 £70.00 £770.00" in text
    assert "Page 1 of" in text


def test_spend_report_contains_charts() -> None:
    pdf = render_spend_report(report())
    text = flat(pdf)
    assert "Spend by month, all projects" in text
    assert "Spend by project" in text
    assert "Fees (time)" in text and "Expenses (costs paid back)" in text
    assert "Nov 2025" in text
    # the busiest month is £1,070.00, so the money axis runs 0 to £1,500.00 in £500.00 steps
    assert "£0.00 £500.00 £1,000.00 £1,500.00" in text
    without_months = report(
        projects=(replace(project_a(), by_month=()), replace(project_b(), by_month=())),
    )
    single = report(projects=(project_a(),), totals=replace(totals(), **_only_a()))
    # bars are filled rectangles: the month chart draws 2 months x 2 kinds, the project chart 2 x 2
    assert filled_rectangles(pdf) >= filled_rectangles(render_spend_report(without_months)) + 4
    assert filled_rectangles(pdf) >= filled_rectangles(render_spend_report(single)) + 4
    assert "There was no spend by month to chart in this period." in flat(render_spend_report(without_months))


def _only_a() -> dict[str, Any]:
    a = project_a()
    return {
        "committed": a.committed,
        "paid": a.paid,
        "fees": a.fees,
        "expenses": a.expenses,
        "minutes_paid": a.minutes_paid,
        "minutes_declined": a.minutes_declined,
        "declined_value": a.declined_value,
    }


def test_spend_report_is_deterministic() -> None:
    assert render_spend_report(report()) == render_spend_report(report())


def test_nice_steps() -> None:
    assert nice_steps(0) == [0, 1]
    assert nice_steps(177_065) == [0, 50_000, 100_000, 150_000, 200_000]
    assert nice_steps(77_000) == [0, 20_000, 40_000, 60_000, 80_000]
    assert nice_steps(3) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"period_from": date(2026, 1, 1)}, "period_from", "after it ends"),
        ({"totals": replace(totals(), fees=D("1.00"))}, "totals.fees", "not the sum over projects"),
        ({"totals": replace(totals(), minutes_paid=1)}, "totals.minutes_paid", "not the sum over projects"),
        ({"projects": (project_a(), project_a())}, "projects", "only once"),
        (
            {"projects": (replace(project_a(), remaining=None), project_b())},
            "projects[0].remaining",
            "exactly when there is a budget",
        ),
        (
            {"projects": (replace(project_a(), by_month=(MonthSpend("2025-13", D("1.00"), D("0.00")),)), project_b())},
            "projects[0].by_month[0].month",
            "YYYY-MM",
        ),
        (
            {"projects": (replace(project_a(), participants=-1), project_b())},
            "projects[0].participants",
            "whole number",
        ),
    ],
)
def test_bad_report_is_refused(changes: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as info:
        report(**changes)
    assert info.value.problems[0].field == field


@pytest.mark.parametrize("name", ["Łukasiewicz", "Nguyễn Thị Hương", "Ødegård", "Σοφία", "Дмитрий", "Siân"])
def test_every_listed_name_prints_in_the_spend_report(name: str) -> None:
    named = replace(project_a(), name=f"Voices of {name}", code=name[:6],
                    by_activity=(ActivitySpend(f"Panel with {name}", D("910.25"), D("120.40"), 2010),
                                 ActivitySpend("Document review", D("400.00"), D("30.00"), 900)))
    text = flat(render_spend_report(report(projects=(named, project_b()))))
    assert f"Voices of {name}" in text and f"Panel with {name}" in text
