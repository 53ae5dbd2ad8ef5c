"""An independent reference calculator for rate cards, written from RATE_CARDS.md alone.

Why it exists: a property test that borrows the engine's helpers (its rounding, its time units) agrees
with the engine even when both are wrong. This module shares NO code with ``ledger``: it imports only
the standard library (``test_oracle.py`` checks that by parsing this file's imports), works in integer
minor units (pence) and ``fractions.Fraction``, and rounds half-up with its own arithmetic. It reads a
card as the parsed TOML document an administrator writes (plain dicts, strings and dates) and a record
as the quote contract's JSON fields, so nothing of the engine's model leaks in either.

It is deliberately plain and slow: clarity over speed, one function per step of "How a record is
calculated". Where RATE_CARDS.md is silent, the choice made is written beside the code (and listed in
docs/testing.md):

- the largest-remainder rule breaks a tie between equal remainders in favour of the earlier line
  (involvement, preparation, follow-up, travel time, in that order);
- a banded activity with no counted time at all pays nothing (there is no record of time to band);
- preparation that was done but is capped to nothing (a card whose preparation cap is 0) still has a
  line of 0 minutes, so the participant reads why it is not paid; follow-up capped to nothing (a
  follow-up cap of 0) has no line. That asymmetry is the engine's; it moves no money, so the oracle
  copies it rather than fail on it (docs/testing.md lists it as a finding);
- a zero online allowance or passenger rate produces no line ("0.00 for none" in docs/rate-cards.md);
  a trip of 0 miles produces no mileage or passenger lines;
- an at-cost claim must be for more than nothing (a claim of 0.00 is refused, like a negative one);
- a category's daily cap is shared by the claims of that category within the one record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

# ISO 4217 minor units, for the currencies the tests generate (RATE_CARDS.md: "minor units follow the
# currency, so a JPY card has none").
MINOR_UNITS = {"GBP": 2, "EUR": 2, "USD": 2, "JPY": 0, "KWD": 3}
TIME_ORDER = ("involvement", "preparation", "follow_up", "travel_time")


class Refused(Exception):
    """The record cannot be priced; ``field`` names what is wrong, as the quote contract's 422 does."""

    def __init__(self, field_name: str, why: str) -> None:
        super().__init__(f"{field_name}: {why}")
        self.field = field_name


@dataclass(frozen=True)
class OracleLine:
    kind: str
    rate: Fraction  # in the currency's major unit (pounds), exactly as the card says
    amount: int  # minor units (pence)
    minutes: int | None = None
    quantity: int | None = None


@dataclass(frozen=True)
class OracleQuote:
    version_from: date
    lines: tuple[OracleLine, ...]
    fees: int = field(init=False)
    expenses: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fees", sum(line.amount for line in self.lines if line.kind in FEE_KINDS))
        object.__setattr__(self, "expenses", sum(line.amount for line in self.lines if line.kind not in FEE_KINDS))


FEE_KINDS = frozenset({"involvement", "preparation", "follow_up", "travel_time", "fixed_fee", "band", "daily_cap"})


# ------------------------------------------------------------------------------------ arithmetic


def exact(text: str | int) -> Fraction:
    """A card's quoted decimal ("27.50") as an exact fraction. Floats are not cards' business."""
    if isinstance(text, float):
        raise TypeError("a card value must be a quoted string, not a float")
    return Fraction(text)


def half_up(value: Fraction) -> int:
    """Round to a whole number, halves away from zero (2.5 -> 3, -2.5 -> -3), in plain integer steps."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole = magnitude.numerator // magnitude.denominator
    if (magnitude - whole) * 2 >= 1:
        whole += 1
    return sign * whole


def to_minor(amount: Fraction, places: int) -> Fraction:
    return amount * 10**places


def round_up_to(value: Fraction | int, unit: int) -> int:
    """Up to the next whole multiple of ``unit`` (62 -> 75 for 15): RATE_CARDS.md step 3."""
    return math.ceil(Fraction(value) / unit) * unit


# ------------------------------------------------------------------------------------ the card


def version_on(document: dict[str, Any], on: date) -> dict[str, Any]:
    """The version in force: the latest that started on or before ``on``; before the first, none."""
    chosen = None
    for version in sorted(document["versions"], key=lambda v: v["effective_from"]):
        if version["effective_from"] <= on:
            chosen = version
    if chosen is None:
        raise Refused("date", "no rate is in force on that date")
    return chosen


def dated(base: dict[str, Any], keys: tuple[str, ...], on: date) -> dict[str, Any]:
    """``base``'s values for ``keys`` with every dated change on or before ``on`` applied, oldest first."""
    values = {key: base.get(key) for key in keys}
    for change in sorted(base.get("changes", []), key=lambda c: c["effective_from"]):
        if change["effective_from"] <= on:
            for key in keys:
                if key in change:
                    values[key] = change[key]
    return values


