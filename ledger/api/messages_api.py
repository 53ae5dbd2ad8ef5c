"""Messages over HTTP: what was sent and what failed, resending, statements by e-mail, letters to print.

Thin controllers over ``ledger.messages``. Finance (and admin) act; auditors read the list. Addresses
are shown masked (``a***@***``): the list is for finding failures, not for reading people's details.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.response import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.api.auth import require_roles
from ledger.api.pagination import PAGE_DEPENDENCIES, Page, PageParams
from ledger.audit.personal import mask_email
from ledger.db.models import Participant, Role
from ledger.db.models_messages import OutboxMessage
from ledger.errors import Invalid
from ledger.involvement.schemas import MAX_ID
from ledger.messages.letters import LetterRun, batch_letters, statement_letters
from ledger.messages.outbox import get_message, list_messages, queue_statement_run, request_statement, resend
from ledger.rates.taxyear import resolve_period
from ledger.security.actor import Actor

PathId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="An id as returned by the server")]
FINANCE = require_roles(Role.FINANCE)
FINANCE_OR_AUDITOR = require_roles(Role.FINANCE, Role.AUDITOR)


class MessageOut(msgspec.Struct, kw_only=True):
    id: int
    kind: Annotated[str, msgspec.Meta(description="remittance | statement | sign_in")]
    status: Annotated[str, msgspec.Meta(description="queued | sending | sent | failed")]
    participant: int | None
    participant_reference: str | None
    to: Annotated[str, msgspec.Meta(description="The address, masked (a***@***)")]
    subject: str
    batch: int | None
    attempts: int
    next_attempt_at: datetime | None
    last_answer: Annotated[str | None, msgspec.Meta(
        description="What the mail server last said (or why the message could not be made)")]
    sent_at: datetime | None
    created_at: datetime
    message_id: Annotated[str, msgspec.Meta(description="The Message-ID header, the same on every attempt")]


class StatementIn(msgspec.Struct, forbid_unknown_fields=True):
    participant: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
    period_from: date | None = msgspec.field(default=None, name="from")
    period_to: date | None = msgspec.field(default=None, name="to")


class PeriodIn(msgspec.Struct, forbid_unknown_fields=True):
    period_from: date | None = msgspec.field(default=None, name="from")
    period_to: date | None = msgspec.field(default=None, name="to")


class RunOut(msgspec.Struct, kw_only=True):
    period_from: date = msgspec.field(name="from")
    period_to: date = msgspec.field(name="to")
    queued: int
    by_post: Annotated[list[str], msgspec.Meta(description="References of people who chose letters: print them "
                                                           "with GET /messages/letters?from=&to=")]
    no_messages: list[str]
    no_email: list[str]
    already: Annotated[list[str], msgspec.Meta(description="Already sent (or on its way) for this period: "
                                                           "not sent again")] = msgspec.field(default_factory=list)


def message_out(message: OutboxMessage, reference: str | None) -> MessageOut:
    waiting = message.status == "queued"
    return MessageOut(
        id=message.id, kind=message.kind, status=message.status, participant=message.participant_id,
        participant_reference=reference, to=mask_email(message.recipient), subject=message.subject,
        batch=message.batch_id, attempts=message.attempts, next_attempt_at=message.next_attempt_at if waiting else None,
        last_answer=message.last_answer, sent_at=message.sent_at, created_at=message.created_at,
        message_id=message.message_id,
    )


def _references(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {int(i): str(r) for i, r in session.execute(
        select(Participant.id, Participant.reference).where(Participant.id.in_(ids))).all()}


def _pdf(run: LetterRun, name: str) -> Response[bytes]:
    if run.pdf is None:
        if run.cannot_print:
            raise Invalid("no letter could be printed: " + " ".join(run.left_out()))
        missing = f"; no postal address for {', '.join(run.missing_address)}" if run.missing_address else ""
        raise Invalid(f"nobody here chose letters by post{missing}")
    return Response(run.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


class MessagesController(Controller):
    path = "/messages"
    tags = ("Messages",)
    dependencies = PAGE_DEPENDENCIES

    @get("/", guards=[FINANCE_OR_AUDITOR], operation_id="listMessages", sync_to_thread=True,
         summary="E-mails sent, waiting and failed, newest first")
    def list_all(
        self, db_session: Session, page: PageParams,
        status: Annotated[str | None, Parameter(query="status", description="queued, sending, sent, failed")] = None,
    ) -> Page[MessageOut]:
        found = list_messages(db_session, status=status, limit=page.limit, offset=page.offset)
        refs = _references(db_session, {m.participant_id for m in found.items if m.participant_id is not None})
        items = [message_out(m, refs.get(m.participant_id) if m.participant_id else None) for m in found.items]
        return Page(items=items, total=found.total, limit=page.limit, offset=page.offset)

    @get("/{message_id:int}", guards=[FINANCE_OR_AUDITOR], operation_id="getMessage", sync_to_thread=True,
         summary="One message and the mail server's last answer")
    def read(self, message_id: PathId, db_session: Session) -> MessageOut:
        message = get_message(db_session, message_id)
        refs = _references(db_session, {message.participant_id} if message.participant_id else set())
        return message_out(message, refs.get(message.participant_id) if message.participant_id else None)

    @post("/{message_id:int}/resend", guards=[FINANCE], operation_id="resendMessage", status_code=200,
          sync_to_thread=True, summary="Send a failed message again (same Message-ID)")
    def send_again(self, message_id: PathId, db_session: Session, actor: Actor) -> MessageOut:
        message = resend(db_session, actor, message_id)
        refs = _references(db_session, {message.participant_id} if message.participant_id else set())
        return message_out(message, refs.get(message.participant_id) if message.participant_id else None)

    @post("/statements", guards=[FINANCE], operation_id="emailStatement", status_code=201, sync_to_thread=True,
          summary="E-mail one participant their statement (default: the current tax year)")
    def statement(self, data: StatementIn, db_session: Session, actor: Actor) -> MessageOut:
        start, end = resolve_period(data.period_from, data.period_to, clock.today())
        message = request_statement(db_session, actor, data.participant, start, end)
        refs = _references(db_session, {data.participant})
        return message_out(message, refs.get(data.participant))

    @post("/year-end", guards=[FINANCE], operation_id="statementRun", status_code=201, sync_to_thread=True,
          summary="Statements for everyone involved in a period, each by their own choice")
    def year_end(self, data: PeriodIn, db_session: Session, actor: Actor) -> RunOut:
        start, end = resolve_period(data.period_from, data.period_to, clock.today())
        outcome = queue_statement_run(db_session, actor, start, end)
        refs = _references(db_session, {*outcome.by_post, *outcome.no_messages, *outcome.no_email, *outcome.already})
        return RunOut(period_from=start, period_to=end, queued=len(outcome.queued),
                      by_post=[refs[i] for i in outcome.by_post], no_messages=[refs[i] for i in outcome.no_messages],
                      no_email=[refs[i] for i in outcome.no_email], already=[refs[i] for i in outcome.already])

    @get("/letters", guards=[FINANCE], operation_id="getLetters", sync_to_thread=True, media_type="application/pdf",
         summary="Letters to print (PDF) for people who chose post: a batch's advice, or statements for a period")
    def letters(
        self, db_session: Session,
        batch: Annotated[int | None, Parameter(query="batch", ge=1, le=MAX_ID, description="A paid batch")] = None,
        period_from: Annotated[date | None, Parameter(query="from", description="Statements from")] = None,
        period_to: Annotated[date | None, Parameter(query="to", description="Statements to")] = None,
    ) -> Response[bytes]:
        if batch is not None:
            if period_from is not None or period_to is not None:
                raise Invalid("give either batch (advice letters) or from/to (statement letters), not both")
            return _pdf(batch_letters(db_session, batch), f"letters-batch-{batch}.pdf")
        start, end = resolve_period(period_from, period_to, clock.today())
        return _pdf(statement_letters(db_session, start, end), f"letters-statements-{start}-to-{end}.pdf")
