"""The engine's quick paths give exactly what the slow, plain ways give.

The engine prices time in whole numbers with ``round_units`` and ``ceil_units`` (ledger/money.py),
keeps what a card says on each date (``RateCard.memo``) and skips the full input checks when quick
ones pass. Each shortcut is checked here against the plain way: the exact rules written with
``fractions.Fraction`` (the oracle's), a card quoted afresh, and the full checks' refusal word for word.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from enum import IntEnum
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from ledger.errors import Invalid, NoRateInForce
from ledger.money import ceil_units, minor_units, quantum, round_money, round_units
from ledger.rates import engine
from ledger.rates.engine import MAX_COMPONENT_MINUTES, MAX_MILES, MAX_PASSENGERS, MileageClaim, QuoteInput, calculate
from ledger.rates.model import RateCard

from . import oracle
from .strategies import cards_with_inputs
from .support import preset

pytestmark = pytest.mark.slow  # properties over generated cards: run by CI, not by -m "not slow"


# ------------------------------------------------------------------------ whole-number money rules


@given(st.integers(0, 10**15), st.integers(1, 10**9))
@example(48778 * 2 + 1, 2)  # exactly half a penny: up
@example(1, 2)
@example(3, 2)  # 1.5 -> 2, not 2 by "half to even" by chance: see the next one
@example(5, 2)  # 2.5 -> 3 (half-even would say 2)
def test_round_units_rounds_half_up(numerator: int, denominator: int) -> None:
    assert round_units(numerator, denominator) == oracle.half_up(Fraction(numerator, denominator))


@given(st.integers(0, 10**9), st.integers(1, 10**4), st.sampled_from((1, 5, 6, 10, 15, 20, 30, 60)))
@example(62, 1, 15)  # -> 75
@example(135, 2, 15)  # 67.5 -> 75
@example(75, 1, 15)  # already whole: stays
def test_ceil_units_rounds_up_to_the_unit(numerator: int, denominator: int, step: int) -> None:
    assert ceil_units(numerator, denominator, step) == oracle.round_up_to(Fraction(numerator, denominator), step)


@given(st.integers(0, 10**12), st.sampled_from(("GBP", "JPY", "KWD")))
def test_amounts_from_minor_units_are_what_round_money_gives(units: int, currency: str) -> None:
    day = SimpleNamespace(amounts={}, places=minor_units(currency))  # what _amount reads of a card's date
    made = engine._amount(day, units)  # type: ignore[arg-type]
    expected = round_money(units * quantum(currency), currency)
    assert made == expected and made.as_tuple() == expected.as_tuple()  # the same places, not just the value
    assert made == Decimal(units).scaleb(-minor_units(currency))


# ------------------------------------------------------------------- a card's dates, kept


def quoted(card: RateCard, request: QuoteInput) -> tuple[Any, ...]:
    result = calculate(card, request)
    return (result.version_from, result.fees_total, result.expenses_total,
            [(line.kind, line.rate, line.amount, line.minutes, line.quantity, line.explanation)
             for line in result.lines])


@given(cards_with_inputs(), st.lists(st.integers(-400, 400), min_size=1, max_size=8))
def test_a_kept_date_quotes_what_a_fresh_card_quotes(case: tuple[RateCard, QuoteInput], shifts: list[int]) -> None:
    """Quote the same record on several dates, in any order, with one card (its dates kept) and with a
    fresh copy for every quote: the same lines, words and refusals. Expense and mileage rates change on
    their own dates inside a version, so a date must not borrow another date's rates."""
    card, request = case
    for shift in shifts:
        on = request.date + timedelta(days=shift)
        moved = dataclasses.replace(request, date=on)
        fresh = dataclasses.replace(card)  # the same card, nothing kept
        try:
            expected = quoted(fresh, moved)
        except Invalid as exc:
            with pytest.raises(Invalid) as refused:
                calculate(card, moved)
            assert (type(refused.value), refused.value.detail) == (type(exc), exc.detail)
            continue
        assert quoted(card, moved) == expected
    event(f"dates kept on the card: {min(len(card.memo), 5)}{'+' if len(card.memo) > 5 else ''}")


def test_dates_inside_one_version_keep_their_own_mileage_rates() -> None:
    """HMRC's car rate changed on 6 April 2026 inside the nihr-style version from 16 December 2025: each
    date is kept with the rates in force on it, whichever date is quoted first."""
    card = preset("nihr-style")
    request = QuoteInput(date=date(2026, 4, 5), activity="meeting", involvement_minutes=60,
                         mileage=MileageClaim("car", 10))
    for day, pence in ((5, "4.50"), (6, "5.50"), (4, "4.50"), (7, "5.50")):
        moved = dataclasses.replace(request, date=date(2026, 4, day))
        result = calculate(card, moved)
        assert result.expenses_total == Decimal(pence)
        assert quoted(card, moved) == quoted(dataclasses.replace(card), moved)


