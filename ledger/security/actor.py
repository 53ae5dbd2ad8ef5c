"""The authenticated caller, as the services see it (no HTTP here).

Services receive an ``Actor`` (from an API token, a web sign-in or the CLI) so they can enforce the rules
that are about *who* (a record is never approved by the person who recorded it; a lead works only on their
projects; a participant reads only their own data) and so every audit event names a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.db.models import Role
from ledger.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    token_id: int | None
    name: str
    role: Role
    project_ids: tuple[int, ...] | None = None  # lead scope; None means every project
    participant_id: int | None = None  # set for participant tokens and participants signed in to the web
    # Set when the caller signed in to the web interface as a member of staff (``ledger.db.models_web``);
    # ``token_id`` is then None. The same person with a web account and an API token is still one person:
    # ``same_person`` compares names as well as token ids, so the two are never counted as two people.
    user_id: int | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """For the CLI and the demo: acts as an administrator, with no token."""
        return cls(token_id=None, name=name, role=Role.ADMIN)

    def can_see_project(self, project_id: int) -> bool:
        if self.role in (Role.ADMIN, Role.AUDITOR, Role.FINANCE):
            return True
        if self.role == Role.LEAD:
            return self.project_ids is None or project_id in self.project_ids
        return False

    def ensure_project(self, project_id: int) -> None:
        """Raise ``Forbidden`` unless this caller may work on ``project_id``."""
        if not self.can_see_project(project_id):
            raise Forbidden(f"this token may not work on project {project_id}")

    def ensure_participant(self, participant_id: int) -> None:
        """A participant token reads only its own participant; other roles are checked by route guards."""
        if self.role == Role.PARTICIPANT and self.participant_id != participant_id:
            raise Forbidden("a participant token can only read its own participant's data")


def _person_name(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def same_person(token_a: int | None, name_a: str | None, token_b: int | None, name_b: str | None) -> bool:
    """THE "same person" rule for four eyes (payee changes, batch approval): same token OR same name.

    A token id alone is not a person: one person can hold two tokens (a lead token and a finance token
    both named "Finn Finance"), and the CLI has no token at all, only the name given with ``--as``. So two
    actions are by the same person when their token ids are equal, or when their names are equal ignoring
    case and spacing, whichever side had a token. Missing ids or blank names never match.
    """
    if token_a is not None and token_a == token_b:
        return True
    first, second = _person_name(name_a), _person_name(name_b)
    return bool(first) and first == second
