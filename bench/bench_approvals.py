"""Benchmark: records approved per second through the HTTP API, beside a bare floor in the same run.

Run from the repository root (about 1.5 minutes at the default size on a 2-core machine):

    .venv/bin/python bench/bench_approvals.py [--records 600] [--database sqlite|postgres|both]
                                              [--concurrency 4] [--warmup 20] [--rounds 5] [--workers 1,2]

For each backend (a SQLite file in a temporary folder; PostgreSQL in private databases created on
``LEDGER_BENCH_DATABASE_URL`` or postgresql://postgres@127.0.0.1:5432/postgres and dropped at the end):

* **ours**: the real service (``ledger.api.app:create_app``) runs under uvicorn in a separate process on a
  free loopback port. Through the API, an admin token creates a project, a lead creates participants
  with every payment preference (some with watch limits), a recording lead records the activities
  (four attendees each, with preparation, mileage or expenses), and a second lead approves every record
  with ``POST /api/v1/records/{id}/approve``: auth, the rate engine, watch-limit warnings, record lines,
  the balanced journal entry and the hashed audit event, one transaction per request.
* **floor**: a bare Litestar app defined here, served the same way, whose endpoint does only the same
  database writes with SQLAlchemy Core (lock and read the record, update its status, insert three record
  lines, one journal entry, four postings and one audit row) on a separate database with the ledger's
  schema (same indexes and append-only triggers). No auth, no rate engine, no idempotency, no audit hash.

Both are driven by the same load generator in this process: ``httpx.AsyncClient`` with ``--concurrency``
connections, each record approved once, after a short untimed warm-up. Both servers are up at the same
time and the timed approvals are interleaved: ``--rounds`` rounds, each approving one chunk on each side
in turn (which side goes first alternates), so a burst of other work on a shared machine weighs on both
sides of the round it falls in. The table shows approvals per second (timed records / summed wall time of
their chunks), per-request latency p50 and p99, and the ratio ours / floor as the median of the rounds'
ratios, with their range. The target is a ratio of at least 0.33. The client shares the machine's cores
with the server, as it would in production behind a proxy; compare the ratio, not the third digit.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
from litestar import Litestar, get, post  # noqa: E402
from litestar.datastructures import State  # noqa: E402
from litestar.exceptions import HTTPException, NotFoundException  # noqa: E402
from sqlalchemy import Engine, bindparam, func, insert, select, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from ledger.audit.chain import verify_chain  # noqa: E402
from ledger.db.base import Base  # noqa: E402
from ledger.db.engine import make_engine, make_session_factory, transaction  # noqa: E402
from ledger.db.migrate import upgrade  # noqa: E402
from ledger.db.models import JournalEntry, Record, Role  # noqa: E402
from ledger.security.tokens import create_token  # noqa: E402

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FLOOR_URL_ENV = "BENCH_FLOOR_DATABASE_URL"
API = "/api/v1"
ATTENDEES_PER_ACTIVITY = 4
FIRST_ACTIVITY_DATE = date(2025, 4, 7)  # activities spread over one tax year, across two rate-card versions
PARTICIPANTS = 24
BANK = {"account_name": "BENCH PERSON", "sort_code": "12-34-56", "account_number": "12345678"}
SERVER_START_SECONDS = 90.0
REQUEST_TIMEOUT_SECONDS = 60.0
PROFILE_RATE = 200  # py-spy samples per second


# ------------------------------------------------------------------------------------------------- floor

TABLES = Base.metadata.tables  # the ledger's own tables, used as plain Core tables
PROJECTS = TABLES["projects"]
PARTICIPANTS_TABLE = TABLES["participants"]
ACTIVITIES = TABLES["activities"]
RECORDS = TABLES["records"]
RECORD_LINES = TABLES["record_lines"]
JOURNAL_ENTRIES = TABLES["journal_entries"]
POSTINGS = TABLES["postings"]
AUDIT_EVENTS = TABLES["audit_events"]

# Fixed amounts stand in for what the rate engine would work out: 90 minutes at 25.00 plus 60 minutes'
# preparation, and 14 miles at 0.45. The floor does the writes, not the sums.
FLOOR_FEES = 6250
FLOOR_EXPENSES = 630


def _floor_engine(state: State) -> Engine:
    engine: Engine = state["engine"]
    return engine


@get("/health", sync_to_thread=True)
def floor_health(state: State) -> dict[str, str]:
    with _floor_engine(state).connect() as conn:
        conn.execute(select(1))
    return {"status": "ok"}


# Statements are built once (bound parameters only), so each request pays for execution, not construction.
FIND_RECORD = (
    select(RECORDS.c.participant_id, RECORDS.c.status, ACTIVITIES.c.project_id, ACTIVITIES.c.date)
    .join(ACTIVITIES, ACTIVITIES.c.id == RECORDS.c.activity_id)
    .where(RECORDS.c.id == bindparam("record_id"))
    .with_for_update(of=RECORDS)
)
MARK_APPROVED = update(RECORDS).where(RECORDS.c.id == bindparam("record_id")).values(
    status="approved", decided_by_token_id=2, decided_at=bindparam("now"), rate_card="nihr-style",
    version_from=date(2022, 8, 31), currency="GBP", fees_minor=FLOOR_FEES, expenses_minor=FLOOR_EXPENSES,
    payment_preference_at_approval="bank_transfer",
)
INSERT_LINES = insert(RECORD_LINES)
INSERT_ENTRY = insert(JOURNAL_ENTRIES).returning(JOURNAL_ENTRIES.c.id)
INSERT_POSTINGS = insert(POSTINGS)
INSERT_AUDIT = insert(AUDIT_EVENTS)


@post("/records/{record_id:int}/approve", status_code=200, sync_to_thread=True)
def floor_approve(record_id: int, state: State) -> dict[str, object]:
    """The database work of one approval and nothing else, in one transaction."""
    now = datetime.now(UTC)
    with _floor_engine(state).begin() as conn:
        found = conn.execute(FIND_RECORD, {"record_id": record_id}).one_or_none()
        if found is None:
            raise NotFoundException(f"no record {record_id}")
        participant_id, status, project_id, activity_date = found
        if status != "submitted":
            raise HTTPException(status_code=409, detail=f"record {record_id} is {status}")
        conn.execute(MARK_APPROVED, {"record_id": record_id, "now": now})
        conn.execute(INSERT_LINES, [
            {"record_id": record_id, "position": 0, "kind": "involvement", "category": "fee", "minutes": 90,
             "quantity": None, "rate": "25.00", "amount_minor": 3750, "explanation": "90 minutes at 25.00 an hour"},
            {"record_id": record_id, "position": 1, "kind": "preparation", "category": "fee", "minutes": 60,
             "quantity": None, "rate": "25.00", "amount_minor": 2500, "explanation": "60 minutes at 25.00 an hour"},
            {"record_id": record_id, "position": 2, "kind": "mileage", "category": "expense", "minutes": None,
             "quantity": "14", "rate": "0.45", "amount_minor": FLOOR_EXPENSES, "explanation": "14 miles at 0.45"},
        ])
        entry_id = conn.execute(INSERT_ENTRY, {
            "kind": "approval", "booked_on": now.date(), "record_id": record_id, "batch_id": None,
            "reverses_id": None, "memo": f"Approved record {record_id}", "created_by_token_id": 2, "created_at": now,
        }).scalar_one()
        common = {"entry_id": entry_id, "participant_id": participant_id, "project_id": project_id,
                  "record_id": record_id, "currency": "GBP", "activity_date": activity_date}
        conn.execute(INSERT_POSTINGS, [
            {**common, "account_kind": "project_spend", "category": "fee", "amount_minor": FLOOR_FEES, "minutes": 150},
            {**common, "account_kind": "participant_payable", "category": "fee", "amount_minor": -FLOOR_FEES,
             "minutes": None},
            {**common, "account_kind": "project_spend", "category": "expense", "amount_minor": FLOOR_EXPENSES,
             "minutes": None},
            {**common, "account_kind": "participant_payable", "category": "expense",
             "amount_minor": -FLOOR_EXPENSES, "minutes": None},
        ])
        conn.execute(INSERT_AUDIT, {
            "occurred_at": now, "actor": "floor", "actor_token_id": 2, "action": "record.approve",
            "entity": "record", "entity_id": str(record_id), "before": {"status": "submitted"},
            "after": {"status": "approved"},
            "prev_hash": "0" * 64, "hash": uuid.uuid4().hex,  # unique like a hash, but no chain and no hashing
        })
    return {"id": record_id, "status": "approved"}


def create_floor_app() -> Litestar:
    """uvicorn factory for the floor; the database URL comes from ``BENCH_FLOOR_DATABASE_URL``."""
    engine = make_engine(os.environ[FLOOR_URL_ENV])
    return Litestar(route_handlers=[floor_health, floor_approve], state=State({"engine": engine}), debug=False)


def prepare_floor_database(url: str, count: int) -> list[int]:
    """The ledger's schema in its own database, with ``count`` submitted records to approve."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        now = datetime.now().astimezone()
        with engine.begin() as conn:
            project_id = conn.execute(insert(PROJECTS).values(
                code="FLOOR", name="Floor project", rate_card="nihr-style", currency="GBP", created_at=now,
            ).returning(PROJECTS.c.id)).scalar_one()
            people = [conn.execute(insert(PARTICIPANTS_TABLE).values(
                reference=f"P-{i:04d}", name=f"Floor person {i}", payment_preference="bank_transfer",
                statement_style="standard", created_at=now, updated_at=now,
            ).returning(PARTICIPANTS_TABLE.c.id)).scalar_one() for i in range(1, PARTICIPANTS + 1)]
            record_ids: list[int] = []
            for first in range(0, count, ATTENDEES_PER_ACTIVITY):
                activity_id = conn.execute(insert(ACTIVITIES).values(
                    project_id=project_id, date=activity_date(first // ATTENDEES_PER_ACTIVITY), activity="meeting",
                    mode="in_person", recorded_by_token_id=1, created_at=now,
                ).returning(ACTIVITIES.c.id)).scalar_one()
                for offset in range(min(ATTENDEES_PER_ACTIVITY, count - first)):
                    record_ids.append(conn.execute(insert(RECORDS).values(
                        activity_id=activity_id, participant_id=people[(first + offset) % len(people)],
                        role="member", involvement_minutes=90, preparation_minutes=60, follow_up_minutes=0,
                        travel_minutes=0, mileage_vehicle="car", mileage_miles=14, mileage_passengers=0,
                        status="submitted", recorded_by_token_id=1, created_at=now,
                    ).returning(RECORDS.c.id)).scalar_one())
        return record_ids
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------------------- load generator


@dataclass
class Run:
    """What one load run measured: wall time of the timed part and each request's latency."""

    count: int
    seconds: float
    latencies: list[float]
    statuses: Counter[int]

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
        return ordered[rank - 1] * 1000

    @classmethod
    def joined(cls, runs: Sequence[Run]) -> Run:
        """Several timed chunks as one run: their requests, their summed wall time, all latencies."""
        statuses: Counter[int] = Counter()
        for run in runs:
            statuses.update(run.statuses)
        return cls(sum(r.count for r in runs), sum(r.seconds for r in runs),
                   [latency for r in runs for latency in r.latencies], statuses)


async def _drive(base_url: str, requests: Sequence[tuple[str, str, Any]], headers: dict[str, str],
                 concurrency: int) -> tuple[Run, list[Any]]:
    """Send every request once over ``concurrency`` kept-alive connections; answers come back in order."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    answers: list[Any] = [None] * len(requests)
    pending = iter(enumerate(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits,
                                 timeout=REQUEST_TIMEOUT_SECONDS) as client:

        async def worker() -> None:
            for index, (method, path, body) in pending:
                started = time.perf_counter()
                response = await client.request(method, path, json=body)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] += 1
                answers[index] = response.json() if response.status_code < 300 else response.text

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return Run(len(requests), seconds, latencies, statuses), answers


def drive(base_url: str, requests: Sequence[tuple[str, str, Any]], headers: dict[str, str], concurrency: int,
          *, what: str) -> tuple[Run, list[Any]]:
    run, answers = asyncio.run(_drive(base_url, requests, headers, concurrency))
    if set(run.statuses) - {200, 201}:
        failures = [a for a in answers if isinstance(a, str)][:3]
        raise SystemExit(f"{what}: unexpected answers {dict(run.statuses)}; first: {failures}")
    return run, answers


@dataclass
class Side:
    """One of the two servers being compared, with the records it is to approve."""

    name: str
    server: Server
    record_ids: Sequence[int]
    headers: dict[str, str]
    path_prefix: str

    def requests(self, ids: Sequence[int]) -> list[tuple[str, str, Any]]:
        return [("POST", f"{self.path_prefix}/records/{rid}/approve", None) for rid in ids]


def chunks(items: Sequence[int], parts: int) -> list[Sequence[int]]:
    """``items`` cut into ``parts`` consecutive pieces of (nearly) equal length."""
    size, extra = divmod(len(items), parts)
    pieces, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        pieces.append(items[start:end])
        start = end
    return pieces


def approve_interleaved(ours: Side, floor: Side, concurrency: int, warmup: int, rounds: int,
                        profile: dict[str, Path | None]) -> list[tuple[Run, Run]]:
    """Approve ``warmup`` records on each side untimed, then the rest in ``rounds`` timed rounds; each round
    approves one chunk on each side, one after the other, the side going first alternating.

    Both servers are up throughout (the one not being driven is idle), so whatever else the machine is
    doing in a round weighs on both sides' chunks of that round. Returns (ours, floor) per round.
    """
    sides = (ours, floor)
    for side in sides:
        if warmup:
            drive(side.server.base_url, side.requests(side.record_ids[:warmup]), side.headers, concurrency,
                  what=f"{side.name} warm-up")
    pieces = {side.name: chunks(side.record_ids[warmup:], rounds) for side in sides}
    results: list[tuple[Run, Run]] = []
    with profiled(ours.server, profile[ours.name]), profiled(floor.server, profile[floor.name]):
        for index in range(rounds):
            measured: dict[str, Run] = {}
            for side in (sides if index % 2 == 0 else sides[::-1]):
                measured[side.name], _ = drive(side.server.base_url, side.requests(pieces[side.name][index]),
                                               side.headers, concurrency, what=side.name)
            results.append((measured[ours.name], measured[floor.name]))
    return results


# -------------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]


@contextmanager
def served(target: str, env: dict[str, str], health_path: str, log_path: Path,
           app_dir: Path | None = None, workers: int = 1) -> Iterator[Server]:
    """Run ``uvicorn --factory target`` in its own process on a free loopback port until the block ends
    (with ``workers`` server processes behind the one port, as ``ledger serve --workers`` does)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning"]
    if workers > 1:
        command += ["--workers", str(workers)]
    if app_dir is not None:
        command += ["--app-dir", str(app_dir)]
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env={**os.environ, **env}, cwd=REPO_ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{target} exited with {process.returncode}:\n{log_path.read_text()[-2000:]}")
            try:
                if httpx.get(base_url + health_path, timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{target} did not answer within {SERVER_START_SECONDS:.0f} s")
            time.sleep(0.1)
        yield Server(base_url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def profiled(server: Server, output: Path | None) -> Iterator[None]:
    """Sample the server with py-spy (attached by pid) while the block runs; collapsed stacks to ``output``.

    py-spy is a one-off tool, not a project dependency: ``.venv/bin/pip install py-spy``. Figures from a
    profiled run are slowed by the sampling; quote the unprofiled ones.
    """
    if output is None:
        yield
        return
    spy_path = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy_path).exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy (a one-off, not a dependency)")
    spy = subprocess.Popen([spy_path, "record", "--pid", str(server.process.pid), "--rate", str(PROFILE_RATE),
                            "--format", "raw", "--gil", "--nonblocking", "--output", str(output)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # let it attach before the load starts
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        try:
            _, errors = spy.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            spy.kill()
            _, errors = spy.communicate()
        if not output.exists():
            raise SystemExit(f"py-spy wrote no profile: {errors.decode(errors='replace')[-1000:]}")


# ----------------------------------------------------------------------------------------------------- ours


@dataclass
class Tokens:
    admin: str
    recorder: str
    approver: str


def make_tokens(url: str) -> Tokens:
    """Migrate the empty database and make the tokens (the CLI's job, done in-process)."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with transaction(make_session_factory(engine)) as session:
            _, admin = create_token(session, "bench admin", Role.ADMIN)
            _, recorder = create_token(session, "bench lead (records)", Role.LEAD)
            _, approver = create_token(session, "bench lead (approves)", Role.LEAD)
        return Tokens(admin, recorder, approver)
    finally:
        engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def activity_date(index: int) -> date:
    """Activity ``index``'s date: spread over 350 days so look-back sums cover a realistic history."""
    return FIRST_ACTIVITY_DATE + timedelta(days=(index * 3) % 350)


def participant_bodies() -> list[dict[str, Any]]:
    """People covering every payment preference, some with watch limits so warnings are worked out."""
    week_limit = [{"period": "week", "amount": "195.50", "label": "ESA permitted work"}]
    year_limit = [{"period": "tax_year", "amount": "1000.00", "label": "Trading allowance"}]
    templates: list[dict[str, Any]] = [
        {"name": "Jo Smith", "payment_preference": "bank_transfer", "bank": BANK, "watch_limits": week_limit},
        {"name": "Sam Lee", "payment_preference": "voucher", "watch_limits": year_limit},
        {"name": "Ali Khan", "payment_preference": "organisation", "organisation": {"name": "Carers Leeds"}},
        {"name": "Bea Jones", "payment_preference": "expenses_only", "bank": BANK},
        {"name": "Cal Green", "payment_preference": "decline"},
        {"name": "Dee Brown", "payment_preference": "bank_transfer", "bank": BANK},
        {"name": "Eli Grey", "payment_preference": "bank_transfer", "bank": BANK},
        {"name": "Fay White", "payment_preference": "voucher"},
    ]
    return [{**templates[i % len(templates)], "name": f"{templates[i % len(templates)]['name']} {i + 1}"}
            for i in range(PARTICIPANTS)]


def attendee(participant_id: int, index: int) -> dict[str, Any]:
    """Varied parts: chair or member, preparation, mileage or an at-cost expense (about 3 lines each)."""
    part: dict[str, Any] = {"participant": participant_id, "involvement_minutes": 90, "preparation_minutes": 60}
    if index % ATTENDEES_PER_ACTIVITY == 0:
        part["role"] = "chair"
    if index % 2 == 0:
        part["mileage"] = {"vehicle": "car", "miles": 14, "passengers": 0}
    else:
        part["expenses"] = [{"category": "public_transport", "amount": "4.50"}]
    return part


def prepare_ours(base_url: str, tokens: Tokens, count: int, concurrency: int) -> tuple[list[int], Run]:
    """Project, participants and ``count`` submitted records, all made through the API."""
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        project = client.post(f"{API}/projects", headers=bearer(tokens.admin), json={
            "code": "BENCH", "name": "Approval benchmark", "rate_card": "nihr-style", "budget": "1000000.00"})
        project.raise_for_status()
        people = []
        for body in participant_bodies():
            made = client.post(f"{API}/participants", headers=bearer(tokens.recorder), json=body)
            made.raise_for_status()
            people.append(made.json()["id"])
    activities = []
    for first in range(0, count, ATTENDEES_PER_ACTIVITY):
        attendees = [attendee(people[(first + k) % len(people)], first + k)
                     for k in range(min(ATTENDEES_PER_ACTIVITY, count - first))]
        activities.append(("POST", f"{API}/activities", {
            "project": project.json()["id"], "date": activity_date(first // ATTENDEES_PER_ACTIVITY).isoformat(),
            "activity": "meeting", "mode": "in_person",
            "description": f"Benchmark meeting {first // ATTENDEES_PER_ACTIVITY + 1}", "attendees": attendees}))
    run, answers = drive(base_url, activities, bearer(tokens.recorder), concurrency, what="recording")
    record_ids = [record["id"] for answer in answers for record in answer["records"]]
    return record_ids, run


def check_ours(url: str, expected: int) -> None:
    """Every record approved once, each with its entry, and the audit chain still whole after the load."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            approved = session.scalar(select(func.count()).select_from(Record).where(Record.status == "approved"))
            entries = session.scalar(select(func.count()).select_from(JournalEntry))
            chain = verify_chain(session)
        if approved != expected or entries != expected or not chain.ok:
            raise SystemExit(f"ours: {approved} approved, {entries} entries, audit chain ok={chain.ok} "
                             f"({chain.problem}); expected {expected}")
    finally:
        engine.dispose()


def check_floor(url: str, expected: int) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            approved = conn.scalar(select(func.count()).select_from(RECORDS).where(RECORDS.c.status == "approved"))
            postings = conn.scalar(select(func.count()).select_from(POSTINGS))
        if approved != expected or postings != 4 * expected:
            raise SystemExit(f"floor: {approved} approved and {postings} postings; expected {expected}")
    finally:
        engine.dispose()


# -------------------------------------------------------------------------------------------------- backends


@dataclass
class Result:
    backend: str
    workers: int
    rounds: list[tuple[Run, Run]]  # (ours, floor) per interleaved round
    recording: Run
    recorded: int

    @property
    def ours(self) -> Run:
        return Run.joined([o for o, _ in self.rounds])

    @property
    def floor(self) -> Run:
        return Run.joined([f for _, f in self.rounds])

    def round_ratios(self) -> list[float]:
        return [o.per_second / f.per_second for o, f in self.rounds]


@contextmanager
def backend_urls(backend: str, folder: Path) -> Iterator[tuple[str, str]]:
    """(ours, floor) database URLs: two SQLite files, or two private PostgreSQL databases dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'ours.db'}", f"sqlite:///{folder / 'floor.db'}"
        return
    import psycopg

    base = make_url(os.environ.get("LEDGER_BENCH_DATABASE_URL") or DEFAULT_PG_URL).set(drivername="postgresql")
    admin = base.render_as_string(hide_password=False)
    suffix = uuid.uuid4().hex[:10]
    names = [f"ledger_bench_approvals_ours_{suffix}", f"ledger_bench_approvals_floor_{suffix}"]
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise SystemExit(f"cannot create the benchmark databases on {base.render_as_string(hide_password=True)}: "
                         f"{exc}. Set LEDGER_BENCH_DATABASE_URL or use --database sqlite.") from None
    try:
        ours, floor = (base.set(database=name).render_as_string(hide_password=False) for name in names)
        yield ours, floor
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_backend(backend: str, count: int, concurrency: int, warmup: int, rounds: int, profile_dir: Path | None,
                  workers: int = 1) -> Result:
    def profile_path(side: str) -> Path | None:
        return profile_dir / f"{side}-{backend}.txt" if profile_dir is not None else None

    with tempfile.TemporaryDirectory(prefix="bench_approvals_") as tmp, \
            backend_urls(backend, Path(tmp)) as (ours_url, floor_url):
        folder = Path(tmp)
        total = count + warmup
        print(f"[{backend}] floor: preparing {total} records", flush=True)
        floor_ids = prepare_floor_database(floor_url, total)
        tokens = make_tokens(ours_url)
        # Thousands of requests a minute with one token: the per-token rate limit would answer 429.
        # Each worker builds its app as `ledger serve --workers N` has it do (rate limits in the database
        # when N > 1); the database was upgraded by make_tokens, as the command does before starting them.
        with served("bench_approvals:create_floor_app", {FLOOR_URL_ENV: floor_url}, "/health",
                    folder / "floor.log", app_dir=BENCH_DIR, workers=workers) as floor_server, \
                served("ledger.cli.serve_cmd:worker_app",
                       {"LEDGER_DATABASE_URL": ours_url, "LEDGER_RATE_LIMIT_PER_TOKEN": "off",
                        "LEDGER_SERVE_WORKERS": str(workers)}, f"{API}/health",
                       folder / "ours.log", workers=workers) as ours_server:
            print(f"[{backend}] ours: recording {total} records through POST /activities", flush=True)
            record_ids, recording = prepare_ours(ours_server.base_url, tokens, total, concurrency)
            print(f"[{backend}] approving {count} records on each side in {rounds} interleaved rounds", flush=True)
            measured = approve_interleaved(
                Side("ours", ours_server, record_ids, bearer(tokens.approver), API),
                Side("floor", floor_server, floor_ids, {}, ""),
                concurrency, warmup, rounds, {"ours": profile_path("ours"), "floor": profile_path("floor")})
        check_floor(floor_url, total)
        check_ours(ours_url, total)
        result = Result(backend, workers, measured, recording, len(record_ids))
        for index, (ours, floor) in enumerate(measured, start=1):
            print(f"[{backend}] round {index}: ours {ours.per_second:.0f}/s, floor {floor.per_second:.0f}/s, "
                  f"ratio {ours.per_second / floor.per_second:.2f}", flush=True)
        return result


def _frame_name(frame: str) -> str:
    """``f (ledger/x.py:135)`` -> ``f (ledger/x.py)``: samples are grouped by function, not by line."""
    name, _, place = frame.partition(" (")
    where = place.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})" if where else name


def summarise_profile(path: Path, seconds: float, *, top: int = 22) -> None:
    """Print where the server's Python time went, from py-spy's collapsed stacks (``frame;...;frame count``
    per line, sampled with ``--gil``: only the thread holding the interpreter lock is counted, so the
    shares say what used the one lane of Python execution a process has): how busy that lane was during
    the timed approvals, inclusive shares of ledger functions, and self time grouped by package."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";")]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        leaf = frames[-1]
        own[leaf] += count
        where = leaf.partition(" (")[2]
        packages[where.split("/", 1)[0] if "/" in where else where.rstrip(")") or "?"] += count
    if not total:
        print(f"{path}: no samples")
        return
    busy = total / (PROFILE_RATE * seconds)
    print(f"\n{path.name}: {total} samples; the GIL was held {100 * busy:.0f}% of the {seconds:.1f} s timed")
    print("  inclusive share, ledger code and request plumbing:")
    shown = 0
    for frame, count in inclusive.most_common():
        if "ledger/" in frame or "bench_approvals" in frame:
            print(f"  {100 * count / total:6.1f}%  {frame}")
            shown += 1
            if shown == top:
                break
    print("  self time by package (leaf frames):")
    for package, count in packages.most_common(10):
        print(f"  {100 * count / total:6.1f}%  {package}")
    print("  top self time:")
    for frame, count in own.most_common(12):
        print(f"  {100 * count / total:6.1f}%  {frame}")


def print_table(results: Sequence[Result], concurrency: int) -> None:
    print()
    print(f"Approvals through HTTP, {concurrency} concurrent connections; latency in ms; target ratio >= 0.33")
    print("ours/s and floor/s: all timed approvals over the summed time of their rounds; ratio: the median of the "
          "rounds' ratios (range in brackets)")
    header = (f"{'backend':<9}{'workers':>8}{'records':>8}{'ours/s':>9}{'floor/s':>9}{'ratio':>7}{'(range)':>13}"
              f"{'ours p50':>10}{'ours p99':>10}{'floor p50':>11}{'floor p99':>11}{'recording/s':>13}")
    print(header)
    print("-" * len(header))
    for r in results:
        ratios = r.round_ratios()
        spread = f"({min(ratios):.2f}-{max(ratios):.2f})"
        ours, floor = r.ours, r.floor
        print(f"{r.backend:<9}{r.workers:>8}{ours.count:>8}{ours.per_second:>9.0f}{floor.per_second:>9.0f}"
              f"{statistics.median(ratios):>7.2f}{spread:>13}"
              f"{ours.percentile(0.5):>10.1f}{ours.percentile(0.99):>10.1f}{floor.percentile(0.5):>11.1f}"
              f"{floor.percentile(0.99):>11.1f}{r.recorded / r.recording.seconds:>13.0f}")
    print("recording/s: records created per second through POST /activities (4 attendees a request), for scale.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=600, help="timed approvals per backend (default 600)")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent connections (default 4)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed approvals first (default 20)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timed rounds, ours and the floor "
                        "taking turns (default 5); the ratio shown is the median of the rounds' ratios")
    parser.add_argument("--workers", default="1", help="server processes, or a list such as 1,2 (PostgreSQL "
                        "only above 1; ours and the floor get the same number)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="sample both servers during the timed approvals with py-spy (installed separately) "
                             "and write and summarise the collapsed stacks in DIR")
    args = parser.parse_args()
    if args.records < 1 or args.concurrency < 1 or args.warmup < 0 or not 1 <= args.rounds <= args.records:
        parser.error("--records and --concurrency must be at least 1, --warmup at least 0, --rounds between 1 "
                     "and --records")
    backends = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    started = time.perf_counter()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    worker_counts = [int(w) for w in args.workers.split(",")]
    if any(w > 1 for w in worker_counts) and "sqlite" in backends:
        parser.error("--workers above 1 needs --database postgres (SQLite is served by one process)")
    results = [bench_backend(backend, args.records, args.concurrency, args.warmup, args.rounds, args.profile, workers)
               for backend in backends for workers in worker_counts]
    print_table(results, args.concurrency)
    if args.profile is not None:
        print("(profiled run: py-spy sampling slows the servers; quote figures from a run without --profile)")
        for result in results:
            summarise_profile(args.profile / f"ours-{result.backend}.txt", result.ours.seconds)
            summarise_profile(args.profile / f"floor-{result.backend}.txt", result.floor.seconds)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
