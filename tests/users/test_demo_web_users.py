"""The demo's web accounts: each kind of user can sign in with what ``ledger demo`` prints."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.db.engine import transaction
from ledger.db.models import Participant, PaymentPreference, Role
from ledger.demo.run import Demo, DemoSummary
from ledger.demo.web_users import ACCOUNTS, DEMO_PASSWORD, FILE_NAME, make_web_users, sign_in_text
from ledger.users import signin


def test_demo_accounts_and_code_sign_in(tmp_path: Path) -> None:
    demo = Demo(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path)

    def person(session: Session) -> None:
        session.add(Participant(reference="P-0001", name="Margaret Ellis", preferred_name="Maggie",
                                payment_preference=PaymentPreference.DECLINE))
        from ledger.db.models import Project

        session.add(Project(code="MH-REDESIGN", name="Mental health", rate_card="nihr-style", currency="GBP"))

    demo.run(person)
    make_web_users(demo)
    text = sign_in_text(DemoSummary(database=tmp_path / "demo.db", out=tmp_path))
    assert "ledger serve --database sqlite:///" in text and "http://127.0.0.1:8000/sign-in" in text
    assert DEMO_PASSWORD in text and all(account.email in text for account in ACCOUNTS)
    code = re.search(r"sign-in code (\w{4}-\w{4})", text)
    assert code is not None and (tmp_path / FILE_NAME).exists()
    roles = set()
    with transaction(demo.factory) as session:
        for account in ACCOUNTS:
            outcome = signin.with_password(session, account.email, DEMO_PASSWORD, None)
            assert outcome.ok and outcome.signed_in is not None, account.email
            roles.add(outcome.signed_in.role)
        participant = signin.with_code(session, code.group(1), None)
        assert participant.ok and participant.signed_in is not None
        roles.add(participant.signed_in.role)
    assert roles == set(Role)
    demo.engine.dispose()
