"""Benchmark: the project spend roll-up over 1,000,000 postings on PostgreSQL.

Prints the median time of ``ledger.reports.spend.project_spend`` (every figure of the report: several
GROUP BY queries plus assembly) beside the floor measured in the same run: the bare single
``GROUP BY / SUM`` over the same project's postings. The ratio says what the full report costs over the
simplest possible query. Not a test: nothing here passes or fails.

Uses ``LEDGER_BENCH_DATABASE_URL`` or the local server (postgresql://postgres@127.0.0.1:5432/postgres),
creates a private database, loads the rows with COPY, and drops the database at the end.

    .venv/bin/python bench/bench_rollup.py [--postings 1000000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from datetime import date, timedelta

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade
from ledger.reports.involvement_glance import involvement_glance
from ledger.reports.spend import project_spend
from ledger.reports.spend_summaries import rebuild

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PROJECTS = 20
PARTICIPANTS = 2000
START = date(2025, 4, 6)
# Loaded with their triggers off (COPY speed); the summaries those triggers keep are rebuilt afterwards.
TRIGGERED = ("postings", "journal_entries", "records")


def load(conninfo: str, postings: int) -> int:
    """Projects, participants, activities, approved records and their approval entries (4 legs each)."""
    rng = random.Random(42)
    records = postings // 4
    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur:
            for table in TRIGGERED:
                cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            projects_copy = "COPY projects (id, code, name, rate_card, currency, budget_minor, created_at) FROM STDIN"
            with cur.copy(projects_copy) as cp:
                for p in range(1, PROJECTS + 1):
                    cp.write_row((p, f"P{p:03d}", f"Project {p}", "nihr-style", "GBP", 50_000_000, "2025-01-01"))
            with cur.copy("COPY participants (id, reference, name, payment_preference, statement_style, created_at, "
                          "updated_at) FROM STDIN") as cp:
                for i in range(1, PARTICIPANTS + 1):
                    cp.write_row((i, f"P-{i:05d}", f"Person {i}", "bank_transfer", "standard", "2025-01-01",
                                  "2025-01-01"))
            with cur.copy("COPY activities (id, project_id, date, activity, mode, created_at) FROM STDIN") as cp:
                for a in range(1, records + 1):
                    cp.write_row((a, 1 + a % PROJECTS, START + timedelta(days=a % 360), "meeting", "online",
                                  "2025-01-01"))
            with cur.copy("COPY records (id, activity_id, participant_id, role, involvement_minutes, "
                          "preparation_minutes, follow_up_minutes, travel_minutes, status, currency, fees_minor, "
                          "expenses_minor, created_at) FROM STDIN") as cp:
                for r in range(1, records + 1):
                    cp.write_row((r, r, 1 + rng.randrange(PARTICIPANTS), "member", 60, 0, 0, 0, "approved", "GBP",
                                  2750, 450, "2025-01-01"))
            with cur.copy("COPY journal_entries (id, kind, booked_on, record_id, memo, created_at) FROM STDIN") as cp:
                for r in range(1, records + 1):
                    cp.write_row((r, "approval", START, r, "approved", "2025-01-01"))
            with cur.copy("COPY postings (entry_id, account_kind, participant_id, project_id, record_id, category, "
                          "amount_minor, currency, activity_date, minutes) FROM STDIN") as cp:
                for r in range(1, records + 1):
                    project = 1 + r % PROJECTS
                    person = 1 + (r * 7919) % PARTICIPANTS
                    day = START + timedelta(days=r % 360)
                    fee = 1000 + r % 5000
                    declined = r % 7 == 3
                    spend_kind = "project_foregone" if declined else "project_spend"
                    owe_kind = "participant_foregone" if declined else "participant_payable"
                    cp.write_row((r, spend_kind, person, project, r, "fee", fee, "GBP", day, 60))
                    cp.write_row((r, owe_kind, person, project, r, "fee", -fee, "GBP", day, None))
                    cp.write_row((r, "project_spend", person, project, r, "expense", 450, "GBP", day, None))
                    cp.write_row((r, "participant_payable", person, project, r, "expense", -450, "GBP", day, None))
            for table in TRIGGERED:
                cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            for table in ("projects", "participants", "activities", "records", "journal_entries", "postings"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    return records * 4


def summarise(engine: Engine, conninfo: str) -> float:
    """Rebuild the roll-up summaries the disabled triggers would have kept, then VACUUM ANALYZE; seconds."""
    started = time.perf_counter()
    with make_session_factory(engine)() as session:
        rebuild(session)
        session.commit()
    elapsed = time.perf_counter() - started
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return elapsed


BARE = text(
    "SELECT project_id, sum(amount_minor), sum(minutes) FROM postings "
    "WHERE project_id = :p AND account_kind IN ('project_spend', 'project_foregone') "
    "AND activity_date BETWEEN :a AND :b GROUP BY project_id"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    base = make_url(os.environ.get("LEDGER_BENCH_DATABASE_URL") or DEFAULT_URL).set(drivername="postgresql")
    admin = base.render_as_string(hide_password=False)
    name = f"ledger_bench_rollup_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        loaded = load(url, args.postings)
        print(f"loaded {loaded:,} postings in {time.perf_counter() - started:.1f} s")
        print(f"summaries rebuilt from the postings in {summarise(engine, url):.1f} s")
        factory = make_session_factory(engine)
        period = (START, START + timedelta(days=364))
        report_ms: list[float] = []
        bare_ms: list[float] = []
        glance_ms: list[float] = []
        with factory() as session:
            project_spend(session, 1, *period, today=period[1])  # warm caches once
            session.execute(BARE, {"p": 1, "a": period[0], "b": period[1]}).all()
            for _ in range(args.runs):
                t0 = time.perf_counter()
                report = project_spend(session, 1, *period, today=period[1])
                report_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                involvement_glance(session, report)  # RECOGNITION's section, part of the report's time
                glance_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                session.execute(BARE, {"p": 1, "a": period[0], "b": period[1]}).all()
                bare_ms.append((time.perf_counter() - t0) * 1000)
        row = report.projects[0]
        median_report, median_bare = statistics.median(report_ms), statistics.median(bare_ms)
        print(f"project P001: fees {row.fees}, expenses {row.expenses}, declined {row.declined_value}, "
              f"minutes {row.minutes_paid}, participants {row.participants}")
        print(f"project roll-up (all figures): median {median_report:.1f} ms over {args.runs} runs "
              f"(min {min(report_ms):.1f}, max {max(report_ms):.1f})")
        print(f"  of which 'involvement at a glance': median {statistics.median(glance_ms):.1f} ms")
        print(f"bare GROUP BY/SUM (floor):     median {median_bare:.1f} ms over {args.runs} runs "
              f"(min {min(bare_ms):.1f}, max {max(bare_ms):.1f})")
        print(f"ratio roll-up / floor: {median_report / median_bare:.2f}")
    finally:
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
