"""``ledger quote [FILE]``: the quote contract on the command line, with exact numbers and clear errors.

Amounts in comments are worked by hand from the nihr-style card (from 16 December 2025: meetings
£27.50 an hour, chair x1.5, 45p a mile then 25p beyond 10,000 miles, passengers 5p a mile).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.rates.registry import default_registry

REPO = Path(__file__).resolve().parents[2]

CHAIR_WITH_TRAVEL: dict[str, Any] = {
    "rate_card": "nihr-style",
    "date": "2026-01-20",
    "activity": "meeting",
    "role": "chair",
    "involvement_minutes": 90,
    "preparation_minutes": 120,
    "mileage": {"vehicle": "car", "miles": 120, "passengers": 1, "miles_earlier_in_tax_year": 9950},
    "expenses": [{"category": "taxi", "amount": "15.00", "receipt": "TX-1"}],
}
# involvement 90 min at £41.25 (27.50 x 1.5) = £61.875 -> 61.88; preparation capped at 90 min = 41.25;
# 50 miles at 45p = 22.50 and 70 miles at 25p = 17.50; 1 passenger x 120 miles at 5p = 6.00; taxi 15.00.
# Fees 61.88 + 41.25 = 103.13; expenses 22.50 + 17.50 + 6.00 + 15.00 = 61.00; total 164.13.
EXPECTED_LINES = [
    ("involvement", 90, None, "41.25", "61.88"),
    ("preparation", 90, None, "27.50", "41.25"),
    ("mileage", None, 50, "0.45", "22.50"),
    ("mileage", None, 70, "0.25", "17.50"),
    ("passenger", None, 120, "0.05", "6.00"),
    ("expense", None, 1, "15.00", "15.00"),
]


@pytest.fixture(autouse=True)
def presets_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only the shipped cards, whatever the machine's environment says; a fresh registry each test."""
    monkeypatch.delenv("LEDGER_RATE_CARDS", raising=False)
    default_registry.cache_clear()
    yield
    default_registry.cache_clear()


def run(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, args, input=stdin)


