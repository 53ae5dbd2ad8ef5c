"""The demo's messages: e-mails written as ``.eml`` files, and the letters PDF for people who chose post.

What an organisation would see after a winter's payments: each payee's payment advice e-mail (queued when
each batch was marked paid), the year-end statements by e-mail, and one PDF of letters to print for
the people who asked for paper. Nothing is sent anywhere: the file transport writes each e-mail into
``messages/e-mails/`` (open one in any mail program) instead of talking to a mail server.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from ledger.db.models import Batch, BatchLine, BatchStatus
from ledger.involvement.participants import update_participant
from ledger.involvement.schemas import ParticipantUpdate
from ledger.messages.letters import batch_letters, statement_letters
from ledger.messages.outbox import queue_statement_run
from ledger.messages.transport import FileSettings
from ledger.messages.worker import Worker, WorkerSettings

if TYPE_CHECKING:
    from ledger.demo.run import Demo

WHO = "Messages: e-mails as .eml files (open in any mail program) and letters to print for those who chose post"
#: Who asked for paper (index into ledger.demo.data.PARTICIPANTS) and where they live; who wants no messages.
BY_POST = {2: "14 Orchard Close, Northtown, NT2 5QL", 3: "Flat 3, 27 Mill Street, Northtown, NT1 7RS"}
NO_MESSAGES = (6,)


def write_messages(demo: Demo, tax_year: tuple[date, date]) -> None:
    """Record the contact choices, run the year-end statements, print the letters, deliver to files."""
    folder = demo.out / "messages"
    folder.mkdir(parents=True, exist_ok=True)
    lead, finance = demo.staff["lead_a"], demo.staff["finance_a"]
    for index, address in BY_POST.items():
        demo.call(update_participant, lead, demo.participant_ids[index],
                  ParticipantUpdate(contact_preference="post", postal_address=address))
    for index in NO_MESSAGES:
        demo.call(update_participant, lead, demo.participant_ids[index], ParticipantUpdate(contact_preference="none"))
    demo.call(queue_statement_run, finance, *tax_year)

    statements = demo.run(lambda s: statement_letters(s, *tax_year))
    _write(demo, folder / "letters-statements.pdf", statements.pdf)
    post_ids = [demo.participant_ids[index] for index in BY_POST]
    latest = demo.run(lambda s: s.scalar(  # the latest payment run that paid someone who chose post
        select(Batch.id).join(BatchLine, BatchLine.batch_id == Batch.id)
        .where(Batch.status == BatchStatus.PAID.value, BatchLine.participant_id.in_(post_ids))
        .order_by(Batch.id.desc()).limit(1)))
    if latest is not None:
        advice = demo.run(lambda s: batch_letters(s, latest))
        _write(demo, folder / f"letters-payment-B-{latest:04d}.pdf", advice.pdf)

    emails = folder / "e-mails"
    Worker(demo.factory, FileSettings(emails), WorkerSettings(batch_size=50)).run_until_empty()
    written = sorted(emails.glob("*.eml"))
    for kind in ("remittance", "statement"):
        first = next((p for p in written if p.stem.endswith(kind)), None)
        if first is not None:
            demo.summary.add_file(WHO, first)
    demo.summary.add_file(WHO, emails)


def _write(demo: Demo, path: Path, pdf: bytes | None) -> None:
    if pdf is not None:
        path.write_bytes(pdf)
        demo.summary.add_file(WHO, path)
