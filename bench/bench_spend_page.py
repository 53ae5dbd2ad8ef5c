"""Benchmark: the spend page (/manager) with a year of demo-like data for 10,000 participants on PostgreSQL.

Run from the repository root (a few minutes on a 2-core machine):

    .venv/bin/python bench/bench_spend_page.py [--participants 10000] [--per-person 12] [--requests 40]

It makes its own database ``bench_manager`` on ``LEDGER_BENCH_DATABASE_URL`` (default
postgresql://postgres@127.0.0.1:5432/postgres), migrates it, and loads the 2025 to 2026 tax year with
``COPY`` (triggers off for speed, then the roll-up summaries the triggers keep are rebuilt by
``ledger.reports.spend_summaries.rebuild``, exactly as ``bench_rollup.py`` does): five projects with
budgets, the participants, activities of four attendees each on four kinds of activity, ``--per-person``
approved records per person (the demo has about 12 a year for the median person), each with its approval
entry (fee and expense legs, one in seven declined), and monthly paid batches (one line per person per
batch) for everything up to the end of February. It drops the database at the end.

**ours**: the real application (``ledger.api.app.create_app``) called in-process through Litestar's
``TestClient``, signed in as an auditor (a session made by the web sign-in service), GET
``/manager?year=2025``: session check, guard, ``ledger.reports.spend.spend_report`` over every project (the
one service the API and CLI use), four SVG charts and their tables rendered from the template.

**floor**: the bare SQL such a page cannot do without, with psycopg, over the summary tables the report
reads: one GROUP BY over the roll-up summaries for the year (spend per project), paid per project
(``paid_days``), paid records per project and number of days (``payment_days``) and distinct people per
project and across them (``participant_years``). The ratio ours / floor says what the page adds on top
of reading the figures. For reference it also times the GROUP BY over the paid batch lines themselves
(paid per project without any summary; 5 runs). Target: median under 200 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import psycopg
from scratch_pg import conninfo, scratch_database

from ledger.db.engine import make_engine, make_session_factory

DATABASE = "bench_manager"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
START, END = date(2025, 4, 6), date(2026, 4, 5)
PROJECTS = 5
KINDS = ("meeting", "document_review", "interview_panel", "co_facilitation")
TRIGGERED = ("postings", "journal_entries", "records", "batches", "batch_lines", "batch_items")
TARGET_MS = 200.0


def bench_database(server_url: str) -> contextlib.AbstractContextManager[str]:
    """A fresh, migrated ``bench_manager`` database (dropped afterwards, even after a failure)."""
    return scratch_database(server_url, DATABASE)


_conninfo = conninfo


def _copy(cur: psycopg.Cursor, table: str, columns: str, rows: Iterator[tuple[object, ...]]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(url: str, participants: int, per_person: int, seed: int = 5) -> tuple[int, int]:
    """Load the year; returns (records, paid batch lines)."""
    rng = random.Random(seed)
    records = participants * per_person
    activities = records // 4
    when = [START + timedelta(days=rng.randrange(0, 365)) for _ in range(activities)]
    paid_until = date(2026, 2, 28)
    with psycopg.connect(_conninfo(url)) as conn, conn.cursor() as cur:
        for table in TRIGGERED:
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        _copy(cur, "projects", "id, code, name, rate_card, currency, budget_minor, created_at",
              ((p, f"PRJ{p}", f"Project {p}", "nihr-style", "GBP", 60_000_000, "2025-01-01")
               for p in range(1, PROJECTS + 1)))
        _copy(cur, "participants", "id, reference, name, payment_preference, statement_style, created_at, updated_at",
              ((i, f"P-{i:05d}", f"Person {i}", "bank_transfer", "standard", "2025-01-01", "2025-01-01")
               for i in range(1, participants + 1)))
        _copy(cur, "activities", "id, project_id, date, activity, mode, created_at",
              ((a, 1 + a % PROJECTS, when[a - 1], KINDS[a % len(KINDS)], "online", "2025-01-01")
               for a in range(1, activities + 1)))
        people = [1 + (r * 7919) % participants for r in range(records + 1)]
        _copy(cur, "records", "id, activity_id, participant_id, role, involvement_minutes, preparation_minutes, "
              "follow_up_minutes, travel_minutes, status, currency, fees_minor, expenses_minor, created_at",
              ((r, 1 + (r - 1) // 4, people[r], "member", 90, 30, 0, 0, "approved", "GBP", 2750, 450, "2025-01-01")
               for r in range(1, records + 1)))
        _copy(cur, "journal_entries", "id, kind, booked_on, record_id, memo, created_at",
              ((r, "approval", when[(r - 1) // 4], r, "approved", "2025-01-01") for r in range(1, records + 1)))

        # Monthly batches paid on the 10th of the next month: one line per person per batch.
        months = sorted({(d.year, d.month) for d in when if d <= paid_until})
        batch_of = {m: i + 1 for i, m in enumerate(months)}
        lines: dict[tuple[int, int], list[int]] = {}

        def postings() -> Iterator[tuple[object, ...]]:
            pid = 0
            for r in range(1, records + 1):
                a = (r - 1) // 4
                day, project, person = when[a], 1 + (a + 1) % PROJECTS, people[r]
                declined = r % 7 == 3
                spend_kind = "project_foregone" if declined else "project_spend"
                owe_kind = "participant_foregone" if declined else "participant_payable"
                legs = ((spend_kind, "fee", 2750, 120), (owe_kind, "fee", -2750, None),
                        ("project_spend", "expense", 450, None), ("participant_payable", "expense", -450, None))
                for kind, category, amount, minutes in legs:
                    pid += 1
                    yield (pid, r, kind, person, project, r, category, amount, "GBP", day, minutes)
                    if kind == "participant_payable" and day <= paid_until:
                        lines.setdefault((batch_of[(day.year, day.month)], person), []).append(pid)

        _copy(cur, "postings", "id, entry_id, account_kind, participant_id, project_id, record_id, category, "
              "amount_minor, currency, activity_date, minutes", postings())

        def paid_on(month: tuple[int, int]) -> date:
            year, number = month
            return date(year + number // 12, number % 12 + 1, 10)

        _copy(cur, "batches", "id, reference, method, status, currency, total_minor, created_at, paid_on",
              ((i, f"B-{i:04d}", "bank_transfer", "paid", "GBP", 0, f"{paid_on(m)} 09:00:00+00", paid_on(m))
               for m, i in batch_of.items()))
        line_ids = {key: n for n, key in enumerate(sorted(lines), start=1)}
        _copy(cur, "batch_lines", "id, batch_id, participant_id, payee_name, payment_reference, amount_minor, "
              "fees_minor, expenses_minor, status",
              ((n, b, p, f"Person {p}", f"REF{n:08d}", 0, 0, 0, "paid") for (b, p), n in line_ids.items()))
        _copy(cur, "batch_items", "batch_line_id, posting_id",
              ((line_ids[key], posting) for key, ids in lines.items() for posting in ids))
        for table in TRIGGERED:
            cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        for table in ("projects", "participants", "activities", "records", "journal_entries", "postings", "batches",
                      "batch_lines", "batch_items"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    engine = make_engine(url)
    try:
        from ledger.reports.spend_summaries import rebuild

        with make_session_factory(engine)() as session:
            rebuild(session)
            session.commit()
    finally:
        engine.dispose()
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return records, len(line_ids)


def timed(work: Callable[[], object], requests: int) -> tuple[float, float]:
    """Median and p90 in milliseconds, after three untimed calls."""
    for _ in range(3):
        work()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.9))]


FLOOR_SPEND = ("SELECT project_id, sum(amount_minor), sum(minutes) FROM spend_summaries "
               "WHERE activity_date BETWEEN %s AND %s GROUP BY project_id")
FLOOR_PAID_DAYS = ("SELECT project_id, sum(paid_minor) FROM paid_days WHERE activity_date BETWEEN %s AND %s "
                   "GROUP BY project_id")
FLOOR_PAYMENT_DAYS = ("SELECT project_id, paid_on - activity_date, sum(records) FROM payment_days "
                      "WHERE activity_date BETWEEN %s AND %s GROUP BY 1, 2")
FLOOR_PEOPLE = ("SELECT project_id, count(DISTINCT participant_id) FROM participant_years WHERE tax_year = %s "
                "GROUP BY GROUPING SETS ((project_id), ())")
FLOOR_PAID = ("SELECT a.project_id, sum(-p.amount_minor) FROM postings p JOIN batch_items i ON i.posting_id = p.id "
              "JOIN batch_lines l ON l.id = i.batch_line_id AND l.status = 'paid' JOIN records r ON r.id = p.record_id "
              "JOIN activities a ON a.id = r.activity_id WHERE p.account_kind = 'participant_payable' "
              "AND a.date BETWEEN %s AND %s GROUP BY a.project_id")


def floor(url: str, sql: str, params: tuple[object, ...]) -> Callable[[], object]:
    conn = psycopg.connect(_conninfo(url))

    def work() -> object:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    return work


def auditor_cookie(url: str) -> str:
    """A signed-in auditor, made with the web sign-in services (as an invitation accepted)."""
    from ledger.db.engine import transaction
    from ledger.db.models_web import UserStatus
    from ledger.security.actor import Actor
    from ledger.users import sessions
    from ledger.users.accounts import create_user

    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            user = create_user(session, Actor.system("bench"), email="bench.auditor@example.org",
                               name="Bench Auditor", role="auditor")
            user.status = UserStatus.ACTIVE
            session.flush()
            return sessions.start(session, user_id=user.id)
    finally:
        engine.dispose()


def page_client(url: str) -> Callable[[str], object]:
    from litestar.testing import TestClient

    from ledger.api.app import create_app
    from ledger.web.auth import SESSION_COOKIE

    os.environ.setdefault("LEDGER_SECURE_COOKIES", "never")  # the test client speaks plain http
    secret = auditor_cookie(url)
    client = TestClient(create_app(url), base_url="http://localhost")
    client.__enter__()
    client.cookies.set(SESSION_COOKIE, secret)

    def get(path: str) -> object:
        response = client.get(path)
        if response.status_code != 200 or "Spend per project against budget" not in response.text:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:300]}")
        return response

    return get


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--per-person", type=int, default=12)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)  # the test client logs every request
    server = os.environ.get("LEDGER_BENCH_DATABASE_URL") or DEFAULT_URL
    with bench_database(server) as url:
        started = time.perf_counter()
        records, lines = load(url, args.participants, args.per_person)
        print(f"Loaded {args.participants:,} participants, {records:,} approved records ({records * 4:,} postings) "
              f"and {lines:,} paid batch lines in {time.perf_counter() - started:.1f} s into {DATABASE}.")
        get = page_client(url)
        year = (START, END)
        floors = {
            "spend summaries GROUP BY": floor(url, FLOOR_SPEND, year),
            "paid_days GROUP BY": floor(url, FLOOR_PAID_DAYS, year),
            "payment_days GROUP BY": floor(url, FLOOR_PAYMENT_DAYS, year),
            "participant_years COUNT(DISTINCT)": floor(url, FLOOR_PEOPLE, (START.year,)),
        }
        floor_ms = {name: timed(work, args.requests)[0] for name, work in floors.items()}
        floor_total = sum(floor_ms.values())
        for name, ms in floor_ms.items():
            print(f"floor, {name}: median {ms:.1f} ms")
        raw_ms = timed(floor(url, FLOOR_PAID, year), 5)[0]
        print(f"for reference, paid per project from the paid batch lines without summaries: median {raw_ms:.1f} ms")
        for words, path in (("every project", "/manager?year=2025"), ("one project", "/manager?year=2025&project=1")):
            median, p90 = timed(lambda path=path: get(path), args.requests)  # type: ignore[misc]
            print(f"spend page, {words} ({path}): median {median:.1f} ms, p90 {p90:.1f} ms over {args.requests} "
                  f"requests; ratio to the floor (4 GROUP BYs, {floor_total:.1f} ms): {median / floor_total:.2f}; "
                  f"target median < {TARGET_MS:.0f} ms: {'met' if median < TARGET_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
