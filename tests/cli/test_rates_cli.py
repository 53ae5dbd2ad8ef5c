"""``ledger rates list|show|check``: what an administrator sees, and how a bad card is reported."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.rates.registry import PRESETS, default_registry

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def presets_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LEDGER_RATE_CARDS", raising=False)
    default_registry.cache_clear()
    yield
    default_registry.cache_clear()


@pytest.fixture
def own_cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An organisation's own card folder, named in LEDGER_RATE_CARDS."""
    folder = tmp_path / "our-cards"
    folder.mkdir()
    monkeypatch.setenv("LEDGER_RATE_CARDS", str(folder))
    default_registry.cache_clear()
    return folder


def preset_text(key: str) -> str:
    return (PRESETS / f"{key}.toml").read_text(encoding="utf-8")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_no_crash(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def test_list_shows_every_preset_with_its_versions() -> None:
    result = run("rates", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("day-rate-example")
    assert "(GBP; versions from 2009-04-01)" in lines[0]
    assert lines[1].startswith("nihr-style")
    assert "NIHR-style public involvement rates (GBP; versions from 2022-08-31, 2025-12-16)" in lines[1]


def test_list_includes_the_organisations_own_cards(own_cards: Path) -> None:
    text = preset_text("day-rate-example").replace('key = "day-rate-example"', 'key = "our-rates"')
    (own_cards / "ours.toml").write_text(text, encoding="utf-8")
    result = run("rates", "list")
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["day-rate-example", "nihr-style", "our-rates"]


def test_list_with_a_broken_own_card_exits_1_naming_the_file(own_cards: Path) -> None:
    (own_cards / "broken.toml").write_text('key = "ours"\n', encoding="utf-8")
    result = run("rates", "list")
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "a rate card could not be loaded" in result.stderr
    assert "broken.toml: name: is missing" in result.stderr


def test_show_describes_a_card_version_by_version_in_plain_words() -> None:
    result = run("rates", "show", "nihr-style")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("NIHR-style public involvement rates (nihr-style)")
    assert "Version in force from 2022-08-31" in out and "Version in force from 2025-12-16" in out
    assert out.index("£25.00 an hour") < out.index("Version in force from 2025-12-16") < out.index("£27.50 an hour")
    assert "fixed fee £13.75" in out
    assert "chair x1.5" in out
    assert "rounded up to 15 min; at least 30 min paid" in out
    assert "Mileage, Car or van: £0.45 a mile (£0.25 beyond 10,000 miles in the tax year)" in out
    assert "Food and drink (up to £10.00 a day)" in out
    assert "A receipt is needed for any claim above £10.00" in out
    assert "illustrative rates, check the current published guidance" in out


def test_show_a_banded_card_says_the_last_band_applies_above_its_limit() -> None:
    result = run("rates", "show", "day-rate-example")
    assert result.exit_code == 0
    assert "up to 4 h: £75.00; up to 8 h: £150.00 (the last band also applies above its limit)" in result.stdout


def test_show_an_unknown_card_exits_1_with_a_clear_message() -> None:
    result = run("rates", "show", "nope")
    assert_no_crash(result)
    assert result.exit_code == 1
    assert result.stderr == "error: no rate card called 'nope'; known cards: day-rate-example, nihr-style\n"


def test_show_a_card_with_an_unpaid_activity(own_cards: Path) -> None:
    text = (preset_text("day-rate-example").replace('key = "day-rate-example"', 'key = "volunteer"')
            .replace('hourly_rate = "18.75"', 'hourly_rate = "0.00"'))
    (own_cards / "volunteer.toml").write_text(text, encoding="utf-8")
    result = run("rates", "show", "volunteer")
    assert_no_crash(result)
    assert result.exit_code == 0
    assert "Reading and commenting on documents: £0.00 an hour" in result.stdout


def test_show_with_a_broken_own_card_exits_1_naming_the_file(own_cards: Path) -> None:
    (own_cards / "broken.toml").write_text('key = "ours"\n', encoding="utf-8")
    result = run("rates", "show", "nihr-style")
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "a rate card could not be loaded" in result.stderr
    assert "broken.toml: name: is missing" in result.stderr


def test_check_a_good_file_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "good.toml"
    path.write_text(preset_text("nihr-style"), encoding="utf-8")
    result = run("rates", "check", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: OK\n"


def test_check_a_bad_file_exits_1_listing_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    text = (preset_text("nihr-style")
            .replace('currency = "GBP"', 'currency = "XYZ"')
            .replace('hourly_rate = "25.00"', "hourly_rate = 25.0", 1)
            .replace("minimum_involvement_minutes = 30", "minimum_involvement_minutes = 20", 1)
            .replace('multiplier = "1.5"', 'multiplier = "1.5"\nmultipler = "2"'))
    path.write_text(text, encoding="utf-8")
    result = run("rates", "check", str(path))
    assert_no_crash(result)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {path}: 5 problem(s) found"
    assert f"  - {path}: currency: unknown currency 'XYZ'" in "\n".join(lines)
    for place in (
        "version from 2022-08-31: time.minimum_involvement_minutes: must be a whole number of rounding units",
        "version from 2022-08-31: activities.meeting.hourly_rate: write money as a quoted string",
        "version from 2022-08-31: roles.chair.multipler: unknown key",
        "version from 2025-12-16: roles.chair.multipler: unknown key",
    ):
        assert any(place in line for line in lines), place
    assert len(lines) == 6


def test_check_invalid_toml_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("key = \n", encoding="utf-8")
    result = run("rates", "check", str(path))
    assert result.exit_code == 1
    assert "not valid TOML" in result.stderr


def test_check_a_missing_file_exits_1(tmp_path: Path) -> None:
    result = run("rates", "check", str(tmp_path / "nowhere.toml"))
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "file not found" in result.stderr


def test_check_a_folder_instead_of_a_file_exits_1_without_a_traceback(tmp_path: Path) -> None:
    result = run("rates", "check", str(tmp_path))
    assert_no_crash(result)
    assert result.exit_code == 1
    assert f"{tmp_path}: is a folder, not a card file" in result.stderr


def test_check_a_date_time_where_a_date_belongs_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "datetime.toml"
    path.write_text(preset_text("nihr-style").replace("effective_from = 2025-12-16",
                                                      "effective_from = 2025-12-16T09:00:00"), encoding="utf-8")
    result = run("rates", "check", str(path))
    assert_no_crash(result)
    assert result.exit_code == 1
    assert "versions[1]: effective_from: must be a date such as 2025-12-16, without a time of day" in result.stderr


@pytest.mark.slow  # starts a real ledger process
def test_a_real_process_reports_an_unknown_card_without_a_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LEDGER_RATE_CARDS"}
    done = subprocess.run(
        [sys.executable, "-m", "ledger", "rates", "show", "nope"],
        capture_output=True, cwd=REPO, env=env, timeout=120, check=False,
    )
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert b"no rate card called 'nope'" in done.stderr
