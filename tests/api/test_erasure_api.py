"""``/participants/retention`` and ``/participants/{id}/erasure``: administrators only; a refusal before
the retention period is a 409 problem+json naming the date; an erasure leaves a tombstone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from involvement.support import APPROVER, FINANCE, attendee, meeting, participant, project
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ledger.clock import as_of
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.involvement.approval import approve_record
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.security.actor import Actor

API = "/api/v1"
SECOND_FINANCE = Actor(token_id=77, name="Second finance", role=Role.FINANCE)


def _arrange(factory: sessionmaker[Session]) -> dict[str, int]:
    """Someone paid in October 2022 (erasable from 6 April 2029) and someone added in January 2015 and
    never involved (erasable from 6 April 2021, so already)."""
    with transaction(factory) as session:
        with as_of(date(2015, 1, 5)):
            old = participant(session, name="Olive Oldtimer", preference="voucher")
        with as_of(date(2022, 10, 3)):
            proj = project(session)
            paid = participant(session, name="Petra Paidonce")
            created = meeting(session, proj.id, [attendee(paid.id, 60)], on=date(2022, 10, 3))
            approve_record(session, APPROVER, created.records[0].id)
        with as_of(date(2022, 10, 10)):
            batch = build_batch(session, FINANCE, "bank_transfer").batch
            approve_batch(session, SECOND_FINANCE, batch.id)
            mark_paid(session, FINANCE, batch.id, date(2022, 10, 10))
        return {"old": old.id, "paid": paid.id}


def test_retention_and_erasure_through_the_api(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Callable[[str], dict[str, str]],
    session_factory: sessionmaker[Session],
) -> None:
    ids = _arrange(session_factory)
    admin, lead = auth(make_token(Role.ADMIN)), auth(make_token(Role.LEAD))

    listed = client.get(f"{API}/participants/retention", headers=admin)
    assert listed.status_code == 200, listed.text
    rows: dict[int, Any] = {row["participant"]: row for row in listed.json()["items"]}
    assert rows[ids["paid"]]["erasable_from"] == "2029-04-06" and rows[ids["paid"]]["erasable_now"] is False
    assert rows[ids["old"]]["erasable_now"] is True and rows[ids["old"]]["last_payment"] is None
    assert "Petra" not in listed.text and "Olive" not in listed.text
    assert client.get(f"{API}/participants/retention", headers=lead).status_code == 403

    early = client.post(f"{API}/participants/{ids['paid']}/erasure", headers=admin)
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    assert "6 April 2029" in early.json()["detail"]
    still = client.get(f"{API}/participants/{ids['paid']}", headers=admin).json()
    assert still["name"] == "Petra Paidonce"

    assert client.post(f"{API}/participants/{ids['old']}/erasure", headers=lead).status_code == 403
    assert client.post(f"{API}/participants/{ids['old']}/erasure").status_code == 401
    assert client.post(f"{API}/participants/999999/erasure", headers=admin).status_code == 404

    done = client.post(f"{API}/participants/{ids['old']}/erasure", headers=admin)
    assert done.status_code == 200, done.text
    reference = done.json()["reference"]
    shown = client.get(f"{API}/participants/{ids['old']}", headers=admin).json()
    assert shown["name"] == f"Erased participant {reference}" and shown["email"] is None
    again = client.post(f"{API}/participants/{ids['old']}/erasure", headers=admin)
    assert again.status_code == 409 and "already erased" in again.json()["detail"]
    audit = client.get(f"{API}/audit", headers=admin)
    assert audit.status_code == 200 and "Olive" not in audit.text and "Oldtimer" not in audit.text
    assert ids["old"] not in [r["participant"] for r in
                              client.get(f"{API}/participants/retention", headers=admin).json()["items"]]
