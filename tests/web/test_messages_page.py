"""``/finance/messages``: failed deliveries with the server's answer, "Send again", refusals in the error summary."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Litestar
from litestar.testing import TestClient
from messages.support import paid_batch, person
from payments.factory import set_organisation
from sqlalchemy.orm import Session, sessionmaker
from web_signin import csrf_token

from ledger.db.engine import transaction
from ledger.db.models import Participant, Role
from ledger.db.models_messages import MessageStatus, OutboxMessage


def failed_advice(web_db: sessionmaker[Session]) -> tuple[int, int]:
    set_organisation(web_db)
    with transaction(web_db) as session:
        ann = person(session, "Ann Example", email="ann@example.net")
        paid_batch(session, [(ann, 5500, 0)])
        row = session.query(OutboxMessage).one()
        row.status, row.attempts, row.last_answer = MessageStatus.FAILED.value, 6, "550 5.1.1 No such mailbox"
        return row.id, ann.id


def test_finance_sees_failures_and_sends_one_again(web_db: sessionmaker[Session],
                                                   client_for: Callable[..., TestClient[Litestar]]) -> None:
    message_id, ann_id = failed_advice(web_db)
    finance = client_for(Role.FINANCE)
    listing = finance.get("/finance/messages")
    assert listing.status_code == 200
    html = listing.text
    assert "550 5.1.1 No such mailbox" in html and "Payment advice" in html and "a***@***" in html
    assert "ann@example.net" not in html and f"Send message {message_id} again" in html

    with transaction(web_db) as session:  # the person chose post meanwhile: refused, nothing changes
        someone = session.get(Participant, ann_id)
        assert someone is not None
        someone.contact_preference, someone.postal_address = "post", "1 High St, Town"
    refused = finance.post(f"/finance/messages/{message_id}/resend", data={"_csrf_token": csrf_token(html)})
    assert refused.status_code == 409
    assert "There is a problem" in refused.text and f'href="#resend-{message_id}"' in refused.text
    assert "asked for letters by post" in refused.text
    with web_db() as session:
        assert session.get(OutboxMessage, message_id).status == MessageStatus.FAILED  # type: ignore[union-attr]

    with transaction(web_db) as session:
        someone = session.get(Participant, ann_id)
        assert someone is not None
        someone.contact_preference = "email"
    sent = finance.post(f"/finance/messages/{message_id}/resend", data={"_csrf_token": csrf_token(html)},
                        follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/finance/messages?show=failed"
    after = finance.get(sent.headers["location"])
    assert f"Message {message_id} will be sent again" in after.text and "Nothing has failed." in after.text
    assert "Waiting" in finance.get("/finance/messages?show=queued").text


def test_auditors_look_but_cannot_send_again(web_db: sessionmaker[Session],
                                             client_for: Callable[..., TestClient[Litestar]]) -> None:
    message_id, _ = failed_advice(web_db)
    auditor = client_for(Role.AUDITOR)
    listing = auditor.get("/finance/messages?show=nonsense")
    assert listing.status_code == 200 and "550 5.1.1" in listing.text and "/resend" not in listing.text
    refused = auditor.post(f"/finance/messages/{message_id}/resend", data={"_csrf_token": csrf_token(listing.text)})
    assert refused.status_code == 403
    assert client_for(Role.LEAD, projects=None).get("/finance/messages").status_code == 403
