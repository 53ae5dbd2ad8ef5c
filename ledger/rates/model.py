"""A rate card as immutable data. A card is data, not code: see docs/rate-cards.md for the file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.errors import NoRateInForce, invalid_field

MEMBER = "member"
HOURLY, FIXED, BANDED = "hourly", "fixed", "banded"


@dataclass(frozen=True)
class Band:
    """Pays ``fee`` when the counted time is at most ``up_to_minutes`` (the last band also above it)."""

    up_to_minutes: int
    fee: Decimal
    label: str = ""


@dataclass(frozen=True)
class ActivityRule:
    """How one kind of activity is paid: exactly one of an hourly rate, a fixed fee or time bands."""

    key: str
    label: str
    hourly_rate: Decimal | None = None
    fixed_fee: Decimal | None = None
    bands: tuple[Band, ...] = ()

    @property
    def pricing(self) -> str:
        if self.hourly_rate is not None:
            return HOURLY
        if self.fixed_fee is not None:
            return FIXED
        return BANDED

    def band_for(self, minutes: int) -> Band:
        for band in self.bands:
            if minutes <= band.up_to_minutes:
                return band
        return self.bands[-1]


@dataclass(frozen=True)
class RoleRule:
    key: str
    label: str
    multiplier: Decimal


@dataclass(frozen=True)
class TimeRules:
    rounding_unit_minutes: int
    minimum_involvement_minutes: int
    preparation_cap: Decimal  # a multiple of involvement time
    follow_up_cap_minutes: int
    travel_time_paid: bool


@dataclass(frozen=True)
class VehicleChange:
    """A mileage rate that changes on its own date inside a fee version (HMRC changes the car rate in a
    different year from the one a fee uplift happens in). Fields left ``None`` keep their earlier value."""

    effective_from: date
    rate_per_mile: Decimal | None = None
    rate_beyond_threshold: Decimal | None = None
    source: str = ""


@dataclass(frozen=True)
class VehicleRate:
    key: str
    label: str
    rate_per_mile: Decimal
    threshold_miles: int | None = None
    rate_beyond_threshold: Decimal | None = None
    source: str = ""
    changes: tuple[VehicleChange, ...] = ()  # strictly increasing effective_from

    def on(self, day: date) -> VehicleRate:
        """The rates in force on ``day``: the version's own, with every change dated on or before it."""
        rate, beyond, source = self.rate_per_mile, self.rate_beyond_threshold, self.source
        for change in self.changes:
            if change.effective_from > day:
                break
            rate = change.rate_per_mile if change.rate_per_mile is not None else rate
            beyond = change.rate_beyond_threshold if change.rate_beyond_threshold is not None else beyond
            source = change.source or source
        return VehicleRate(self.key, self.label, rate, self.threshold_miles, beyond, source)


@dataclass(frozen=True)
class AtCostCategory:
    key: str
    label: str
    daily_cap: Decimal | None = None


@dataclass(frozen=True)
class ExpenseChange:
    """Expense amounts that change on their own date inside a fee version; ``None`` keeps the earlier one."""

    effective_from: date
    online_allowance: Decimal | None = None
    passenger_rate_per_mile: Decimal | None = None
    source: str = ""


@dataclass(frozen=True)
class ExpenseRules:
    online_allowance: Decimal
    passenger_rate_per_mile: Decimal
    receipt_required_above: Decimal | None
    mileage: dict[str, VehicleRate] = field(default_factory=dict)
    at_cost: dict[str, AtCostCategory] = field(default_factory=dict)
    changes: tuple[ExpenseChange, ...] = ()  # strictly increasing effective_from

    def on(self, day: date) -> ExpenseRules:
        """The expense rules in force on ``day`` (every dated change applied, none left pending)."""
        allowance, passenger = self.online_allowance, self.passenger_rate_per_mile
        for change in self.changes:
            if change.effective_from > day:
                break
            allowance = change.online_allowance if change.online_allowance is not None else allowance
            passenger = (change.passenger_rate_per_mile if change.passenger_rate_per_mile is not None
                         else passenger)
        return ExpenseRules(allowance, passenger, self.receipt_required_above,
                            {key: vehicle.on(day) for key, vehicle in self.mileage.items()}, self.at_cost)


@dataclass(frozen=True)
class CardVersion:
    effective_from: date
    activities: dict[str, ActivityRule]
    roles: dict[str, RoleRule]
    time: TimeRules
    expenses: ExpenseRules
    daily_fee_cap: Decimal | None = None

    def activity(self, key: str) -> ActivityRule:
        try:
            return self.activities[key]
        except KeyError:
            allowed = ", ".join(sorted(self.activities))
            raise invalid_field("activity", f"must be one of: {allowed} (not {key!r})") from None

    def role(self, key: str) -> RoleRule:
        if key == MEMBER and MEMBER not in self.roles:
            return RoleRule(MEMBER, "Member", Decimal(1))
        try:
            return self.roles[key]
        except KeyError:
            allowed = ", ".join(sorted({MEMBER, *self.roles}))
            raise invalid_field("role", f"must be one of: {allowed} (not {key!r})") from None

    def expenses_on(self, day: date) -> ExpenseRules:
        """This version's expense rules with the changes dated on or before ``day`` applied."""
        return self.expenses.on(day)

    def vehicle(self, key: str) -> VehicleRate:
        try:
            return self.expenses.mileage[key]
        except KeyError:
            allowed = ", ".join(sorted(self.expenses.mileage))
            wanted = f"must be one of: {allowed}" if allowed else "cannot be given: this card pays no mileage"
            raise invalid_field("mileage.vehicle", f"{wanted} (not {key!r})") from None

    def category(self, key: str, field_path: str) -> AtCostCategory:
        try:
            return self.expenses.at_cost[key]
        except KeyError:
            allowed = ", ".join(sorted(self.expenses.at_cost))
            wanted = f"must be one of: {allowed}" if allowed else "cannot be given: this card pays no expenses at cost"
            raise invalid_field(field_path, f"{wanted} (not {key!r})") from None


@dataclass(frozen=True)
class RateCard:
    key: str
    name: str
    currency: str
    description: str
    source: str
    versions: tuple[CardVersion, ...]  # strictly increasing effective_from
    # What the engine works out from this card for one date (the version, the expense rules and
    # mileage rates in force, rates as whole numbers), kept so a busy day is worked out once, not per
    # quote. A card never changes, so nothing kept here can go stale; it is no part of the card's value.
    memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def version_on(self, on: date) -> CardVersion:
        """The version in force on ``on``. Before the first version nothing is in force: an error."""
        chosen: CardVersion | None = None
        for version in self.versions:
            if version.effective_from <= on:
                chosen = version
            else:
                break
        if chosen is None:
            first = self.versions[0].effective_from.isoformat()
            raise invalid_field(
                "date",
                f"no rate is in force on {on.isoformat()} for card {self.key!r}; its first version starts "
                f"on {first}",
                cls=NoRateInForce,
            )
        return chosen
