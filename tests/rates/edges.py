"""Strategies that put records ON the edges of a rate card, by construction (never by ``assume()``).

A record drawn at random almost never sits exactly on a preparation cap, a band limit, a half penny or
the 10,000-mile threshold, and those are where a wrong ``<``, a missing cap or a wrong rounding mode
shows. So each input is drawn from a small menu ("at the cap", "one over", "anything"...) computed from
the card in force, and where an input alone cannot reach an edge the CARD is bent to it: a band limit
is moved to the record's counted time (or one minute either side), an hourly rate is solved so the
amount is exactly half a minor unit, a daily cap is set to the fees (or one minor unit either side).
Every choice is reported with ``hypothesis.event`` so ``pytest --hypothesis-show-statistics`` shows
what was covered.

The cards start as generated TOML documents (``strategies.card_documents``); edits keep them valid, so
each one is still read by ``parse_card`` exactly as an administrator's file is.
"""

from __future__ import annotations

import copy
import math
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from hypothesis import event
from hypothesis import strategies as st

from . import oracle
from .strategies import amount_text, card_documents

MAX = 1440
HMRC_THRESHOLD = 10_000
CAP_CEILING = 10**6  # minor units: under the loader's ceiling for a daily fee cap in every generated currency


def _pick(draw: st.DrawFn, label: str, options: dict[str, Any]) -> Any:
    """Draw one named option and report it; an option may be a value or a strategy.

    Options are listed edges first and "anything" last, because hypothesis favours earlier choices.
    """
    name = draw(st.sampled_from(list(options)))  # in the order written: hypothesis leans to the first
    event(f"{label}: {name}")
    chosen = options[name]
    return draw(chosen) if isinstance(chosen, st.SearchStrategy) else chosen


def _clamp(value: int) -> int:
    return max(0, min(MAX, value))


def _change_dates(version: dict[str, Any]) -> list[date]:
    expenses = version["expenses"]
    found = [change["effective_from"] for change in expenses.get("changes", [])]
    for vehicle in expenses.get("mileage", {}).values():
        found += [change["effective_from"] for change in vehicle.get("changes", [])]
    return found


@st.composite
def record_date(draw: st.DrawFn, document: dict[str, Any]) -> date:
    starts = [version["effective_from"] for version in document["versions"]]
    changes = [day for version in document["versions"] for day in _change_dates(version)]
    options: dict[str, Any] = {"on a version's first day": st.sampled_from(starts)}
    if len(starts) > 1:
        options["the day before a later version"] = st.sampled_from(starts[1:]).map(lambda d: d - timedelta(1))
    if changes:
        options["on an expense rate change"] = st.sampled_from(changes)
        options["the day before an expense rate change"] = st.sampled_from(changes).map(lambda d: d - timedelta(1))
    options["anywhere in force"] = st.dates(starts[0], starts[-1] + timedelta(days=500))
    if draw(st.integers(0, 19)) == 7:  # one in twenty; not an end value, which hypothesis favours
        event("date: the day before the first version (refused)")
        return starts[0] - timedelta(days=1)
    return _pick(draw, "date", options)


def _near(value: int, unit: int = 1) -> st.SearchStrategy[int]:
    return st.sampled_from((value - unit, value, value + unit)).map(_clamp)


