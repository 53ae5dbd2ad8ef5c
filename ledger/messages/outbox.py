"""The outbox: writing messages in the same transaction as the event, and handing them to workers.

Why an outbox and not "send now": the e-mail must go if and only if the event happened. A message
written in the event's own transaction disappears with it when the event rolls back (a refused payment
sends nothing), and a mail server that is down does not stop a payment from being recorded: the worker
(``ledger.messages.worker``) delivers later and retries.

Who hears what (``ledger.messages.contact``): only people who chose e-mail and have an address get a
row here. Those who chose post get a letter (``ledger.messages.letters``), those who chose no messages
get nothing; the queueing functions count both so the caller can say so.

Handing out work, safely with several workers:

* :func:`claim` takes due messages with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite has one
  writer at a time), then an ``UPDATE ... WHERE <still due> RETURNING id`` that sets ``sending``, a fresh
  claim token and a lease, and commits at once. Two workers can never both hold one message: the second
  one's UPDATE no longer finds it due.
* Each result is written only by the holder of the claim (``WHERE claim = :token``): a worker whose lease
  ran out and whose message was taken by another cannot overwrite the other's result.
* A worker that dies leaves ``sending`` rows whose lease runs out; they are due again and taken by the
  next worker. The Message-ID was fixed when the row was written, so if the first attempt did reach the
  server, the copy carries the same Message-ID and can be recognised as the same message.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ledger import clock
from ledger.audit import record_event
from ledger.db.models import Activity, Batch, BatchLine, BatchLineStatus, BatchMethod, Participant, Record
from ledger.db.models_messages import ContactPreference, MessageKind, MessageStatus, OutboxMessage
from ledger.errors import Conflict, Invalid, NotFound, invalid_field
from ledger.money import Money
from ledger.organisation import read_settings
from ledger.security.actor import Actor

FALLBACK_DOMAIN = "involvement-ledger.invalid"
SIGN_IN_SUBJECT = "Your sign-in code"
INVITATION_SUBJECT = "You have been invited"
STATUSES: tuple[str, ...] = tuple(s.value for s in MessageStatus)


# ---------------------------------------------------------------------------------------- queueing


def message_id_domain(session: Session) -> str:
    """The right-hand side of our Message-IDs: the domain of the organisation's contact e-mail."""
    email = read_settings(session).get("contact_email", "")
    domain = email.rpartition("@")[2].strip().lower()
    return domain if domain and all(ch.isalnum() or ch in ".-" for ch in domain) else FALLBACK_DOMAIN


def new_message_id(domain: str) -> str:
    """A Message-ID fixed for the life of the message (every attempt sends the same one)."""
    return f"<ledger.{uuid.uuid4().hex}@{domain}>"


@dataclass
class Queued:
    """What a queueing call did, person by person (references only: no names or addresses)."""

    queued: list[int] = field(default_factory=list)  # outbox ids
    by_post: list[int] = field(default_factory=list)  # participant ids who chose letters
    no_messages: list[int] = field(default_factory=list)  # participant ids who chose no messages
    no_email: list[int] = field(default_factory=list)  # chose e-mail but we hold no address
    already: list[int] = field(default_factory=list)  # participant ids already sent (or sending) this statement

    def summary(self) -> str:
        parts = [f"{len(self.queued)} e-mail{'s' if len(self.queued) != 1 else ''} queued"]
        if self.by_post:
            parts.append(f"{len(self.by_post)} by post (print the letters)")
        if self.no_messages:
            parts.append(f"{len(self.no_messages)} asked for no messages")
        if self.no_email:
            parts.append(f"{len(self.no_email)} with no e-mail address")
        if self.already:
            parts.append(f"{len(self.already)} already sent this statement, not sent again")
        return ", ".join(parts)


def route_person(person: Participant, outcome: Queued) -> bool:
    """THE contact rule for one person: True when they get an e-mail; else note why not."""
    return route(person.id, person.contact_preference, person.email, person.erased_at is not None, outcome)


def route(participant_id: int, preference: str | None, email: str | None, erased: bool, outcome: Queued) -> bool:
    """:func:`route_person` from plain columns (a whole batch is routed without loading each person)."""
    preference = preference or ContactPreference.EMAIL.value
    if erased or preference == ContactPreference.NONE:
        outcome.no_messages.append(participant_id)
        return False
    if preference == ContactPreference.POST:
        outcome.by_post.append(participant_id)
        return False
    if not (email or "").strip():
        outcome.no_email.append(participant_id)
        return False
    return True


