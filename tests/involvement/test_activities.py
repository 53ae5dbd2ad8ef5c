"""Recording an activity for several people: all recorded or none, every problem named by its place."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import Activity, Record, RecordExpense, Role
from ledger.errors import Forbidden, Invalid
from ledger.involvement.activities import record_activity
from ledger.involvement.schemas import ActivityCreate, MileageIn, WatchLimitIn
from ledger.rates.contract import ExpenseRequest
from ledger.security.actor import Actor

from .support import LEAD, attendee, meeting, participant, project


def counts(session: Session) -> tuple[int, int, int]:
    return (session.scalar(select(func.count()).select_from(Activity)) or 0,
            session.scalar(select(func.count()).select_from(Record)) or 0,
            session.scalar(select(func.count()).select_from(RecordExpense)) or 0)


def test_one_meeting_for_three_people_each_with_their_own_times(session: Session) -> None:
    proj = project(session)
    a, b, c = (participant(session, name=n) for n in ("Ann", "Ben", "Cal"))
    made = meeting(session, proj.id, [
        attendee(a.id, 90, role="chair", preparation_minutes=120),
        attendee(b.id, 90, follow_up_minutes=20),
        attendee(c.id, 60, mileage=MileageIn(vehicle="car", miles=12),
                 expenses=[ExpenseRequest(category="parking", amount="4.50")]),
    ])
    assert [r.participant for r in made.records] == [a.id, b.id, c.id]
    assert all(r.status == "submitted" for r in made.records)
    chair, member, driver = (r.quote for r in made.records)
    # Chair: 90 min at 27.50 x 1.5 = 61.88 (half-up); preparation capped at 90 min at 27.50 = 41.25.
    assert (chair.fees_total, chair.expenses_total) == ("103.13", "0.00")
    # Member: 41.25 + follow-up rounded up to 30 min at 27.50 = 13.75.
    assert member.fees_total == "55.00"
    # Driver: 60 min = 27.50; 12 miles at 0.45 = 5.40, parking 4.50.
    assert (driver.fees_total, driver.expenses_total, driver.total) == ("27.50", "9.90", "37.40")
    assert chair.version_from == date(2025, 12, 16)
    assert counts(session) == (1, 3, 1)
    stored = session.get(Record, made.records[2].id)
    assert stored is not None and stored.recorded_by_token_id == LEAD.token_id
    assert (stored.mileage_vehicle, stored.mileage_miles, stored.expenses[0].amount_minor) == ("car", 12, 450)


def test_one_bad_attendee_means_nothing_is_written(session: Session) -> None:
    proj = project(session)
    people = [participant(session, name=f"P{i}") for i in range(3)]
    with pytest.raises(Invalid) as exc:
        meeting(session, proj.id, [
            attendee(people[0].id), attendee(people[1].id, role="captain"),
            attendee(people[2].id, expenses=[ExpenseRequest(category="taxi", amount="25.00")]),
        ])
    assert {p.field for p in exc.value.problems} == {"attendees[1].role", "attendees[2].expenses[0].receipt"}
    assert counts(session) == (0, 0, 0)


def test_unknown_or_repeated_participants_are_named(session: Session) -> None:
    proj = project(session)
    person = participant(session)
    with pytest.raises(Invalid) as exc:
        meeting(session, proj.id, [attendee(person.id), attendee(999_999), attendee(person.id)])
    assert {p.field for p in exc.value.problems} == {"attendees[1].participant", "attendees[2].participant"}
    assert "listed twice" in exc.value.detail
    assert counts(session) == (0, 0, 0)


def test_problems_with_the_activity_itself_keep_their_own_names(session: Session) -> None:
    proj = project(session)
    person = participant(session)
    with pytest.raises(Invalid) as exc:
        meeting(session, proj.id, [attendee(person.id), attendee(participant(session, name="B").id)],
                activity="karaoke")
    assert {p.field for p in exc.value.problems} == {"activity"}
    with pytest.raises(Invalid) as exc:
        meeting(session, proj.id, [attendee(person.id)], on=date(2020, 1, 1))
    assert {p.field for p in exc.value.problems} == {"date"}
    with pytest.raises(Invalid) as exc:
        meeting(session, proj.id, [attendee(person.id, minutes=-5)])
    assert {p.field for p in exc.value.problems} == {"attendees[0].involvement_minutes"}
    with pytest.raises(Invalid) as exc:
        meeting(session, proj.id, [])
    assert {p.field for p in exc.value.problems} == {"attendees"}


def test_unknown_project_is_named(session: Session) -> None:
    with pytest.raises(Invalid) as exc:
        meeting(session, 999_999, [attendee(participant(session).id)])
    assert [p.field for p in exc.value.problems] == ["project"]


def test_a_lead_records_only_for_their_projects(session: Session) -> None:
    mine, theirs = project(session, "MINE"), project(session, "THEIRS")
    lead = Actor(token_id=7, name="scoped", role=Role.LEAD, project_ids=(mine.id,))
    stranger = participant(session, name="Not in MINE")
    with pytest.raises(Forbidden, match="belong to its projects"):
        meeting(session, mine.id, [attendee(stranger.id)], actor=lead)  # recording would make them "belong"
    person = participant(session, projects=[mine.id])
    assert meeting(session, mine.id, [attendee(person.id)], actor=lead).records
    with pytest.raises(Forbidden):
        meeting(session, theirs.id, [attendee(person.id)], actor=lead)
    with pytest.raises(Forbidden):
        record_activity(session, Actor(token_id=8, name="f", role=Role.FINANCE), ActivityCreate(
            project=mine.id, date=date(2026, 1, 7), activity="meeting", attendees=[attendee(person.id)]))


def test_the_quote_warns_about_watch_limits(session: Session) -> None:
    proj = project(session)
    person = participant(session, watch=[WatchLimitIn("week", "30.00", "ESA permitted work")])
    made = meeting(session, proj.id, [attendee(person.id, 90)], on=date(2026, 1, 5))
    warnings = made.records[0].quote.warnings
    assert warnings is not None and len(warnings) == 1
    assert warnings[0].message == (
        "This would take your fees for the week of Monday 5 January 2026 to £41.25, above your limit of "
        "£30.00 (ESA permitted work).")
