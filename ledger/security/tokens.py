"""API tokens: random secrets handed out once and kept only as SHA-256 hashes.

A token is ``ldg_`` followed by 43 URL-safe characters (256 bits from ``secrets``). The prefix makes a
leaked token easy to recognise in logs or code. Because the secret has full entropy, a plain SHA-256
is enough to store it safely (slow password hashes exist for guessable secrets, which these are not),
and it lets us find the token by its hash with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit.chain import record_event
from ledger.db.base import utcnow
from ledger.db.models import ApiToken, Participant, Project, Role
from ledger.errors import Conflict, FieldProblem, Invalid, NotFound, invalid_field
from ledger.security.actor import Actor

TOKEN_PREFIX = "ldg_"
MAX_NAME_LENGTH = 200


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise invalid_field("role", f"{role!r} is not a role; choose one of {choices}") from None


def _check_projects(session: Session, role: Role, project_ids: Iterable[int] | None) -> list[int] | None:
    if project_ids is None:
        return None
    wanted = sorted(set(project_ids))
    if not wanted:
        return None
    if role != Role.LEAD:
        raise invalid_field("project_ids", f"only lead tokens are limited to projects, not {role.value} tokens")
    found = set(session.scalars(select(Project.id).where(Project.id.in_(wanted))))
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        raise invalid_field("project_ids", f"no project with id {', '.join(map(str, missing))}")
    return wanted


def _check_participant(session: Session, role: Role, participant_id: int | None) -> int | None:
    if role == Role.PARTICIPANT:
        if participant_id is None:
            raise invalid_field("participant_id", "a participant token must name the participant it belongs to")
        if session.get(Participant, participant_id) is None:
            raise invalid_field("participant_id", f"no participant with id {participant_id}")
        return participant_id
    if participant_id is not None:
        raise invalid_field("participant_id", f"only participant tokens name a participant, not {role.value}")
    return None


def create_token(
    session: Session,
    name: str,
    role: Role | str,
    project_ids: Sequence[int] | None = None,
    participant_id: int | None = None,
    *,
    actor: Actor | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret. The secret is not stored and cannot be shown again.

    Rules: a lead may be limited to projects (none given means every project); a participant token must
    name an existing participant; no other role has projects or a participant.
    """
    clean_name = name.strip()
    problems: list[FieldProblem] = []
    if not clean_name:
        problems.append(FieldProblem("name", "give the token a name saying who or what uses it"))
    elif len(clean_name) > MAX_NAME_LENGTH:
        problems.append(FieldProblem("name", f"use at most {MAX_NAME_LENGTH} characters"))
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
    parsed_role = parse_role(role)
    scoped_projects = _check_projects(session, parsed_role, project_ids)
    scoped_participant = _check_participant(session, parsed_role, participant_id)
    secret = new_secret()
    token = ApiToken(
        name=clean_name,
        role=parsed_role.value,
        token_hash=hash_secret(secret),
        project_ids=scoped_projects,
        participant_id=scoped_participant,
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        actor or Actor.system("command line"),
        "token.create",
        "api_token",
        token.id,
        None,
        describe_token(token),
    )
    return token, secret


def describe_token(token: ApiToken) -> dict[str, object]:
    """What may be shown about a token: never its secret or hash."""
    return {
        "id": token.id,
        "name": token.name,
        "role": token.role,
        "project_ids": token.project_ids,
        "participant_id": token.participant_id,
        "created_at": token.created_at,
        "revoked_at": token.revoked_at,
    }


def actor_for(token: ApiToken) -> Actor:
    return Actor(
        token_id=token.id,
        name=token.name,
        role=Role(token.role),
        project_ids=tuple(token.project_ids) if token.project_ids is not None else None,
        participant_id=token.participant_id,
    )


def authenticate(session: Session, secret: str) -> Actor | None:
    """The caller a secret belongs to, or ``None`` if it is unknown or revoked."""
    if not secret or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return actor_for(token)


def list_tokens(session: Session) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).order_by(ApiToken.id)).all()


def revoke(session: Session, token_id: int, *, actor: Actor | None = None) -> ApiToken:
    """Revoke a token at once: requests with it are refused from now on. Revoking twice is a conflict."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token with id {token_id}")
    if token.revoked_at is not None:
        raise Conflict(f"token {token_id} was already revoked at {token.revoked_at:%Y-%m-%d %H:%M}")
    before = describe_token(token)
    token.revoked_at = utcnow()
    session.flush()
    record_event(
        session,
        actor or Actor.system("command line"),
        "token.revoke",
        "api_token",
        token.id,
        before,
        describe_token(token),
    )
    return token
