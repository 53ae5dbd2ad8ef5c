"""Tables for signing in to the web interface (migration 0011): staff accounts, invitations, participants'
sign-in codes, sessions and failed sign-in attempts.

Secrets are never stored: invitation links, sign-in codes and links, and session ids are kept only as
hashes (``ledger.users.secrets``); passwords only as argon2id hashes. Nothing here copies a participant's
name or contact details: a participant's code and session point at the ``participants`` row, so erasing a
person (``ledger participants erase``) leaves nothing personal behind in these tables. Failed attempts are
counted under a keyed hash of the e-mail address or client address, not the address itself.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db.base import Base, CreatedMixin, IdMixin, utcnow
from ledger.db.models import Participant


class UserStatus(enum.StrEnum):
    INVITED = "invited"  # an invitation was sent; no password yet, cannot sign in
    ACTIVE = "active"  # has set a password
    DISABLED = "disabled"  # cannot sign in; every session ended when disabled


class WebUser(IdMixin, CreatedMixin, Base):
    """A member of staff who signs in with an e-mail address and password (invited by an administrator).

    ``email_key`` is the address in lower case (casefolded): unique, so two accounts never differ only by
    capital letters. ``project_ids`` limits a lead to projects (``None`` means every project), exactly as
    an API token's scope, so the same ``Actor`` rules apply to both.

    ``token_id`` is the account's own identity among API tokens: a token row made with the account whose
    secret was thrown away at once (nobody can ever send it). A signed-in person acts with that token id,
    so every rule keyed on token ids holds for the web exactly as for the API, with no second copy: the
    recorder of a claim never approves it, "my records", the approval queue, ``actor_token_id`` in the audit
    trail. It is revoked when the account is disabled.
    """

    __tablename__ = "web_users"

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(11))
    project_ids: Mapped[list[int] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default=UserStatus.INVITED, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    invited_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column()
    disabled_at: Mapped[datetime | None] = mapped_column()
    last_signed_in_at: Mapped[datetime | None] = mapped_column()
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), unique=True)


class Invitation(IdMixin, CreatedMixin, Base):
    """A single-use link that lets an invited person set their password. Only its hash is kept."""

    __tablename__ = "web_invitations"

    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200))

    user: Mapped[WebUser] = relationship()


class SignInCode(IdMixin, CreatedMixin, Base):
    """A participant's short code (``KD7P-3MXR``) and the matching link: either signs them in, once.

    Both are kept only as keyed hashes. Issuing a new code leaves older unused ones valid until they
    expire or are used (a printed letter and a code read out on the phone may both be in use).
    """

    __tablename__ = "web_sign_in_codes"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200))

    participant: Mapped[Participant] = relationship()


class WebSession(IdMixin, CreatedMixin, Base):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 hash is stored here.

    Exactly one of ``user_id`` (staff) and ``participant_id`` (a participant signed in with a code) is set.
    A session ends when the person signs out, is idle too long, reaches its absolute lifetime, or their
    account is disabled; ``ended_at`` and ``end_reason`` say which (expired ones are simply refused).
    """

    __tablename__ = "web_sessions"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (participant_id IS NULL)", name="user_or_participant"),
    )

    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()  # the absolute lifetime, whatever the activity
    ended_at: Mapped[datetime | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(String(20))


class SignInFailure(IdMixin, Base):
    """One failed sign-in, counted against an account and against a client address.

    ``key_hash`` is a keyed hash (HMAC) of ``"account:<email>"`` or ``"address:<ip>"``: enough to count,
    never the address itself. Kept in the database so every server process sees the same counts.
    """

    __tablename__ = "web_sign_in_failures"
    __table_args__ = (Index("ix_web_sign_in_failures_key_time", "key_hash", "failed_at"),)

    key_hash: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


__all__ = ["Invitation", "SignInCode", "SignInFailure", "UserStatus", "WebSession", "WebUser"]
