"""The roll-up summaries always equal the postings and records they sum, on SQLite and PostgreSQL.

A property test drives random approvals (paid, fees declined, everything declined), reversals,
postings without a record, payment runs paid and lines returned through the real services, on days
either side of a tax year's start, then compares every summary row with sums worked out here in plain
Python from the source rows, and with ``check`` (the SQL definition); and the spend report's distinct
people (read from the per-year and per-day rows) with the people counted in Python and with a plain
COUNT(DISTINCT) over the per-day rows, for periods made of whole tax years, parts of years and both.
Other tests show ``check`` and ``ledger report check`` catch a summary that was changed behind the
ledger's back, and that the migrations fill the summaries from a ledger that already has postings.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
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
from private_pg import create_private_postgres, drop_private_postgres, private_postgres_factory
from sqlalchemy import Engine, case, func, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import alembic_config, upgrade
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
from ledger.db.models_summaries import (
    PaidDay,
    PaidSummary,
    ParticipantDay,
    ParticipantYear,
    PaymentDay,
    PaymentTime,
    SpendSummary,
)
from ledger.errors import Invalid
from ledger.money import Money
from ledger.payments import batches, paid_summaries, returns
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.payments.postings import Leg, post_entry
from ledger.payments.returns import return_line
from ledger.rates.taxyear import tax_year_start
from ledger.reports import spend
from ledger.reports.spend_summaries import check, rebuild
from ledger.reports.statements import activity_label
from ledger.security.actor import Actor

START = date(2026, 4, 2)  # days 0 to 6 are 2 to 8 April: either side of the 2026 to 2027 tax year's start
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


# Paid, then the only line comes back and is not paid again: its day must leave the per-day summaries.
RETURNED_NOT_PAID_AGAIN = [("paid", 0, 0, 1, 2750, 450, "meeting"), ("paid", 1, 1, 5, 900, 0, "review"),
                           ("pay", 1, 2, 5, 0, 0, ""), ("return", 0, 0, 6, 0, 0, "")]


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


def _expected_years(s: Session) -> dict[tuple[int, int, int], int]:
    """Per project, tax year (the year it starts) and person: on how many days they had an approved record."""
    days = _expected_days(s)
    return dict(Counter((project_id, tax_year_start(day).year, person) for project_id, day, person in days))


def _stored_years(s: Session) -> dict[tuple[int, int, int], int]:
    return {(y.project_id, y.tax_year, y.participant_id): y.days for y in s.scalars(select(ParticipantYear))}


def _expected_paid_days(s: Session) -> tuple[dict[tuple[int, date], int], dict[tuple[int, date, date], int]]:
    """Paid per project and activity date, and paid records per project, activity date and paid date,
    from the per-record figures worked out in Python."""
    paid, last = _expected_paid(s)
    per_day: dict[tuple[int, date], int] = defaultdict(int)
    for (_record, when), (project_id, amount) in paid.items():
        per_day[(project_id, when)] += amount
    return dict(per_day), dict(Counter(last.values()))


def _stored_paid_days(s: Session) -> tuple[dict[tuple[int, date], int], dict[tuple[int, date, date], int]]:
    return ({(d.project_id, d.activity_date): d.paid_minor for d in s.scalars(select(PaidDay))},
            {(d.project_id, d.activity_date, d.paid_on): d.records for d in s.scalars(select(PaymentDay))})


PERIODS = [
    (date(2026, 4, 6), date(2027, 4, 5)),  # one whole tax year
    (date(2025, 4, 6), date(2027, 4, 5)),  # two whole tax years
    (date(2026, 4, 4), date(2027, 4, 5)),  # a whole year and days before it
    (date(2025, 4, 6), date(2026, 4, 6)),  # a whole year and a day after it
    (date(2026, 4, 3), date(2026, 4, 7)),  # no whole year
    (date(2026, 4, 6), date(2026, 4, 6)),  # one day
    (date(2024, 1, 1), date(2028, 1, 1)),  # whole years with days either side
    (date(2026, 4, 7), date(2028, 4, 5)),  # starts a day into a tax year: that year is not whole
    (date(2024, 4, 6), date(2026, 4, 4)),  # ends a day before a tax year ends: that year is not whole
]


def _assert_people_counted(s: Session) -> None:
    """The spend report's distinct people, per project and across them, equal the people counted in
    Python and a plain COUNT(DISTINCT) over ``participant_days`` (the way before ``participant_years``)."""
    days = _expected_days(s)
    ids = sorted({project_id for project_id, _, _ in days}) or [0]
    for period in PERIODS:
        inside = [(project_id, person) for project_id, day, person in days if period[0] <= day <= period[1]]
        expected = dict(Counter(project_id for project_id, _ in set(inside)))
        expected[spend.ALL] = len({person for _, person in inside})
        d = ParticipantDay
        in_period = (d.project_id.in_(ids), d.activity_date.between(*period))
        plain = {int(p): int(n) for p, n in s.execute(
            select(d.project_id, func.count(func.distinct(d.participant_id))).where(*in_period).group_by(d.project_id))}
        plain[spend.ALL] = int(s.scalar(select(func.count(func.distinct(d.participant_id))).where(*in_period)) or 0)
        assert spend._participants(s, ids, period) == expected == plain, period
        for one in ids:  # one project: its count is the count across projects
            alone = spend._participants(s, [one], period)
            assert alone.get(one, 0) == alone[spend.ALL] == expected.get(one, 0), (period, one)


def _old_sums_and_activities(
    s: Session, ids: list[int], period: tuple[date, date],
) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[spend.ActivitySpend, ...]]]:
    """The two queries the report used before ``_sums_and_activities`` (kept here to compare with)."""
    t = SpendSummary
    is_spend, foregone = t.account_kind == "project_spend", t.account_kind == "project_foregone"
    fee, expense = t.category == "fee", t.category == "expense"
    sums = {int(row[0]): tuple(int(v or 0) for v in row[1:]) for row in s.execute(
        select(t.project_id,
               func.sum(case((is_spend & fee, t.amount_minor), else_=0)),
               func.sum(case((is_spend & expense, t.amount_minor), else_=0)),
               func.sum(case((foregone & fee, t.amount_minor), else_=0)),
               func.sum(case((foregone & expense, t.amount_minor), else_=0)),
               func.sum(case((is_spend & fee, t.minutes), else_=0)),
               func.sum(case((foregone & fee, t.minutes), else_=0)))
        .where(t.project_id.in_(ids), t.activity_date.between(*period)).group_by(t.project_id))}
    merged: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for project_id, key, rate_card, first, fees, expenses, minutes in s.execute(
        select(t.project_id, t.activity, t.rate_card, func.min(t.activity_date),
               func.sum(case((is_spend & fee, t.amount_minor), else_=0)),
               func.sum(case((is_spend & expense, t.amount_minor), else_=0)),
               func.sum(case((fee, t.minutes), else_=0)))
        .where(t.project_id.in_(ids), t.activity_date.between(*period), t.activity != "")
        .group_by(t.project_id, t.activity, t.rate_card)
    ):
        row = merged[int(project_id)].setdefault(activity_label(rate_card or None, key, first), [0, 0, 0])
        row[0] += int(fees or 0)
        row[1] += int(expenses or 0)
        row[2] += int(minutes or 0)
    return sums, {pid: tuple(spend.ActivitySpend(label, Money.from_minor(v[0], "GBP").amount,
                                                 Money.from_minor(v[1], "GBP").amount, v[2])
                             for label, v in sorted(rows.items())) for pid, rows in merged.items()}


def _assert_report_reads_agree(s: Session) -> None:
    """The one GROUP BY for project sums and "by activity" gives what the two queries before it gave."""
    ids = sorted(s.scalars(select(SpendSummary.project_id).distinct())) or [0]
    for period in PERIODS:
        assert spend._sums_and_activities(s, ids, period, "GBP") == _old_sums_and_activities(s, ids, period), period


def _assert_summaries_equal_sources(s: Session) -> None:
    s.flush()
    assert _stored_spend(s) == _expected_spend(s)
    assert _stored_days(s) == _expected_days(s)
    assert _stored_years(s) == _expected_years(s)
    assert _stored_paid(s) == _expected_paid(s)
    assert _stored_paid_days(s) == _expected_paid_days(s)
    assert all(result.ok for result in check(s)), check(s)
    _assert_people_counted(s)
    _assert_report_reads_agree(s)


def _property(factory: sessionmaker[Session]) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(OPS)
    @example(RETURNED_NOT_PAID_AGAIN)
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


@pytest.mark.parametrize("tamper", ["amount", "missing_day", "paid", "paid_on", "missing_year", "paid_day",
                                    "payment_day"])
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
        elif tamper == "paid_on":
            s.execute(text("UPDATE payment_times SET paid_on = activity_date "
                           "WHERE id = (SELECT min(id) FROM payment_times)"))
        elif tamper == "missing_year":
            s.execute(text("DELETE FROM participant_years WHERE id = (SELECT min(id) FROM participant_years)"))
        elif tamper == "paid_day":
            s.execute(text("UPDATE paid_days SET paid_minor = paid_minor + 1 "
                           "WHERE id = (SELECT min(id) FROM paid_days)"))
        else:
            s.execute(text("UPDATE payment_days SET records = records + 1 "
                           "WHERE id = (SELECT max(id) FROM payment_days)"))
    with factory() as s:
        results = {r.table: r for r in check(s)}
    table = {"amount": "spend_summaries", "missing_day": "participant_days", "paid": "paid_summaries",
             "paid_on": "payment_times", "missing_year": "participant_years", "paid_day": "paid_days",
             "payment_day": "payment_days"}[tamper]
    assert not results[table].ok and results[table].examples
    assert results[table].only_in_source == 1
    assert results[table].only_in_summary == (0 if tamper.startswith("missing") else 1)
    # participant_days' trigger takes the deleted day off participant_years too, so both are wrong.
    also = {"missing_day": {"participant_years"}}.get(tamper, set())
    assert {name for name, r in results.items() if not r.ok} == {table} | also
    found = CliRunner().invoke(main, ["report", "check", *url])
    assert found.exit_code == 1
    assert f"error: the roll-up summaries do not match the ledger ({table}" in found.output
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


def _downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as conn:
        config = alembic_config(engine)
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


DAY_AND_YEAR_TABLES = ("paid_days", "payment_days", "participant_years")


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _migration_0016_fills_and_drops(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """0016 fills its tables from a ledger paid, returned and approved at 0015; down to 0015 drops them
    and the triggers on participant_days (an approval at 0015 still works); up again fills them again."""
    upgrade(engine, "0015")
    factory = make_session_factory(engine)
    set_organisation(factory)
    # At 0015 marking paid and returning wrote only the per-record rows (the per-day tables did not exist).
    monkeypatch.setattr(paid_summaries, "_sum_days", lambda *args: None)
    with transaction(factory) as s:
        _small_ledger(s)
        assert s.scalar(text("SELECT count(*) FROM paid_summaries"))
        assert s.scalar(text("SELECT count(*) FROM batch_lines WHERE status = 'returned'"))
    monkeypatch.undo()
    assert not _tables(engine) & set(DAY_AND_YEAR_TABLES)
    for _ in range(2):
        upgrade(engine)
        with factory() as s:
            assert _stored_years(s) and all(_stored_paid_days(s))
            _assert_summaries_equal_sources(s)
        _downgrade(engine, "0015")
        assert not _tables(engine) & set(DAY_AND_YEAR_TABLES)
        with transaction(factory) as s:  # approving at 0015 again: no trigger of 0016 is left behind
            _apply(s, [("paid", 1, 3, 6, 900, 0, "review")])
    engine.dispose()


def test_migration_0016_fills_and_drops_its_tables_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _migration_0016_fills_and_drops(make_engine(f"sqlite:///{tmp_path / 'old.db'}"), monkeypatch)


@pytest.mark.postgres
def test_migration_0016_fills_and_drops_its_tables_on_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    url = create_private_postgres("ledger_0016")
    try:
        _migration_0016_fills_and_drops(make_engine(url), monkeypatch)
    finally:
        drop_private_postgres(url)


def _rebuild_rewrites_every_summary(factory: sessionmaker[Session]) -> None:
    """``rebuild`` (the benchmarks' bulk-load step) writes every summary from its definition, and leaves
    the triggers working: an approval afterwards is counted as before."""
    with transaction(factory) as s:
        _small_ledger(s)
    with transaction(factory) as s:  # every summary table made wrong
        for table in ("spend_summaries", "participant_days", "participant_years", "paid_summaries", "payment_times",
                      "paid_days", "payment_days"):
            s.execute(text(f"DELETE FROM {table} WHERE id = (SELECT min(id) FROM {table})"))
        assert not any(r.ok for r in check(s))
        rebuild(s)
    with transaction(factory) as s:
        _assert_summaries_equal_sources(s)
        _apply(s, [("paid", 1, 3, 6, 900, 0, "review"), ("paid", 2, 0, 0, 100, 0, "meeting"),
                   ("pay", 1, 1, 6, 0, 0, "")])
        _assert_summaries_equal_sources(s)
        # The ledger never moves a participant_days row to another day, but if anything did, its year follows.
        s.execute(text("UPDATE participant_days SET activity_date = :day WHERE id = (SELECT min(id) FROM "
                       "participant_days)"), {"day": date(2027, 4, 6)})
        years = Counter((p, tax_year_start(day).year, person) for p, day, person in _stored_days(s))
        assert _stored_years(s) == dict(years) and 2027 in {y for _, y, _ in years}


def test_rebuild_rewrites_every_summary_on_sqlite(tmp_path: Path) -> None:
    _rebuild_rewrites_every_summary(migrated_factory(tmp_path))


@pytest.mark.postgres
def test_rebuild_rewrites_every_summary_on_postgres() -> None:
    url = create_private_postgres("ledger_rebuild")
    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        set_organisation(factory)
        _rebuild_rewrites_every_summary(factory)
    finally:
        engine.dispose()
        drop_private_postgres(url)
