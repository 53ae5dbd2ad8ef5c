"""The worker inside ``ledger serve`` (the one-machine setup): a thread delivering the outbox.

Started only when ``LEDGER_SMTP_URL`` is set (otherwise messages wait in the outbox, and the console
says so); ``ledger serve --no-worker`` leaves delivery to separate ``ledger worker`` processes. The
thread is stopped, after the message in hand, when the server stops.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ledger.db.engine import make_engine, make_session_factory
from ledger.messages.transport import SMTP_ENV, configured
from ledger.messages.worker import Worker, WorkerSettings


@contextmanager
def background_worker(url: str, *, enabled: bool = True) -> Iterator[str]:
    """Run a worker thread for the block; yields one sentence for the console about what it does.

    A wrong ``LEDGER_SMTP_URL`` or ``LEDGER_MESSAGE_*`` setting raises ``SettingError`` before anything starts.
    """
    delivery = configured()
    settings = WorkerSettings.from_env()
    if not enabled:
        yield "E-mails: not sent by this server (--no-worker); run `ledger worker` to send them."
        return
    if delivery is None:
        yield f"E-mails: not sent, {SMTP_ENV} is not set; they wait in the outbox (see docs/messages.md)."
        return
    engine = make_engine(url)
    stop = threading.Event()
    worker = Worker(make_session_factory(engine), delivery, settings)
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name="ledger-messages", daemon=True)
    thread.start()
    try:
        yield f"E-mails: sent by a worker in this server to {delivery.describe()}."
    finally:
        stop.set()
        thread.join(timeout=60)
        engine.dispose()
