"""Benchmark: importing an activities spreadsheet, dry run and real, at 1,000 and 10,000 rows.

Run from the repository root (about 4 minutes at the default sizes on a 2-core machine, SQLite):

    .venv/bin/python bench/bench_import.py [--rows 1000 10000] [--format xlsx|csv] [--database sqlite|postgres]

The file is made here: one row per person per meeting, four people to a meeting, meetings on different
days for 250 participants, times written as ``1:30``, some preparation, every fifth row a bus fare
(``£4.50``). So every row goes through the whole importer: the file read as a stream (openpyxl read-only
for ``.xlsx``), the cells parsed, the person matched, and ``record_activity`` (the API's service: rate
engine, watch limits, records, one audit event per activity) for each meeting.

Each measurement runs in a fresh process on a fresh copy of the same database, so one run's memory or
caches cannot flatter the next:

* **floor**: only reading the file's rows (openpyxl or csv), nothing else: the least any importer costs.
* **dry run** and **import**: ``ledger.imports.run_import`` with ``dry_run`` true and false, timed.

For each, the table prints milliseconds per row at each size, the ratio of the two (1.0 is linear), and
the peak memory: Python's own allocations during the step (``tracemalloc``, measured in a second fresh
process so its overhead does not slow the timed run) and the whole process's peak resident size. "Memory must not
grow with the file": the peak at 10,000 rows should be about the peak at 1,000 rows.

PostgreSQL (``--database postgres``) uses a private database ``bench_import_<random>`` created on
``LEDGER_BENCH_DATABASE_URL`` (default postgresql://postgres@127.0.0.1:5432/postgres), dropped at the end;
each measurement gets its own copy (``CREATE DATABASE ... TEMPLATE``).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PARTICIPANTS = 250
PER_MEETING = 4
FIRST_DAY = date(2025, 4, 7)
HEADINGS = ["Project", "Date", "Activity type", "Description", "Participant", "Time taking part",
            "Preparation time", "Expense type", "Expense amount"]


# ------------------------------------------------------------------------------------------ the file


def rows(count: int) -> list[list[Any]]:
    """``count`` rows: meetings of four people; each group of four meets once a day (one activity each)."""
    made: list[list[Any]] = [HEADINGS]
    meetings = (count + PER_MEETING - 1) // PER_MEETING
    groups = PARTICIPANTS // PER_MEETING
    for meeting in range(meetings):
        day = FIRST_DAY + timedelta(days=meeting // groups)
        first = (meeting % groups) * PER_MEETING
        for seat in range(PER_MEETING):
            if len(made) > count:
                break
            number = len(made)
            made.append(["BENCH", day.strftime("%d/%m/%Y"), "meeting", f"Group {meeting % groups + 1} meeting",
                         f"P-{first + seat + 1:04d}", "1:30",
                         "30" if number % 3 == 0 else None,
                         "public transport" if number % 5 == 0 else None, "£4.50" if number % 5 == 0 else None])
    return made


def write_file(path: Path, count: int, fmt: str) -> None:
    table = rows(count)
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(table)
        path.write_text(out.getvalue(), encoding="utf-8")
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Activities")
    for row in table:
        sheet.append(row)
    book.save(path)


# -------------------------------------------------------------------------------------- the ledger


def build_ledger(url: str) -> None:
    from ledger.db.engine import make_engine, make_session_factory, transaction
    from ledger.db.migrate import upgrade
    from ledger.db.models import Role
    from ledger.involvement.participants import create_participant
    from ledger.involvement.projects import create_project
    from ledger.involvement.schemas import ParticipantCreate, ProjectCreate
    from ledger.security.actor import Actor

    engine = make_engine(url)
    upgrade(engine)
    admin = Actor(token_id=None, name="Bench Admin", role=Role.ADMIN)
    with transaction(make_session_factory(engine)) as session:
        create_project(session, admin, ProjectCreate(code="BENCH", name="Bench", rate_card="nihr-style"))
        for number in range(PARTICIPANTS):
            create_participant(session, admin, ParticipantCreate(name=f"Bench Person {number + 1}",
                                                                 payment_preference="voucher"))
    engine.dispose()


# ------------------------------------------------------------------------------- one measurement


def measure(url: str, path: str, step: str, trace: bool) -> dict[str, Any]:
    """Run in a fresh process: one step on one file; time, resident growth, and (``trace``) Python's peak."""
    from ledger.db.engine import make_engine, make_session_factory, transaction
    from ledger.db.models import Role
    from ledger.imports import run_import
    from ledger.imports.reading import open_table
    from ledger.security.actor import Actor

    engine = make_engine(url)
    lead = Actor(token_id=None, name="Bench Lead", role=Role.ADMIN)
    with transaction(make_session_factory(engine)) as session:  # warm: connection, mappers, rate cards
        session.execute(__import__("sqlalchemy").text("SELECT 1"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result: dict[str, Any] = {}
    if step == "floor":
        count = 0
        with open_table(Path(path), "activities") as table:
            for _ in table.rows:
                count += 1
        result["rows"] = count
    else:
        with transaction(make_session_factory(engine)) as session:
            report = run_import(session, lead, "activities", Path(path), dry_run=step == "dry run")
        assert not report.problems, report.problems[:3]
        result["rows"] = report.rows_read
        result["records"] = report.added.records
    result["seconds"] = time.perf_counter() - started
    if trace:
        result["python_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    result["rss_before_mb"] = before / 1024
    result["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    return result


# ----------------------------------------------------------------------------------------- databases


class Databases:
    """A migrated template and a fresh copy of it for each measurement."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind, self.folder = kind, folder
        self.created: list[str] = []
        if kind == "sqlite":
            self.template = folder / "template.db"
            build_ledger(f"sqlite:///{self.template}")
        else:
            from sqlalchemy.engine import make_url

            self.server = make_url(os.environ.get("LEDGER_BENCH_DATABASE_URL", DEFAULT_PG_URL))
            self.template_name = f"bench_import_{uuid.uuid4().hex[:8]}"
            self._sql(f'CREATE DATABASE "{self.template_name}"')
            self.created.append(self.template_name)
            build_ledger(self.server.set(database=self.template_name).render_as_string(hide_password=False))

    def _sql(self, statement: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(statement))
        engine.dispose()

    def copy(self) -> str:
        if self.kind == "sqlite":
            path = self.folder / f"copy-{uuid.uuid4().hex[:8]}.db"
            shutil.copy(self.template, path)
            return f"sqlite:///{path}"
        name = f"{self.template_name}_{uuid.uuid4().hex[:6]}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')
        self.created.append(name)
        return self.server.set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        for name in reversed(self.created):
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def databases(kind: str, folder: Path) -> Any:
    made = Databases(kind, folder)
    try:
        yield made
    finally:
        if kind == "postgres":
            made.drop()


def child(url: str, path: Path, step: str, trace: bool) -> dict[str, Any]:
    """``measure`` in a new Python process (its own memory, nothing cached from earlier steps)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path), step, "1" if trace else "0"],
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if done.returncode != 0:
        raise SystemExit(f"{step} on {path.name} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # the key comes from LEDGER_SECRET_KEY, set by the parent for every process
        url, path, step, trace = args.child
        print(json.dumps(measure(url, path, step, trace == "1")))
        return

    import base64

    # One throwaway key for the parent (which builds the ledger) and every child (which imports into it).
    os.environ.setdefault("LEDGER_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    results: dict[tuple[str, int], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with databases(args.database, folder) as dbs:
            for count in args.rows:
                path = folder / f"activities-{count}.{args.format}"
                write_file(path, count, args.format)
                for step in ("floor", "dry run", "import"):
                    timed = child(dbs.copy(), path, step, trace=False)
                    traced = child(dbs.copy(), path, step, trace=True)
                    results[(step, count)] = {**timed, "python_peak_mb": traced["python_peak_mb"]}
                    print(f"{step:8} {count:>6} rows: {timed['seconds']:.2f} s, "
                          f"python peak {traced['python_peak_mb']:.1f} MB, process peak {timed['rss_peak_mb']:.0f} MB "
                          f"(before the step: {timed['rss_before_mb']:.0f} MB)",
                          file=sys.stderr)
    small, large = min(args.rows), max(args.rows)
    print(f"\nImporting a {args.format} activities file on {args.database} ({PARTICIPANTS} participants, "
          f"{PER_MEETING} to a meeting)\n")
    print(f"| step | ms per row at {small:,} | ms per row at {large:,} | ratio | python peak MB at {small:,} / "
          f"{large:,} | process peak MB at {small:,} / {large:,} | {large:,} rows |")
    print("|---|---|---|---|---|---|---|")
    for step in ("floor", "dry run", "import"):
        one, two = results[(step, small)], results[(step, large)]
        per_one, per_two = one["seconds"] * 1000 / small, two["seconds"] * 1000 / large
        print(f"| {step} | {per_one:.3f} | {per_two:.3f} | {per_two / per_one:.2f} | "
              f"{one['python_peak_mb']:.1f} / {two['python_peak_mb']:.1f} | "
              f"{one['rss_peak_mb']:.0f} / {two['rss_peak_mb']:.0f} | {two['seconds']:.1f} s |")
    importing = results[("import", large)]
    floor = results[("floor", large)]
    print(f"\nimport / floor at {large:,} rows: {importing['seconds'] / floor['seconds']:.0f}x "
          f"(the floor only reads the file)")


if __name__ == "__main__":
    main()
