"""The manager and administrator pages in a real browser: spend, the audit trail and rate cards.

* Each page with real data: no serious or critical axe-core violation, no sideways scrolling at 320 px.
* The spend filters and the audit trail's filters and "Check the trail" button, by keyboard alone.
* Without JavaScript the filters still work (they are plain GET forms).

Screenshots for docs/managers.md and docs/administrators.md are taken on the way
(``LEDGER_SCREENSHOTS=docs`` writes them to docs/images/web). The live server's database is shared by every
browser test, so this module makes its own projects and people and never counts the whole database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from browser_helpers import (
    LiveServer,
    check_accessibility,
    check_reflow,
    focused,
    press_and_wait,
    screenshot,
    submit_by_keyboard,
    tab_to,
)
from payments.factory import approve, backdate, participant, project, set_organisation
from web_signin import sign_in_browser, web_session_cookie

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Role
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.security.actor import Actor

PAGES = ("/manager?year=2025", "/admin/audit", "/admin/rate-cards", "/admin/rate-cards/nihr-style")


@pytest.fixture(scope="module")
def spend_data(live_server: LiveServer) -> Iterator[dict[str, str]]:
    """Three projects with a year of approved records, most of them paid in two batches."""
    engine = make_engine(live_server.database_url)
    factory = make_session_factory(engine)
    set_organisation(factory)
    cli, second = Actor.system("cli"), Actor.system("second check")
    with transaction(factory) as s:
        projects = [project(s, "MGRA"), project(s, "MGRB", budget_minor=250000), project(s, "MGRC", budget_minor=None)]
        people = [participant(s, f"Manager Test {i}") for i in range(6)]
        for i in range(36):
            on = date(2025, 4, 20) + timedelta(days=9 * i)
            approve(s, people[i % 6], projects[i % 3], on, 2500 + 125 * (i % 5), 450 if i % 4 == 0 else 0,
                    activity=("meeting", "review", "panel")[i % 3])
        for up_to, paid_on in ((date(2025, 9, 30), date(2025, 10, 8)), (date(2026, 1, 31), date(2026, 2, 12))):
            batch = build_batch(s, cli, "bank_transfer", up_to=up_to).batch
            approve_batch(s, second, batch.id)
            backdate(s, batch, paid_on - timedelta(days=3))
            mark_paid(s, cli, batch.id, paid_on, today=paid_on)
        codes = {"a": projects[0].code, "b": projects[1].code}
    engine.dispose()
    yield codes


def signed_in(new_page: Callable[..., Any], live_server: LiveServer, role: Role, **kwargs: Any) -> Any:
    page = new_page(**kwargs)
    sign_in_browser(page.context, live_server.base_url, web_session_cookie(live_server.database_url, role))
    return page


@pytest.mark.parametrize("path", PAGES)
def test_each_page_with_real_data_is_accessible_and_reflows(
    new_page: Callable[..., Any], live_server: LiveServer, spend_data: dict[str, str], path: str
) -> None:
    page = signed_in(new_page, live_server, Role.ADMIN)
    page.goto(path)
    check_accessibility(page, path)
    narrow = signed_in(new_page, live_server, Role.ADMIN, width=320)
    narrow.goto(path)
    check_reflow(narrow)


def test_spend_filters_by_keyboard(new_page: Callable[..., Any], live_server: LiveServer,
                                   spend_data: dict[str, str]) -> None:
    page = signed_in(new_page, live_server, Role.AUDITOR)
    page.goto("/manager?year=2025")
    assert page.locator('svg[role="img"]').count() == 4
    screenshot(page, "manager-spend")
    tab_to(page, "#project")
    wanted = page.locator("#project option", has_text=f"({spend_data['b']})").get_attribute("value")
    while page.locator("#project").input_value() != wanted:
        page.keyboard.press("ArrowDown")
    submit_by_keyboard(page, "form.ledger-filters button")
    assert f"project={wanted}" in page.url
    assert page.locator("#budget + figure title").text_content() == "Spend per project against budget"
    table = page.inner_text("#budget ~ .ledger-table-scroll table")
    assert spend_data["b"] in table and spend_data["a"] not in table
    # The downloads are links a keyboard reaches.
    tab_to(page, 'a[href^="/manager/download/csv"]')
    assert "spreadsheet" in focused(page)["text"]


def test_audit_trail_check_and_filter_by_keyboard(new_page: Callable[..., Any], live_server: LiveServer,
                                                  spend_data: dict[str, str]) -> None:
    page = signed_in(new_page, live_server, Role.AUDITOR)
    page.goto("/admin/audit")
    submit_by_keyboard(page, "form[action='/admin/audit/check'] button")
    assert "The trail is intact." in page.inner_text("#check-result")
    screenshot(page, "admin-audit")
    tab_to(page, "#entity")
    page.keyboard.type("batch")
    submit_by_keyboard(page, "form.ledger-filters button")
    assert "entity=batch" in page.url
    assert page.locator("tbody tr").count() >= 4  # this module's two batches: built, approved, paid...
    assert all(cell.startswith("batch ") for cell in page.locator("tbody tr td:nth-child(5)").all_inner_texts())


def test_filters_work_without_javascript(new_page: Callable[..., Any], live_server: LiveServer,
                                         spend_data: dict[str, str]) -> None:
    page = signed_in(new_page, live_server, Role.ADMIN, javascript=False)
    page.goto("/admin/audit")
    page.fill("#action", "x" * 81)
    with page.expect_navigation():
        page.click("form.ledger-filters button")
    assert "Must be at most 80 characters" in page.inner_text("#action-error")
    page.goto("/manager")
    page.select_option("#year", "2025")
    with page.expect_navigation():
        page.click("form.ledger-filters button")
    assert "6 April 2025 to 5 April 2026" in page.inner_text("main")


def test_rate_card_changes_page(new_page: Callable[..., Any], live_server: LiveServer) -> None:
    page = signed_in(new_page, live_server, Role.AUDITOR)
    page.goto("/admin/rate-cards")
    tab_to(page, 'a[href="/admin/rate-cards/nihr-style"]')
    press_and_wait(page)
    assert "now £27.50 an hour" in page.inner_text("main")
    screenshot(page, "admin-rate-card")
