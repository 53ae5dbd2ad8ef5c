"""What changed between two versions of a rate card, in plain words (the web's ``/admin/rate-cards`` pages).

Why: a card's versions are whole documents, and an administrator or auditor wants to know "what is
different from 31 August 2022" without comparing two TOML files by eye. This compares the loaded model
(``ledger.rates.model``), never the files, so it says exactly what the engine would do differently:
rates, fixed fees, bands, role multipliers, time rules (rounding, minimums, caps), the daily cap and
expenses (allowances, mileage, caps on costs). Pure: no database, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.money import display_amount
from ledger.rates.model import ActivityRule, CardVersion, RateCard


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: ``topic`` groups it on the page ("Activities", "Time rules", "Expenses"...)."""

    topic: str
    words: str


@dataclass(frozen=True, slots=True)
class VersionChanges:
    """The changes a version brought, compared with the version before it (``None`` for the first)."""

    effective_from: date
    previous_from: date | None
    changes: tuple[Change, ...]
    dated: tuple[str, ...]  # rates inside this version that change on their own date (HMRC mileage...)


def _amount(value: Decimal | None, currency: str) -> str:
    if value is None:
        return "none"
    places = Decimal(1).scaleb(-2)
    if value == value.quantize(places):
        return display_amount(value, currency)
    return f"{value.normalize():f} {currency}"


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def pricing_words(rule: ActivityRule, currency: str) -> str:
    """How an activity is paid, e.g. "£20.00 an hour" or "up to 4 h: £75.00 (half day); ..."."""
    if rule.hourly_rate is not None:
        return f"{_amount(rule.hourly_rate, currency)} an hour"
    if rule.fixed_fee is not None:
        return f"a fixed fee of {_amount(rule.fixed_fee, currency)}"
    parts = []
    for band in rule.bands:
        label = f" ({band.label})" if band.label else ""
        parts.append(f"up to {_duration(band.up_to_minutes)}: {_amount(band.fee, currency)}{label}")
    return "by length of time: " + "; ".join(parts) + " (the last band also pays for longer)"


def _was_now(topic: str, what: str, old: str, new: str) -> Change:
    return Change(topic, f"{what}: was {old}, now {new}")


def _keyed(topic: str, kind: str, old: dict[str, str], new: dict[str, str],
           labels_old: dict[str, str], labels_new: dict[str, str]) -> list[Change]:
    """Added, removed and changed entries of two ``key -> description`` maps."""
    found: list[Change] = []
    for key in sorted(new.keys() - old.keys()):
        found.append(Change(topic, f"New {kind}: {labels_new[key]}, {new[key]}"))
    for key in sorted(old.keys() - new.keys()):
        found.append(Change(topic, f"{kind.capitalize()} no longer on the card: {labels_old[key]}"))
    for key in sorted(old.keys() & new.keys()):
        if labels_old[key] != labels_new[key]:
            found.append(_was_now(topic, f"Name of {kind} {key!r}", repr(labels_old[key]), repr(labels_new[key])))
        if old[key] != new[key]:
            found.append(_was_now(topic, labels_new[key], old[key], new[key]))
    return found


def _yes_no(value: bool) -> str:
    return "paid" if value else "not paid"


