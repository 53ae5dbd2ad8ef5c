"""The lead's pages in a real browser (Chromium): the whole journey by keyboard, axe-core and 320 px reflow.

* The journey, keyboard only: sign in, add a participant, record a meeting for three (the live quote shows
  each person's amounts as the minutes are typed), then a colleague approves all three.
* Without JavaScript: "Add another person" and "Check amounts" still work (they are plain submit buttons).
* Every lead page: no serious or critical axe-core violation, and no sideways scrolling at 320 px.

Screenshots for docs/leads.md are taken on the way (``LEDGER_SCREENSHOTS=docs`` writes them to docs/images/web).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from browser_helpers import LiveServer, check_accessibility, check_reflow, screenshot, tab_to, tab_to_text
from sqlalchemy import select
from web_signin import make_participant, make_user, sign_in_browser, web_session_cookie

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Record, RecordStatus, Role
from ledger.involvement.activities import record_activity
from ledger.involvement.approval import approve_record
from ledger.involvement.schemas import ActivityCreate, AttendeeIn
from ledger.users.accounts import user_actor

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def database(live_server: LiveServer) -> Iterator[Any]:
    engine = make_engine(live_server.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def keyboard_fill(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def keyboard_press(page: Any, words: str) -> None:
    tab_to_text(page, words, max_presses=120)
    page.keyboard.press("Enter")


def keyboard_sign_in(page: Any, email: str) -> None:
    page.goto("/sign-in")
    keyboard_fill(page, "#email", email)
    keyboard_fill(page, "#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/lead")


def test_whole_lead_journey_by_keyboard(new_page: Callable[..., Any], live_server: LiveServer, database: Any) -> None:
    with transaction(database) as session:
        make_user(session, Role.LEAD, projects=("JOURNEY",), name="Lena Lead", email="lena@example.org",
                  password=PASSWORD)
        make_user(session, Role.LEAD, projects=("JOURNEY",), name="Cole Colleague", email="cole@example.org",
                  password=PASSWORD)
        for name in ("Amal Adeyemi", "Bea Brown"):
            make_participant(session, name, ("JOURNEY",))
    page = new_page()
    keyboard_sign_in(page, "lena@example.org")

    # Add a participant.
    keyboard_press(page, "Add a participant")
    page.wait_for_url("**/participants/new")
    keyboard_fill(page, "#name", "Cal Carter")
    tab_to(page, "#payment_preference")  # the first radio; arrows move through the choices
    page.keyboard.press("Space")
    for _ in range(4):
        page.keyboard.press("ArrowDown")  # ... to "Does not want to be paid"
    keyboard_press(page, "Add participant")
    page.wait_for_url("**/participants/P-*")
    assert "Cal Carter added" in page.inner_text("body")
    screenshot(page, "lead-participant")

    # Record a meeting for three, with the live quote.
    page.goto("/lead")
    keyboard_press(page, "Record an activity")
    page.wait_for_url("**/activities/new")
    keyboard_fill(page, "#date-day", "7")
    keyboard_fill(page, "#date-month", "1")
    keyboard_fill(page, "#date-year", "2026")
    keyboard_fill(page, "#activity", "Meeting")
    page.evaluate("() => { window.sameDocument = true; }")  # gone if a row were added by reloading the page
    for row, person in enumerate(("Amal", "Bea", "Cal")):
        if row:
            keyboard_press(page, "Add another person")
            page.wait_for_selector(f"#attendees-{row}-participant:focus")  # the new row has the focus
            assert page.evaluate("() => window.sameDocument === true")  # HTMX swapped the rows in place
        else:
            tab_to(page, f"#attendees-{row}-participant")
        page.keyboard.type(person)
        keyboard_fill(page, f"#attendees-{row}-involvement_minutes", "90")
        page.keyboard.press("Tab")  # leaving the box sends the change: HTMX fetches the amounts
        page.wait_for_selector(f"#attendees-{row}-quote :text('would be paid')")
    assert page.locator("#attendees-2-quote").inner_text().count("£41.25") >= 1
    assert "would be paid" in page.locator("#attendees-0-quote").inner_text()  # earlier rows keep theirs
    screenshot(page, "lead-record-activity")
    keyboard_press(page, "Save activity")
    page.wait_for_url("**/activities/*")
    assert "Activity recorded for 3 people" in page.inner_text("body")
    activity_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    def statuses() -> list[str]:  # this test's records only: the live server's database is shared
        with database() as session:
            return sorted(session.scalars(select(Record.status).where(Record.activity_id == activity_id)))

    assert statuses() == [RecordStatus.SUBMITTED] * 3

    # A colleague approves all three, by keyboard.
    colleague = new_page()
    keyboard_sign_in(colleague, "cole@example.org")
    assert "3 records recorded by colleagues" in colleague.inner_text("main")
    screenshot(colleague, "lead-home")
    keyboard_press(colleague, "Approvals")
    colleague.wait_for_url("**/approvals")
    screenshot(colleague, "lead-approvals")
    for _ in range(3):
        keyboard_press(colleague, "Approve record")
        colleague.wait_for_url("**/approvals")
        assert "approved" in colleague.inner_text(".govuk-notification-banner, body")
    assert "Nothing is waiting for you" in colleague.inner_text("body")
    assert statuses() == [RecordStatus.APPROVED] * 3
    colleague.goto("/records")
    screenshot(colleague, "lead-records")


def test_activity_form_without_javascript(new_page: Callable[..., Any], live_server: LiveServer,
                                          database: Any) -> None:
    with transaction(database) as session:
        first = make_participant(session, "Noor Nojs", ("NOJS",))
    page = new_page(javascript=False)
    sign_in_browser(page.context, live_server.base_url,
                    web_session_cookie(live_server.database_url, Role.LEAD, projects=("NOJS",)))
    page.goto("/activities/new")
    page.fill("#date-day", "7")
    page.fill("#date-month", "1")
    page.fill("#date-year", "2026")
    page.select_option("#activity", "meeting")
    page.select_option("#attendees-0-participant", str(first.id))
    page.fill("#attendees-0-involvement_minutes", "60")
    page.get_by_role("button", name="Add another person").click()
    assert page.locator("#attendees-1-participant").count() == 1
    assert page.input_value("#attendees-0-involvement_minutes") == "60"  # what was typed is kept
    page.get_by_role("button", name="Check amounts").last.click()
    assert "What Noor Nojs would be paid" in page.inner_text("#attendees-0-quote")


def test_choosing_another_project_shows_its_rate_card(new_page: Callable[..., Any], live_server: LiveServer,
                                                      database: Any) -> None:
    from ledger.involvement.projects import create_project
    from ledger.involvement.schemas import ProjectCreate
    from ledger.security.actor import Actor

    with transaction(database) as session:
        day_rate = create_project(session, Actor.system("test"), ProjectCreate(
            code="DAYRATE", name="Day-rate project", rate_card="day-rate-example"))
        make_participant(session, "Dana Dayrate", ("DAYRATE",))
    page = new_page()
    sign_in_browser(page.context, live_server.base_url,
                    web_session_cookie(live_server.database_url, Role.LEAD, projects=("HOURLY", "DAYRATE")))
    page.goto("/activities/new")
    page.fill("#attendees-0-involvement_minutes", "45")
    page.focus("#project")
    page.select_option("#project", str(day_rate.id))  # HTMX swaps in that card's types; what was typed stays
    page.wait_for_selector("#activity option:text('Meeting or workshop')", state="attached")
    assert page.input_value("#attendees-0-involvement_minutes") == "45"
    assert page.locator("#project").evaluate("(el) => el === document.activeElement")  # focus stays put
    check_accessibility(page, "record an activity, another project")


def _seed_pages(database: Any) -> dict[str, Any]:
    """Records in project AXE recorded by one lead, one approved by another: every page has something."""
    with transaction(database) as session:
        recorder = user_actor(make_user(session, Role.LEAD, projects=("AXE",), name="Rory Recorder"))
        approver = user_actor(make_user(session, Role.LEAD, projects=("AXE",), name="Ada Approver"))
        people = [make_participant(session, name, ("AXE",)) for name in ("Axe One", "Axe Two")]
        project_id = recorder.project_ids[0] if recorder.project_ids else 0
        made = record_activity(session, recorder, ActivityCreate(
            project=project_id, date=date(2026, 1, 7), activity="meeting", description="Accessibility check",
            attendees=[AttendeeIn(participant=p.id, involvement_minutes=120) for p in people]))
        approve_record(session, approver, made.records[0].id)
        return {"activity": made.id, "approved": made.records[0].id, "waiting": made.records[1].id,
                "reference": people[0].reference}


def test_every_lead_page_is_accessible_and_reflows(new_page: Callable[..., Any], live_server: LiveServer,
                                                   database: Any) -> None:
    seeded = _seed_pages(database)
    page = new_page()
    sign_in_browser(page.context, live_server.base_url,
                    web_session_cookie(live_server.database_url, Role.LEAD, projects=("AXE",)))
    ref, waiting, approved = seeded["reference"], seeded["waiting"], seeded["approved"]
    for path in ("/lead", "/participants", "/participants/new", f"/participants/{ref}",
                 f"/participants/{ref}/edit", f"/participants/{ref}/payment", "/activities", "/activities/new",
                 f"/activities/{seeded['activity']}", "/approvals", "/records", f"/records/{waiting}",
                 f"/approvals/{waiting}/reject", f"/records/{approved}/reverse", f"/records/{approved}/correct",
                 "/records?status=nonsense"):
        page.goto(path)
        check_accessibility(page, path)
        check_reflow(page)
    # Forms with errors (the error summary and the messages beside the fields).
    page.goto("/participants/new")
    page.get_by_role("button", name="Add participant").click()
    assert page.locator(".govuk-error-summary").is_visible()
    check_accessibility(page, "add a participant, with errors")
    check_reflow(page)
    screenshot(page, "lead-participant-errors")
    page.goto("/activities/new")
    page.select_option("#activity", "meeting")
    page.get_by_role("button", name="Save activity").click()
    check_accessibility(page, "record an activity, with errors")
    check_reflow(page)
    # The sign-in code page (shown once).
    page.goto(f"/participants/{ref}")
    page.get_by_role("button", name="sign-in code").click()
    check_accessibility(page, "sign-in code")
    check_reflow(page)
