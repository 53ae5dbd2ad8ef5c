"""Benchmark: a payment batch through build, approve, export and paid on PostgreSQL, per payee, as it grows.

Run from the repository root (about a minute and a half at the default sizes on a 2-core machine):

    .venv/bin/python bench/bench_batch_scale.py [--sizes 1000,10000] [--database URL] [--repeat 4]

``--database`` (else ``LEDGER_TEST_DATABASE_URL``, else postgresql://postgres@127.0.0.1:5432/postgres) names
a PostgreSQL server; each size runs in a private database created there and dropped at the end.

For each size N the ledger is seeded directly (N participants with bank details that pass the modulus
check, one approved record each with its balanced approval entry), then each step runs through the real
services in its own committed transaction, exactly as the API and CLI call them:

* **build**: ``build_batch`` (nets per payee, copies each payee's confirmed, encrypted bank details into
  the line, locks every posting with one INSERT ... SELECT, re-checks the lines);
* **approve**: ``approve_batch`` (re-checks every line against its locked postings, then the state change);
* **export**: ``mark_exported`` (the same re-check) + ``batch_export_data`` + the bank-csv exporter,
  the whole file produced (decrypting every snapshot);
* **paid**: ``mark_paid`` (the re-check, one PAYMENT entry of 4 N postings, PostgreSQL's balance check).

The **floor**, measured in the same run and database, is one multi-row INSERT of N rows into a scratch
table and its commit: the least per-row work any step must do. It shows how much per-row cost changes
with size for reasons that are not ours (caches, the machine).

The table prints milliseconds per payee at each size and the ratio largest / smallest. Linear growth
means the ratio stays near 1; the target is at most 1.5 for every step. Before migration 0003 ``paid``
re-summed the whole entry for every posting row: 1,000 / 2,000 / 4,000 / 8,000 postings took 0.9 / 1.8 /
9.1 / 58.5 s. Each run seeds a fresh database and VACUUM ANALYZEs it before timing; sizes are run in
turn ``--repeat`` times and the best run per size is reported (the machine is shared, single runs vary).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import (
    Activity,
    JournalEntry,
    Participant,
    Posting,
    Project,
    Record,
)
from ledger.exports.finance import get_exporter
from ledger.exports.finance.sample import bank_pool
from ledger.organisation import save_organisation
from ledger.payments.batches import approve_batch, build_batch, mark_exported, mark_paid
from ledger.payments.payee_seal import SEALED_FIELDS, payee_fingerprint
from ledger.reports.batch_export import batch_export_data
from ledger.security.actor import Actor
from ledger.security.keys import Keyring, use_keyring

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
STEPS = ("floor", "build", "approve", "export", "paid")
TARGET_RATIO = 1.5
BUILDER = Actor.system("bench finance one")
CHECKER = Actor.system("bench finance two")
ON = date(2025, 5, 1)
CHUNK = 2000
ORGANISATION = {
    "name": "Bench Health and Care", "contact_name": "Bench Contact", "contact_phone": "0161 496 0000",
    "contact_email": "bench@example.org", "postal_address": "1 Bench Road, Benchtown", "payer_name": "BENCH HCT",
    "reference_prefix": "BEN",
}


@contextmanager
def private_database(base_url: str) -> Iterator[str]:
    import psycopg

    admin = make_url(base_url).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    name = f"ledger_bench_batch_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _chunks(count: int) -> Iterator[range]:
    for start in range(0, count, CHUNK):
        yield range(start, min(start + CHUNK, count))


def seed(factory: sessionmaker[Session], payees: int) -> None:
    """N participants with usable bank details and one approved record each (fees and expenses)."""
    pool = bank_pool()
    with transaction(factory) as s:
        save_organisation(s, ORGANISATION)
        project = Project(code="BENCH", name="Bench project", rate_card="nihr-style", currency="GBP",
                          cost_code="CC-1")
        s.add(project)
        s.flush()
        for chunk in _chunks(payees):
            s.execute(insert(Participant), [
                {"reference": f"P-{i + 1:06d}", "name": f"Bench Person {i + 1}", "payment_preference": "bank_transfer",
                 "bank_account_name": f"BENCH PERSON {i + 1}", "bank_sort_code": pool[i % len(pool)][0],
                 "bank_account_number": pool[i % len(pool)][1], "statement_style": "standard"}
                for i in chunk
            ])
        people = s.scalars(select(Participant.id).order_by(Participant.id)).all()
        # A bulk INSERT bypasses the ORM hook that seals confirmed payee details (ledger.payments.payee_seal);
        # unsealed people would be left out of the batch, so seal them as the ledger would have.
        sealed = s.execute(select(Participant.id, *(getattr(Participant, f) for f in SEALED_FIELDS))).all()
        s.execute(update(Participant), [
            {"id": pid, "payee_fingerprint": payee_fingerprint(pid, dict(zip(SEALED_FIELDS, values, strict=True)))}
            for pid, *values in sealed
        ])
        for chunk in _chunks(payees):
            activities = s.scalars(insert(Activity).returning(Activity.id, sort_by_parameter_order=True), [
                {"project_id": project.id, "date": ON, "activity": "meeting", "mode": "online"} for _ in chunk
            ]).all()
            records = s.scalars(insert(Record).returning(Record.id, sort_by_parameter_order=True), [
                {"activity_id": activity_id, "participant_id": people[i], "role": "member",
                 "involvement_minutes": 60, "preparation_minutes": 0, "follow_up_minutes": 0, "travel_minutes": 0,
                 "status": "approved", "rate_card": "nihr-style", "version_from": date(2024, 4, 1), "currency": "GBP",
                 "fees_minor": 2750, "expenses_minor": 450, "payment_preference_at_approval": "bank_transfer"}
                for i, activity_id in zip(chunk, activities, strict=True)
            ]).all()
            entries = s.scalars(insert(JournalEntry).returning(JournalEntry.id, sort_by_parameter_order=True), [
                {"kind": "approval", "booked_on": ON, "record_id": record_id, "memo": "approved"}
                for record_id in records
            ]).all()
            legs = []
            for i, record_id, entry_id in zip(chunk, records, entries, strict=True):
                common = {"entry_id": entry_id, "participant_id": people[i], "project_id": project.id,
                          "record_id": record_id, "currency": "GBP", "activity_date": ON}
                legs += [
                    {**common, "account_kind": "project_spend", "category": "fee", "amount_minor": 2750},
                    {**common, "account_kind": "participant_payable", "category": "fee", "amount_minor": -2750},
                    {**common, "account_kind": "project_spend", "category": "expense", "amount_minor": 450},
                    {**common, "account_kind": "participant_payable", "category": "expense", "amount_minor": -450},
                ]
            s.execute(insert(Posting), legs)
    settle(factory)


def settle(factory: sessionmaker[Session]) -> None:
    """VACUUM ANALYZE after seeding, so the timed steps do not pay for the seed's aftermath (setting hint
    bits on 50,000 fresh rows, autovacuum waking up halfway through a step) and plans use real sizes."""
    bind = factory.kw["bind"]
    with bind.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM (ANALYZE)"))


def timed(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run_once(base_url: str, payees: int) -> dict[str, float]:
    """Seconds per step for one batch of ``payees`` in a fresh private database."""
    with private_database(base_url) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            factory = make_session_factory(engine)
            seed(factory, payees)
            seconds: dict[str, float] = {}
            batch_id = 0

            def floor() -> None:
                with transaction(factory) as s:
                    s.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (id BIGINT, amount BIGINT, note TEXT)"))
                    s.execute(text("INSERT INTO bench_floor VALUES (:i, :a, :n)"),
                              [{"i": i, "a": 3200, "n": f"row {i}"} for i in range(payees)])

            def build() -> None:
                nonlocal batch_id
                with transaction(factory) as s:
                    outcome = build_batch(s, BUILDER, "bank_transfer")
                    assert not outcome.skipped and outcome.batch.total_minor == 3200 * payees
                    batch_id = outcome.batch.id

            def approve() -> None:
                with transaction(factory) as s:
                    approve_batch(s, CHECKER, batch_id)

            def export() -> None:
                exporter = get_exporter("bank-csv")
                with transaction(factory) as s:
                    data = batch_export_data(s, mark_exported(s, CHECKER, batch_id, exporter.name))
                    size = sum(len(chunk) for chunk in exporter.iter_chunks(data))
                    assert size > 30 * payees

            def paid() -> None:
                with transaction(factory) as s:
                    mark_paid(s, CHECKER, batch_id, date.today())

            for name, work in (("floor", floor), ("build", build), ("approve", approve), ("export", export),
                               ("paid", paid)):
                seconds[name] = timed(work)
            return seconds
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="payees per batch, comma-separated")
    parser.add_argument("--database", default=os.environ.get("LEDGER_TEST_DATABASE_URL", DEFAULT_PG_URL),
                        help="a PostgreSQL server URL; private databases are created and dropped there")
    parser.add_argument("--repeat", type=int, default=4, help="runs per size; the best is reported")
    args = parser.parse_args()
    use_keyring(Keyring.generate())  # a throw-away key in memory: no key file is written
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    results: dict[int, dict[str, float]] = {}
    # Sizes are interleaved (1,000, 10,000, 1,000, 10,000 ...) so a busy spell on a shared machine does
    # not land on one size only; the best run per size and step is kept.
    for round_ in range(max(1, args.repeat)):
        for size in sizes:
            run = run_once(args.database, size)
            best = results.setdefault(size, dict(run))
            for step in STEPS:
                best[step] = min(best[step], run[step])
            figures = ", ".join(f"{step} {run[step]:.2f} s" for step in STEPS)
            print(f"  round {round_ + 1}, {size:>7} payees: {figures}", flush=True)

    small, large = min(sizes), max(sizes)
    print()
    print(f"PostgreSQL, milliseconds per payee (best of {args.repeat}); ratio = per payee at {large:,} / at {small:,}")
    print(f"{'step':<9}" + "".join(f"{f'{size:,} payees':>16}" for size in sizes) + f"{'ratio':>8}  linear?")
    worst = 0.0
    for step in STEPS:
        per_payee = [results[size][step] / size * 1000 for size in sizes]
        ratio = per_payee[-1] / per_payee[0]
        if step != "floor":
            worst = max(worst, ratio)
        verdict = "floor" if step == "floor" else ("yes" if ratio <= TARGET_RATIO else "NO")
        print(f"{step:<9}" + "".join(f"{value:>16.3f}" for value in per_payee) + f"{ratio:>8.2f}  {verdict}")
    total = [sum(results[size][s] for s in STEPS if s != "floor") for size in sizes]
    print(f"{'all four':<9}" + "".join(f"{t / size * 1000:>16.3f}" for t, size in zip(total, sizes, strict=True))
          + f"{(total[-1] / large) / (total[0] / small):>8.2f}")
    print(f"\nWorst step ratio {worst:.2f} (target <= {TARGET_RATIO}).")


if __name__ == "__main__":
    main()
