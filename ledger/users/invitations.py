"""Invitations: a single-use link, valid for a few days, that lets an invited member of staff set their
password. Only a hash of the link's secret is stored; a new invitation for the same person replaces any
older unused link (so the last link sent is the only one that works).

The same link resets a forgotten password (:func:`reinvite` on an active account).

E-mail is sent by the messages feature (``ledger.messages.sign_in.email_invitation``, in the same
transaction); the command line prints the link, and sends it too with ``--send-email``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ledger.audit.chain import record_event
from ledger.db.base import utcnow
from ledger.db.models_web import Invitation, UserStatus, WebUser
from ledger.errors import Conflict, NotFound, invalid_field
from ledger.involvement.access import ensure_role
from ledger.security.actor import Actor
from ledger.users import settings
from ledger.users.accounts import create_user, describe_user, end_sessions, get_user, user_actor
from ledger.users.passwords import hash_password, password_problem
from ledger.users.secrets import new_link_secret, sha256

INVITATION_PATH = "/invitations/"


@dataclass(frozen=True)
class Invited:
    user: WebUser
    link_path: str  # "/invitations/<secret>": put the server's address in front
    expires_at: datetime


def _new_invitation(session: Session, actor: Actor, user: WebUser) -> Invited:
    session.execute(delete(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None)))
    secret = new_link_secret()
    expires = utcnow() + settings.invitation_lifetime()
    session.add(Invitation(user_id=user.id, token_hash=sha256(secret), expires_at=expires, created_by=actor.name))
    session.flush()
    return Invited(user=user, link_path=INVITATION_PATH + secret, expires_at=expires)


def invite(
    session: Session, actor: Actor, *, email: str, name: str, role: str, projects: Iterable[str] = ()
) -> Invited:
    """Create an account for a member of staff and an invitation link for it (administrators only)."""
    user = create_user(session, actor, email=email, name=name, role=role, projects=projects)
    return _new_invitation(session, actor, user)


def reinvite(session: Session, actor: Actor, user_id: int) -> Invited:
    """A fresh link to set a password: for someone whose invitation ran out, or who forgot their password.

    Any older unused link stops working. An active account keeps its old password until the new one is
    set; setting it signs the person out everywhere.
    """
    ensure_role(actor, doing="invite people")
    user = get_user(session, user_id)
    if user.status == UserStatus.DISABLED:
        raise Conflict(f"{user.name}'s account is disabled")
    invited = _new_invitation(session, actor, user)
    record_event(session, actor, "user.reinvite", "web_user", user.id, None,
                 {"expires_at": invited.expires_at})
    return invited


def _open_invitation(session: Session, secret: str) -> Invitation:
    """The invitation a link belongs to, if it still works; a plain reason otherwise."""
    row = session.scalar(select(Invitation).where(Invitation.token_hash == sha256(secret))) if secret else None
    if row is None:
        raise NotFound("This invitation link is not right or has been replaced by a newer one. "
                       "Ask your administrator for a new link.")
    if row.used_at is not None:
        raise Conflict("This invitation link has already been used. Sign in with your email address and "
                       "password, or ask your administrator for a new link.")
    if row.expires_at <= utcnow():
        raise Conflict("This invitation link has run out. Ask your administrator for a new link.")
    if row.user.status == UserStatus.DISABLED:
        raise Conflict("This account is disabled. Ask your administrator.")
    return row


def invited_user(session: Session, secret: str) -> WebUser:
    """Who a working invitation link is for (to greet them on the set-a-password page)."""
    return _open_invitation(session, secret).user


def accept(session: Session, secret: str, password: str, confirm: str) -> WebUser:
    """Set the password and make the account active; the link is used up. Problems name their field."""
    invitation = _open_invitation(session, secret)
    user = invitation.user
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise invalid_field("password", problem)
    if password != confirm:
        raise invalid_field("confirm", "The two passwords are not the same. Type the same password twice.")
    claimed = session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if getattr(claimed, "rowcount", 0) != 1:  # someone used the link at the same moment
        raise Conflict("This invitation link has already been used.")
    before = describe_user(user)
    resetting = user.status == UserStatus.ACTIVE
    user.password_hash = hash_password(password)
    if resetting:  # a new password ends every session made with the old one
        end_sessions(session, user_id=user.id, reason="password changed")
    else:
        user.status, user.activated_at = UserStatus.ACTIVE, utcnow()
    session.flush()
    record_event(session, user_actor(user), "user.password_reset" if resetting else "user.activate", "web_user",
                 user.id, before, describe_user(user))
    return user


__all__ = ["Invited", "accept", "invite", "invited_user", "reinvite"]
