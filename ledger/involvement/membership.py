"""Which participants a lead may see: the people who belong to the lead's projects.

One rule, used by every view of a participant (read, list, change, quote, balance, statement, record):

* a person belongs to a project when they were added to it (``participant_projects``: named when the
  person was created, or added later), **or** when they have a record in it (the same rule as records:
  a lead reads the records of their projects, so also the people in them);
* a lead token limited to some projects sees only people who belong to at least one of them; a lead
  token for every project, finance, auditors and administrators see everyone; a participant token sees
  only itself (``Actor.ensure_participant``).

Why both: a brand-new person has no records yet, but the lead who adds them must be able to find them,
record their first meeting and fix a typo in their name. Records alone would leave them invisible.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.db.models import Activity, Participant, ParticipantProject, Project, Record, Role
from ledger.errors import Forbidden, NotFound, invalid_field
from ledger.involvement.access import ensure_role, visible_project_ids
from ledger.security.actor import Actor


def belongs_to(project_ids: Iterable[int]) -> ColumnElement[bool]:
    """SQL condition on ``Participant.id``: the person belongs to at least one of ``project_ids``."""
    ids = list(project_ids)
    if not ids:
        return false()
    added = exists().where(ParticipantProject.participant_id == Participant.id,
                           ParticipantProject.project_id.in_(ids))
    recorded = exists().where(Record.participant_id == Participant.id, Record.activity_id == Activity.id,
                              Activity.project_id.in_(ids))
    return or_(added, recorded)


def visible_participants(actor: Actor) -> ColumnElement[bool] | None:
    """The condition limiting which participants ``actor`` sees; ``None`` when it sees everyone."""
    scope = visible_project_ids(actor)
    if actor.role == Role.PARTICIPANT:
        return Participant.id == actor.participant_id
    if scope is None:
        return None
    return belongs_to(scope)


def may_see_participant(session: Session, actor: Actor, participant_id: int) -> bool:
    condition = visible_participants(actor)
    if condition is None:
        return True
    return session.scalar(select(exists().where(Participant.id == participant_id, condition))) is True


def ensure_participant_visible(session: Session, actor: Actor, participant_id: int, *, doing: str) -> None:
    """Raise ``Forbidden`` (403) unless ``actor`` may ``doing`` this participant (see the module rule)."""
    if actor.role == Role.PARTICIPANT:
        actor.ensure_participant(participant_id)
        return
    if not may_see_participant(session, actor, participant_id):
        projects = ", ".join(str(p) for p in actor.project_ids or ())
        raise Forbidden(
            f"This token may {doing} only people who belong to its projects ({projects or 'none'}); "
            f"participant {participant_id} does not. Ask an administrator to add them to your project."
        )


def ensure_projects_for_new_participant(session: Session, actor: Actor, project_ids: list[int]) -> list[int]:
    """The projects a new participant joins; a lead limited to some projects must name one of them.

    Otherwise the lead could not see the person they just added (and nobody else would know who they are
    for). Every project named must exist and be one the actor works on.
    """
    wanted = list(dict.fromkeys(project_ids))
    scope = visible_project_ids(actor)
    if scope is not None and not wanted:
        raise invalid_field("projects", "name at least one of your projects (" +
                            ", ".join(str(p) for p in scope) + ") so you can find this person again")
    for index, project_id in enumerate(wanted):
        if session.get(Project, project_id) is None:
            raise invalid_field(f"projects[{index}]", f"there is no project with id {project_id}")
        actor.ensure_project(project_id)
    return wanted


def add_to_project(session: Session, actor: Actor, participant_id: int, project_id: int) -> bool:
    """Make a participant belong to a project (idempotent); ``True`` if they were not in it before.

    The actor must already see the person and work on the project: a lead of project A cannot pull a
    project-B person into A. An administrator or a lead for every project can.
    """
    ensure_role(actor, Role.LEAD, doing="add participants to projects")
    if session.get(Participant, participant_id) is None:
        raise NotFound(f"There is no participant with id {participant_id}.")
    if session.get(Project, project_id) is None:
        raise invalid_field("project", f"there is no project with id {project_id}")
    actor.ensure_project(project_id)
    ensure_participant_visible(session, actor, participant_id, doing="add to projects")
    if session.get(ParticipantProject, (participant_id, project_id)) is not None:
        return False
    session.add(ParticipantProject(participant_id=participant_id, project_id=project_id, added_by=actor.name))
    session.flush()
    record_event(session, actor, "participant.add_to_project", "participant", participant_id, None,
                 {"project_id": project_id})
    return True


def projects_of(session: Session, participant_id: int) -> list[int]:
    """Every project the person belongs to (added to, or with a record in), in id order."""
    added = select(ParticipantProject.project_id).where(ParticipantProject.participant_id == participant_id)
    recorded = (select(Activity.project_id).join(Record, Record.activity_id == Activity.id)
                .where(Record.participant_id == participant_id))
    return sorted(set(session.scalars(added)) | set(session.scalars(recorded)))
