"""The roll-up summaries always equal the postings and records they sum, on SQLite and PostgreSQL.

A property test drives random approvals (paid, fees declined, everything declined), reversals and
postings without a record through the real posting code, then compares every summary row with sums
worked out here in plain Python from the source rows, and with ``check`` (the SQL definition). Other
tests show ``check`` and ``ledger report check`` catch a summary that was changed behind the ledger's
back, and that the migration fills the summaries from a ledger that already has postings.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payments.factory import Approved, approve, migrated_factory, participant, project, reverse
from private_pg import private_postgres_factory
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import AccountKind, Activity, Category, EntryKind, Posting, Record, RecordStatus
from ledger.db.models_summaries import ParticipantDay, SpendSummary
from ledger.payments.postings import Leg, post_entry
from ledger.reports.spend_summaries import check

START = date(2025, 5, 1)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["paid", "fees_declined", "all_declined", "reverse", "no_record"]),
        st.integers(0, 2),  # project
        st.integers(0, 3),  # person (also picks which approval a reversal undoes)
        st.integers(0, 6),  # day
        st.integers(0, 9000),  # fee in pence
        st.sampled_from([0, 450, 1275]),  # expenses in pence
        st.sampled_from(["meeting", "review"]),
    ),
    max_size=14,
)


def _apply(s: Session, ops: list[tuple[str, int, int, int, int, int, str]]) -> None:
    projects = [project(s, f"S{i}") for i in range(3)]
    people = [participant(s, f"Person {i}") for i in range(4)]
    approved: list[Approved] = []
    reversed_ids: set[int] = set()
    for kind, proj, person, day, fee, expense, activity in ops:
        on = START + timedelta(days=day)
        if kind == "reverse":
            if approved:
                target = approved[person % len(approved)]
                if target.record.id not in reversed_ids:
                    reverse(s, target, on)
                    reversed_ids.add(target.record.id)
        elif kind == "no_record":
            legs = [Leg(AccountKind.PROJECT_SPEND, Category.EXPENSE, expense + 1, "GBP",
                        participant_id=people[person].id, project_id=projects[proj].id, activity_date=on),
                    Leg(AccountKind.PARTICIPANT_PAYABLE, Category.EXPENSE, -(expense + 1), "GBP",
                        participant_id=people[person].id, project_id=projects[proj].id, activity_date=on)]
            post_entry(s, kind=EntryKind.APPROVAL, booked_on=on, memo="adjustment", legs=legs)
        else:
            approved.append(approve(s, people[person], projects[proj], on, fee, expense, minutes=30 + day,
                                    activity=activity, declined=kind != "paid",
                                    costs_declined=kind == "all_declined"))


def _expected_spend(s: Session) -> dict[tuple[object, ...], tuple[int, int, int]]:
    """The summary rows worked out in Python from every posting (and its record and activity)."""
    records = {r.id: r for r in s.scalars(select(Record))}
    activities = {a.id: a for a in s.scalars(select(Activity))}
    sums: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in s.scalars(select(Posting)):
        if p.account_kind not in ("project_spend", "project_foregone") or p.project_id is None \
                or p.activity_date is None:
            continue
        record = records.get(p.record_id) if p.record_id is not None else None
        activity = activities[record.activity_id].activity if record else ""
        key = (p.project_id, p.activity_date, p.account_kind, p.category, p.currency, activity,
               (record.rate_card or "") if record else "")
        row = sums[key]
        row[0] += p.amount_minor
        row[1] += p.minutes or 0
        row[2] += 1
    return {key: (v[0], v[1], v[2]) for key, v in sums.items()}


def _stored_spend(s: Session) -> dict[tuple[object, ...], tuple[int, int, int]]:
    return {(r.project_id, r.activity_date, r.account_kind, r.category, r.currency, r.activity, r.rate_card):
            (r.amount_minor, r.minutes, r.postings) for r in s.scalars(select(SpendSummary))}


def _expected_days(s: Session) -> dict[tuple[int, date, int], int]:
    activities = {a.id: a for a in s.scalars(select(Activity))}
    return dict(Counter(
        (activities[r.activity_id].project_id, activities[r.activity_id].date, r.participant_id)
        for r in s.scalars(select(Record)) if r.status == RecordStatus.APPROVED.value
    ))


def _stored_days(s: Session) -> dict[tuple[int, date, int], int]:
    return {(d.project_id, d.activity_date, d.participant_id): d.approved_records
            for d in s.scalars(select(ParticipantDay))}


def _assert_summaries_equal_sources(s: Session) -> None:
    s.flush()
    assert _stored_spend(s) == _expected_spend(s)
    assert _stored_days(s) == _expected_days(s)
    assert all(result.ok for result in check(s)), check(s)


def _property(factory: sessionmaker[Session]) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(OPS)
    def run(ops: list[tuple[str, int, int, int, int, int, str]]) -> None:
        with factory() as s:
            try:
                _apply(s, ops)
                _assert_summaries_equal_sources(s)
            finally:
                s.rollback()  # the next example starts from an empty ledger again

    run()


@pytest.fixture(scope="module")
def sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    return migrated_factory(tmp_path_factory.mktemp("summaries"))


@pytest.fixture(scope="module")
def postgres_factory() -> Iterator[sessionmaker[Session]]:
    with private_postgres_factory("ledger_summaries") as factory:
        yield factory


def test_summaries_equal_the_postings_summed_on_sqlite(sqlite_factory: sessionmaker[Session]) -> None:
    _property(sqlite_factory)


@pytest.mark.postgres
def test_summaries_equal_the_postings_summed_on_postgres(postgres_factory: sessionmaker[Session]) -> None:
    _property(postgres_factory)


def _small_ledger(s: Session) -> None:
    _apply(s, [("paid", 0, 0, 1, 2750, 450, "meeting"), ("fees_declined", 1, 1, 2, 1000, 0, "review"),
               ("paid", 0, 2, 1, 500, 0, "meeting"), ("reverse", 0, 2, 3, 0, 0, "meeting")])


@pytest.mark.parametrize("tamper", ["amount", "missing_day"])
def test_check_finds_a_summary_changed_behind_the_ledgers_back(
    tmp_path: Path, tamper: str,
) -> None:
    factory = migrated_factory(tmp_path)
    with transaction(factory) as s:
        _small_ledger(s)
    url = ["--database", f"sqlite:///{tmp_path / 'ledger.db'}"]
    fine = CliRunner().invoke(main, ["report", "check", *url])
    assert fine.exit_code == 0, fine.output
    assert "spend_summaries: " in fine.output and "all equal to the sums of their source rows" in fine.output
    with transaction(factory) as s:
        if tamper == "amount":
            first = s.scalars(select(SpendSummary).order_by(SpendSummary.id)).first()
            assert first is not None
            s.execute(update(SpendSummary).where(SpendSummary.id == first.id)
                      .values(amount_minor=SpendSummary.amount_minor + 1))
        else:
            s.execute(text("DELETE FROM participant_days WHERE id = (SELECT min(id) FROM participant_days)"))
    with factory() as s:
        results = {r.table: r for r in check(s)}
    table = "spend_summaries" if tamper == "amount" else "participant_days"
    assert not results[table].ok and results[table].examples
    assert results[table].only_in_source == 1
    assert results[table].only_in_summary == (1 if tamper == "amount" else 0)
    other = "participant_days" if tamper == "amount" else "spend_summaries"
    assert results[other].ok
    found = CliRunner().invoke(main, ["report", "check", *url])
    assert found.exit_code == 1
    assert f"error: the roll-up summaries do not match the ledger ({table})" in found.output
    assert "Traceback" not in found.output


def test_check_of_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "check", "--database", f"sqlite:///{tmp_path / 'no' / 'x.db'}"])
    assert result.exit_code == 1 and result.output.startswith("error: ") and "Traceback" not in result.output


def test_migration_fills_the_summaries_from_existing_postings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0014")
    factory = make_session_factory(engine)
    with transaction(factory) as s:
        _small_ledger(s)
        assert s.scalar(text("SELECT count(*) FROM postings"))
    upgrade(engine)
    with factory() as s:
        assert _stored_spend(s) and _stored_days(s)
        _assert_summaries_equal_sources(s)
    engine.dispose()
