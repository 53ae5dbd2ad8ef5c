"""Staff accounts: invite, list, change role or projects, disable; and the ``Actor`` a signed-in person
acts as.

Only administrators manage accounts. Every change is in the audit trail (``web_user`` events: staff names
are kept for accountability; e-mail addresses are masked by ``ledger.audit.personal``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.audit.chain import record_event
from ledger.db.base import utcnow
from ledger.db.models import ApiToken, Participant, Project, Role
from ledger.db.models_web import UserStatus, WebSession, WebUser
from ledger.errors import Conflict, FieldProblem, Invalid, NotFound
from ledger.involvement.access import ensure_role
from ledger.security.actor import Actor
from ledger.security.tokens import create_token, revoke

MAX_NAME = 200
MAX_EMAIL = 320
STAFF_ROLES = (Role.ADMIN, Role.LEAD, Role.FINANCE, Role.AUDITOR)


def email_key(email: str) -> str:
    """The form an address is compared in: trimmed and casefolded (``Ann@X.org`` is ``ann@x.org``)."""
    return email.strip().casefold()


def email_problem(email: str) -> str | None:
    text = email.strip()
    if not text:
        return "Enter an email address"
    if len(text) > MAX_EMAIL:
        return f"The email address must be {MAX_EMAIL} characters or fewer"
    mailbox, at, domain = text.rpartition("@")
    if not at or not mailbox or "." not in domain.strip(".") or any(ch.isspace() for ch in text):
        return "Enter an email address in the correct format, like name@example.org"
    return None


def name_problem(name: str) -> str | None:
    text = " ".join(name.split())
    if not text:
        return "Enter the person's full name"
    if len(text) > MAX_NAME:
        return f"The name must be {MAX_NAME} characters or fewer"
    return None


def role_problem(role: str) -> str | None:
    if role == Role.PARTICIPANT.value:
        return ("Participants do not get an account with a password: give them a sign-in code instead "
                "(the participant's page, or 'ledger users code')")
    if role not in {r.value for r in STAFF_ROLES}:
        return "Choose a role: " + ", ".join(r.value for r in STAFF_ROLES)
    return None


def project_ids_for(session: Session, role: str, codes: Iterable[str]) -> tuple[list[int] | None, str | None]:
    """Project codes to ids for a lead's scope (none means every project); a problem message otherwise."""
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    if not wanted:
        return None, None
    if role != Role.LEAD.value:
        return None, "Only leads are limited to projects; leave the projects empty for this role"
    rows = session.execute(select(Project.code, Project.id).where(Project.code.in_(wanted)))
    found = {code: pid for code, pid in rows}
    missing = [code for code in wanted if code not in found]
    if missing:
        return None, f"There is no project with the code {', '.join(missing)}"
    return sorted(found[code] for code in wanted), None


def describe_user(user: WebUser) -> dict[str, object]:
    """What the audit trail and lists may show about an account: never its password hash."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "project_ids": user.project_ids,
        "status": user.status,
        "token_id": user.token_id,
    }


def user_actor(user: WebUser) -> Actor:
    """The caller a signed-in member of staff is, for the same services the API uses (see
    ``WebUser.token_id`` for why it carries the account's own token id)."""
    return Actor(
        token_id=user.token_id,
        name=user.name,
        role=Role(user.role),
        project_ids=tuple(user.project_ids) if user.project_ids is not None else None,
        user_id=user.id,
    )


def participant_actor(participant: Participant) -> Actor:
    """A participant signed in with a code. Named by reference, never by name: services copy ``name`` into
    rows (``proposed_by``) and the trail, which must not hold who the person is."""
    return Actor(token_id=None, name=f"participant {participant.reference}", role=Role.PARTICIPANT,
                 participant_id=participant.id)


def find_by_email(session: Session, email: str) -> WebUser | None:
    return session.scalar(select(WebUser).where(WebUser.email_key == email_key(email)))


def get_user(session: Session, user_id: int) -> WebUser:
    user = session.get(WebUser, user_id)
    if user is None:
        raise NotFound(f"There is no user with id {user_id}")
    return user


def list_users(session: Session) -> Sequence[WebUser]:
    return session.scalars(select(WebUser).order_by(WebUser.name, WebUser.id)).all()


def project_codes(session: Session, project_ids: Iterable[int] | None) -> list[str]:
    ids = list(project_ids or [])
    if not ids:
        return []
    return list(session.scalars(select(Project.code).where(Project.id.in_(ids)).order_by(Project.code)))


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)


