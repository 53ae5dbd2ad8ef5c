"""The worker: takes due messages from the outbox, sends them, and records what the server answered.

One round (:meth:`Worker.run_once`): claim up to ``batch_size`` due messages (committed at once, see
``ledger.messages.outbox.claim``), then for each one, make the e-mail in a read-only transaction, send
it with no transaction open (a slow mail server never holds database locks), and record the result in
a short transaction of its own. So a worker killed at any point loses nothing: a message it had not
finished stays ``sending`` until its lease runs out, then any worker takes it again, with the same
Message-ID.

Retries: a problem worth retrying (server unreachable, a 4xx answer) waits ``retry_seconds`` times 2 to
the power of the attempts so far (1, 2, 4, 8 ... minutes by default, at most 6 hours), up to
``attempts`` attempts; then the message is ``failed`` with the last answer. A 5xx answer about the
message fails it at once. Finance sees failed messages (``ledger messages list --failed``, the API, the
web page) and can send them again.

Log lines name the message by its outbox id and kind only: never an address, a name or a subject.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ledger import clock
from ledger.db.engine import READ_ONLY, transaction
from ledger.db.models_messages import OutboxMessage
from ledger.errors import LedgerError
from ledger.messages.compose import NothingToSend, compose, to_email, usable_address
from ledger.messages.outbox import Claimed, claim, mark_failed, mark_retry, mark_sent, renew
from ledger.messages.transport import (
    DeliveryProblem,
    FileSettings,
    Refused,
    SmtpSettings,
    Transport,
    TryLater,
    open_transport,
)
from ledger.settings import _whole_number

log = logging.getLogger("ledger.messages")


@dataclass(frozen=True)
class WorkerSettings:
    """How a worker paces itself (``LEDGER_MESSAGE_*`` environment settings; see docs/messages.md)."""

    batch_size: int = 20
    lease_seconds: int = 300
    attempts: int = 6
    retry_seconds: int = 60
    retry_cap_seconds: int = 6 * 3600
    idle_seconds: float = 5.0

    @classmethod
    def from_env(cls) -> WorkerSettings:
        return cls(
            batch_size=_whole_number("LEDGER_MESSAGE_BATCH", 20, 1, 1000),
            lease_seconds=_whole_number("LEDGER_MESSAGE_LEASE_SECONDS", 300, 1, 86400),
            attempts=_whole_number("LEDGER_MESSAGE_ATTEMPTS", 6, 1, 50),
            retry_seconds=_whole_number("LEDGER_MESSAGE_RETRY_SECONDS", 60, 0, 86400),
        )

    def wait_after(self, attempts: int) -> timedelta:
        """Back-off before the next attempt, after ``attempts`` attempts (doubling, capped)."""
        seconds = min(self.retry_cap_seconds, self.retry_seconds * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=seconds)


@dataclass
class Round:
    """What one round did (outbox ids)."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)  # another worker took over after our lease ran out

    @property
    def claimed(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.failed) + len(self.lost)


@dataclass(frozen=True, slots=True)
class _Ready:
    mail: EmailMessage | None
    recipient: str
    name: str
    kind: str
    attempts: int
    problem: DeliveryProblem | None = None


