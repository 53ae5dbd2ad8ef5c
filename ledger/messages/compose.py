"""Turn an outbox row into the finished e-mail: words, PDF attachment and headers.

Made at delivery time from the same data the PDFs are made from (see ``ledger.db.models_messages``).
A message whose subject no longer exists (the payment came back before it was sent, so there is no
advice to give) raises :class:`NothingToSend`, and the worker marks it failed with that reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import Participant
from ledger.db.models_messages import MessageKind, OutboxMessage
from ledger.email_address import usable_address as usable_address  # the one rule; the worker reads it here
from ledger.errors import LedgerError
from ledger.exports.pdf import render_remittance, render_statement
from ledger.messages.render import as_html, as_text
from ledger.messages.words import invitation_words, remittance_words, sign_in_words, statement_words
from ledger.organisation import Organisation, get_organisation
from ledger.reports.remittances import build_remittances
from ledger.reports.statements import build_statement


class NothingToSend(LedgerError):
    """The message can no longer be made (its reason is kept as the message's answer)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass(frozen=True, slots=True)
class Composed:
    subject: str
    text: str
    html: str
    organisation: Organisation
    attachments: tuple[Attachment, ...] = ()
    recipient: str | None = None  # the person's address NOW (None: the address stored when queued)


def person_name(person: Participant) -> str:
    return person.preferred_name or person.name


def still_wanted(person: Participant) -> str:
    """The person's e-mail address now, when they still choose e-mail; else :class:`NothingToSend`.

    Why at delivery and not only when queued: a person may choose "post" or "none" (or correct their
    address) between a payment being marked paid and the worker running. Their choice at the moment of
    sending wins, as the contact rule says (``ledger.messages.outbox.route_person``): the message fails
    with the reason, finance sees it, and it cannot be sent again until they choose e-mail again.
    """
    from ledger.messages.outbox import Queued, route_person  # outbox is the contact rule's one place

    outcome = Queued()
    if not route_person(person, outcome):
        why = ("asked for letters by post" if outcome.by_post else "asked for no messages" if outcome.no_messages
               else "has no e-mail address now")
        raise NothingToSend(f"not sent: since this was queued, the person {why}")
    return (person.email or "").strip()


def compose(session: Session, message: OutboxMessage) -> Composed:
    """The finished words and attachment of one outbox row (raises :class:`NothingToSend`)."""
    if message.kind == MessageKind.SIGN_IN:
        if not message.secret:
            raise NothingToSend("the sign-in code was cleared; the person should ask for a new one")
        data = json.loads(message.secret)
        organisation = get_organisation(session)
        expires = datetime.fromisoformat(data["expires_at"])
        if expires <= clock.now():
            raise NothingToSend("the sign-in code expired before it could be sent")
        if data.get("purpose") == "invitation":
            words = invitation_words(organisation, data.get("name") or "", data["link"], expires)
        else:
            person = session.get(Participant, message.participant_id) if message.participant_id else None
            style = person.statement_style if person is not None else "standard"  # large print stays large
            words = sign_in_words(organisation, data.get("link"), data.get("code"), expires, style)
        return Composed(words.subject, as_text(words), as_html(words), organisation)
    person = session.get(Participant, message.participant_id) if message.participant_id is not None else None
    if person is None or person.erased_at is not None:
        raise NothingToSend("the person's details were erased")
    recipient = still_wanted(person)
    if message.kind == MessageKind.REMITTANCE:
        assert message.batch_id is not None
        try:
            advice = build_remittances(session, message.batch_id, person.id)[0]
        except LedgerError as exc:
            raise NothingToSend(f"there is no payment advice to send: {exc}") from None
        words = remittance_words(advice, person_name(person), person.statement_style)
        pdf = Attachment(advice.file_name, render_remittance(advice))
        return Composed(words.subject, as_text(words), as_html(words), words.organisation, (pdf,), recipient)
    if message.kind == MessageKind.STATEMENT:
        assert message.period_from is not None and message.period_to is not None
        statement = build_statement(session, person.id, message.period_from, message.period_to)
        words = statement_words(statement, person_name(person))
        name = (f"statement-{statement.participant_reference}-{statement.period_from.isoformat()}-to-"
                f"{statement.period_to.isoformat()}.pdf")
        pdf = Attachment(name, render_statement(statement))
        return Composed(words.subject, as_text(words), as_html(words), words.organisation, (pdf,), recipient)
    raise NothingToSend(f"unknown kind of message {message.kind!r}")


def to_email(composed: Composed, *, message_id: str, to: str, sender: str | None = None) -> EmailMessage:
    """The MIME message: text and HTML alternatives, the PDF attached, our fixed Message-ID.

    ``sender`` is the From address (``LEDGER_SMTP_URL``'s ``from=``); by default the organisation's
    contact e-mail. Replies always go to the contact e-mail.
    """
    organisation = composed.organisation
    mail = EmailMessage()
    mail["Subject"] = composed.subject
    mail["From"] = Address(display_name=organisation.name, addr_spec=sender or organisation.contact_email)
    mail["To"] = to
    mail["Reply-To"] = organisation.contact_email
    mail["Message-ID"] = message_id
    mail["Date"] = format_datetime(clock.now())
    mail["Auto-Submitted"] = "auto-generated"  # no holiday auto-replies to a payment notice
    # Quoted-printable keeps the message 7-bit clean (any server takes it, "£" included).
    mail.set_content(composed.text, cte="quoted-printable")
    mail.add_alternative(composed.html, subtype="html", cte="quoted-printable")
    for attachment in composed.attachments:
        mail.add_attachment(attachment.content, maintype=attachment.maintype, subtype=attachment.subtype,
                            filename=attachment.filename)
    return mail
