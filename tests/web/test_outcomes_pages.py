"""The lead's /outcomes pages: list, nothing reported back, and the form (errors beside the fields and in
the summary, typed values kept, nothing saved on error; POST-redirect-GET on success); project scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import approve, participant, project, set_organisation
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import submit

from ledger.clock import today
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.db.models_recognition import Outcome


@pytest.fixture
def seeded(web_db: sessionmaker[Session]) -> dict[str, Any]:
    set_organisation(web_db)
    with transaction(web_db) as s:
        mine, theirs = project(s, "MINE"), project(s, "THEIRS")
        ann = participant(s, "Ann Able")
        old = today() - timedelta(weeks=10)
        activity = approve(s, ann, mine, old, 4125, minutes=90).record.activity_id
        other = approve(s, ann, theirs, old, 4125, minutes=90).record.activity_id
        return {"mine": mine.code, "theirs": theirs.code, "mine_id": mine.id, "activity": activity,
                "other": other}


def _count(web_db: sessionmaker[Session]) -> int:
    with web_db() as s:
        return int(s.scalar(select(func.count()).select_from(Outcome)) or 0)


def test_overdue_then_report_back(client_for: Callable[..., TestClient[Litestar]], seeded: dict[str, Any],
                                  web_db: sessionmaker[Session]) -> None:
    lead = client_for(Role.LEAD, projects=(seeded["mine"],))
    overdue = lead.get("/outcomes/overdue")
    assert overdue.status_code == 200
    assert f"/outcomes/new?activity={seeded['activity']}" in overdue.text
    assert f"/outcomes/new?activity={seeded['other']}" not in overdue.text, "another project's activity"
    form = f"/outcomes/new?activity={seeded['activity']}"
    done = submit(lead, form, "/outcomes/new", {
        "activity": str(seeded["activity"]), "text": "The clinic now opens on Saturdays.",
        "date-day": str(today().day), "date-month": str(today().month), "date-year": str(today().year)},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/outcomes"
    listed = lead.get("/outcomes")
    assert "The clinic now opens on Saturdays." in listed.text and "Thank you" in listed.text
    assert f"activity={seeded['activity']}" not in lead.get("/outcomes/overdue").text
    assert _count(web_db) == 1


def test_form_errors_keep_what_was_typed_and_save_nothing(client_for: Callable[..., TestClient[Litestar]],
                                                          seeded: dict[str, Any],
                                                          web_db: sessionmaker[Session]) -> None:
    lead = client_for(Role.LEAD, projects=(seeded["mine"],))
    future = today() + timedelta(days=5)
    bad = submit(lead, "/outcomes/new", "/outcomes/new", {
        "project": str(seeded["mine_id"]), "text": "Kept <words>",
        "date-day": str(future.day), "date-month": str(future.month), "date-year": str(future.year)})
    assert bad.status_code == 400
    assert "There is a problem" in bad.text and "future" in bad.text and "Kept &lt;words&gt;" in bad.text
    empty = submit(lead, "/outcomes/new", "/outcomes/new", {"project": "", "text": "", "date-day": "",
                                                            "date-month": "", "date-year": ""})
    assert empty.status_code == 400
    for message in ("Choose the project", "Say what was decided", "Enter the date"):
        assert message in empty.text, message
    assert 'href="#date-day"' in empty.text
    assert _count(web_db) == 0


def test_project_scope(client_for: Callable[..., TestClient[Litestar]], seeded: dict[str, Any],
                       web_db: sessionmaker[Session]) -> None:
    lead = client_for(Role.LEAD, projects=(seeded["mine"],))
    assert lead.get(f"/outcomes/new?activity={seeded['other']}").status_code == 404
    sneaky = submit(lead, "/outcomes/new", "/outcomes/new", {
        "activity": str(seeded["other"]), "text": "Not my project",
        "date-day": str(today().day), "date-month": str(today().month), "date-year": str(today().year)})
    assert sneaky.status_code in (400, 404) and _count(web_db) == 0
    for role in (Role.FINANCE, Role.AUDITOR):
        assert client_for(role).get("/outcomes").status_code == 403


def test_record_of_involvement_page(client_for: Callable[..., TestClient[Litestar]], seeded: dict[str, Any],
                                    web_db: sessionmaker[Session]) -> None:
    from ledger.db.models import Participant
    from ledger.db.models_recognition import InvolvementRecord

    with web_db() as s:
        reference = s.scalars(select(Participant.reference)).one()
    lead = client_for(Role.LEAD, projects=(seeded["mine"],))
    shown = lead.get(f"/outcomes/records?participant={reference}")
    # the record covers all her involvement with the organisation (both projects), as the API issues it
    assert shown.status_code == 200 and "3 hours over 2 activities" in shown.text
    made = submit(lead, f"/outcomes/records?participant={reference}", "/outcomes/records",
                  {"participant": reference, "style": "large_print"})
    assert made.status_code in (200, 201) and made.headers["content-type"] == "application/pdf"
    with web_db() as s:
        row = s.scalars(select(InvolvementRecord)).one()
        record_id = row.id
    page_text = lead.get(f"/outcomes/records?participant={reference}").text
    assert "Withdraw" in page_text
    empty = submit(lead, f"/outcomes/records?participant={reference}", f"/outcomes/records/{record_id}/withdraw",
                   {"reason": " "})
    assert empty.status_code == 400 and f'href="#reason-{record_id}"' in empty.text
    done = submit(lead, f"/outcomes/records?participant={reference}", f"/outcomes/records/{record_id}/withdraw",
                  {"reason": "issued by mistake"}, follow_redirects=False)
    assert done.status_code == 303
    with web_db() as s:
        assert s.get(InvolvementRecord, record_id).withdrawn_reason == "issued by mistake"  # type: ignore[union-attr]
    elsewhere = client_for(Role.LEAD, projects=("NOPE",))
    assert elsewhere.get(f"/outcomes/records?participant={reference}").status_code == 404


def test_a_record_whose_pdf_cannot_be_drawn_issues_no_code(client_for: Callable[..., TestClient[Litestar]],
                                                           seeded: dict[str, Any],
                                                           web_db: sessionmaker[Session]) -> None:
    """All or nothing: an Arabic name (no shipped font) gives a plain refusal naming the script, and no
    record (so no code that would answer at /verify) is kept."""
    from ledger.db.models import Participant
    from ledger.db.models_recognition import InvolvementRecord

    with transaction(web_db) as s:
        person = s.scalars(select(Participant)).one()
        person.name = person.preferred_name = "محمد علي"
        reference = person.reference
    lead = client_for(Role.LEAD, projects=(seeded["mine"],))
    refused = submit(lead, f"/outcomes/records?participant={reference}", "/outcomes/records",
                     {"participant": reference, "style": "standard"})
    assert refused.status_code == 422 and "Arabic" in refused.text
    with web_db() as s:
        assert s.scalar(select(func.count()).select_from(InvolvementRecord)) == 0
