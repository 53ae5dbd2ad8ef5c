"""Read (and write) rate-card TOML files, collecting every problem with its place in the file.

An administrator fixing a card wants the whole list at once ("version from 2025-12-16:
activities.meeting.hourly_rate: write money as a quoted string"), not one error per attempt, so the
reader never stops at the first problem. Money must be a quoted string: TOML floats are binary and a
card that says ``27.5`` unquoted is refused rather than trusted.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import tomli_w

from ledger.money import MoneyError, minor_units, parse_amount, to_decimal
from ledger.rates.model import (
    ActivityRule,
    AtCostCategory,
    Band,
    CardVersion,
    ExpenseChange,
    ExpenseRules,
    RateCard,
    RoleRule,
    TimeRules,
    VehicleChange,
    VehicleRate,
)

MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class CardProblem:
    """One thing wrong in a card file: where (file, version, key) and what."""

    file: str
    version: str  # "" for top-level keys, else "version from 2025-12-16" or "versions[2]"
    key: str
    message: str

    def __str__(self) -> str:
        place = ": ".join(part for part in (self.file, self.version, self.key) if part)
        return f"{place}: {self.message}"


class CardError(ValueError):
    """A card file could not be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[CardProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Reader:
    """Walks the parsed TOML, recording problems instead of raising at the first one."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.version = ""
        self.problems: list[CardProblem] = []
        self.currency = "GBP"

    def problem(self, key: str, message: str) -> None:
        self.problems.append(CardProblem(self.file, self.version, key, message))

    def table(self, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(_join(where, key), "is missing")
            return {}
        if not isinstance(value, dict):
            self.problem(_join(where, key), "must be a table")
            return {}
        return value

    def unknown(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                self.problem(_join(where, key), f"unknown key; allowed here: {', '.join(sorted(allowed))}")

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(_join(where, key), "is missing")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(_join(where, key), "must be a non-empty string")
            return ""
        return value.strip()

    def integer(self, data: dict[str, Any], key: str, where: str, *, low: int, high: int) -> int | None:
        value = data.get(key)
        if value is None:
            self.problem(_join(where, key), "is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(_join(where, key), f"must be a whole number from {low} to {high}")
            return None
        if not low <= value <= high:
            self.problem(_join(where, key), f"must be from {low} to {high}, got {value}")
            return None
        return value

    def money(
        self, data: dict[str, Any], key: str, where: str, *, required: bool = True, places: int | None = None
    ) -> Decimal | None:
        """A money string with at most ``places`` decimals (the currency's, by default); never a float."""
        value = data.get(key)
        path = _join(where, key)
        if value is None:
            if required:
                self.problem(path, "is missing")
            return None
        if isinstance(value, float):
            self.problem(path, f'write money as a quoted string, e.g. "{value:.2f}", not {value!r}')
            return None
        if not isinstance(value, str):
            self.problem(path, 'must be a quoted money string such as "27.50"')
            return None
        try:
            if places is None:
                amount = parse_amount(value, self.currency, what=path)
            else:
                amount = to_decimal(value, what=path)
                exponent = amount.as_tuple().exponent
                if isinstance(exponent, int) and -exponent > places:
                    raise MoneyError(f"{value!r} has more than {places} decimal places")
        except MoneyError as exc:
            self.problem(path, str(exc))
            return None
        if amount < 0:
            self.problem(path, f"must not be negative, got {value}")
            return None
        most = money_ceiling(key, self.currency)
        if amount > most:
            self.problem(path, f"{value} is far more than any card pays; {MONEY_CEILING_WHAT.get(key, 'an amount')} "
                               f"must be at most {most:,} {self.currency} (check for a slipped digit)")
            return None
        return amount

    def factor(self, data: dict[str, Any], key: str, where: str) -> Decimal | None:
        """A plain decimal factor (a multiplier or a cap multiple), written as a string."""
        value = data.get(key)
        path = _join(where, key)
        if value is None:
            self.problem(path, "is missing")
            return None
        if isinstance(value, float):
            self.problem(path, f'write this as a quoted string, e.g. "{value}", not {value!r}')
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(path, 'must be a quoted number such as "1.5"')
            return None
        try:
            result = to_decimal(value, what=path)
        except MoneyError as exc:
            self.problem(path, str(exc))
            return None
        if result < 0:
            self.problem(path, f"must not be negative, got {value}")
            return None
        if result > FACTOR_CEILING:
            self.problem(path, f"{value} is far larger than any multiplier or cap; it must be at most "
                               f"{FACTOR_CEILING} (check for a slipped digit)")
            return None
        return result


# The most a card may say, per money key, in whole units of a currency with pence (scaled up for
# currencies without minor units, such as JPY). Far above any real rate, so only slips are refused:
# 1e400, or £100,000 an hour, would otherwise pass the check and reach a payment.
MONEY_CEILINGS = {
    "hourly_rate": 1_000,
    "fixed_fee": 10_000,
    "fee": 10_000,
    "daily_fee_cap": 10_000,
    "online_allowance": 1_000,
    "rate_per_mile": 10,
    "rate_beyond_threshold": 10,
    "passenger_rate_per_mile": 10,
    "receipt_required_above": 10_000,
    "daily_cap": 10_000,
}
MONEY_CEILING_WHAT = {
    "hourly_rate": "an hourly rate",
    "fixed_fee": "a fixed fee",
    "fee": "a fee",
    "daily_fee_cap": "a daily fee cap",
    "online_allowance": "an allowance",
    "rate_per_mile": "a rate per mile",
    "rate_beyond_threshold": "a rate per mile",
    "passenger_rate_per_mile": "a rate per passenger mile",
    "receipt_required_above": "a receipt threshold",
    "daily_cap": "a daily cap",
}
DEFAULT_MONEY_CEILING = 10_000
FACTOR_CEILING = Decimal(10)


def money_ceiling(key: str, currency: str) -> Decimal:
    """The largest value ``key`` may have on a card in ``currency`` (see ``MONEY_CEILINGS``)."""
    try:
        places = minor_units(currency)
    except MoneyError:
        places = 2
    scale = Decimal(10) ** max(0, 2 - places)
    return Decimal(MONEY_CEILINGS.get(key, DEFAULT_MONEY_CEILING)) * scale


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


CARD_KEYS = {"key", "name", "currency", "description", "source", "versions"}
VERSION_KEYS = {"effective_from", "activities", "roles", "time", "limits", "expenses"}
TIME_KEYS = {
    "rounding_unit_minutes",
    "minimum_involvement_minutes",
    "preparation_cap",
    "follow_up_cap_minutes",
    "travel_time_paid",
}
RATE_PLACES = 4  # hourly rates may be finer than a penny; amounts are still rounded per line


def parse_card(data: dict[str, Any], file: str) -> RateCard:
    """Build a card from parsed TOML, raising ``CardError`` with every problem found."""
    reader = _Reader(file)
    reader.unknown(data, CARD_KEYS, "")
    key = reader.text(data, "key", "")
    name = reader.text(data, "name", "")
    currency = reader.text(data, "currency", "")
    description = reader.text(data, "description", "", required=False)
    source = reader.text(data, "source", "")
    if currency:
        try:
            minor_units(currency)
            reader.currency = currency
        except MoneyError as exc:
            reader.problem("currency", str(exc))
    raw_versions = data.get("versions")
    versions: list[CardVersion] = []
    if not isinstance(raw_versions, list) or not raw_versions:
        reader.problem("versions", "at least one [[versions]] table is needed")
    else:
        previous: date | None = None
        for index, raw in enumerate(raw_versions):
            reader.version = f"versions[{index}]"
            if not isinstance(raw, dict):
                reader.problem("", "must be a table")
                continue
            start = raw.get("effective_from")
            if isinstance(start, datetime):
                reader.problem("effective_from", f"must be a date such as {start.date().isoformat()}, "
                                                 "without a time of day")
                start = None
            elif isinstance(start, date):
                reader.version = f"version from {start.isoformat()}"
                if previous is not None and start <= previous:
                    word = "overlaps (same date as)" if start == previous else "is out of order: it is before"
                    reader.problem(
                        "effective_from", f"{word} the previous version ({previous.isoformat()}); "
                        "list versions oldest first, each with a later date"
                    )
                previous = start
            else:
                reader.problem("effective_from", "must be a date such as 2025-12-16 (unquoted)")
                start = None
            version = _parse_version(reader, raw, start if isinstance(start, date) else None)
            if version is not None:
                versions.append(version)
        reader.version = ""
        _check_changes_in_force(reader, versions)
    if reader.problems:
        raise CardError(reader.problems)
    return RateCard(key, name, currency, description, source, tuple(versions))


def _check_changes_in_force(reader: _Reader, versions: list[CardVersion]) -> None:
    """A dated expense change on or after the next version's start would never apply: say so."""
    for version, following in pairwise(versions):
        reader.version = f"version from {version.effective_from.isoformat()}"
        dated = [("expenses.changes", c.effective_from) for c in version.expenses.changes] + [
            (f"expenses.mileage.{key}.changes", c.effective_from)
            for key, vehicle in version.expenses.mileage.items() for c in vehicle.changes
        ]
        for where, day in dated:
            if day >= following.effective_from:
                reader.problem(where, f"the change on {day.isoformat()} would never apply: the next version "
                                      f"starts on {following.effective_from.isoformat()}; put it in that version")
    reader.version = ""


def _parse_version(reader: _Reader, raw: dict[str, Any], start: date | None) -> CardVersion | None:
    reader.unknown(raw, VERSION_KEYS, "")
    before = len(reader.problems)
    time = _parse_time(reader, reader.table(raw, "time", ""))
    activities = _parse_activities(reader, reader.table(raw, "activities", ""))
    roles: dict[str, RoleRule] = {}
    for role_key, role in reader.table(raw, "roles", "", required=False).items():
        where = f"roles.{role_key}"
        if not isinstance(role, dict):
            reader.problem(where, "must be a table with label and multiplier")
            continue
        reader.unknown(role, {"label", "multiplier"}, where)
        label = reader.text(role, "label", where)
        multiplier = reader.factor(role, "multiplier", where)
        if multiplier is not None and multiplier <= 0:
            reader.problem(f"{where}.multiplier", "must be more than 0")
        if multiplier is not None:
            roles[role_key] = RoleRule(role_key, label, multiplier)
    limits = reader.table(raw, "limits", "", required=False)
    reader.unknown(limits, {"daily_fee_cap"}, "limits")
    daily_cap = reader.money(limits, "daily_fee_cap", "limits", required=False)
    expenses = _parse_expenses(reader, reader.table(raw, "expenses", ""), start)
    if len(reader.problems) > before or start is None or time is None or expenses is None:
        return None
    return CardVersion(start, activities, roles, time, expenses, daily_cap)


def _parse_time(reader: _Reader, raw: dict[str, Any]) -> TimeRules | None:
    where = "time"
    reader.unknown(raw, TIME_KEYS, where)
    unit = reader.integer(raw, "rounding_unit_minutes", where, low=1, high=60)
    minimum = reader.integer(raw, "minimum_involvement_minutes", where, low=0, high=MAX_MINUTES)
    cap = reader.factor(raw, "preparation_cap", where)
    follow = reader.integer(raw, "follow_up_cap_minutes", where, low=0, high=MAX_MINUTES)
    travel = raw.get("travel_time_paid")
    if not isinstance(travel, bool):
        reader.problem(f"{where}.travel_time_paid", "must be true or false")
    if unit and minimum is not None and minimum % unit:
        reader.problem(
            f"{where}.minimum_involvement_minutes",
            f"must be a whole number of rounding units ({unit} min), got {minimum}",
        )
    if unit is None or minimum is None or cap is None or follow is None or not isinstance(travel, bool):
        return None
    return TimeRules(unit, minimum, cap, follow, travel)


def _parse_activities(reader: _Reader, raw: dict[str, Any]) -> dict[str, ActivityRule]:
    if not raw:
        reader.problem("activities", "at least one activity is needed")
    activities: dict[str, ActivityRule] = {}
    for key, spec in raw.items():
        where = f"activities.{key}"
        if not isinstance(spec, dict):
            reader.problem(where, "must be a table")
            continue
        reader.unknown(spec, {"label", "hourly_rate", "fixed_fee", "bands"}, where)
        label = reader.text(spec, "label", where)
        kinds = [k for k in ("hourly_rate", "fixed_fee", "bands") if k in spec]
        if len(kinds) != 1:
            reader.problem(where, "needs exactly one of hourly_rate, fixed_fee or bands; has "
                           + (", ".join(kinds) or "none"))
            continue
        if kinds[0] == "hourly_rate":
            rate = reader.money(spec, "hourly_rate", where, places=RATE_PLACES)
            if rate is not None:
                activities[key] = ActivityRule(key, label, hourly_rate=rate)
        elif kinds[0] == "fixed_fee":
            fee = reader.money(spec, "fixed_fee", where)
            if fee is not None:
                activities[key] = ActivityRule(key, label, fixed_fee=fee)
        else:
            bands = _parse_bands(reader, spec["bands"], f"{where}.bands")
            if bands:
                activities[key] = ActivityRule(key, label, bands=bands)
    return activities


def _parse_bands(reader: _Reader, raw: Any, where: str) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        reader.problem(where, "must be a list of { up_to_minutes = N, fee = \"...\" }")
        return ()
    bands: list[Band] = []
    for index, item in enumerate(raw):
        place = f"{where}[{index}]"
        if not isinstance(item, dict):
            reader.problem(place, "must be a table { up_to_minutes = N, fee = \"...\" }")
            continue
        reader.unknown(item, {"up_to_minutes", "fee", "label"}, place)
        limit = reader.integer(item, "up_to_minutes", place, low=1, high=MAX_MINUTES * 4)
        fee = reader.money(item, "fee", place)
        label = reader.text(item, "label", place, required=False)
        if limit is None or fee is None:
            continue
        if bands and limit <= bands[-1].up_to_minutes:
            reader.problem(place, f"bands are out of order: up_to_minutes {limit} must be more than "
                                  f"the previous band's {bands[-1].up_to_minutes}")
            continue
        if bands and fee < bands[-1].fee:
            reader.problem(place, f"a longer band must not pay less: {fee} is less than {bands[-1].fee}")
            continue
        bands.append(Band(limit, fee, label))
    return tuple(bands) if len(bands) == len(raw) else ()


def _parse_change_dates(
    reader: _Reader, raw: Any, where: str, allowed: set[str], start: date | None
) -> list[tuple[date, dict[str, Any], str, str]]:
    """A ``changes`` list: each entry a table with an ``effective_from`` date after the version's start,
    in date order, naming only ``allowed`` keys (and an optional ``source``)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        reader.problem(where, "must be a list of { effective_from = YYYY-MM-DD, ... } tables")
        return []
    found: list[tuple[date, dict[str, Any], str, str]] = []
    previous = start
    for index, item in enumerate(raw):
        place = f"{where}[{index}]"
        if not isinstance(item, dict):
            reader.problem(place, "must be a table { effective_from = YYYY-MM-DD, ... }")
            continue
        reader.unknown(item, {"effective_from", "source", *allowed}, place)
        day = item.get("effective_from")
        if isinstance(day, datetime) or not isinstance(day, date):
            reader.problem(f"{place}.effective_from", "must be a date such as 2026-04-06 (unquoted)")
            continue
        if previous is not None and day <= previous:
            what = "the version's start" if previous == start else "the previous change"
            reader.problem(f"{place}.effective_from",
                           f"{day.isoformat()} must be after {what} ({previous.isoformat()}); list changes "
                           "oldest first")
            continue
        if not any(key in item for key in allowed):
            reader.problem(place, f"says nothing changes; give at least one of: {', '.join(sorted(allowed))}")
            continue
        source = reader.text(item, "source", place, required=False)
        previous = day
        found.append((day, item, source, place))
    return found


def _parse_expenses(reader: _Reader, raw: dict[str, Any], start: date | None = None) -> ExpenseRules | None:
    where = "expenses"
    reader.unknown(
        raw,
        {"online_allowance", "passenger_rate_per_mile", "receipt_required_above", "mileage", "at_cost",
         "changes"},
        where,
    )
    allowance = reader.money(raw, "online_allowance", where)
    passenger = reader.money(raw, "passenger_rate_per_mile", where)
    receipt = reader.money(raw, "receipt_required_above", where, required=False)
    expense_changes: list[ExpenseChange] = []
    for day, item, source, place in _parse_change_dates(
        reader, raw.get("changes"), f"{where}.changes", {"online_allowance", "passenger_rate_per_mile"}, start
    ):
        expense_changes.append(ExpenseChange(
            day,
            reader.money(item, "online_allowance", place, required=False),
            reader.money(item, "passenger_rate_per_mile", place, required=False),
            source,
        ))
    mileage: dict[str, VehicleRate] = {}
    for key, spec in reader.table(raw, "mileage", where, required=False).items():
        place = f"{where}.mileage.{key}"
        if not isinstance(spec, dict):
            reader.problem(place, "must be a table")
            continue
        reader.unknown(spec, {"label", "rate_per_mile", "threshold_miles", "rate_beyond_threshold", "source",
                              "changes"}, place)
        label = reader.text(spec, "label", place)
        # Whole minor units per mile keep every mileage amount exact, so splitting a trip never
        # changes the total (a tested invariant).
        rate = reader.money(spec, "rate_per_mile", place)
        source = reader.text(spec, "source", place, required=False)
        threshold: int | None = None
        beyond: Decimal | None = None
        if "threshold_miles" in spec or "rate_beyond_threshold" in spec:
            threshold = reader.integer(spec, "threshold_miles", place, low=1, high=10_000_000)
            beyond = reader.money(spec, "rate_beyond_threshold", place)
        vehicle_changes: list[VehicleChange] = []
        for day, item, change_source, at in _parse_change_dates(
            reader, spec.get("changes"), f"{place}.changes", {"rate_per_mile", "rate_beyond_threshold"}, start
        ):
            if "rate_beyond_threshold" in item and threshold is None:
                reader.problem(f"{at}.rate_beyond_threshold",
                               "this vehicle has no threshold_miles, so there is no rate beyond it to change")
            vehicle_changes.append(VehicleChange(
                day,
                reader.money(item, "rate_per_mile", at, required=False),
                reader.money(item, "rate_beyond_threshold", at, required=False),
                change_source,
            ))
        if rate is not None:
            mileage[key] = VehicleRate(key, label, rate, threshold, beyond, source, tuple(vehicle_changes))
    at_cost: dict[str, AtCostCategory] = {}
    for key, spec in reader.table(raw, "at_cost", where, required=False).items():
        place = f"{where}.at_cost.{key}"
        if not isinstance(spec, dict):
            reader.problem(place, "must be a table")
            continue
        reader.unknown(spec, {"label", "daily_cap"}, place)
        at_cost[key] = AtCostCategory(
            key, reader.text(spec, "label", place), reader.money(spec, "daily_cap", place, required=False)
        )
    if allowance is None or passenger is None:
        return None
    return ExpenseRules(allowance, passenger, receipt, mileage, at_cost, tuple(expense_changes))


def load_card(path: Path) -> RateCard:
    """Read one card file; raises ``CardError`` listing every problem (including TOML syntax)."""
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CardError([CardProblem(name, "", "", "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise CardError([CardProblem(name, "", "", f"not valid TOML: {exc}")]) from None
    except UnicodeDecodeError:
        raise CardError([CardProblem(name, "", "", "not a UTF-8 text file")]) from None
    except IsADirectoryError:
        raise CardError([CardProblem(name, "", "", "is a folder, not a card file")]) from None
    except OSError as exc:
        raise CardError([CardProblem(name, "", "", f"cannot be read: {exc.strerror or exc}")]) from None
    return parse_card(data, name)


def check_card_file(path: Path) -> list[CardProblem]:
    """Every problem in a card file (empty when it is good)."""
    try:
        load_card(path)
    except CardError as exc:
        return exc.problems
    return []


# --------------------------------------------------------------------------------------- writing


def _money(value: Decimal) -> str:
    return f"{value:f}"


def card_to_document(card: RateCard) -> dict[str, Any]:
    """The card as the TOML document that would load back to an equal card."""
    document: dict[str, Any] = {"key": card.key, "name": card.name, "currency": card.currency}
    if card.description:
        document["description"] = card.description
    document["source"] = card.source
    document["versions"] = [_version_document(v) for v in card.versions]
    return document


def _change_document(day: date, source: str, **values: Decimal | None) -> dict[str, Any]:
    document: dict[str, Any] = {"effective_from": day}
    document.update({key: _money(value) for key, value in values.items() if value is not None})
    if source:
        document["source"] = source
    return document


def _version_document(version: CardVersion) -> dict[str, Any]:
    activities: dict[str, Any] = {}
    for key, rule in version.activities.items():
        entry: dict[str, Any] = {"label": rule.label}
        if rule.hourly_rate is not None:
            entry["hourly_rate"] = _money(rule.hourly_rate)
        elif rule.fixed_fee is not None:
            entry["fixed_fee"] = _money(rule.fixed_fee)
        else:
            entry["bands"] = [
                {"up_to_minutes": b.up_to_minutes, "fee": _money(b.fee), **({"label": b.label} if b.label else {})}
                for b in rule.bands
            ]
        activities[key] = entry
    expenses: dict[str, Any] = {
        "online_allowance": _money(version.expenses.online_allowance),
        "passenger_rate_per_mile": _money(version.expenses.passenger_rate_per_mile),
    }
    if version.expenses.receipt_required_above is not None:
        expenses["receipt_required_above"] = _money(version.expenses.receipt_required_above)
    if version.expenses.changes:
        expenses["changes"] = [
            _change_document(c.effective_from, c.source, online_allowance=c.online_allowance,
                             passenger_rate_per_mile=c.passenger_rate_per_mile)
            for c in version.expenses.changes
        ]
    mileage: dict[str, Any] = {}
    for key, vehicle in version.expenses.mileage.items():
        item: dict[str, Any] = {"label": vehicle.label, "rate_per_mile": _money(vehicle.rate_per_mile)}
        if vehicle.threshold_miles is not None and vehicle.rate_beyond_threshold is not None:
            item["threshold_miles"] = vehicle.threshold_miles
            item["rate_beyond_threshold"] = _money(vehicle.rate_beyond_threshold)
        if vehicle.source:
            item["source"] = vehicle.source
        if vehicle.changes:
            item["changes"] = [
                _change_document(c.effective_from, c.source, rate_per_mile=c.rate_per_mile,
                                 rate_beyond_threshold=c.rate_beyond_threshold)
                for c in vehicle.changes
            ]
        mileage[key] = item
    expenses["mileage"] = mileage
    expenses["at_cost"] = {
        key: {"label": c.label, **({"daily_cap": _money(c.daily_cap)} if c.daily_cap is not None else {})}
        for key, c in version.expenses.at_cost.items()
    }
    document: dict[str, Any] = {
        "effective_from": version.effective_from,
        "time": {
            "rounding_unit_minutes": version.time.rounding_unit_minutes,
            "minimum_involvement_minutes": version.time.minimum_involvement_minutes,
            "preparation_cap": _money(version.time.preparation_cap),
            "follow_up_cap_minutes": version.time.follow_up_cap_minutes,
            "travel_time_paid": version.time.travel_time_paid,
        },
        "activities": activities,
        "roles": {k: {"label": r.label, "multiplier": _money(r.multiplier)} for k, r in version.roles.items()},
        "expenses": expenses,
    }
    if version.daily_fee_cap is not None:
        document["limits"] = {"daily_fee_cap": _money(version.daily_fee_cap)}
    return document


def dump_card(card: RateCard) -> str:
    """The card as TOML text (money as quoted strings, as the loader requires)."""
    return tomli_w.dumps(card_to_document(card))
