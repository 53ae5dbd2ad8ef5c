"""The invariants of RATE_CARDS.md ("Invariants to prove"), proved with hypothesis.

Each test names the invariant it proves. They run over the shipped presets and over generated cards
(see ``strategies.py``), so a rule that only happens to hold for the preset numbers is caught.
"""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from ledger.money import display_rate, quantum
from ledger.rates.engine import EXPENSE, FEE, Line, MileageClaim, QuoteInput, calculate
from ledger.rates.loader import dump_card, parse_card
from ledger.rates.model import RateCard

from .strategies import card_documents, cards_with_inputs, generated_cards, quote_inputs
from .support import (
    BEFORE_UPLIFT,
    EXPENSE_KINDS,
    FEE_KINDS,
    TIME_KINDS,
    UPLIFT,
    amount_from_rate,
    card_from,
    lines_of,
    preset,
    preset_document,
    round_up,
    time_amounts_from_rates,
    with_daily_cap,
)

pytestmark = pytest.mark.slow  # about 15 properties over generated cards: run by CI, not by -m "not slow"

COMPONENTS = ("involvement_minutes", "preparation_minutes", "follow_up_minutes", "travel_minutes")


# ------------------------------------------------------------------------------------ money shape


@given(cards_with_inputs(fees_earlier=True))
def test_fees_are_never_negative(case: tuple[RateCard, QuoteInput]) -> None:
    card, request = case
    result = calculate(card, request)
    assert result.fees_total >= 0
    assert result.expenses_total >= 0
    # Only the daily-cap line takes money away, and never more than the fees before it.
    for line in result.lines:
        if line.kind != "daily_cap":
            assert line.amount >= 0, line


@given(cards_with_inputs(), st.sampled_from(COMPONENTS), st.data())
def test_adding_minutes_to_any_component_never_lowers_the_fee(
    case: tuple[RateCard, QuoteInput], component: str, data: st.DataObject
) -> None:
    card, request = case
    # Built, not filtered: the starting time is redrawn so there is room to add (and, for involvement,
    # so the meeting took place: going from a cancelled meeting, I = 0, to an attended one is the one
    # exception the specification creates itself; it is pinned separately below).
    low = 1 if component == "involvement_minutes" else 0
    start = data.draw(st.one_of(st.just(min(max(getattr(request, component), low), 1439)), st.integers(low, 1439)),
                      label="start")
    extra = data.draw(st.one_of(st.integers(1, 15), st.integers(1, 1440 - start)).filter(
        lambda e: start + e <= 1440), label="extra")
    shorter = dataclasses.replace(request, **{component: start})
    longer = dataclasses.replace(request, **{component: start + extra})
    before, after = calculate(card, shorter).fees_total, calculate(card, longer).fees_total
    event(f"{component}: fee {'rose' if after > before else 'unchanged'}")
    assert after >= before


def test_the_cancelled_meeting_rule_is_the_one_documented_exception_to_monotonic_fees() -> None:
    """RATE_CARDS.md asks for two things that cannot both hold at I = 0 -> I = 1.

    Step 1 pays preparation in full when the meeting did not go ahead (I = 0); "adding minutes never
    lowers the fee" would then force uncapped preparation for any I > 0, breaking the preparation cap.
    We keep the cap and the cancelled-meeting rule, and state monotonicity for I > 0 (the property above
    assumes it). This test pins the exception so a change to either rule is a deliberate one; the
    documentation (docs/rate-cards.md) says the same in plain words.
    """
    card = preset("nihr-style")
    cancelled = QuoteInput(BEFORE_UPLIFT, "meeting", preparation_minutes=120)
    # Cancelled: 120 min preparation at £25.00 = £50.00. One minute attended: 30 min minimum (£12.50)
    # + preparation capped at 1.0 x 1 min, rounded up to 15 min (£6.25) = £18.75.
    attended = dataclasses.replace(cancelled, involvement_minutes=1)
    assert calculate(card, cancelled).fees_total == Decimal("50.00")
    assert calculate(card, attended).fees_total == Decimal("18.75")


# ------------------------------------------------------------------------------------ time rules


