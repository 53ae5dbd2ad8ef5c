"""The calculation: recorded time and claims in, explained exact lines out.

Follows "How a record is calculated" in RATE_CARDS.md step by step. Pure: the same input always gives
the same lines. Fees (income) and expenses (paid-back costs, not income) are separate lines with a
``category`` so nothing downstream can mix them up. Hourly lines at one rate are priced together
(rate x their total time, rounded once) and share the pennies by the largest-remainder rule, so 2 hours
at 27.50 is 55.00 however the time is split; other amounts are rounded once, per line, by
``ledger.money.round_money``. Totals are exact sums of lines.

Why it is written the way it is (quotes are priced thousands of times a second when activities are
recorded, approved and imported): time and hourly amounts are worked out in whole numbers (minutes,
and minor units over one exact denominator) with the money module's whole-number rules
(``round_units``, ``ceil_units``), and become Decimals only as a line's amount; what a card says on a
date (the version, the expense rules and mileage rates in force, each hourly rate as a whole number)
is worked out once per date and kept on the card (``_Day``); input that passes the quick checks is
not checked again, and anything the quick checks do not pass goes through the full checks, which name
every problem; a line keeps the parts of its explanation and writes the sentence only when it is shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple, NoReturn, TypeVar

from ledger.errors import FieldProblem, Invalid, NoRateInForce, invalid_field
from ledger.money import (
    MoneyError,
    ceil_units,
    minor_units,
    parse_amount,
    quantum,
    round_money,
    round_units,
)
from ledger.rates import explain as say
from ledger.rates.model import BANDED, FIXED, ActivityRule, CardVersion, RateCard, RoleRule, VehicleRate

MAX_COMPONENT_MINUTES = 24 * 60
MAX_MILES = 10_000  # one trip
MAX_PASSENGERS = 50
MAX_EARLIER_MILES = 10_000_000
FEE, EXPENSE = "fee", "expense"
MODES = ("in_person", "online")
SIXTY = Decimal(60)
ZERO = Decimal(0)
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


class Line(NamedTuple):
    """One line of a quote: immutable, and a tuple because a quote makes a few of these every time."""

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


class Quote(NamedTuple):
    """What one record is owed. The totals are exact sums of the fee lines and of the expense lines."""

    rate_card: str
    version_from: date
    currency: str
    lines: tuple[Line, ...]
    fees_total: Decimal
    expenses_total: Decimal

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
            ("miles_earlier_in_tax_year", m.miles_earlier_in_tax_year, MAX_EARLIER_MILES),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                problems.append(FieldProblem(f"mileage.{name}", f"must be a whole number from 0 to {high}"))
    return problems


def _plain(request: QuoteInput) -> bool:
    """True when ``input_problems`` would find nothing, by the quickest tests (plain ints in range, a
    known mode). False sends the request through the full checks (which also pass unusual but valid
    input, such as an int subclass)."""
    most = MAX_COMPONENT_MINUTES
    a, b, c, d = (request.involvement_minutes, request.preparation_minutes, request.follow_up_minutes,
                  request.travel_minutes)
    if not (type(a) is int and type(b) is int and type(c) is int and type(d) is int
            and 0 <= a <= most and 0 <= b <= most and 0 <= c <= most and 0 <= d <= most
            and request.mode in MODES):
        return False
    m = request.mileage
    if m is None:
        return True
    miles, passengers, earlier = m.miles, m.passengers, m.miles_earlier_in_tax_year
    return (type(miles) is int and type(passengers) is int and type(earlier) is int
            and 0 <= miles <= MAX_MILES and 0 <= passengers <= MAX_PASSENGERS and 0 <= earlier <= MAX_EARLIER_MILES)


def _checked(card: RateCard, request: QuoteInput) -> None:
    """Every check of ``request`` against the card version in force, in one pass: one ``Invalid`` naming
    every problem (an unknown activity no longer hides an unknown role, nor a vehicle a bad taxi fare).

    Recording an activity and quoting both come through here (``calculate`` calls it whenever its quick
    checks do not pass), so they refuse the same things the same way.
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
    if request.mileage is not None:  # an unknown vehicle is refused even for 0 miles
        mileage = request.mileage
        look_up(lambda: version.vehicle(mileage.vehicle))
    at_cost = look_up(lambda: _at_cost(version, request.expenses, card.currency))
    if problems or activity is None or role is None or at_cost is None:
        raise Invalid(_detail(problems), problems)


