"""Signing in and the administrator's pages in a real browser (Chromium): keyboard only, axe-core, 320 px.

* Staff sign in with the keyboard alone (Tab to each field, type, Enter); a participant types a code.
* Sign-in, code, link, invitation and admin pages (also with their error summaries): no serious or critical
  axe-core violation and no sideways scrolling at 320 px.
* Without JavaScript: signing in and signing out work (plain forms).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from browser_helpers import LiveServer, check_accessibility, check_reflow, screenshot, tab_to, tab_to_text
from web_signin import make_participant, make_user, sign_in_browser, web_session_cookie

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Role
from ledger.security.actor import Actor
from ledger.users import codes, invitations

PASSWORD = "kettle river orange"
ADMIN = Actor.system("browser test")


@pytest.fixture
def database(live_server: LiveServer) -> Iterator[Any]:
    engine = make_engine(live_server.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def keyboard_fill(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def checked(page: Any, what: str, width: int = 320) -> None:
    check_accessibility(page, what)
    page.set_viewport_size({"width": width, "height": 800})
    check_reflow(page, width)
    page.set_viewport_size({"width": 1024, "height": 800})


def test_staff_sign_in_and_out_by_keyboard(new_page: Callable[..., Any], database: Any) -> None:
    with transaction(database) as session:
        make_user(session, Role.LEAD, name="Kim Keyboard", email="kim.keyboard@example.org", password=PASSWORD)
    page = new_page()
    page.goto("/lead")  # a page that needs signing in sends the browser to sign in, then back
    assert "/sign-in?next=/lead" in page.url
    keyboard_fill(page, "#email", "kim.keyboard@example.org")
    keyboard_fill(page, "#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.endswith("/lead") and "sign-in" not in url)
    assert "Kim Keyboard" in page.content()
    tab_to_text(page, "Sign out", max_presses=80)
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign-in")
    assert "You have signed out" in page.content()


def test_wrong_password_error_summary_takes_the_focus(new_page: Callable[..., Any], database: Any) -> None:
    with transaction(database) as session:
        make_user(session, Role.FINANCE, email="fay.focus@example.org", password=PASSWORD)
    page = new_page()
    page.goto("/sign-in")
    keyboard_fill(page, "#email", "fay.focus@example.org")
    keyboard_fill(page, "#password", "not the right one")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-error-summary")
    assert "Error: Sign in" in page.title()
    assert page.locator(".govuk-error-summary:focus").count() == 1  # govuk-frontend moves focus to it
    assert page.input_value("#email") == "fay.focus@example.org" and page.input_value("#password") == ""
    checked(page, "sign-in with an error")
    screenshot(page, "sign-in-error")


def test_participant_types_a_code_by_keyboard(new_page: Callable[..., Any], database: Any) -> None:
    with transaction(database) as session:
        issued = codes.issue_code(session, ADMIN, make_participant(session, "Cora Code").id)
    page = new_page()
    page.goto("/sign-in/code")
    checked(page, "sign-in code page")
    screenshot(page, "sign-in-code")
    keyboard_fill(page, "#code", issued.code.lower().replace("-", " "))
    page.keyboard.press("Enter")
    page.wait_for_url("**/me")
    assert "/me" in page.url


def test_sign_in_pages_are_accessible_and_reflow(new_page: Callable[..., Any], database: Any) -> None:
    with transaction(database) as session:
        issued = codes.issue_code(session, ADMIN, make_participant(session, "Lin Link").id)
        invited = invitations.invite(session, ADMIN, email="ivy.invite@example.org", name="Ivy Invite",
                                     role="auditor")
    page = new_page()
    page.goto("/sign-in")
    checked(page, "sign-in page")
    screenshot(page, "sign-in")
    page.goto(issued.link_path)
    checked(page, "sign-in link page")
    page.goto(invited.link_path)
    checked(page, "invitation page")
    screenshot(page, "invitation")
    page.fill("#password", "password123")
    page.fill("#confirm", "password123")
    page.click("button:has-text('Save password')")
    page.wait_for_selector(".govuk-error-summary")
    checked(page, "invitation page with an error")
    page.goto("/invitations/not-a-real-link")
    checked(page, "invitation link that does not work")


def test_admin_pages_are_accessible_and_reflow(new_page: Callable[..., Any], live_server: LiveServer,
                                               database: Any) -> None:
    with transaction(database) as session:
        other = make_user(session, Role.LEAD, projects=("ADMINTEST",), name="Lou Lead")
    page = new_page()
    sign_in_browser(page.context, live_server.base_url,
                    web_session_cookie(live_server.database_url, Role.ADMIN, name="Ada Admin"))
    page.goto("/")
    page.wait_for_url("**/admin/users")
    checked(page, "people who sign in")
    screenshot(page, "admin-users")
    page.goto("/admin/users/invite")
    checked(page, "invite form")
    page.click("button:has-text('Create invitation')")  # nothing typed: every field gets its error
    page.wait_for_selector(".govuk-error-summary")
    checked(page, "invite form with errors")
    page.fill("#name", "Noor Newcomer")
    page.fill("#email", "noor.newcomer@example.org")
    page.check("input[name=role][value=finance]")
    page.click("button:has-text('Create invitation')")
    page.wait_for_selector("#invitation-link")
    checked(page, "invitation link shown once")
    page.goto(f"/admin/users/{other.id}")
    checked(page, "one account")
    page.goto("/admin/tokens")
    page.fill("#name", "Nightly export")
    page.check("input[name=role][value=finance]")
    page.click("button:has-text('Create token')")
    page.wait_for_selector("#token-secret")
    checked(page, "API tokens with a new token")
    screenshot(page, "admin-tokens")


def test_sign_in_and_out_without_javascript(new_page: Callable[..., Any], database: Any) -> None:
    with transaction(database) as session:
        make_user(session, Role.AUDITOR, email="nojs@example.org", password=PASSWORD)
    page = new_page(javascript=False)
    page.goto("/sign-in")
    page.fill("#email", "nojs@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/manager*")
    page.goto("/sign-in/code")
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/sign-in")
    assert "You have signed out" in page.content()
    page.goto("/admin/users")  # the session really ended: back to signing in
    assert "/sign-in?next=/admin/users" in page.url