class Worker:
    """Delivers outbox messages with one transport (SMTP server or folder)."""

    def __init__(self, factory: sessionmaker[Session], delivery: SmtpSettings | FileSettings,
                 settings: WorkerSettings | None = None) -> None:
        self.factory = factory
        self.delivery = delivery
        self.settings = settings or WorkerSettings()
        self._renewed_at = 0.0  # when this worker's lease was last set (time.monotonic)

    def run_once(self) -> Round:
        """Claim one batch of due messages and deliver them; an empty round when nothing is due."""
        result = Round()
        with transaction(self.factory) as session:
            held = claim(session, limit=self.settings.batch_size, lease=timedelta(seconds=self.settings.lease_seconds))
        self._renewed_at = time.monotonic()
        if not held:
            return result
        down: DeliveryProblem | None = None
        with open_transport(self.delivery) as transport:
            for item in held:
                down = self._deliver(item, transport, result, down)
        return result

    def run_until_empty(self, *, max_rounds: int = 10_000) -> Round:
        """Rounds until nothing is due now (messages waiting for a later retry are left waiting)."""
        total = Round()
        for _ in range(max_rounds):
            one = self.run_once()
            if not one.claimed:
                break
            for name in ("sent", "retried", "failed", "lost"):
                getattr(total, name).extend(getattr(one, name))
        return total

    def run_forever(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set; sleep ``idle_seconds`` when nothing is due or the database is away."""
        log.info("message worker started, delivering to %s", self.delivery.describe())
        while not stop.is_set():
            try:
                done = self.run_once()
            except SQLAlchemyError as exc:  # the database is away for a moment: wait and try again
                log.warning("message worker could not reach the database (%s); trying again", exc.__class__.__name__)
                stop.wait(self.settings.idle_seconds)
                continue
            if not done.claimed:
                stop.wait(self.settings.idle_seconds)
        log.info("message worker stopped")

    # ------------------------------------------------------------------------------------ one message

    def _prepare(self, item: Claimed) -> _Ready | None:
        with self.factory() as session:
            session.connection(execution_options={READ_ONLY: True})
            message = session.get(OutboxMessage, item.id)
            if message is None or message.claim != item.claim:
                return None
            recipient, name = message.recipient, f"{message.id:06d}-{message.kind}"
            kind, attempts = message.kind, message.attempts
            try:
                composed = compose(session, message)
                recipient = composed.recipient or recipient  # a corrected address wins (see compose.still_wanted)
                if not usable_address(recipient):
                    raise NothingToSend("the e-mail address on record is not one address (it has spaces, line breaks "
                                        "or more than one @); correct it, then send again")
                mail = to_email(composed, message_id=message.message_id, to=recipient, sender=self.delivery.sender)
            except NothingToSend as exc:
                return _Ready(None, recipient, name, kind, attempts, Refused(str(exc)))
            except LedgerError as exc:  # e.g. the organisation's details are not set: fix, then resend
                return _Ready(None, recipient, name, kind, attempts, Refused(f"the message could not be made: {exc}"))
            except Exception as exc:  # a fault of ours: keep the message, try again later
                # The class only: an exception's text can quote a name or an address.
                log.error("message %s (%s) could not be made: %s", item.id, kind, exc.__class__.__name__)
                why = TryLater(f"the message could not be made ({exc.__class__.__name__})")
                return _Ready(None, recipient, name, kind, attempts, why)
            return _Ready(mail, recipient, name, kind, attempts)

    def _deliver(self, item: Claimed, transport: Transport, result: Round,
                 down: DeliveryProblem | None) -> DeliveryProblem | None:
        """Send one message and record the result; returns the server-wide problem, if the server is down."""
        held = True
        if time.monotonic() - self._renewed_at > self.settings.lease_seconds / 3:  # a slow round: keep our hold
            with transaction(self.factory) as session:
                held = renew(session, item, timedelta(seconds=self.settings.lease_seconds))
            self._renewed_at = time.monotonic()
        ready = self._prepare(item) if held else None  # _prepare also checks the claim is still ours
        if ready is None:
            result.lost.append(item.id)
            return down
        problem = ready.problem or down  # the server is down: the rest of the round goes back without trying
        answer = ""
        if problem is None and ready.mail is not None:
            try:
                answer = transport.send(ready.mail, ready.recipient, ready.name).answer
            except DeliveryProblem as exc:
                problem = exc
                if exc.server_down:
                    down = exc
        with transaction(self.factory) as session:
            if problem is None:
                kept, outcome = mark_sent(session, item, answer, ready.recipient), "sent"
                bucket = result.sent
            elif isinstance(problem, TryLater) and ready.attempts < self.settings.attempts:
                at = clock.now() + self.settings.wait_after(ready.attempts)
                kept, outcome = mark_retry(session, item, problem.answer, at), "will be tried again"
                bucket = result.retried
            else:
                kept, outcome = mark_failed(session, item, problem.answer), "failed"
                bucket = result.failed
        if not kept:
            result.lost.append(item.id)
            log.warning("message %s (%s): another worker had taken it over; its result was not recorded here",
                        item.id, ready.kind)
            return down
        bucket.append(item.id)
        level = logging.INFO if problem is None else logging.WARNING
        log.log(level, "message %s (%s) attempt %s: %s", item.id, ready.kind, ready.attempts, outcome)
        return down
