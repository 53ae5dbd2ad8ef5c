"""Many statements from a few queries (``build_statements``) are exactly the statements ``build_statement``
makes one person at a time, on a generated ledger, on SQLite and PostgreSQL.

The ledger mixes what changes a statement: paid, owed, declined and reversed records, expenses declined
with the fee, people paid through an organisation, people without bank details (so "we need your bank
details"), weekly limits, a second payment batch, outcomes of activities and of whole projects, somebody
with nothing in the period, and different statement styles.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from payments.factory import approve, backdate, participant, project, reverse
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import Participant
from ledger.errors import NotFound
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.recognition.outcomes import add_outcome
from ledger.recognition.schemas import OutcomeIn
from ledger.reports import statements
from ledger.reports.statements import build_statement, build_statements
from ledger.security.actor import Actor

CLI = Actor.system("cli")
LEAD = Actor.system("Lee Lead")
YEAR = (date(2025, 4, 6), date(2026, 4, 5))
TODAY = date(2026, 4, 10)


def _ledger(s: Session, seed: int = 7, people: int = 14) -> list[int]:
    rng = random.Random(seed)
    projects = [project(s, code) for code in ("ONE", "TWO", "THREE")]
    everyone = []
    for n in range(people):
        kind = n % 5
        person = participant(
            s, f"Person {n}",
            preference=("bank_transfer", "organisation", "bank_transfer", "expenses_only", "bank_transfer")[kind],
            organisation="Mind in Leeds" if kind == 1 else None,
            sort_code=None if n % 7 == 3 else "089999", account=None if n % 7 == 3 else "66374958",
            style=("standard", "large_print", "easy_read")[n % 3],
            weekly_limit="195.50" if n % 4 == 0 else None,
        )
        everyone.append(person)
    activities = []
    for person in everyone[:-1]:  # the last person has nothing in the period
        for _ in range(rng.randint(1, 6)):
            on = YEAR[0] + timedelta(days=rng.randrange(300))
            declined = rng.random() < 0.15
            done = approve(s, person, rng.choice(projects), on, rng.choice((2750, 3438, 4125)),
                           rng.choice((0, 0, 450, 1250)), minutes=rng.choice((60, 90, 150)),
                           declined=declined, costs_declined=declined and rng.random() < 0.5)
            activities.append(done)
            if rng.random() < 0.1:
                reverse(s, done, on + timedelta(days=2))
    first = build_batch(s, CLI, "bank_transfer", up_to=date(2025, 10, 31)).batch
    approve_batch(s, Actor.system("checker"), first.id)
    backdate(s, first, date(2025, 11, 3))
    mark_paid(s, CLI, first.id, date(2025, 11, 5), today=date(2025, 11, 6))
    second = build_batch(s, CLI, "bank_transfer").batch
    approve_batch(s, Actor.system("checker"), second.id)
    backdate(s, second, date(2026, 2, 2))
    mark_paid(s, CLI, second.id, date(2026, 2, 4), today=date(2026, 2, 5))
    add_outcome(s, LEAD, OutcomeIn(text="Signs in the clinic are now bigger.", date=date(2025, 12, 1),
                                   activity=activities[0].record.activity_id), today=date(2026, 3, 1))
    add_outcome(s, LEAD, OutcomeIn(text="The booking line opens at weekends.", date=date(2025, 12, 15),
                                   project=projects[1].id), today=date(2026, 3, 1))
    add_outcome(s, LEAD, OutcomeIn(text="Letters now come in large print.", date=date(2025, 6, 1),
                                   project=projects[2].id), today=date(2026, 3, 1))
    return [p.id for p in everyone]


def _same_as_one_at_a_time(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    with transaction(factory) as s:
        ids = _ledger(s)
    with transaction(factory) as s:
        one_by_one = [build_statement(s, pid, *YEAR, today=TODAY) for pid in ids]
        many = build_statements(s, ids, *YEAR, today=TODAY)
        assert many == one_by_one
        monkeypatch.setattr(statements, "_MANY", 4)  # several chunks, and people in a new order
        shuffled = list(reversed(ids))
        assert build_statements(s, shuffled, *YEAR, today=TODAY) == one_by_one[::-1]
        assert build_statements(s, ids, *YEAR, style="easy_read", today=TODAY) == [
            build_statement(s, pid, *YEAR, style="easy_read", today=TODAY) for pid in ids]
    # the ledger has what the comparison needs to mean something
    assert any(st.payments for st in many) and any(st.outcomes for st in many)
    assert any(st.bank_details_needed for st in many) and any(st.weeks for st in many)
    assert any(a.status == s for st in many for a in st.activities for s in ("reversed",))
    assert any(a.declined for st in many for a in st.activities) and not many[-1].activities
    assert len({st.style for st in many}) == 3 and any(st.fees_paid_to for st in many)


def test_many_statements_are_the_ones_made_one_at_a_time(factory: sessionmaker[Session],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _same_as_one_at_a_time(factory, monkeypatch)


def test_many_statements_are_the_ones_made_one_at_a_time_on_postgres(pg_factory: sessionmaker[Session],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _same_as_one_at_a_time(pg_factory, monkeypatch)


def test_many_statements_take_a_few_queries_whatever_the_number_of_people(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        ids = _ledger(s, people=30)
    counted: list[str] = []
    engine = factory.kw["bind"]

    def count(*_: object) -> None:
        counted.append("query")

    event.listen(engine, "before_cursor_execute", count)
    try:
        with transaction(factory) as s:
            build_statements(s, ids, *YEAR, today=TODAY)
            together = len(counted)
            counted.clear()
            for pid in ids:
                build_statement(s, pid, *YEAR, today=TODAY)
            apart = len(counted)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert together <= 16 and apart >= 6 * len(ids), (together, apart)


def test_an_unknown_person_is_named(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        ids = _ledger(s, people=3)
        missing = max(s.scalars(select(Participant.id))) + 1
        with pytest.raises(NotFound, match=str(missing)):
            build_statements(s, [*ids, missing], *YEAR, today=TODAY)
