"""Benchmark: a national funder's ledger, 10,000,000 postings on PostgreSQL, loaded with COPY.

    .venv/bin/python bench/bench_national.py [--postings 10000000] [--participants 200000]
                                             [--projects 2000] [--runs 5] [--database URL]

What it builds, in a private database (dropped at the end, unless ``--keep``):

* one project with 10,000 payees who have bank details (sealed as the ledger seals them) and one approved
  record each, seeded through the ORM as ``bench_batch_scale.py`` does: the batch to build;
* ``--projects`` more projects and ``--participants`` people in all, with enough approved records
  (one activity, two explained lines, one approval entry and four postings each) to reach ``--postings``,
  loaded with COPY, triggers off, then the roll-up summaries rebuilt from the postings
  (``ledger.reports.spend_summaries.rebuild``) and VACUUM ANALYZE.

What it times, each beside a floor measured in the same run (median of ``--runs``):

* **project roll-up**: ``project_spend`` for one project; floor: the bare GROUP BY/SUM over its postings.
* **all projects roll-up**: ``spend_report`` over every project; floor: the bare GROUP BY over all postings.
* **one participant's statement data**: ``build_statement`` for a person with about a dozen records;
  floor: one SELECT of that person's records joined to their activities and lines.
* **a 10,000-payee batch build**: ``build_batch`` for the seeded project, in its own transaction (rolled
  back, so each run builds the same batch); floor: one multi-row INSERT of 10,000 rows.

It also prints the database size and the biggest tables and indexes, for the projections in
docs/performance.md. Loading takes several minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from bench_batch_scale import BUILDER, seed
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade
from ledger.payments.batches import build_batch
from ledger.reports.spend import project_spend, spend_report
from ledger.reports.spend_summaries import rebuild
from ledger.reports.statements import build_statement
from ledger.security.keys import Keyring, use_keyring

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PAYEES = 10_000
START = date(2025, 4, 6)
PERIOD = (START, START + timedelta(days=364))
TRIGGERED = ("postings", "journal_entries", "records")


def load_bulk(conninfo: str, postings: int, participants: int, projects: int) -> tuple[int, int]:
    """COPY the bulk of the ledger after the seeded batch project; returns (records, postings) loaded."""
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        first = {t: cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0]  # type: ignore[index]
                 for t in ("participants", "projects", "activities", "records", "journal_entries")}
        seeded_postings = cur.execute("SELECT count(*) FROM postings").fetchone()[0]  # type: ignore[index]
        records = max(0, (postings - seeded_postings) // 4)
        people = max(1, participants - PAYEES)
        for table in TRIGGERED:
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        with cur.copy("COPY projects (id, code, name, rate_card, currency, budget_minor, cost_code, created_at) "
                      "FROM STDIN") as cp:
            for p in range(projects):
                cp.write_row((first["projects"] + p, f"N{p:05d}", f"Project {p}", "nihr-style", "GBP", 50_000_000,
                              "CC-1", "2025-01-01"))
        with cur.copy("COPY participants (id, reference, name, payment_preference, statement_style, created_at, "
                      "updated_at) FROM STDIN") as cp:
            for i in range(people):
                cp.write_row((first["participants"] + i, f"N-{i:07d}", f"Person {i}", "voucher", "standard",
                              "2025-01-01", "2025-01-01"))
        project_of = [first["projects"] + r % projects for r in range(min(records, projects))]

        def project(r: int) -> int:
            return project_of[r % projects] if records >= projects else first["projects"] + r % projects

        def person(r: int) -> int:
            return first["participants"] + (r * 7919) % people

        def day(r: int) -> date:
            return START + timedelta(days=(r * 13) % 365)

        with cur.copy("COPY activities (id, project_id, date, activity, mode, created_at) FROM STDIN") as cp:
            for r in range(records):
                cp.write_row((first["activities"] + r, project(r), day(r), "meeting", "online", "2025-01-01"))
        with cur.copy("COPY records (id, activity_id, participant_id, role, involvement_minutes, preparation_minutes, "
                      "follow_up_minutes, travel_minutes, status, rate_card, version_from, currency, fees_minor, "
                      "expenses_minor, payment_preference_at_approval, created_at) FROM STDIN") as cp:
            for r in range(records):
                cp.write_row((first["records"] + r, first["activities"] + r, person(r), "member", 60, 0, 0, 0,
                              "approved", "nihr-style", "2024-04-01", "GBP", 2750, 500, "voucher", "2025-01-01"))
        with cur.copy("COPY record_lines (record_id, position, kind, category, minutes, quantity, rate, "
                      "amount_minor, explanation) FROM STDIN") as cp:
            for r in range(records):
                cp.write_row((first["records"] + r, 0, "involvement", "fee", 60, None, "27.50", 2750,
                              "Meeting: 1 h at £27.50 an hour = £27.50. You were there for 1 h."))
                cp.write_row((first["records"] + r, 1, "expense", "expense", None, "1", "5.00", 500,
                              "Public transport: £5.00 paid back at cost."))
        with cur.copy("COPY journal_entries (id, kind, booked_on, record_id, memo, created_at) FROM STDIN") as cp:
            for r in range(records):
                cp.write_row((first["journal_entries"] + r, "approval", day(r), first["records"] + r, "approved",
                              "2025-01-01"))
        with cur.copy("COPY postings (entry_id, account_kind, participant_id, project_id, record_id, category, "
                      "amount_minor, currency, activity_date, minutes) FROM STDIN") as cp:
            for r in range(records):
                entry, rec = first["journal_entries"] + r, first["records"] + r
                who, where, on = person(r), project(r), day(r)
                cp.write_row((entry, "project_spend", who, where, rec, "fee", 2750, "GBP", on, 60))
                cp.write_row((entry, "participant_payable", who, where, rec, "fee", -2750, "GBP", on, None))
                cp.write_row((entry, "project_spend", who, where, rec, "expense", 500, "GBP", on, None))
                cp.write_row((entry, "participant_payable", who, where, rec, "expense", -500, "GBP", on, None))
        for table in TRIGGERED:
            cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        for table in ("participants", "projects", "activities", "records", "journal_entries"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        return records, seeded_postings + records * 4


def median_ms(work: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    work()  # warm caches once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postings", type=int, default=10_000_000)
    parser.add_argument("--participants", type=int, default=200_000)
    parser.add_argument("--projects", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=os.environ.get("LEDGER_BENCH_DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = parser.parse_args()
    use_keyring(Keyring.generate())  # bank details are encrypted with a key made for this run only
    base = make_url(args.database).set(drivername="postgresql")
    admin = base.render_as_string(hide_password=False)
    name = f"ledger_bench_national_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        started = time.perf_counter()
        seed(factory, PAYEES)
        print(f"seeded the batch project: {PAYEES:,} payees in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        records, total = load_bulk(url, args.postings, args.participants, args.projects)
        print(f"loaded {records:,} records ({total:,} postings in all) with COPY in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        with factory() as session:
            rebuild(session)
            session.commit()
        print(f"roll-up summaries rebuilt from the postings in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s", flush=True)

        with factory() as s:
            big = s.scalar(text("SELECT project_id FROM postings WHERE project_id > 1 GROUP BY project_id "
                                "ORDER BY count(*) DESC LIMIT 1"))
            person = s.scalar(text("SELECT participant_id FROM records WHERE participant_id > :n "
                                   "GROUP BY participant_id ORDER BY count(*) DESC LIMIT 1"), {"n": PAYEES})
            counts = s.execute(text("SELECT (SELECT count(*) FROM postings WHERE project_id = :p), "
                                    "(SELECT count(*) FROM records WHERE participant_id = :q)"),
                               {"p": big, "q": person}).one()
        print(f"timed project {big} ({counts[0]:,} postings); participant {person} ({counts[1]} records)")

        bare_project = text("SELECT project_id, sum(amount_minor), sum(minutes) FROM postings WHERE project_id = :p "
                            "AND account_kind IN ('project_spend', 'project_foregone') "
                            "AND activity_date BETWEEN :a AND :b GROUP BY project_id")
        bare_all = text("SELECT project_id, sum(amount_minor), sum(minutes) FROM postings "
                        "WHERE account_kind IN ('project_spend', 'project_foregone') "
                        "AND activity_date BETWEEN :a AND :b GROUP BY project_id")
        bare_person = text("SELECT r.id, a.date, a.activity, l.explanation, l.amount_minor FROM records r "
                           "JOIN activities a ON a.id = r.activity_id JOIN record_lines l ON l.record_id = r.id "
                           "WHERE r.participant_id = :q AND a.date BETWEEN :a AND :b")
        window = {"a": PERIOD[0], "b": PERIOD[1]}
        rows: list[tuple[str, float, list[float], float, list[float]]] = []
        with factory() as s:
            def measure(label: str, ours: Callable[[], object], floor: Callable[[], object]) -> None:
                ours_ms, ours_all = median_ms(ours, args.runs)
                floor_ms, floor_all = median_ms(floor, args.runs)
                rows.append((label, ours_ms, ours_all, floor_ms, floor_all))

            measure("project roll-up (project_spend)",
                    lambda: project_spend(s, big, *PERIOD, today=PERIOD[1]),
                    lambda: s.execute(bare_project, {"p": big, **window}).all())
            measure("all projects roll-up (spend_report)",
                    lambda: spend_report(s, None, *PERIOD, today=PERIOD[1]),
                    lambda: s.execute(bare_all, window).all())
            measure("one participant's statement data",
                    lambda: build_statement(s, person, *PERIOD, today=PERIOD[1]),
                    lambda: s.execute(bare_person, {"q": person, **window}).all())

            def build() -> None:
                outcome = build_batch(s, BUILDER, "bank_transfer", project_id=1)
                assert outcome.batch is not None and len(outcome.batch.lines) == PAYEES
                s.rollback()

            def floor_insert() -> None:
                s.execute(text("CREATE TEMP TABLE IF NOT EXISTS bench_floor (id BIGINT, amount BIGINT, note TEXT)"))
                s.execute(text("INSERT INTO bench_floor VALUES (:i, :a, :n)"),
                          [{"i": i, "a": 3250, "n": f"row {i}"} for i in range(PAYEES)])
                s.rollback()

            measure(f"{PAYEES:,}-payee batch build (build_batch)", build, floor_insert)

        print(f"\n{'what':<40}{'ours ms':>10}{'floor ms':>10}{'ratio':>8}   runs (ours | floor)")
        for label, ours_ms, ours_all, floor_ms, floor_all in rows:
            print(f"{label:<40}{ours_ms:>10.1f}{floor_ms:>10.1f}{ours_ms / floor_ms:>8.2f}   "
                  f"{', '.join(f'{t:.0f}' for t in ours_all)} | {', '.join(f'{t:.0f}' for t in floor_all)}")
        with psycopg.connect(url) as conn:
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]  # type: ignore[index]
            print(f"\ndatabase size: {size}")
            for relname, kind, pretty in conn.execute(
                "SELECT c.relname, c.relkind, pg_size_pretty(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') "
                "ORDER BY pg_relation_size(c.oid) DESC LIMIT 14"
            ):
                print(f"  {'table' if kind == 'r' else 'index'} {relname:<44} {pretty}")
            tables = conn.execute(
                "SELECT pg_size_pretty(sum(pg_relation_size(c.oid)) FILTER (WHERE c.relkind = 'r')), "
                "pg_size_pretty(sum(pg_relation_size(c.oid)) FILTER (WHERE c.relkind = 'i')) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'").fetchone() or ("?", "?")
            print(f"  all tables (heap) {tables[0]}, all indexes {tables[1]}")
    finally:
        engine.dispose()
        if args.keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