@given(cards_with_inputs(claims=False, hourly=True), st.integers(1, 1440), st.integers(1, 1440))
def test_paid_preparation_never_exceeds_its_cap_when_there_was_involvement(
    case: tuple[RateCard, QuoteInput], involvement: int, preparation: int
) -> None:
    card, drawn = case
    request = dataclasses.replace(drawn, involvement_minutes=involvement, preparation_minutes=preparation)
    time = card.version_on(request.date).time
    unit = time.rounding_unit_minutes
    # The engine caps preparation at preparation_cap x involvement minutes (the input I, not the paid
    # I') BEFORE rounding up to the unit: the cap can be a fraction of a unit (1.333 x 7 min), and
    # rounding a capped time up is what every other component gets too. So the paid minutes never
    # exceed the cap rounded up to the unit, and are exactly min(P, cap x I) rounded up.
    cap = time.preparation_cap * request.involvement_minutes
    [line] = lines_of(calculate(card, request), "preparation")
    assert line.minutes is not None
    assert line.minutes <= round_up(cap, unit)
    assert line.minutes == round_up(min(Decimal(request.preparation_minutes), cap), unit)


@given(cards_with_inputs(claims=False, hourly=True))
def test_paid_follow_up_never_exceeds_its_cap(case: tuple[RateCard, QuoteInput]) -> None:
    card, request = case
    time = card.version_on(request.date).time
    unit = time.rounding_unit_minutes
    found = lines_of(calculate(card, request), "follow_up")
    paid = sum(line.minutes or 0 for line in found)
    # Same rule as preparation: cap first (F' = min(F, cap)), then round up to the unit.
    assert paid <= round_up(time.follow_up_cap_minutes, unit)
    assert paid == round_up(min(request.follow_up_minutes, time.follow_up_cap_minutes), unit)


@given(cards_with_inputs(claims=False, hourly=True))
def test_every_paid_time_is_a_whole_number_of_units_within_one_unit_of_the_capped_input(
    case: tuple[RateCard, QuoteInput],
) -> None:
    card, request = case
    time = card.version_on(request.date).time
    unit = time.rounding_unit_minutes
    involvement = request.involvement_minutes
    prep_cap = time.preparation_cap * involvement if involvement > 0 else Decimal(request.preparation_minutes)
    capped: dict[str, Decimal] = {
        "involvement": Decimal(involvement),
        "preparation": min(Decimal(request.preparation_minutes), prep_cap),
        "follow_up": Decimal(min(request.follow_up_minutes, time.follow_up_cap_minutes)),
        "travel_time": Decimal(request.travel_minutes),
    }
    result = calculate(card, request)
    for line in result.lines:
        if line.kind not in TIME_KINDS:
            assert line.kind in {"daily_cap", "online_allowance"}, line
            continue
        assert line.minutes is not None
        assert line.minutes % unit == 0, line
        if line.kind == "involvement" and line.minutes == time.minimum_involvement_minutes:
            continue  # "or equal to the minimum"
        assert 0 <= line.minutes - capped[line.kind] < unit, line
    # A component with no time gets no line; travel time only where the card pays it.
    kinds = {line.kind for line in result.lines}
    assert ("involvement" in kinds) == (involvement > 0)
    assert ("travel_time" in kinds) == (request.travel_minutes > 0 and time.travel_time_paid)


# ------------------------------------------------------------------------------------ versions


def _across_the_boundary(card: RateCard, request: QuoteInput) -> None:
    """Quote the same record the day before and the day a version starts: only the rates may change."""
    boundary = card.versions[1].effective_from
    before = calculate(card, dataclasses.replace(request, date=boundary - timedelta(days=1)))
    after = calculate(card, dataclasses.replace(request, date=boundary))
    assert before.version_from == card.versions[0].effective_from
    assert after.version_from == boundary
    def shape(lines: tuple[Line, ...]) -> list[tuple[str, str, int | None, int | None]]:
        return [(line.kind, line.category, line.minutes, line.quantity) for line in lines]

    assert shape(before.lines) == shape(after.lines)
    for line in after.lines:
        if line.kind not in TIME_KINDS | {"expense"}:  # at-cost items are paid what was spent, not at a rate
            assert line.amount == amount_from_rate(line, card.currency), line
    timed = [line.amount for line in after.lines if line.kind in TIME_KINDS]
    assert timed == time_amounts_from_rates(after.lines, card.currency)


@given(quote_inputs(preset("nihr-style"), on=UPLIFT, receipts=True))
def test_moving_a_date_across_the_uplift_changes_only_the_rates(request: QuoteInput) -> None:
    _across_the_boundary(preset("nihr-style"), request)


