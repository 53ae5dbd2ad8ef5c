"""Record and activity lists for the web pages, the approval queue, and the live quote of a whole activity.

Checked on SQLite and PostgreSQL: filters, keyset paging both ways, scope (a lead of one project never
sees another project's records or people), four eyes in the queue, a fixed number of queries per page
(not one per row), and that the activity quote gives the same numbers recording does, writing nothing.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ledger.db.models import Activity, Record, Role
from ledger.errors import Forbidden, Invalid
from ledger.involvement.activity_quotes import quote_activity
from ledger.involvement.approval import approve_record, correct_record, reject_record
from ledger.involvement.record_lists import (
    ActivityFilters,
    Cursor,
    RecordFilters,
    approval_queue,
    lead_to_do,
    list_activity_rows,
    list_record_rows,
)
from ledger.involvement.schemas import ActivityCreate, CorrectionIn, WatchLimitIn
from ledger.rates.contract import ExpenseRequest
from ledger.security.actor import Actor

from .support import APPROVER, LEAD, attendee, meeting, participant, project


def _two_projects(session: Session) -> tuple[int, int, list[int], list[int]]:
    a, b = project(session, "AAA"), project(session, "BBB")
    people_a = [participant(session, name=f"A person {i}", projects=[a.id]).id for i in range(3)]
    people_b = [participant(session, name=f"B person {i}", projects=[b.id]).id for i in range(2)]
    return a.id, b.id, people_a, people_b


class QueryCounter:
    def __init__(self, session: Session) -> None:
        self.count = 0
        self.engine = session.get_bind()

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hit)

    def _hit(self, *args: object) -> None:
        self.count += 1


def test_rows_filter_page_and_scope(session: Session) -> None:
    a, b, people_a, people_b = _two_projects(session)
    for day in range(1, 8):
        meeting(session, a, [attendee(p) for p in people_a], on=date(2026, 1, day))
    meeting(session, b, [attendee(p) for p in people_b], on=date(2026, 1, 3))
    total_a = 7 * 3

    everything = list_record_rows(session, LEAD, RecordFilters(), limit=500)
    assert everything.total == total_a + 2

    scoped = Actor(token_id=9, name="Scoped Lead", role=Role.LEAD, project_ids=(b,))
    only_b = list_record_rows(session, scoped, RecordFilters(), limit=500)
    assert only_b.total == 2 and {r.project_id for r in only_b.items} == {b}
    assert list_record_rows(session, scoped, RecordFilters(project=a)).total == 0

    window = list_record_rows(session, LEAD, RecordFilters(project=a, date_from=date(2026, 1, 2),
                                                           date_to=date(2026, 1, 3)))
    assert window.total == 6 and {r.date for r in window.items} == {date(2026, 1, 2), date(2026, 1, 3)}
    one = list_record_rows(session, LEAD, RecordFilters(participant=people_a[0]))
    assert one.total == 7 and {r.participant_id for r in one.items} == {people_a[0]}
    assert list_record_rows(session, LEAD, RecordFilters(recorded_by=LEAD.token_id)).total == total_a + 2
    assert list_record_rows(session, LEAD, RecordFilters(recorded_by=APPROVER.token_id)).total == 0

    # Keyset paging: down through every page and back up again gives every record once, newest first.
    seen: list[int] = []
    page = list_record_rows(session, LEAD, RecordFilters(project=a), limit=5)
    assert page.newer is None
    pages = [page]
    while True:
        seen.extend(r.id for r in page.items)
        if page.older is None:
            break
        page = list_record_rows(session, LEAD, RecordFilters(project=a), page.older, limit=5)
        pages.append(page)
    assert len(seen) == total_a == len(set(seen)) and seen == sorted(seen, reverse=True)
    back = list_record_rows(session, LEAD, RecordFilters(project=a), pages[-1].newer or Cursor(), limit=5)
    assert [r.id for r in back.items] == [r.id for r in pages[-2].items]
    assert list_record_rows(session, LEAD, RecordFilters(project=a), pages[1].newer or Cursor(),
                            limit=5).newer is None


def test_bad_filters_are_named_together(session: Session) -> None:
    with pytest.raises(Invalid) as caught:
        list_record_rows(session, LEAD, RecordFilters(status="paid", date_from=date(2026, 2, 1),
                                                      date_to=date(2026, 1, 1)))
    assert {p.field for p in caught.value.problems} == {"status", "date_to"}


def test_rows_take_a_fixed_number_of_queries(session: Session) -> None:
    a, _, people_a, _ = _two_projects(session)
    made = [meeting(session, a, [attendee(p) for p in people_a], on=date(2026, 1, d)) for d in (5, 6)]
    for created in made:
        for record in created.records:
            approve_record(session, APPROVER, record.id)
    with QueryCounter(session) as few:
        list_record_rows(session, LEAD, RecordFilters(), limit=2)
    with QueryCounter(session) as many:
        page = list_record_rows(session, LEAD, RecordFilters(), limit=50)
    assert few.count == many.count <= 2
    assert all(r.total is not None and r.status == "approved" for r in page.items)


def test_queue_is_four_eyes_scoped_and_set_based(session: Session) -> None:
    a, b, people_a, people_b = _two_projects(session)
    first = meeting(session, a, [attendee(p) for p in people_a], on=date(2026, 1, 5))
    meeting(session, b, [attendee(p) for p in people_b], on=date(2026, 1, 5))
    # A correction in the queue shows what it changes, from the record it corrects.
    rejected = first.records[0].id
    reject_record(session, APPROVER, rejected, "Wrong minutes")
    correction = correct_record(session, LEAD, rejected, CorrectionIn(involvement_minutes=120))

    assert approval_queue(session, LEAD).total == 0  # LEAD recorded all of them: nothing for them to decide
    queue = approval_queue(session, APPROVER)
    assert queue.total == 2 + 2 + 1  # two left in A, two in B, and the correction
    by_id = {r.id: r for r in queue.items}
    assert by_id[correction.id].changes is not None
    assert [c.field for c in by_id[correction.id].changes.fields] == ["involvement_minutes"]
    assert all(r.quote is not None and r.quote.lines for r in queue.items)

    scoped = Actor(token_id=11, name="B Lead", role=Role.LEAD, project_ids=(b,))
    assert {r.activity.project for r in approval_queue(session, scoped).items} == {b}
    with pytest.raises(Forbidden):
        approval_queue(session, Actor(token_id=12, name="Aud", role=Role.AUDITOR))

    # Loading is set-based: the queries do not grow with the page beyond the look-back of each live quote.
    with QueryCounter(session) as one:
        approval_queue(session, APPROVER, limit=1)
    with QueryCounter(session) as five:
        approval_queue(session, APPROVER, limit=5)
    # Each extra record costs only its live quote's one look-back query (fees already approved that day).
    assert five.count - one.count <= 4 * 1 + 1


def test_queue_warns_about_watch_limits_as_approval_will(session: Session) -> None:
    a = project(session, "AAA").id
    watched = participant(session, name="Watched", projects=[a],
                          watch=[WatchLimitIn(period="week", amount="30.00", label="My weekly limit")]).id
    meeting(session, a, [attendee(watched)], on=date(2026, 1, 5))
    item = approval_queue(session, APPROVER).items[0]
    assert item.warnings and "My weekly limit" in item.warnings[0].message
    approved = approve_record(session, APPROVER, item.id)
    assert [w.message for w in approved.warnings or []] == [w.message for w in item.warnings]


def test_lead_to_do_lists_my_rejected_until_corrected(session: Session) -> None:
    a, _, people_a, _ = _two_projects(session)
    made = meeting(session, a, [attendee(p) for p in people_a])
    reject_record(session, APPROVER, made.records[0].id, "Wrong date")
    reject_record(session, APPROVER, made.records[1].id, "Wrong role")
    todo = lead_to_do(session, LEAD)
    assert todo.rejected_mine_total == 2 and todo.waiting_for_me == 0
    assert {r.rejection_reason for r in todo.rejected_mine} == {"Wrong date", "Wrong role"}
    correct_record(session, LEAD, made.records[0].id, CorrectionIn(involvement_minutes=60))
    assert lead_to_do(session, LEAD).rejected_mine_total == 1
    assert lead_to_do(session, APPROVER).waiting_for_me == 2  # the third record and the correction


def test_lead_to_do_lists_pending_payee_changes_in_scope(session: Session) -> None:
    a, b, _, _ = _two_projects(session)
    participant(session, name="Pending A", projects=[a], confirmed=False)
    participant(session, name="Pending B", projects=[b], confirmed=False)
    assert lead_to_do(session, LEAD).pending_changes_total == 2
    scoped = Actor(token_id=9, name="A Lead", role=Role.LEAD, project_ids=(a,))
    todo = lead_to_do(session, scoped)
    assert todo.pending_changes_total == 1 and [c.participant_name for c in todo.pending_changes] == ["Pending A"]


def test_activity_rows(session: Session) -> None:
    a, b, people_a, people_b = _two_projects(session)
    made = meeting(session, a, [attendee(p) for p in people_a], on=date(2026, 1, 5))
    meeting(session, b, [attendee(p) for p in people_b], on=date(2026, 1, 6))
    approve_record(session, APPROVER, made.records[0].id)
    rows = list_activity_rows(session, LEAD, ActivityFilters())
    assert rows.total == 2
    row_a = next(r for r in rows.items if r.project_id == a)
    assert (row_a.attendees, row_a.approved, row_a.submitted) == (3, 1, 2)
    scoped = Actor(token_id=9, name="Scoped", role=Role.LEAD, project_ids=(a,))
    assert [r.project_id for r in list_activity_rows(session, scoped, ActivityFilters()).items] == [a]
    assert list_activity_rows(session, LEAD, ActivityFilters(date_from=date(2026, 1, 6))).total == 1


def _form(project_id: int, people: list[int], **extra: object) -> ActivityCreate:
    return ActivityCreate(project=project_id, date=date(2026, 1, 7), activity="meeting",
                          attendees=[attendee(p, **extra) for p in people])  # type: ignore[arg-type]


def test_activity_quote_matches_recording_and_writes_nothing(session: Session) -> None:
    a, _, people_a, _ = _two_projects(session)
    watched = participant(session, name="Watched", projects=[a],
                          watch=[WatchLimitIn(period="week", amount="10.00", label="My weekly limit")]).id
    form = _form(a, [*people_a, watched], preparation_minutes=30)
    before = session.scalar(select(func.count(Record.id)))
    answer = quote_activity(session, LEAD, form)
    assert session.scalar(select(func.count(Record.id))) == before
    assert session.scalar(select(func.count(Activity.id))) == 0
    assert answer.problems == [] and all(q.quote is not None for q in answer.attendees)
    watched_quote = answer.attendees[-1].quote
    assert watched_quote is not None and watched_quote.warnings and "My weekly limit" in \
        watched_quote.warnings[0].message
    assert all(line.explanation for q in answer.attendees for line in (q.quote.lines if q.quote else []))
    saved = meeting(session, a, list(form.attendees))
    assert [r.quote.total for r in saved.records] == [q.quote.total for q in answer.attendees if q.quote]


def test_activity_quote_problems_per_row_and_scope(session: Session) -> None:
    a, _, people_a, people_b = _two_projects(session)
    form = ActivityCreate(project=a, date=date(2026, 1, 7), activity="meeting", attendees=[
        attendee(people_a[0]),
        attendee(people_a[1], role="no-such-role"),
        attendee(people_b[0]),  # another project's person: not found, to a scoped lead
        attendee(people_a[2], expenses=[ExpenseRequest(category="no-such", amount="1.00")]),
        attendee(people_a[0]),
    ])
    scoped = Actor(token_id=9, name="A Lead", role=Role.LEAD, project_ids=(a,))
    answer = quote_activity(session, scoped, form)
    assert answer.attendees[0].quote is not None
    assert [p.field for p in answer.attendees[1].problems] == ["attendees[1].role"]
    assert "in your projects" in answer.attendees[2].problems[0].message
    assert answer.attendees[2].participant is None
    assert answer.attendees[3].problems[0].field == "attendees[3].expenses[0].category"
    assert "listed twice" in answer.attendees[4].problems[0].message
    bad_type = quote_activity(session, LEAD, ActivityCreate(project=a, date=date(2026, 1, 7),
                                                             activity="no-such-activity",
                                                             attendees=[attendee(p) for p in people_a]))
    assert [p.field for p in bad_type.problems] == ["activity"]  # once, not once per attendee
    with pytest.raises(Forbidden):
        quote_activity(session, Actor(token_id=9, name="B", role=Role.LEAD, project_ids=(a + 100,)), form)
