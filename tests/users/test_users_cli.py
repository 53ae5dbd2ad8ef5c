"""``ledger users ...``: printed links and codes, list, change, disable, and errors (``error:``, exit 1/2)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models_web import SignInCode, WebUser
from ledger.users import invitations, signin

GOOD = "kettle river orange"


def run(*args: str) -> Result:
    from ledger.cli import main

    return CliRunner().invoke(main, list(args))


def test_invite_prints_a_working_link(users_url: str, users_db: sessionmaker[Session],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_WEB_ADDRESS", "https://ledger.example.org/")
    result = run("users", "invite", "--email", "Sam@Example.org", "--name", "Sam Patel", "--role", "lead",
                 "--project", "alpha", "--database", users_url)
    assert result.exit_code == 0, result.output
    link = result.stdout.strip().splitlines()[-1]
    assert link.startswith("https://ledger.example.org/invitations/")
    assert "Invited Sam Patel <Sam@Example.org> as lead for ALPHA" in result.stderr
    with transaction(users_db) as s:
        invitations.accept(s, link.rsplit("/", 1)[1], GOOD, GOOD)
    listed = run("users", "list", "--database", users_url)
    assert listed.exit_code == 0 and "Sam Patel" in listed.stdout and "active" in listed.stdout
    assert "ALPHA" in listed.stdout


def test_code_for_a_participant_signs_them_in(users_url: str, users_db: sessionmaker[Session]) -> None:
    result = run("users", "code", "--participant", "p-0002", "--database", users_url)
    assert result.exit_code == 0, result.output
    code_line, link_line = result.stdout.strip().splitlines()
    code = code_line.split()[1]
    assert len(code) == 9 and code[4] == "-" and "/sign-in/link/" in link_line
    assert "P-0002" in result.stderr
    with transaction(users_db) as s:
        outcome = signin.with_code(s, code, None)
        assert outcome.ok and outcome.signed_in is not None and outcome.signed_in.participant_id == 2


def test_change_and_disable(users_url: str, users_db: sessionmaker[Session]) -> None:
    run("users", "invite", "--email", "f@example.org", "--name", "Fi Finance", "--role", "finance",
        "--database", users_url)
    changed = run("users", "change", "F@example.org", "--role", "lead", "--project", "BETA", "--database", users_url)
    assert changed.exit_code == 0 and "Fi Finance is now lead for BETA." in changed.stdout
    disabled = run("users", "disable", "1", "--database", users_url)
    assert disabled.exit_code == 0 and "Disabled Fi Finance" in disabled.stdout
    again = run("users", "disable", "f@example.org", "--database", users_url)
    assert again.exit_code == 1 and again.stderr.startswith("error: ") and "already disabled" in again.stderr
    with users_db() as s:
        assert s.scalar(select(WebUser.status)) == "disabled"


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (("users", "invite", "--email", "x", "--name", "X", "--role", "lead"), 1, "correct format"),
        (("users", "invite", "--email", "x@example.org", "--name", "X", "--role", "lead", "--project", "NOPE"), 1,
         "no project with the code NOPE"),
        (("users", "invite", "--email", "x@example.org", "--name", "X", "--role", "participant"), 2, "participant"),
        (("users", "invite", "--email", "x@example.org", "--name", "X"), 2, "--role"),
        (("users", "code", "--participant", "P-9999"), 1, "no participant"),
        (("users", "disable", "nobody@example.org"), 1, "no account"),
        (("users", "reinvite", "42"), 1, "no account"),
    ],
)
def test_errors(users_url: str, users_db: sessionmaker[Session], args: tuple[str, ...], status: int,
                words: str) -> None:
    result = run(*args, "--database", users_url)
    assert result.exit_code == status, result.output
    assert result.stderr.startswith("error: ") and words in result.stderr
    assert "Traceback" not in result.output
    with users_db() as s:
        assert s.scalar(select(func.count()).select_from(WebUser)) == 0
        assert s.scalar(select(func.count()).select_from(SignInCode)) == 0


def test_commands_need_an_existing_database(tmp_path: object) -> None:
    result = run("users", "list", "--database", f"sqlite:///{tmp_path}/none.db")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")



def test_invite_can_queue_the_email(users_url: str, users_db: sessionmaker[Session]) -> None:
    from ledger.db.models_messages import OutboxMessage

    result = run("users", "invite", "--email", "em@example.org", "--name", "Em", "--role", "auditor",
                 "--send-email", "--database", users_url)
    assert result.exit_code == 0, result.output
    assert "queued to be e-mailed" in result.stderr and "/invitations/" in result.stdout
    with users_db() as s:
        assert [m.recipient for m in s.scalars(select(OutboxMessage))] == ["em@example.org"]