@given(st.data(), generated_cards(versions=2, same_rules=True, daily_cap=False))
def test_moving_a_date_across_a_generated_version_boundary_changes_only_the_rates(
    data: st.DataObject, card: RateCard
) -> None:
    # Lines that appear only for a positive rate (online allowance, passengers) must keep the same
    # zero-ness in both versions; the generator guarantees it by drawing their shape once.
    request = data.draw(quote_inputs(card, on=card.versions[1].effective_from, receipts=True))
    _across_the_boundary(card, request)


# ------------------------------------------------------------------------------------ determinism


@given(card_documents())
def test_a_card_written_out_and_read_back_is_the_same_card(document: dict[str, object]) -> None:
    # Equal cards give equal quotes (the engine is a function of the card), so equality is the check;
    # quoting both as well could not fail on its own.
    card = card_from(document)
    assert parse_card(tomllib.loads(dump_card(card)), "written-back.toml") == card


@pytest.mark.parametrize("key", ["nihr-style", "day-rate-example"])
def test_presets_survive_writing_out_and_reading_back(key: str) -> None:
    card = preset(key)
    assert parse_card(tomllib.loads(dump_card(card)), f"{key}-again.toml") == card


def test_a_card_without_a_description_survives_writing_out_and_reading_back() -> None:
    document = preset_document("nihr-style")
    del document["description"]  # description is optional in the format
    card = card_from(document)
    assert parse_card(tomllib.loads(dump_card(card)), "written-back.toml") == card


# ------------------------------------------------------------------------------------ mileage


@given(
    st.sampled_from(("nihr-style", "day-rate-example")),
    st.sampled_from(("car", "motorcycle", "bicycle")),
    st.integers(0, 10_000),
    st.data(),
)
def test_splitting_a_mileage_trip_in_two_never_changes_the_total(
    key: str, vehicle: str, miles: int, data: st.DataObject
) -> None:
    card = preset(key)
    _split_trip(card, vehicle, miles, data)


@given(generated_cards(), st.integers(0, 10_000), st.data())
def test_splitting_a_mileage_trip_on_a_generated_card_never_changes_the_total(
    card: RateCard, miles: int, data: st.DataObject
) -> None:
    when = card.versions[-1].effective_from
    vehicles = sorted(card.version_on(when).expenses.mileage)
    assert vehicles, "generated cards always pay mileage for at least one vehicle"
    _split_trip(card, data.draw(st.sampled_from(vehicles)), miles, data, when=when)


def _split_trip(card: RateCard, vehicle: str, miles: int, data: st.DataObject, when: object = None) -> None:
    on = when or UPLIFT
    earlier = data.draw(st.one_of(st.integers(0, 20_000), st.integers(9_000, 10_500)), label="earlier")
    first = data.draw(st.integers(0, miles), label="first leg")
    passengers = data.draw(st.integers(0, 50), label="passengers")
    activity = sorted(card.version_on(on).activities)[0]  # type: ignore[arg-type]

    def mileage_total(leg: int, before: int) -> Decimal:
        claim = MileageClaim(vehicle, leg, passengers, before)
        return calculate(card, QuoteInput(on, activity, mileage=claim)).expenses_total  # type: ignore[arg-type]

    whole = mileage_total(miles, earlier)
    assert whole == mileage_total(first, earlier) + mileage_total(miles - first, earlier + first)


# ------------------------------------------------------------------------------------ categories


@given(cards_with_inputs(fees_earlier=True))
def test_fees_and_expenses_never_mix(case: tuple[RateCard, QuoteInput]) -> None:
    card, request = case
    result = calculate(card, request)
    for line in result.lines:
        if line.kind in FEE_KINDS:
            assert line.category == FEE, line
        else:
            assert line.kind in EXPENSE_KINDS, line
            assert line.category == EXPENSE, line
    # Expenses do not depend on the fee side at all: the same claims with no time give the same expenses.
    no_time = dataclasses.replace(
        request, involvement_minutes=0, preparation_minutes=0, follow_up_minutes=0, travel_minutes=0
    )
    assert calculate(card, no_time).expenses_total == result.expenses_total


# ------------------------------------------------------------------------------------ daily cap


def _capped_presets() -> st.SearchStrategy[RateCard]:
    caps = st.integers(0, 20_000).map(lambda pence: f"{Decimal(pence).scaleb(-2):f}")
    return st.sampled_from(("nihr-style", "day-rate-example")).flatmap(
        lambda key: caps.map(lambda cap: card_from(with_daily_cap(preset_document(key), cap)))
    )


