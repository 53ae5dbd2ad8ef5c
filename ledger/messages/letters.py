"""Letters for people who chose post: one PDF per batch or statement run (``ledger.exports.pdf.letters``).

The same contact rule as e-mail (``ledger.messages.outbox.route_person``): only people whose choice is
``post`` get a letter; someone with no postal address on record is listed in ``missing_address``
instead of being silently left out. Someone whose name or address no shipped font can print (Arabic,
CJK: ``ledger.exports.pdf.typefaces.UnprintableText``) is left out and listed in ``cannot_print`` with
the reason, so one such name never stops everyone else's letters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import BatchLine, BatchLineStatus, Participant
from ledger.exports.pdf.letters import Letter, render_letters
from ledger.exports.pdf.typefaces import UnprintableText
from ledger.messages.compose import person_name
from ledger.messages.contact import address_lines
from ledger.messages.outbox import Queued, route_person, statement_run_people
from ledger.messages.words import LETTER, Words, remittance_words, statement_words
from ledger.organisation import get_organisation
from ledger.payments.batches import get_batch
from ledger.reports.remittances import build_remittances
from ledger.reports.statements import build_statement


@dataclass
class LetterRun:
    """The PDF (``None`` when nobody chose post) and who is in it, by participant reference."""

    pdf: bytes | None
    included: list[str] = field(default_factory=list)
    missing_address: list[str] = field(default_factory=list)
    cannot_print: dict[str, str] = field(default_factory=dict)  # reference -> the reason, in plain words

    def left_out(self) -> list[str]:
        """Plain lines about the people who got no letter, for the CLI and the API."""
        lines = [f"No postal address for {', '.join(self.missing_address)}: add one, then print again."
                 ] if self.missing_address else []
        lines += [f"No letter for {reference}: {why}." for reference, why in self.cannot_print.items()]
        return lines


def _letter(person: Participant, words: Words, document: object, on: date) -> Letter:
    return Letter(
        reference=person.reference, address_lines=(person.name, *address_lines(person.postal_address)), dated=on,
        greeting=words.greeting, paragraphs=(*words.paragraphs, *words.after), closing=words.contact_lines,
        sender_lines=words.sender_lines, document=document, style=words.style,  # type: ignore[arg-type]
    )


def _by_post(people: Sequence[Participant], run: LetterRun) -> list[Participant]:
    chosen = []
    for person in people:
        outcome = Queued()
        if route_person(person, outcome) or not outcome.by_post:
            continue
        if not address_lines(person.postal_address):
            run.missing_address.append(person.reference)
            continue
        chosen.append(person)
    return chosen


def _render(run: LetterRun, letters: list[Letter], title: str, author: str) -> None:
    """All letters in one PDF; when some cannot be printed, each person's letter is tried on its own
    (only then, so the usual run renders once) and those that fail are listed, not the whole run."""
    try:
        run.pdf = render_letters(letters, title, author) if letters else None
        return
    except UnprintableText:
        pass
    printable = []
    for letter in letters:
        try:
            render_letters([letter], title, author)
        except UnprintableText as refused:
            run.cannot_print[letter.reference] = refused.detail
            run.included.remove(letter.reference)
        else:
            printable.append(letter)
    run.pdf = render_letters(printable, title, author) if printable else None


def batch_letters(session: Session, batch_id: int) -> LetterRun:
    """A letter with the payment advice for everyone in the batch who chose post."""
    batch = get_batch(session, batch_id)
    organisation = get_organisation(session)
    people = session.scalars(
        select(Participant).join(BatchLine, BatchLine.participant_id == Participant.id)
        .where(BatchLine.batch_id == batch.id, BatchLine.status != BatchLineStatus.RETURNED.value)
        .order_by(Participant.reference)
    ).all()
    run = LetterRun(None)
    letters = []
    today = clock.today()
    for person in _by_post(people, run):
        advice = build_remittances(session, batch.id, person.id)[0]
        words = remittance_words(advice, person_name(person), person.statement_style, LETTER)
        letters.append(_letter(person, words, advice, today))
        run.included.append(person.reference)
    _render(run, letters, f"Letters for payment run {batch.reference}", organisation.name)
    return run


def statement_letters(session: Session, period_from: date, period_to: date,
                      participant_id: int | None = None) -> LetterRun:
    """A letter with the statement for everyone in the run (or one person) who chose post."""
    organisation = get_organisation(session)
    if participant_id is not None:
        one = session.get(Participant, participant_id)
        people: Sequence[Participant] = [one] if one is not None else []
    else:
        people = statement_run_people(session, period_from, period_to)
    run = LetterRun(None)
    letters = []
    today = clock.today()
    for person in _by_post(people, run):
        statement = build_statement(session, person.id, period_from, period_to)
        words = statement_words(statement, person_name(person), LETTER)
        letters.append(_letter(person, words, statement, today))
        run.included.append(person.reference)
    _render(run, letters, f"Statement letters, {period_from.isoformat()} to {period_to.isoformat()}",
            organisation.name)
    return run
