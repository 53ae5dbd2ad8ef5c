"""The messages API: who may do what, failed deliveries listed with masked addresses, resend, letters."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import set_organisation
from pypdf import PdfReader

from ledger.api.app import create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.messages.worker import Worker
from ledger.security.tokens import create_token
from messages.conftest import FAST, SmtpServer
from messages.support import paid_batch, person

API = "/api/v1"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient[Litestar], LedgerDatabase, dict[str, dict[str, str]]]]:
    app = create_app(f"sqlite:///{tmp_path / 'ledger.db'}")
    with TestClient(app) as client:
        database: LedgerDatabase = app.state[STATE_KEY]
        set_organisation(database.session_factory)
        headers = {}
        with transaction(database.session_factory) as session:
            for role in (Role.FINANCE, Role.AUDITOR, Role.LEAD, Role.ADMIN):
                headers[role.value] = {"Authorization": f"Bearer {create_token(session, role.value, role)[1]}"}
        yield client, database, headers


def test_finance_sees_failed_deliveries_and_resends_them(
        api: tuple[TestClient[Litestar], LedgerDatabase, dict[str, dict[str, str]]], smtp: SmtpServer) -> None:
    client, database, h = api
    with transaction(database.session_factory) as session:
        ann = person(session, "Ann Example", email="ann@example.net")
        pat = person(session, "Pat Post", contact="post", address="1 High St, Town, AB1 2CD")
        batch = paid_batch(session, [(ann, 5500, 0), (pat, 1000, 0)])
        ann_id, batch_id, ann_ref, pat_ref = ann.id, batch.id, ann.reference, pat.reference
    smtp.recorder.answer = "554 5.7.1 Rejected"
    Worker(database.session_factory, smtp.settings, FAST).run_until_empty()

    failed = client.get(f"{API}/messages?status=failed", headers=h["finance"])
    assert failed.status_code == 200, failed.text
    (item,) = failed.json()["items"]
    assert item["to"] == "a***@***" and "ann@example.net" not in failed.text
    assert item["last_answer"].endswith("554 5.7.1 Rejected") and item["participant_reference"] == ann_ref
    assert client.get(f"{API}/messages", headers=h["auditor"]).status_code == 200
    assert client.get(f"{API}/messages", headers=h["lead"]).status_code == 403
    assert client.get(f"{API}/messages").status_code == 401
    bad = client.get(f"{API}/messages?status=lost", headers=h["finance"])
    assert bad.status_code == 422 and "is not a message status" in bad.text

    assert client.post(f"{API}/messages/{item['id']}/resend", headers=h["auditor"]).status_code == 403
    smtp.recorder.answer = None
    again = client.post(f"{API}/messages/{item['id']}/resend", headers=h["finance"])
    assert again.status_code == 200 and again.json()["status"] == "queued"
    assert client.post(f"{API}/messages/{item['id']}/resend", headers=h["finance"]).status_code == 409
    assert client.post(f"{API}/messages/999999/resend", headers=h["finance"]).status_code == 404
    Worker(database.session_factory, smtp.settings, FAST).run_until_empty()
    assert client.get(f"{API}/messages/{item['id']}", headers=h["finance"]).json()["status"] == "sent"

    letters = client.get(f"{API}/messages/letters?batch={batch_id}", headers=h["finance"])
    assert letters.status_code == 200 and letters.headers["content-type"] == "application/pdf"
    assert "Pat Post" in PdfReader(BytesIO(letters.content)).pages[0].extract_text()
    assert client.get(f"{API}/messages/letters?batch={batch_id}", headers=h["auditor"]).status_code == 403
    both = client.get(f"{API}/messages/letters?batch={batch_id}&from=2025-04-06", headers=h["finance"])
    assert both.status_code == 422

    asked = client.post(f"{API}/messages/statements", headers=h["finance"],
                        json={"participant": ann_id, "from": "2025-04-06", "to": "2026-04-05"})
    assert asked.status_code == 201 and asked.json()["kind"] == "statement", asked.text
    refused = client.post(f"{API}/messages/statements", headers=h["finance"],
                          json={"participant": ann_id + 1, "from": "2025-04-06", "to": "2026-04-05"})
    assert refused.status_code == 409 and "letters by post" in refused.json()["detail"]
    swapped = client.post(f"{API}/messages/statements", headers=h["finance"],
                          json={"participant": ann_id, "from": "2026-04-05", "to": "2025-04-06"})
    assert swapped.status_code == 422
    run = client.post(f"{API}/messages/year-end", headers=h["finance"], json={"from": "2025-04-06", "to": "2026-04-05"})
    assert run.status_code == 201 and run.json()["by_post"] == [pat_ref]
    assert run.json()["queued"] == 0 and run.json()["already"] == [ann_ref]  # asked for above: not sent twice


def test_participants_api_keeps_the_contact_choice(
        api: tuple[TestClient[Litestar], LedgerDatabase, dict[str, dict[str, str]]]) -> None:
    client, _, h = api
    made = client.post(f"{API}/participants", headers=h["admin"], json={
        "name": "Pat Post", "payment_preference": "voucher", "contact_preference": "post",
        "postal_address": "1 High St, Town, AB1 2CD"})
    assert made.status_code == 201, made.text
    assert made.json()["contact_preference"] == "post" and made.json()["postal_address"] == "1 High St, Town, AB1 2CD"
    no_address = client.post(f"{API}/participants", headers=h["admin"], json={
        "name": "No Address", "payment_preference": "voucher", "contact_preference": "post"})
    assert no_address.status_code == 422 and "postal address" in no_address.text
    wrong = client.post(f"{API}/participants", headers=h["admin"], json={
        "name": "Pigeon", "payment_preference": "voucher", "contact_preference": "pigeon"})
    assert wrong.status_code in (400, 422)
    changed = client.patch(f"{API}/participants/{made.json()['id']}", headers=h["admin"],
                           json={"contact_preference": "none"})
    assert changed.status_code == 200 and changed.json()["contact_preference"] == "none"
