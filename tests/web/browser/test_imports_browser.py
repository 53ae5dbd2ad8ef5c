"""``/imports`` in a real browser: choose a file, see the preview, import; accessible, reflows, no JavaScript needed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import LiveServer, check_accessibility, check_reflow
from web_signin import ensure_project, make_participant, sign_in_browser, web_session_cookie

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Role


def _someone(database_url: str, name: str) -> str:
    engine = make_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            ensure_project(session, "ALPHA")
            return make_participant(session, name, projects=("ALPHA",)).reference
    finally:
        engine.dispose()


@pytest.mark.parametrize("javascript", [True, False])
def test_check_then_import_a_spreadsheet(new_page: Callable[..., Any], live_server: LiveServer, tmp_path: Path,
                                        javascript: bool) -> None:
    reference = _someone(live_server.database_url, f"Import Browser {javascript}")
    day = "07/01/2026" if javascript else "08/01/2026"
    good = tmp_path / "log.csv"
    good.write_text(f"Project,Date,Activity,Participant,Time\nALPHA,{day},meeting,{reference},1:30\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"Project,Date,Activity,Participant,Time\nALPHA,{day},focus group,{reference},1:30\n")
    page = new_page(javascript=javascript)
    sign_in_browser(page.context, live_server.base_url,
                    web_session_cookie(live_server.database_url, Role.LEAD, projects=("ALPHA",)))
    page.goto("/imports")
    assert page.locator("h1").inner_text() == "Import a spreadsheet"
    if javascript:
        check_accessibility(page)
        check_reflow(page)
    page.locator("#file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    assert page.locator("h1").inner_text() == "Check your import"
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.get_by_text("'focus group' is not an activity type").first.is_visible()
    assert page.get_by_role("button", name="Import").count() == 0
    if javascript:
        check_accessibility(page)
        check_reflow(page)
    page.goto("/imports")
    page.locator("#file").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    assert page.get_by_text("Importing would add 1 record").is_visible()
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/imports")
    assert page.get_by_text("Imported 1 record in 1 activity").is_visible()