def _refuse(card: RateCard, request: QuoteInput) -> NoReturn:
    """Raise the full checks' refusal for a request a quick look-up has found wrong."""
    _checked(card, request)
    raise AssertionError("a quick look-up refused a request the full checks accept")  # pragma: no cover


def _detail(problems: list[FieldProblem]) -> str:
    return "; ".join(f"{p.field}: {p.message}" for p in problems)


# ------------------------------------------------------------------------- a card on one date

DAYS_KEPT = 2048  # dates kept per card (five and a half years of days, a few kB each); then it starts again
_AMOUNTS: dict[int, dict[int, Decimal]] = {}  # minor units -> the Decimal amount, per number of places
AMOUNTS_KEPT = 100_000


class _Priced(NamedTuple):
    """One activity in one role on one date: its rule, and its hourly rates with their whole-number form."""

    activity: ActivityRule
    role: RoleRule
    pricing: str
    base: Decimal | None  # the activity's hourly rate (None unless hourly)
    rate: Decimal | None  # base x the role's multiplier
    base_scale: tuple[int, int] | None  # see _scale
    rate_scale: tuple[int, int] | None


class _Day:
    """What a card says on one date, worked out once and kept on the card (``RateCard.memo``).

    A card never changes, so nothing here can go stale. Built lazily: an activity in a role, a vehicle,
    is worked out the first time a quote on this date asks for it.
    """

    __slots__ = ("amounts", "cap_den", "cap_factor", "cap_num", "currency", "follow_cap", "key", "minimum",
                 "on", "online", "passenger_rate", "places", "priced", "travel_paid", "unit", "vehicles",
                 "version", "version_from")

    def __init__(self, card: RateCard, version: CardVersion, on: date) -> None:
        time = version.time
        self.version, self.on, self.key, self.version_from = version, on, card.key, version.effective_from
        self.currency = currency = card.currency
        self.places = minor_units(currency)
        self.amounts = _AMOUNTS.setdefault(self.places, {})
        self.unit = time.rounding_unit_minutes
        self.minimum = time.minimum_involvement_minutes
        self.cap_factor = time.preparation_cap
        cap = Fraction(time.preparation_cap)  # a multiple of involvement time, exactly
        self.cap_num, self.cap_den = cap.numerator, cap.denominator
        self.follow_cap = time.follow_up_cap_minutes
        self.travel_paid = time.travel_time_paid
        self.priced: dict[tuple[str, str], _Priced] = {}
        self.vehicles: dict[str, VehicleRate] = {}
        rules = version.expenses_on(on)  # expense rates change on their own dates
        self.passenger_rate = rules.passenger_rate_per_mile
        self.online: Line | None = None  # the same line for every online quote on this date
        if rules.online_allowance > 0:
            allowance = rules.online_allowance
            self.online = Line("online_allowance", EXPENSE, allowance, round_money(allowance, currency),
                               Said(_online_words, allowance, currency), quantity=1)


def _day(card: RateCard, on: date) -> _Day | None:
    """The card on ``on`` (None when no version is in force: the full checks say so)."""
    memo = card.memo
    day: _Day | None = memo.get(on)
    if day is None:
        try:
            version = card.version_on(on)
        except NoRateInForce:
            return None
        if len(memo) >= DAYS_KEPT:
            memo.clear()
        day = memo[on] = _Day(card, version, on)
    return day


