"""Benchmark: a participant's "My money" page (/me) with a year of data for 10,000 participants on PostgreSQL.

Run from the repository root (a few minutes on a 2-core machine):

    .venv/bin/python bench/bench_my_money.py [--participants 10000] [--per-person 15] [--requests 40]

It makes its own database ``bench_webauth`` on ``LEDGER_BENCH_DATABASE_URL`` (default
postgresql://postgres@127.0.0.1:5432/postgres), migrates it, loads a tax year (2025 to 2026) with ``COPY``:
five projects, the participants (one in ten watching a weekly limit), activities of four attendees each,
``--per-person`` approved records per person (the demo has about 30 a year for its busiest people and 12
for the median), each with its two record lines (taking part, getting ready) and its approval entry in the
journal (two postings, balanced); and drops it at the end.

**ours**: the real application (``ledger.api.app.create_app``) called in-process through Litestar's
``TestClient``, each request signed in as a DIFFERENT participant (a session made by the sign-in service),
so each figure is the server's whole work for the page: the session check, the guard, the statement
(``ledger.reports.statements.build_statement``: records, lines, what was paid, payments, watch limits,
outcomes) and the HTML rendered from the template.

**floor**: the bare SQL the page cannot do without, with psycopg: the person's records of the year with
their activity and lines, and their postings. The ratio ours / floor says what the ledger adds on top of
reading the data. The target is a median under 200 ms for ours.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402
from scratch_pg import conninfo, scratch_database  # noqa: E402

from ledger.db.engine import make_engine  # noqa: E402

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "bench_webauth"
PROJECTS = ("ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO")
PER_ACTIVITY = 4
YEAR_START = date(2025, 4, 7)
DAYS = 360
RATE_PENCE_PER_HOUR = 2750
TARGET_MS = 200.0
ORGANISATION = {
    "name": "Bench Health and Care Trust", "contact_name": "Priya Shah", "contact_phone": "0161 496 0000",
    "contact_email": "involvement@example.org", "postal_address": "1 High Street\nNorthtown\nNT1 1AA",
    "payer_name": "BENCH HCT", "reference_prefix": "BHT",
}


def bench_database(server_url: str) -> contextlib.AbstractContextManager[str]:
    """A fresh, migrated ``bench_webauth`` database (dropped afterwards, even after a failure)."""
    return scratch_database(server_url, DATABASE)


_conninfo = conninfo


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: Iterator[tuple[object, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _first(conn: psycopg.Connection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def load(url: str, participants: int, per_person: int, seed: int = 11) -> tuple[int, int, float]:
    """Everything in one transaction (postings must share their entry's transaction). Returns
    (first participant id, records, seconds)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None)
    records = participants * per_person
    activities = records // PER_ACTIVITY
    with psycopg.connect(_conninfo(url)) as conn:
        project_ids = [_first(conn, "INSERT INTO projects (code, name, rate_card, currency, created_at) VALUES "
                                    f"('{code}', 'Project {code.title()}', 'nihr-style', 'GBP', now()) RETURNING id")
                       for code in PROJECTS]
        _copy(conn, "participants", ("reference", "name", "payment_preference", "statement_style", "created_at",
                                     "updated_at", "contact_preference"),
              ((f"P-{i:05d}", f"Bench Person {i}", "voucher", ("standard", "large_print", "easy_read")[i % 3], now,
                now, "email") for i in range(1, participants + 1)))
        first_person = _first(conn, "SELECT min(id) FROM participants")
        _copy(conn, "watch_limits", ("participant_id", "period", "amount_minor", "currency", "label"),
              ((first_person + i, "week", 19550, "GBP", "ESA permitted work") for i in range(0, participants, 10)))
        _copy(conn, "participant_projects", ("participant_id", "project_id", "added_by", "created_at"),
              ((first_person + i, project_ids[i % len(project_ids)], "bench", now) for i in range(participants)))
        _copy(conn, "activities", ("project_id", "date", "activity", "mode", "description", "recorded_by_token_id",
                                   "created_at"),
              ((project_ids[a % len(project_ids)], YEAR_START + timedelta(days=(a * DAYS) // activities), "meeting",
                "in_person", f"Bench meeting {a}", 1, now) for a in range(activities)))
        first_activity = _first(conn, "SELECT min(id) FROM activities")
        per_project = participants // len(PROJECTS)
        plan = []  # (activity id, person, minutes, activity date)
        for n in range(activities * PER_ACTIVITY):
            a = n // PER_ACTIVITY
            person = first_person + rng.randrange(per_project) * len(PROJECTS) + a % len(PROJECTS)
            plan.append((first_activity + a, person, rng.choice((60, 90, 120, 150)),
                         YEAR_START + timedelta(days=(a * DAYS) // activities)))
        fee = {m: m * RATE_PENCE_PER_HOUR // 60 for m in (60, 90, 120, 150)}
        prep = RATE_PENCE_PER_HOUR // 2
        _copy(conn, "records", ("activity_id", "participant_id", "role", "involvement_minutes", "preparation_minutes",
                                "follow_up_minutes", "travel_minutes", "status", "recorded_by_token_id", "rate_card",
                                "version_from", "currency", "fees_minor", "expenses_minor",
                                "payment_preference_at_approval", "created_at"),
              ((act, person, "member", minutes, 30, 0, 0, "approved", 1, "nihr-style", date(2022, 8, 31), "GBP",
                fee[minutes] + prep, 0, "voucher", now) for act, person, minutes, _ in plan))
        first_record = _first(conn, "SELECT min(id) FROM records")
        _copy(conn, "record_lines", ("record_id", "position", "kind", "category", "minutes", "rate", "amount_minor",
                                     "explanation"),
              (row for i, (_, _, minutes, _) in enumerate(plan) for row in (
                  (first_record + i, 0, "involvement", "fee", minutes, "27.50", fee[minutes],
                   f"{minutes} min taking part at £27.50 an hour"),
                  (first_record + i, 1, "preparation", "fee", 30, "27.50", prep, "30 min getting ready"))))
        _copy(conn, "journal_entries", ("kind", "booked_on", "record_id", "memo", "created_by_token_id", "created_at"),
              (("approval", day, first_record + i, "Bench approval", 2, now) for i, (_, _, _, day) in enumerate(plan)))
        first_entry = _first(conn, "SELECT min(id) FROM journal_entries")
        project_of = {first_activity + a: project_ids[a % len(project_ids)] for a in range(activities)}
        _copy(conn, "postings", ("entry_id", "account_kind", "participant_id", "project_id", "record_id", "category",
                                 "amount_minor", "currency", "activity_date", "minutes"),
              (row for i, (act, person, minutes, day) in enumerate(plan) for row in (
                  (first_entry + i, "project_spend", None, project_of[act], first_record + i, "fee",
                   fee[minutes] + prep, "GBP", day, None),
                  (first_entry + i, "participant_payable", person, None, first_record + i, "fee",
                   -(fee[minutes] + prep), "GBP", day, minutes + 30))))
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return first_person, records, time.perf_counter() - started


def timed(work: Callable[[int], object], requests: int) -> tuple[float, float]:
    """Median and p90 in milliseconds over ``requests`` calls (call n gets n), after three untimed ones."""
    for n in range(3):
        work(requests + n)
    samples = []
    for n in range(requests):
        started = time.perf_counter()
        work(n)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.9))]


FLOOR = (
    "SELECT r.*, a.date, a.activity, a.project_id, p.name, l.* FROM records r "
    "JOIN activities a ON a.id = r.activity_id JOIN projects p ON p.id = a.project_id "
    "JOIN record_lines l ON l.record_id = r.id "
    "WHERE r.participant_id = %s AND a.date BETWEEN %s AND %s ORDER BY a.date, r.id, l.position",
    "SELECT record_id, category, account_kind, sum(amount_minor) FROM postings WHERE participant_id = %s "
    "GROUP BY record_id, category, account_kind",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--per-person", type=int, default=15)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args(argv)
    from litestar.testing import TestClient

    from ledger.api.app import create_app
    from ledger.db.engine import make_session_factory, transaction
    from ledger.organisation import save_organisation
    from ledger.security.keys import Keyring, use_keyring
    from ledger.users import sessions
    from ledger.web.auth import SESSION_COOKIE

    use_keyring(Keyring.generate())  # a throw-away key in memory: no key file is written
    logging.getLogger("httpx").setLevel(logging.WARNING)  # no line per request
    os.environ.setdefault("LEDGER_SECURE_COOKIES", "never")  # the test client speaks plain http
    server = os.environ.get("LEDGER_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    with bench_database(server) as url:
        first, records, seconds = load(url, args.participants, args.per_person)
        print(f"Loaded {args.participants:,} participants and {records:,} approved records (with lines and "
              f"journal postings) in {seconds:.1f} s (COPY) into {DATABASE}.")
        engine = make_engine(url)
        rng = random.Random(5)
        people = [first + rng.randrange(args.participants) for _ in range(args.requests + 3)]
        with transaction(make_session_factory(engine)) as session:
            save_organisation(session, ORGANISATION)
            secrets = [sessions.start(session, participant_id=person) for person in people]
        engine.dispose()
        app = create_app(url)
        client = TestClient(app, base_url="http://localhost")
        client.__enter__()

        def ours(n: int) -> None:
            client.cookies.set(SESSION_COOKIE, secrets[n])
            answer = client.get("/me?year=2025")
            if answer.status_code != 200 or "My money" not in answer.text:
                raise SystemExit(f"GET /me answered {answer.status_code}: {answer.text[:300]}")

        conn = psycopg.connect(_conninfo(url))

        def floor(n: int) -> None:
            conn.execute(FLOOR[0], (people[n], date(2025, 4, 6), date(2026, 4, 5))).fetchall()
            conn.execute(FLOOR[1], (people[n],)).fetchall()

        ours_p50, ours_p90 = timed(ours, args.requests)
        floor_p50, _ = timed(floor, args.requests)
        conn.close()
        client.__exit__(None, None, None)
        print(f"\n{'page':24} {'ours p50':>9} {'p90':>7} {'floor p50':>10} {'ratio':>6}  target < {TARGET_MS:.0f} ms")
        print(f"{'/me (one tax year)':24} {ours_p50:8.1f}ms {ours_p90:6.1f}ms {floor_p50:9.1f}ms "
              f"{ours_p50 / floor_p50:6.1f}  {'ok' if ours_p50 < TARGET_MS else 'OVER'}")
        print(f"\nMachine load average while timing: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    return 0 if ours_p50 < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
