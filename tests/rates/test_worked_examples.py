"""Worked examples from real situations, with every amount worked out by hand in the comments.

nihr-style rates: meetings, reviews and panels £25.00 an hour before 16 December 2025 and £27.50 from
that day (10% uplift); co-facilitation £37.50 then £41.25; chairing x1.5 on involvement; 15-minute
units, 30-minute minimum, preparation up to 1 x involvement, follow-up up to 60 minutes, travel time
unpaid. Amounts are rate x minutes / 60, rounded half-up to the penny per line.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from ledger.errors import Invalid, NoRateInForce
from ledger.rates.contract import decode_request, run_quote
from ledger.rates.engine import ExpenseClaim, MileageClaim, QuoteInput, calculate
from ledger.rates.taxyear import tax_year_start

from .support import BEFORE_UPLIFT, UPLIFT, card_from, lines_of, only, preset, preset_document

NIHR = preset("nihr-style")
DAY = preset("day-rate-example")
D = Decimal


def kinds(result: object) -> list[str]:
    return [line.kind for line in result.lines]  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------ chairing


def test_chair_of_90_minute_steering_group_who_prepared_two_hours_before_uplift() -> None:
    result = calculate(NIHR, QuoteInput(BEFORE_UPLIFT, "meeting", role="chair",
                                        involvement_minutes=90, preparation_minutes=120))
    # Involvement: 90 min is already whole quarter hours. £25.00 x 1.5 = £37.50 an hour;
    # £37.50 x 90 / 60 = £56.25.
    chairing = only(result, "involvement")
    assert (chairing.minutes, chairing.rate, chairing.amount) == (90, D("37.50"), D("56.25"))
    # Preparation: 120 min capped at 1.0 x 90 = 90 min, at £25.00 (no chair multiplier) = £37.50.
    prep = only(result, "preparation")
    assert (prep.minutes, prep.rate, prep.amount) == (90, D("25.00"), D("37.50"))
    # Total £56.25 + £37.50 = £93.75.
    assert result.fees_total == D("93.75") and result.total == D("93.75")
    assert result.version_from == date(2022, 8, 31)
    assert "Chair" in chairing.explanation or "chair" in chairing.explanation
    assert "we pay preparation up to 1 x the time of the activity" in prep.explanation


def test_chair_of_90_minute_steering_group_who_prepared_two_hours_after_uplift() -> None:
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", role="chair",
                                        involvement_minutes=90, preparation_minutes=120))
    # £27.50 x 1.5 = £41.25 an hour; x 1.5 h = £61.875, rounded half-up to £61.88.
    chairing = only(result, "involvement")
    assert (chairing.minutes, chairing.rate, chairing.amount) == (90, D("41.25"), D("61.88"))
    # Preparation 90 min at £27.50 = £41.25. Total £61.88 + £41.25 = £103.13.
    assert only(result, "preparation").amount == D("41.25")
    assert result.fees_total == D("103.13")
    assert result.version_from == UPLIFT


# ------------------------------------------------------------------------------------ rounding


@pytest.mark.parametrize(("on", "expected"), [
    (BEFORE_UPLIFT, D("31.25")),  # 62 min -> 75 min; £25.00 x 75 / 60 = £31.25
    (UPLIFT, D("34.38")),         # £27.50 x 75 / 60 = £34.375 -> £34.38 (half-up)
])
def test_a_62_minute_meeting_is_paid_for_75_minutes(on: date, expected: Decimal) -> None:
    result = calculate(NIHR, QuoteInput(on, "meeting", involvement_minutes=62))
    line = only(result, "involvement")
    assert (line.minutes, line.amount) == (75, expected)
    assert "rounded up to the next 15 minutes" in line.explanation
    assert "1 h 2 min" in line.explanation


@pytest.mark.parametrize(("on", "expected"), [
    (BEFORE_UPLIFT, D("12.50")),  # 30 min at £25.00 = £12.50
    (UPLIFT, D("13.75")),         # 30 min at £27.50 = £13.75
])
def test_a_20_minute_phone_call_is_paid_the_30_minute_minimum(on: date, expected: Decimal) -> None:
    result = calculate(NIHR, QuoteInput(on, "meeting", involvement_minutes=20))
    assert (only(result, "involvement").minutes, result.total) == (30, expected)


def test_a_10_minute_check_in_call_is_lifted_to_the_minimum_and_says_so() -> None:
    # 10 min rounds up to 15 min, then the 30-minute minimum applies: 30 min at £27.50 = £13.75.
    line = only(calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=10)), "involvement")
    assert (line.minutes, line.amount) == (30, D("13.75"))
    assert "we always pay at least 30 min" in line.explanation


# ------------------------------------------------------------------------------------ cancelled


@pytest.mark.parametrize(("on", "expected"), [
    (BEFORE_UPLIFT, D("43.75")),  # 100 min prep -> 105 min; £25.00 x 105 / 60 = £43.75
    (UPLIFT, D("48.13")),         # £27.50 x 105 / 60 = £48.125 -> £48.13
])
def test_a_meeting_cancelled_after_preparation_pays_all_the_preparation(on: date, expected: Decimal) -> None:
    result = calculate(NIHR, QuoteInput(on, "meeting", preparation_minutes=100))
    assert kinds(result) == ["preparation"]  # no involvement line: the meeting did not happen
    prep = only(result, "preparation")
    assert (prep.minutes, prep.amount) == (105, expected)
    assert "did not go ahead, so all your preparation is paid" in prep.explanation


# ------------------------------------------------------------------------------------ fixed fee


@pytest.mark.parametrize(("on", "fee"), [(BEFORE_UPLIFT, D("12.50")), (UPLIFT, D("13.75"))])
def test_a_survey_pays_its_fixed_fee_however_long_it_took(on: date, fee: Decimal) -> None:
    # 45 minutes, chairing and follow-up do not change a fixed fee: one line of exactly the fee.
    result = calculate(NIHR, QuoteInput(on, "survey", role="chair", involvement_minutes=45, follow_up_minutes=20))
    assert kinds(result) == ["fixed_fee"]
    line = only(result, "fixed_fee")
    assert (line.quantity, line.amount, result.total) == (1, fee, fee)
    assert "1 h 5 min" in line.explanation  # 45 + 20 minutes recorded, not paid by the hour


def test_a_survey_pays_its_fixed_fee_even_with_no_minutes_recorded() -> None:
    result = calculate(NIHR, QuoteInput(UPLIFT, "survey"))
    assert result.total == D("13.75")


# ------------------------------------------------------------------------------------ co-facilitation


def test_co_facilitating_a_150_minute_training_session_before_uplift() -> None:
    result = calculate(NIHR, QuoteInput(BEFORE_UPLIFT, "co_facilitation", involvement_minutes=150,
                                        preparation_minutes=60, follow_up_minutes=30))
    # £37.50 x 150 / 60 = £93.75; preparation 60 min = £37.50; follow-up 30 min = £18.75; total £150.00.
    assert [(line.kind, line.minutes, line.amount) for line in result.lines] == [
        ("involvement", 150, D("93.75")), ("preparation", 60, D("37.50")), ("follow_up", 30, D("18.75")),
    ]
    assert result.fees_total == D("150.00")


def test_co_facilitating_a_150_minute_training_session_after_uplift() -> None:
    result = calculate(NIHR, QuoteInput(UPLIFT, "co_facilitation", involvement_minutes=150,
                                        preparation_minutes=60, follow_up_minutes=30))
    # 4 h at £41.25 is £165.00, rounded once. £103.125 + £41.25 + £20.625: the floors 103.12 + 41.25 +
    # 20.62 leave one penny, which goes to the first of the two equal remainders (the involvement line).
    assert [line.amount for line in result.lines] == [D("103.13"), D("41.25"), D("20.62")]
    assert result.fees_total == D("165.00")
    assert "adds up to 4 h, which is £165.00" in result.lines[2].explanation
    assert "pennies are shared" not in result.lines[0].explanation  # £103.13 is its own rounding too


# ------------------------------------------------------------------------------------ follow-up


@pytest.mark.parametrize(("on", "expected"), [
    (BEFORE_UPLIFT, D("50.00")),  # review 60 min = £25.00; follow-up 100 min capped at 60 min = £25.00
    (UPLIFT, D("55.00")),         # £27.50 + £27.50
])
def test_follow_up_support_over_the_cap_is_paid_up_to_60_minutes(on: date, expected: Decimal) -> None:
    result = calculate(NIHR, QuoteInput(on, "document_review", involvement_minutes=60, follow_up_minutes=100))
    follow = only(result, "follow_up")
    assert follow.minutes == 60
    assert "we pay up to 1 h of follow-up" in follow.explanation
    assert result.fees_total == expected


# ------------------------------------------------------------------------------------ online


@pytest.mark.parametrize(("on", "fees"), [(BEFORE_UPLIFT, D("25.00")), (UPLIFT, D("27.50"))])
def test_an_online_meeting_adds_the_online_allowance_as_an_expense(on: date, fees: Decimal) -> None:
    result = calculate(NIHR, QuoteInput(on, "meeting", mode="online", involvement_minutes=60))
    allowance = only(result, "online_allowance")
    # 60 min at the hourly rate is a fee; the £5.00 allowance is an expense (not income).
    assert (allowance.category, allowance.amount) == ("expense", D("5.00"))
    assert (result.fees_total, result.expenses_total, result.total) == (fees, D("5.00"), fees + D("5.00"))


def test_an_in_person_meeting_has_no_online_allowance() -> None:
    assert not lines_of(calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=60)), "online_allowance")


# ------------------------------------------------------------------------------------ mileage


def test_a_car_trip_crossing_the_10000_mile_threshold_is_split_into_two_lines() -> None:
    trip = MileageClaim("car", 120, miles_earlier_in_tax_year=9_950)
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=60, mileage=trip))
    # 50 miles left at 45p = £22.50; the other 70 miles at 25p = £17.50; mileage total £40.00.
    mileage = lines_of(result, "mileage")
    assert [(line.quantity, line.rate, line.amount) for line in mileage] == [
        (50, D("0.45"), D("22.50")), (70, D("0.25"), D("17.50")),
    ]
    assert result.expenses_total == D("40.00")
    assert "beyond 10,000 miles in the tax year" in mileage[1].explanation


def test_a_car_trip_after_the_threshold_is_all_at_the_lower_rate() -> None:
    trip = MileageClaim("car", 40, miles_earlier_in_tax_year=12_000)
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=60, mileage=trip))
    assert [(line.quantity, line.amount) for line in lines_of(result, "mileage")] == [(40, D("10.00"))]


def test_a_driver_bringing_two_passengers_claims_the_passenger_supplement() -> None:
    trip = MileageClaim("car", 30, passengers=2)
    result = calculate(NIHR, QuoteInput(BEFORE_UPLIFT, "meeting", involvement_minutes=60, mileage=trip))
    # 30 miles at 45p = £13.50; 2 passengers x 30 miles = 60 passenger miles at 5p = £3.00.
    assert only(result, "mileage").amount == D("13.50")
    passenger = only(result, "passenger")
    assert (passenger.quantity, passenger.amount) == (60, D("3.00"))
    assert result.expenses_total == D("16.50")


def test_a_cyclist_is_paid_20p_a_mile() -> None:
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=60,
                                        mileage=MileageClaim("bicycle", 7)))
    assert only(result, "mileage").amount == D("1.40")  # 7 x 20p


def _miles_earlier(trips: list[tuple[date, int]], on: date) -> int:
    """Miles claimed earlier in the UK tax year of ``on`` (6 April to 5 April)."""
    start = tax_year_start(on)
    return sum(miles for when, miles in trips if start <= when < on)


def test_the_uk_tax_year_boundary_for_mileage_is_between_5_and_6_april() -> None:
    earlier_trips = [(date(2025, 4, 6), 4_990), (date(2025, 11, 1), 3_000), (date(2026, 3, 20), 2_000)]
    assert tax_year_start(date(2026, 4, 5)) == date(2025, 4, 6)
    assert tax_year_start(date(2026, 4, 6)) == date(2026, 4, 6)

    def trip(on: date) -> Decimal:
        claim = MileageClaim("car", 20, miles_earlier_in_tax_year=_miles_earlier(earlier_trips, on))
        return calculate(NIHR, QuoteInput(on, "meeting", involvement_minutes=60, mileage=claim)).expenses_total

    # 5 April 2026: 9,990 miles already this tax year, so 10 miles at 45p (£4.50) + 10 at 25p (£2.50).
    assert trip(date(2026, 4, 5)) == D("7.00")
    # 6 April 2026: a new tax year starts from zero, and HMRC's car rate is 55p: 20 miles = £11.00.
    assert trip(date(2026, 4, 6)) == D("11.00")


# ------------------------------------------------------------------------------------ at cost


def test_food_and_drink_over_the_10_pound_daily_cap_is_paid_up_to_the_cap() -> None:
    lunch = ExpenseClaim("subsistence", "7.50")
    tea = ExpenseClaim("subsistence", "6.00")
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=240, expenses=(lunch, tea)))
    # £7.50 is paid in full; the £6.00 only up to the £2.50 left under the £10.00 cap. Total £10.00.
    assert [(line.rate, line.amount) for line in lines_of(result, "expense")] == [
        (D("7.50"), D("7.50")), (D("6.00"), D("2.50")),
    ]
    assert result.expenses_total == D("10.00")
    assert "we pay back up to £10.00 a day, so £2.50" in result.lines[-1].explanation


def test_a_single_food_receipt_over_the_cap_is_paid_up_to_the_cap() -> None:
    meal = ExpenseClaim("subsistence", "12.40", receipt="CAFE-0412")
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=240, expenses=(meal,)))
    assert only(result, "expense").amount == D("10.00")


def test_a_15_pound_taxi_without_a_receipt_is_refused_naming_the_receipt_field() -> None:
    taxi = ExpenseClaim("taxi", "15.00")
    with pytest.raises(Invalid) as caught:
        calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=60, expenses=(taxi,)))
    assert [problem.field for problem in caught.value.problems] == ["expenses[0].receipt"]
    assert "above £10.00" in caught.value.problems[0].message


def test_a_15_pound_taxi_with_a_receipt_is_paid_at_cost() -> None:
    taxi = ExpenseClaim("taxi", "15.00", receipt="TAXI-2291")
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=60, expenses=(taxi,)))
    line = only(result, "expense")
    assert (line.category, line.amount) == ("expense", D("15.00"))
    assert "TAXI-2291" in line.explanation
    assert (result.fees_total, result.expenses_total, result.total) == (D("27.50"), D("15.00"), D("42.50"))


def test_a_10_pound_bus_fare_needs_no_receipt_because_the_rule_is_above_10_pounds() -> None:
    fare = ExpenseClaim("public_transport", "10.00")
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=60, expenses=(fare,)))
    assert result.expenses_total == D("10.00")


def test_every_problem_with_the_expenses_is_reported_at_once() -> None:
    claims = (ExpenseClaim("taxi", "15.00"), ExpenseClaim("helicopter", "1.00"), ExpenseClaim("parking", "1.2.3"))
    with pytest.raises(Invalid) as caught:
        calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=60, expenses=claims))
    assert [p.field for p in caught.value.problems] == [
        "expenses[0].receipt", "expenses[1].category", "expenses[2].amount",
    ]


# ------------------------------------------------------------------------------------ day-rate card


@pytest.mark.parametrize(("minutes", "preparation", "fee", "counted"), [
    (180, 0, D("75.00"), 180),    # 3 h: half day
    (240, 0, D("75.00"), 240),    # exactly 4 h: still half day ("up to 240 min")
    (241, 0, D("150.00"), 241),   # one minute over: full day
    (180, 90, D("150.00"), 270),  # 3 h meeting + 1 h 30 preparation = 4 h 30 counted: full day
    (600, 0, D("150.00"), 600),   # 10 h: above the last band, which still applies
])
def test_day_rate_meeting_pays_by_the_half_day_or_day(
    minutes: int, preparation: int, fee: Decimal, counted: int
) -> None:
    result = calculate(DAY, QuoteInput(date(2024, 5, 1), "meeting", involvement_minutes=minutes,
                                       preparation_minutes=preparation))
    band = only(result, "band")
    assert (band.minutes, band.amount, result.total) == (counted, fee, fee)
    assert kinds(result) == ["band"]


def test_day_rate_meeting_above_the_last_band_says_more_than_4_hours() -> None:
    band = only(calculate(DAY, QuoteInput(date(2024, 5, 1), "meeting", involvement_minutes=600)), "band")
    assert "full day" in band.explanation and "more than 4 h" in band.explanation


def test_day_rate_meeting_with_no_time_pays_nothing() -> None:
    assert calculate(DAY, QuoteInput(date(2024, 5, 1), "meeting")).lines == ()


def test_day_rate_document_review_is_hourly() -> None:
    # 45 min at £18.75 = £14.0625 -> £14.06.
    result = calculate(DAY, QuoteInput(date(2024, 5, 1), "document_review", involvement_minutes=45))
    assert only(result, "involvement").amount == D("14.06")


def test_the_day_rate_card_has_no_chair_role() -> None:
    with pytest.raises(Invalid) as caught:
        calculate(DAY, QuoteInput(date(2024, 5, 1), "meeting", role="chair", involvement_minutes=60))
    assert caught.value.problems[0].field == "role"
    assert "member" in caught.value.problems[0].message


# ------------------------------------------------------------------------------------ dates


def test_a_date_before_the_first_version_has_no_rate_in_force() -> None:
    with pytest.raises(NoRateInForce) as caught:
        calculate(NIHR, QuoteInput(date(2022, 8, 30), "meeting", involvement_minutes=60))
    assert [p.field for p in caught.value.problems] == ["date"]
    assert "2022-08-31" in caught.value.detail


def test_the_first_day_of_the_first_version_is_in_force() -> None:
    assert calculate(NIHR, QuoteInput(date(2022, 8, 31), "meeting", involvement_minutes=60)).total == D("25.00")


# ------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(("change", "field"), [
    ({"involvement_minutes": -5}, "involvement_minutes"),
    ({"preparation_minutes": 1441}, "preparation_minutes"),
    ({"travel_minutes": True}, "travel_minutes"),
    ({"mode": "telepathy"}, "mode"),
    ({"activity": "juggling"}, "activity"),
    ({"role": "king"}, "role"),
    ({"mileage": MileageClaim("spaceship", 5)}, "mileage.vehicle"),
    ({"mileage": MileageClaim("car", -1)}, "mileage.miles"),
])
def test_bad_input_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    base = {"date": UPLIFT, "activity": "meeting", "involvement_minutes": 60}
    with pytest.raises(Invalid) as caught:
        calculate(NIHR, QuoteInput(**{**base, **change}))  # type: ignore[arg-type]
    assert field in [p.field for p in caught.value.problems]


def test_an_unknown_vehicle_is_refused_even_for_zero_miles() -> None:
    with pytest.raises(Invalid) as caught:
        calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=60, mileage=MileageClaim("spaceship", 0)))
    assert [p.field for p in caught.value.problems] == ["mileage.vehicle"]
    assert "bicycle, car, motorcycle" in caught.value.problems[0].message


# ------------------------------------------------------------------------- dated expense rates


@pytest.mark.parametrize("key", ["nihr-style", "day-rate-example"])
@pytest.mark.parametrize(("on", "rate", "amount"), [
    (date(2026, 4, 5), D("0.45"), D("4.50")),   # the last day of the 2025 to 2026 tax year
    (date(2026, 4, 6), D("0.55"), D("5.50")),   # HMRC: 55p a mile for cars and vans from 6 April 2026
])
def test_a_car_journey_pays_the_hmrc_rate_in_force_on_its_date(
    key: str, on: date, rate: Decimal, amount: Decimal
) -> None:
    card = preset(key)
    activity = "meeting"
    result = calculate(card, QuoteInput(on, activity, involvement_minutes=60,
                                        mileage=MileageClaim("car", 10)))
    mileage = only(result, "mileage")
    assert (mileage.quantity, mileage.rate, mileage.amount) == (10, rate, amount)
    assert f"10 miles at £{rate} a mile = £{amount}" in mileage.explanation
    # The fee version does not change on 6 April 2026: only the expense rate does.
    assert result.version_from == card.version_on(date(2026, 4, 5)).effective_from


def test_from_6_april_2026_only_the_first_10000_miles_pay_55p_and_the_rest_still_25p() -> None:
    trip = MileageClaim("car", 120, miles_earlier_in_tax_year=9_950)
    result = calculate(NIHR, QuoteInput(date(2026, 5, 1), "meeting", involvement_minutes=60, mileage=trip))
    assert [(line.quantity, line.rate, line.amount) for line in lines_of(result, "mileage")] == [
        (50, D("0.55"), D("27.50")), (70, D("0.25"), D("17.50")),
    ]


def test_the_card_names_the_source_of_the_55p_rate() -> None:
    car = NIHR.version_on(date(2026, 4, 6)).vehicle("car")
    assert car.on(date(2026, 4, 6)).rate_per_mile == D("0.55")
    assert "HMRC" in car.on(date(2026, 4, 6)).source and "6 April 2026" in car.on(date(2026, 4, 6)).source
    assert car.on(date(2026, 4, 5)).rate_per_mile == D("0.45")


# ------------------------------------------------------------------------------ rounding once per rate


def test_two_hours_at_27_50_split_as_1_h_15_min_and_45_min_is_55_00_not_55_01() -> None:
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", involvement_minutes=75, preparation_minutes=45))
    # £34.375 + £20.625: each alone rounds up (£55.01); shared by largest remainder they make £55.00.
    assert [(line.kind, line.minutes, line.amount) for line in result.lines] == [
        ("involvement", 75, D("34.38")), ("preparation", 45, D("20.62")),
    ]
    assert result.fees_total == D("55.00")
    preparation = result.lines[1].explanation
    assert preparation.startswith("Preparation: 45 min at £27.50 an hour = £20.62.")
    assert "adds up to 2 h, which is £55.00" in preparation


def test_four_hours_at_37_50_is_150_00_however_it_is_split() -> None:
    result = calculate(NIHR, QuoteInput(BEFORE_UPLIFT, "co_facilitation", involvement_minutes=135,
                                        preparation_minutes=105))
    assert result.fees_total == D("150.00")  # was £84.38 + £65.63 = £150.01
    assert [line.amount for line in result.lines] == [D("84.38"), D("65.62")]


def test_a_chair_s_involvement_and_their_preparation_are_priced_at_their_own_rates() -> None:
    # Chair: 90 min at £41.25 (1.5 x £27.50) = £61.875 -> £61.88 alone in its rate group;
    # preparation 45 min at £27.50 = £20.625 -> £20.63 alone in its group.
    result = calculate(NIHR, QuoteInput(UPLIFT, "meeting", role="chair", involvement_minutes=90,
                                        preparation_minutes=45))
    assert [line.amount for line in result.lines] == [D("61.88"), D("20.63")]
    assert all("pennies are shared" not in line.explanation for line in result.lines)


@pytest.mark.parametrize(("on", "rate", "amount"), [("2026-04-05", "0.45", "4.50"), ("2026-04-06", "0.55", "5.50")])
def test_the_quote_contract_pays_a_car_journey_at_the_rate_in_force(on: str, rate: str, amount: str) -> None:
    """``POST /quotes`` and ``ledger quote`` (one decoder, one engine): 45p on 5 April 2026, 55p on the 6th."""
    body = json.dumps({"rate_card": "nihr-style", "date": on, "activity": "meeting", "involvement_minutes": 60,
                       "mileage": {"vehicle": "car", "miles": 10}})
    response = run_quote(decode_request(body.encode()))
    mileage = [(line.quantity, line.rate, line.amount) for line in response.lines if line.kind == "mileage"]
    assert mileage == [(10, rate, amount)]
    assert response.version_from.isoformat() == "2025-12-16"  # the fee version is the same both days


def _card_with(time: dict[str, object], rate: str) -> object:
    """The nihr-style card before the uplift with other time rules and one meeting rate (edited as TOML)."""
    document = preset_document("nihr-style")
    document["versions"] = document["versions"][:1]
    document["versions"][0]["time"].update(time)
    document["versions"][0]["activities"]["meeting"]["hourly_rate"] = rate
    return card_from(document)


def test_time_at_one_rate_that_adds_up_to_exactly_half_a_penny_is_rounded_up() -> None:
    # 110 + 110 (preparation) + 50 (follow-up) = 270 minutes at 1p an hour = exactly 4.5p -> 5p, half-up.
    # Each 60th as a 28-digit Decimal is a shade low (1.8333...3p), so adding them gave 4.4999...9p -> 4p.
    card = _card_with({"rounding_unit_minutes": 10, "minimum_involvement_minutes": 0}, "0.01")
    result = calculate(card, QuoteInput(BEFORE_UPLIFT, "meeting", involvement_minutes=110, preparation_minutes=111,
                                        follow_up_minutes=41))
    assert [(line.kind, line.minutes) for line in result.lines] == [
        ("involvement", 110), ("preparation", 110), ("follow_up", 50)]
    assert result.fees_total == D("0.05")


def test_two_lines_with_exactly_the_same_remainder_give_the_penny_to_the_earlier_line() -> None:
    # 1 minute of follow-up (1.666...p) and 100 minutes of travel (166.666...p) at £1.00 an hour: 168.33p
    # rounds to 168p; the floors 1p + 166p leave 1p for the larger remainder, and both are exactly 2/3p:
    # the earlier line (follow-up) gets it. 28-digit Decimals made travel's remainder look larger.
    card = _card_with({"rounding_unit_minutes": 1, "minimum_involvement_minutes": 0, "travel_time_paid": True},
                      "1.00")
    result = calculate(card, QuoteInput(BEFORE_UPLIFT, "meeting", follow_up_minutes=1, travel_minutes=100))
    assert [(line.kind, line.amount) for line in result.lines] == [("follow_up", D("0.02")), ("travel_time", D("1.66"))]
