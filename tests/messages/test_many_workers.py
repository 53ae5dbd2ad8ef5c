"""Several workers, crashes and leases: no message lost, none taken by two workers at once.

* PostgreSQL: two workers deliver 1,000 queued messages; every Message-ID arrives exactly once. A claim
  held open by one worker is skipped by another (``FOR UPDATE SKIP LOCKED``), not waited for.
* A ``ledger worker`` process killed (SIGKILL) mid-run: a new worker takes over its messages once their
  lease runs out and every message arrives; the only copies are of messages in the killed worker's hands,
  and they carry the same Message-ID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from payments.factory import set_organisation
from private_pg import private_postgres
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger import clock
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models_messages import MessageStatus, OutboxMessage
from ledger.messages.outbox import claim, queue_sign_in
from ledger.messages.worker import Worker, WorkerSettings
from ledger.security.keys import encode_key, get_keyring
from messages.conftest import SmtpServer


def queue(factory: sessionmaker[Session], count: int) -> list[str]:
    expires = clock.now() + timedelta(days=1)
    with transaction(factory) as session:
        ids = [queue_sign_in(session, to=f"person{n}@example.net", link=None, code=f"C{n:05d}",
                             expires_at=expires).message_id for n in range(count)]
    return ids


@pytest.fixture
def pg_factory() -> Iterator[sessionmaker[Session]]:
    with private_postgres("ledger_messages") as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            factory = make_session_factory(engine)
            set_organisation(factory)
            yield factory
        finally:
            engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_on_postgresql_deliver_1000_messages_none_twice(
        pg_factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    wanted = queue(pg_factory, 1000)
    url = pg_factory.kw["bind"].url.render_as_string(hide_password=False)
    settings = WorkerSettings(batch_size=10, lease_seconds=300, attempts=3, retry_seconds=0)
    done: list[list[int]] = [[], []]
    errors: list[BaseException] = []

    def work(slot: int) -> None:
        engine = make_engine(url)
        try:
            worker = Worker(make_session_factory(engine), smtp.settings, settings)
            while (one := worker.run_once()).claimed:
                done[slot].extend(one.sent)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors and not any(t.is_alive() for t in threads)
    received = Counter(smtp.recorder.message_ids())
    assert sorted(received) == sorted(wanted), "every message arrives"
    assert max(received.values()) == 1, "none arrives twice"
    assert not set(done[0]) & set(done[1]) and len(done[0]) + len(done[1]) == 1000
    assert done[0] and done[1], f"both workers took part ({len(done[0])} and {len(done[1])})"
    with pg_factory() as session:
        counted = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        statuses = dict(session.execute(counted).all())
    assert statuses == {MessageStatus.SENT.value: 1000}


@pytest.mark.postgres
def test_a_claim_held_open_is_skipped_not_waited_for(pg_factory: sessionmaker[Session]) -> None:
    queue(pg_factory, 6)
    lease = timedelta(minutes=5)
    with pg_factory() as first, first.begin():
        mine = claim(first, limit=3, lease=lease)  # not committed yet: the rows stay locked
        with pg_factory() as second, second.begin():
            second.execute(select(func.now()))
            second.connection().exec_driver_sql("SET LOCAL lock_timeout = '2s'")  # a wait would fail the test
            theirs = claim(second, limit=6, lease=lease)
    assert len(mine) == 3 and len(theirs) == 3 and not {c.id for c in mine} & {c.id for c in theirs}


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_nothing(factory: sessionmaker[Session], tmp_path: Path,
                                               smtp: SmtpServer) -> None:
    wanted = queue(factory, 150)
    smtp.recorder.delay = 0.01
    smtp.recorder.hold_at, smtp.recorder.hold_seconds = 40, 3.0  # the 41st message hangs: kill the worker then
    env = {**os.environ, "LEDGER_SMTP_URL": f"smtp://{smtp.settings.host}:{smtp.settings.port}",
           "LEDGER_SECRET_KEY": ",".join(encode_key(k) for k in get_keyring().keys),
           "LEDGER_MESSAGE_LEASE_SECONDS": "2", "LEDGER_MESSAGE_BATCH": "5", "LEDGER_MESSAGE_RETRY_SECONDS": "0"}
    db = ["--database", f"sqlite:///{tmp_path / 'ledger.db'}"]
    command = [sys.executable, "-m", "ledger", "worker", *db]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert smtp.recorder.holding.wait(timeout=120), "the worker never reached the 41st message"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    delivered_before = len(smtp.recorder.received)
    assert 40 <= delivered_before < 150, "the worker was killed mid-run"
    time.sleep(smtp.recorder.hold_seconds)  # the server finishes the message it was holding (a copy to come)
    with factory() as session:
        in_hand = session.scalar(select(func.count()).where(OutboxMessage.status == MessageStatus.SENDING.value))
    assert in_hand and in_hand <= 5, "the killed worker left its claimed messages behind"

    time.sleep(2.2)  # the killed worker's lease runs out
    finished = subprocess.run([sys.executable, "-m", "ledger", "worker", "--once", *db], env=env,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    received = Counter(smtp.recorder.message_ids())
    assert set(received) == set(wanted), "no message lost"
    copies = [mid for mid, n in received.items() if n > 1]
    assert all(received[mid] == 2 for mid in copies) and len(copies) <= 5, "only the messages in hand again"
    with factory() as session:
        assert session.scalar(select(func.count()).where(OutboxMessage.status != MessageStatus.SENT.value)) == 0
    assert "person" not in finished.stderr and "@example.net" not in finished.stderr  # nothing personal logged
