"""Approval's hot path in fewer statements, with the same answers.

* An entry's legs are ONE ``INSERT INTO postings`` however their optional columns (minutes, record,
  project) vary from leg to leg (``render_nulls``).
* A quote with a mileage claim reads both look-backs (miles earlier in the tax year, fees already
  approved that day) in one query that gives exactly what the two separate queries give.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import AccountKind, Category, EntryKind, RecordStatus
from ledger.involvement.history import (
    earlier_miles_and_same_day_fees,
    fees_approved_on,
    miles_earlier_in_tax_year,
)
from ledger.payments.postings import Leg, post_entry
from payments.factory import approve, participant, project

ON = date(2025, 7, 10)


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind()

    def count(conn: object, cursor: object, sql: str, *args: object) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_an_entrys_legs_are_one_insert(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        who, where = participant(s, "Ann"), project(s, "HOT")
        approved = approve(s, who, where, ON, 2750, 450)
        legs = [  # legs with and without minutes, record and project, as an approval's are
            Leg(AccountKind.PROJECT_SPEND, Category.FEE, 1000, "GBP", participant_id=who.id, project_id=where.id,
                record_id=approved.record.id, activity_date=ON, minutes=60),
            Leg(AccountKind.PARTICIPANT_PAYABLE, Category.FEE, -1000, "GBP", participant_id=who.id,
                project_id=where.id, record_id=approved.record.id, activity_date=ON),
            Leg(AccountKind.PROJECT_SPEND, Category.EXPENSE, 300, "GBP", participant_id=who.id, project_id=where.id),
            Leg(AccountKind.PARTICIPANT_PAYABLE, Category.EXPENSE, -300, "GBP", participant_id=who.id),
        ]
        s.flush()
        with statements(s) as seen:
            entry = post_entry(s, kind=EntryKind.APPROVAL, booked_on=ON, memo="hot path", legs=legs)
        inserts = [sql for sql in seen if sql.lstrip().upper().startswith("INSERT INTO POSTINGS")]
        assert len(inserts) == 1, seen
        s.refresh(entry)
        stored = sorted((p.account_kind, p.category, p.amount_minor, p.record_id, p.project_id, p.activity_date,
                         p.minutes) for p in entry.postings)
        assert stored == sorted((leg.account_kind.value, leg.category.value, leg.amount_minor, leg.record_id,
                                 leg.project_id, leg.activity_date, leg.minutes) for leg in legs)


RECORDS = st.lists(
    st.tuples(
        st.one_of(st.sampled_from([0, 0, -95, -96, 1]), st.integers(-200, 40)),  # days from ON (6 April is -95)
        st.sampled_from(["car", "motorcycle", None]),
        st.integers(0, 90),  # miles
        st.integers(0, 9000),  # fee
        st.sampled_from(["approved", "approved", "reversed"]),
    ),
    max_size=10,
)


def test_one_look_back_query_equals_the_two(factory: sessionmaker[Session]) -> None:
    _look_back_property(factory)


@pytest.mark.postgres
def test_one_look_back_query_equals_the_two_on_postgres(pg_factory: sessionmaker[Session]) -> None:
    _look_back_property(pg_factory)


def _look_back_property(factory: sessionmaker[Session]) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(RECORDS, st.sampled_from(["car", "motorcycle"]), st.booleans())
    def run(records: list[tuple[int, str | None, int, int, str]], vehicle: str, exclude_first: bool) -> None:
        _same_answers(factory, records, vehicle, exclude_first)

    run()


def _same_answers(
    factory: sessionmaker[Session], records: list[tuple[int, str | None, int, int, str]], vehicle: str,
    exclude_first: bool,
) -> None:
    with factory() as s:
        try:
            who, where, other = participant(s, "Bea"), project(s, "LOOK"), participant(s, "Cal")
            made = []
            for days, record_vehicle, miles, fee, status in records:
                for person in (who, other):  # someone else's records never count
                    approved = approve(s, person, where, ON + timedelta(days=days), fee)
                    approved.record.mileage_vehicle = record_vehicle
                    approved.record.mileage_miles = miles if record_vehicle else None
                    approved.record.status = RecordStatus(status).value
                    made.append(approved.record)
            s.flush()
            exclude = made[0].id if exclude_first and made else None
            with statements(s) as seen:
                together = earlier_miles_and_same_day_fees(s, who.id, vehicle, ON, "GBP", exclude_record_id=exclude)
            assert len(seen) == 1
            apart = (miles_earlier_in_tax_year(s, who.id, vehicle, ON, exclude_record_id=exclude),
                     fees_approved_on(s, who.id, ON, "GBP", exclude_record_id=exclude))
            assert together == apart
        finally:
            s.rollback()