def test_a_card_keeps_a_bounded_number_of_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "DAYS_KEPT", 3)
    card = preset("nihr-style")
    request = QuoteInput(date=date(2025, 12, 10), activity="meeting", involvement_minutes=62, mode="online",
                         mileage=MileageClaim("car", 12))
    answers = []
    for shift in range(10):  # either side of the 2025-12-16 uplift
        moved = dataclasses.replace(request, date=request.date + timedelta(days=shift))
        answers.append(quoted(card, moved))
        assert len(card.memo) <= 3
        assert answers[-1] == quoted(dataclasses.replace(card), moved)
    assert answers[0][1] != answers[-1][1]  # the uplift was seen


# ------------------------------------------------------------------- the quick input checks


BAD_MINUTES = (-1, MAX_COMPONENT_MINUTES + 1, True, False, 1.0, "60", None, 10**20)


@st.composite
def bad_requests(draw: st.DrawFn) -> QuoteInput:
    """A valid record with one or more fields just outside what the engine takes."""
    request = QuoteInput(date=date(2026, 1, 5), activity="meeting", involvement_minutes=60,
                         mileage=MileageClaim("car", 10, passengers=1))
    changes: dict[str, Any] = {}
    mileage: dict[str, Any] = {}
    for name in draw(st.sets(st.sampled_from((
        "involvement_minutes", "preparation_minutes", "follow_up_minutes", "travel_minutes", "mode",
        "miles", "passengers", "miles_earlier_in_tax_year", "activity", "role", "vehicle", "date",
    )), min_size=1, max_size=3)):
        event(f"wrong: {name}")
        if name.endswith("_minutes") and name != "miles_earlier_in_tax_year":
            changes[name] = draw(st.sampled_from(BAD_MINUTES))
        elif name == "mode":
            changes[name] = draw(st.sampled_from(("in person", "ONLINE", "")))
        elif name == "miles":
            mileage[name] = draw(st.sampled_from((-1, MAX_MILES + 1, True, 2.5)))
        elif name == "passengers":
            mileage[name] = draw(st.sampled_from((-1, MAX_PASSENGERS + 1, True, "2")))
        elif name == "miles_earlier_in_tax_year":
            mileage[name] = draw(st.sampled_from((-1, engine.MAX_EARLIER_MILES + 1, False)))
        elif name == "date":
            changes[name] = date(2000, 1, 1)  # before the card's first version
        else:
            changes[name] = "nothing_like_this"
    claim = request.mileage
    assert claim is not None
    if mileage:
        claim = dataclasses.replace(claim, **mileage)
    if "vehicle" in changes:
        claim = dataclasses.replace(claim, vehicle=changes.pop("vehicle"))
    changes["mileage"] = claim
    return dataclasses.replace(request, **changes)


@given(bad_requests())
@example(QuoteInput(date=date(2026, 1, 5), activity="meeting", involvement_minutes=MAX_COMPONENT_MINUTES + 1))
@example(QuoteInput(date=date(2026, 1, 5), activity="meeting", mileage=MileageClaim("car", 1, MAX_PASSENGERS + 1)))
def test_input_the_quick_checks_do_not_pass_is_refused_as_the_full_checks_refuse_it(request: QuoteInput) -> None:
    card = preset("nihr-style")
    with pytest.raises(Invalid) as full:
        engine._checked(card, request)
    with pytest.raises(Invalid) as refused:
        calculate(card, request)
    assert type(refused.value) is type(full.value)
    assert refused.value.detail == full.value.detail
    assert refused.value.problems == full.value.problems
    if request.date.year == 2000:
        assert isinstance(refused.value, NoRateInForce)


class Minutes(IntEnum):
    HOUR = 60


def test_unusual_but_valid_input_is_quoted_like_plain_input() -> None:
    """An int subclass is a whole number of minutes to the full checks; the quick ones pass it to them."""
    card = preset("nihr-style")
    plain = QuoteInput(date=date(2026, 1, 5), activity="meeting", involvement_minutes=60, preparation_minutes=60)
    unusual = dataclasses.replace(plain, involvement_minutes=Minutes.HOUR, preparation_minutes=Minutes.HOUR)
    assert quoted(card, unusual) == quoted(card, plain)