capped_cards = st.one_of(_capped_presets(), generated_cards(daily_cap=True))


@given(st.data(), capped_cards)
def test_with_a_daily_cap_a_days_fees_never_exceed_it(data: st.DataObject, card: RateCard) -> None:
    on = data.draw(st.dates(card.versions[0].effective_from, card.versions[-1].effective_from + timedelta(400)))
    cap = card.version_on(on).daily_fee_cap
    assert cap is not None
    # One participant's day: several records in turn, each told the fees already paid that day.
    paid_today = Decimal(0)
    for _ in range(data.draw(st.integers(1, 4), label="records that day")):
        request = data.draw(quote_inputs(card, on=on, claims=False))
        result = calculate(card, dataclasses.replace(request, fees_earlier_same_day=paid_today))
        assert result.fees_total >= 0
        assert result.fees_total <= max(Decimal(0), cap - paid_today)
        uncapped = sum(
            (line.amount for line in result.lines if line.category == FEE and line.kind != "daily_cap"), Decimal(0)
        )
        assert (len(lines_of(result, "daily_cap")) == 1) == (uncapped > max(Decimal(0), cap - paid_today))
        paid_today += result.fees_total
    assert paid_today <= cap


# ------------------------------------------------------------------------------------ explanations


@given(st.one_of(cards_with_inputs(fees_earlier=True), cards_with_inputs(capped_cards, fees_earlier=True)))
def test_every_line_has_an_explanation_that_names_its_rate(case: tuple[RateCard, QuoteInput]) -> None:
    card, request = case
    for line in calculate(card, request).lines:
        assert line.explanation.strip(), line
        assert display_rate(line.rate, card.currency) in line.explanation, line


# ------------------------------------------------------------------------------ rounding once per rate


@given(cards_with_inputs(fees_earlier=True))
def test_time_lines_at_one_rate_add_up_to_the_rate_times_their_total_time_rounded_once(
    case: tuple[RateCard, QuoteInput],
) -> None:
    card, request = case
    result = calculate(card, request)
    timed = [line for line in result.lines if line.kind in TIME_KINDS]
    unit = quantum(card.currency)
    for rate in {line.rate for line in timed}:
        group = [line for line in timed if line.rate == rate]
        minutes = sum(line.minutes or 0 for line in group)
        whole = (rate * minutes / Decimal(60)).quantize(unit, rounding="ROUND_HALF_UP")
        assert sum(line.amount for line in group) == whole, group
        for line in group:  # each share is within one minor unit of its exact value
            exact = rate * (line.minutes or 0) / Decimal(60)
            assert abs(line.amount - exact) < unit, line
            # The explanation stays true: a share that differs from the line's own rounding says why.
            alone = exact.quantize(unit, rounding="ROUND_HALF_UP")
            assert ("pennies are shared" in line.explanation) == (line.amount != alone), line
    # ...and the pennies go by the largest-remainder rule (written out independently in support.py).
    assert [line.amount for line in timed] == time_amounts_from_rates(result.lines, card.currency)


@given(
    st.sampled_from(["meeting", "document_review", "co_facilitation"]),
    st.sampled_from([UPLIFT, BEFORE_UPLIFT]),
    st.integers(2, 8 * 4),
    st.data(),
)
def test_splitting_the_same_total_time_between_lines_never_changes_the_fees(
    activity: str, on: object, involvement_units: int, data: st.DataObject
) -> None:
    """However time is split between involvement, preparation and follow-up (in whole 15-minute units,
    within the caps), the fees are the rate times the total, rounded once: 2 h at £27.50 is £55.00.

    Built in whole units at or above the 30-minute minimum, so no case is thrown away."""
    card = preset("nihr-style")
    involvement = 15 * involvement_units
    preparation = 15 * data.draw(st.integers(0, involvement_units), label="preparation units")  # cap 1.0 x I
    follow_up = 15 * data.draw(st.integers(0, 4), label="follow-up units")  # cap 60 minutes
    request = QuoteInput(on, activity, involvement_minutes=involvement,  # type: ignore[arg-type]
                         preparation_minutes=preparation, follow_up_minutes=follow_up)
    rate = card.version_on(request.date).activity(activity).hourly_rate
    assert rate is not None
    result = calculate(card, request)
    assert sum(line.minutes or 0 for line in result.lines) == involvement + preparation + follow_up
    expected = (rate * (involvement + preparation + follow_up) / Decimal(60)).quantize(
        Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert result.fees_total == expected
