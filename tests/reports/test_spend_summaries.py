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
from payments.factory import (
    Approved,
    approve,
    backdate,
    migrated_factory,
    participant,
    project,
    reverse,
    set_organisation,
)
from private_pg import private_postgres_factory
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import (
    AccountKind,
    Activity,
    Batch,
    BatchItem,
    BatchLine,
    Category,
    EntryKind,
    Posting,
    Record,
    RecordStatus,
)
from ledger.db.models_summaries import PaidSummary, ParticipantDay, PaymentTime, SpendSummary
from ledger.errors import Invalid
from ledger.payments import batches, returns
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.payments.postings import Leg, post_entry
from ledger.payments.returns import return_line
from ledger.reports.spend_summaries import check
from ledger.security.actor import Actor

START = date(2025, 5, 1)
BUILDER = Actor.system("builder")
CHECKER = Actor.system("checker")  # a batch is approved by someone other than who built it
OPS = st.lists(
    st.tuples(
        st.sampled_from(["paid", "paid", "fees_declined", "all_declined", "reverse", "no_record", "pay", "pay",
                         "return"]),
        st.integers(0, 2),  # project
        st.integers(0, 3),  # person (also picks which approval a reversal undoes)
        st.integers(0, 6),  # day
        st.integers(0, 9000),  # fee in pence
        st.sampled_from([0, 450, 1275]),  # expenses in pence
        st.sampled_from(["meeting", "review"]),
    ),
    max_size=16,
)


def _apply(s: Session, ops: list[tuple[str, int, int, int, int, int, str]]) -> None:
    projects = [project(s, f"S{i}") for i in range(3)]
    people = [participant(s, f"Person {i}") for i in range(4)]
    approved: list[Approved] = []
    reversed_ids: set[int] = set()
    paid_batches: list[Batch] = []
    for kind, proj, person, day, fee, expense, activity in ops:
        on = START + timedelta(days=day)
        if kind == "pay":  # everything owed to date (for one project when proj is 0) paid some days later
            try:
                batch = build_batch(s, BUILDER, "bank_transfer", project_id=projects[0].id if proj == 0 else None,
                                    up_to=on).batch
            except Invalid:  # nothing owed yet
                continue
            approve_batch(s, CHECKER, batch.id)
            made = START + timedelta(days=10 + len(paid_batches) * 7)
            backdate(s, batch, made)
            mark_paid(s, BUILDER, batch.id, made + timedelta(days=person), today=made + timedelta(days=30))
            paid_batches.append(batch)
        elif kind == "return":  # one paid line comes back (owed again, paid by a later batch)
            lines = [line for b in paid_batches for line in b.lines if line.status == "paid"]
            if lines:
                line = lines[person % len(lines)]
                return_line(s, BUILDER, line.batch_id, line.id, "account closed", booked_on=on)
        elif kind == "reverse":
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


def _expected_paid(s: Session) -> tuple[dict[tuple[int, date], tuple[int, int]], dict[int, tuple[int, date, date]]]:
    """What of each record was paid per activity date, and when each was last paid, worked out in Python
    from the payable postings in paid batch lines."""
    records = {r.id: r for r in s.scalars(select(Record))}
    activities = {a.id: a for a in s.scalars(select(Activity))}
    lines = {line.id: line for line in s.scalars(select(BatchLine))}
    batches = {b.id: b for b in s.scalars(select(Batch))}
    postings = {p.id: p for p in s.scalars(select(Posting))}
    paid: dict[tuple[int, date], list[int]] = {}
    last: dict[int, tuple[int, date, date]] = {}
    for item in s.scalars(select(BatchItem)):
        posting, line = postings[item.posting_id], lines[item.batch_line_id]
        if line.status != "paid" or posting.account_kind != "participant_payable" or posting.record_id is None:
            continue
        activity = activities[records[posting.record_id].activity_id]
        paid_on = batches[line.batch_id].paid_on
        assert paid_on is not None
        row = paid.setdefault((posting.record_id, posting.activity_date or activity.date), [activity.project_id, 0])
        row[1] -= posting.amount_minor
        before = last.get(posting.record_id)
        last[posting.record_id] = (activity.project_id, activity.date, max(paid_on, before[2]) if before else paid_on)
    return {key: (v[0], v[1]) for key, v in paid.items()}, last


