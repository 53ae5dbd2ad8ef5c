"""The lead's participant form refuses an e-mail address the ledger could not send to (one rule,
``ledger.email_address.usable_address``, the same the message worker applies): error beside the field,
what was typed kept, nothing saved."""

from __future__ import annotations

import re
from collections.abc import Callable

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from web_signin import make_participant, submit

from ledger.db.engine import transaction
from ledger.db.models import Participant, Project, Role

Client = TestClient[Litestar]


def test_two_addresses_or_a_line_break_are_refused_beside_the_field(
    client_for: Callable[..., Client], web_db: sessionmaker[Session]
) -> None:
    with transaction(web_db) as session:
        make_participant(session, "Ann Alpha", ("ALPHA",))
        alpha = str(session.scalar(select(Project.id).where(Project.code == "ALPHA")))
    lead = client_for(Role.LEAD, projects=("ALPHA",))
    form = {"project": alpha, "name": "Eve Example", "payment_preference": "voucher",
            "statement_style": "standard", "contact_preference": "email"}
    with web_db() as session:
        before = session.scalar(select(func.count()).select_from(Participant))
    for typed in ("eve@example.org, dee@example.org", "eve@example.org\r\nBcc: x@example.org"):
        bad = submit(lead, "/participants/new", "/participants/new", {**form, "email": typed})
        assert bad.status_code == 400, bad.text
        summary = bad.text.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
        assert re.findall(r'href="#([^"]+)"', summary) == ["email"]
        assert "an e-mail address we can send to" in summary
        assert 'id="email-error"' in bad.text  # beside the field too
        assert 'value="Eve Example"' in bad.text
    kept = submit(lead, "/participants/new", "/participants/new", {**form, "email": "eve@example.org, dee@example.org"})
    assert 'value="eve@example.org, dee@example.org"' in kept.text
    with web_db() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == before
    good = submit(lead, "/participants/new", "/participants/new", {**form, "email": " eve@example.org "})
    assert good.status_code == 200 and "Eve Example added" in good.text
