"""Benchmark: participant statement PDFs for many participants, against a bare ReportLab floor.

Why a floor: raw speed depends on the machine. The floor is a bare ReportLab document holding the same
rows (one plain ``Table`` of date, explanation, fee, expense; no paragraphs, no styling, no page
numbers), built in the same run, so the ratio says what our layout costs over ReportLab itself.

Run: ``.venv/bin/python bench/bench_statements.py [--participants 1000] [--processes N]``.
Prints statements and pages per second on one process and on all cores, for ours and the floor. On one
process ours and the floor render each statement in turn (interleaved), so other work on a shared
machine slows both alike and the ratio stays meaningful; goal (issue 14): ours within 1.5x of the
floor's time. On all cores each side gets fresh worker processes (see :func:`timed`).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from multiprocessing import get_context

from reportlab.platypus import SimpleDocTemplate, Table

from ledger.exports.pdf import render_statement
from ledger.organisation import Organisation
from ledger.reports.statement_data import (
    ActivityStatus,
    PeriodTotal,
    Statement,
    StatementActivity,
    StatementLine,
    StatementPayment,
    StatementStyle,
    WatchLimitInfo,
    summarise,
)

STATUSES: tuple[ActivityStatus, ...] = ("paid", "owed", "declined", "reversed")
STYLES: tuple[StatementStyle, ...] = ("standard", "large_print", "easy_read")
PAGE = re.compile(rb"/Type /Page[^s]")
PERIOD_FROM, PERIOD_TO = date(2025, 4, 6), date(2026, 4, 5)
RATES = {"Meeting": 2750, "Document review": 2750, "Interview panel": 2750, "Co-facilitated workshop": 4125}
CONTACT = Organisation("Northshire Health & Care", "Priya Shah", "0161 496 0000", "involvement@example.org",
                       "1 Example Road, Northshire, NS1 1AA", "NORTHSHIRE HCT", "NHC")
PROJECTS = ("Better Discharge", "Young Carers Voice", "Mental Health Crisis Pathway", "Dementia Friendly GP")


def pence(units: int) -> Decimal:
    return Decimal(units).scaleb(-2)


def hours_words(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} hour{'s' if hours != 1 else ''}" + (f" {rest} minutes" if rest else "")


def make_activity(rng: random.Random, day: date) -> StatementActivity:
    label = rng.choice(list(RATES))
    rate = RATES[label]
    minutes = rng.choice((60, 90, 120, 150, 180))
    prep = rng.choice((0, 30, 60))
    status = rng.choices(STATUSES, weights=(70, 18, 8, 4))[0]
    declined = status == "declined"
    lines = [
        StatementLine(
            "involvement",
            f"{hours_words(minutes)} {label.lower()} at £{pence(rate)} an hour; you took part for "
            f"{hours_words(minutes - 7)}, rounded up to the next 15 minutes",
            pence(rate * minutes // 60),
            True,
        )
    ]
    if prep:
        lines.append(
            StatementLine(
                "preparation",
                f"{hours_words(prep)} preparation at £{pence(rate)} an hour",
                pence(rate * prep // 60),
                True,
            )
        )
    if not declined and rng.random() < 0.6:
        miles = rng.randint(3, 40)
        lines.append(StatementLine("mileage", f"Mileage: {miles} miles at £0.45 a mile", pence(45 * miles), False))
    if not declined and rng.random() < 0.3:
        lines.append(
            StatementLine("expense", "Carer cover, receipt reference CC-118", pence(rng.randint(800, 4500)), False)
        )
    fees = sum((line.amount for line in lines if line.is_fee), Decimal(0))
    expenses = sum((line.amount for line in lines if not line.is_fee), Decimal(0))
    return StatementActivity(
        day,
        rng.choice(PROJECTS),
        label,
        rng.choice(("member", "member", "chair")),
        rng.choice(("in_person", "online")),
        minutes + prep,
        tuple(lines),
        fees,
        expenses,
        declined,
        status,
    )


def make_statement(index: int) -> Statement:
    rng = random.Random(index)
    count = rng.choice((2, 5, 8, 12, 16, 24, 36))
    days = sorted(PERIOD_FROM + timedelta(days=rng.randrange(365)) for _ in range(count))
    activities = tuple(make_activity(rng, day) for day in days)
    s = summarise(activities)
    payments = []
    if s.fees_paid or s.expenses_paid:
        payments.append(
            StatementPayment(
                date(2026, 3, 31),
                "Bank transfer",
                f"NHC B-{index:04d}",
                s.fees_paid,
                s.expenses_paid,
                s.fees_paid + s.expenses_paid,
            )
        )
    weekly = rng.random() < 0.25
    limits = (WatchLimitInfo("week", Decimal("195.50"), "ESA weekly limit"),) if weekly else ()
    weeks: tuple[PeriodTotal, ...] = ()
    if weekly:
        weeks = tuple(
            PeriodTotal(
                f"Week of Monday {a.date - timedelta(days=a.date.weekday())}",
                a.fees,
                a.expenses,
                Decimal(0),
                Decimal("195.50"),
                "ESA weekly limit",
            )
            for a in activities
            if a.counted and not a.declined
        )
    style = rng.choices(STYLES, weights=(70, 15, 15))[0]
    return Statement(
        participant_reference=f"P-{index:04d}",
        participant_name=f"Participant {index}",
        organisation_name="Northshire Health & Care",
        period_from=PERIOD_FROM,
        period_to=PERIOD_TO,
        currency="GBP",
        style=style,
        rate_card_sources=("NIHR-style public involvement payment guidance (illustrative rates)",),
        activities=activities,
        payments=tuple(payments),
        tax_years=(
            PeriodTotal(
                "Tax year 2025 to 2026", s.fees_paid + s.fees_owed, s.expenses_paid + s.expenses_owed, s.declined_value
            ),
        ),
        weeks=weeks,
        watch_limits=limits,
        generated_on=date(2026, 4, 10),
        contact=CONTACT,
    )


def floor_render(statement: Statement) -> bytes:
    """The same rows in a bare ReportLab table: no paragraphs, styles, wording or page numbers."""
    rows = [["Date", "What", "For your time", "Costs"]]
    for a in statement.activities:
        rows.append([a.date.isoformat(), f"{a.activity_label}, {a.project_name}", str(a.fees), str(a.expenses)])
        rows.extend(
            ["", line.explanation, str(line.amount) if line.is_fee else "", "" if line.is_fee else str(line.amount)]
            for line in a.lines
        )
    for p in statement.payments:
        rows.append([p.date.isoformat(), p.reference, str(p.fees), str(p.expenses)])
    buffer = BytesIO()
    SimpleDocTemplate(buffer, invariant=1).build([Table(rows, repeatRows=1)])
    return buffer.getvalue()


def _pages(renderer: Callable[[Statement], bytes], statements: Sequence[Statement]) -> int:
    return sum(len(PAGE.findall(renderer(statement))) for statement in statements)


def _ours(statements: Sequence[Statement]) -> int:
    return _pages(render_statement, statements)


def _floor(statements: Sequence[Statement]) -> int:
    return _pages(floor_render, statements)


def _warm() -> None:
    """A worker's one-time setup (fonts, styles), as in the main process before its timing."""
    first = make_statement(1)
    render_statement(first)
    floor_render(first)


