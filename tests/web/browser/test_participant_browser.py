"""The participant's journey in a real browser, keyboard only: sign in with a code, choose Easy Read, read
the statement, download the PDF; axe-core and 320 px reflow on /me and /me/preferences."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from browser_helpers import (
    LiveServer,
    check_accessibility,
    check_reflow,
    press_and_wait,
    screenshot,
    tab_to,
    tab_to_text,
)
from sqlalchemy import update
from web_signin import make_participant, make_user

from ledger import clock
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Participant, PaymentPreference, Role
from ledger.involvement.activities import record_activity
from ledger.involvement.approval import approve_record
from ledger.involvement.schemas import ActivityCreate, AttendeeIn
from ledger.organisation import save_organisation
from ledger.security.actor import Actor
from ledger.users import codes
from ledger.users.accounts import user_actor

ORGANISATION = {
    "name": "Northshire Health and Care Trust", "contact_name": "Priya Shah", "contact_phone": "0161 496 0000",
    "contact_email": "involvement@example.org", "postal_address": "1 High Street\nNorthtown\nNT1 1AA",
    "payer_name": "NORTHSHIRE HCT", "reference_prefix": "NHC",
}


@pytest.fixture
def database(live_server: LiveServer) -> Iterator[Any]:
    engine = make_engine(live_server.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def _person_with_a_meeting(database: Any, name: str = "Jo Journey") -> str:
    """A participant paid by bank transfer with one approved meeting this tax year; returns a sign-in code."""
    today = clock.today()
    with transaction(database) as session:
        save_organisation(session, ORGANISATION)
        recorder = user_actor(make_user(session, Role.LEAD, projects=("PJOURNEY",), name="Pat Recorder"))
        approver = user_actor(make_user(session, Role.LEAD, projects=("PJOURNEY",), name="Sam Approver"))
        person = make_participant(session, name, ("PJOURNEY",))
        person.payment_preference = PaymentPreference.VOUCHER
        made = record_activity(session, recorder, ActivityCreate(
            project=recorder.project_ids[0] if recorder.project_ids else 0, date=today, activity="meeting",
            attendees=[AttendeeIn(participant=person.id, involvement_minutes=90)]))
        approve_record(session, approver, made.records[0].id)
        return codes.issue_code(session, Actor.system("browser test"), person.id).code


def test_participant_journey_by_keyboard(new_page: Callable[..., Any], database: Any, tmp_path: Any) -> None:
    code = _person_with_a_meeting(database)
    page = new_page()
    page.goto("/sign-in/code")
    tab_to(page, "#code")
    page.keyboard.type(code)
    press_and_wait(page)
    page.wait_for_url("**/me")
    assert "Hello Jo" in page.content() and "1 hour 30 minutes" in page.content()
    tab_to_text(page, "Change how your statement looks", max_presses=120)
    press_and_wait(page)
    tab_to(page, "input[name=statement_style][value=standard]")  # Tab reaches a radio group at its chosen one
    page.keyboard.press("ArrowDown")  # large print
    page.keyboard.press("ArrowDown")  # Easy Read
    assert page.is_checked("input[name=statement_style][value=easy_read]")
    tab_to_text(page, "Save my choices", max_presses=40)
    press_and_wait(page)
    page.wait_for_url("**/me")
    assert "Your choices are saved" in page.content()
    assert "you went to a meeting" in page.content()  # Easy Read sentences
    checked_me = page.url
    tab_to_text(page, "Download this", max_presses=120)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    saved = tmp_path / "statement.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert page.url == checked_me


def _set_style(database: Any, code_person: str, style: str) -> None:
    with transaction(database) as session:
        session.execute(update(Participant).where(Participant.name == code_person).values(statement_style=style))


def test_participant_pages_accessible_and_reflow_in_every_style(new_page: Callable[..., Any], database: Any) -> None:
    """axe-core (0 serious/critical, WCAG 2.2 AA: contrast, names, target size) on each page in each style;
    no sideways scrolling at 320 px (a phone, or 400% zoom) nor at 640 px (200% zoom); text at least 16 px on
    a phone and larger for large print and Easy Read; no table holds the key facts (summary lists instead)."""
    code = _person_with_a_meeting(database, name="Val Styles")
    page = new_page()
    page.goto("/sign-in/code")
    page.fill("#code", code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me")
    for style in ("standard", "large_print", "easy_read"):
        _set_style(database, "Val Styles", style)
        for path, name in (("/me", "my-money"), ("/me/preferences", "preferences")):
            page.goto(path)
            assert "Val Styles" in page.content()
            check_accessibility(page, f"{path} ({style})")
            if path == "/me":
                screenshot(page, f"participant-{name}-{style.replace('_', '-')}")
                assert page.locator("main table").count() == 0
            elif style == "standard":
                screenshot(page, "participant-preferences")
            check_reflow(page, 640)
            page.set_viewport_size({"width": 320, "height": 800})
            check_reflow(page, 320)
            if style == "easy_read" and path == "/me":
                screenshot(page, "participant-my-money-phone", full_page=False)
            smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('main p, main dd, main li')]
                .map(el => parseFloat(getComputedStyle(el).fontSize)))""")
            assert smallest >= (18 if style != "standard" and path == "/me" else 16), (path, style, smallest)
            page.set_viewport_size({"width": 1024, "height": 800})
    page.goto("/me/preferences")
    page.check("input[name=contact_preference][value=post]")  # no postal address: an error beside the field
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_selector(".govuk-error-summary")
    check_accessibility(page, "preferences with an error")
    assert "We do not have your postal address" in page.content()
