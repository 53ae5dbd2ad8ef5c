"""Delivery to a real SMTP server in the test process: what arrives, retries, failures, rollback."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models_messages import MessageStatus, OutboxMessage
from ledger.messages.outbox import resend
from ledger.messages.transport import SmtpSettings
from ledger.messages.worker import Worker
from messages.conftest import FAST, SmtpServer, free_port
from messages.support import BUILDER, paid_batch, person


def outbox(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        session.expunge_all()
        return list(rows)


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_a_paid_batch_sends_each_payee_the_advice_with_the_pdf_and_the_same_words(
        factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    with transaction(factory) as session:
        ann = person(session, "Ann Example", email="ann@example.net")
        bob = person(session, "Bob Example", email="bob@example.net", style="easy_read")
        paid_batch(session, [(ann, 5500, 0), (bob, 2750, 420)])
    done = Worker(factory, smtp.settings, FAST).run_until_empty()
    assert len(done.sent) == 2 and not done.failed
    by_to = {r.recipients[0]: r for r in smtp.recorder.received}
    assert set(by_to) == {"ann@example.net", "bob@example.net"}

    ann_mail = by_to["ann@example.net"].message
    assert ann_mail["Subject"] == "We have paid you £55.00"
    assert "Northshire Health and Care NHS Trust" in ann_mail["From"]
    assert ann_mail["Reply-To"] == "involvement@example.org"
    text = ann_mail.get_body(("plain",)).get_content()
    assert "We have paid you £55.00 for your time on 9 October 2025." in text
    assert "This payment is" not in text and text.count("£55.00") == 3  # said once in words (+ facts, table)
    assert "Priya Shah" in text and "0161 496 0000" in text  # whom to ask
    html = ann_mail.get_body(("html",)).get_content()
    assert 'lang="en-GB"' in html and "<caption" in html and 'scope="col"' in html
    assert "We have paid you £55.00 for your time on 9 October 2025." in html
    (attachment,) = list(ann_mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().endswith(".pdf")
    pdf = pdf_text(attachment.get_content())
    assert "Payment advice" in pdf and "£55.00" in pdf and "Ann Example" in pdf

    bob_text = by_to["bob@example.net"].message.get_body(("plain",)).get_content()
    assert "Hello Bob Example," in bob_text  # Easy Read: one idea per line
    assert "We have paid you £31.70." in bob_text and "£4.20 is money back for travel and other costs." in bob_text

    rows = outbox(factory)
    assert {r.status for r in rows} == {MessageStatus.SENT}
    assert all(r.last_answer == "250 OK queued as TEST" and r.attempts == 1 for r in rows)
    assert sorted(str(r.message["Message-ID"]) for r in smtp.recorder.received) == sorted(r.message_id for r in rows)


def test_each_persons_choice_is_respected(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    with transaction(factory) as session:
        people = [
            person(session, "By Email", email="e@example.net"),
            person(session, "By Post", email="p@example.net", contact="post", address="1 High St, Town, AB1 2CD"),
            person(session, "No Messages", email="n@example.net", contact="none"),
            person(session, "No Address", email=None),
        ]
        paid_batch(session, [(p, 1000, 0) for p in people])
    Worker(factory, smtp.settings, FAST).run_until_empty()
    assert [r.recipients for r in smtp.recorder.received] == [["e@example.net"]]
    assert len(outbox(factory)) == 1


def test_a_payment_rolled_back_sends_nothing(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    with pytest.raises(RuntimeError), transaction(factory) as session:
        ann = person(session, "Ann Example", email="ann@example.net")
        paid_batch(session, [(ann, 5500, 0)])
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # written with the payment
        raise RuntimeError("the payment fails after the batch was marked paid")
    assert outbox(factory) == []
    assert Worker(factory, smtp.settings, FAST).run_until_empty().claimed == 0
    assert smtp.recorder.received == []


def test_a_server_that_says_try_later_gets_retries_then_a_visible_failure(
        factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    with transaction(factory) as session:
        paid_batch(session, [(person(session, "Ann Example", email="ann@example.net"), 5500, 0)])
    smtp.recorder.answer = "451 4.3.0 Mailbox busy, try again"
    worker = Worker(factory, smtp.settings, FAST)
    first = worker.run_once()
    assert first.retried and outbox(factory)[0].status == MessageStatus.QUEUED
    worker.run_until_empty()
    (row,) = outbox(factory)
    assert smtp.recorder.refused == FAST.attempts  # one attempt each, then given up
    assert row.status == MessageStatus.FAILED and row.attempts == FAST.attempts
    assert row.last_answer is not None and "451" in row.last_answer and "Mailbox busy" in row.last_answer

    smtp.recorder.answer = None  # the server is fine again: finance sends it again
    with transaction(factory) as session:
        resend(session, BUILDER, row.id)
    assert worker.run_until_empty().sent == [row.id]
    (received,) = smtp.recorder.received
    assert received.message["Message-ID"] == row.message_id  # the same message, recognisably


def test_a_permanent_refusal_fails_at_once(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    with transaction(factory) as session:
        paid_batch(session, [(person(session, "Ann Example", email="ann@example.net"), 5500, 0)])
    smtp.recorder.answer = "550 5.1.1 No such mailbox"
    Worker(factory, smtp.settings, FAST).run_until_empty()
    (row,) = outbox(factory)
    assert smtp.recorder.refused == 1
    assert row.status == MessageStatus.FAILED and "550" in (row.last_answer or "")


def test_no_server_at_all_is_retried_then_failed(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        paid_batch(session, [(person(session, "Ann Example", email="ann@example.net"), 5500, 0)])
    nowhere = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=2)
    Worker(factory, nowhere, FAST).run_until_empty()
    (row,) = outbox(factory)
    assert row.status == MessageStatus.FAILED and row.attempts == FAST.attempts
    assert "connection refused" in (row.last_answer or "")


def test_an_address_quoted_in_the_servers_answer_is_masked(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    with transaction(factory) as session:
        paid_batch(session, [(person(session, "Ann Example", email="ann@example.net"), 5500, 0)])
    smtp.recorder.answer = "550 5.1.1 <ann@example.net>: Recipient address rejected"
    Worker(factory, smtp.settings, FAST).run_until_empty()
    (row,) = outbox(factory)
    assert row.last_answer == "the mail server refused the message: 550 5.1.1 <address>: Recipient address rejected"


def test_an_easy_read_statement_e_mail_says_one_idea_per_line(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    from datetime import date

    from ledger.messages.outbox import request_statement

    with transaction(factory) as session:
        cat = person(session, "Cat Example", email="cat@example.net", style="easy_read")
        paid_batch(session, [(cat, 2750, 0)])
        request_statement(session, BUILDER, cat.id, date(2025, 4, 6), date(2026, 4, 5))
    Worker(factory, smtp.settings, FAST).run_until_empty()
    statement = next(r.message for r in smtp.recorder.received if "statement" in str(r.message["Subject"]))
    text = statement.get_body(("plain",)).get_content().replace("\r\n", "\n")
    for line in ("Hello Cat Example,", "This is your statement for 6 April 2025 to 5 April 2026.",
                 "You took part in 1 activity.", "We paid you £27.50 for your time."):
        assert f"\n{line}\n" in f"\n{text}", line
    assert "font-size:21px" in statement.get_body(("html",)).get_content()
    (pdf,) = list(statement.iter_attachments())
    assert "Your money for taking part" in pdf_text(pdf.get_content())  # the Easy Read statement's title


@pytest.mark.parametrize("choice, why", [("none", "asked for no messages"), ("post", "asked for letters by post")])
def test_a_person_who_changes_their_choice_after_queueing_is_not_e_mailed(
        factory: sessionmaker[Session], smtp: SmtpServer, choice: str, why: str) -> None:
    """The choice at delivery time wins: queued, then "none" (or "post") -> never sent, failed with the reason."""
    with transaction(factory) as session:
        ann = person(session, "Ann Example", email="ann@example.net", address="1 High St, Town, AB1 2CD")
        paid_batch(session, [(ann, 5500, 0)])
        ann.contact_preference = choice  # changed their mind before the worker ran
    done = Worker(factory, smtp.settings, FAST).run_until_empty()
    assert smtp.recorder.received == [] and done.sent == []
    (row,) = outbox(factory)
    assert row.status == MessageStatus.FAILED and row.last_answer is not None and why in row.last_answer
    with pytest.raises(Exception, match=why), transaction(factory) as session:  # finance cannot push it through
        resend(session, BUILDER, row.id)


def test_a_queued_e_mail_goes_to_the_persons_current_address(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    """An address corrected after queueing is used, and recorded; the old address gets nothing."""
    with transaction(factory) as session:
        ann = person(session, "Ann Example", email="old@example.net")
        paid_batch(session, [(ann, 5500, 0)])
        ann.email = "new@example.net"
    Worker(factory, smtp.settings, FAST).run_until_empty()
    assert [r.recipients for r in smtp.recorder.received] == [["new@example.net"]]
    (row,) = outbox(factory)
    assert row.status == MessageStatus.SENT and row.recipient == "new@example.net"