def _started(_: int) -> None:
    time.sleep(0.05)


def timed(
    work: Callable[[Sequence[Statement]], int], statements: Sequence[Statement], processes: int
) -> tuple[float, int]:
    """Time ``work`` over the statements on ``processes`` fresh worker processes.

    Fresh (spawned) workers, not forks of this process: a fork would inherit what the one-process run
    left in memory (the renderer keeps parsed text and line breaks per process), which a real run's
    workers do not have. Starting the workers and their one-time setup is not timed, for ours and the
    floor alike.
    """
    if processes == 1:
        start = time.perf_counter()
        pages = work(statements)
        return time.perf_counter() - start, pages
    chunks = [statements[i :: processes * 4] for i in range(processes * 4)]
    with get_context("spawn").Pool(processes, initializer=_warm) as pool:
        pool.map(_started, range(processes * 2), chunksize=1)  # every worker started and set up
        start = time.perf_counter()
        pages = sum(pool.map(work, chunks))
        return time.perf_counter() - start, pages


def interleaved(statements: Sequence[Statement]) -> tuple[float, int, float, int, float]:
    """Ours and the floor one statement after the other, so load from other work falls on both alike.

    Also returns the ratio over the second half of the statements alone: by then the renderer's
    per-process memory (parsed text, line breaks, word widths) holds what recurs and the heap has grown
    to its working size, as in a long ``ledger statements --all`` run.
    """
    ours_seconds = floor_seconds = later_ours = later_floor = 0.0
    ours_pages = floor_pages = 0
    half = len(statements) // 2
    for i, statement in enumerate(statements):
        start = time.perf_counter()
        ours_pages += len(PAGE.findall(render_statement(statement)))
        middle = time.perf_counter()
        floor_pages += len(PAGE.findall(floor_render(statement)))
        end = time.perf_counter()
        ours_seconds += middle - start
        floor_seconds += end - middle
        if i >= half:
            later_ours += middle - start
            later_floor += end - middle
    return ours_seconds, ours_pages, floor_seconds, floor_pages, later_ours / later_floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    statements = [make_statement(i) for i in range(1, args.participants + 1)]
    activities = sum(len(s.activities) for s in statements)
    print(f"{len(statements)} statements, {activities} activities, {args.processes} processes for 'all cores'")
    render_statement(statements[0])  # fonts and styles are set up once per process: not part of the timing
    floor_render(statements[0])
    for label, processes in (("one process (interleaved)", 1), ("all cores", args.processes)):
        later = None
        if processes == 1:
            ours_seconds, ours_pages, floor_seconds, floor_pages, later = interleaved(statements)
        else:
            ours_seconds, ours_pages = timed(_ours, statements, processes)
            floor_seconds, floor_pages = timed(_floor, statements, processes)
        print(f"\n{label}:")
        print(
            f"  ours : {ours_seconds:7.2f} s  {ours_pages:6d} pages  {ours_pages / ours_seconds:8.1f} pages/s  "
            f"{len(statements) / ours_seconds:7.1f} statements/s"
        )
        print(
            f"  floor: {floor_seconds:7.2f} s  {floor_pages:6d} pages  {floor_pages / floor_seconds:8.1f} pages/s  "
            f"{len(statements) / floor_seconds:7.1f} statements/s"
        )
        print(
            f"  ratio (ours time / floor time for the same statements): {ours_seconds / floor_seconds:.2f}x; "
            f"pages/s ratio (ours / floor): {(ours_pages / ours_seconds) / (floor_pages / floor_seconds):.2f}"
        )
        if later is not None:
            print(f"  ratio over the second half of the statements alone: {later:.2f}x")


if __name__ == "__main__":
    main()
