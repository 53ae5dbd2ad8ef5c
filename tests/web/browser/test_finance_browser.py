"""The finance journey in a real browser, keyboard only: build a batch, approve it as a second officer (the
builder is refused), download the bank file, mark it paid, return one line, download payment advice; axe-core
(0 serious or critical) and 320 px reflow on every finance page; screenshots for docs/payments.md.

The live server's database is shared by every browser test: this test makes its own project (FINJOURNEY-n)
and people, builds a batch for that project only, and checks only what it made.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
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
from payments.factory import EXAMPLE_ORGANISATION, GOOD_ACCOUNT, GOOD_SORT, approve
from sqlalchemy import select
from web_signin import ensure_project, make_participant, sign_in_browser, web_session_cookie

from ledger import clock
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Batch, PaymentPreference, Role
from ledger.involvement.payee_changes import PayeeDetails, propose
from ledger.organisation import save_organisation
from ledger.security.actor import Actor

_runs = itertools.count(1)


@pytest.fixture
def database(live_server: LiveServer) -> Iterator[Any]:
    engine = make_engine(live_server.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def _money_owed(database: Any) -> str:
    """A project of its own with two people owed money by bank transfer, and one pending payee change."""
    code = f"FINJOURNEY{next(_runs)}"
    today = clock.today()
    with transaction(database) as session:
        save_organisation(session, EXAMPLE_ORGANISATION)
        project = ensure_project(session, code)
        for name, fee, days in (("Fern Journey", 4125, 30), ("Gil Journey", 2750, 12)):
            person = make_participant(session, name, (code,))
            person.payment_preference = PaymentPreference.BANK_TRANSFER
            person.bank_account_name, person.bank_sort_code, person.bank_account_number = (
                name.upper(), GOOD_SORT, GOOD_ACCOUNT)
            session.flush()
            approve(session, person, project, today - timedelta(days=days), fee, 320)
        changing = make_participant(session, "Hal Journey", (code,))
        propose(session, Actor(token_id=None, name="Lee Lead", role=Role.LEAD), changing,
                PayeeDetails("bank_transfer", "HAL JOURNEY", GOOD_SORT, GOOD_ACCOUNT))
    return code


def _signed_in(new_page: Callable[..., Any], live_server: LiveServer, name: str) -> Any:
    page = new_page()
    sign_in_browser(page.context, live_server.base_url,
                    web_session_cookie(live_server.database_url, Role.FINANCE, name=name))
    return page


def _checked(page: Any, path: str, shot: str | None = None) -> None:
    """axe (0 serious or critical) and 320 px reflow on the page now open; a screenshot for the docs."""
    check_accessibility(page, path)
    if shot:
        screenshot(page, shot)
    page.set_viewport_size({"width": 320, "height": 800})
    check_reflow(page, 320)
    page.set_viewport_size({"width": 1024, "height": 800})


def test_finance_journey_by_keyboard(new_page: Callable[..., Any], live_server: LiveServer, database: Any,
                                     tmp_path: Path) -> None:
    code = _money_owed(database)
    number = next(_runs)
    builder = _signed_in(new_page, live_server, f"Fay Builder {number}")
    checker = _signed_in(new_page, live_server, f"Sam Checker {number}")

    builder.goto("/finance")
    assert "Payable now" in builder.content() and code in builder.content()
    _checked(builder, "/finance", "finance-home")
    tab_to(builder, "input[name=method]")  # Tab reaches the radio group at its first choice: bank transfer
    builder.keyboard.press("Space")
    assert builder.is_checked("input[name=method][value=bank_transfer]")
    tab_to(builder, "#project")
    builder.keyboard.type(f"Project {code.title()}")  # a closed select chooses by typing its words
    assert builder.locator("#project option:checked").inner_text().endswith(f"({code})")
    tab_to_text(builder, "Build the batch")
    press_and_wait(builder)
    assert "/finance/batches/" in builder.url and "built: 2 payments" in builder.content()
    batch_path = builder.url.removeprefix(live_server.base_url)
    assert "FERN JOURNEY" in builder.content() and "****4958" in builder.content()
    assert GOOD_ACCOUNT not in builder.content()

    # The builder is refused, kindly; the second officer approves.
    tab_to(builder, "#approve")
    press_and_wait(builder)
    assert "you cannot approve it yourself" in builder.locator(".govuk-error-summary").inner_text()
    check_accessibility(builder, "refused approval")
    screenshot(builder, "finance-four-eyes")
    checker.goto(batch_path)
    _checked(checker, batch_path, "finance-batch-draft")
    tab_to(checker, "#approve", max_presses=120)
    press_and_wait(checker)
    assert "approved" in checker.locator(".govuk-notification-banner").inner_text()

    # Download the bank file: the format radios, arrow keys, the Download button.
    tab_to(checker, "input[name=format]", max_presses=120)
    checker.keyboard.press("Space")
    checker.keyboard.press("ArrowDown")  # csv -> bank-csv
    assert checker.is_checked("input[name=format][value=bank-csv]")
    tab_to(checker, "#download")
    with checker.expect_download() as download:
        checker.keyboard.press("Enter")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes() and "bank" in saved.name
    checker.goto(batch_path)
    _checked(checker, batch_path, "finance-batch-approved")

    # Mark it paid: the date boxes start at today.
    tab_to(checker, "#mark-paid", max_presses=120)
    press_and_wait(checker)
    assert "marked paid" in checker.locator(".govuk-notification-banner").inner_text()
    with transaction(database) as session:
        batch = session.scalar(select(Batch).where(Batch.id == int(batch_path.rsplit("/", 1)[1])))
        assert batch is not None and batch.status == "paid" and batch.paid_on == clock.today()

    # One payment came back: its reason, then the line shows it.
    tab_to_text(checker, "It came back", max_presses=150)
    press_and_wait(checker)
    _checked(checker, "return a line", "finance-return-line")
    tab_to(checker, "#reason")
    checker.keyboard.type("account closed")
    tab_to_text(checker, "Record the returned payment")
    press_and_wait(checker)
    assert "recorded as returned" in checker.locator(".govuk-notification-banner").inner_text()
    assert "Came back" in checker.content()

    # Payment advice for one person (a PDF), by keyboard.
    tab_to(checker, 'a[aria-label^="Payment advice for"]', max_presses=150)
    with checker.expect_download() as advice:
        checker.keyboard.press("Enter")
    pdf = tmp_path / "advice.pdf"
    advice.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    _checked(checker, batch_path, "finance-batch-paid")


def test_history_and_payee_changes_pages(new_page: Callable[..., Any], live_server: LiveServer,
                                         database: Any) -> None:
    _money_owed(database)
    page = _signed_in(new_page, live_server, f"Ola Officer {next(_runs)}")
    page.goto("/finance/batches")
    _checked(page, "/finance/batches", "finance-batches")
    page.goto("/finance/batches?made_from=31/2/2026")
    assert page.locator(".govuk-error-summary").is_visible()
    check_accessibility(page, "history with a bad filter")
    page.goto("/finance/payee-changes")
    assert "Hal Journey" in page.content()
    _checked(page, "/finance/payee-changes", "finance-payee-changes")


def test_confirming_a_change_works_without_javascript(new_page: Callable[..., Any], live_server: LiveServer,
                                                      database: Any) -> None:
    _money_owed(database)
    page = new_page(javascript=False)
    sign_in_browser(page.context, live_server.base_url,
                    web_session_cookie(live_server.database_url, Role.FINANCE, name=f"Nia NoScript {next(_runs)}"))
    page.goto("/finance/payee-changes")
    page.get_by_role("button", name="Confirm the change for Hal Journey").first.click()
    page.wait_for_url("**/finance/payee-changes")
    assert "Change confirmed: Hal Journey" in page.content()
