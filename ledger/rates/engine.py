"""The calculation: recorded time and claims in, explained exact lines out.

Follows "How a record is calculated" in RATE_CARDS.md step by step. Pure: the same input always gives
the same lines. Fees (income) and expenses (paid-back costs, not income) are separate lines with a
``category`` so nothing downstream can mix them up. Hourly lines at one rate are priced together
(rate x their total time, rounded once) and share the pennies by the largest-remainder rule, so 2 hours
at 27.50 is 55.00 however the time is split; other amounts are rounded once, per line, by
``ledger.money.round_money``. Totals are exact sums of lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from ledger.errors import FieldProblem, Invalid, NoRateInForce, invalid_field
from ledger.money import MoneyError, ceil_to, minor_units, parse_amount, quantum, round_money
from ledger.rates import explain as say
from ledger.rates.model import BANDED, FIXED, ActivityRule, CardVersion, RateCard, RoleRule, VehicleRate

MAX_COMPONENT_MINUTES = 24 * 60
MAX_MILES = 10_000  # one trip
MAX_PASSENGERS = 50
FEE, EXPENSE = "fee", "expense"
MODES = ("in_person", "online")
SIXTY = Decimal(60)
T = TypeVar("T")


@dataclass(frozen=True)
class MileageClaim:
    vehicle: str
    miles: int
    passengers: int = 0
    miles_earlier_in_tax_year: int = 0


@dataclass(frozen=True)
class ExpenseClaim:
    category: str
    amount: Decimal | str  # a string from the wire is parsed (and refused if malformed) by the engine
    receipt: str | None = None


@dataclass(frozen=True)
class QuoteInput:
    """Everything the engine needs about one participant's involvement in one activity."""

    date: date
    activity: str
    role: str = "member"
    mode: str = "in_person"
    involvement_minutes: int = 0
    preparation_minutes: int = 0
    follow_up_minutes: int = 0
    travel_minutes: int = 0
    mileage: MileageClaim | None = None
    expenses: tuple[ExpenseClaim, ...] = ()
    fees_earlier_same_day: Decimal = Decimal(0)  # for the daily cap: fees already approved that date


class Said:
    """An explanation kept as its parts and the function that words them.

    Working out the sentences cost far more than the arithmetic (most quotes are priced to be summed or
    checked, and their words are never read), so a line carries the parts and the sentence is written
    the first time it is shown (``Line.explanation``: an API answer, a stored record line, a statement),
    then kept. The words are exactly those written before; two explanations are equal when their
    sentences are.
    """

    __slots__ = ("_parts", "_text", "_words")

    def __init__(self, words: Callable[..., str], *parts: Any) -> None:
        self._words = words
        self._parts = parts
        self._text: str | None = None

    def __str__(self) -> str:
        text = self._text
        if text is None:
            text = self._text = self._words(*self._parts)
        return text

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Said | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return repr(str(self))


@dataclass(frozen=True)
class Line:
    kind: str
    category: str  # "fee" or "expense"
    rate: Decimal
    amount: Decimal
    said: Said | str  # the explanation's parts (or its sentence): read ``explanation`` for the words
    minutes: int | None = None
    quantity: int | None = None

    @property
    def explanation(self) -> str:
        """The plain-English sentence saying how the amount was worked out."""
        return str(self.said)


@dataclass(frozen=True)
class Quote:
    rate_card: str
    version_from: date
    currency: str
    lines: tuple[Line, ...]
    fees_total: Decimal = field(init=False)
    expenses_total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        fees = sum((line.amount for line in self.lines if line.category == FEE), Decimal(0))
        expenses = sum((line.amount for line in self.lines if line.category == EXPENSE), Decimal(0))
        object.__setattr__(self, "fees_total", fees)
        object.__setattr__(self, "expenses_total", expenses)

    @property
    def total(self) -> Decimal:
        return self.fees_total + self.expenses_total


# ----------------------------------------------------------------------------------------- checks


def validate(request: QuoteInput) -> None:
    """Refuse impossible input with every problem named (negative or fractional minutes, > 24 h...)."""
    problems = input_problems(request)
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)


