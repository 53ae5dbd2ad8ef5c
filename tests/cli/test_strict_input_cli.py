"""Strict input on the command line: ``ledger rates check`` refuses absurd rates naming the file and key,
and ``ledger quote`` refuses loose amounts and dates outside the window with one ``error:`` line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.clock import today
from ledger.rates.registry import PRESETS


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


def preset() -> str:
    return (PRESETS / "nihr-style.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("replace", "by", "key"),
    [
        ('hourly_rate = "25.00"', 'hourly_rate = "1e400"', "activities.meeting.hourly_rate"),
        ('hourly_rate = "25.00"', 'hourly_rate = "100000.00"', "activities.meeting.hourly_rate"),
        ('hourly_rate = "25.00"', 'hourly_rate = "1' + "0" * 400 + '"', "activities.meeting.hourly_rate"),
        ('multiplier = "1.5"', 'multiplier = "150"', "roles.chair.multiplier"),
        ('rate_per_mile = "0.45"', 'rate_per_mile = "45.00"', "rate_per_mile"),
    ],
)
def test_rates_check_refuses_absurd_numbers_naming_file_and_key(tmp_path: Path, replace: str, by: str,
                                                                key: str) -> None:
    text = preset()
    assert replace in text, "the preset changed: update this test"
    path = tmp_path / "absurd.toml"
    path.write_text(text.replace(replace, by, 1), encoding="utf-8")
    result = run("rates", "check", str(path))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {path}: ")
    problem = [line for line in result.stderr.splitlines() if key in line]
    assert problem and str(path) in problem[0], result.stderr
    assert "Traceback" not in result.output


def test_rates_check_takes_the_presets(tmp_path: Path) -> None:
    path = tmp_path / "fine.toml"
    path.write_text(preset(), encoding="utf-8")
    assert run("rates", "check", str(path)).exit_code == 0


def _quote(**change: object) -> dict[str, object]:
    body: dict[str, object] = {"rate_card": "nihr-style", "date": today().isoformat(), "activity": "meeting",
                               "involvement_minutes": 60}
    body.update(change)
    return body


@pytest.mark.parametrize("amount", [" 5.00", "1e3", "5.001", "+5", "5."])
def test_quote_refuses_loose_amounts(amount: str) -> None:
    body = _quote(expenses=[{"category": "public_transport", "amount": amount}])
    result = run("quote", stdin=json.dumps(body))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "expenses[0].amount" in result.stderr


@pytest.mark.parametrize("on", ["9999-12-31", "1999-12-31"])
def test_quote_refuses_dates_outside_the_window(on: str) -> None:
    result = run("quote", stdin=json.dumps(_quote(date=on)))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and f"date of the activity (date): {on}" in result.stderr


def test_quote_takes_a_plain_amount_today() -> None:
    result = run("quote", stdin=json.dumps(_quote(expenses=[{"category": "public_transport", "amount": "5.5"}])))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["expenses_total"] == "5.50"
