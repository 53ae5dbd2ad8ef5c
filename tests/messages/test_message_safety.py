"""Hostile names and what the worker writes down: a name that is HTML or has line breaks is only text in
the e-mail, and no log line of a worker run names the person or their address."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models_messages import MessageStatus, OutboxMessage
from ledger.messages.worker import Worker
from messages.conftest import FAST, SmtpServer
from messages.support import paid_batch, person


def ours(caplog: pytest.LogCaptureFixture) -> str:
    """Every log line of the run except the test mail server's own (aiosmtpd logs as "mail.log")."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))


HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> Ann'


def test_a_name_that_is_html_is_only_text_in_the_e_mail_and_never_in_the_log(
        factory: sessionmaker[Session], smtp: SmtpServer, caplog: pytest.LogCaptureFixture) -> None:
    with transaction(factory) as session:
        ann = person(session, HOSTILE, email="ann.secret@example.net")
        paid_batch(session, [(ann, 5500, 0)])
    with caplog.at_level(logging.DEBUG):
        done = Worker(factory, smtp.settings, FAST).run_until_empty()
    assert len(done.sent) == 1
    (received,) = smtp.recorder.received
    html = received.message.get_body(("html",)).get_content()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # shown as the characters typed, harmlessly
    text = received.message.get_body(("plain",)).get_content()
    assert HOSTILE in text  # the plain part is plain text: nothing to escape
    for header in ("Subject", "From", "To", "Reply-To"):
        assert "script" not in str(received.message[header])
    logged = ours(caplog)
    assert logged, "the worker logs what it did"
    assert "ann.secret" not in logged and "Ann" not in logged and "script" not in logged


def test_an_address_with_a_line_break_cannot_add_a_recipient_or_a_header(
        factory: sessionmaker[Session], smtp: SmtpServer, caplog: pytest.LogCaptureFixture) -> None:
    """An e-mail cell with a line break (a CSV can hold one) never smuggles a Bcc or a second RCPT TO."""
    with transaction(factory) as session:
        ann = person(session, "Ann Example", email="ann@example.net\r\nBcc: thief@example.com")
        paid_batch(session, [(ann, 5500, 0)])
    with caplog.at_level(logging.DEBUG):
        done = Worker(factory, smtp.settings, FAST).run_until_empty()
    assert done.failed and not done.retried, "failed at once with a reason, not retried as a crash"
    with factory() as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
        assert row.status == MessageStatus.FAILED and row.attempts == 1
        assert row.last_answer is not None and "not one address" in row.last_answer
    assert all("thief@example.com" not in r.recipients for r in smtp.recorder.received)
    assert all("thief" not in r.message.as_string() for r in smtp.recorder.received)
    assert "thief" not in ours(caplog)
