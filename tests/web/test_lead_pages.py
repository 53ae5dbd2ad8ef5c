"""The lead's pages without a browser: recording with a live quote, approvals, lists, participants, scope.

Each test signs in with the real session service (``client_for``) and drives the pages as a browser would
(GET the form for its CSRF token, POST, follow the redirect). Bad input must come back as a GOV.UK error
summary linked to the field, with what was typed kept and nothing saved; a lead limited to one project
must never see another project's people or records on any page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import csrf_token, make_participant, submit

from ledger.db.engine import transaction
from ledger.db.models import Activity, Participant, PayeeChange, Project, Record, Role

Client = TestClient[Litestar]
DAY = {"date-day": "7", "date-month": "1", "date-year": "2026"}


@pytest.fixture
def people(web_db: sessionmaker[Session]) -> dict[str, Any]:
    """Three people in ALPHA and one in BRAVO (references and ids)."""
    with transaction(web_db) as session:
        alpha = [make_participant(session, name, ("ALPHA",)) for name in ("Ann Alpha", "Bob Alpha", "Cat Alpha")]
        bravo = make_participant(session, "Dee Bravo", ("BRAVO",))
        found = {"alpha": [(p.id, p.reference) for p in alpha], "bravo": (bravo.id, bravo.reference)}
        found["projects"] = {code: _project_id(session, code) for code in ("ALPHA", "BRAVO")}
    return found


def _project_id(session: Session, code: str) -> int:
    return int(session.scalar(select(Project.id).where(Project.code == code)) or 0)


def activity_form(project: int, attendees: list[dict[str, str]], **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {"project": str(project), **DAY, "activity": "meeting", "mode": "in_person",
                            "description": "Steering group", "rows": str(len(attendees)), **extra}
    for i, row in enumerate(attendees):
        data[f"attendees[{i}].expense_rows"] = "1"
        for name, value in row.items():
            data[f"attendees[{i}].{name}"] = value
    return data


def record_meeting(client: Client, project: int, person_ids: list[int], **extra: str) -> Any:
    rows = [{"participant": str(p), "involvement_minutes": "90", "role": "member"} for p in person_ids]
    return submit(client, "/activities/new", "/activities/new", activity_form(project, rows, **extra))


def count(web_db: sessionmaker[Session], model: Any) -> int:
    with web_db() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def summary_links(html: str) -> list[str]:
    box = html.split('class="govuk-error-summary"', 1)
    assert len(box) == 2, "no error summary on the page"
    return re.findall(r'href="#([^"]+)"', box[1].split("</ul>", 1)[0])


# ------------------------------------------------------------------------------------------ recording


def test_record_a_meeting_for_three_with_live_quote(client_for: Callable[..., Client], people: dict[str, Any],
                                                    web_db: sessionmaker[Session]) -> None:
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    alpha = people["projects"]["ALPHA"]
    ids = [pid for pid, _ in people["alpha"]]
    form = lead.get("/activities/new")
    assert form.status_code == 200 and "Record an activity" in form.text
    assert "Ann Alpha" in form.text and "Dee Bravo" not in form.text  # only the lead's own people
    # Without JavaScript: "Add another person" re-renders with one more row, nothing saved.
    more = lead.post("/activities/new", data={**activity_form(alpha, [{"participant": str(ids[0])}]),
                                              "_action": "add-attendee", "_csrf_token": csrf_token(form.text)})
    assert more.status_code == 200 and 'name="attendees[1].participant"' in more.text
    assert "govuk-error-summary" not in more.text  # adding a row is not a mistake
    # "Check amounts" shows each person's lines with their reasons, before anything is saved.
    rows = [{"participant": str(p), "involvement_minutes": "90"} for p in ids]
    checked = lead.post("/activities/new", data={**activity_form(alpha, rows), "_action": "check",
                                                 "_csrf_token": csrf_token(form.text)})
    assert checked.status_code == 200 and checked.text.count("would be paid") == 3
    assert "£41.25" in checked.text and "1 h 30 min at £27.50 an hour" in checked.text
    # With JavaScript: the HTMX fragment swaps each person's quote in place (out of band).
    live = lead.post("/activities/new/quote", data=activity_form(alpha, rows),
                     headers={"x-csrftoken": csrf_token(form.text), "HX-Request": "true"})
    assert live.status_code == 200 and live.text.count('hx-swap-oob="true"') == 3
    assert "<html" not in live.text and "Amounts updated" in live.text
    assert count(web_db, Activity) == 0
    saved = record_meeting(lead, alpha, ids)
    assert saved.status_code == 200 and "Activity recorded for 3 people" in saved.text
    assert count(web_db, Record) == 3


def test_bad_activity_input_is_summarised_kept_and_nothing_saved(
    client_for: Callable[..., Client], people: dict[str, Any], web_db: sessionmaker[Session]
) -> None:
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    alpha = people["projects"]["ALPHA"]
    (first, _), (second, _), (third, _) = people["alpha"]
    rows = [
        {"participant": str(first), "involvement_minutes": "ninety"},  # not a number
        {"participant": "", "involvement_minutes": "60"},  # nobody chosen
        {"participant": str(third), "involvement_minutes": "60", "expenses[0].category": "taxi",
         "expenses[0].amount": "25.00"},  # over £10 with no receipt: the rate card's rule, from the service
    ]
    shown = lead.get("/activities/new")
    answer = lead.post("/activities/new", data={**activity_form(alpha, rows), "date-month": "13",
                                                "_csrf_token": csrf_token(shown.text)})
    assert answer.status_code == 400
    links = summary_links(answer.text)
    assert {"date-day", "attendees-0-involvement_minutes", "attendees-1-participant"} <= set(links)
    assert 'value="ninety"' in answer.text and "<title>Error: " in answer.text
    # The date fixed: now the service's own rule about receipts is named beside the right field.
    again = lead.post("/activities/new", data={**activity_form(alpha, [rows[0], {"participant": str(second),
                                                                                  "involvement_minutes": "60"},
                                                                       rows[2]]),
                                               "_csrf_token": csrf_token(shown.text)})
    assert again.status_code == 400
    fixed_minutes = {**rows[0], "involvement_minutes": "90"}
    last = lead.post("/activities/new", data={**activity_form(alpha, [fixed_minutes, rows[2]]),
                                              "_csrf_token": csrf_token(shown.text)})
    assert last.status_code == 400 and "attendees-1-expenses-0-receipt" in summary_links(last.text)
    assert count(web_db, Activity) == 0 and count(web_db, Record) == 0  # all or none


# ------------------------------------------------------------------------------------------ approvals


def test_colleague_approves_and_nobody_approves_their_own(client_for: Callable[..., Client],
                                                          people: dict[str, Any],
                                                          web_db: sessionmaker[Session]) -> None:
    recorder = client_for(Role.LEAD, projects=("ALPHA",), name="Rita Recorder")
    approver = client_for(Role.LEAD, projects=("ALPHA",), name="Amir Approver")
    alpha = people["projects"]["ALPHA"]
    record_meeting(recorder, alpha, [pid for pid, _ in people["alpha"]])
    with web_db() as session:
        first, second, third = session.scalars(select(Record.id).order_by(Record.id)).all()
    assert "Nothing is waiting for you" in recorder.get("/approvals").text  # own records are not in the queue
    queue = approver.get("/approvals")
    assert queue.status_code == 200 and queue.text.count("Approve record") == 3
    assert "Rita Recorder" in queue.text and "£41.25" in queue.text
    assert "&lt;a " not in queue.text and 'href="/participants/P-9' in queue.text  # links drawn, not escaped

    own = submit(recorder, f"/records/{first}", f"/approvals/{first}/approve", {})
    assert own.status_code == 403 and "You recorded this claim" in own.text and "govuk-error-summary" in own.text
    done = submit(approver, "/approvals", f"/approvals/{first}/approve", {})
    assert done.status_code == 200 and f"Record {first} approved" in done.text

    blank = submit(approver, f"/approvals/{second}/reject", f"/approvals/{second}/reject", {"reason": "  "})
    assert blank.status_code == 400 and summary_links(blank.text) == ["reason"]
    submit(approver, f"/approvals/{second}/reject", f"/approvals/{second}/reject", {"reason": "Wrong meeting"})
    home = recorder.get("/lead")
    assert "Wrong meeting" in home.text and f"/records/{second}" in home.text

    no_reason = submit(approver, f"/records/{first}/reverse", f"/records/{first}/reverse", {"reason": ""})
    assert no_reason.status_code == 400 and "reason" in summary_links(no_reason.text)
    reversed_ = submit(approver, f"/records/{first}/reverse", f"/records/{first}/reverse",
                       {"reason": "Paid twice"})
    assert reversed_.status_code == 200 and "reversed" in reversed_.text
    with web_db() as session:
        statuses = dict(session.execute(select(Record.id, Record.status)).tuples().all())
    assert statuses == {first: "reversed", second: "rejected", third: "submitted"}

    # The recorder corrects the rejected record: the form starts from it; the approver sees what changed.
    form = recorder.get(f"/records/{second}/correct")
    assert form.status_code == 200 and "Wrong meeting" in form.text
    assert 'name="attendees[0].involvement_minutes"' in form.text and 'value="90"' in form.text
    same = submit(recorder, f"/records/{second}/correct", f"/records/{second}/correct",
                  {"rows": "1", "attendees[0].role": "member", "attendees[0].involvement_minutes": "90"})
    assert same.status_code == 400 and "changes nothing in record" in same.text.lower()  # the service says why
    wrong = submit(recorder, f"/records/{second}/correct", f"/records/{second}/correct",
                   {"rows": "1", "attendees[0].role": "member", "attendees[0].involvement_minutes": "an hour"})
    assert wrong.status_code == 400 and summary_links(wrong.text) == ["attendees-0-involvement_minutes"]
    assert 'value="an hour"' in wrong.text
    fixed = submit(recorder, f"/records/{second}/correct", f"/records/{second}/correct",
                   {"rows": "1", "attendees[0].role": "member", "attendees[0].involvement_minutes": "60"})
    assert fixed.status_code == 200 and "Correction sent as record" in fixed.text
    queue = approver.get("/approvals").text
    assert f"This corrects record {second}" in queue and "1 h 30 min" in queue and "-13.75" in queue


def test_lists_filter_and_refuse_bad_filters(client_for: Callable[..., Client], people: dict[str, Any]) -> None:
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    record_meeting(lead, people["projects"]["ALPHA"], [pid for pid, _ in people["alpha"]])
    listed = lead.get("/records?status=submitted")
    assert listed.status_code == 200 and "3 records" in listed.text and "Ann Alpha" in listed.text
    assert "0 records" in lead.get("/records?status=approved").text
    assert "3 records" in lead.get("/records?date_from=7/1/2026&date_to=2026-01-07").text  # both ways of writing
    ann_ref = people["alpha"][0][1]
    ann = lead.get(f"/records?person={ann_ref.lower()}")
    assert "1 record," in ann.text and "Bob Alpha" not in ann.text
    bad = lead.get("/records?status=paid&date_from=2026-02-01&date_to=2026-01-01&person=P-0000")
    assert bad.status_code == 400 and set(summary_links(bad.text)) == {"status", "date_to", "person"}
    assert 'value="2026-02-01"' in bad.text  # typed values kept
    activities = lead.get("/activities")
    assert activities.status_code == 200 and "1 activity" in activities.text and "3 waiting" in activities.text


# ------------------------------------------------------------------------------------------ participants


@pytest.mark.parametrize(("path", "noun", "filtered"), [
    ("/records", "records", "/records?status=submitted"),
    ("/approvals", "records", "/approvals?project=999999"),
    ("/activities", "activities", "/activities?date_from=2026-01-01"),
])
def test_filter_panel_is_folded_until_a_filter_is_set(client_for: Callable[..., Client], path: str, noun: str,
                                                      filtered: str) -> None:
    lead = client_for(Role.LEAD)
    plain = lead.get(path).text
    assert f"Filter the {noun}</span>" in plain and '<details class="govuk-details">' in plain
    assert '<details class="govuk-details" open>' in lead.get(filtered).text  # set (or wrong): shown open


def test_add_participant_bank_masked_and_changes_wait_for_finance(
    client_for: Callable[..., Client], people: dict[str, Any], web_db: sessionmaker[Session]
) -> None:
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    alpha = str(people["projects"]["ALPHA"])
    good = {"project": alpha, "name": "Eve Example", "payment_preference": "bank_transfer",
            "statement_style": "easy_read", "contact_preference": "email",
            "bank.account_name": "E EXAMPLE", "bank.sort_code": "12-34-5",
            "bank.account_number": "12345678", "watch_named": "carers_allowance", "watch_own.period": "week"}
    before = count(web_db, Participant)
    bad = submit(lead, "/participants/new", "/participants/new", good)
    assert bad.status_code == 400 and summary_links(bad.text) == ["bank-sort_code"]
    assert 'value="Eve Example"' in bad.text and count(web_db, Participant) == before
    added = submit(lead, "/participants/new", "/participants/new", {**good, "bank.sort_code": "12-34-56"})
    assert added.status_code == 200 and "Eve Example added" in added.text
    assert "****5678" in added.text and "12345678" not in added.text  # shown masked, never in full
    assert "waiting for finance to confirm" in added.text
    with web_db() as session:
        eve = session.scalars(select(Participant).where(Participant.name == "Eve Example")).one()
        assert eve.bank_account_number is None and eve.statement_style == "easy_read"  # not until confirmed
        assert [w.limit_key for w in eve.watch_limits] == ["carers_allowance"]
        reference = eve.reference
    form = lead.get(f"/participants/{reference}/payment")
    assert form.status_code == 200 and "12345678" not in form.text  # the form never fills bank numbers back in
    changed = submit(lead, f"/participants/{reference}/payment", f"/participants/{reference}/payment",
                     {"payment_preference": "voucher"})
    assert changed.status_code == 200 and "finance confirms" in changed.text
    with web_db() as session:
        assert session.scalar(select(func.count()).select_from(PayeeChange)
                              .where(PayeeChange.status == "pending")) == 1
    code = submit(lead, f"/participants/{reference}", f"/participants/{reference}/sign-in-code", {})
    assert code.status_code == 200 and re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code.text)
    assert code.headers.get("cache-control") == "no-store" and "&lt;span" not in code.text
    no_email = submit(lead, f"/participants/{reference}", f"/participants/{reference}/email-code", {})
    assert no_email.status_code == 409 and "has no e-mail address" in no_email.text  # said, not a crash
    assert "govuk-error-summary" in no_email.text
    edited = submit(lead, f"/participants/{reference}/edit", f"/participants/{reference}/edit",
                    {"name": "", "statement_style": "standard", "contact_preference": "email"})
    assert edited.status_code == 400 and summary_links(edited.text) == ["name"]
    by_post = {"name": "Eve Example", "statement_style": "standard", "contact_preference": "post",
               "postal_address": ""}
    no_address = submit(lead, f"/participants/{reference}/edit", f"/participants/{reference}/edit", by_post)
    assert no_address.status_code == 400 and summary_links(no_address.text) == ["postal_address"]
    posted = submit(lead, f"/participants/{reference}/edit", f"/participants/{reference}/edit",
                    {**by_post, "postal_address": "1 High Street, Northtown, NT1 1AA"})
    assert posted.status_code == 200 and "By post (a printed letter): 1 High Street" in posted.text
    submit(lead, f"/participants/{reference}/edit", f"/participants/{reference}/edit",
           {**by_post, "contact_preference": "email", "email": "eve@example.org"})
    mailed = submit(lead, f"/participants/{reference}", f"/participants/{reference}/email-code", {})
    assert mailed.status_code == 200 and "on its way to Eve Example by e-mail" in mailed.text
    from ledger.db.models_messages import OutboxMessage

    with web_db() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    search = lead.get("/participants?search=eve")
    assert "Eve Example" in search.text and "Ann Alpha" not in search.text


# ------------------------------------------------------------------------------------------ scope


def test_a_lead_of_one_project_never_sees_another(client_for: Callable[..., Client], people: dict[str, Any],
                                                   web_db: sessionmaker[Session]) -> None:
    alpha_lead = client_for(Role.LEAD, projects=("ALPHA",))
    bravo_lead = client_for(Role.LEAD, projects=("BRAVO",), name="Bram Bravolead")
    bravo_colleague = client_for(Role.LEAD, projects=("BRAVO",))
    bravo_id, bravo_ref = people["bravo"]
    record_meeting(bravo_lead, people["projects"]["BRAVO"], [bravo_id])
    with web_db() as session:
        record_id, activity_id = session.execute(select(Record.id, Record.activity_id)).one()
    assert submit(bravo_colleague, "/approvals", f"/approvals/{record_id}/approve", {}).status_code == 200

    for path in ("/lead", "/participants", "/records", "/activities", "/approvals", "/activities/new",
                 f"/records?participant={bravo_id}"):
        page = alpha_lead.get(path)
        assert page.status_code in (200, 400), path
        assert "Dee Bravo" not in page.text and bravo_ref not in page.text, path
        assert "Bram Bravolead" not in page.text, path  # nor the other project's staff, in the filters
    by_reference = alpha_lead.get(f"/records?person={bravo_ref}")  # "nobody", as if they did not exist
    assert by_reference.status_code == 400 and "Dee Bravo" not in by_reference.text
    assert "nobody with the reference" in by_reference.text
    for path in (f"/participants/{bravo_ref}", f"/participants/{bravo_ref}/edit",
                 f"/participants/{bravo_ref}/payment", f"/records/{record_id}", f"/activities/{activity_id}",
                 f"/records/{record_id}/reverse", f"/approvals/{record_id}/reject"):
        page = alpha_lead.get(path)
        assert page.status_code in (403, 404) and "Dee Bravo" not in page.text, path
    assert submit(alpha_lead, "/lead", f"/records/{record_id}/reverse", {"reason": "x"}).status_code in (403, 404)
    assert submit(alpha_lead, "/lead", f"/participants/{bravo_ref}/sign-in-code", {}).status_code == 404
    # Recording or quoting another project's person is refused without saying who they are.
    tried = record_meeting(alpha_lead, people["projects"]["ALPHA"], [bravo_id])
    assert tried.status_code == 400 and "Dee Bravo" not in tried.text
    assert count(web_db, Record) == 1


@pytest.mark.parametrize("role", [Role.FINANCE, Role.AUDITOR, Role.PARTICIPANT])
def test_other_roles_are_kept_out(client_for: Callable[..., Client], role: Role) -> None:
    client = client_for(role)
    for path in ("/lead", "/participants", "/activities/new", "/approvals", "/records"):
        assert client.get(path, follow_redirects=False).status_code == 403, (role, path)


def test_anonymous_is_sent_to_sign_in(anonymous_client: Client) -> None:
    answer = anonymous_client.get("/approvals", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")



def test_queue_shows_watch_warnings_before_approving(client_for: Callable[..., Client], people: dict[str, Any],
                                                      web_db: sessionmaker[Session]) -> None:
    from ledger.db.models import WatchLimit

    recorder = client_for(Role.LEAD, projects=("ALPHA",))
    approver = client_for(Role.LEAD, projects=("ALPHA",))
    person_id = people["alpha"][0][0]
    with transaction(web_db) as session:
        person = session.get(Participant, person_id)
        assert person is not None
        person.payment_preference = "voucher"
        session.add(WatchLimit(participant_id=person_id, period="week", amount_minor=3000, currency="GBP",
                               label="Their own weekly limit"))
    record_meeting(recorder, people["projects"]["ALPHA"], [person_id])
    queue = approver.get("/approvals").text
    assert "govuk-warning-text" in queue and "Their own weekly limit" in queue
