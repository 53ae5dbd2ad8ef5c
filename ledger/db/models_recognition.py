"""Tables for the recognition feature (kept apart from models.py so each feature owns its own tables).

* ``involvement_records``: each record of involvement issued to a participant. Only a keyed hash of its
  verification code is kept (``ledger.recognition.codes``): someone who reads the database cannot check
  or show a record they were never given. The summary shown at ``/verify/{code}`` is stored as issued
  (``summary``), so a check shows what the paper says, never amounts, and later changes do not alter it.
* ``verification_attempts``: one row per failed check, per client (a keyed hash of the address), so
  guessing is throttled across every server process that shares the database.
* ``outcomes``: "what changed because of you", added by a lead to an activity or to a whole project.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db.base import Base, BigId, CreatedMixin, IdMixin, utcnow


class InvolvementRecord(IdMixin, CreatedMixin, Base):
    """A record of involvement as issued (``created_at`` is when), with its verification code's hash."""

    __tablename__ = "involvement_records"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    style: Mapped[str] = mapped_column(String(20))
    include_amounts: Mapped[bool] = mapped_column(default=False)
    # The summary printed on the record, without any amounts: what a checker sees (ledger.recognition.data).
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_by_token_id: Mapped[int | None] = mapped_column(BigId)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    check_count: Mapped[int] = mapped_column(default=0)
    last_checked_at: Mapped[datetime | None] = mapped_column()


class VerificationAttempt(IdMixin, Base):
    """A failed check of a verification code (unknown code) from one client, for throttling guesses."""

    __tablename__ = "verification_attempts"
    __table_args__ = (Index("ix_verification_attempts_client_at", "client_hash", "attempted_at"),)

    client_hash: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Outcome(IdMixin, CreatedMixin, Base):
    """What was decided or changed because of participants' input, on an activity or a whole project."""

    __tablename__ = "outcomes"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    outcome_date: Mapped[date] = mapped_column(Date)
    added_by: Mapped[str] = mapped_column(String(200))
    added_by_token_id: Mapped[int | None] = mapped_column(BigId)
