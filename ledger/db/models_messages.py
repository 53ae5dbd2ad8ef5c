"""Tables for the messages feature (kept apart from models.py so each feature owns its own tables).

``outbox`` holds every e-mail the ledger has to send. A row is written in the same transaction as the
event that causes it (a batch marked paid, a statement asked for, a sign-in code), so a rolled-back
payment leaves no message behind. ``ledger worker`` delivers the rows (``ledger.messages.worker``).

What a row keeps, and why:

* what to send, not the finished e-mail: the kind and the ids it is about (batch, participant, period).
  The words and the PDF are made when the message is delivered, from the same data the PDFs are made
  from; a paid batch does not change, so a retry sends the same message. Marking a batch of 10,000
  payees paid stays one quick transaction instead of drawing 10,000 PDFs inside it.
* the address it goes to (encrypted at rest, like bank details) and, for sign-in messages only, the link
  and code (encrypted, and cleared once the message is sent or given up);
* a ``message_id`` fixed when the row is written: every attempt carries the same Message-ID header, so a
  copy sent again after a crash can be recognised as the same message;
* delivery state: ``queued`` -> ``sending`` (claimed by a worker until ``lease_until``) -> ``sent`` or
  ``failed`` (with the mail server's answer). A worker that dies leaves its claim to expire, and another
  worker (or the same one restarted) takes the message again.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db.base import Base, BigId, CreatedMixin, IdMixin, utcnow
from ledger.db.encrypted import EncryptedString


class MessageKind(enum.StrEnum):
    REMITTANCE = "remittance"  # a batch was marked paid: the payment advice, PDF attached
    STATEMENT = "statement"  # a statement, on request or in the year-end run, PDF attached
    SIGN_IN = "sign_in"  # a sign-in link and code for the web interface


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its time (next_attempt_at)
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # given up: the server refused it, or every retry failed; finance can resend


class ContactPreference(enum.StrEnum):
    """How a participant wants to hear from us (``participants.contact_preference``)."""

    EMAIL = "email"
    POST = "post"
    NONE = "none"


class OutboxMessage(IdMixin, CreatedMixin, Base):
    """One e-mail to send (see the module docstring)."""

    __tablename__ = "outbox"

    kind: Mapped[str] = mapped_column(String(20))
    participant_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("participants.id"))
    batch_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("batches.id"))
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(EncryptedString(320))
    secret: Mapped[str | None] = mapped_column(EncryptedString(2000))
    subject: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=MessageStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column()
    claim: Mapped[str | None] = mapped_column(String(40))
    last_answer: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column()
    requested_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_participant", "participant_id"),
        Index("ix_outbox_batch", "batch_id"),
    )
