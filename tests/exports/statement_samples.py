"""A busy participant's year, priced by the real rate engine, for the statement layout and wording tests.

Why the engine and not typed-in lines: the Easy Read wording is a plain-words rendering of the engine's
own lines (kind, minutes, miles, explanation), so the tests must see exactly what the engine writes.
Fifteen activities across a tax year, like the demo's busiest participant: meetings (some as chair), a
half-day band on the day-rate card, document reviews online, an interview panel, mileage with a
passenger, bus fares, a carer, parking, a declined fee and a reversed record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from ledger.organisation import Organisation
from ledger.rates.contract import ExpenseRequest, MileageRequest, QuoteRequest, run_quote
from ledger.reports.statement_data import (
    PeriodTotal,
    Statement,
    StatementActivity,
    StatementLine,
    StatementPayment,
    WatchLimitInfo,
    summarise,
)

D = Decimal

ORGANISATION = Organisation(
    name="Northshire Health and Care Partnership",
    contact_name="Amira Khan",
    contact_phone="0161 496 0123",
    contact_email="involvement@northshire.example",
    postal_address="1 Riverside Way, Northtown, NT1 4AB",
    payer_name="NORTHSHIRE HCP",
    reference_prefix="NHCP",
)

NAMES = ("Łukasiewicz", "Nguyễn Thị Hương", "Ødegård", "Σοφία", "Дмитрий", "Siân")


def _activity(project: str, status: str = "paid", declined: bool = False, **request: Any) -> StatementActivity:
    quote = run_quote(QuoteRequest(**request))
    lines = tuple(
        StatementLine(kind=line.kind, explanation=line.explanation, amount=D(line.amount),
                      is_fee=line.kind in {"involvement", "preparation", "follow_up", "travel_time", "fixed_fee",
                                           "band", "daily_cap"},
                      minutes=line.minutes, quantity=None if line.quantity is None else str(line.quantity))
        for line in quote.lines
    )
    fees = sum((line.amount for line in lines if line.is_fee), D(0))
    expenses = sum((line.amount for line in lines if not line.is_fee), D(0))
    minutes = sum(line.minutes or 0 for line in lines if line.is_fee)
    from ledger.reports.statements import activity_label

    date = request["date"]
    return StatementActivity(
        date=date, project_name=project, activity_label=activity_label(request["rate_card"], request["activity"], date),
        role=request.get("role", "member"), mode=request.get("mode", "in_person"), minutes=minutes, lines=lines,
        fees=fees, expenses=expenses, declined=declined,
        status="declined" if declined and not expenses else status,  # type: ignore[arg-type]
    )


def busy_year_activities() -> tuple[StatementActivity, ...]:
    nihr, day = "nihr-style", "day-rate-example"
    d = dt.date
    return (
        _activity("Better Discharge", rate_card=nihr, date=d(2025, 4, 14), activity="meeting",
                  involvement_minutes=120, preparation_minutes=60,
                  expenses=[ExpenseRequest("public_transport", "6.40", "R-11")]),
        _activity("Better Discharge", rate_card=nihr, date=d(2025, 5, 12), activity="meeting", role="chair",
                  involvement_minutes=120, preparation_minutes=90, follow_up_minutes=30,
                  mileage=MileageRequest("car", 12, passengers=1)),
        _activity("Dementia Friendly Wards", rate_card=day, date=d(2025, 6, 2), activity="meeting",
                  involvement_minutes=210, expenses=[ExpenseRequest("carer", "45.00", "C-1")]),
        _activity("Better Discharge", rate_card=nihr, date=d(2025, 6, 23), activity="document_review",
                  mode="online", involvement_minutes=90),
        _activity("Young Carers Voice", rate_card=nihr, date=d(2025, 7, 7), activity="interview_panel",
                  involvement_minutes=240, preparation_minutes=60,
                  expenses=[ExpenseRequest("parking", "4.50"), ExpenseRequest("subsistence", "6.00")]),
        _activity("Better Discharge", rate_card=nihr, date=d(2025, 8, 4), activity="meeting",
                  involvement_minutes=120, follow_up_minutes=45,
                  expenses=[ExpenseRequest("public_transport", "6.40", "R-19")]),
        _activity("Dementia Friendly Wards", rate_card=day, date=d(2025, 9, 1), activity="meeting",
                  involvement_minutes=300, mileage=MileageRequest("car", 20)),
        _activity("Better Discharge", rate_card=nihr, date=d(2025, 9, 22), activity="meeting", role="chair",
                  involvement_minutes=150, preparation_minutes=60,
                  expenses=[ExpenseRequest("taxi", "12.00", "T-3")]),
        _activity("Young Carers Voice", rate_card=nihr, date=d(2025, 10, 13), activity="survey",
                  mode="online", involvement_minutes=30),
        _activity("Better Discharge", rate_card=nihr, date=d(2025, 11, 3), activity="meeting", declined=True,
                  involvement_minutes=120, expenses=[ExpenseRequest("public_transport", "6.40", "R-23")]),
        _activity("Better Discharge", rate_card=nihr, date=d(2025, 11, 24), activity="co_facilitation",
                  involvement_minutes=180, preparation_minutes=120, mileage=MileageRequest("car", 15)),
        _activity("Dementia Friendly Wards", rate_card=nihr, date=d(2025, 12, 15), activity="document_review",
                  mode="online", involvement_minutes=60, status="owed"),
        _activity("Better Discharge", rate_card=nihr, date=d(2026, 1, 12), activity="meeting", role="chair",
                  involvement_minutes=120, preparation_minutes=90, follow_up_minutes=30, status="owed",
                  mileage=MileageRequest("car", 12, passengers=1),
                  expenses=[ExpenseRequest("public_transport", "6.40", "R-31")]),
        _activity("Young Carers Voice", rate_card=nihr, date=d(2026, 2, 9), activity="meeting", status="owed",
                  involvement_minutes=90, expenses=[ExpenseRequest("childcare", "20.00", "CC-2")]),
        _activity("Better Discharge", rate_card=nihr, date=d(2026, 3, 16), activity="meeting", status="reversed",
                  involvement_minutes=120),
    )


def busy_statement(style: str = "standard", *, participant_name: str = "Margaret Okafor",
                   weekly_limit: bool = True, **changes: Any) -> Statement:
    activities = busy_year_activities()
    summary = summarise(activities)
    paid = [a for a in activities if a.status == "paid"]
    half = len(paid) // 2

    def payment(day: dt.date, group: list[StatementActivity], ref: str) -> StatementPayment:
        fees = sum((a.fees for a in group if not a.declined), D(0))
        expenses = sum((a.expenses for a in group), D(0))
        return StatementPayment(date=day, method_label="Bank transfer", reference=ref, fees=fees,
                                expenses=expenses, total=fees + expenses)

    payments = (
        payment(dt.date(2025, 9, 30), paid[:half], "NHCP PAY B0001"),
        payment(dt.date(2025, 12, 19), paid[half:], "NHCP PAY B0004"),
    )
    counted = [a for a in activities if a.counted]
    limit = D("203.00")
    esa = WatchLimitInfo(period="week", amount=limit, label="ESA permitted work lower limit")
    watch = (esa,) if weekly_limit else ()
    year = PeriodTotal(
        label="Tax year 2025 to 2026",
        fees=sum((a.fees for a in counted if not a.declined), D(0)),
        expenses=sum((a.expenses for a in counted), D(0)),
        declined=sum((a.fees for a in counted if a.declined), D(0)),
    )
    weeks: tuple[PeriodTotal, ...] = ()
    if weekly_limit:
        weeks = tuple(
            PeriodTotal(
                label=f"Week {a.date.day} {a.date:%B %Y}",
                fees=D(0) if a.declined else a.fees, expenses=a.expenses, declined=a.fees if a.declined else D(0),
                limit=limit, limit_label="ESA permitted work lower limit",
            )
            for a in counted
        )
    assert summary.activity_count == 14
    statement = Statement(
        participant_reference="P-0001",
        participant_name=participant_name,
        organisation_name=ORGANISATION.name,
        period_from=dt.date(2025, 4, 6),
        period_to=dt.date(2026, 4, 5),
        currency="GBP",
        style=style,  # type: ignore[arg-type]
        rate_card_sources=(
            "NIHR-style public involvement rates, version from 16 December 2025: Modelled on NIHR-style public "
            "involvement payment guidance; illustrative rates, check the current published guidance before use.",
            "Day and half-day rates (example), version from 1 April 2009: Example of the 2009-era half-day and "
            "day rates still used by many organisations; check your own policy.",
        ),
        activities=activities,
        payments=payments,
        tax_years=(year,),
        weeks=weeks,
        watch_limits=watch,
        generated_on=dt.date(2026, 4, 10),
        contact=ORGANISATION,
    )
    return replace(statement, **changes) if changes else statement
