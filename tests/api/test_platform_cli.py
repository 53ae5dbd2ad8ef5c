"""``ledger db|token|serve`` on the command line: good input works, bad input gets a clear message."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ledger.cli import db_cmd, serve_cmd, token_cmd
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Participant, PaymentPreference
from ledger.security.tokens import authenticate


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("ledger")
    for module in (db_cmd, token_cmd, serve_cmd):
        module.register(group)
    return group


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(cli: click.Group, *args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_db_upgrade_creates_the_schema(cli: click.Group, url: str) -> None:
    result = run(cli, "db", "upgrade", "--database", url)
    assert result.exit_code == 0, result.output
    assert re.search(r"up to date \(revision \d{4}\)", result.output), result.output
    assert run(cli, "db", "upgrade", "--database", url).exit_code == 0


def test_token_create_prints_the_secret_alone_on_the_last_line(cli: click.Group, url: str) -> None:
    result = run(cli, "token", "create", "--name", "Sam (finance)", "--role", "finance", "--database", url)
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("ldg_") and " " not in secret
    assert result.stdout.strip() == secret
    assert "shown only once" in result.output
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        actor = authenticate(session, secret)
    engine.dispose()
    assert actor is not None and actor.name == "Sam (finance)"


def test_token_list_never_shows_secrets_and_revoke_works(cli: click.Group, url: str) -> None:
    secret = run(cli, "token", "create", "--name", "Lee", "--role", "admin", "--database", url).stdout.strip()
    listing = run(cli, "token", "list", "--database", url)
    assert listing.exit_code == 0 and "Lee" in listing.output and "active" in listing.output
    assert secret not in listing.output and secret[4:20] not in listing.output
    revoked = run(cli, "token", "revoke", "1", "--database", url)
    assert revoked.exit_code == 0 and "Revoked token 1" in revoked.output
    assert "revoked" in run(cli, "token", "list", "--database", url).output
    again = run(cli, "token", "revoke", "1", "--database", url)
    assert again.exit_code == 1 and "already revoked" in again.output
    missing = run(cli, "token", "revoke", "42", "--database", url)
    assert missing.exit_code == 1 and "no token with id 42" in missing.output


def test_lead_and_participant_scopes(cli: click.Group, url: str) -> None:
    run(cli, "db", "upgrade", "--database", url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        session.add(Participant(reference="P-0001", name="Ada", payment_preference=PaymentPreference.VOUCHER))
    with transaction(make_session_factory(engine)) as session:
        participant_id = session.scalar(select(Participant.id))
    engine.dispose()
    ok = run(
        cli,
        "token",
        "create",
        "--name",
        "Ada",
        "--role",
        "participant",
        "--participant",
        str(participant_id),
        "--database",
        url,
    )
    assert ok.exit_code == 0, ok.output
    assert "participant 1" in run(cli, "token", "list", "--database", url).output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x", "--role", "participant"], "must name the participant"),
        (["--name", "x", "--role", "participant", "--participant", "99"], "no participant with id 99"),
        (["--name", "x", "--role", "finance", "--project", "1"], "only lead tokens"),
        (["--name", "x", "--role", "lead", "--project", "7"], "no project with id 7"),
        (["--name", " ", "--role", "admin"], "give the token a name"),
        (["--name", "x", "--role", "boss"], "Invalid value for '--role'"),
        (["--name", "x", "--role", "lead", "--project", "seven"], "is not a valid integer"),
    ],
)
def test_token_create_bad_input(cli: click.Group, url: str, args: list[str], message: str) -> None:
    result = run(cli, "token", "create", *args, "--database", url)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_commands_on_a_missing_or_unreachable_database(cli: click.Group, tmp_path: Path) -> None:
    missing = run(cli, "token", "list", "--database", f"sqlite:///{tmp_path / 'nope.db'}")
    assert missing.exit_code == 1 and "ledger db upgrade" in missing.output
    assert not (tmp_path / "nope.db").exists()
    unreachable = run(cli, "db", "upgrade", "--database", "postgresql://someone:s3cret@127.0.0.1:1/none")
    assert unreachable.exit_code == 1 and "could not use the database" in unreachable.output
    assert "s3cret" not in unreachable.output
    nonsense = run(cli, "db", "upgrade", "--database", "not a url")
    assert nonsense.exit_code == 1 and "Traceback" not in nonsense.output


def test_database_url_from_the_environment(cli: click.Group, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    assert run(cli, "token", "create", "--name", "Env", "--role", "auditor").exit_code == 0
    assert "Env" in run(cli, "token", "list", "--database", url).output


def test_serve_runs_uvicorn_with_the_app(cli: click.Group, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    result = run(cli, "serve", "--port", "8123", "--database", url)
    assert result.exit_code == 0, result.output
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8123
    assert "/api/v1/schema" in result.output
    assert run(cli, "serve", "--port", "70000").exit_code == 2