def create_user(
    session: Session, actor: Actor, *, email: str, name: str, role: str, projects: Iterable[str] = ()
) -> WebUser:
    """A new account, status ``invited`` (no password yet). Every problem is reported at once."""
    ensure_role(actor, doing="invite people")
    role = role.strip().lower()
    problems = [FieldProblem(f, m) for f, m in (("name", name_problem(name)), ("email", email_problem(email)),
                                                 ("role", role_problem(role))) if m]
    scope, scope_problem = project_ids_for(session, role, projects)
    if scope_problem and not any(p.field == "role" for p in problems):
        problems.append(FieldProblem("projects", scope_problem))
    if not any(p.field == "email" for p in problems) and find_by_email(session, email) is not None:
        problems.append(FieldProblem("email", "There is already an account with this email address"))
    _raise(problems)
    clean_name = " ".join(name.split())
    token, _secret = create_token(session, f"{clean_name} (web sign-in)", role, scope, actor=actor)
    user = WebUser(name=clean_name, email=email.strip(), email_key=email_key(email), role=role,
                   project_ids=scope, status=UserStatus.INVITED, invited_by=actor.name, token_id=token.id)
    session.add(user)
    session.flush()
    record_event(session, actor, "user.invite", "web_user", user.id, None, describe_user(user))
    return user


def change_user(session: Session, actor: Actor, user_id: int, *, role: str, projects: Iterable[str] = ()) -> WebUser:
    """Change an account's role and projects. It takes effect on the person's next page (each page reads
    the account afresh)."""
    ensure_role(actor, doing="change people's roles")
    user = get_user(session, user_id)
    role = role.strip().lower()
    problems = [FieldProblem("role", m) for m in [role_problem(role)] if m]
    scope, scope_problem = project_ids_for(session, role, projects)
    if scope_problem and not problems:
        problems.append(FieldProblem("projects", scope_problem))
    if not problems and user.id == actor.user_id and role != Role.ADMIN.value:
        problems.append(FieldProblem("role", "You cannot take away your own administrator role; ask another "
                                             "administrator"))
    _raise(problems)
    if user.status == UserStatus.DISABLED:
        raise Conflict(f"{user.name}'s account is disabled; it cannot be changed")
    before = describe_user(user)
    user.role, user.project_ids = role, scope
    token = session.get(ApiToken, user.token_id)
    if token is not None:  # the identity token shows the same role and scope in token lists
        token.role, token.project_ids = role, scope
    session.flush()
    record_event(session, actor, "user.change", "web_user", user.id, before, describe_user(user))
    return user


def end_sessions(session: Session, *, user_id: int | None = None, participant_id: int | None = None,
                 reason: str) -> int:
    """End every open session of one account or participant now; returns how many were ended."""
    column = WebSession.user_id if user_id is not None else WebSession.participant_id
    wanted = user_id if user_id is not None else participant_id
    result = session.execute(
        update(WebSession).where(column == wanted, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def disable_user(session: Session, actor: Actor, user_id: int) -> WebUser:
    """Disable an account: it cannot sign in, its sessions end at once and its identity token is revoked."""
    ensure_role(actor, doing="disable accounts")
    user = get_user(session, user_id)
    if user.id == actor.user_id:
        raise Conflict("You cannot disable your own account; ask another administrator")
    if user.status == UserStatus.DISABLED:
        raise Conflict(f"{user.name}'s account is already disabled")
    before = describe_user(user)
    moment: datetime = utcnow()
    user.status, user.disabled_at = UserStatus.DISABLED, moment
    ended = end_sessions(session, user_id=user.id, reason="disabled")
    token = session.get(ApiToken, user.token_id)
    if token is not None and token.revoked_at is None:
        revoke(session, token.id, actor=actor)
    session.flush()
    record_event(session, actor, "user.disable", "web_user", user.id, before,
                 {**describe_user(user), "sessions_ended": ended})
    return user


@dataclass(frozen=True)
class UserRow:
    """One account as lists show it."""

    id: int
    name: str
    email: str
    role: str
    projects: list[str]
    status: str
    last_signed_in_at: datetime | None


def user_rows(session: Session) -> list[UserRow]:
    codes = {pid: code for pid, code in session.execute(select(Project.id, Project.code))}
    return [
        UserRow(u.id, u.name, u.email, u.role, sorted(codes.get(pid, str(pid)) for pid in u.project_ids or []),
                u.status, u.last_signed_in_at)
        for u in list_users(session)
    ]
