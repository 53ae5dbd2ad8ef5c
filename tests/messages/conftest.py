"""A real SMTP server (aiosmtpd) started inside the test process, and a ledger with people to pay.

``smtp`` records every message it accepts (envelope and parsed message). Its ``answer`` can be changed
to make it refuse: a 4xx answer (try later) or a 5xx answer (refused for good).
"""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from payments.factory import migrated_factory
from sqlalchemy.orm import Session, sessionmaker

from ledger.messages.transport import SmtpSettings
from ledger.messages.worker import WorkerSettings


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    """aiosmtpd handler: keeps what it accepts, or answers ``answer`` to DATA when that is set."""

    received: list[Received] = field(default_factory=list)
    answer: str | None = None
    refused: int = 0
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Hold the message arriving when ``hold_at`` have been received, once, for ``hold_seconds`` ("a slow
    # server"); ``holding`` is set meanwhile, so a test can act while a worker is mid-message.
    hold_at: int | None = None
    hold_seconds: float = 0.0
    holding: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer is not None:
            with self.lock:
                self.refused += 1
            return self.answer
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold_at is not None and len(self.received) >= self.hold_at and not self.holding.is_set():
            self.holding.set()
            await asyncio.sleep(self.hold_seconds)
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK queued as TEST"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(r.message["Message-ID"]) for r in self.received]


@dataclass
class SmtpServer:
    recorder: Recorder
    settings: SmtpSettings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(recorder, SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=10))
    finally:
        controller.stop()


@pytest.fixture
def factory(tmp_path: Path, sqlite_template: Path) -> sessionmaker[Session]:
    return migrated_factory(tmp_path, sqlite_template)


FAST = WorkerSettings(batch_size=20, lease_seconds=60, attempts=3, retry_seconds=0, idle_seconds=0.05)