def _priced_on(day: _Day, activity_key: str, role_key: str) -> _Priced | None:
    """An activity in a role on ``day`` (None when either is not on the card: the full checks say so)."""
    activity = day.version.activities.get(activity_key)
    if activity is None:
        return None
    try:
        role = day.version.role(role_key)
    except Invalid:
        return None
    pricing = activity.pricing
    base = rate = base_scale = rate_scale = None
    if pricing not in (FIXED, BANDED):
        base = activity.hourly_rate
        assert base is not None
        rate = base * role.multiplier
        base_scale, rate_scale = _scale(base, day.places), _scale(rate, day.places)
    priced = day.priced[(activity_key, role_key)] = _Priced(activity, role, pricing, base, rate, base_scale,
                                                            rate_scale)
    return priced


def _vehicle_on(day: _Day, key: str) -> VehicleRate | None:
    """A vehicle's rates in force on ``day`` (None when the card has no such vehicle)."""
    vehicle = day.vehicles.get(key)
    if vehicle is None:
        try:
            vehicle = day.vehicles[key] = day.version.vehicle(key).on(day.on)
        except Invalid:
            return None
    return vehicle


def _amount(day: _Day, units: int) -> Decimal:
    """``units`` minor units as a Decimal amount with the currency's places (what ``round_money`` gives)."""
    amounts = day.amounts
    amount = amounts.get(units)
    if amount is None:
        if len(amounts) >= AMOUNTS_KEPT:
            amounts.clear()
        amount = amounts[units] = Decimal(units).scaleb(-day.places)
    return amount


# -------------------------------------------------------------------------------------- calculate


def calculate(card: RateCard, request: QuoteInput) -> Quote:
    """Work out what one record is owed, line by line, with the card version in force on its date."""
    day = _day(card, request.date)
    if day is None or not _plain(request):
        _checked(card, request)  # refuses, naming every problem (or passes unusual but valid input)
        day = _day(card, request.date)
        assert day is not None
    priced = day.priced.get((request.activity, request.role)) or _priced_on(day, request.activity, request.role)
    if priced is None:
        _refuse(card, request)
    mileage = request.mileage
    vehicle = None
    if mileage is not None:
        vehicle = _vehicle_on(day, mileage.vehicle)
        if vehicle is None:
            _refuse(card, request)
    at_cost: list[Line] = []
    if request.expenses:
        try:
            at_cost = _at_cost(day.version, request.expenses, day.currency)
        except Invalid:
            _refuse(card, request)
    currency = day.currency
    pricing = priced.pricing
    if pricing == FIXED:
        lines = _fixed_fee(priced.activity, request, currency)
    elif pricing == BANDED:
        lines = _band(day, priced.activity, request)
    else:
        lines = _hourly(day, priced, request)
    if day.version.daily_fee_cap is not None:
        lines.extend(_daily_cap(day.version, request, lines, currency))
    fees_total = ZERO
    for line in lines:
        fees_total += line.amount
    expenses_total = ZERO
    expenses = len(lines)
    if request.mode == "online" and day.online is not None:
        lines.append(day.online)
    if mileage is not None and vehicle is not None and mileage.miles > 0:
        lines.extend(_mileage(vehicle, mileage, day.passenger_rate, currency))
    lines.extend(at_cost)
    for line in lines[expenses:]:
        expenses_total += line.amount
    return Quote(day.key, day.version_from, currency, tuple(lines), fees_total, expenses_total)


# ------------------------------------------------------------------------------ time, in whole numbers


def _round_up(minutes: int, unit: int) -> int:
    """Up to the next whole time unit: 62 -> 75 with a 15-minute unit (never down, never to nearest)."""
    return ceil_units(minutes, 1, unit)


def _preparation(day: _Day, preparation: int, involvement: int) -> tuple[int, int, bool]:
    """Preparation counted before rounding, as numerator, denominator (the cap can be a fraction of a
    minute: 1.5 x 45 = 67.5) and whether the cap applied. A cancelled activity's preparation is paid in
    full."""
    if involvement > 0 and preparation * day.cap_den > day.cap_num * involvement:
        return day.cap_num * involvement, day.cap_den, True
    return preparation, 1, False