@st.composite
def involvement(draw: st.DrawFn, rules: dict[str, Any]) -> int:
    unit = int(rules["rounding_unit_minutes"])
    minimum = int(rules["minimum_involvement_minutes"])
    options: dict[str, Any] = {}
    if minimum > 1:
        options["around the minimum"] = _near(minimum)
        options["below the minimum"] = st.integers(1, minimum - 1)
    options.update({
        "on a unit boundary": st.integers(1, MAX // unit).map(lambda k: k * unit),
        "one past a unit boundary": st.integers(0, MAX // unit - 1).map(lambda k: k * unit + 1),
        "none (cancelled)": 0,
        "anything": st.integers(1, MAX),
    })
    return int(_pick(draw, "involvement", options))


@st.composite
def preparation(draw: st.DrawFn, rules: dict[str, Any], involved: int) -> int:
    cap = Fraction(rules["preparation_cap"]) * involved
    if involved == 0:
        return int(_pick(draw, "preparation (cancelled)", {"anything": st.integers(1, MAX), "none": 0}))
    return int(_pick(draw, "preparation", {
        "just over the cap": st.just(_clamp(math.floor(cap) + 1)),
        "at the cap (rounded down)": st.just(_clamp(math.floor(cap))),
        "far over the cap": st.integers(_clamp(math.floor(cap) + 1), MAX),
        "under the cap": st.integers(0, _clamp(math.floor(cap))),
        "none": 0,
    }))


@st.composite
def follow_up(draw: st.DrawFn, rules: dict[str, Any]) -> int:
    cap = int(rules["follow_up_cap_minutes"])
    return int(_pick(draw, "follow-up", {
        "around the cap": _near(cap),
        "over the cap": st.integers(_clamp(cap + 1), MAX),
        "none": 0,
        "anything": st.integers(0, MAX),
    }))


@st.composite
def travel(draw: st.DrawFn, rules: dict[str, Any]) -> int:
    unit = int(rules["rounding_unit_minutes"])
    event(f"travel time paid: {bool(rules['travel_time_paid'])}")
    return int(_pick(draw, "travel", {
        "on a unit boundary": st.integers(1, MAX // unit).map(lambda k: k * unit),
        "anything": st.integers(1, MAX),
        "none": 0,
    }))


def solve_half_unit_rate(minutes: int, places: int, rate_places: int = 4) -> int | None:
    """The smallest positive rate (in units of 10**-rate_places) making rate x minutes / 60 exactly half a
    minor unit more than a whole one, or None when no such rate exists for these minutes.

    amount in minor units = R * minutes * 10**places / (60 * 10**rate_places); it ends in exactly .5 when
    2 * R * minutes * 10**places = 60 * 10**rate_places (mod 120 * 10**rate_places).
    """
    modulus = 120 * 10**rate_places
    a, b = 2 * minutes * 10**places, 60 * 10**rate_places
    g = math.gcd(a, modulus)
    if b % g:
        return None
    step = modulus // g
    return (b // g) * pow(a // g, -1, step) % step or step


def _bend_band(draw: st.DrawFn, activity: dict[str, Any], total: Fraction, places: int) -> None:
    """Move one band limit to the counted time: exactly on it, or one minute either side."""
    whole = max(1, math.ceil(total))
    offset = _pick(draw, "band edge", {"limit one under the time": -1, "limit on the time": 0,
                                      "limit one over the time": 1})
    edge = min(max(1, whole + offset), 4 * MAX)
    bands = sorted(activity["bands"], key=lambda band: band["up_to_minutes"])
    limits = sorted({edge, *(band["up_to_minutes"] for band in bands if band["up_to_minutes"] != edge)})
    fees = sorted(Fraction(band["fee"]) for band in bands)
    while len(fees) < len(limits):
        fees.append(fees[-1] + draw(st.integers(0, 100 * 10**places)) / Fraction(10**places))
    activity["bands"] = [{"up_to_minutes": limit, "fee": amount_text(int(fee * 10**places), places)}
                         for limit, fee in zip(limits, fees, strict=False)]


def _pricing(kind: str, places: int) -> st.SearchStrategy[Any]:
    """An hourly rate, a fixed fee or a list of bands, as a card writes them."""
    money = st.integers(0, 300 * 10**places).map(lambda n: amount_text(n, places))
    if kind == "hourly_rate":
        return st.integers(0, 120 * 10**4).map(lambda n: amount_text(n, 4))
    if kind == "fixed_fee":
        return money
    return st.lists(st.integers(1, 4 * MAX), min_size=1, max_size=3, unique=True).flatmap(
        lambda limits: st.lists(st.integers(0, 300 * 10**places), min_size=len(limits), max_size=len(limits)).map(
            lambda fees: [{"up_to_minutes": limit, "fee": amount_text(fee, places)}
                          for limit, fee in zip(sorted(limits), sorted(fees), strict=True)]))


@st.composite
def edge_cases(draw: st.DrawFn, **card_options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A card document and a record (quote-contract fields) sitting on the card's edges."""
    document = copy.deepcopy(draw(card_documents(**card_options)))
    places = oracle.MINOR_UNITS[document["currency"]]
    event(f"currency: {document['currency']}")
    when = draw(record_date(document))
    try:
        version = oracle.version_on(document, when)
    except oracle.Refused:
        version = min(document["versions"], key=lambda v: v["effective_from"])
    rules = version["time"]
    pricing = _pick(draw, "pricing", {"hourly": "hourly_rate", "hourly, at exactly half a minor unit": "half",
                                      "banded": "bands", "fixed": "fixed_fee"})
    half_penny = pricing == "half"
    pricing = "hourly_rate" if half_penny else pricing
    offered = sorted(key for key, rule in version["activities"].items() if pricing in rule)
    if not offered:  # the card in force has none of this kind: give it one
        offered = [f"extra_{pricing}"]
        version["activities"][offered[0]] = {"label": "Extra", pricing: draw(_pricing(pricing, places))}
    key = draw(st.sampled_from(offered))
    activity = version["activities"][key]
    pricing = "hourly" if "hourly_rate" in activity else "fixed" if "fixed_fee" in activity else "banded"
    record: dict[str, Any] = {"date": when, "activity": key,
                              "role": draw(st.sampled_from(sorted({"member", *version.get("roles", {})}))),
                              "mode": draw(st.sampled_from(("in_person", "online")))}
    if half_penny:
        # At a rate solved so that the time at the plain rate adds up to exactly half a minor unit more
        # than a whole one: the case every rounding-mode mistake gets wrong, and, with several lines
        # whose 60ths never end, every sum of inexact parts.
        unit = int(rules["rounding_unit_minutes"])
        if _pick(draw, "half a minor unit", {"several lines": False, "one line": True}):
            low = max(1, -(-int(rules["minimum_involvement_minutes"]) // unit))
            record["involvement_minutes"] = unit * draw(st.integers(low, MAX // unit))
        else:
            involved = draw(st.integers(1, MAX))
            record.update(involvement_minutes=involved, preparation_minutes=draw(preparation(rules, involved)),
                          follow_up_minutes=draw(follow_up(rules)), travel_minutes=draw(travel(rules)))
        record["role"] = "member"
        told = {name: record.get(f"{name}_minutes", 0) for name in ("involvement", "preparation", "follow_up",
                                                                    "travel")}
        paid = [line.minutes or 0 for line in oracle.hourly(version, Fraction(1), Fraction(1), told, places)]
        rate = solve_half_unit_rate(sum(paid), places)
        if rate is not None:
            rate += draw(st.integers(0, 3)) * (120 * 10**4 // math.gcd(2 * sum(paid) * 10**places, 120 * 10**4))
        if rate is not None and rate <= 120 * 10**4:
            event(f"hourly: rate x time ends in exactly half a minor unit ({len(paid)} lines)")
            event(f"half-unit lines with 60ths that never end: {sum(1 for m in paid if m % 3)}")
            activity["hourly_rate"] = amount_text(rate, 4)
        else:
            half_penny = False
    if not half_penny:
        involved = draw(involvement(rules))
        record.update(involvement_minutes=involved, preparation_minutes=draw(preparation(rules, involved)),
                      follow_up_minutes=draw(follow_up(rules)), travel_minutes=draw(travel(rules)))
    if pricing == "banded" and _pick(draw, "band time", {"as drawn": False, "no time that counts": True}):
        # Nothing counts towards a band: no time at all, or only preparation capped to nothing, follow-up
        # over a cap of 0 minutes or travel on a card that does not pay it.
        record.update(involvement_minutes=0, preparation_minutes=0,
                      follow_up_minutes=draw(st.integers(0, MAX)) if int(rules["follow_up_cap_minutes"]) == 0 else 0,
                      travel_minutes=0 if rules["travel_time_paid"] else draw(st.integers(0, MAX)))
    if pricing == "banded":
        counted = oracle.counted_time(version, {
            "involvement": record["involvement_minutes"], "preparation": record["preparation_minutes"],
            "follow_up": record["follow_up_minutes"], "travel": record["travel_minutes"]})
        total = sum(counted.values(), Fraction(0))
        event(f"band: counted time is a fraction of a minute: {total.denominator != 1}")
        if total > 0:
            _bend_band(draw, activity, total, places)
    record["mileage"] = draw(mileage(version, places))
    record["expenses"] = draw(claims(version, places))
    _bend_daily_cap(draw, document, version, record, places)
    return document, record


@st.composite
def mileage(draw: st.DrawFn, version: dict[str, Any], places: int) -> dict[str, Any] | None:
    vehicles = version["expenses"].get("mileage", {})
    if not vehicles or not draw(st.booleans()):
        return None
    key = draw(st.sampled_from(sorted(vehicles)))
    vehicle = vehicles[key]
    threshold = vehicle.get("threshold_miles")
    if threshold is not None and draw(st.booleans()):
        vehicle["threshold_miles"] = threshold = HMRC_THRESHOLD  # the HMRC threshold itself
    trip: dict[str, Any] = {"vehicle": key, "passengers": draw(st.sampled_from((0, 0, 1, 2, 50)))}
    if threshold is None:
        event("mileage: no threshold")
        trip.update(miles=draw(st.integers(0, 500)), miles_earlier_in_tax_year=draw(st.integers(0, 20_000)))
        return trip
    event(f"mileage threshold: {'10,000' if threshold == HMRC_THRESHOLD else 'other'}")
    before = _pick(draw, "mileage earlier this tax year", {
        "just under the threshold": st.integers(max(0, threshold - 50), threshold),
        "exactly the threshold": threshold,
        "beyond the threshold": st.integers(threshold + 1, threshold + 5000),
        "none": 0,
    })
    left = max(0, threshold - before)
    miles = _pick(draw, "trip", {
        "crosses the threshold": st.integers(left + 1, left + 300),
        "ends exactly at the threshold": left,
        "stays under": st.integers(0, max(0, left - 1)),
        "no miles": 0,
    })
    trip.update(miles=min(miles, 10_000), miles_earlier_in_tax_year=before)
    return trip


@st.composite
def claims(draw: st.DrawFn, version: dict[str, Any], places: int) -> list[dict[str, Any]]:
    expenses = version["expenses"]
    categories = expenses.get("at_cost", {})
    if not categories:
        return []
    minor = Fraction(1, 10**places)
    threshold = expenses.get("receipt_required_above")
    found = []
    for number in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(sorted(categories)))
        cap = categories[key].get("daily_cap")
        options: dict[str, Any] = {}
        if cap is not None:
            options["around the daily cap"] = st.sampled_from((-1, 0, 1)).map(
                lambda d, cap=cap: Fraction(cap) + d * minor)
        if threshold is not None:
            options["around the receipt threshold"] = st.sampled_from((0, 1)).map(
                lambda d: Fraction(threshold) + d * minor)
        options["anything"] = st.integers(1, 60 * 10**places).map(lambda n: n * minor)
        if draw(st.integers(0, 19)) == 7:
            options = {"nothing (refused)": Fraction(0)}
        amount = _pick(draw, "at-cost claim", options)
        needs = threshold is not None and amount > Fraction(threshold)
        receipt = f"R-{number}" if draw(st.booleans()) else None
        if needs and receipt is None and draw(st.integers(0, 9)) != 7:
            receipt = f"R-{number}"  # most records are valid; one in ten of these misses its receipt
        event(f"receipt: {'needed' if needs else 'not needed'}, {'given' if receipt else 'missing'}")
        found.append({"category": key, "amount": amount_text(int(max(amount, 0) * 10**places), places),
                      "receipt": receipt})
    return found


def _bend_daily_cap(draw: st.DrawFn, document: dict[str, Any], version: dict[str, Any], record: dict[str, Any],
                    places: int) -> None:
    """With a daily cap: fees earlier that day around the cap, or the cap moved onto today's fees."""
    limits = version.get("limits", {})
    if "daily_fee_cap" not in limits:
        record["fees_earlier_same_day"] = "0"
        return
    cap_minor = int(Fraction(limits["daily_fee_cap"]) * 10**places)
    del limits["daily_fee_cap"]
    try:
        fees = oracle.calculate(document, {**record, "fees_earlier_same_day": "0"}).fees
    except oracle.Refused:
        fees = 0
    earlier = 0
    choice = _pick(draw, "daily cap", {
        "cap on the day's fees": 0, "cap one under the day's fees": -1, "cap one over the day's fees": 1,
        "earlier fees already over the cap": "over", "as drawn": "as drawn"})
    if choice == "over":
        earlier = cap_minor + draw(st.integers(0, 100))
    elif choice != "as drawn":
        earlier = draw(st.integers(0, 50 * 10**places))
        cap_minor = min(max(0, earlier + fees + choice), CAP_CEILING)
    limits["daily_fee_cap"] = amount_text(cap_minor, places)
    record["fees_earlier_same_day"] = amount_text(earlier, places)
