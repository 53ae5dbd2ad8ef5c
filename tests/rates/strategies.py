"""Hypothesis strategies: generated rate cards (as TOML documents) and records to quote against them.

Generated cards vary everything the format allows: currency (with 0, 2 or 3 minor units), hourly rates
as strings with up to four decimal places, units that divide the minimum, fractional preparation caps,
bands in order, role multipliers, mileage thresholds, capped and uncapped at-cost categories and
optional daily caps. A card's *shape* (its rules) is drawn apart from its *prices* so that a card can
have versions that differ only in their rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from ledger.money import minor_units
from ledger.rates.engine import ExpenseClaim, MileageClaim, QuoteInput
from ledger.rates.model import HOURLY, RateCard

from .support import card_from, preset

CURRENCIES = ("GBP", "GBP", "EUR", "JPY", "KWD")
UNITS = (1, 5, 6, 10, 15, 20, 30, 60)
CAPS = ("0", "0.5", "0.75", "1", "1.0", "1.333", "1.5", "2")
MULTIPLIERS = ("0.75", "1", "1.25", "1.5", "1.333", "2")
MAX_MINUTES = 1440
VEHICLES = ("car", "motorcycle", "bicycle")


def amount_text(minor: int, places: int) -> str:
    """A money string with exactly ``places`` decimals ("12.50"), from whole minor units."""
    return f"{Decimal(minor).scaleb(-places):f}"


@dataclass(frozen=True)
class Shape:
    """Everything about a version except its prices."""

    time: dict[str, Any]
    activities: tuple[tuple[str, str, tuple[int, ...]], ...]  # (key, pricing, band limits)
    roles: tuple[str, ...]
    vehicles: tuple[tuple[str, int | None], ...]  # (key, tax-year threshold)
    at_cost: tuple[tuple[str, bool], ...]  # (key, has a daily cap)
    online_paid: bool
    passengers_paid: bool
    receipt_rule: bool
    daily_cap: bool


@st.composite
def shapes(draw: st.DrawFn, *, daily_cap: bool | None = None) -> Shape:
    unit = draw(st.sampled_from(UNITS))
    minimum = unit * draw(st.integers(0, 4))
    time = {
        "rounding_unit_minutes": unit,
        "minimum_involvement_minutes": minimum,
        "preparation_cap": draw(st.sampled_from(CAPS)),
        "follow_up_cap_minutes": draw(st.integers(0, 240)),
        "travel_time_paid": draw(st.booleans()),
    }
    activities = []
    for index in range(draw(st.integers(1, 4))):
        # The first activity is always hourly, so every card has one for the time-rule properties.
        pricing = "hourly" if index == 0 else draw(st.sampled_from(("hourly", "fixed", "banded")))
        limits: tuple[int, ...] = ()
        if pricing == "banded":
            limits = tuple(sorted(draw(st.sets(st.integers(1, 1440), min_size=1, max_size=3))))
        activities.append((f"activity_{index}", pricing, limits))
    roles = tuple(draw(st.lists(st.sampled_from(("chair", "co_chair", "lead")), unique=True, max_size=2)))
    vehicles = tuple(
        (key, draw(st.one_of(st.none(), st.integers(1, 12_000))))
        for key in draw(st.lists(st.sampled_from(VEHICLES), unique=True, min_size=1, max_size=3))
    )
    at_cost = tuple(
        (key, draw(st.booleans()))
        for key in draw(st.lists(st.sampled_from(("taxi", "subsistence", "parking")), unique=True, max_size=3))
    )
    return Shape(
        time=time,
        activities=tuple(activities),
        roles=roles,
        vehicles=vehicles,
        at_cost=at_cost,
        online_paid=draw(st.booleans()),
        passengers_paid=draw(st.booleans()),
        receipt_rule=draw(st.booleans()),
        daily_cap=draw(st.booleans()) if daily_cap is None else daily_cap,
    )


@st.composite
def priced_versions(
    draw: st.DrawFn, shape: Shape, places: int, start: date, until: date | None = None
) -> dict[str, Any]:
    """One ``[[versions]]`` table with the given shape and freshly drawn prices.

    Expense rates may change on their own dates inside the version (before ``until``, the next
    version's start), as HMRC's car rate did on 6 April 2026.
    """
    scale = 10**places
    last = (until or date(2031, 12, 31)) - timedelta(days=1)

    def change_dates() -> list[date]:
        if last <= start or not draw(st.booleans()):
            return []
        return sorted(draw(st.sets(st.dates(start + timedelta(days=1), last), min_size=1, max_size=2)))

    def money(low: int, high: int) -> str:
        return amount_text(draw(st.integers(low * scale, high * scale)), places)

    activities: dict[str, Any] = {}
    for key, pricing, limits in shape.activities:
        entry: dict[str, Any] = {"label": f"Activity {key}"}
        if pricing == "hourly":
            rate_places = draw(st.sampled_from((places, 4)))
            entry["hourly_rate"] = amount_text(draw(st.integers(0, 120 * 10**rate_places)), rate_places)
        elif pricing == "fixed":
            entry["fixed_fee"] = money(0, 80)
        else:
            fees = sorted(draw(st.lists(st.integers(0, 300 * scale), min_size=len(limits), max_size=len(limits))))
            entry["bands"] = [
                {"up_to_minutes": limit, "fee": amount_text(fee, places)}
                for limit, fee in zip(limits, fees, strict=True)
            ]
        activities[key] = entry
    expenses: dict[str, Any] = {
        "online_allowance": money(1, 10) if shape.online_paid else amount_text(0, places),
        "passenger_rate_per_mile": amount_text(draw(st.integers(1, 20 * scale // 100 or 1)), places)
        if shape.passengers_paid
        else amount_text(0, places),
        "mileage": {},
        "at_cost": {},
    }
    if shape.receipt_rule:
        expenses["receipt_required_above"] = money(0, 30)
    for key, threshold in shape.vehicles:
        # Whole minor units per mile, as the loader requires.
        vehicle: dict[str, Any] = {"label": key.title(), "rate_per_mile": money(0, 1)}
        if threshold is not None:
            vehicle["threshold_miles"] = threshold
            vehicle["rate_beyond_threshold"] = money(0, 1)
        dated = change_dates()
        if dated:
            vehicle["source"] = "Generated source"
            vehicle["changes"] = [
                {"effective_from": day, "rate_per_mile": money(0, 1),
                 **({"rate_beyond_threshold": money(0, 1)} if threshold is not None and draw(st.booleans()) else {})}
                for day in dated
            ]
        expenses["mileage"][key] = vehicle
    if shape.online_paid:
        dated = change_dates()
        if dated:  # a positive allowance stays positive, so the same lines appear either side of a change
            expenses["changes"] = [{"effective_from": day, "online_allowance": money(1, 10),
                                    "source": "Generated"} for day in dated]
    for key, capped in shape.at_cost:
        category: dict[str, Any] = {"label": key.title()}
        if capped:
            category["daily_cap"] = money(1, 50)
        expenses["at_cost"][key] = category
    version: dict[str, Any] = {
        "effective_from": start,
        "time": dict(shape.time),
        "activities": activities,
        "roles": {key: {"label": key.replace("_", " ").title(), "multiplier": draw(st.sampled_from(MULTIPLIERS))}
                  for key in shape.roles},
        "expenses": expenses,
    }
    if shape.daily_cap:
        version["limits"] = {"daily_fee_cap": money(0, 300)}
    return version


@st.composite
def card_documents(
    draw: st.DrawFn,
    *,
    currency: str | None = None,
    daily_cap: bool | None = None,
    versions: int | None = None,
    same_rules: bool = False,
) -> dict[str, Any]:
    """A whole card document. ``same_rules``: every version has one shape and differs only in prices."""
    chosen = currency or draw(st.sampled_from(CURRENCIES))
    places = minor_units(chosen)
    count = versions or draw(st.integers(1, 3))
    starts = sorted(draw(st.sets(st.dates(date(2005, 1, 1), date(2030, 12, 31)), min_size=count, max_size=count)))
    shared = draw(shapes(daily_cap=daily_cap))
    version_docs = [
        draw(priced_versions(shared if same_rules else draw(shapes(daily_cap=daily_cap)), places, start,
                             following))
        for start, following in zip(starts, [*starts[1:], None], strict=True)
    ]
    return {
        "key": "generated",
        "name": "A generated card",
        "currency": chosen,
        "description": "Generated for a property test.",
        "source": "hypothesis",
        "versions": version_docs,
    }


def generated_cards(**options: Any) -> st.SearchStrategy[RateCard]:
    return card_documents(**options).map(card_from)


def any_cards() -> st.SearchStrategy[RateCard]:
    """The shipped presets and generated cards."""
    return st.one_of(st.sampled_from((preset("nihr-style"), preset("day-rate-example"))), generated_cards())


minutes_st = st.one_of(st.just(0), st.integers(1, 240), st.integers(0, MAX_MINUTES))


@st.composite
def dates_in_force(draw: st.DrawFn, card: RateCard) -> date:
    first = card.versions[0].effective_from
    last = card.versions[-1].effective_from
    return draw(st.dates(first, last + timedelta(days=400)))


@st.composite
def quote_inputs(
    draw: st.DrawFn,
    card: RateCard,
    *,
    on: date | None = None,
    claims: bool = True,
    fees_earlier: bool = False,
    receipts: bool = False,
    hourly: bool = False,
) -> QuoteInput:
    """A valid record for ``card``: every choice (activity, role, vehicle, category) is one it offers.

    ``receipts``: every at-cost claim carries a receipt reference, so the record stays valid under any
    version's receipt threshold. ``hourly``: only activities paid by the hour.
    """
    when = on or draw(dates_in_force(card))
    version = card.version_on(when)
    places = minor_units(card.currency)
    scale = 10**places
    mileage = None
    expenses: tuple[ExpenseClaim, ...] = ()
    if claims and version.expenses.mileage and draw(st.booleans()):
        mileage = MileageClaim(
            vehicle=draw(st.sampled_from(sorted(version.expenses.mileage))),
            miles=draw(st.one_of(st.integers(0, 300), st.integers(0, 10_000))),
            passengers=draw(st.one_of(st.just(0), st.integers(0, 50))),
            miles_earlier_in_tax_year=draw(st.one_of(st.just(0), st.integers(0, 20_000))),
        )
    if claims and version.expenses.at_cost:
        threshold = version.expenses.receipt_required_above
        items = []
        for number in range(draw(st.integers(0, 3))):
            amount = Decimal(draw(st.integers(1, 60 * scale))).scaleb(-places)
            needs_receipt = threshold is not None and amount > threshold
            receipt = f"R-{number}" if receipts or needs_receipt or draw(st.booleans()) else None
            items.append(ExpenseClaim(draw(st.sampled_from(sorted(version.expenses.at_cost))), f"{amount:f}", receipt))
        expenses = tuple(items)
    earlier = Decimal(0)
    if fees_earlier:
        earlier = Decimal(draw(st.integers(0, 400 * scale))).scaleb(-places)
    return QuoteInput(
        date=when,
        activity=draw(st.sampled_from(sorted(
            key for key, rule in version.activities.items() if not hourly or rule.pricing == HOURLY
        ))),
        role=draw(st.sampled_from(sorted({"member", *version.roles}))),
        mode=draw(st.sampled_from(("in_person", "online"))),
        involvement_minutes=draw(minutes_st),
        preparation_minutes=draw(minutes_st),
        follow_up_minutes=draw(minutes_st),
        travel_minutes=draw(minutes_st),
        mileage=mileage,
        expenses=expenses,
        fees_earlier_same_day=earlier,
    )


@st.composite
def cards_with_inputs(
    draw: st.DrawFn, cards: st.SearchStrategy[RateCard] | None = None, **options: Any
) -> tuple[RateCard, QuoteInput]:
    card = draw(cards if cards is not None else any_cards())
    return card, draw(quote_inputs(card, **options))
