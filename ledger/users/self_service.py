"""What a participant may change about themselves, signed in with their code: how their statement looks
and how we contact them. Everything else (bank details, name, address) goes through their lead.

The contact rule is the messages feature's (``ledger.messages.contact.contact_problems``): one copy.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.audit.chain import record_event
from ledger.db.models import Participant, Role, StatementStyle
from ledger.errors import FieldProblem, Forbidden, Invalid, NotFound
from ledger.messages.contact import contact_problems
from ledger.security.actor import Actor

STYLES = tuple(style.value for style in StatementStyle)


def my_participant(session: Session, actor: Actor) -> Participant:
    """The signed-in participant's own row (nobody else's, ever)."""
    if actor.role != Role.PARTICIPANT or actor.participant_id is None:
        raise Forbidden("Only a participant signed in with their own code can see this page.")
    person = session.get(Participant, actor.participant_id)
    if person is None or person.erased_at is not None:
        raise NotFound("Your details are no longer kept here. Ask your co-production lead.")
    return person


def change_my_preferences(session: Session, actor: Actor, *, statement_style: str,
                          contact_preference: str) -> Participant:
    """Set the person's statement style and contact choice; every problem at once, nothing saved on error."""
    person = my_participant(session, actor)
    problems: list[FieldProblem] = []
    if statement_style not in STYLES:
        problems.append(FieldProblem("statement_style", "Choose how you want your statement to look"))
    problems += [p if p.field != "contact_preference" else FieldProblem(p.field, "Choose how we should contact you")
                 for p in contact_problems(contact_preference, person.email, person.postal_address)]
    if any(p.field == "postal_address" for p in problems):  # they cannot type an address here
        problems = [p for p in problems if p.field != "postal_address"]
        problems.append(FieldProblem("contact_preference", "We do not have your postal address. Choose another "
                                                           "way, or ask your co-production lead to add it"))
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)
    before = {"statement_style": person.statement_style, "contact_preference": person.contact_preference}
    person.statement_style, person.contact_preference = statement_style, contact_preference
    session.flush()
    record_event(session, actor, "participant.preferences", "participant", person.id, before,
                 {"statement_style": statement_style, "contact_preference": contact_preference})
    return person
