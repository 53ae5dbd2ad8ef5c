"""Exact money: a ``Decimal`` amount with its currency, and the one rounding rule.

Why a type of our own: a participant's statement must add up to the penny, on every machine, every
time. Floats cannot promise that, so nothing here accepts one. Amounts are built from strings, ints or
Decimals only; minor units (pence) come from the currency, never from the caller; there is exactly one
rounding function (:func:`round_money`, half-up) so every line is rounded the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache

# ISO 4217 minor units for the currencies an organisation is likely to configure. A currency that is
# not here is refused rather than guessed.
MINOR_UNITS: dict[str, int] = {
    "GBP": 2,
    "EUR": 2,
    "USD": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "KWD": 3,
    "BHD": 3,
    "JOD": 3,
    "OMR": 3,
}

SYMBOLS: dict[str, str] = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥"}


# A plain decimal as people write money: ASCII digits, an optional minus sign and an optional point followed
# by at least one digit ("12", "12.5", "-3.75"). Decimal places are checked against the currency separately.
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class MoneyError(ValueError):
    """A value could not be read as money (a float, a malformed string, an unknown currency)."""


def minor_units(currency: str) -> int:
    """Decimal places of ``currency`` (GBP 2, JPY 0, KWD 3); refuses currencies we do not know."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        known = ", ".join(sorted(MINOR_UNITS))
        raise MoneyError(f"unknown currency {currency!r}; known currencies: {known}") from None


@cache
def quantum(currency: str) -> Decimal:
    """The smallest unit of ``currency`` as a Decimal exponent (``Decimal('0.01')`` for GBP).

    Cached: it is asked for on every rounding, and there are only a handful of currencies.
    """
    return Decimal(1).scaleb(-minor_units(currency))


def to_decimal(value: object, *, what: str = "amount") -> Decimal:
    """Read ``value`` as an exact Decimal; floats and booleans are refused because they are not exact."""
    if isinstance(value, bool | float):
        raise MoneyError(f"{what} must be written as a string such as \"12.50\", not a number with a point")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        # Plain decimals only: Decimal() would also take " 5.00", "+5", "5.", "1e3", "1_000", "NaN" and
        # digits of other scripts, none of which a person means as an amount of money.
        if not PLAIN_DECIMAL.fullmatch(value):
            raise MoneyError(f"{what} {value!r} is not a plain number such as \"12.50\" (digits and at most one "
                             "point; no spaces, plus sign, exponent or trailing point)")
        result = Decimal(value)
    else:
        raise MoneyError(f"{what} must be a string such as \"12.50\", got {type(value).__name__}")
    if not result.is_finite():
        raise MoneyError(f"{what} {value!r} is not a finite number")
    return result


def round_money(value: Decimal, currency: str) -> Decimal:
    """THE rounding function: half-up to the currency's minor unit (2.345 -> 2.35, 2.344 -> 2.34)."""
    if isinstance(value, float):  # defensive: never let a float in through a type hole
        raise MoneyError("refusing to round a float; build amounts from strings")
    return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def parse_amount(value: object, currency: str, *, what: str = "amount") -> Decimal:
    """Parse an exact amount with no more decimal places than the currency has (no silent rounding)."""
    amount = to_decimal(value, what=what)
    places = minor_units(currency)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise MoneyError(f"{what} {value!r} has more than {places} decimal places for {currency}")
    try:
        return amount.quantize(quantum(currency))
    except InvalidOperation:  # "1e999": too many digits to hold in pence
        raise MoneyError(f"{what} {value!r} is far too large to be an amount of money") from None


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An exact amount in one currency. Immutable; arithmetic only with the same currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise MoneyError(f"Money needs a Decimal amount, got {type(self.amount).__name__}")
        minor_units(self.currency)

    @classmethod
    def of(cls, value: object, currency: str) -> Money:
        """Exact money from a string, int or Decimal, with at most the currency's decimal places."""
        return cls(parse_amount(value, currency), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0).quantize(quantum(currency)), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """From integer minor units, as stored in the database (pence for GBP)."""
        if not isinstance(minor, int) or isinstance(minor, bool):
            raise MoneyError("minor units must be an integer")
        return cls(Decimal(minor).scaleb(-minor_units(currency)).quantize(quantum(currency)), currency)

    @property
    def minor(self) -> int:
        """Integer minor units (pence for GBP): the form stored in the database."""
        scaled = self.amount.scaleb(minor_units(self.currency))
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{self.amount} is not a whole number of minor units of {self.currency}")
        return int(scaled)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal | int) -> Money:
        """Multiply and round once, half-up, to the minor unit."""
        if isinstance(factor, float):
            raise MoneyError("refusing to multiply money by a float")
        return Money(round_money(self.amount * factor, self.currency), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def text(self) -> str:
        """The amount with exactly the currency's decimal places, as the API writes money ("96.25")."""
        return format_amount(self.amount, self.currency)

    def display(self) -> str:
        """For people: "£1,234.50" (or "1,234.50 CHF" where we have no symbol)."""
        return display_amount(self.amount, self.currency)

    def __str__(self) -> str:
        return self.display()


def format_amount(amount: Decimal, currency: str) -> str:
    """Money as the API writes it: a plain string with the currency's decimal places ("96.25")."""
    return f"{round_money(amount, currency):f}"


@lru_cache(maxsize=65536)
def display_amount(amount: Decimal, currency: str) -> str:
    """Money as a person reads it: symbol, thousands separators, the currency's decimal places.

    Cached by value (equal Decimals print the same once rounded to the currency): explanations repeat
    the same few amounts and rates thousands of times.
    """
    value = round_money(amount, currency)
    body = f"{value.copy_abs():,f}"  # quantized, so ",f" shows exactly the currency's places
    sign = "-" if value < 0 else ""
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"


@lru_cache(maxsize=4096)
def _rate_places(rate: Decimal, currency: str) -> int:
    """Cached by value: a card has few distinct rates, and this runs for every explained line."""
    exponent = rate.normalize().as_tuple().exponent
    return max(minor_units(currency), -exponent if isinstance(exponent, int) else 0)


def format_rate(rate: Decimal, currency: str) -> str:
    """A rate as the API writes it: the currency's places, more only when the rate has them ("41.25")."""
    return f"{rate:.{_rate_places(rate, currency)}f}"


@lru_cache(maxsize=4096)
def display_rate(rate: Decimal, currency: str) -> str:
    """A rate for people: at least the currency's places, more only when the rate really has them."""
    body = f"{rate:,.{_rate_places(rate, currency)}f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{body}" if symbol else f"{body} {currency}"


def round_units(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` minor units rounded half-up to whole minor units (numerator >= 0,
    denominator > 0): :func:`round_money`'s rule for amounts worked out exactly in whole numbers, as the
    rate engine does (1049 minutes at 2790p an hour is 2790 x 1049 / 60 = 48778.5p, paid 48779p)."""
    return (2 * numerator + denominator) // (2 * denominator)


def ceil_units(numerator: int, denominator: int, step: int) -> int:
    """``numerator / denominator`` rounded up to a whole multiple of ``step`` (denominator, step > 0), never
    down and never to the nearest: time units (62 -> 75 with a 15-minute unit; 135 / 2 = 67.5 -> 75)."""
    return -(-numerator // (denominator * step)) * step
