"""One fact, one place: the database URL is resolved by one function, and every command reports problems
through one helper (``error: ...`` on stderr, exit status 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import settings
from ledger.api import app as api_app
from ledger.cli import batch_cmd, db_cmd, main

PACKAGE = Path(settings.__file__).parent


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_only_settings_reads_the_database_url_from_the_environment() -> None:
    reads = re.compile(r"(environ|getenv)[^\n]*LEDGER_DATABASE_URL")
    readers = [p.relative_to(PACKAGE).as_posix() for p in _sources() if reads.search(p.read_text())]
    assert readers == ["settings.py"]


def test_every_caller_uses_the_one_database_url_function(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LEDGER_DATABASE_URL", "sqlite:///from-env.db")
    assert settings.database_url() == "sqlite:///from-env.db"
    assert settings.database_url("sqlite:///given.db") == "sqlite:///given.db"
    assert db_cmd.resolve_url is settings.database_url
    assert api_app.resolve_database_url is settings.database_url
    monkeypatch.delenv("LEDGER_DATABASE_URL")
    monkeypatch.chdir(tmp_path)
    assert settings.database_url() == f"sqlite:///{(tmp_path / 'ledger.db').resolve()}"


def test_no_command_prints_its_own_error_prefix() -> None:
    cli = PACKAGE / "cli"
    offenders = []
    for path in sorted(cli.glob("*.py")):
        if path.name == "common.py":
            continue
        text = path.read_text()
        if re.search(r"click\.ClickException\(|[\"']Error: |[\"']error: |raise SystemExit\(1\)", text):
            offenders.append(path.name)
    # audit_cmd reports a broken chain as a result (exit 1 with the event), not as an error message.
    assert [name for name in offenders if name != "audit_cmd.py"] == []


def test_database_errors_are_one_helper() -> None:
    from ledger.cli import common

    assert batch_cmd.database_errors is common.friendly_errors
    assert db_cmd.cli_errors is common.cli_errors


@pytest.mark.parametrize(
    "args",
    [
        ["token", "list"],  # the db_cmd family (existing database)
        ["batch", "approve", "1", "--as", "Cal Checker"],  # the batch_cmd family (one transaction per command)
    ],
)
def test_both_command_families_say_error_the_same_way(args: list[str], tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, [*args, "--database", "nonsense://"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output
    missing = runner.invoke(main, [*args, "--database", f"sqlite:///{tmp_path / 'none' / 'x.db'}"])
    assert missing.exit_code == 1 and missing.stderr.startswith("error: ")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["batch", "export", "1", "--format", "csv"], "error: Missing option '--out'."),  # a required option
        (["no-such-command"], "error: No such command 'no-such-command'."),
        (["quote", "--no-such-option"], "error: No such option '--no-such-option'."),
        (["quote", "/no/such/file.json"], "error: Invalid value for '[FILE]'"),  # click.File cannot open it
        (["batch", "create", "--method", "cheque", "--as", "Bea"], "error: Invalid value for '--method'"),
    ],
)
def test_clicks_own_usage_errors_say_error_the_same_way(args: list[str], said: str) -> None:
    """Click's usage errors go through ledger.cli.common too: "error: ...", never "Error: ...", exit 2."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(said), result.stderr
    assert "Error:" not in result.stderr
    assert "--help" in result.stderr  # where to look next


@pytest.mark.slow  # starts a real ledger process
def test_a_real_process_reports_a_usage_error_the_same_way() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "ledger", "batch", "export", "1", "--format", "csv"],
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.decode().startswith("error: Missing option '--out'."), done.stderr
    assert b"Error:" not in done.stderr and b"Traceback" not in done.stderr


def test_the_exit_statuses_are_in_the_help() -> None:
    said = " ".join(CliRunner().invoke(main, ["--help"]).output.split())
    assert "Exit status 1" in said and "2: the command was typed wrongly" in said
