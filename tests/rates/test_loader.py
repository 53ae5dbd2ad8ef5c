"""Loading cards: every mistake an administrator can make is reported with file, version and key.

Bad cards are made by editing the shipped preset's TOML text (the way a person would), so each test
shows the exact line that is wrong.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.rates.contract import QuoteRequest, encode_response, run_quote
from ledger.rates.engine import QuoteInput, calculate
from ledger.rates.loader import CardError, CardProblem, check_card_file, dump_card, load_card, parse_card
from ledger.rates.registry import CardRegistry

from .support import preset_document, preset_text

FIRST = "version from 2022-08-31"
SECOND = "version from 2025-12-16"


def problems_in(text: str, tmp_path: Path, name: str = "card.toml") -> list[CardProblem]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_card_file(path)


def edited(old: str, new: str, *, count: int = 1, key: str = "nihr-style") -> str:
    """The preset with ``old`` replaced by ``new`` (the first ``count`` times): one deliberate mistake."""
    text = preset_text(key)
    assert text.count(old) >= count, f"{old!r} not in the preset"
    return text.replace(old, new, count)


def places(found: list[CardProblem]) -> list[tuple[str, str]]:
    return [(p.version, p.key) for p in found]


def test_the_shipped_presets_have_no_problems(tmp_path: Path) -> None:
    assert problems_in(preset_text("nihr-style"), tmp_path) == []
    assert problems_in(preset_text("day-rate-example"), tmp_path) == []


def test_a_missing_rate_is_reported_with_its_version_and_key(tmp_path: Path) -> None:
    text = edited('hourly_rate = "25.00"\n', "")  # the first meeting rate, first version
    found = problems_in(text, tmp_path)
    assert places(found) == [(FIRST, "activities.meeting")]
    assert "needs exactly one of hourly_rate, fixed_fee or bands; has none" in found[0].message
    assert found[0].file.endswith("card.toml")


def test_a_missing_time_rule_is_reported(tmp_path: Path) -> None:
    text = edited("follow_up_cap_minutes = 60 ", "")
    assert [(p.key, p.message) for p in problems_in(text, tmp_path)] == [("time.follow_up_cap_minutes", "is missing")]


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    text = edited("effective_from = 2025-12-16", "effective_from = 2022-08-31")
    found = problems_in(text, tmp_path)
    assert places(found) == [(FIRST, "effective_from")]
    assert "overlaps (same date as) the previous version (2022-08-31)" in found[0].message


def test_versions_out_of_order_are_refused(tmp_path: Path) -> None:
    text = edited("effective_from = 2025-12-16", "effective_from = 2020-01-01")
    found = problems_in(text, tmp_path)
    assert places(found) == [("version from 2020-01-01", "effective_from")]
    assert "out of order" in found[0].message and "oldest first" in found[0].message


def test_a_quoted_date_is_refused(tmp_path: Path) -> None:
    found = problems_in(edited("effective_from = 2025-12-16", 'effective_from = "2025-12-16"'), tmp_path)
    assert places(found) == [("versions[1]", "effective_from")]
    assert "unquoted" in found[0].message


def test_a_date_time_instead_of_a_date_is_reported_once(tmp_path: Path) -> None:
    found = problems_in(edited("effective_from = 2025-12-16", "effective_from = 2025-12-16T00:00:00"), tmp_path)
    assert [(p.key, p.message) for p in found] == [
        ("effective_from", "must be a date such as 2025-12-16, without a time of day"),
    ]


def test_a_date_time_instead_of_a_date_is_refused_naming_the_key(tmp_path: Path) -> None:
    found = problems_in(edited("effective_from = 2025-12-16", "effective_from = 2025-12-16T00:00:00"), tmp_path)
    assert found
    assert {(p.version, p.key) for p in found} == {("versions[1]", "effective_from")}
    assert "without a time of day" in found[0].message


def test_a_folder_is_not_a_card_file(tmp_path: Path) -> None:
    assert [p.message for p in check_card_file(tmp_path)] == ["is a folder, not a card file"]


def test_a_float_where_money_belongs_is_refused(tmp_path: Path) -> None:
    found = problems_in(edited('hourly_rate = "27.50"', "hourly_rate = 27.5"), tmp_path)
    assert places(found) == [(SECOND, "activities.meeting.hourly_rate")]
    assert 'write money as a quoted string, e.g. "27.50"' in found[0].message


def test_a_float_multiplier_is_refused(tmp_path: Path) -> None:
    found = problems_in(edited('multiplier = "1.5"', "multiplier = 1.5"), tmp_path)
    assert places(found) == [(FIRST, "roles.chair.multiplier")]


def test_money_with_too_many_decimal_places_is_refused(tmp_path: Path) -> None:
    found = problems_in(edited('fixed_fee = "12.50"', 'fixed_fee = "12.505"'), tmp_path)
    assert places(found) == [(FIRST, "activities.survey.fixed_fee")]
    assert "more than 2 decimal places" in found[0].message


def test_mileage_must_be_whole_pence_per_mile(tmp_path: Path) -> None:
    found = problems_in(edited('rate_per_mile = "0.45"', 'rate_per_mile = "0.455"'), tmp_path)
    assert places(found) == [(FIRST, "expenses.mileage.car.rate_per_mile")]


def test_an_hourly_rate_may_have_up_to_four_decimal_places_but_not_five(tmp_path: Path) -> None:
    assert problems_in(edited('hourly_rate = "25.00"', 'hourly_rate = "25.1234"'), tmp_path) == []
    found = problems_in(edited('hourly_rate = "25.00"', 'hourly_rate = "25.12345"'), tmp_path)
    assert places(found) == [(FIRST, "activities.meeting.hourly_rate")]


def test_a_negative_rate_is_refused(tmp_path: Path) -> None:
    found = problems_in(edited('hourly_rate = "25.00"', 'hourly_rate = "-25.00"'), tmp_path)
    assert "must not be negative" in found[0].message


def test_an_unknown_currency_is_refused(tmp_path: Path) -> None:
    found = problems_in(edited('currency = "GBP"', 'currency = "XYZ"'), tmp_path)
    assert places(found) == [("", "currency")]
    assert "unknown currency 'XYZ'" in found[0].message and "GBP" in found[0].message


def test_bands_out_of_order_are_refused(tmp_path: Path) -> None:
    text = edited("up_to_minutes = 480", "up_to_minutes = 120", key="day-rate-example")
    found = problems_in(text, tmp_path)
    assert places(found) == [("version from 2009-04-01", "activities.meeting.bands[1]")]
    assert "out of order: up_to_minutes 120 must be more than the previous band's 240" in found[0].message


def test_a_longer_band_that_pays_less_is_refused(tmp_path: Path) -> None:
    found = problems_in(edited('fee = "150.00"', 'fee = "50.00"', key="day-rate-example"), tmp_path)
    assert places(found) == [("version from 2009-04-01", "activities.meeting.bands[1]")]
    assert "must not pay less" in found[0].message


def test_an_unknown_key_such_as_a_typo_is_refused_listing_the_allowed_keys(tmp_path: Path) -> None:
    found = problems_in(edited("hourly_rate = ", "hourly_rat = "), tmp_path)
    assert (found[0].version, found[0].key) == (FIRST, "activities.meeting.hourly_rat")
    assert "unknown key; allowed here: bands, fixed_fee, hourly_rate, label" in found[0].message


def test_an_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    found = problems_in("currancy = \"GBP\"\n" + preset_text("nihr-style"), tmp_path)
    assert places(found) == [("", "currancy")]


def test_a_minimum_that_is_not_a_whole_number_of_units_is_refused(tmp_path: Path) -> None:
    found = problems_in(edited("minimum_involvement_minutes = 30", "minimum_involvement_minutes = 40"), tmp_path)
    assert places(found) == [(FIRST, "time.minimum_involvement_minutes")]
    assert "whole number of rounding units (15 min), got 40" in found[0].message


def test_invalid_toml_is_reported_as_such(tmp_path: Path) -> None:
    found = problems_in(preset_text("nihr-style").replace('key = "nihr-style"', 'key = "nihr-style'), tmp_path)
    assert len(found) == 1
    assert found[0].message.startswith("not valid TOML")
    assert str(found[0]).startswith(str(tmp_path / "card.toml"))


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    assert [p.message for p in check_card_file(tmp_path / "nowhere.toml")] == ["file not found"]


def test_a_file_with_several_problems_reports_all_of_them_with_file_version_and_key(tmp_path: Path) -> None:
    text = (
        preset_text("nihr-style")
        .replace('currency = "GBP"', 'currency = "XYZ"')
        .replace('hourly_rate = "25.00"', "hourly_rate = 25.0", 1)                  # first version
        .replace("minimum_involvement_minutes = 30", "minimum_involvement_minutes = 20", 1)
        .replace('label = "Chair"', 'lable = "Chair"', 1)                          # typo, first version
        .replace('hourly_rate = "41.25"', 'hourly_rate = "41.25"\nfixed_fee = "1.00"')  # second version
    )
    found = problems_in(text, tmp_path, "ours.toml")
    assert sorted(places(found)) == sorted([
        ("", "currency"),
        (FIRST, "time.minimum_involvement_minutes"),
        (FIRST, "activities.meeting.hourly_rate"),
        (FIRST, "roles.chair.lable"),
        (FIRST, "roles.chair.label"),
        (SECOND, "activities.co_facilitation"),
    ])
    assert all(p.file == str(tmp_path / "ours.toml") for p in found)
    with pytest.raises(CardError) as caught:
        load_card(tmp_path / "ours.toml")
    message = str(caught.value)
    assert message.count("ours.toml") == len(found)
    assert f"{FIRST}: roles.chair.lable: unknown key" in message


def test_two_cards_with_the_same_key_are_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(preset_text("nihr-style"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(preset_text("nihr-style"), encoding="utf-8")
    with pytest.raises(CardError) as caught:
        CardRegistry.from_folders([tmp_path])
    # The problem names both files, so an administrator knows which one to rename.
    [problem] = caught.value.problems
    assert problem.file == str(tmp_path / "b.toml")
    assert "'nihr-style' is already used by" in problem.message and str(tmp_path / "a.toml") in problem.message


def test_a_missing_folder_of_own_cards_is_reported_not_ignored(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(CardError) as caught:
        CardRegistry.from_folders([missing])
    assert caught.value.problems[0].file == str(missing)
    assert "folder not found" in caught.value.problems[0].message


# ------------------------------------------------------------------------------------ JPY


JPY_CARD = """
key = "tokyo-example"
name = "Tokyo involvement rates (example)"
currency = "JPY"
description = "Meetings by the hour in yen."
source = "Test card: yen have no minor units."

