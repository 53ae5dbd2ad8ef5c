"""``/finance/messages`` in a real browser: no serious axe problem, reflows at 320 px, Send again without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from browser_helpers import LiveServer, check_accessibility, check_reflow
from messages.support import paid_batch, person
from payments.factory import set_organisation
from sqlalchemy import select
from web_signin import sign_in_browser, web_session_cookie

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Role
from ledger.db.models_messages import MessageStatus, OutboxMessage


def _failed_message(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        factory = make_session_factory(engine)
        set_organisation(factory)
        with transaction(factory) as session:
            someone = person(session, "Browser Example", email="browser@example.net")
            batch = paid_batch(session, [(someone, 4200, 0)])
            row = session.scalars(select(OutboxMessage).where(OutboxMessage.batch_id == batch.id)).one()
            row.status, row.attempts, row.last_answer = MessageStatus.FAILED.value, 6, "451 4.2.1 Mailbox busy"
            return row.id
    finally:
        engine.dispose()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_messages_page_is_accessible_and_send_again_works(new_page: Callable[..., Any], live_server: LiveServer,
                                                               javascript: bool) -> None:
    message_id = _failed_message(live_server.database_url)
    page = new_page(javascript=javascript)
    sign_in_browser(page.context, live_server.base_url, web_session_cookie(live_server.database_url, Role.FINANCE))
    page.goto("/finance/messages")
    assert page.locator("h1").inner_text() == "Messages to participants"
    assert page.get_by_text("451 4.2.1 Mailbox busy").first.is_visible()
    if javascript:
        check_accessibility(page)
        check_reflow(page)
    page.locator(f"#resend-{message_id}").click()
    page.wait_for_url("**/finance/messages?show=failed")
    assert page.get_by_text(f"Message {message_id} will be sent again").is_visible()