# ------------------------------------------------------------------------------------ the record


def calculate(document: dict[str, Any], record: dict[str, Any]) -> OracleQuote:
    """Every line of one record, in the order RATE_CARDS.md lists the kinds."""
    places = MINOR_UNITS[document["currency"]]
    on: date = record["date"]
    version = version_on(document, on)
    activities = version.get("activities", {})
    if record["activity"] not in activities:
        raise Refused("activity", "not on this card")
    activity = activities[record["activity"]]
    role = record.get("role", "member")
    roles = version.get("roles", {})
    if role != "member" and role not in roles:
        raise Refused("role", "not on this card")
    multiplier = exact(roles[role]["multiplier"]) if role in roles else Fraction(1)
    minutes = {name: record.get(f"{name}_minutes", 0) for name in ("involvement", "preparation", "follow_up",
                                                                     "travel")}
    for name, value in minutes.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 24 * 60:
            raise Refused(f"{name}_minutes", "must be a whole number of minutes from 0 to 1440")
    expense_lines = at_cost(version, record.get("expenses", []), places)  # refusals come before pricing
    if "hourly_rate" in activity:
        fees = hourly(version, exact(activity["hourly_rate"]), multiplier, minutes, places)
    elif "fixed_fee" in activity:
        fee = exact(activity["fixed_fee"])
        fees = [OracleLine("fixed_fee", fee, half_up(to_minor(fee, places)), quantity=1)]
    else:
        fees = banded(version, activity["bands"], minutes, places)
    fees += daily_cap(version, fees, record.get("fees_earlier_same_day", "0"), places)
    expenses = allowance_and_mileage(version, record, on, places)
    return OracleQuote(version["effective_from"], tuple(fees + expenses + expense_lines))


def counted_time(version: dict[str, Any], minutes: dict[str, int]) -> dict[str, Fraction]:
    """Steps 1 and 2: the time that counts, before any rounding.

    Preparation is capped at a multiple of the involvement time (in full when the meeting was cancelled,
    I = 0); follow-up at its minutes cap; travel time counts only when the card pays it.
    """
    rules = version["time"]
    involvement = Fraction(minutes["involvement"])
    preparation = Fraction(minutes["preparation"])
    if involvement > 0:
        preparation = min(preparation, exact(rules["preparation_cap"]) * involvement)
    return {
        "involvement": involvement,
        "preparation": preparation,
        "follow_up": Fraction(min(minutes["follow_up"], int(rules["follow_up_cap_minutes"]))),
        "travel_time": Fraction(minutes["travel"]) if rules["travel_time_paid"] else Fraction(0),
    }


def hourly(
    version: dict[str, Any], base: Fraction, multiplier: Fraction, minutes: dict[str, int], places: int
) -> list[OracleLine]:
    """Steps 3 and 4: round each component up to the unit, the minimum for involvement, then price
    the lines at one rate together and share the pennies by the largest remainder."""
    rules = version["time"]
    unit = int(rules["rounding_unit_minutes"])
    counted = counted_time(version, minutes)
    paid: list[tuple[str, Fraction, int]] = []
    for kind in TIME_ORDER:
        if counted[kind] <= 0 and not (kind == "preparation" and minutes["preparation"] > 0):
            continue
        rounded = round_up_to(counted[kind], unit)
        if kind == "involvement":
            rounded = max(rounded, int(rules["minimum_involvement_minutes"]))
        paid.append((kind, base * multiplier if kind == "involvement" else base, rounded))
    amounts: dict[int, int] = {}
    for rate in dict.fromkeys(rate for _, rate, _ in paid):
        members = [index for index, (_, r, _) in enumerate(paid) if r == rate]
        shares = largest_remainder([to_minor(rate * paid[i][2] / 60, places) for i in members])
        amounts.update(zip(members, shares, strict=True))
    return [OracleLine(kind, rate, amounts[index], minutes=mins) for index, (kind, rate, mins) in enumerate(paid)]


def largest_remainder(parts: list[Fraction]) -> list[int]:
    """Whole minor units that add up to the sum rounded half-up once: floors first, then one more unit
    to each of the largest remainders (a tie goes to the earlier part)."""
    whole = half_up(sum(parts, Fraction(0)))
    floors = [math.floor(part) for part in parts]
    ranked = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    for index in ranked[: whole - sum(floors)]:
        floors[index] += 1
    return floors


