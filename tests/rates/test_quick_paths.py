"""The engine's quick paths give exactly what the slow, plain ways give.

The engine prices time in whole numbers with ``round_units`` and ``ceil_units`` (ledger/money.py),
keeps what a card says on each date (``RateCard.memo``) and skips the full input checks when quick
ones pass. Each shortcut is checked here against the plain way: the exact rules written with
``fractions.Fraction`` (the oracle's), a card quoted afresh, and the full checks' refusal word for word.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import sys
import unittest.mock
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


# ------------------------------------------- the quick path and the full checks, on any input


NAN, INF = float("nan"), float("inf")
EDGE_MINUTES: tuple[Any, ...] = (
    0, 1, 59, 60, MAX_COMPONENT_MINUTES - 1, MAX_COMPONENT_MINUTES, MAX_COMPONENT_MINUTES + 1, -1,
    -(10**20), 10**20, True, False, 60.0, 60.5, NAN, INF, -INF, Decimal("60"), Decimal("60.5"),
    Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Fraction(60), "60", " 60", "60 ", None,
    Minutes.HOUR)
EDGE_MILES: tuple[Any, ...] = (0, 1, MAX_MILES, MAX_MILES + 1, -1, True, False, 2.0, 2.5, NAN, Decimal("3"), "3", " 3")
EDGE_AMOUNTS: tuple[Any, ...] = (
    "12.40", "0.01", "1", "0.00", "0", "-0.01", "-1.00", "12.405", "12.4000", " 12.40", "12.40 ",
    "12.", ".40", "+12.40", "1e3", "1_000", "NaN", "Infinity", "", "000012.40", "１２.40",
    "9" * 40 + ".00", Decimal("12.40"), Decimal("12.405"), Decimal("0.00"), Decimal("-0"),
    Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("1E+2"), Decimal("1E-9"),
    Decimal("1E+999"), 12.4, 0, 5, -5, True, None)
EDGE_PASSENGERS: tuple[Any, ...] = (0, 1, MAX_PASSENGERS, MAX_PASSENGERS + 1, -1, True, 1.0)
ODD_KEYS = ("nothing_like_this", "", " meeting", "MEETING", "member ", "car ")


@st.composite
def edge_requests(draw: st.DrawFn) -> tuple[RateCard, QuoteInput]:
    """Any record, valid or not, each field drawn near the edges of what the engine takes."""
    card, request = draw(cards_with_inputs())
    card = dataclasses.replace(card)  # nothing kept from earlier examples
    version = card.versions[draw(st.integers(0, len(card.versions) - 1))]
    # A few fields changed at a time, so that one wrong field is often the only one wrong.
    chosen = draw(st.sets(st.sampled_from(("date", "minutes", "mode", "activity", "role", "mileage", "expenses")),
                          max_size=3))
    changes: dict[str, Any] = {}
    if "date" in chosen:
        changes["date"] = draw(st.sampled_from((
            version.effective_from, version.effective_from - timedelta(days=1),
            card.versions[0].effective_from - timedelta(days=1), date(1900, 1, 1), date(2200, 1, 1),
        )))
    if "minutes" in chosen:
        for name in draw(st.sets(st.sampled_from(
            ("involvement_minutes", "preparation_minutes", "follow_up_minutes", "travel_minutes")), min_size=1)):
            changes[name] = draw(st.sampled_from(EDGE_MINUTES))
    if "mode" in chosen:
        changes["mode"] = draw(st.sampled_from(("in_person", "online", "in person", "ONLINE", "")))
    if "activity" in chosen:
        changes["activity"] = draw(st.sampled_from((*sorted(version.activities), *ODD_KEYS)))
    if "role" in chosen:
        changes["role"] = draw(st.sampled_from(("member", *sorted(version.roles), *ODD_KEYS)))
    if "mileage" in chosen:
        vehicles = sorted(version.expenses.mileage) or ["car"]
        changes["mileage"] = MileageClaim(
            draw(st.sampled_from((*vehicles, *ODD_KEYS))), draw(st.sampled_from(EDGE_MILES)),
            draw(st.sampled_from(EDGE_PASSENGERS)),
            draw(st.sampled_from((0, 9_999, 10_000, 10_001, engine.MAX_EARLIER_MILES,
                                  engine.MAX_EARLIER_MILES + 1, -1, False))),
        )
    if "expenses" in chosen:
        categories = sorted(version.expenses.at_cost) or ["travel"]
        changes["expenses"] = tuple(
            engine.ExpenseClaim(draw(st.sampled_from((*categories, *ODD_KEYS))), draw(st.sampled_from(EDGE_AMOUNTS)),
                                draw(st.sampled_from((None, "", " ", "R-1"))))
            for _ in range(draw(st.integers(1, 3)))
        )
    return card, dataclasses.replace(request, **changes)


def outcome(card: RateCard, request: QuoteInput) -> tuple[Any, ...]:
    try:
        return ("quoted", quoted(card, request))
    except Invalid as exc:
        return ("refused", type(exc), exc.detail, exc.problems)
    except Exception as exc:  # whatever it is, both ways must do the same
        return ("raised", type(exc), str(exc))


def _edge(warm: bool = True, **changes: Any) -> tuple[tuple[RateCard, QuoteInput], bool]:
    plain = QuoteInput(date=date(2026, 1, 5), activity="meeting", involvement_minutes=60,
                       mileage=MileageClaim("car", 10, passengers=1))
    return (preset("nihr-style"), dataclasses.replace(plain, **changes)), warm


@given(edge_requests(), st.booleans())
@example(*_edge(involvement_minutes=MAX_COMPONENT_MINUTES + 1))
@example(*_edge(travel_minutes=MAX_COMPONENT_MINUTES))
@example(*_edge(preparation_minutes=True))
@example(*_edge(follow_up_minutes=Decimal("NaN")))
@example(*_edge(involvement_minutes=60.0))
@example(*_edge(mileage=MileageClaim("car", MAX_MILES + 1)))
@example(*_edge(mileage=MileageClaim("car", MAX_MILES, MAX_PASSENGERS)))
@example(*_edge(mileage=MileageClaim("nothing_like_this", 0)))
@example(*_edge(mileage=MileageClaim("car", 0, miles_earlier_in_tax_year=engine.MAX_EARLIER_MILES + 1)))
@example(*_edge(expenses=(engine.ExpenseClaim("parking", "0.00"),)))
@example(*_edge(expenses=(engine.ExpenseClaim("parking", "2.405"),)))
@example(*_edge(expenses=(engine.ExpenseClaim("parking", " 2.40"),)))
@example(*_edge(expenses=(engine.ExpenseClaim("parking", Decimal("Infinity")),)))
@example(*_edge(date=date(2000, 1, 1)))
@example(*_edge(activity="nothing_like_this", role="nothing_like_this"))
def test_the_quick_path_accepts_and_refuses_exactly_what_the_full_checks_do(
    case: tuple[RateCard, QuoteInput], warm: bool
) -> None:
    """Valid and invalid input near every edge (bools, NaN and infinite minutes, Decimal and float
    minutes, strings with spaces, amounts with too many places or of 0.00, unknown keys, dates outside
    every version, 0 miles with an unknown vehicle): the quick path, with the date already kept on the
    card or not, gives exactly what the full checks followed by the calculation give."""
    card, request = case
    full = dataclasses.replace(card)
    with unittest.mock.patch.object(engine, "_plain", lambda request: False):  # every request fully checked
        expected = outcome(full, request)
    if warm:  # the date kept on the card, as on a busy day
        with contextlib.suppress(Invalid):
            calculate(card, QuoteInput(date=request.date, activity=sorted(card.versions[0].activities)[0]))
    got = outcome(card, request)
    event(f"{expected[0]}")
    assert got == expected
    if expected[0] != "quoted":
        refused = outcome(full, request)  # the full checks alone refuse it the same way
        try:
            engine._checked(dataclasses.replace(card), request)
        except Invalid as exc:
            assert ("refused", type(exc), exc.detail, exc.problems) == refused == expected
        else:
            raise AssertionError(f"the full checks pass what the engine refused: {expected}")


def test_long_amount_strings_are_not_kept() -> None:
    """A good amount can carry any number of leading zeros: one request could otherwise leave a
    megabyte in the parsed-amounts store, and 65,536 of them fill the server's memory."""
    card = preset("nihr-style")
    long_amount = "0" * 100_000 + "2.40"
    request = QuoteInput(date=date(2026, 1, 5), activity="meeting", involvement_minutes=60,
                         expenses=(engine.ExpenseClaim("parking", long_amount), engine.ExpenseClaim("parking", "2.40")))
    result = calculate(card, request)
    assert [line.amount for line in result.lines if line.kind == "expense"] == [Decimal("2.40"), Decimal("2.40")]
    assert all(len(text) < 1_000 for text, _ in engine._PARSED)
    assert ("2.40", "GBP") in engine._PARSED  # short ones are still kept