def input_problems(request: QuoteInput) -> list[FieldProblem]:
    """Every problem with the input that needs no rate card (negative or fractional minutes, > 24 h...)."""
    problems: list[FieldProblem] = []
    for name in ("involvement_minutes", "preparation_minutes", "follow_up_minutes", "travel_minutes"):
        value = getattr(request, name)
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(FieldProblem(name, "must be a whole number of minutes"))
        elif value < 0:
            problems.append(FieldProblem(name, f"must not be negative (got {value})"))
        elif value > MAX_COMPONENT_MINUTES:
            problems.append(
                FieldProblem(name, f"must be at most {MAX_COMPONENT_MINUTES} minutes (24 hours); got {value}")
            )
    if request.mode not in MODES:
        problems.append(FieldProblem("mode", f"must be one of {', '.join(MODES)}; got {request.mode!r}"))
    if request.mileage is not None:
        m = request.mileage
        for name, value, high in (
            ("miles", m.miles, MAX_MILES),
            ("passengers", m.passengers, MAX_PASSENGERS),
            ("miles_earlier_in_tax_year", m.miles_earlier_in_tax_year, 10_000_000),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                problems.append(FieldProblem(f"mileage.{name}", f"must be a whole number from 0 to {high}"))
    return problems


# -------------------------------------------------------------------------------------- calculate


def calculate(card: RateCard, request: QuoteInput) -> Quote:
    """Work out what one record is owed, line by line, with the card version in force on its date."""
    version, activity, role, vehicle, at_cost = _checked(card, request)
    currency = card.currency
    lines: list[Line] = []
    if activity.pricing == FIXED:
        lines.extend(_fixed_fee(activity, request, currency))
    elif activity.pricing == BANDED:
        lines.extend(_band(activity, version, request, currency))
    else:
        lines.extend(_hourly(activity, role, version, request, currency))
    lines.extend(_daily_cap(version, request, lines, currency))
    lines.extend(_expenses(version, request, vehicle, currency))
    lines.extend(at_cost)
    return Quote(card.key, version.effective_from, currency, tuple(lines))


def _checked(
    card: RateCard, request: QuoteInput
) -> tuple[CardVersion, ActivityRule, RoleRule, VehicleRate | None, list[Line]]:
    """Every check of ``request`` against the card version in force, in one pass: one ``Invalid`` naming
    every problem (an unknown activity no longer hides an unknown role, nor a vehicle a bad taxi fare).

    Recording an activity and quoting both come through here, so they refuse the same things the same way.
    """
    problems = input_problems(request)
    try:
        version = card.version_on(request.date)
    except NoRateInForce as exc:  # nothing else can be checked without a version: say it with the rest
        raise NoRateInForce(_detail([*problems, *exc.problems]), [*problems, *exc.problems]) from None

    def look_up(find: Callable[[], T]) -> T | None:
        try:
            return find()
        except Invalid as exc:
            problems.extend(exc.problems)
            return None

    activity = look_up(lambda: version.activity(request.activity))
    role = look_up(lambda: version.role(request.role))
    vehicle = None
    if request.mileage is not None:
        # An unknown vehicle is refused even for 0 miles; the rate is the one in force on the date.
        mileage = request.mileage
        vehicle = look_up(lambda: version.vehicle(mileage.vehicle).on(request.date))
    at_cost = look_up(lambda: _at_cost(version, request.expenses, card.currency))
    if problems or activity is None or role is None or at_cost is None:
        raise Invalid(_detail(problems), problems)
    return version, activity, role, vehicle, at_cost


def _detail(problems: list[FieldProblem]) -> str:
    return "; ".join(f"{p.field}: {p.message}" for p in problems)


def _round_up(minutes: Decimal | int, unit: int) -> int:
    """Up to the next whole time unit: 62 -> 75 with a 15-minute unit (never down, never to nearest)."""
    return int(ceil_to(Decimal(minutes), unit))


def _paid_preparation(version: CardVersion, request: QuoteInput) -> tuple[int, Decimal | None]:
    """Preparation counted before rounding, and the cap (in minutes) when it applies."""
    prep = Decimal(request.preparation_minutes)
    if request.involvement_minutes == 0:
        return request.preparation_minutes, None  # cancelled after preparing: paid in full
    cap = version.time.preparation_cap * request.involvement_minutes
    return request.preparation_minutes, cap if prep > cap else None


def _exact_time_amount(rate: Decimal, minutes: int) -> Fraction:
    """rate x minutes / 60 exactly: a 60th has no exact Decimal, and pennies are shared from these."""
    return Fraction(rate) * minutes / 60


def share_pennies(exact: Sequence[Decimal | Fraction], currency: str) -> list[Decimal]:
    """Round ``exact`` amounts so they add up to their sum rounded once (half-up), by largest remainder.

    Each amount is first rounded down to the minor unit; the minor units still missing from the rounded
    total go one each to the amounts with the largest remainders (ties: the earlier line). So 1 h 15 min
    and 45 min at 27.50 an hour share 55.00 as 34.38 + 20.62, never 34.38 + 20.63 = 55.01.

    Pass exact amounts (``Fraction(rate) * minutes / 60``): the sum and the remainders are worked out in
    fractions, because 28-digit Decimals of a 60th lose the half that half-up looks at (110 + 110 + 50
    minutes at 0.01 an hour is exactly 4.5p, paid 5p, not 4p) and make equal remainders unequal.
    """
    unit = quantum(currency)
    parts = [Fraction(value) / Fraction(unit) for value in exact]  # exact, in minor units
    whole = sum(parts, Fraction(0))
    # A sum that ends in exactly half a minor unit has a short decimal form, so this division is exact
    # where it matters and round_money stays the one rounding rule.
    total_units = int(round_money(Decimal(whole.numerator) / Decimal(whole.denominator) * unit, currency) / unit)
    floors = [math.floor(part) for part in parts]
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    for index in order[: total_units - sum(floors)]:
        floors[index] += 1
    return [round_money(units * unit, currency) for units in floors]


def _share_time(rate: Decimal, minutes: list[int], currency: str) -> list[Decimal]:
    """``share_pennies`` of ``rate x minutes / 60`` for each line, worked out in whole numbers.

    The same answer as ``share_pennies([_exact_time_amount(rate, m) ...])``: every amount is an integer
    over one common denominator (60 and the powers of ten of the rate and the currency), so floors,
    remainders and the half-up total are exact integer arithmetic, without building Fractions (which
    cost more than the rest of a quote). Anything unusual (a negative or non-finite rate) goes the
    general way.
    """
    places = minor_units(currency)
    exponent = rate.as_tuple().exponent
    if not rate.is_finite() or rate < 0 or not isinstance(exponent, int):
        return share_pennies([_exact_time_amount(rate, m) for m in minutes], currency)
    scaled = int(rate.scaleb(-exponent))  # rate = scaled x 10^exponent
    shift = exponent + places  # amount in minor units = scaled x m x 10^shift / 60
    if shift >= 0:
        numerators, denominator = [scaled * m * 10**shift for m in minutes], 60
    else:
        numerators, denominator = [scaled * m for m in minutes], 60 * 10**-shift
    floors = [n // denominator for n in numerators]
    total_units = (2 * sum(numerators) + denominator) // (2 * denominator)  # half-up, amounts are >= 0
    order = sorted(range(len(numerators)), key=lambda i: (-(numerators[i] - floors[i] * denominator), i))
    for index in order[: total_units - sum(floors)]:
        floors[index] += 1
    unit = quantum(currency)
    return [round_money(units * unit, currency) for units in floors]


def _rounding_note(actual: Decimal | int, paid: int, unit: int) -> str:
    if Decimal(actual) == paid:
        return ""
    return f", rounded up to the next {unit} minutes"


@dataclass
class _TimeLine:
    """An hourly line before its amount is known (amounts are shared out per rate, then explained)."""

    kind: str
    rate: Decimal
    minutes: int
    head: Said  # "Preparation: 45 min at £27.50 an hour"
    why: Said
    amount: Decimal = Decimal(0)


# ---- the words of each line (called only when an explanation is shown) ------------------------------


def _role_rate_words(rate: Decimal, base: Decimal, multiplier: Decimal, role_label: str, currency: str) -> str:
    text = f"{say.rate(rate, currency)} an hour"
    if multiplier != 1:
        text += f" ({say.rate(base, currency)} x {say.factor(multiplier)} for {role_label.lower()})"
    return text


def _involvement_head(activity_label: str, role_label: str, multiplier: Decimal, paid: int, rate: Decimal,
                      base: Decimal, currency: str) -> str:
    as_role = f", as {role_label.lower()}" if multiplier != 1 else ""
    return (f"{activity_label}{as_role}: {say.duration(paid)} at "
            f"{_role_rate_words(rate, base, multiplier, role_label, currency)}")


def _involvement_why(involvement: int, paid: int, rounded: int, minimum: int, unit: int) -> str:
    if paid > rounded:
        return (f"You were there for {say.duration(involvement)}; we always pay at least "
                f"{say.duration(minimum)}.")
    return f"You were there for {say.duration(involvement)}{_rounding_note(involvement, paid, unit)}."


def _hours_head(name: str, paid: int, base: Decimal, currency: str) -> str:
    return f"{name}: {say.duration(paid)} at {say.rate(base, currency)} an hour"


def _preparation_why(prep_input: int, paid: int, unit: int, involvement: int, prep_cap: Decimal | None,
                     counted: Decimal | int, cap_factor: Decimal) -> str:
    if involvement == 0:
        return (f"You prepared for {say.duration(prep_input)}{_rounding_note(prep_input, paid, unit)}. "
                "The activity did not go ahead, so all your preparation is paid.")
    if prep_cap is not None:
        return (f"You prepared for {say.duration(prep_input)}; we pay preparation up to "
                f"{say.factor(cap_factor)} x the time of the activity "
                f"({say.duration(involvement)}){_rounding_note(counted, paid, unit)}.")
    return f"You prepared for {say.duration(prep_input)}{_rounding_note(prep_input, paid, unit)}."


def _follow_up_why(follow: int, cap: int, counted: int, paid: int, unit: int) -> str:
    if follow > cap:
        return (f"You spent {say.duration(follow)} on follow-up; we pay up to {say.duration(cap)} "
                f"of follow-up for each activity{_rounding_note(counted, paid, unit)}.")
    return f"You spent {say.duration(follow)} on follow-up{_rounding_note(follow, paid, unit)}."


def _travel_why(travel: int, paid: int, unit: int) -> str:
    return f"You travelled for {say.duration(travel)}{_rounding_note(travel, paid, unit)}."


def _shared_note(rate: Decimal, total_minutes: int, total: Decimal, currency: str) -> str:
    return (f" (Your time at {say.rate(rate, currency)} an hour on this activity adds up to "
            f"{say.duration(total_minutes)}, which is {say.money(total, currency)}; the pennies are "
            f"shared between the lines so they add up to exactly that.)")


def _time_words(head: Said, amount: Decimal, currency: str, why: Said, note: Said | None) -> str:
    return f"{head} = {say.money(amount, currency)}. {why}{note if note is not None else ''}"


def _fixed_fee_words(label: str, fee: Decimal, told: int, currency: str) -> str:
    time_note = f" You told us it took {say.duration(told)}; that time is recorded." if told else ""
    return (f"{label}: a fixed fee of {say.rate(fee, currency)} = {say.money(fee, currency)}, "
            f"however long it takes.{time_note}")


def _band_words(label: str, band_label: str, fee: Decimal, limit_minutes: int, above_all: bool, minutes: int,
                involvement: int, prep: Decimal | int, follow: int, travel: int, currency: str) -> str:
    parts = [f"{say.duration(involvement)} taking part"]
    if prep:
        parts.append(f"{say.duration(int(prep))} preparation")
    if follow:
        parts.append(f"{say.duration(follow)} follow-up")
    if travel:
        parts.append(f"{say.duration(travel)} travel")
    band_name = f" ({band_label})" if band_label else ""
    limit_text = f"more than {say.duration(limit_minutes)}" if above_all else f"up to {say.duration(limit_minutes)}"
    return (f"{label}{band_name}: {say.rate(fee, currency)} for {limit_text} in total = "
            f"{say.money(fee, currency)}. Your time counted was {say.duration(minutes)} "
            f"({', '.join(parts)}).")


def _daily_cap_words(cap: Decimal, reduction: Decimal, earlier_fees: Decimal, currency: str) -> str:
    earlier = ""
    if earlier_fees > 0:
        earlier = (f" You had already been paid {say.money(earlier_fees, currency)} "
                   "in fees for other activities that day.")
    return (f"Daily limit: this rate card pays at most {say.money(cap, currency)} in fees for one day, so "
            f"these fees are reduced by {say.money(reduction, currency)}.{earlier}")


def _online_words(allowance: Decimal, currency: str) -> str:
    return (f"Online allowance: {say.money(allowance, currency)} for taking part online, towards phone, "
            "data and printing costs.")


def _earlier_miles(claim: MileageClaim) -> str:
    return (f" You had claimed {say.miles(claim.miles_earlier_in_tax_year)} earlier this tax year."
            if claim.miles_earlier_in_tax_year else "")


def _mileage_words(vehicle: VehicleRate, claim: MileageClaim, full_rate_miles: int, amount: Decimal, beyond: int,
                   currency: str) -> str:
    limit = ""
    if vehicle.threshold_miles is not None and beyond:
        limit = f" (the rate for the first {say.miles(vehicle.threshold_miles)} in the tax year)"
    earlier = _earlier_miles(claim) if not beyond else ""
    return (f"{vehicle.label} mileage: {say.miles(full_rate_miles)} at {say.rate(vehicle.rate_per_mile, currency)} "
            f"a mile = {say.money(amount, currency)}{limit}.{earlier}")


def _mileage_beyond_words(vehicle: VehicleRate, claim: MileageClaim, beyond: int, rate: Decimal, amount: Decimal,
                          currency: str) -> str:
    assert vehicle.threshold_miles is not None
    return (f"{vehicle.label} mileage beyond {say.miles(vehicle.threshold_miles)} in the tax year: "
            f"{say.miles(beyond)} at {say.rate(rate, currency)} a mile = {say.money(amount, currency)}."
            f"{_earlier_miles(claim)}")


def _passenger_words(passengers: int, miles: int, passenger_miles: int, rate: Decimal, amount: Decimal,
                     currency: str) -> str:
    people = "passenger" if passengers == 1 else "passengers"
    return (f"Passengers: {passengers} {people} for {say.miles(miles)} = "
            f"{passenger_miles:,} passenger miles at {say.rate(rate, currency)} a passenger mile = "
            f"{say.money(amount, currency)}.")


def _at_cost_words(label: str, amount: Decimal, receipt: str, paid: Decimal, daily_cap: Decimal | None,
                   currency: str) -> str:
    receipt_note = f" (receipt {receipt})" if receipt else ""
    if paid < amount:
        return (f"{label}: you spent {say.money(amount, currency)}{receipt_note}; we pay back up to "
                f"{say.money(daily_cap or Decimal(0), currency)} a day, so "
                f"{say.money(paid, currency)}.")
    return f"{label}: {say.money(amount, currency)} paid back at cost{receipt_note}."


def _hourly(
    activity: ActivityRule, role: RoleRule, version: CardVersion, request: QuoteInput, currency: str
) -> list[Line]:
    assert activity.hourly_rate is not None
    base = activity.hourly_rate
    unit = version.time.rounding_unit_minutes
    parts: list[_TimeLine] = []
    involvement = request.involvement_minutes
    if involvement > 0:
        rounded = _round_up(involvement, unit)
        paid = max(rounded, version.time.minimum_involvement_minutes)
        rate = base * role.multiplier
        head = Said(_involvement_head, activity.label, role.label, role.multiplier, paid, rate, base, currency)
        why = Said(_involvement_why, involvement, paid, rounded, version.time.minimum_involvement_minutes, unit)
        parts.append(_TimeLine("involvement", rate, paid, head, why))
    prep_input, prep_cap = _paid_preparation(version, request)
    if prep_input > 0:
        counted: Decimal | int = prep_cap if prep_cap is not None else prep_input
        paid = _round_up(counted, unit)
        why = Said(_preparation_why, prep_input, paid, unit, involvement, prep_cap, counted,
                   version.time.preparation_cap)
        parts.append(_TimeLine("preparation", base, paid, Said(_hours_head, "Preparation", paid, base, currency),
                               why))
    follow = request.follow_up_minutes
    if follow > 0:
        cap = version.time.follow_up_cap_minutes
        counted_f = min(follow, cap)
        if counted_f > 0:
            paid = _round_up(counted_f, unit)
            parts.append(_TimeLine("follow_up", base, paid, Said(_hours_head, "Follow-up", paid, base, currency),
                                   Said(_follow_up_why, follow, cap, counted_f, paid, unit)))
    travel = request.travel_minutes
    if travel > 0 and version.time.travel_time_paid:
        paid = _round_up(travel, unit)
        parts.append(_TimeLine("travel_time", base, paid, Said(_hours_head, "Travel time", paid, base, currency),
                               Said(_travel_why, travel, paid, unit)))
    return _priced(parts, currency)


def _priced(parts: list[_TimeLine], currency: str) -> list[Line]:
    """Price the time lines: per rate, once for their total time, pennies shared by largest remainder.

    A line whose share differs from its own time priced alone says why, so every explanation stays true.
    """
    by_rate: dict[Decimal, list[_TimeLine]] = {}
    for part in parts:
        by_rate.setdefault(part.rate, []).append(part)
    notes: dict[int, Said] = {}
    for rate, group in by_rate.items():
        shares = _share_time(rate, [p.minutes for p in group], currency)
        total_minutes = sum(p.minutes for p in group)
        total = sum(shares, Decimal(0))
        for part, share in zip(group, shares, strict=True):
            part.amount = share
            alone = round_money(rate * part.minutes / SIXTY, currency)
            if share != alone:
                notes[id(part)] = Said(_shared_note, rate, total_minutes, total, currency)
    return [
        Line(part.kind, FEE, part.rate, part.amount,
             Said(_time_words, part.head, part.amount, currency, part.why, notes.get(id(part))),
             minutes=part.minutes)
        for part in parts
    ]


def _fixed_fee(activity: ActivityRule, request: QuoteInput, currency: str) -> list[Line]:
    assert activity.fixed_fee is not None
    fee = activity.fixed_fee
    told = request.involvement_minutes + request.preparation_minutes + request.follow_up_minutes
    return [Line(
        "fixed_fee", FEE, fee, round_money(fee, currency), Said(_fixed_fee_words, activity.label, fee, told, currency),
        quantity=1,
    )]


def _band(activity: ActivityRule, version: CardVersion, request: QuoteInput, currency: str) -> list[Line]:
    prep_input, prep_cap = _paid_preparation(version, request)
    prep = prep_cap if prep_cap is not None else Decimal(prep_input)
    follow = min(request.follow_up_minutes, version.time.follow_up_cap_minutes)
    travel = request.travel_minutes if version.time.travel_time_paid else 0
    counted = Decimal(request.involvement_minutes) + prep + follow + travel
    if counted <= 0:
        return []
    minutes = int(ceil_to(counted, 1))
    band = activity.band_for(minutes)
    above_all = len(activity.bands) > 1 and minutes > activity.bands[-2].up_to_minutes
    limit_minutes = activity.bands[-2].up_to_minutes if above_all else band.up_to_minutes
    return [Line(
        "band", FEE, band.fee, round_money(band.fee, currency),
        Said(_band_words, activity.label, band.label, band.fee, limit_minutes, above_all, minutes,
             request.involvement_minutes, prep, follow, travel, currency),
        minutes=minutes,
    )]


def _daily_cap(version: CardVersion, request: QuoteInput, lines: list[Line], currency: str) -> list[Line]:
    cap = version.daily_fee_cap
    if cap is None:
        return []
    fees = sum((line.amount for line in lines), Decimal(0))
    room = max(Decimal(0), cap - request.fees_earlier_same_day)
    if fees <= room:
        return []
    reduction = fees - room
    return [Line(
        "daily_cap", FEE, cap, -reduction,
        Said(_daily_cap_words, cap, reduction, request.fees_earlier_same_day, currency),
        quantity=1,
    )]


def _expenses(version: CardVersion, request: QuoteInput, vehicle: VehicleRate | None, currency: str) -> list[Line]:
    """The online allowance and mileage (at-cost expenses are priced by ``_at_cost`` while checking)."""
    rules = version.expenses_on(request.date)  # expense rates change on their own dates
    lines: list[Line] = []
    if request.mode == "online" and rules.online_allowance > 0:
        allowance = rules.online_allowance
        lines.append(Line(
            "online_allowance", EXPENSE, allowance, round_money(allowance, currency),
            Said(_online_words, allowance, currency),
            quantity=1,
        ))
    if request.mileage is not None and vehicle is not None and request.mileage.miles > 0:
        lines.extend(_mileage(vehicle, request.mileage, rules.passenger_rate_per_mile, currency))
    return lines


def _mileage(vehicle: VehicleRate, claim: MileageClaim, passenger_rate: Decimal, currency: str) -> list[Line]:
    lines: list[Line] = []
    full_rate_miles = claim.miles
    if vehicle.threshold_miles is not None and vehicle.rate_beyond_threshold is not None:
        left = max(0, vehicle.threshold_miles - claim.miles_earlier_in_tax_year)
        full_rate_miles = min(claim.miles, left)
    beyond = claim.miles - full_rate_miles
    if full_rate_miles:
        amount = round_money(vehicle.rate_per_mile * full_rate_miles, currency)
        lines.append(Line(
            "mileage", EXPENSE, vehicle.rate_per_mile, amount,
            Said(_mileage_words, vehicle, claim, full_rate_miles, amount, beyond, currency),
            quantity=full_rate_miles,
        ))
    if beyond:
        assert vehicle.rate_beyond_threshold is not None and vehicle.threshold_miles is not None
        rate = vehicle.rate_beyond_threshold
        amount = round_money(rate * beyond, currency)
        lines.append(Line(
            "mileage", EXPENSE, rate, amount,
            Said(_mileage_beyond_words, vehicle, claim, beyond, rate, amount, currency),
            quantity=beyond,
        ))
    if claim.passengers and passenger_rate > 0:
        passenger_miles = claim.passengers * claim.miles
        amount = round_money(passenger_rate * passenger_miles, currency)
        lines.append(Line(
            "passenger", EXPENSE, passenger_rate, amount,
            Said(_passenger_words, claim.passengers, claim.miles, passenger_miles, passenger_rate, amount, currency),
            quantity=passenger_miles,
        ))
    return lines


def _at_cost(version: CardVersion, claims: tuple[ExpenseClaim, ...], currency: str) -> list[Line]:
    rules = version.expenses
    lines: list[Line] = []
    used: dict[str, Decimal] = {}
    problems: list[FieldProblem] = []
    for index, claim in enumerate(claims):
        place = f"expenses[{index}]"
        try:
            category = version.category(claim.category, f"{place}.category")
        except Invalid as exc:
            problems.extend(exc.problems)
            continue
        try:
            amount = parse_amount(claim.amount, currency, what=f"{place}.amount")
        except MoneyError as exc:
            problems.append(FieldProblem(f"{place}.amount", str(exc)))
            continue
        if amount <= 0:
            problems.append(FieldProblem(f"{place}.amount", f"must be more than 0 (got {claim.amount})"))
            continue
        threshold = rules.receipt_required_above
        receipt = (claim.receipt or "").strip()
        if threshold is not None and amount > threshold and not receipt:
            problems.append(FieldProblem(
                f"{place}.receipt",
                f"a receipt reference is needed for {category.label.lower()} above "
                f"{say.money(threshold, currency)} (claimed {say.money(amount, currency)})",
            ))
            continue
        paid = amount
        if category.daily_cap is not None:
            room = max(Decimal(0), category.daily_cap - used.get(category.key, Decimal(0)))
            paid = min(amount, room)
            used[category.key] = used.get(category.key, Decimal(0)) + paid
        text = Said(_at_cost_words, category.label, amount, receipt, paid, category.daily_cap, currency)
        lines.append(Line("expense", EXPENSE, amount, paid, text, quantity=1))
    if problems:
        raise Invalid(_detail(problems), problems)
    return lines


__all__ = [
    "EXPENSE",
    "FEE",
    "ExpenseClaim",
    "Line",
    "MileageClaim",
    "Quote",
    "QuoteInput",
    "Said",
    "calculate",
    "invalid_field",
    "share_pennies",
]
