"""Batches, remittances, statements and spend over HTTP, with the roles and errors a client meets."""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import Role

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from payments.factory import approve, participant, project

Auth = Callable[[str], dict[str, str]]
MakeToken = Callable[..., str]
API = "/api/v1"


def _arrange(session_factory: sessionmaker[Session]) -> dict[str, int]:
    with transaction(session_factory) as s:
        proj, other = project(s, "API"), project(s, "OTHER")
        ann = participant(s, "Ann Example")
        bob = participant(s, "Bob Example")
        cat = participant(s, "Cat Elsewhere")
        approve(s, ann, proj, date(2025, 5, 1), 3438, 1250)
        approve(s, bob, proj, date(2025, 5, 2), 2000)
        approve(s, cat, other, date(2025, 5, 2), 1500)
        return {"project": proj.id, "other": other.id, "ann": ann.id, "bob": bob.id, "cat": cat.id}


def test_batch_lifecycle_over_http(client: TestClient[Litestar], make_token: MakeToken, auth: Auth,
                                   session_factory: sessionmaker[Session]) -> None:
    ids = _arrange(session_factory)
    builder, checker = auth(make_token(Role.FINANCE, name="f1")), auth(make_token(Role.FINANCE, name="f2"))
    auditor, lead = auth(make_token(Role.AUDITOR)), auth(make_token(Role.LEAD))

    assert client.post(f"{API}/batches", json={"method": "bank_transfer"}, headers=lead).status_code == 403
    bad = client.post(f"{API}/batches", json={"method": "cheque"}, headers=builder)
    assert bad.status_code == 422 and "not a payment method" in bad.json()["detail"]
    none = client.post(f"{API}/batches", json={"method": "voucher"}, headers=builder)
    assert none.status_code == 422 and "nothing is owed" in none.json()["detail"]

    created = client.post(f"{API}/batches", json={"method": "bank_transfer", "project": "API" + "x"},
                          headers=builder)
    assert created.status_code == 404
    with transaction(session_factory) as s:
        from ledger.db.models import Project

        code = s.get_one(Project, ids["project"]).code
    created = client.post(f"{API}/batches", json={"method": "bank_transfer", "project": code}, headers=builder)
    assert created.status_code == 201, created.text
    batch = created.json()
    assert batch["status"] == "draft" and batch["total"] == "66.88" and batch["line_count"] == 2
    assert batch["skipped"] == [] and batch["reference"].startswith("B-")
    bid = batch["id"]

    assert client.get(f"{API}/batches/{bid}/export?format=csv", headers=builder).status_code == 409
    assert client.post(f"{API}/batches/{bid}/paid", json={"paid_on": "2025-06-01"}, headers=builder).status_code == 409
    assert client.post(f"{API}/batches/{bid}/approve", headers=builder).status_code == 403
    assert client.post(f"{API}/batches/{bid}/approve", headers=auditor).status_code == 403
    approved = client.post(f"{API}/batches/{bid}/approve", headers=checker)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert client.post(f"{API}/batches/{bid}/approve", headers=checker).status_code == 409

    unknown = client.get(f"{API}/batches/{bid}/export?format=pdf", headers=builder)
    assert unknown.status_code == 422 and "unknown export format" in unknown.json()["detail"]
    exported = client.get(f"{API}/batches/{bid}/export?format=csv", headers=builder)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert f"batch-{batch['reference']}" in exported.headers["content-disposition"]
    rows = [r for r in csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))
            if r["Record type"] == "payment"]
    assert sorted(r["Amount"] for r in rows) == ["20.00", "46.88"]

    advice = client.get(f"{API}/batches/{bid}/remittances/{ids['ann']}", headers=auditor)
    assert advice.status_code == 200 and advice.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(advice.content)).pages).split())
    assert "£46.88" in text

    today = date.today().isoformat()
    paid = client.post(f"{API}/batches/{bid}/paid", json={"paid_on": today}, headers=builder)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert {line["status"] for line in paid.json()["lines"]} == {"paid"}
    assert client.get(f"{API}/batches/{bid}/export?format=csv", headers=builder).status_code == 409

    zipped = client.get(f"{API}/batches/{bid}/remittances", headers=builder)
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()) == 2

    ann_line = next(line for line in paid.json()["lines"] if line["participant"] == ids["ann"])
    no_reason = client.post(f"{API}/batches/{bid}/lines/{ann_line['id']}/return", json={}, headers=builder)
    assert no_reason.status_code == 422
    returned = client.post(f"{API}/batches/{bid}/lines/{ann_line['id']}/return",
                           json={"reason": "account closed"}, headers=builder)
    assert returned.status_code == 200
    line = next(line for line in returned.json()["lines"] if line["id"] == ann_line["id"])
    assert line["status"] == "returned" and line["returned_reason"] == "account closed"
    again = client.post(f"{API}/batches/{bid}/lines/{ann_line['id']}/return", json={"reason": "x"}, headers=builder)
    assert again.status_code == 409

    rebatch = client.post(f"{API}/batches", json={"method": "bank_transfer"}, headers=builder)
    assert rebatch.status_code == 201
    assert sorted(line["amount"] for line in rebatch.json()["lines"]) == ["15.00", "46.88"]

    listing = client.get(f"{API}/batches?status=paid", headers=auditor)
    assert listing.status_code == 200 and listing.json()["total"] == 1
    assert client.get(f"{API}/batches?status=lost", headers=auditor).status_code == 422
    assert client.get(f"{API}/batches/999999", headers=auditor).status_code == 404