def remittance_subject(amount_minor: int, currency: str, method: str) -> str:
    amount = Money.from_minor(amount_minor, currency).display()
    if method == BatchMethod.ORGANISATION:
        return f"We have paid {amount} for your time"
    return f"We have paid you {amount}"


def queue_remittances(session: Session, batch: Batch, requested_by: str | None = None) -> Queued:
    """An advice e-mail to every payee of a paid batch who chose e-mail (the caller's transaction).

    Called where the batch is marked paid (``ledger.payments.batches.mark_paid``): the rows commit or
    roll back with the payment. One INSERT for all of them; the PDFs are drawn when each is delivered.
    """
    outcome = Queued()
    domain = message_id_domain(session)
    now = clock.now()
    rows = []
    # Plain columns, not Participant objects: loading a person decrypts their bank details, and a batch
    # may have 100,000 payees.
    lines = session.execute(
        select(BatchLine.participant_id, BatchLine.amount_minor, Participant.contact_preference, Participant.email,
               Participant.erased_at)
        .join(Participant, Participant.id == BatchLine.participant_id)
        .where(BatchLine.batch_id == batch.id, BatchLine.status != BatchLineStatus.RETURNED.value)
        .order_by(Participant.reference)
    ).all()
    for participant_id, amount_minor, preference, email, erased_at in lines:
        if not route(participant_id, preference, email, erased_at is not None, outcome):
            continue
        rows.append({
            "kind": MessageKind.REMITTANCE.value, "participant_id": participant_id, "batch_id": batch.id,
            "recipient": (email or "").strip(),
            "subject": remittance_subject(amount_minor, batch.currency, batch.method),
            "message_id": new_message_id(domain), "status": MessageStatus.QUEUED.value, "attempts": 0,
            "next_attempt_at": now, "created_at": now, "updated_at": now, "requested_by": requested_by,
        })
    if rows:
        ids = session.scalars(insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True), rows)
        outcome.queued.extend(ids)
    return outcome


def statement_subject(period_from: date, period_to: date) -> str:
    return f"Your statement for {_words(period_from)} to {_words(period_to)}"


def _words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _statement_row(person: Participant, period_from: date, period_to: date, domain: str,
                   requested_by: str | None) -> OutboxMessage:
    return OutboxMessage(
        kind=MessageKind.STATEMENT.value, participant_id=person.id, period_from=period_from, period_to=period_to,
        recipient=(person.email or "").strip(), subject=statement_subject(period_from, period_to),
        message_id=new_message_id(domain), status=MessageStatus.QUEUED.value, attempts=0,
        next_attempt_at=clock.now(), requested_by=requested_by,
    )


def request_statement(session: Session, actor: Actor, participant_id: int, period_from: date,
                      period_to: date) -> OutboxMessage:
    """One person's statement by e-mail, on request. Refused (409) when they chose post or no messages,
    or when we hold no e-mail address for them: the reason says what to do instead."""
    person = session.get(Participant, participant_id)
    if person is None:
        raise NotFound(f"there is no participant with id {participant_id}")
    if period_from > period_to:
        raise invalid_field("from", f"{period_from.isoformat()} is after {period_to.isoformat()}; swap the dates")
    outcome = Queued()
    if not route_person(person, outcome):
        if outcome.by_post:
            raise Conflict(f"{person.reference} asked for letters by post, not e-mail; print their statement "
                           "letter with `ledger messages letters --statements`")
        if outcome.no_messages:
            raise Conflict(f"{person.reference} asked for no messages; nothing was sent")
        raise Conflict(f"there is no e-mail address for {person.reference}; add one, or choose post")
    message = _statement_row(person, period_from, period_to, message_id_domain(session), actor.name)
    session.add(message)
    session.flush()
    record_event(session, actor, "message.statement", "participant", person.id, None,
                 {"message": message.id, "from": period_from, "to": period_to})
    return message