[[versions]]
effective_from = 2024-04-01

[versions.time]
rounding_unit_minutes = 15
minimum_involvement_minutes = 30
preparation_cap = "1.0"
follow_up_cap_minutes = 60
travel_time_paid = true

[versions.activities.meeting]
label = "Meeting"
hourly_rate = "2999"

[versions.activities.survey]
label = "Survey"
fixed_fee = "1500"

[versions.roles.chair]
label = "Chair"
multiplier = "1.5"

[versions.limits]
daily_fee_cap = "10000"

[versions.expenses]
online_allowance = "500"
passenger_rate_per_mile = "8"
receipt_required_above = "2000"

[versions.expenses.mileage.car]
label = "Car"
rate_per_mile = "40"

[versions.expenses.at_cost.train]
label = "Train"
"""


def test_a_yen_card_works_end_to_end_with_no_minor_units(tmp_path: Path) -> None:
    path = tmp_path / "tokyo.toml"
    path.write_text(JPY_CARD, encoding="utf-8")
    card = load_card(path)
    registry = CardRegistry([card])
    request = QuoteRequest(
        rate_card="tokyo-example", date=date(2024, 6, 1), activity="meeting", role="chair", mode="online",
        involvement_minutes=62, preparation_minutes=20, travel_minutes=40,
    )
    response = run_quote(request, registry)
    # Involvement 62 -> 75 min at ¥2,999 x 1.5 = ¥4,498.5 an hour: 4498.5 x 75 / 60 = 5623.125 -> ¥5,623.
    # Preparation 20 -> 30 min at ¥2,999: 1499.5 -> ¥1,500 (half-up). Travel 40 -> 45 min: 2249.25 -> ¥2,249.
    # Fees 5,623 + 1,500 + 2,249 = ¥9,372 (under the ¥10,000 cap); online allowance ¥500.
    assert [(line.kind, line.minutes or line.quantity, line.rate, line.amount) for line in response.lines] == [
        ("involvement", 75, "4498.5", "5623"),
        ("preparation", 30, "2999", "1500"),
        ("travel_time", 45, "2999", "2249"),
        ("online_allowance", 1, "500", "500"),
    ]
    assert (response.fees_total, response.expenses_total, response.total) == ("9372", "500", "9872")
    assert b'"total":"9872"' in encode_response(response)
    assert "¥4,498.5 an hour" in response.lines[0].explanation


def test_a_yen_card_hits_its_daily_cap_in_whole_yen(tmp_path: Path) -> None:
    card = parse_card(tomllib.loads(JPY_CARD), "tokyo.toml")
    result = calculate(card, QuoteInput(date(2024, 6, 1), "meeting", involvement_minutes=300))
    # 300 min at ¥2,999 = ¥14,995, reduced by ¥4,995 to the ¥10,000 daily cap.
    assert [line.amount for line in result.lines] == [Decimal(14995), Decimal(-4995)]
    assert result.fees_total == Decimal(10000)


def test_a_yen_card_refuses_fractional_yen(tmp_path: Path) -> None:
    found = problems_in(JPY_CARD.replace('fixed_fee = "1500"', 'fixed_fee = "1500.50"'), tmp_path)
    assert places(found) == [("version from 2024-04-01", "activities.survey.fixed_fee")]
    assert "more than 0 decimal places for JPY" in found[0].message


def test_a_yen_card_survives_writing_out_and_reading_back() -> None:
    card = parse_card(tomllib.loads(JPY_CARD), "tokyo.toml")
    assert parse_card(tomllib.loads(dump_card(card)), "again.toml") == card


def test_a_document_can_be_parsed_without_a_file() -> None:
    card = parse_card(preset_document("day-rate-example"), "<memory>")
    assert card.key == "day-rate-example" and card.versions[0].effective_from == date(2009, 4, 1)


# ------------------------------------------------------------------------- dated expense changes

CAR_CHANGE = '{ effective_from = 2026-04-06, rate_per_mile = "0.55",'


def test_a_dated_car_rate_before_its_version_starts_is_refused(tmp_path: Path) -> None:
    found = problems_in(edited(CAR_CHANGE, '{ effective_from = 2025-01-01, rate_per_mile = "0.55",'), tmp_path)
    assert places(found) == [(SECOND, "expenses.mileage.car.changes[0].effective_from")]
    assert "must be after the version's start (2025-12-16)" in found[0].message


def test_a_dated_change_must_say_what_changes_and_in_money_strings(tmp_path: Path) -> None:
    nothing = problems_in(edited(CAR_CHANGE, '{ effective_from = 2026-04-06,'), tmp_path)
    assert places(nothing) == [(SECOND, "expenses.mileage.car.changes[0]")]
    assert "says nothing changes" in nothing[0].message
    floats = problems_in(edited(CAR_CHANGE, '{ effective_from = 2026-04-06, rate_per_mile = 0.55,'), tmp_path)
    assert places(floats) == [(SECOND, "expenses.mileage.car.changes[0].rate_per_mile")]
    unknown = problems_in(edited(CAR_CHANGE, '{ effective_from = 2026-04-06, rate = "0.55",'), tmp_path)
    assert ("version from 2025-12-16", "expenses.mileage.car.changes[0].rate") in places(unknown)


def test_a_change_that_would_never_apply_names_the_next_version(tmp_path: Path) -> None:
    text = edited('rate_beyond_threshold = "0.25"       # ...then this rate (unchanged in 2026)\n'
                  'source = "HMRC approved mileage allowance payments, gov.uk \'Travel - mileage and fuel rates '
                  'and allowances\'"\n',
                  'rate_beyond_threshold = "0.25"\nchanges = [{ effective_from = 2026-01-01, rate_per_mile = '
                  '"0.50" }]\n')
    found = problems_in(text, tmp_path)
    assert places(found) == [(FIRST, "expenses.mileage.car.changes")]
    assert "would never apply: the next version starts on 2025-12-16" in found[0].message


def test_dated_changes_survive_writing_out_and_reading_back() -> None:
    card = parse_card(preset_document("nihr-style"), "nihr-style.toml")
    again = parse_card(tomllib.loads(dump_card(card)), "again.toml")
    assert again == card
    assert again.version_on(date(2026, 4, 6)).vehicle("car").on(date(2026, 4, 6)).rate_per_mile == Decimal("0.55")


def test_the_online_allowance_can_change_on_its_own_date() -> None:
    document = preset_document("nihr-style")
    document["versions"][1]["expenses"]["changes"] = [
        {"effective_from": date(2026, 9, 1), "online_allowance": "7.50", "source": "Board decision, July 2026"},
    ]
    card = parse_card(document, "edited.toml")

    def allowance(on: date) -> Decimal:
        return calculate(card, QuoteInput(on, "meeting", mode="online", involvement_minutes=60)).expenses_total

    assert allowance(date(2026, 8, 31)) == Decimal("5.00")
    assert allowance(date(2026, 9, 1)) == Decimal("7.50")