def assert_no_crash(result: Result) -> None:
    """Either success or a deliberate exit: never an escaped exception (what would print a traceback)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def line_tuples(response: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (line["kind"], line.get("minutes"), line.get("quantity"), line["rate"], line["amount"])
        for line in response["lines"]
    ]


def test_quote_from_a_file_prints_exact_json(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(CHAIR_WITH_TRAVEL), encoding="utf-8")
    result = run(["quote", str(request)])
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert line_tuples(response) == EXPECTED_LINES
    assert (response["rate_card"], response["version_from"], response["currency"]) == (
        "nihr-style", "2025-12-16", "GBP",
    )
    assert (response["fees_total"], response["expenses_total"], response["total"]) == ("103.13", "61.00", "164.13")
    assert all(line["explanation"] for line in response["lines"])


def test_quote_from_standard_input_gives_the_same_answer(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(CHAIR_WITH_TRAVEL), encoding="utf-8")
    from_file = run(["quote", str(request)])
    from_stdin = run(["quote"], json.dumps(CHAIR_WITH_TRAVEL).encode())
    assert from_stdin.exit_code == 0, from_stdin.output
    assert from_stdin.stdout == from_file.stdout


def test_money_in_the_response_is_always_a_string_never_a_number() -> None:
    result = run(["quote"], json.dumps(CHAIR_WITH_TRAVEL).encode())
    # Parse with floats refused: every amount and rate must already be a string.
    response = json.loads(result.stdout, parse_float=lambda text: pytest.fail(f"float in response: {text}"))
    assert isinstance(response["total"], str)


def test_a_quote_before_the_uplift_uses_the_first_version() -> None:
    request = {**CHAIR_WITH_TRAVEL, "date": "2025-12-15", "mileage": None, "expenses": []}
    response = json.loads(run(["quote"], json.dumps(request).encode()).stdout)
    # £25.00 x 1.5 = £37.50 x 1.5 h = £56.25; preparation 90 min at £25.00 = £37.50; total £93.75.
    assert response["version_from"] == "2022-08-31"
    assert line_tuples(response) == [
        ("involvement", 90, None, "37.50", "56.25"), ("preparation", 90, None, "25.00", "37.50"),
    ]
    assert response["total"] == "93.75"


def test_defaults_apply_when_optional_fields_are_left_out() -> None:
    minimal = {"rate_card": "nihr-style", "date": "2026-01-20", "activity": "survey"}
    response = json.loads(run(["quote"], json.dumps(minimal).encode()).stdout)
    assert line_tuples(response) == [("fixed_fee", None, 1, "13.75", "13.75")]
    assert response["expenses_total"] == "0.00"


REMOVE = object()  # in a change below: leave this field out of the request

BAD_REQUESTS: list[tuple[str, bytes | dict[str, Any], str]] = [
    ("invalid JSON", b'{"rate_card": "nihr-style", ', "not valid JSON"),
    ("missing field", {"activity": REMOVE}, "kind of activity (activity) is required"),
    ("float minutes", {"involvement_minutes": 30.5}, "involvement minutes must be a whole number (not 30.5)"),
    ("negative minutes", {"involvement_minutes": -15}, "involvement minutes must not be negative (got -15)"),
    ("more than a day", {"preparation_minutes": 1441}, "preparation minutes must be at most 1440"),
    ("minutes as text", {"travel_minutes": "ten"}, "travel minutes must be a whole number"),
    ("unknown activity", {"activity": "juggling"},
     "kind of activity (activity) must be one of: co_facilitation, document_review, interview_panel, meeting, "
     "survey (not 'juggling')"),
    ("unknown role", {"role": "king"}, "role must be one of: chair, member (not 'king')"),
    ("unknown mode", {"mode": "telepathy"}, "mode"),
    ("unknown vehicle", {"mileage": {"vehicle": "spaceship", "miles": 5}},
     "vehicle (mileage.vehicle) must be one of: bicycle, car, motorcycle (not 'spaceship')"),
    ("missing vehicle", {"mileage": {"miles": 5}}, "vehicle (mileage.vehicle) is required"),
    ("negative miles", {"mileage": {"vehicle": "car", "miles": -5}},
     "miles driven (mileage.miles) must be a whole number from 0 to 10000"),
    ("unknown category", {"expenses": [{"category": "yacht", "amount": "1.00"}]}, "expenses[0].category"),
    ("malformed money", {"expenses": [{"category": "taxi", "amount": "12.3.4"}]}, "expenses[0].amount"),
    ("money as a number", {"expenses": [{"category": "taxi", "amount": 12.5}]},
     "amount of expense 1 (expenses[0].amount) must be an amount written as text in quotes"),
    ("too many pence", {"expenses": [{"category": "taxi", "amount": "1.234"}]}, "expenses[0].amount"),
    ("missing receipt", {"expenses": [{"category": "taxi", "amount": "15.00"}]}, "expenses[0].receipt"),
    ("malformed date", {"date": "20/01/2026"}, "date"),
    ("before the first version", {"date": "2022-08-30"},
     "date of the activity (date): no rate is in force on 2022-08-30"),
    ("typo in a field", {"involvment_minutes": 60},
     "involvment minutes is not a field here; the fields are: rate_card, date"),
    ("unknown card", {"rate_card": "nope"}, "no rate card called 'nope'; known cards: day-rate-example, nihr-style"),
]


@pytest.mark.parametrize(("raw", "named"), [(raw, named) for _, raw, named in BAD_REQUESTS],
                         ids=[name for name, _, _ in BAD_REQUESTS])
def test_bad_input_exits_non_zero_naming_the_field(raw: bytes | dict[str, Any], named: str) -> None:
    base = {"rate_card": "nihr-style", "date": "2026-01-20", "activity": "meeting", "involvement_minutes": 60}
    if isinstance(raw, bytes):
        body = raw
    else:
        changed = {key: value for key, value in {**base, **raw}.items() if value is not REMOVE}
        body = json.dumps(changed).encode()
    result = run(["quote"], body)
    assert_no_crash(result)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert named in result.stderr


def test_several_problems_are_each_listed() -> None:
    body = {"rate_card": "nihr-style", "date": "2026-01-20", "activity": "meeting",
            "involvement_minutes": -1, "travel_minutes": 2000}
    result = run(["quote"], json.dumps(body).encode())
    assert result.exit_code == 1
    assert "  - involvement minutes must not be negative (got -1)" in result.stderr
    assert "  - travel minutes must be at most 1440" in result.stderr


def test_every_rate_card_problem_is_listed_at_once() -> None:
    """An unknown vehicle no longer hides a fare with too many pence or an unknown category (nor an unknown
    activity an unknown role): the command line says all of them, in plain words, with what is allowed."""
    body = {"rate_card": "nihr-style", "date": "2026-01-20", "activity": "meetin", "role": "chiar",
            "involvement_minutes": 60, "mileage": {"vehicle": "horse", "miles": 5},
            "expenses": [{"category": "taxi", "amount": "18.405", "receipt": "R1"},
                         {"category": "teleport", "amount": "1.00"}]}
    result = run(["quote"], json.dumps(body).encode())
    assert result.exit_code == 1
    assert result.stderr.startswith("error: There are 5 problems with the request: ")
    for said in ("  - kind of activity (activity) must be one of: ", "(not 'meetin')",
                 "  - role must be one of: chair, member (not 'chiar')",
                 "  - vehicle (mileage.vehicle) must be one of: bicycle, car, motorcycle (not 'horse')",
                 "  - amount of expense 1 (expenses[0].amount) '18.405' has more than 2 decimal places",
                 "  - category of expense 2 (expenses[1].category) must be one of: ", "(not 'teleport')"):
        assert said in result.stderr


def test_a_missing_request_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run(["quote", str(tmp_path / "missing.json")])
    assert_no_crash(result)
    assert result.exit_code == 2
    assert "No such file or directory" in result.stderr


def _ledger(
    *args: str, stdin: bytes = b"", extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "LEDGER_RATE_CARDS"}
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args], input=stdin, capture_output=True, cwd=REPO, env=env,
        timeout=120, check=False,
    )


@pytest.mark.slow  # starts a real ledger process
def test_a_real_process_quotes_from_standard_input() -> None:
    done = _ledger("quote", stdin=json.dumps(CHAIR_WITH_TRAVEL).encode())
    assert done.returncode == 0, done.stderr.decode()
    response = json.loads(done.stdout)
    assert line_tuples(response) == EXPECTED_LINES
    assert response["total"] == "164.13"


@pytest.mark.slow  # starts a real ledger process
def test_a_real_process_refuses_bad_input_without_a_traceback() -> None:
    done = _ledger("quote", stdin=b'{"rate_card": "nihr-style", "date": "2026-01-20", "activity": "meeting", '
                                   b'"involvement_minutes": 1.5}')
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert b"involvement minutes must be a whole number" in done.stderr


@pytest.mark.slow  # starts a real ledger process
def test_a_broken_card_in_the_organisations_folder_is_reported_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('key = "ours"\n', encoding="utf-8")
    done = _ledger("quote", stdin=json.dumps(CHAIR_WITH_TRAVEL).encode(),
                   extra_env={"LEDGER_RATE_CARDS": str(tmp_path)})
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert b"broken.toml" in done.stderr