def _stored_paid(s: Session) -> tuple[dict[tuple[int, date], tuple[int, int]], dict[int, tuple[int, date, date]]]:
    return ({(p.record_id, p.activity_date): (p.project_id, p.paid_minor) for p in s.scalars(select(PaidSummary))},
            {t.record_id: (t.project_id, t.activity_date, t.paid_on) for t in s.scalars(select(PaymentTime))})


def _assert_summaries_equal_sources(s: Session) -> None:
    s.flush()
    assert _stored_spend(s) == _expected_spend(s)
    assert _stored_days(s) == _expected_days(s)
    assert _stored_paid(s) == _expected_paid(s)
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
        set_organisation(factory)
        yield factory


def test_summaries_equal_the_postings_summed_on_sqlite(sqlite_factory: sessionmaker[Session]) -> None:
    _property(sqlite_factory)


@pytest.mark.postgres
def test_summaries_equal_the_postings_summed_on_postgres(postgres_factory: sessionmaker[Session]) -> None:
    _property(postgres_factory)


def _small_ledger(s: Session) -> None:
    _apply(s, [("paid", 0, 0, 1, 2750, 450, "meeting"), ("fees_declined", 1, 1, 2, 1000, 0, "review"),
               ("paid", 0, 2, 1, 500, 0, "meeting"), ("reverse", 0, 2, 3, 0, 0, "meeting"),
               ("paid", 2, 3, 2, 800, 450, "review"), ("pay", 1, 2, 5, 0, 0, ""), ("return", 0, 1, 6, 0, 0, ""),
               ("pay", 1, 3, 6, 0, 0, "")])


@pytest.mark.parametrize("tamper", ["amount", "missing_day", "paid", "paid_on"])
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
        elif tamper == "missing_day":
            s.execute(text("DELETE FROM participant_days WHERE id = (SELECT min(id) FROM participant_days)"))
        elif tamper == "paid":
            s.execute(text("UPDATE paid_summaries SET paid_minor = paid_minor - 1 "
                           "WHERE id = (SELECT max(id) FROM paid_summaries)"))
        else:
            s.execute(text("UPDATE payment_times SET paid_on = activity_date "
                           "WHERE id = (SELECT min(id) FROM payment_times)"))
    with factory() as s:
        results = {r.table: r for r in check(s)}
    table = {"amount": "spend_summaries", "missing_day": "participant_days", "paid": "paid_summaries",
             "paid_on": "payment_times"}[tamper]
    assert not results[table].ok and results[table].examples
    assert results[table].only_in_source == 1
    assert results[table].only_in_summary == (0 if tamper == "missing_day" else 1)
    assert all(r.ok for name, r in results.items() if name != table)
    found = CliRunner().invoke(main, ["report", "check", *url])
    assert found.exit_code == 1
    assert f"error: the roll-up summaries do not match the ledger ({table})" in found.output
    assert "Traceback" not in found.output


def test_check_of_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "check", "--database", f"sqlite:///{tmp_path / 'no' / 'x.db'}"])
    assert result.exit_code == 1 and result.output.startswith("error: ") and "Traceback" not in result.output


def test_migration_fills_the_summaries_from_existing_postings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0014")
    factory = make_session_factory(engine)
    set_organisation(factory)
    # Before 0015 marking paid and returning wrote no paid summaries (their tables did not exist).
    monkeypatch.setattr(batches, "refresh_for_lines", lambda *args: None)
    monkeypatch.setattr(returns, "refresh_for_lines", lambda *args: None)
    with transaction(factory) as s:
        _small_ledger(s)
        assert s.scalar(text("SELECT count(*) FROM postings"))
        assert s.scalar(text("SELECT count(*) FROM batch_lines WHERE status = 'paid'"))
        assert s.scalar(text("SELECT count(*) FROM batch_lines WHERE status = 'returned'"))
    monkeypatch.undo()
    upgrade(engine)
    with factory() as s:
        assert _stored_spend(s) and _stored_days(s) and all(_stored_paid(s))
        _assert_summaries_equal_sources(s)
    engine.dispose()
