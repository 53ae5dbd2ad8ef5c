"""The outbox's rules: claims, lost claims, resend refusals, sign-in messages, erasure, the words' safety."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger import clock
from ledger.db.engine import transaction
from ledger.db.models import Participant
from ledger.db.models_messages import MessageStatus, OutboxMessage
from ledger.errors import Conflict
from ledger.involvement.erasure import erase
from ledger.messages.outbox import claim, mark_sent, queue_sign_in, resend
from ledger.messages.worker import Worker
from ledger.security.actor import Actor
from messages.conftest import FAST, SmtpServer
from messages.support import BUILDER, paid_batch, person

LEASE = timedelta(minutes=5)


def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        for n in range(3):
            queue_sign_in(session, to=f"p{n}@example.net", link=None, code="K", expires_at=clock.now() + LEASE)
    with transaction(factory) as session:
        first = claim(session, limit=2, lease=LEASE)
    with transaction(factory) as session:
        second = claim(session, limit=5, lease=LEASE)
    assert [c.id for c in first] == [1, 2] and [c.id for c in second] == [3]
    later = clock.now() + LEASE + timedelta(seconds=1)
    with transaction(factory) as session:
        taken_over = claim(session, limit=5, lease=LEASE, now=later)  # the first worker died
    assert [c.id for c in taken_over] == [1, 2, 3]
    with transaction(factory) as session:
        assert not mark_sent(session, first[0], "250 late"), "a worker whose claim was taken over records nothing"
        assert mark_sent(session, taken_over[0], "250 OK")
    with factory() as session:
        row = session.get(OutboxMessage, 1)
        assert row is not None and row.status == MessageStatus.SENT and row.last_answer == "250 OK"
        assert row.attempts == 2 and row.secret is None  # the code is cleared once sent


def test_a_sign_in_code_arrives_and_expired_ones_are_not_sent(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    with transaction(factory) as session:
        queue_sign_in(session, to="jo@example.net", link="https://ledger.example.org/sign-in/link/abc",
                      code="KD7P-3MXR", expires_at=clock.now() + timedelta(minutes=15))
        queue_sign_in(session, to="late@example.net", link=None, code="OLD1-OLD1",
                      expires_at=clock.now() - timedelta(minutes=1))
        with pytest.raises(Exception, match="not an email address"):
            queue_sign_in(session, to="nobody", link=None, code="X", expires_at=clock.now())
    Worker(factory, smtp.settings, FAST).run_until_empty()
    (received,) = smtp.recorder.received
    assert received.recipients == ["jo@example.net"]
    assert received.message["Subject"] == "Your sign-in code for Northshire Health and Care NHS Trust"
    text = received.message.get_body(("plain",)).get_content()
    assert "KD7P-3MXR" in text and "https://ledger.example.org/sign-in/link/abc" in text and "(UK time)" in text
    with factory() as session:
        expired = session.get(OutboxMessage, 2)
        assert expired is not None and expired.status == MessageStatus.FAILED
        assert "expired" in (expired.last_answer or "")
        assert expired.secret is None
        with pytest.raises(Conflict, match="ask for a new one"):
            resend(session, BUILDER, 2)


def test_resend_follows_the_persons_choice_now(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    with transaction(factory) as session:
        ann = person(session, "Ann Example", email="ann@example.net")
        paid_batch(session, [(ann, 5500, 0)])
    smtp.recorder.answer = "550 no"
    Worker(factory, smtp.settings, FAST).run_until_empty()
    with transaction(factory) as session:
        someone = session.get(Participant, ann.id)
        assert someone is not None
        someone.contact_preference, someone.postal_address = "post", "1 High St, Town"
    with factory() as session, pytest.raises(Conflict, match="asked for letters by post"):
        resend(session, BUILDER, 1)
    with transaction(factory) as session:
        someone = session.get(Participant, ann.id)
        assert someone is not None
        someone.contact_preference, someone.email = "email", "ann.new@example.net"
    with transaction(factory) as session:
        resend(session, BUILDER, 1)
    smtp.recorder.answer = None
    Worker(factory, smtp.settings, FAST).run_until_empty()
    assert [r.recipients for r in smtp.recorder.received] == [["ann.new@example.net"]]  # the corrected address


def test_names_are_escaped_in_the_html_and_large_print_is_large(factory: sessionmaker[Session],
                                                                 smtp: SmtpServer) -> None:
    with transaction(factory) as session:
        odd = person(session, "Ann <b>Bold</b> & Co", email="ann@example.net", style="large_print")
        paid_batch(session, [(odd, 5500, 0)])
    Worker(factory, smtp.settings, FAST).run_until_empty()
    html = smtp.recorder.received[0].message.get_body(("html",)).get_content()
    assert "Ann &lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html and "<b>Bold" not in html
    assert "font-size:24px" in html


def test_erasure_forgets_the_address_kept_in_the_outbox(factory: sessionmaker[Session]) -> None:
    with clock.as_of(date(2022, 10, 12)), transaction(factory) as session:
        zeb = person(session, "Zebedee Example", email="zeb@example.net", contact="post", address="1 High St, Town")
        zeb.contact_preference = "email"
        paid_batch(session, [(zeb, 5500, 0)])
    with transaction(factory) as session:
        erase(session, Actor.system("admin"), zeb.id, on=date(2033, 1, 1))
    with factory() as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
        assert row.recipient == "erased"
        erased = session.get(Participant, zeb.id)
        assert erased is not None and erased.postal_address is None


def test_a_lead_e_mails_a_participant_their_sign_in_code(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    from ledger.messages.sign_in import email_sign_in_code

    with transaction(factory) as session:
        jo = person(session, "Jo Example", email="jo@example.net")
        pat = person(session, "Pat Post", email="pat@example.net", contact="post", address="1 High St, Town")
        message = email_sign_in_code(session, Actor.system("admin"), jo.id, "https://ledger.example.org/")
        assert message.participant_id == jo.id
        with pytest.raises(Conflict, match="asked for letters by post"):
            email_sign_in_code(session, Actor.system("admin"), pat.id, "https://ledger.example.org")
    Worker(factory, smtp.settings, FAST).run_until_empty()
    (received,) = smtp.recorder.received
    text = received.message.get_body(("plain",)).get_content()
    assert received.recipients == ["jo@example.net"] and "https://ledger.example.org/sign-in/link/" in text
    assert "Your sign-in code is: " in text


def test_an_invitation_e_mail(factory: sessionmaker[Session], smtp: SmtpServer) -> None:
    from ledger.messages.sign_in import email_invitation
    from ledger.users.invitations import invite

    with transaction(factory) as session:
        invited = invite(session, Actor.system("admin"), email="newlead@example.org", name="Nia Lead", role="lead")
        email_invitation(session, invited, "https://ledger.example.org")
    Worker(factory, smtp.settings, FAST).run_until_empty()
    (received,) = smtp.recorder.received
    assert received.recipients == ["newlead@example.org"]
    assert received.message["Subject"] == (
        "You have been invited to Northshire Health and Care NHS Trust's involvement ledger")
    assert "https://ledger.example.org/invitations/" in received.message.get_body(("plain",)).get_content()


def test_a_worker_renews_its_lease_so_a_slow_round_is_not_taken_over(factory: sessionmaker[Session]) -> None:
    from ledger.messages.outbox import renew

    with transaction(factory) as session:
        for n in range(2):
            queue_sign_in(session, to=f"p{n}@example.net", link=None, code="K", expires_at=clock.now() + LEASE)
    with transaction(factory) as session:
        held = claim(session, limit=2, lease=timedelta(seconds=1))
    with transaction(factory) as session:
        assert renew(session, held[0], LEASE)
    with transaction(factory) as session:
        assert claim(session, limit=5, lease=LEASE, now=clock.now() + timedelta(seconds=30)) == []
    with transaction(factory) as session:
        taken = claim(session, limit=5, lease=LEASE, now=clock.now() + LEASE + timedelta(seconds=1))
    with transaction(factory) as session:
        assert [c.id for c in taken] == [1, 2] and not renew(session, held[0], LEASE)


def test_a_server_that_is_down_is_tried_once_per_round_not_once_per_message(factory: sessionmaker[Session]) -> None:
    import socket
    import threading

    from ledger.messages.transport import SmtpSettings

    with transaction(factory) as session:
        for n in range(3):
            queue_sign_in(session, to=f"p{n}@example.net", link=None, code="K", expires_at=clock.now() + LEASE)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[int] = []

    def hang_up() -> None:  # accepts and closes at once: "the server went away"
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=listener.getsockname()[1], security="none", timeout=5)
        done = Worker(factory, settings, FAST).run_once()
    finally:
        listener.close()
    assert sorted(done.retried) == [1, 2, 3] and len(accepted) == 1
    with factory() as session:
        answers = {row.last_answer for row in session.scalars(select(OutboxMessage))}
    assert len(answers) == 1 and "could not reach the mail server" in answers.pop()  # type: ignore[operator]


def test_the_year_end_run_twice_sends_nobody_a_second_statement(factory: sessionmaker[Session]) -> None:
    from ledger.messages.outbox import queue_statement_run

    with transaction(factory) as session:
        people = [person(session, f"Person {n}", email=f"p{n}@example.net") for n in range(3)]
        paid_batch(session, [(p, 1000, 0) for p in people])
    period = (date(2025, 4, 6), date(2026, 4, 5))
    with transaction(factory) as session:
        first = queue_statement_run(session, BUILDER, *period)
    with transaction(factory) as session:
        second = queue_statement_run(session, BUILDER, *period)
    assert len(first.queued) == 3 and second.queued == [] and len(second.already) == 3
    assert "3 already sent this statement, not sent again" in second.summary()
