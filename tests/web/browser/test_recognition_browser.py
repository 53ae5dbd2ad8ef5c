"""Recognition pages in a real browser: the public /verify check and the lead's outcome and record pages have
no serious axe problem, reflow at 320 px, and work without JavaScript (type a code; report back)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from browser_helpers import check_accessibility, check_reflow
from conftest import LiveServer
from payments.factory import approve, participant, project, set_organisation
from web_signin import sign_in_browser, web_session_cookie

from ledger.clock import today
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Role
from ledger.recognition.record import issue_record
from ledger.security.actor import Actor


def _seed(database_url: str) -> tuple[str, str, str, int]:
    """(code, project code, participant reference, activity id) of a fresh record of involvement."""
    engine = make_engine(database_url)
    try:
        factory = make_session_factory(engine)
        set_organisation(factory)
        with transaction(factory) as s:
            proj = project(s, "BRW")
            ann = participant(s, "Browser Able")
            activity = approve(s, ann, proj, today() - timedelta(weeks=9), 4125, minutes=90).record.activity_id
            record = issue_record(s, Actor.system("Lee Lead"), ann.id)
            assert record.code is not None
            return record.code, proj.code, ann.reference, activity
    finally:
        engine.dispose()


@pytest.mark.parametrize("javascript", [True, False])
def test_checking_a_code(new_page: Callable[..., Any], live_server: LiveServer, javascript: bool) -> None:
    code, _project, _reference, _activity = _seed(live_server.database_url)
    page = new_page(javascript=javascript)
    page.goto("/verify")
    page.get_by_label("Code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Check the code").click()
    page.wait_for_url(f"**/verify/{code}")
    assert page.get_by_text("This record is genuine").is_visible()
    if javascript:
        check_accessibility(page)
        check_reflow(page)
    page.goto("/verify?code=nope")
    assert page.locator(".govuk-error-summary").is_visible()
    if javascript:
        check_accessibility(page)


def test_reporting_back_without_javascript(new_page: Callable[..., Any], live_server: LiveServer) -> None:
    _code, project_code, reference, activity = _seed(live_server.database_url)
    page = new_page(javascript=False)
    sign_in_browser(page.context, live_server.base_url,
                    web_session_cookie(live_server.database_url, Role.LEAD, projects=(project_code,)))
    page.goto("/outcomes/overdue")
    page.locator(f'a[href="/outcomes/new?activity={activity}"]').click()
    page.get_by_label("What was decided or changed?").fill("Letters now use plain words.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/outcomes")
    assert page.get_by_text("Letters now use plain words.").first.is_visible()
    page.goto(f"/outcomes/records?participant={reference}")
    assert page.get_by_role("button", name="Make the record (PDF)").is_visible()


def test_lead_pages_are_accessible(new_page: Callable[..., Any], live_server: LiveServer) -> None:
    _code, project_code, reference, activity = _seed(live_server.database_url)
    page = new_page()
    sign_in_browser(page.context, live_server.base_url,
                    web_session_cookie(live_server.database_url, Role.LEAD, projects=(project_code,)))
    for path in ("/outcomes", "/outcomes/overdue", f"/outcomes/new?activity={activity}",
                 f"/outcomes/records?participant={reference}"):
        page.goto(path)
        check_accessibility(page, path)
        check_reflow(page)