def _scale(rate: Decimal, places: int) -> tuple[int, int] | None:
    """``(k, d)`` with ``rate`` x minutes / 60 = k x minutes / d minor units exactly (d is 60 times a power
    of ten); None for a rate the whole-number way does not take (negative or not finite)."""
    if not rate.is_finite() or rate < 0:
        return None
    exponent = rate.as_tuple().exponent
    assert isinstance(exponent, int)
    scaled = int(rate.scaleb(-exponent))  # rate = scaled x 10^exponent
    shift = exponent + places  # amount in minor units = scaled x minutes x 10^shift / 60
    if shift >= 0:
        return scaled * 10**shift, 60
    return scaled, 60 * 10**-shift


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
    minutes at 0.01 an hour is exactly 4.5p, paid 5p, not 4p) and make equal remainders unequal. The
    engine shares time in whole numbers (``_share_units``), with the same answers; this is the general
    form, for amounts that are not a rate's time.
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


def _share_units(rate: Decimal, scale: tuple[int, int], minutes: list[int],
                 currency: str) -> tuple[list[int], list[int], int]:
    """``share_pennies`` of ``rate x minutes / 60`` for each line, in whole numbers: every amount is an
    integer over one common denominator (``_scale``), so floors, remainders and the half-up total are
    exact integer arithmetic. Returns each line's numerator, each line's share and the total, in minor
    units."""
    multiplier, denominator = scale
    numerators = [multiplier * m for m in minutes]
    floors = [n // denominator for n in numerators]
    total = round_units(sum(numerators), denominator)
    missing = total - sum(floors)
    if missing:
        order = sorted(range(len(numerators)), key=lambda i: (-(numerators[i] - floors[i] * denominator), i))
        for index in order[:missing]:
            floors[index] += 1
    return numerators, floors, total


def _share_time(rate: Decimal, minutes: list[int], currency: str) -> list[Decimal]:
    """``share_pennies([_exact_time_amount(rate, m) ...])``, the engine's way (whole numbers)."""
    places = minor_units(currency)
    scale = _scale(rate, places)
    if scale is None:
        return share_pennies([_exact_time_amount(rate, m) for m in minutes], currency)
    unit = quantum(currency)
    return [round_money(units * unit, currency) for units in _share_units(rate, scale, minutes, currency)[1]]


# One time line before it is priced: kind, rate, the rate's whole-number form, minutes paid, the
# function that words it and the parts of its words (without the amount and the shared-pennies note).
_Part = tuple[str, Decimal, "tuple[int, int] | None", int, "Callable[..., str]", "tuple[Any, ...]"]


def _hourly(day: _Day, priced: _Priced, request: QuoteInput) -> list[Line]:
    base, rate = priced.base, priced.rate
    assert base is not None and rate is not None
    activity, role = priced.activity, priced.role
    currency, unit = day.currency, day.unit
    parts: list[_Part] = []
    involvement = request.involvement_minutes
    if involvement > 0:
        rounded = _round_up(involvement, unit)
        paid = max(rounded, day.minimum)
        parts.append(("involvement", rate, priced.rate_scale, paid, _involvement_words,
                      (activity.label, role.label, role.multiplier, paid, rate, base, currency, involvement,
                       rounded, day.minimum, unit)))
    preparation = request.preparation_minutes
    if preparation > 0:
        counted, over, capped = _preparation(day, preparation, involvement)
        paid = ceil_units(counted, over, unit)
        parts.append(("preparation", base, priced.base_scale, paid, _preparation_words,
                      (paid, base, currency, preparation, unit, involvement, capped, day.cap_factor)))
    follow = request.follow_up_minutes
    if follow > 0:
        cap = day.follow_cap
        counted_f = min(follow, cap)
        if counted_f > 0:
            paid = _round_up(counted_f, unit)
            parts.append(("follow_up", base, priced.base_scale, paid, _follow_up_words,
                          (paid, base, currency, follow, cap, counted_f, unit)))
    travel = request.travel_minutes
    if travel > 0 and day.travel_paid:
        paid = _round_up(travel, unit)
        parts.append(("travel_time", base, priced.base_scale, paid, _travel_words,
                      (paid, base, currency, travel, unit)))
    return _priced_lines(day, parts)


def _priced_lines(day: _Day, parts: list[_Part]) -> list[Line]:
    """Price the time lines: per rate, once for their total time, pennies shared by largest remainder.

    A line whose share differs from its own time priced alone says why, so every explanation stays true.
    """
    groups: list[tuple[Decimal, tuple[int, int] | None, list[int]]] = []
    for index, part in enumerate(parts):
        for group in groups:
            if group[0] == part[1]:
                group[2].append(index)
                break
        else:
            groups.append((part[1], part[2], [index]))
    currency = day.currency
    shares: list[Decimal] = [ZERO] * len(parts)
    notes: list[tuple[Any, ...] | None] = [None] * len(parts)
    for rate, scale, members in groups:
        minutes = [parts[index][3] for index in members]
        if scale is None:  # a rate the whole-number way does not take: exact fractions, as Decimals
            amounts = share_pennies([_exact_time_amount(rate, m) for m in minutes], currency)
            for position, index in enumerate(members):
                shares[index] = amounts[position]
                if amounts[position] != round_money(rate * minutes[position] / SIXTY, currency):
                    notes[index] = (rate, sum(minutes), sum(amounts, ZERO), currency)
            continue
        numerators, units, total_units = _share_units(rate, scale, minutes, currency)
        denominator = scale[1]
        for position, index in enumerate(members):
            share = units[position]
            shares[index] = _amount(day, share)
            if share != round_units(numerators[position], denominator):  # not its own time rounded alone
                notes[index] = (rate, sum(minutes), _amount(day, total_units), currency)
    return [
        Line(kind, FEE, rate, shares[index], Said(words, shares[index], notes[index], *words_parts), paid)
        for index, (kind, rate, _, paid, words, words_parts) in enumerate(parts)
    ]


# ---- the words of each line (called only when an explanation is shown) ------------------------------


def _rounding_note(actual: Decimal | int, paid: int, unit: int) -> str:
    if Decimal(actual) == paid:
        return ""
    return f", rounded up to the next {unit} minutes"


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


def _time_words(head: str, amount: Decimal, currency: str, why: str, note: tuple[Any, ...] | None) -> str:
    return f"{head} = {say.money(amount, currency)}. {why}{_shared_note(*note) if note is not None else ''}"


def _involvement_words(amount: Decimal, note: tuple[Any, ...] | None, activity_label: str, role_label: str,
                       multiplier: Decimal, paid: int, rate: Decimal, base: Decimal, currency: str,
                       involvement: int, rounded: int, minimum: int, unit: int) -> str:
    return _time_words(_involvement_head(activity_label, role_label, multiplier, paid, rate, base, currency),
                       amount, currency, _involvement_why(involvement, paid, rounded, minimum, unit), note)


def _preparation_words(amount: Decimal, note: tuple[Any, ...] | None, paid: int, base: Decimal, currency: str,
                       prep_input: int, unit: int, involvement: int, capped: bool, cap_factor: Decimal) -> str:
    prep_cap = cap_factor * involvement if capped else None
    counted = prep_cap if prep_cap is not None else prep_input
    return _time_words(_hours_head("Preparation", paid, base, currency), amount, currency,
                       _preparation_why(prep_input, paid, unit, involvement, prep_cap, counted, cap_factor), note)


def _follow_up_words(amount: Decimal, note: tuple[Any, ...] | None, paid: int, base: Decimal, currency: str,
                     follow: int, cap: int, counted: int, unit: int) -> str:
    return _time_words(_hours_head("Follow-up", paid, base, currency), amount, currency,
                       _follow_up_why(follow, cap, counted, paid, unit), note)


def _travel_words(amount: Decimal, note: tuple[Any, ...] | None, paid: int, base: Decimal, currency: str,
                  travel: int, unit: int) -> str:
    return _time_words(_hours_head("Travel time", paid, base, currency), amount, currency,
                       _travel_why(travel, paid, unit), note)


def _fixed_fee_words(label: str, fee: Decimal, told: int, currency: str) -> str:
    time_note = f" You told us it took {say.duration(told)}; that time is recorded." if told else ""
    return (f"{label}: a fixed fee of {say.rate(fee, currency)} = {say.money(fee, currency)}, "
            f"however long it takes.{time_note}")


def _band_words(label: str, band_label: str, fee: Decimal, limit_minutes: int, above_all: bool, minutes: int,
                involvement: int, prep: int, over: int, follow: int, travel: int, currency: str) -> str:
    parts = [f"{say.duration(involvement)} taking part"]
    if prep:  # prep / over minutes, shown in whole minutes
        parts.append(f"{say.duration(prep // over)} preparation")
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



def _fixed_fee(activity: ActivityRule, request: QuoteInput, currency: str) -> list[Line]:
    assert activity.fixed_fee is not None
    fee = activity.fixed_fee
    told = request.involvement_minutes + request.preparation_minutes + request.follow_up_minutes
    return [Line(
        "fixed_fee", FEE, fee, round_money(fee, currency), Said(_fixed_fee_words, activity.label, fee, told, currency),
        quantity=1,
    )]


def _band(day: _Day, activity: ActivityRule, request: QuoteInput) -> list[Line]:
    involvement = request.involvement_minutes
    prep, over, _ = _preparation(day, request.preparation_minutes, involvement)
    follow = min(request.follow_up_minutes, day.follow_cap)
    travel = request.travel_minutes if day.travel_paid else 0
    counted = (involvement + follow + travel) * over + prep  # minutes x over
    if counted <= 0:
        return []
    minutes = ceil_units(counted, over, 1)
    band = activity.band_for(minutes)
    above_all = len(activity.bands) > 1 and minutes > activity.bands[-2].up_to_minutes
    limit_minutes = activity.bands[-2].up_to_minutes if above_all else band.up_to_minutes
    currency = day.currency
    return [Line(
        "band", FEE, band.fee, round_money(band.fee, currency),
        Said(_band_words, activity.label, band.label, band.fee, limit_minutes, above_all, minutes,
             involvement, prep, over, follow, travel, currency),
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


_PARSED: dict[tuple[str, str], Decimal] = {}  # (amount as written, currency) -> the parsed amount
PARSED_KEPT = 65_536
PARSED_LONGEST = 24  # characters: only short strings are kept, so what is kept stays a few MB at most


def _claimed(value: Decimal | str, currency: str, place: str) -> Decimal:
    """``parse_amount`` of a claimed amount; the same few strings ("12.40") come again and again, so a
    string's parsed amount is kept (only good ones: a refusal is worked out afresh to name its place).
    Only short strings are kept: a good amount can be written with any number of leading zeros, and
    keeping long ones would let requests fill the server's memory."""
    if type(value) is not str or len(value) > PARSED_LONGEST:
        return parse_amount(value, currency, what=f"{place}.amount")
    key = (value, currency)
    amount = _PARSED.get(key)
    if amount is None:
        amount = parse_amount(value, currency, what=f"{place}.amount")
        if len(_PARSED) >= PARSED_KEPT:
            _PARSED.clear()
        _PARSED[key] = amount
    return amount


def _at_cost(version: CardVersion, claims: tuple[ExpenseClaim, ...], currency: str) -> list[Line]:
    rules = version.expenses
    categories = rules.at_cost
    lines: list[Line] = []
    used: dict[str, Decimal] = {}
    problems: list[FieldProblem] = []
    for index, claim in enumerate(claims):
        place = f"expenses[{index}]"
        category = categories.get(claim.category)
        if category is None:
            try:
                category = version.category(claim.category, f"{place}.category")
            except Invalid as exc:
                problems.extend(exc.problems)
                continue
        try:
            amount = _claimed(claim.amount, currency, place)
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
