"""Benchmark: what the outbox adds to marking a batch paid, and how fast a worker delivers, on PostgreSQL.

Run from the repository root (about a minute at the default sizes on a 2-core machine):

    .venv/bin/python bench/bench_messages.py [--sizes 1000,4000] [--deliver 200] [--database URL]

``--database`` (else ``LEDGER_TEST_DATABASE_URL``, else postgresql://postgres@127.0.0.1:5432/postgres) names a
PostgreSQL server; each size runs in a private database created there and dropped at the end.

For each size N the ledger is seeded as ``bench_batch_scale.py`` does (N payees, one approved record each),
every payee gets an e-mail address, and a bank batch is built and approved. Then:

* **paid**: ``mark_paid`` as the API calls it, which now also writes N outbox rows (one INSERT, the
  addresses encrypted) in the same transaction;
* **outbox**: ``queue_remittances`` alone for the same batch, in a transaction rolled back afterwards: the
  part of **paid** that is the outbox;
* **floor**: one multi-row INSERT of N rows into a scratch table and its commit (the least per-row work).

It prints milliseconds per payee and the ratio largest / smallest size (linear growth keeps it near 1;
target at most 1.5). Then a worker delivers ``--deliver`` of those messages (each a payment advice with
its PDF drawn at delivery) to an SMTP server (aiosmtpd) in this process: messages per second for one
worker, and for two workers in two processes' worth of threads (the drawing is CPU-bound, so on two
cores the second worker helps only as far as the machine is free).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aiosmtpd.controller import Controller
from bench_batch_scale import BUILDER, CHECKER, DEFAULT_PG_URL, private_database, seed, settle, timed
from sqlalchemy import func, select, text, update

from ledger import clock
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import Batch, Participant
from ledger.db.models_messages import OutboxMessage
from ledger.messages.outbox import queue_remittances
from ledger.messages.transport import SmtpSettings
from ledger.messages.worker import Worker, WorkerSettings
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.security.keys import Keyring, use_keyring

TARGET_RATIO = 1.5


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def run_size(base_url: str, payees: int, deliver: int) -> tuple[dict[str, float], dict[str, float]]:
    with private_database(base_url) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            factory = make_session_factory(engine)
            seed(factory, payees)
            with transaction(factory) as s:
                s.execute(update(Participant).values(email=func.concat("person", Participant.id, "@example.org")))
                batch_id = build_batch(s, BUILDER, "bank_transfer").batch.id
            with transaction(factory) as s:
                approve_batch(s, CHECKER, batch_id)
            settle(factory)
            seconds: dict[str, float] = {}

            def floor() -> None:
                with transaction(factory) as s:
                    s.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (id BIGINT, amount BIGINT, note TEXT)"))
                    s.execute(text("INSERT INTO bench_floor VALUES (:i, :a, :n)"),
                              [{"i": i, "a": 3200, "n": f"row {i}"} for i in range(payees)])

            def outbox_only() -> None:
                with factory() as s, s.begin():
                    batch = s.get(Batch, batch_id)
                    assert batch is not None
                    assert len(queue_remittances(s, batch).queued) == payees
                    s.rollback()

            def paid() -> None:
                with transaction(factory) as s:
                    mark_paid(s, BUILDER, batch_id, clock.today())

            seconds["floor"] = timed(floor)
            seconds["outbox"] = timed(outbox_only)
            seconds["paid"] = timed(paid)
            with factory() as s:
                assert s.scalar(select(func.count()).select_from(OutboxMessage)) == payees
            rates = delivery_rates(factory, url, deliver)
            return seconds, rates
        finally:
            engine.dispose()


def delivery_rates(factory: object, url: str, deliver: int) -> dict[str, float]:
    """Messages per second delivered by one worker, then by two at once, to an in-process SMTP server."""
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=_free_port())
    controller.start()
    rates: dict[str, float] = {}
    try:
        settings = SmtpSettings(host=controller.hostname, port=controller.port, security="none")
        for workers in (1, 2):
            before = counter.count
            limit = WorkerSettings(batch_size=10)
            stop_at = before + deliver
            started = time.perf_counter()

            def work(limit: WorkerSettings = limit, stop_at: int = stop_at) -> None:
                engine = make_engine(url)
                try:
                    worker = Worker(make_session_factory(engine), settings, limit)
                    while counter.count < stop_at and worker.run_once().claimed:
                        pass
                finally:
                    engine.dispose()

            threads = [threading.Thread(target=work) for _ in range(workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            rates[f"{workers} worker{'s' if workers > 1 else ''}"] = (counter.count - before) / (
                time.perf_counter() - started)
    finally:
        controller.stop()
    return rates


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,4000")
    parser.add_argument("--deliver", type=int, default=200)
    parser.add_argument("--database", default=os.environ.get("LEDGER_TEST_DATABASE_URL") or DEFAULT_PG_URL)
    args = parser.parse_args()
    use_keyring(Keyring.generate())
    sizes = [int(s) for s in args.sizes.split(",")]
    per_payee: dict[int, dict[str, float]] = {}
    rates: dict[str, float] = {}
    for size in sizes:
        seconds, measured = run_size(args.database, size, args.deliver if size == sizes[0] else 0)
        per_payee[size] = {step: 1000 * value / size for step, value in seconds.items()}
        rates = rates or measured
    steps = ("floor", "outbox", "paid")
    print(f"{'payees':>8} " + " ".join(f"{s + ' ms/payee':>16}" for s in steps))
    for size in sizes:
        print(f"{size:>8} " + " ".join(f"{per_payee[size][s]:>16.3f}" for s in steps))
    worst = 0.0
    for step in steps:
        ratio = per_payee[sizes[-1]][step] / per_payee[sizes[0]][step]
        worst = max(worst, ratio) if step != "floor" else worst
        print(f"ratio {sizes[-1]}/{sizes[0]} {step}: {ratio:.2f}")
    share = per_payee[sizes[-1]]["outbox"] / per_payee[sizes[-1]]["paid"]
    print(f"outbox share of marking paid at {sizes[-1]} payees: {share:.0%}")
    for name, rate in rates.items():
        print(f"delivery, {name}: {rate:.1f} messages/second (payment advice with its PDF)")
    print("OK" if worst <= TARGET_RATIO else f"SLOWER THAN LINEAR (worst ratio {worst:.2f} > {TARGET_RATIO})")


if __name__ == "__main__":
    main()
