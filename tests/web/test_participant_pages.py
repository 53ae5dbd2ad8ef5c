"""A participant's own pages (/me): their statement for a tax year in their style, the PDF, their choices.
They see only their own; staff (administrators too) cannot open them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import make_participant, make_user, submit

from ledger import clock
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, Participant, Role
from ledger.involvement.activities import record_activity
from ledger.involvement.approval import approve_record
from ledger.involvement.schemas import ActivityCreate, AttendeeIn
from ledger.organisation import save_organisation
from ledger.users.accounts import user_actor

ORGANISATION = {
    "name": "Northshire Health and Care Trust", "contact_name": "Priya Shah", "contact_phone": "0161 496 0000",
    "contact_email": "involvement@example.org", "postal_address": "1 High Street\nNorthtown\nNT1 1AA",
    "payer_name": "NORTHSHIRE HCT", "reference_prefix": "NHC",
}


@pytest.fixture
def people(web_db: sessionmaker[Session]) -> dict[str, Any]:
    """Two people in project ME; one meeting for both on 7 January 2026, approved."""
    with clock.as_of(date(2026, 1, 10)), transaction(web_db) as session:
        save_organisation(session, ORGANISATION)
        recorder = user_actor(make_user(session, Role.LEAD, projects=("ME",), name="Rory Recorder"))
        approver = user_actor(make_user(session, Role.LEAD, projects=("ME",), name="Ada Approver"))
        ann = make_participant(session, "Ann Own", ("ME",))
        ben = make_participant(session, "Ben Other", ("ME",))
        made = record_activity(session, recorder, ActivityCreate(
            project=recorder.project_ids[0] if recorder.project_ids else 0, date=date(2026, 1, 7),
            activity="meeting", attendees=[AttendeeIn(participant=ann.id, involvement_minutes=120),
                                           AttendeeIn(participant=ben.id, involvement_minutes=60)]))
        for record in made.records:
            approve_record(session, approver, record.id)
        return {"ann": ann.id, "ben": ben.id}


def test_my_money_shows_my_statement_only(client_for: Callable[..., TestClient[Litestar]],
                                          people: dict[str, Any]) -> None:
    ann = client_for(Role.PARTICIPANT, participant=people["ann"])
    with clock.as_of(date(2026, 2, 1)):
        page = ann.get("/me?year=2025")
    assert page.status_code == 200, page.text
    assert "Hello Ann" in page.text and "Ben Other" not in page.text
    assert "2 hours" in page.text and "Still to be paid" in page.text
    assert "0161 496 0000" in page.text and "Priya Shah" in page.text
    main = page.text.split('id="main-content"', 1)[1].split("</main>", 1)[0].lower()
    assert not [word for word in ("debit", "credit", "posting", "journal", "payable", "ledger") if word in main]


def test_statement_pdf_download(client_for: Callable[..., TestClient[Litestar]], people: dict[str, Any]) -> None:
    ann = client_for(Role.PARTICIPANT, participant=people["ann"])
    pdf = ann.get("/me/statement.pdf?year=2025")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "statement-2025-2026.pdf" in pdf.headers["content-disposition"]


def test_choices_change_the_page_and_are_audited(client_for: Callable[..., TestClient[Litestar]],
                                                 people: dict[str, Any], web_db: sessionmaker[Session]) -> None:
    ann = client_for(Role.PARTICIPANT, participant=people["ann"])
    saved = submit(ann, "/me/preferences", "/me/preferences",
                   {"statement_style": "easy_read", "contact_preference": "none"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/me"
    page = ann.get("/me?year=2025")
    assert "govuk-body-l" in page.text, page.text
    assert "You chose not to be paid for this time." in page.text  # Easy Read words, as in the PDF
    with web_db() as s:
        person = s.get(Participant, people["ann"])
        assert person is not None and person.statement_style == "easy_read" and person.contact_preference == "none"
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "participant.preferences"))
        assert event is not None and event.actor == f"participant {people['ann']}"


def test_bad_choices_errors_beside_fields_nothing_saved(client_for: Callable[..., TestClient[Litestar]],
                                                        people: dict[str, Any],
                                                        web_db: sessionmaker[Session]) -> None:
    ann = client_for(Role.PARTICIPANT, participant=people["ann"])
    bad = submit(ann, "/me/preferences", "/me/preferences", {"statement_style": "gold", "contact_preference": "post"})
    assert bad.status_code == 400
    assert 'href="#statement_style"' in bad.text and 'href="#contact_preference"' in bad.text
    assert "postal address" in bad.text
    with web_db() as s:
        person = s.get(Participant, people["ann"])
        assert person is not None and person.statement_style == "standard" and person.contact_preference == "email"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEAD, Role.FINANCE, Role.AUDITOR])
def test_staff_cannot_open_a_participants_own_pages(client_for: Callable[..., TestClient[Litestar]],
                                                     people: dict[str, Any], role: Role) -> None:
    staff = client_for(role)
    assert staff.get("/me").status_code == 403
    assert staff.get("/me/statement.pdf").status_code == 403


def test_no_parameter_reaches_someone_else(client_for: Callable[..., TestClient[Litestar]],
                                           people: dict[str, Any]) -> None:
    ann = client_for(Role.PARTICIPANT, participant=people["ann"])
    for path in (f"/me?participant={people['ben']}", f"/me?participant_id={people['ben']}"):
        answer = ann.get(path)
        assert "Ben Other" not in answer.text


def test_what_changed_because_of_you(client_for: Callable[..., TestClient[Litestar]], people: dict[str, Any],
                                     web_db: sessionmaker[Session]) -> None:
    from ledger.db.models import Activity, Record
    from ledger.recognition.outcomes import add_outcome
    from ledger.recognition.schemas import OutcomeIn

    with transaction(web_db) as s:
        activity = s.scalar(select(Activity).join(Record, Record.activity_id == Activity.id)
                            .where(Record.participant_id == people["ann"]))
        assert activity is not None
        lead = user_actor(make_user(s, Role.LEAD, projects=("ME",)))
        add_outcome(s, lead, OutcomeIn(activity=activity.id, date=date(2026, 2, 1),
                                       text="The appointment letters were rewritten in plain words."))
    page = client_for(Role.PARTICIPANT, participant=people["ann"]).get("/me?year=2025")
    assert "What changed because of you" in page.text and "rewritten in plain words" in page.text


def test_record_of_involvement_download(client_for: Callable[..., TestClient[Litestar]], people: dict[str, Any],
                                        web_db: sessionmaker[Session]) -> None:
    from ledger.db.models_recognition import InvolvementRecord

    ann = client_for(Role.PARTICIPANT, participant=people["ann"])
    pdf = submit(ann, "/me?year=2025", "/me/record-of-involvement", {})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with web_db() as s:
        issued = s.scalars(select(InvolvementRecord)).all()
    assert [r.participant_id for r in issued] == [people["ann"]]


def test_before_setup_the_person_is_told_whom_to_tell(client_for: Callable[..., TestClient[Litestar]],
                                                      web_db: sessionmaker[Session]) -> None:
    with transaction(web_db) as s:
        person = make_participant(s, "Nia New", ("NEW",))
    answer = client_for(Role.PARTICIPANT, participant=person.id).get("/me")
    assert answer.status_code == 409 and "tell your co-production lead" in answer.text


def test_post_without_an_address_says_kindly_what_to_do(client_for: Callable[..., TestClient[Litestar]],
                                                        people: dict[str, Any]) -> None:
    ann = client_for(Role.PARTICIPANT, participant=people["ann"])
    form = ann.get("/me/preferences").text
    assert "We do not have your postal address yet" in form and "0161 496 0000" in form
    bad = submit(ann, "/me/preferences", "/me/preferences", {"statement_style": "large_print",
                                                            "contact_preference": "post"})
    assert bad.status_code == 400 and "We do not have your postal address" in bad.text
    assert re.search(r'value="large_print"\s+checked', bad.text)  # what they chose is kept
    assert "phone Priya Shah" in bad.text


def test_another_persons_id_in_any_field_or_query_is_ignored(client_for: Callable[..., TestClient[Litestar]],
                                                              people: dict[str, Any],
                                                              web_db: sessionmaker[Session]) -> None:
    """The person always comes from the session: Ben's id in a query string or a form field changes nothing
    of Ben's and shows nothing of Ben's, on every /me route."""
    from io import BytesIO

    from pypdf import PdfReader

    from ledger.db.models_recognition import InvolvementRecord

    ann, ben = people["ann"], people["ben"]
    me = client_for(Role.PARTICIPANT, participant=ann)
    extra = {"participant": ben, "participant_id": ben, "id": ben, "person": ben}
    query = "&".join(f"{key}={value}" for key, value in extra.items())
    for path in (f"/me?year=2025&{query}", f"/me/preferences?{query}"):
        answer = me.get(path)
        assert answer.status_code == 200 and "Ben Other" not in answer.text, path
    pdf = me.get(f"/me/statement.pdf?year=2025&{query}")
    text = " ".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf.content)).pages)
    assert "Ann Own" in text and "Ben Other" not in text
    saved = submit(me, "/me/preferences", f"/me/preferences?{query}",
                   {"statement_style": "easy_read", "contact_preference": "none", **extra}, follow_redirects=False)
    assert saved.status_code == 303
    record = submit(me, "/me?year=2025", f"/me/record-of-involvement?{query}", dict(extra))
    assert record.status_code == 200
    with web_db() as s:
        mine, bens = s.get(Participant, ann), s.get(Participant, ben)
        assert mine is not None and mine.statement_style == "easy_read"
        assert bens is not None and (bens.statement_style, bens.contact_preference) == ("standard", "email")
        assert {r.participant_id for r in s.scalars(select(InvolvementRecord))} == {ann}


def test_the_page_matrix_shuts_administrators_out_of_every_me_route() -> None:
    from test_page_matrix import ADMIN_EXCLUDED, PAGE_ROLES

    me_routes = {key for key in PAGE_ROLES if key[1].startswith("/me")}
    assert me_routes and me_routes <= ADMIN_EXCLUDED
    assert all(PAGE_ROLES[key] == {Role.PARTICIPANT} for key in me_routes)