def banded(version: dict[str, Any], bands: list[dict[str, Any]], minutes: dict[str, int],
           places: int) -> list[OracleLine]:
    """Step 5: the band that holds I + P' + F' + T' (unrounded components; the line shows the total
    rounded up to a whole minute). "Up to N minutes" includes N; the last band also applies above."""
    total = sum(counted_time(version, minutes).values(), Fraction(0))
    if total <= 0:
        return []
    ordered = sorted(bands, key=lambda band: int(band["up_to_minutes"]))
    chosen = next((band for band in ordered if total <= int(band["up_to_minutes"])), ordered[-1])
    fee = exact(chosen["fee"])
    return [OracleLine("band", fee, half_up(to_minor(fee, places)), minutes=math.ceil(total))]


def daily_cap(version: dict[str, Any], fees: list[OracleLine], earlier: str, places: int) -> list[OracleLine]:
    """Step 6: the day's fees never go above the cap; the reduction is its own (negative) line."""
    cap_text = version.get("limits", {}).get("daily_fee_cap")
    if cap_text is None:
        return []
    cap = exact(cap_text)
    room = max(Fraction(0), to_minor(cap, places) - to_minor(exact(earlier), places))
    total = sum(line.amount for line in fees)
    if total <= room:
        return []
    return [OracleLine("daily_cap", cap, -half_up(total - room), quantity=1)]


def allowance_and_mileage(version: dict[str, Any], record: dict[str, Any], on: date,
                          places: int) -> list[OracleLine]:
    """Step 7 (first part): the online allowance, mileage (split at the tax-year threshold), passengers."""
    expenses = version["expenses"]
    rates = dated(expenses, ("online_allowance", "passenger_rate_per_mile"), on)
    lines: list[OracleLine] = []
    allowance = exact(rates["online_allowance"])
    if record.get("mode", "in_person") == "online" and allowance > 0:
        lines.append(OracleLine("online_allowance", allowance, half_up(to_minor(allowance, places)), quantity=1))
    trip = record.get("mileage")
    if trip is None:
        return lines
    vehicles = expenses.get("mileage", {})
    if trip["vehicle"] not in vehicles:
        raise Refused("mileage.vehicle", "not on this card")
    vehicle = dated(vehicles[trip["vehicle"]], ("rate_per_mile", "rate_beyond_threshold"), on)
    miles, before = int(trip["miles"]), int(trip.get("miles_earlier_in_tax_year", 0))
    if miles <= 0:
        return lines
    threshold = vehicles[trip["vehicle"]].get("threshold_miles")
    full = miles
    if threshold is not None and vehicle["rate_beyond_threshold"] is not None:
        full = min(miles, max(0, int(threshold) - before))
    for count, rate_text in ((full, vehicle["rate_per_mile"]), (miles - full, vehicle["rate_beyond_threshold"])):
        if count > 0:
            rate = exact(rate_text)
            lines.append(OracleLine("mileage", rate, half_up(to_minor(rate * count, places)), quantity=count))
    passenger_rate = exact(rates["passenger_rate_per_mile"])
    passengers = int(trip.get("passengers", 0))
    if passengers > 0 and passenger_rate > 0:
        quantity = passengers * miles
        lines.append(OracleLine("passenger", passenger_rate, half_up(to_minor(passenger_rate * quantity, places)),
                                quantity=quantity))
    return lines


def at_cost(version: dict[str, Any], claims: list[dict[str, Any]], places: int) -> list[OracleLine]:
    """Step 7 (last part): costs paid back as spent, up to a category's daily cap; a receipt reference is
    needed above the card's threshold."""
    expenses = version["expenses"]
    categories = expenses.get("at_cost", {})
    threshold = expenses.get("receipt_required_above")
    used: dict[str, Fraction] = {}
    lines: list[OracleLine] = []
    for index, claim in enumerate(claims):
        if claim["category"] not in categories:
            raise Refused(f"expenses[{index}].category", "not on this card")
        spent = exact(claim["amount"])
        if spent <= 0:
            raise Refused(f"expenses[{index}].amount", "must be more than nothing")
        if threshold is not None and spent > exact(threshold) and not (claim.get("receipt") or "").strip():
            raise Refused(f"expenses[{index}].receipt", "a receipt reference is needed above the threshold")
        paid = spent
        cap_text = categories[claim["category"]].get("daily_cap")
        if cap_text is not None:
            paid = min(spent, max(Fraction(0), exact(cap_text) - used.get(claim["category"], Fraction(0))))
            used[claim["category"]] = used.get(claim["category"], Fraction(0)) + paid
        lines.append(OracleLine("expense", spent, half_up(to_minor(paid, places)), quantity=1))
    return lines
