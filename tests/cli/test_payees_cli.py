"""``ledger payees pending|show|confirm|refuse``: four eyes from the command line, numbers masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import COMMAND_MODULES
from ledger.cli.payees_cmd import payees
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import Participant, Role
from ledger.involvement.participants import create_participant
from ledger.involvement.payee_changes import pending_for
from ledger.involvement.schemas import BankIn, ParticipantCreate
from ledger.security.actor import Actor

IMPORTER = Actor(token_id=None, name="Ida Import", role=Role.ADMIN)


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, int]:
    """A ledger with one participant whose bank details (entered by Ida, no token) wait for a second person."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        person = create_participant(session, IMPORTER, ParticipantCreate(
            name="Jo Smith", payment_preference="bank_transfer",
            bank=BankIn("J SMITH", "12-34-56", "12345678")))
        change = pending_for(session, person.id)
        assert change is not None
        change_id = change.id
    engine.dispose()
    return url, change_id


def run(*args: str) -> Result:
    return CliRunner().invoke(payees, list(args), catch_exceptions=False)


def _bank(url: str) -> str | None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        number = session.get(Participant, 1).bank_account_number  # type: ignore[union-attr]
    engine.dispose()
    return number


def test_the_command_is_registered() -> None:
    assert "ledger.cli.payees_cmd" in COMMAND_MODULES


def test_pending_and_show_list_the_change_masked(database: tuple[str, int]) -> None:
    url, change_id = database
    listed = run("pending", "--database", url)
    assert listed.exit_code == 0, listed.output
    assert f"Change {change_id} for P-0001 Jo Smith: pending" in listed.output
    assert "**-**-56" in listed.output and "****5678" in listed.output and "proposed by Ida Import" in listed.output
    assert "12345678" not in listed.output and "123456" not in listed.output
    shown = run("show", str(change_id), "--database", url)
    assert shown.exit_code == 0 and "now:      bank_transfer" in shown.output and "12345678" not in shown.output


def test_the_proposer_cannot_confirm_and_a_second_person_can(database: tuple[str, int]) -> None:
    url, change_id = database
    own = run("confirm", str(change_id), "--as", "ida import", "--database", url)
    assert own.exit_code == 1 and "you cannot confirm it yourself" in own.output
    assert _bank(url) is None
    confirmed = run("confirm", str(change_id), "--as", "Olu Okafor", "--database", url)
    assert confirmed.exit_code == 0, confirmed.output
    assert "Confirmed change" in confirmed.output and "12345678" not in confirmed.output
    assert _bank(url) == "12345678"
    assert "No payee changes are waiting." in run("pending", "--database", url).output
    again = run("confirm", str(change_id), "--as", "Olu Okafor", "--database", url)
    assert again.exit_code == 1 and "already confirmed" in again.output


def test_refuse_needs_a_reason_and_the_change_never_takes_effect(database: tuple[str, int]) -> None:
    url, change_id = database
    blank = run("refuse", str(change_id), "--as", "Olu", "--reason", " ", "--database", url)
    assert blank.exit_code == 1 and "reason" in blank.output
    refused = run("refuse", str(change_id), "--as", "Olu", "--reason", "not asked for", "--database", url)
    assert refused.exit_code == 0, refused.output
    assert _bank(url) is None
    assert run("confirm", str(change_id), "--as", "Someone else", "--database", url).exit_code == 1


def test_a_name_is_required_and_unknown_ids_are_clear(database: tuple[str, int]) -> None:
    url, change_id = database
    missing = CliRunner().invoke(payees, ["confirm", str(change_id), "--database", url])
    assert missing.exit_code != 0 and "--as" in missing.output
    empty = run("confirm", str(change_id), "--as", "  ", "--database", url)
    assert empty.exit_code == 1 and "error: --as needs your name" in empty.output
    unknown = run("confirm", "999", "--as", "Olu", "--database", url)
    assert unknown.exit_code == 1 and "no payee change with id 999" in unknown.output


def test_a_database_never_set_up_is_refused(tmp_path: Path) -> None:
    result = run("pending", "--database", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.exit_code == 1 and result.output.startswith("error:")
