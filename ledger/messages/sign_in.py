"""E-mailing sign-in codes and invitations for the web interface (the codes themselves: ``ledger.users``).

The web side issues the code or the invitation (``ledger.users.codes.issue_code``,
``ledger.users.invitations.invite``) and these functions put the e-mail in the outbox in the same
transaction, so a code that was not saved is never sent. The link and code are stored encrypted and
cleared once sent (``ledger.messages.outbox.queue_sign_in``).

A participant's own contact choice is respected: a code is e-mailed only to someone who chose e-mail
and has an address; for anyone else the lead gives the code another way (read out, or in a letter).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.db.models import Participant
from ledger.db.models_messages import OutboxMessage
from ledger.errors import Conflict, NotFound
from ledger.messages.outbox import Queued, queue_sign_in, route_person
from ledger.security.actor import Actor


def email_sign_in_code(session: Session, actor: Actor, participant_id: int, base_url: str) -> OutboxMessage:
    """Issue a new sign-in code and link for a participant and queue the e-mail that carries them."""
    from ledger.users.codes import issue_code  # the web feature's code service

    person = session.get(Participant, participant_id)
    if person is None:
        raise NotFound(f"There is no participant with id {participant_id}")
    outcome = Queued()
    if not route_person(person, outcome):
        why = ("asked for letters by post" if outcome.by_post else "asked for no messages" if outcome.no_messages
               else "has no e-mail address")
        raise Conflict(f"{person.reference} {why}; give them the code another way (read it out or print it)")
    issued = issue_code(session, actor, participant_id)
    return queue_sign_in(session, to=person.email or "", link=base_url.rstrip("/") + issued.link_path,
                         code=issued.code, expires_at=issued.expires_at, participant_id=participant_id)


def email_invitation(session: Session, invited: object, base_url: str) -> OutboxMessage:
    """Queue the e-mail for a staff invitation (``ledger.users.invitations.Invited``): the link only."""
    from ledger.users.invitations import Invited

    assert isinstance(invited, Invited)
    return queue_sign_in(session, to=invited.user.email, link=base_url.rstrip("/") + invited.link_path, code=None,
                         expires_at=invited.expires_at, purpose="invitation", name=invited.user.name)
