"""Spend roll-ups checked against the postings summed independently, in Python, in the test."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from payments.factory import approve, backdate, participant, project, reverse
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import AccountKind, Batch, BatchItem, BatchLine, Posting, Record
from ledger.errors import Invalid, NotFound
from ledger.exports.pdf import render_spend_report
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.payments.returns import return_line
from ledger.reports.spend import percentile, percentile_of_counts, project_spend, spend_csv, spend_report
from ledger.security.actor import Actor

CLI = Actor.system("cli")
SECOND = Actor.system("second check")  # a batch is approved by someone other than who built it
PERIOD = (date(2025, 4, 6), date(2026, 4, 5))


def _ledger(s: Session) -> list[int]:
    rng = random.Random(7)
    projects = [project(s, "ALPHA"), project(s, "BETA", budget_minor=None), project(s, "GAMMA", budget_minor=90000)]
    people = [participant(s, f"Person {i}") for i in range(8)]
    approved = []
    for _ in range(60):
        on = date(2025, 4, 10) + timedelta(days=rng.randrange(0, 300))
        who, where, fee, cost = rng.choice(people), rng.choice(projects), rng.randrange(500, 9000), rng.choice(
            [0, 0, 450, 1275])
        minutes, declined, kind = rng.choice([30, 60, 95]), rng.random() < 0.15, rng.choice(["meeting", "review"])
        # Some who declined chose "decline" (costs declined too), some "expenses only" (costs paid back).
        costs_declined = declined and len(approved) % 2 == 0
        approved.append(approve(s, who, where, on, fee, cost or (640 if costs_declined else 0), minutes=minutes,
                                declined=declined, costs_declined=costs_declined, activity=kind))
    approve(s, people[0], projects[0], date(2024, 12, 1), 99999)  # outside the period
    for wrong in approved[:4]:
        reverse(s, wrong, date(2025, 12, 1))
    first = build_batch(s, CLI, "bank_transfer", up_to=date(2025, 9, 30)).batch
    approve_batch(s, SECOND, first.id)
    backdate(s, first, date(2025, 10, 1))
    mark_paid(s, CLI, first.id, date(2025, 10, 3), today=date(2025, 10, 4))
    return_line(s, CLI, first.id, first.lines[0].id, "account closed", booked_on=date(2025, 10, 10))
    second = build_batch(s, CLI, "bank_transfer", up_to=date(2025, 12, 31)).batch
    approve_batch(s, SECOND, second.id)
    backdate(s, second, date(2026, 1, 5))
    mark_paid(s, CLI, second.id, date(2026, 1, 9), today=date(2026, 1, 10))
    return [p.id for p in projects]


def _expected(s: Session, project_id: int) -> dict[str, int]:
    """Every figure recomputed from the raw rows with plain Python loops."""
    in_period = [p for p in s.scalars(select(Posting)) if p.activity_date and PERIOD[0] <= p.activity_date <= PERIOD[1]]
    mine = [p for p in in_period if p.project_id == project_id]
    fees = sum(p.amount_minor for p in mine if p.account_kind == AccountKind.PROJECT_SPEND and p.category == "fee")
    expenses = sum(p.amount_minor for p in mine if p.account_kind == AccountKind.PROJECT_SPEND
                   and p.category == "expense")
    # The value of declined time is declined FEES only; declined costs are not time and are counted apart.
    declined = sum(p.amount_minor for p in mine if p.account_kind == AccountKind.PROJECT_FOREGONE
                   and p.category == "fee")
    declined_expenses = sum(p.amount_minor for p in mine if p.account_kind == AccountKind.PROJECT_FOREGONE
                            and p.category == "expense")
    minutes_paid = sum(p.minutes or 0 for p in mine if p.account_kind == AccountKind.PROJECT_SPEND
                       and p.category == "fee")
    minutes_declined = sum(p.minutes or 0 for p in mine if p.account_kind == AccountKind.PROJECT_FOREGONE
                           and p.category == "fee")
    paid_lines = {line.id for line in s.scalars(select(BatchLine)) if line.status == "paid"}
    item_line = {item.posting_id: item.batch_line_id for item in s.scalars(select(BatchItem))}
    paid = -sum(p.amount_minor for p in mine if p.account_kind == AccountKind.PARTICIPANT_PAYABLE
                and item_line.get(p.id) in paid_lines)
    people = {r.participant_id for r in s.scalars(select(Record))
              if r.status == "approved" and r.activity.project_id == project_id
              and PERIOD[0] <= r.activity.date <= PERIOD[1]}
    return {"fees": fees, "expenses": expenses, "declined": declined, "declined_expenses": declined_expenses,
            "minutes_paid": minutes_paid,
            "minutes_declined": minutes_declined, "paid": paid, "people": len(people)}


def _days(s: Session, project_ids: list[int]) -> list[int]:
    batches = {b.id: b for b in s.scalars(select(Batch))}
    line_batch = {line.id: line.batch_id for line in s.scalars(select(BatchLine)) if line.status == "paid"}
    item_line = {item.posting_id: item.batch_line_id for item in s.scalars(select(BatchItem))}
    latest: dict[int, date] = {}
    for p in s.scalars(select(Posting).where(Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE)):
        line = item_line.get(p.id)
        if line in line_batch and p.project_id in project_ids and PERIOD[0] <= p.activity_date <= PERIOD[1]:
            paid_on = batches[line_batch[line]].paid_on
            assert paid_on is not None and p.record_id is not None
            latest[p.record_id] = max(latest.get(p.record_id, paid_on), paid_on)
    records = {r.id: r.activity.date for r in s.scalars(select(Record))}
    return sorted((paid_on - records[rid]).days for rid, paid_on in latest.items())


def test_project_roll_up_matches_postings_summed_in_python(factory: sessionmaker[Session]) -> None:
    check_roll_up(factory)


@pytest.mark.postgres
def test_project_roll_up_matches_postings_summed_in_python_on_postgres(pg_factory: sessionmaker[Session]) -> None:
    check_roll_up(pg_factory)


def check_roll_up(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        ids = _ledger(s)
        report = spend_report(s, None, *PERIOD, today=date(2026, 4, 6))
        by_code = {row.code: row for row in report.projects}
        for project_id in ids:
            from ledger.db.models import Project

            proj = s.get(Project, project_id)
            assert proj is not None
            row = by_code[proj.code]
            want = _expected(s, project_id)
            assert row.fees == Decimal(want["fees"]) / 100
            assert row.expenses == Decimal(want["expenses"]) / 100
            assert row.declined_value == Decimal(want["declined"]) / 100
            assert row.declined_expenses == Decimal(want["declined_expenses"]) / 100
            assert (row.minutes_paid, row.minutes_declined) == (want["minutes_paid"], want["minutes_declined"])
            assert row.paid == Decimal(want["paid"]) / 100
            assert row.committed == Decimal(want["fees"] + want["expenses"] - want["paid"]) / 100
            assert row.participants == want["people"]
            if proj.budget_minor is None:
                assert row.budget is None and row.remaining is None
            else:
                assert row.remaining == Decimal(proj.budget_minor - want["fees"] - want["expenses"]) / 100
            days = _days(s, [project_id])
            assert row.days_to_payment_median == percentile(days, Decimal("0.5"))
            assert row.days_to_payment_p90 == percentile(days, Decimal("0.9"))
            assert sum(m.fees for m in row.by_month) == row.fees
            assert sum(a.fees for a in row.by_activity) == row.fees
        assert report.totals.paid == sum(r.paid for r in report.projects)
        assert report.totals.declined_expenses > 0  # the data has people who declined their costs too
        assert report.totals.budget is None  # BETA has no budget
        from ledger.db.models import Activity

        everyone = {r.participant_id for r, a in s.execute(select(Record, Activity).join(Activity))
                    if r.status == "approved" and PERIOD[0] <= a.date <= PERIOD[1]}
        assert report.totals.participants == len(everyone) < sum(r.participants for r in report.projects)
        all_days = _days(s, ids)
        assert report.totals.days_to_payment_median == percentile(all_days, Decimal("0.5"))
        single = project_spend(s, ids[0], *PERIOD, today=date(2026, 4, 6))
        assert single.projects[0] == by_code[single.projects[0].code]


def test_percentile_interpolates_like_percentile_cont() -> None:
    assert percentile([], Decimal("0.5")) is None
    assert percentile([4], Decimal("0.9")) == Decimal("4.0")
    assert percentile([1, 2, 3, 4], Decimal("0.5")) == Decimal("2.5")
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], Decimal("0.9")) == Decimal("91.0")


@given(st.lists(st.integers(0, 40), max_size=30), st.sampled_from(["0.5", "0.9", "0", "1", "0.25"]))
def test_percentile_of_counts_equals_percentile_of_the_values(values: list[int], fraction: str) -> None:
    """The report counts records per number of days; interpolating over the counts gives what the
    values themselves give."""
    counts = sorted(Counter(values).items())
    assert percentile_of_counts(counts, Decimal(fraction)) == percentile(sorted(values), Decimal(fraction))


def test_csv_is_neutralised_and_pdf_renders(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        proj = project(s, "=SUM")
        proj.name = "=HYPERLINK(\"http://example.invalid\")"
        approve(s, participant(s, "Ann"), proj, date(2025, 5, 1), 2000)
        report = project_spend(s, proj.id, *PERIOD, today=date(2026, 1, 1))
    rows = list(csv.reader(io.StringIO(spend_csv(report).decode("utf-8"))))
    assert rows[1][0].startswith("'=") and rows[1][1].startswith("'=")
    assert rows[1][6] == "20.00"
    assert len(PdfReader(io.BytesIO(render_spend_report(report))).pages) >= 1


def test_bad_input(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        with pytest.raises(NotFound):
            project_spend(s, 31337)
        with pytest.raises(Invalid, match="swap the dates"):
            spend_report(s, None, date(2026, 1, 1), date(2025, 1, 1))
        empty = spend_report(s, None, today=date(2025, 5, 5))
        assert empty.projects == () and empty.totals.fees == 0