def test_threads_quoting_one_card_at_once_get_what_a_fresh_card_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """The web server quotes from threads, all with one card: dates kept, and the store emptied when
    full (kept small here so it empties often), never give one date another date's rates."""
    monkeypatch.setattr(engine, "DAYS_KEPT", 4)
    card = dataclasses.replace(preset("nihr-style"))
    requests = [QuoteInput(date=date(2025, 12, 10) + timedelta(days=shift), activity="meeting",
                           involvement_minutes=62 + shift, mode="online", mileage=MileageClaim("car", 12 + shift))
                for shift in range(0, 130, 3)]  # either side of the uplift on 2025-12-16 and the car rate on 2026-04-06
    expected = [quoted(dataclasses.replace(card), request) for request in requests]

    def work(offset: int) -> list[tuple[int, tuple[Any, ...]]]:
        order = requests[offset:] + requests[:offset]
        return [((offset + i) % len(requests), quoted(card, request)) for _ in range(20)
                for i, request in enumerate(order)]

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads change hands often, so their steps interleave
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(work, range(8)))
    finally:
        sys.setswitchinterval(switch)
    for answers in results:
        for index, answer in answers:
            assert answer == expected[index]
    assert len(card.memo) <= 4 + 4  # each thread may add one date between another's check and its clear