def compare_versions(old: CardVersion, new: CardVersion, currency: str) -> list[Change]:
    """Every difference between two versions of one card, grouped by topic, in a stable order."""
    changes: list[Change] = []
    changes += _keyed(
        "Activities", "activity",
        {k: pricing_words(r, currency) for k, r in old.activities.items()},
        {k: pricing_words(r, currency) for k, r in new.activities.items()},
        {k: r.label for k, r in old.activities.items()}, {k: r.label for k, r in new.activities.items()},
    )
    changes += _keyed(
        "Roles", "role",
        {k: f"{r.multiplier.normalize():f} times the fee" for k, r in old.roles.items()},
        {k: f"{r.multiplier.normalize():f} times the fee" for k, r in new.roles.items()},
        {k: r.label for k, r in old.roles.items()}, {k: r.label for k, r in new.roles.items()},
    )
    o, n = old.time, new.time
    time_rules = [
        ("Time is rounded up to", _duration(o.rounding_unit_minutes), _duration(n.rounding_unit_minutes)),
        ("Minimum time paid", _duration(o.minimum_involvement_minutes), _duration(n.minimum_involvement_minutes)),
        ("Preparation paid up to", f"{o.preparation_cap.normalize():f} times the involvement time",
         f"{n.preparation_cap.normalize():f} times the involvement time"),
        ("Follow-up paid up to", _duration(o.follow_up_cap_minutes), _duration(n.follow_up_cap_minutes)),
        ("Travel time", _yes_no(o.travel_time_paid), _yes_no(n.travel_time_paid)),
    ]
    changes += [_was_now("Time rules", what, a, b) for what, a, b in time_rules if a != b]
    if old.daily_fee_cap != new.daily_fee_cap:
        changes.append(_was_now("Caps", "Most a person can be paid in fees in one day",
                                _amount(old.daily_fee_cap, currency), _amount(new.daily_fee_cap, currency)))
    oe, ne = old.expenses, new.expenses
    money_rules = [
        ("Allowance for taking part online", oe.online_allowance, ne.online_allowance),
        ("Passenger rate a mile", oe.passenger_rate_per_mile, ne.passenger_rate_per_mile),
        ("Receipt needed above", oe.receipt_required_above, ne.receipt_required_above),
    ]
    changes += [_was_now("Expenses", what, _amount(a, currency), _amount(b, currency))
                for what, a, b in money_rules if a != b]

    def vehicle_words(rate_per_mile: Decimal, threshold: int | None, beyond: Decimal | None) -> str:
        words = f"{_amount(rate_per_mile, currency)} a mile"
        if threshold is not None and beyond is not None:
            words += f", {_amount(beyond, currency)} a mile after {threshold:,} miles in a tax year"
        return words

    changes += _keyed(
        "Mileage", "kind of vehicle",
        {k: vehicle_words(v.rate_per_mile, v.threshold_miles, v.rate_beyond_threshold) for k, v in oe.mileage.items()},
        {k: vehicle_words(v.rate_per_mile, v.threshold_miles, v.rate_beyond_threshold) for k, v in ne.mileage.items()},
        {k: v.label for k, v in oe.mileage.items()}, {k: v.label for k, v in ne.mileage.items()},
    )

    def cap_words(cap: Decimal | None) -> str:
        return "paid at cost, no daily cap" if cap is None else f"paid at cost up to {_amount(cap, currency)} a day"

    changes += _keyed(
        "Costs paid back", "kind of cost",
        {k: cap_words(c.daily_cap) for k, c in oe.at_cost.items()},
        {k: cap_words(c.daily_cap) for k, c in ne.at_cost.items()},
        {k: c.label for k, c in oe.at_cost.items()}, {k: c.label for k, c in ne.at_cost.items()},
    )
    return changes


def dated_changes(version: CardVersion, currency: str) -> tuple[str, ...]:
    """Rates inside a version that change on their own date (for example HMRC's mileage rate)."""
    found: list[str] = []
    for change in version.expenses.changes:
        if change.online_allowance is not None:
            found.append(f"From {change.effective_from:%-d %B %Y}: online allowance "
                         f"{_amount(change.online_allowance, currency)}")
        if change.passenger_rate_per_mile is not None:
            found.append(f"From {change.effective_from:%-d %B %Y}: passenger rate "
                         f"{_amount(change.passenger_rate_per_mile, currency)} a mile")
    for vehicle in version.expenses.mileage.values():
        for vchange in vehicle.changes:
            parts = []
            if vchange.rate_per_mile is not None:
                parts.append(f"{_amount(vchange.rate_per_mile, currency)} a mile")
            if vchange.rate_beyond_threshold is not None:
                parts.append(f"{_amount(vchange.rate_beyond_threshold, currency)} a mile after the threshold")
            found.append(f"From {vchange.effective_from:%-d %B %Y}: {vehicle.label}, {' and '.join(parts)}")
    return tuple(found)


def card_history(card: RateCard) -> list[VersionChanges]:
    """Each version of the card, oldest first, with what it changed from the one before."""
    history: list[VersionChanges] = []
    previous: CardVersion | None = None
    for version in card.versions:
        changes = tuple(compare_versions(previous, version, card.currency)) if previous is not None else ()
        history.append(VersionChanges(version.effective_from, previous.effective_from if previous else None,
                                      changes, dated_changes(version, card.currency)))
        previous = version
    return history