def test_statement_access_and_formats(client: TestClient[Litestar], make_token: MakeToken, auth: Auth,
                                      session_factory: sessionmaker[Session]) -> None:
    ids = _arrange(session_factory)
    own = auth(make_token(Role.PARTICIPANT, participant_id=ids["ann"]))
    lead_here = auth(make_token(Role.LEAD, project_ids=[ids["project"]]))
    finance = auth(make_token(Role.FINANCE))
    url = f"{API}/participants/{ids['ann']}/statement?from=2025-04-06&to=2026-04-05"

    pdf = client.get(url, headers=own)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    data = client.get(url + "&format=json", headers=finance)
    assert data.status_code == 200
    body = data.json()
    assert body["activities"][0]["fees"] == "34.38" and body["summary"]["fees_owed"] == "34.38"
    assert client.get(url + "&format=json", headers=lead_here).status_code == 200
    easy = client.get(url + "&style=easy_read&format=json", headers=own)
    assert easy.json()["style"] == "easy_read"

    other = f"{API}/participants/{ids['bob']}/statement"
    assert client.get(other, headers=own).status_code == 403
    assert client.get(f"{API}/participants/{ids['cat']}/statement", headers=lead_here).status_code == 403
    assert client.get(url + "&format=docx", headers=finance).status_code == 422
    assert client.get(url + "&style=comic", headers=finance).status_code == 422
    swapped = f"{API}/participants/{ids['ann']}/statement?from=2026-01-01&to=2025-01-01"
    assert client.get(swapped, headers=finance).status_code == 422
    assert client.get(f"{API}/participants/424242/statement", headers=finance).status_code == 404
    assert client.get(url).status_code == 401


def test_spend_reports_over_http(client: TestClient[Litestar], make_token: MakeToken, auth: Auth,
                                 session_factory: sessionmaker[Session]) -> None:
    ids = _arrange(session_factory)
    finance = auth(make_token(Role.FINANCE))
    lead_here = auth(make_token(Role.LEAD, project_ids=[ids["project"]]))
    participant_token = auth(make_token(Role.PARTICIPANT, participant_id=ids["ann"]))
    period = "from=2025-04-06&to=2026-04-05"

    one = client.get(f"{API}/projects/{ids['project']}/spend?{period}", headers=lead_here)
    assert one.status_code == 200
    assert one.json()["projects"][0]["fees"] == "54.38" and one.json()["projects"][0]["committed"] == "66.88"
    assert client.get(f"{API}/projects/{ids['other']}/spend?{period}", headers=lead_here).status_code == 403
    assert client.get(f"{API}/projects/{ids['project']}/spend", headers=participant_token).status_code == 403

    scoped = client.get(f"{API}/reports/spend?{period}", headers=lead_here).json()
    assert [p["fees"] for p in scoped["projects"]] == ["54.38"]
    everything = client.get(f"{API}/reports/spend?{period}", headers=finance).json()
    assert everything["totals"]["fees"] == "69.38" and everything["totals"]["participants"] == 3

    as_csv = client.get(f"{API}/reports/spend?{period}&format=csv", headers=finance)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(as_csv.text)))[-1][6] == "69.38"
    as_pdf = client.get(f"{API}/projects/{ids['project']}/spend?{period}&format=pdf", headers=finance)
    assert as_pdf.status_code == 200 and as_pdf.content.startswith(b"%PDF")
    assert client.get(f"{API}/reports/spend?format=xlsx", headers=finance).status_code == 422
    assert client.get(f"{API}/projects/999999/spend", headers=finance).status_code == 404
