"""The finance pages (issue 10 part 1): payable now, build, approve (four eyes), download, paid, return,
payment advice, batch history and changes of payee details; roles and bad input.

The figures and files are checked against the services the API calls, never against copies of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import GOOD_ACCOUNT, approve, participant, project, set_organisation
from private_pg import private_postgres_factory, server_url_or_skip
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import csrf_token, submit

from ledger import clock
from ledger.db.engine import transaction
from ledger.db.models import Batch, BatchLine, Participant, PayeeChange, Role
from ledger.exports.finance import EXPORTERS
from ledger.involvement.payee_changes import PayeeDetails, propose
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.reports.batch_export import batch_export_data
from ledger.reports.batch_history import BatchFilters, batch_history
from ledger.reports.payable_now import payable_now
from ledger.security.actor import Actor

Client = TestClient[Litestar]
BUILDER, CHECKER = "Fay Finance", "Sam Second"


@pytest.fixture
def money_owed(web_db: sessionmaker[Session]) -> dict[str, Any]:
    """Two projects with approved, unbatched records; one person has no bank details (left out of a batch)."""
    set_organisation(web_db)
    today = clock.today()
    with transaction(web_db) as s:
        alpha, beta = project(s, "ALPHA"), project(s, "BETA")
        ann, bob = participant(s, "Ann Ample"), participant(s, "Bob Bright")
        nobank = participant(s, "Cat Nobank", sort_code=None, account=None, account_name=None)
        first = approve(s, ann, alpha, today - timedelta(days=40), 5000, 450)
        approve(s, bob, alpha, today - timedelta(days=10), 2750)
        approve(s, nobank, alpha, today - timedelta(days=5), 1000)
        approve(s, bob, beta, today - timedelta(days=3), 1250)
        return {"alpha": alpha.id, "alpha_code": alpha.code, "beta": beta.id, "ann": ann.id, "bob": bob.id,
                "first_record": first.record.id}


def _post(client: Client, form_page: str, action: str, data: dict[str, str]) -> Any:
    return submit(client, form_page, action, data, follow_redirects=False)


def error_beside(html: str, field: str) -> str:
    """The error message shown beside ``field`` (and linked from the summary)."""
    assert f'href="#{field}' in html, f"the error summary does not link to #{field}"
    found = re.search(rf'id="{field}-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*([^<]+)', html)
    assert found, f"no error message beside {field}"
    return found.group(1).strip().lower()


def _batches(web_db: sessionmaker[Session]) -> list[Batch]:
    with web_db() as s:
        return list(s.scalars(select(Batch).order_by(Batch.id)))


def _built(client: Client, project_id: int | str = "") -> int:
    answer = _post(client, "/finance", "/finance/batches", {"method": "bank_transfer", "project": str(project_id)})
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_payable_now_by_method_and_project_with_the_oldest_age(client_for: Callable[..., Client],
                                                               money_owed: dict[str, Any]) -> None:
    html = client_for(Role.AUDITOR).get("/finance").text
    assert "Project ALPHA" in html and "Project BETA" in html
    assert "£92.00" in html  # ALPHA by bank transfer: 50.00 + 4.50 + 27.50 + 10.00, three people
    assert "£12.50" in html  # BETA
    assert "(40 days ago)" in html and "(3 days ago)" in html
    assert "Build the batch" not in html  # auditors read only, like the API
    assert "Build the batch" in client_for(Role.FINANCE).get("/finance").text


def test_the_whole_batch_journey_with_four_eyes(client_for: Callable[..., Client], web_db: sessionmaker[Session],
                                               money_owed: dict[str, Any]) -> None:
    builder, checker = client_for(Role.FINANCE, name=BUILDER), client_for(Role.FINANCE, name=CHECKER)
    batch_id = _built(builder, money_owed["alpha"])
    shown = builder.get(f"/finance/batches/{batch_id}")
    html = shown.text
    assert "Left out 1: P-" in html and "bank details cannot be used" in html  # the one-time notice
    assert "Ann Ample" in html and "Bob Bright" in html and "£54.50" in html and "£27.50" in html
    assert "****4958" in html and GOOD_ACCOUNT not in html  # masked, never the full number
    assert "Left out when it was built" in html and "the sort code is missing" in html.lower()
    assert "Left out when it was built" in builder.get(f"/finance/batches/{batch_id}").text  # not only once
    assert f"record {money_owed['first_record']}" in html  # the records behind each line
    assert f'href="/records/{money_owed["first_record"]}"' not in html  # finance cannot open a lead's record page
    assert f'href="/records/{money_owed["first_record"]}"' in client_for(Role.ADMIN).get(
        f"/finance/batches/{batch_id}").text

    # The builder cannot approve: a kind refusal beside the button, still a draft.
    refused = _post(builder, f"/finance/batches/{batch_id}", f"/finance/batches/{batch_id}/approve", {})
    assert refused.status_code == 403
    assert "you built this batch, so you cannot approve it yourself" in error_beside(refused.text, "approve")
    assert _batches(web_db)[0].status == "draft"
    done = _post(checker, f"/finance/batches/{batch_id}", f"/finance/batches/{batch_id}/approve", {})
    assert done.status_code == 303 and _batches(web_db)[0].approved_by == CHECKER

    # Every export format is the exporter's own output of the batch.
    for name, exporter in EXPORTERS.items():
        file = _post(builder, f"/finance/batches/{batch_id}", f"/finance/batches/{batch_id}/export", {"format": name})
        assert file.status_code == 200, (name, file.text[:300])
        assert "attachment" in file.headers["content-disposition"]
        with web_db() as s:
            expected = b"".join(exporter.iter_chunks(batch_export_data(s, s.get(Batch, batch_id))))
        if name != "xero-zip":  # a zip holds its files' times
            assert file.content == expected, name
    assert _batches(web_db)[0].status == "exported"

    paid = _post(builder, f"/finance/batches/{batch_id}", f"/finance/batches/{batch_id}/paid",
                 {"paid_on-day": str(clock.today().day), "paid_on-month": str(clock.today().month),
                  "paid_on-year": str(clock.today().year)})
    assert paid.status_code == 303 and _batches(web_db)[0].status == "paid"

    with web_db() as s:
        line = s.scalar(select(BatchLine).where(BatchLine.batch_id == batch_id, BatchLine.participant_id ==
                                                money_owed["ann"]))
        assert line is not None
        line_id = line.id
    form_page = f"/finance/batches/{batch_id}/lines/{line_id}/return"
    empty = _post(builder, form_page, form_page, {"reason": "  "})
    assert empty.status_code == 400 and "say why the payment came back" in error_beside(empty.text, "reason")
    back = _post(builder, form_page, form_page, {"reason": "account closed"})
    assert back.status_code == 303
    with web_db() as s:
        returned = s.get(BatchLine, line_id)
        assert returned is not None and returned.status == "returned" and returned.returned_reason == "account closed"
    again = _post(builder, form_page, form_page, {"reason": "twice"})
    assert again.status_code == 409 and "only a paid line can be returned" in again.text

    # Payment advice: one person's PDF, everyone's zip; auditors may read them.
    auditor = client_for(Role.AUDITOR)
    one = auditor.get(f"/finance/batches/{batch_id}/remittances/{money_owed['bob']}")
    assert one.status_code == 200 and one.content.startswith(b"%PDF")
    everyone = auditor.get(f"/finance/batches/{batch_id}/remittances")
    assert everyone.status_code == 200 and everyone.content.startswith(b"PK")
    assert auditor.get(f"/finance/batches/{batch_id}/remittances/{money_owed['ann']}").status_code == 404  # returned


def test_building_with_bad_input_saves_nothing_and_keeps_what_was_typed(
        client_for: Callable[..., Client], web_db: sessionmaker[Session], money_owed: dict[str, Any]) -> None:
    finance = client_for(Role.FINANCE)
    missing = _post(finance, "/finance", "/finance/batches", {"project": str(money_owed["beta"]),
                                                              "up_to-day": "31", "up_to-month": "2",
                                                              "up_to-year": "2026"})
    assert missing.status_code == 400
    assert "choose how the batch pays people" in error_beside(missing.text, "method")
    assert "must be a real date" in error_beside(missing.text, "up_to")
    assert 'name="up_to-day" type="text" value="31"' in missing.text.replace("inputmode=\"numeric\" ", "") or \
        'value="31"' in missing.text
    assert f'<option value="{money_owed["beta"]}" selected' in missing.text
    nothing = _post(finance, "/finance", "/finance/batches", {"method": "voucher"})
    assert nothing.status_code == 400 and "nothing is owed to anyone paid by voucher" in error_beside(nothing.text,
                                                                                                      "method")
    gone = _post(finance, "/finance", "/finance/batches", {"method": "bank_transfer", "project": "999999"})
    assert gone.status_code == 400 and "there is no project" in error_beside(gone.text, "project")
    assert _batches(web_db) == []


def test_marking_paid_with_a_bad_date_changes_nothing(client_for: Callable[..., Client],
                                                      web_db: sessionmaker[Session],
                                                      money_owed: dict[str, Any]) -> None:
    with transaction(web_db) as s:
        batch = build_batch(s, Actor.system("one"), "bank_transfer").batch
        approve_batch(s, Actor.system("two"), batch.id)
        batch_id = batch.id
    finance = client_for(Role.FINANCE)
    where = f"/finance/batches/{batch_id}"
    future = clock.today() + timedelta(days=3)
    for typed, words in (({"paid_on-day": "4", "paid_on-month": "", "paid_on-year": "2026"}, "must include a month"),
                         ({"paid_on-day": str(future.day), "paid_on-month": str(future.month),
                           "paid_on-year": str(future.year)}, "is in the future")):
        answer = _post(finance, where, f"{where}/paid", typed)
        assert answer.status_code == 400
        assert words in error_beside(answer.text, "paid_on")
        assert f'value="{typed["paid_on-day"]}"' in answer.text  # what was typed is kept
    assert _batches(web_db)[0].status == "approved"
    bad_format = _post(finance, where, f"{where}/export", {"format": "pdf"})
    assert bad_format.status_code == 400 and "choose a file format" in error_beside(bad_format.text, "format")


def test_history_filters_and_bad_filters(client_for: Callable[..., Client], web_db: sessionmaker[Session],
                                         money_owed: dict[str, Any]) -> None:
    with transaction(web_db) as s:
        paid = build_batch(s, Actor.system("one"), "bank_transfer", money_owed["beta"]).batch
        approve_batch(s, Actor.system("two"), paid.id)
        mark_paid(s, Actor.system("one"), paid.id, clock.today())
        draft = build_batch(s, Actor.system("one"), "bank_transfer", money_owed["alpha"]).batch
        refs = (paid.reference, draft.reference)
    auditor = client_for(Role.AUDITOR)
    everything = auditor.get("/finance/batches").text
    assert refs[0] in everything and refs[1] in everything
    only_paid = auditor.get("/finance/batches", params={"status": "paid"}).text
    assert refs[0] in only_paid and refs[1] not in only_paid
    by_project = auditor.get("/finance/batches", params={"project": str(money_owed["alpha"])}).text
    assert refs[1] in by_project and refs[0] not in by_project
    today = f"{clock.today():%d/%m/%Y}"
    assert refs[0] in auditor.get("/finance/batches", params={"made_from": today, "made_to": today}).text
    tomorrow = f"{clock.today() + timedelta(days=1):%d/%m/%Y}"
    assert "No batches match" in auditor.get("/finance/batches", params={"made_from": tomorrow}).text
    bad = auditor.get("/finance/batches", params={"made_from": "31/2/2026", "status": "lost"})
    assert bad.status_code == 400
    assert "must be a real date" in error_beside(bad.text, "made_from")
    assert "choose a status" in error_beside(bad.text, "status")
    assert 'value="31/2/2026"' in bad.text


def test_payee_changes_side_by_side_masked_with_four_eyes(client_for: Callable[..., Client],
                                                          web_db: sessionmaker[Session],
                                                          money_owed: dict[str, Any]) -> None:
    proposer = Actor(token_id=None, name=BUILDER, role=Role.FINANCE)
    with transaction(web_db) as s:
        ann = s.get(Participant, money_owed["ann"])
        assert ann is not None
        change = propose(s, proposer, ann, PayeeDetails("bank_transfer", "ANN AMPLE", "200000", "55779911"))
        assert change is not None
        change_id = change.id
    auditor_view = client_for(Role.AUDITOR).get("/finance/payee-changes").text
    assert "Ann Ample" in auditor_view and "****4958" in auditor_view and "****9911" in auditor_view
    assert "55779911" not in auditor_view and GOOD_ACCOUNT not in auditor_view
    assert "Confirm the change" not in auditor_view

    same = client_for(Role.FINANCE, name=BUILDER)
    refused = _post(same, "/finance/payee-changes", f"/finance/payee-changes/{change_id}/confirm", {})
    assert refused.status_code == 403
    assert "you proposed this change" in error_beside(refused.text, f"confirm-{change_id}")
    other = client_for(Role.FINANCE, name=CHECKER)
    no_reason = _post(other, "/finance/payee-changes", f"/finance/payee-changes/{change_id}/refuse",
                      {f"reason-{change_id}": ""})
    assert no_reason.status_code == 400 and "say why" in error_beside(no_reason.text, f"reason-{change_id}")
    with web_db() as s:
        assert s.scalar(select(PayeeChange.status).where(PayeeChange.id == change_id)) == "pending"
    done = _post(other, "/finance/payee-changes", f"/finance/payee-changes/{change_id}/confirm", {})
    assert done.status_code == 303
    with web_db() as s:
        ann = s.get(Participant, money_owed["ann"])
        assert ann is not None and ann.bank_account_number == "55779911"
    assert "Nothing is waiting" in other.get("/finance/payee-changes").text


def test_unknown_batches_and_lines_are_not_found(client_for: Callable[..., Client], money_owed: dict[str, Any]) -> None:
    finance = client_for(Role.FINANCE)
    assert finance.get("/finance/batches/999999").status_code == 404
    token = csrf_token(finance.get("/finance").text)
    assert finance.post("/finance/batches/999999/approve", data={"_csrf_token": token}).status_code == 404
    assert finance.get("/finance/batches/999999/lines/1/return").status_code == 404
    assert finance.get(f"/finance/batches/{2**63}").status_code in (400, 404, 422)
    with_no_count = finance.get("/finance/batches", params={"page": "0"})
    assert with_no_count.status_code == 200


def test_nothing_is_written_when_a_build_fails(client_for: Callable[..., Client], web_db: sessionmaker[Session],
                                               money_owed: dict[str, Any]) -> None:
    answer = _post(client_for(Role.FINANCE), "/finance", "/finance/batches",
                   {"method": "bank_transfer", "up_to-day": "1", "up_to-month": "1", "up_to-year": "2000"})
    assert answer.status_code == 400
    with web_db() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 0


def test_the_page_queries_on_postgresql() -> None:
    """payable_now and batch_history (dates compared with timestamptz) on PostgreSQL as well as SQLite."""
    server_url_or_skip()
    with private_postgres_factory("finance_pages") as factory:
        set_organisation(factory)
        today = clock.today()
        with transaction(factory) as s:
            alpha = project(s, "ALPHA")
            ann = participant(s, "Ann Ample")
            approve(s, ann, alpha, today - timedelta(days=8), 5000, 450)
            groups = payable_now(s)
            assert [(g.method, g.project_id, str(g.amount), g.payees, g.age_days(today)) for g in groups] == [
                ("bank_transfer", alpha.id, "54.50", 1, 8)]
            batch = build_batch(s, Actor.system("one"), "bank_transfer", alpha.id).batch
            assert payable_now(s) == []
            rows, total = batch_history(s, BatchFilters(status="draft", method="bank_transfer", project_id=alpha.id,
                                                        made_from=today, made_to=today), limit=10, offset=0)
            assert total == 1 and rows[0].batch.id == batch.id and rows[0].lines == 1
            assert batch_history(s, BatchFilters(made_from=today + timedelta(days=1)), limit=10, offset=0)[1] == 0


def test_readers_cannot_act_and_leads_cannot_look(client_for: Callable[..., Client], web_db: sessionmaker[Session],
                                                  money_owed: dict[str, Any]) -> None:
    """The API's roles exactly: auditors read batches and advice but change nothing; leads and participants
    see no finance page at all (the page matrix checks every route; this checks a real batch)."""
    with transaction(web_db) as s:
        batch_id = build_batch(s, Actor.system("one"), "bank_transfer").batch.id
    auditor = client_for(Role.AUDITOR)
    shown = auditor.get(f"/finance/batches/{batch_id}")
    assert shown.status_code == 200 and "Approve batch" not in shown.text and "Ann Ample" in shown.text
    token = csrf_token(auditor.get("/sign-in/code").text)  # any form's token: the check is double-submit
    assert auditor.post(f"/finance/batches/{batch_id}/approve", data={"_csrf_token": token},
                        follow_redirects=False).status_code == 403
    assert _batches(web_db)[0].status == "draft"
    for role in (Role.LEAD, Role.PARTICIPANT):
        other = client_for(role, participant=money_owed["ann"]) if role == Role.PARTICIPANT else client_for(role)
        for path in ("/finance", f"/finance/batches/{batch_id}", "/finance/payee-changes",
                     f"/finance/batches/{batch_id}/remittances"):
            assert other.get(path, follow_redirects=False).status_code == 403, (role, path)