def statement_run_people(session: Session, period_from: date, period_to: date) -> Sequence[Participant]:
    """Everyone with an activity in the period (approved or later cancelled), by reference."""
    involved = (
        select(Record.participant_id)
        .join(Activity, Activity.id == Record.activity_id)
        .where(Activity.date >= period_from, Activity.date <= period_to, Record.status.in_(("approved", "reversed")))
    )
    return session.scalars(
        select(Participant).where(Participant.id.in_(involved), Participant.erased_at.is_(None))
        .order_by(Participant.reference)
    ).all()


def queue_statement_run(session: Session, actor: Actor, period_from: date, period_to: date) -> Queued:
    """The year-end run: a statement for everyone involved in the period, each by their own choice."""
    if period_from > period_to:
        raise invalid_field("from", f"{period_from.isoformat()} is after {period_to.isoformat()}; swap the dates")
    outcome = Queued()
    domain = message_id_domain(session)
    people = statement_run_people(session, period_from, period_to)
    if not people:
        raise Invalid(f"nobody took part between {_words(period_from)} and {_words(period_to)}; no statements")
    # Running the year end twice sends nobody a second copy: a statement for this period that was sent, or is
    # on its way, is skipped (a failed one is left for finance to resend).
    done = set(session.scalars(select(OutboxMessage.participant_id).where(
        OutboxMessage.kind == MessageKind.STATEMENT.value, OutboxMessage.period_from == period_from,
        OutboxMessage.period_to == period_to, OutboxMessage.status != MessageStatus.FAILED.value)))
    for person in people:
        if person.id in done:
            outcome.already.append(person.id)
        elif route_person(person, outcome):
            message = _statement_row(person, period_from, period_to, domain, actor.name)
            session.add(message)
            session.flush()
            outcome.queued.append(message.id)
    record_event(session, actor, "message.statement_run", "messages", "statements", None, {
        "from": period_from, "to": period_to, "queued": len(outcome.queued), "by_post": len(outcome.by_post),
        "no_messages": len(outcome.no_messages), "no_email": len(outcome.no_email),
        "already": len(outcome.already)})
    return outcome


def queue_sign_in(session: Session, *, to: str, link: str | None, code: str | None, expires_at: datetime,
                  participant_id: int | None = None, purpose: str = "sign_in", name: str | None = None,
                  ) -> OutboxMessage:
    """A sign-in link and/or code for the web interface, in the caller's transaction (``purpose``
    "invitation": a staff invitation link, ``name`` the person invited).

    The link and code are kept encrypted and cleared once the message is sent or given up. The person
    asked for it at that moment, so it is sent whatever their choice for other messages.
    """
    if not (to or "").strip() or "@" not in to:
        raise invalid_field("email", "is not an email address (it has no @)")
    if not link and not code:
        raise invalid_field("code", "give a sign-in link, a code, or both")
    secret = json.dumps({"link": link, "code": code, "expires_at": expires_at.isoformat(), "purpose": purpose,
                         "name": name})
    message = OutboxMessage(
        kind=MessageKind.SIGN_IN.value, participant_id=participant_id, recipient=to.strip(), secret=secret,
        subject=INVITATION_SUBJECT if purpose == "invitation" else SIGN_IN_SUBJECT,
        message_id=new_message_id(message_id_domain(session)),
        status=MessageStatus.QUEUED.value, attempts=0, next_attempt_at=clock.now(),
    )
    session.add(message)
    session.flush()
    return message


# ---------------------------------------------------------------------------------------- claiming


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    claim: str


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxMessage.status == MessageStatus.QUEUED.value, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == MessageStatus.SENDING.value, OutboxMessage.lease_until < now),
    )


def claim(session: Session, *, limit: int, lease: timedelta, now: datetime | None = None) -> list[Claimed]:
    """Take up to ``limit`` due messages for this worker (the caller commits at once; see the module)."""
    now = now or clock.now()
    candidates = session.scalars(
        select(OutboxMessage.id).where(_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not candidates:
        return []
    token = uuid.uuid4().hex
    taken = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates), _due(now))
        .values(status=MessageStatus.SENDING.value, claim=token, lease_until=now + lease,
                attempts=OutboxMessage.attempts + 1, updated_at=now)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    return [Claimed(int(i), token) for i in sorted(taken)]


