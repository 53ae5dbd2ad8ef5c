"""The foundation in a real browser: layout, error pages, the accessibility statement and a form.

Every page: axe-core finds no serious or critical WCAG 2.2 AA problem, it reflows at 320 px, the skip link
works from the keyboard, and it works with JavaScript turned off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from browser_helpers import (
    AXE_VERSION,
    LiveServer,
    axe_violations,
    check_accessibility,
    check_reflow,
    console_problems,
    focused,
    press_tab_until,
    screenshot,
    submit_by_keyboard,
    tab_to,
)
from frame_test_pages import PATH, install

from ledger.db.models import Role

PAGES = ["/accessibility", "/no-such-page", PATH]


@pytest.fixture(autouse=True)
def _test_form(live_server: LiveServer) -> None:
    install(live_server.app)


def fill_organisation(page: Any, **overrides: str) -> None:
    values = {
        "name": "Northshire Health and Care Trust", "contact_name": "Priya Shah",
        "contact_phone": "0161 496 0000", "contact_email": "involvement@example.org",
        "postal_address": "1 High Street\nNorthtown", "payer_name": "NORTHSHIRE HCT", "reference_prefix": "NHC",
        "review-day": "27", "review-month": "3", "review-year": "2027",
    }
    values.update(overrides)
    for name, value in values.items():
        page.fill(f"[name='{name}']", value)


@pytest.mark.parametrize("path", PAGES)
def test_each_foundation_page_passes_axe_and_reflows_at_320px(page: Any, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status in (200, 404)
    check_accessibility(page)
    check_reflow(page)
    assert page.locator("h1").count() == 1
    assert not [p for p in console_problems(page) if "Content Security Policy" in p or "pageerror" in p]


def test_an_error_summary_passes_axe_and_reflows(page: Any) -> None:
    page.goto(PATH)
    fill_organisation(page, contact_email="priya at example", **{"review-day": "31", "review-month": "2"})
    page.get_by_role("button", name="Save").click()
    assert page.locator(".govuk-error-summary").is_visible()
    check_accessibility(page, "the organisation form with errors")
    check_reflow(page)
    screenshot(page, "form-with-errors")


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page: Any) -> None:
    page.goto("/accessibility")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Skip to main content" and first["href"] == "#main-content"
    assert page.locator(".govuk-skip-link").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main-content"
    # The next Tab goes on from the content (here the footer: this page has no links in it), not the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => Boolean(document.getElementById('main-content').compareDocumentPosition("
                         "document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)")


def test_the_footer_links_to_the_accessibility_statement_by_keyboard(page: Any) -> None:
    page.goto("/no-such-page")
    tab_to(page, "footer a[href='/accessibility']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accessibility")
    assert page.locator("h1").inner_text() == "Accessibility statement"
    screenshot(page, "accessibility-statement")


def test_javascript_starts_govuk_frontend_and_htmx_within_the_content_security_policy(page: Any) -> None:
    page.goto(PATH)
    page.wait_for_function("() => document.body.classList.contains('govuk-frontend-supported')")
    assert page.evaluate("() => document.body.classList.contains('js-enabled')")
    page.wait_for_function("() => typeof window.htmx !== 'undefined'")
    assert page.evaluate("() => window.htmx.version").startswith("2.")
    assert console_problems(page) == []


def test_htmx_requests_send_the_csrf_token_and_swap_in_the_answer(page: Any) -> None:
    page.goto(PATH)
    page.wait_for_function("() => typeof window.htmx !== 'undefined'")
    page.fill("[name='contact_name']", "Sam <b>Okafor</b>")
    with page.expect_response(f"**{PATH}/echo") as answer:
        page.get_by_role("button", name="Check the contact's name").click()
    assert answer.value.status == 200
    assert page.locator("#echoed").inner_text() == "The contact is Sam <b>Okafor</b>."  # escaped, not bold
    assert console_problems(page) == []
    # The same request without the token is refused: the header is what let it through.
    refused = page.evaluate(f"""async () => (await fetch('{PATH}/echo', {{method: 'POST',
        headers: {{'content-type': 'application/x-www-form-urlencoded'}}, body: 'contact_name=x'}})).status""")
    assert refused == 403


def test_with_javascript_the_error_summary_takes_focus_and_its_links_reach_the_fields(page: Any) -> None:
    page.goto(PATH)
    fill_organisation(page, contact_email="priya at example")
    page.get_by_role("button", name="Save").click()
    page.wait_for_function("() => document.activeElement.classList.contains('govuk-error-summary')")
    link = page.locator(".govuk-error-summary a[href='#contact_email']")
    link.focus()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "contact_email"
    assert page.input_value("#contact_email") == "priya at example"  # what was typed is kept


def test_without_javascript_the_form_still_works_end_to_end(new_page: Callable[..., Any]) -> None:
    page = new_page(javascript=False)
    page.goto(PATH)
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")
    fill_organisation(page, payer_name="", **{"review-year": "27"})
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "The year of the date of the next review must have 4 numbers" in summary.inner_text()
    assert page.title().startswith("Error: ")
    # The summary's link takes the keyboard to the field, even without JavaScript.
    page.locator(".govuk-error-summary a[href='#payer_name']").focus()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "payer_name"
    # Fix the problems with the keyboard alone and send again.
    page.fill("[name='payer_name']", "NORTHSHIRE HCT")
    page.fill("[name='review-year']", "2027")
    submit_by_keyboard(page, "form[method=post] button.govuk-button")
    assert page.locator(".govuk-notification-banner--success").inner_text().strip().endswith(
        "Organisation details saved")
    assert page.locator(".ledger-header__organisation").inner_text() == "Northshire Health and Care Trust"
    screenshot(page, "form-saved-no-javascript")


def test_without_javascript_the_navigation_menu_is_a_plain_list(new_page: Callable[..., Any]) -> None:
    page = new_page(javascript=False, width=320)
    page.goto("/accessibility")
    assert page.locator(".govuk-service-navigation__toggle").is_hidden()  # the menu button needs JavaScript
    assert page.get_by_role("link", name="Involvement ledger").is_visible()
    assert page.get_by_role("link", name="Sign in").is_visible()


# ---------------------------------------------------------------------------- the checks themselves can fail

def test_the_accessibility_check_fails_on_a_page_with_a_serious_problem(page: Any) -> None:
    page.set_content("<!DOCTYPE html><html lang='en'><head><title>t</title></head><body><main>"
                     "<label>Name</label><input id='x'><img src='data:,'></main></body></html>")
    found = {v["id"] for v in axe_violations(page)}
    assert "image-alt" in found and "label" in found
    with pytest.raises(AssertionError, match=f"axe-core {AXE_VERSION} found"):
        check_accessibility(page)


def test_the_reflow_check_fails_on_a_page_that_scrolls_sideways(page: Any) -> None:
    page.set_content("<!DOCTYPE html><html lang='en'><body><div id='wide' style='width: 900px'>x</div></body></html>")
    with pytest.raises(AssertionError, match="div#wide"):
        check_reflow(page)


def test_keyboard_helpers_give_up_with_what_they_saw(page: Any) -> None:
    page.goto("/accessibility")
    with pytest.raises(AssertionError, match="never reached"):
        press_tab_until(page, lambda f: f["text"] == "no such link", max_presses=5)


# ---------------------------------------------------------------------------- the header for someone signed in

def signed_in_page(new_page: Callable[..., Any], live_server: LiveServer, role: Role, **options: Any) -> Any:
    from web_signin import sign_in_browser, web_session_cookie

    page = new_page(**options)
    secret = web_session_cookie(live_server.database_url, role, projects=None, name=f"Browser {role.value}")
    sign_in_browser(page.context, live_server.base_url, secret)
    return page


def test_a_signed_in_admin_header_passes_axe_and_at_320px_the_menu_opens_by_keyboard(
    new_page: Callable[..., Any], live_server: LiveServer
) -> None:
    page = signed_in_page(new_page, live_server, Role.ADMIN)
    page.goto("/accessibility")
    assert page.get_by_text("Signed in as Browser admin").is_visible()
    check_accessibility(page, "the layout signed in as an admin")
    check_reflow(page)
    screenshot(page, "header-signed-in")
    page.set_viewport_size({"width": 320, "height": 800})
    toggle = page.locator(".govuk-service-navigation__toggle")
    toggle.wait_for(state="visible")  # JavaScript folds the links behind a Menu button on a narrow screen
    assert page.get_by_role("link", name="Users").is_hidden()
    tab_to(page, ".govuk-service-navigation__toggle")
    page.keyboard.press("Enter")
    assert page.get_by_role("link", name="Users").is_visible()
    check_accessibility(page, "the open menu at 320 px")
    check_reflow(page)


def test_signing_out_works_from_the_keyboard_without_javascript(
    new_page: Callable[..., Any], live_server: LiveServer
) -> None:
    page = signed_in_page(new_page, live_server, Role.LEAD, javascript=False)
    page.goto("/accessibility")
    submit_by_keyboard(page, "form[action='/sign-out'] button")
    page.goto("/accessibility")
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert page.get_by_text("Signed in as").count() == 0
