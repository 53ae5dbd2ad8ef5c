"""Benchmark: the lead's records list and approval queue pages with 100,000 records on PostgreSQL.

Run from the repository root (about a minute on a 2-core machine):

    .venv/bin/python bench/bench_web_lists.py [--records 100000] [--requests 40]

It makes its own database ``bench_weblead`` on ``LEDGER_BENCH_DATABASE_URL`` (default
postgresql://postgres@127.0.0.1:5432/postgres), migrates it, loads the records with ``COPY`` (five
projects, 2,000 participants (one in ten with a weekly watch limit), one activity per four records over two
tax years; 70 % approved with their amounts, 20 % submitted, 7 % rejected, 3 % reversed; recorded by two
leads), and drops it at the end.

**ours**: the real application (``ledger.api.app.create_app``, the web pages mounted beside the API), called
in-process through Litestar's ``TestClient`` with a signed-in lead's session cookie, so each figure is the
server's whole work for a page: the session check, the page guard, the services
(``ledger.involvement.record_lists``) and the HTML rendered from the templates. Pages timed:

* ``/records`` first page (50 rows, newest first) and ``/records`` filtered by project and status;
* ``/records`` deep in the list (a keyset cursor half-way down: the cost must not grow with depth);
* ``/approvals`` first page (20 submitted records recorded by someone else, each in full: a live quote
  with every line's reason and the watch-limit warnings).

**floor**: for each page, the bare SQL a page of that list needs, run with psycopg on the same database
(no ORM, no quote, no HTML): the rows and the count. The ratio ours / floor says what the ledger adds on
top of reading the data. The target is a median under 200 ms for ours.

Each figure is the median (and p90) of ``--requests`` timed requests after three untimed ones.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402
from scratch_pg import conninfo, scratch_database  # noqa: E402

from ledger.db.engine import make_engine  # noqa: E402

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "bench_weblead"
PROJECTS = ("ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO")
PARTICIPANTS = 2000
PER_ACTIVITY = 4
FIRST_DAY = date(2024, 4, 8)
DAYS = 640
LEADS = (1001, 1002)  # the token ids the records are recorded by (the timed lead is a third person)
TARGET_MS = 200.0


def bench_database(server_url: str) -> contextlib.AbstractContextManager[str]:
    """A fresh, migrated ``bench_weblead`` database (dropped afterwards, even after a failure)."""
    return scratch_database(server_url, DATABASE)


_conninfo = conninfo


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: Iterator[tuple[object, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@dataclass(frozen=True)
class Loaded:
    records: int
    project_ids: list[int]
    seconds: float


def load(url: str, records: int, seed: int = 7) -> Loaded:
    """Projects, participants, activities and records with COPY (no per-row round trips)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None)
    activities = records // PER_ACTIVITY
    with psycopg.connect(_conninfo(url)) as conn:
        project_ids = [conn.execute(
            "INSERT INTO projects (code, name, rate_card, currency, created_at) VALUES (%s, %s, %s, 'GBP', %s) "
            "RETURNING id", (code, f"Project {code.title()}", "nihr-style", now)).fetchone()[0]  # type: ignore[index]
            for code in PROJECTS]
        _copy(conn, "participants", ("reference", "name", "payment_preference", "statement_style", "created_at",
                                     "updated_at"),
              ((f"P-{i:05d}", f"Bench Person {i}", "decline" if i % 5 == 0 else "voucher", "standard", now, now)
               for i in range(1, PARTICIPANTS + 1)))
        first_participant = conn.execute("SELECT min(id) FROM participants").fetchone()[0]  # type: ignore[index]
        # One person in ten watches a weekly limit (the queue then warns, as approval will).
        _copy(conn, "watch_limits", ("participant_id", "period", "amount_minor", "currency", "label"),
              ((first_participant + i, "week", 19550, "GBP", "ESA permitted work")
               for i in range(0, PARTICIPANTS, 10)))
        _copy(conn, "participant_projects", ("participant_id", "project_id", "added_by", "created_at"),
              ((first_participant + i, project_ids[i % len(project_ids)], "bench", now)
               for i in range(PARTICIPANTS)))
        _copy(conn, "activities", ("project_id", "date", "activity", "mode", "description", "recorded_by_token_id",
                                   "created_at"),
              ((project_ids[a % len(project_ids)], FIRST_DAY + timedelta(days=(a * DAYS) // activities),
                "meeting", "in_person" if a % 3 else "online", f"Bench meeting {a}", LEADS[a % 2], now)
               for a in range(activities)))
        first_activity = conn.execute("SELECT min(id) FROM activities").fetchone()[0]  # type: ignore[index]

        def rows() -> Iterator[tuple[object, ...]]:
            for n in range(activities * PER_ACTIVITY):
                a = n // PER_ACTIVITY
                # People of the activity's project only (participant i belongs to project i % 5).
                person = first_participant + (rng.randrange(PARTICIPANTS // len(PROJECTS)) * len(PROJECTS)
                                              + a % len(PROJECTS))
                roll = rng.random()
                status = ("approved" if roll < 0.70 else "submitted" if roll < 0.90
                          else "rejected" if roll < 0.97 else "reversed")
                minutes = rng.choice((60, 90, 120, 150))
                fixed = status in ("approved", "reversed")
                fees = minutes * 25 if fixed else None
                yield (first_activity + a, person, "member", minutes, 30, 0, 0, status, LEADS[a % 2],
                       "nihr-style" if fixed else None, date(2024, 4, 1) if fixed else None, "GBP" if fixed else None,
                       fees, 0 if fixed else None, "voucher" if fixed else None,
                       "Bench: wrong date" if status == "rejected" else None, now)

        _copy(conn, "records", ("activity_id", "participant_id", "role", "involvement_minutes", "preparation_minutes",
                                "follow_up_minutes", "travel_minutes", "status", "recorded_by_token_id", "rate_card",
                                "version_from", "currency", "fees_minor", "expenses_minor",
                                "payment_preference_at_approval", "rejection_reason", "created_at"), rows())
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return Loaded(records=activities * PER_ACTIVITY, project_ids=project_ids, seconds=time.perf_counter() - started)


# ------------------------------------------------------------------------------------------- floor

FLOOR_ROWS = """
SELECT r.id, r.activity_id, a.date, a.activity, a.mode, a.project_id, p.code, r.participant_id, pa.reference,
       pa.name, r.role, r.involvement_minutes, r.status, r.recorded_by_token_id, r.corrects_record_id,
       r.rejection_reason, r.fees_minor, r.expenses_minor, r.currency
FROM records r JOIN activities a ON a.id = r.activity_id JOIN projects p ON p.id = a.project_id
JOIN participants pa ON pa.id = r.participant_id
WHERE {where} ORDER BY r.id DESC LIMIT 51
"""
FLOOR_COUNT = "SELECT count(r.id) FROM records r {join} WHERE {where}"
JOIN_ACTIVITIES = "JOIN activities a ON a.id = r.activity_id"
FLOOR_QUEUE = """
SELECT r.*, a.*, p.*, pa.* FROM records r JOIN activities a ON a.id = r.activity_id
JOIN projects p ON p.id = a.project_id JOIN participants pa ON pa.id = r.participant_id
WHERE {where} ORDER BY r.id DESC LIMIT 21
"""


def floor_page(conninfo: str, where: str, params: tuple[object, ...], *, queue: bool = False) -> Callable[[], None]:
    """The page's rows and its count in bare SQL (the count joins activities only when the filter needs it,
    as the ledger's own count does)."""
    conn = psycopg.connect(conninfo, autocommit=True)
    join = JOIN_ACTIVITIES if "a." in where else ""

    def run() -> None:
        conn.execute((FLOOR_QUEUE if queue else FLOOR_ROWS).format(where=where), params).fetchall()
        conn.execute(FLOOR_COUNT.format(join=join, where=where), params).fetchone()

    return run


# ------------------------------------------------------------------------------------------- timing


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


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    floor_where: str
    floor_params: tuple[object, ...]
    queue: bool = False
    marker: str = ""  # text the rendered page must contain (so an error page is never timed as a success)


def cases(url: str, loaded: Loaded) -> list[Case]:
    with psycopg.connect(_conninfo(url)) as conn:
        middle = conn.execute("SELECT id FROM records ORDER BY id OFFSET %s LIMIT 1",
                              (loaded.records // 2,)).fetchone()[0]  # type: ignore[index]
    project = loaded.project_ids[2]
    return [
        Case("records, first page", "/records", "true", (), marker="records"),
        Case("records, project + submitted", f"/records?project={project}&status=submitted",
             "a.project_id = %s AND r.status = 'submitted'", (project,), marker="records"),
        Case("records, half-way down", f"/records?before={middle}", "r.id < %s", (middle,), marker="records"),
        Case("approval queue, first page", "/approvals",
             "r.status = 'submitted' AND r.recorded_by_token_id IS DISTINCT FROM %s", (-1,), queue=True,
             marker="approv"),
    ]


def lead_session_cookie(url: str) -> str:
    """A signed-in lead for every project, made with the web sign-in services (as an invitation accepted)."""
    from ledger.db.engine import make_session_factory, transaction
    from ledger.db.models_web import UserStatus
    from ledger.security.actor import Actor
    from ledger.users import sessions
    from ledger.users.accounts import create_user

    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            user = create_user(session, Actor.system("bench"), email="bench.lead@example.org", name="Bench Lead",
                               role="lead")
            user.status = UserStatus.ACTIVE  # what setting a password from the invitation does
            session.flush()
            return sessions.start(session, user_id=user.id)
    finally:
        engine.dispose()


def page_client(url: str) -> Callable[[str], str]:
    """A GET function on the real app, signed in as a lead for every project (the web sign-in service)."""
    from litestar.testing import TestClient

    from ledger.api.app import create_app
    from ledger.web.auth import SESSION_COOKIE

    os.environ.setdefault("LEDGER_SECURE_COOKIES", "never")  # the test client speaks plain http
    secret = lead_session_cookie(url)
    app = create_app(url)
    client = TestClient(app, base_url="http://localhost")
    client.__enter__()
    client.cookies.set(SESSION_COOKIE, secret)

    def get(path: str) -> str:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:300]}")
        return response.text

    return get


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args(argv)
    from ledger.security.keys import Keyring, use_keyring

    use_keyring(Keyring.generate())  # a throw-away key in memory: no key file is written
    server = os.environ.get("LEDGER_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    with bench_database(server) as url:
        loaded = load(url, args.records)
        print(f"Loaded {loaded.records:,} records in {loaded.seconds:.1f} s (COPY) into {DATABASE}.")
        get = page_client(url)
        conninfo = _conninfo(url)
        print(f"\n{'page':34} {'ours p50':>9} {'p90':>7} {'floor p50':>10} {'ratio':>6}  target < {TARGET_MS:.0f} ms")
        worst = 0.0
        for case in cases(url, loaded):
            html = get(case.path)
            if case.marker and case.marker not in html.lower():
                raise SystemExit(f"GET {case.path}: the page does not look like the list ({case.marker!r} missing)")
            ours, ours_p90 = timed(lambda case=case: get(case.path), args.requests)  # type: ignore[misc]
            floor, _ = timed(floor_page(conninfo, case.floor_where, case.floor_params, queue=case.queue),
                             args.requests)
            worst = max(worst, ours)
            print(f"{case.name:34} {ours:8.1f}ms {ours_p90:6.1f}ms {floor:9.1f}ms {ours / floor:6.1f}"
                  f"  {'ok' if ours < TARGET_MS else 'OVER'}")
        print(f"\nMachine load average while timing: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
        print(f"\nSlowest median: {worst:.1f} ms ({'under' if worst < TARGET_MS else 'OVER'} the {TARGET_MS:.0f} ms "
              "target).")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