def _finish(session: Session, held: Claimed, **values: object) -> bool:
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == held.id, OutboxMessage.claim == held.claim,
               OutboxMessage.status == MessageStatus.SENDING.value)
        .values(lease_until=None, claim=None, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def renew(session: Session, held: Claimed, lease: timedelta) -> bool:
    """Extend the lease of every message still held under this claim; False when ``held`` itself was lost.

    The worker calls it during a round once a third of the lease has passed, so a long round (a slow
    server) never outlives its lease and hands messages to a second worker while the first still sends.
    """
    now = clock.now()
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claim == held.claim, OutboxMessage.status == MessageStatus.SENDING.value)
        .values(lease_until=now + lease).execution_options(synchronize_session=False)
    )
    return session.scalar(select(OutboxMessage.claim).where(OutboxMessage.id == held.id)) == held.claim


def mark_sent(session: Session, held: Claimed, answer: str, recipient: str | None = None) -> bool:
    """The server accepted it (sent to ``recipient``, when given: the address it really went to). False when
    the claim was lost (another worker took the message over)."""
    now = clock.now()
    sent_to = {"recipient": recipient} if recipient else {}
    return _finish(session, held, status=MessageStatus.SENT.value, last_answer=answer[:2000], sent_at=now, secret=None,
                   **sent_to)


def mark_retry(session: Session, held: Claimed, answer: str, at: datetime) -> bool:
    """Not delivered this time; try again at ``at``."""
    return _finish(session, held, status=MessageStatus.QUEUED.value, last_answer=answer[:2000], next_attempt_at=at)


def mark_failed(session: Session, held: Claimed, answer: str) -> bool:
    """Given up: finance sees it with the answer and can resend it."""
    return _finish(session, held, status=MessageStatus.FAILED.value, last_answer=answer[:2000], secret=None)


# ------------------------------------------------------------------------------------ finance's view


@dataclass(frozen=True, slots=True)
class MessagePage:
    items: Sequence[OutboxMessage]
    total: int


def parse_status(value: str | None) -> str | None:
    if value is None:
        return None
    if value not in STATUSES:
        raise invalid_field("status", f"{value!r} is not a message status; use one of: {', '.join(STATUSES)}")
    return value


def list_messages(session: Session, *, status: str | None = None, limit: int = 50, offset: int = 0) -> MessagePage:
    """Messages newest first, optionally of one status (``failed``: what finance must look at)."""
    query = select(OutboxMessage)
    wanted = parse_status(status)
    if wanted is not None:
        query = query.where(OutboxMessage.status == wanted)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)).all()
    return MessagePage(rows, int(total))


def get_message(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"there is no message with id {message_id}")
    return message


def resend(session: Session, actor: Actor, message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue (same Message-ID: it was never delivered).

    The address is read again from the participant, so a corrected address is used. Sign-in messages
    are not resent (their code has been cleared and has probably expired: ask for a new one), nor are
    messages to someone who has since chosen post or no messages.
    """
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update())
    if message is None:
        raise NotFound(f"there is no message with id {message_id}")
    if message.status != MessageStatus.FAILED:
        raise Conflict(f"message {message.id} is {message.status}; only a failed message can be sent again")
    if message.kind == MessageKind.SIGN_IN:
        raise Conflict(f"message {message.id} was a sign-in code; the person should ask for a new one")
    if message.participant_id is not None:
        person = session.get(Participant, message.participant_id)
        outcome = Queued()
        if person is None or not route_person(person, outcome):
            why = "asked for letters by post" if outcome.by_post else "asked for no messages" if outcome.no_messages \
                else "has no e-mail address now"
            raise Conflict(f"message {message.id} cannot be sent again: the person {why}")
        message.recipient = (person.email or "").strip()
    before = {"status": message.status, "attempts": message.attempts}
    message.status = MessageStatus.QUEUED.value
    message.attempts = 0
    message.next_attempt_at = clock.now()
    message.last_answer = None
    session.flush()
    record_event(session, actor, "message.resend", "message", message.id, before, {"status": message.status})
    return message


def forget_messages(session: Session, participant_id: int) -> int:
    """Erasure (``ledger.involvement.erasure``): drop the addresses and secrets kept in the outbox."""
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.participant_id == participant_id)
        .values(recipient="erased", secret=None).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
