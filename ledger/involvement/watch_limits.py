"""A participant's watch limits as entered: an amount typed by hand, or a named, dated limit.

A watch limit is either

* ``{"period": "week", "amount": "195.50", "label": "ESA permitted work"}``: an amount typed by hand
  (it never changes unless someone changes it), or
* ``{"limit": "carers_allowance"}``: the key of a named limit kept as dated data with its source
  (``ledger/rates/limits/*.toml``, see ``ledger.rates.benefit_limits``). Its period, label and currency
  come from the data (a label may be given to override the wording); the amount in force on each
  activity date is used, so April's new figures apply without anyone retyping them.

Checking lives here (not in the participants service) so the API, CLI and demo share one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.db.models import WatchLimit
from ledger.errors import FieldProblem
from ledger.involvement.amounts import TOO_LARGE, too_large
from ledger.involvement.schemas import WatchLimitIn, WatchLimitOut
from ledger.involvement.watch import limit_in_force
from ledger.money import Money, MoneyError, parse_amount
from ledger.rates.benefit_limits import LimitRegistry, default_limits, unknown_limit_message

WATCH_CURRENCY = "GBP"  # amounts typed by hand are in pounds (the UK benefit and tax limits they mirror)
MAX_LABEL = 200


@dataclass(frozen=True)
class WatchLimitSpec:
    """A checked watch limit, ready to store."""

    period: str
    label: str
    currency: str
    amount_minor: int | None = None
    limit_key: str | None = None

    def row(self) -> WatchLimit:
        return WatchLimit(period=self.period, amount_minor=self.amount_minor, limit_key=self.limit_key,
                          currency=self.currency, label=self.label)


def check_watch_limits(
    wanted: list[WatchLimitIn], *, registry: LimitRegistry | None = None
) -> tuple[list[WatchLimitSpec], list[FieldProblem]]:
    """Every problem with every limit at once (``watch_limits[1].amount``...), and the good ones."""
    registry = registry or default_limits()
    specs: list[WatchLimitSpec] = []
    problems: list[FieldProblem] = []
    for index, item in enumerate(wanted):
        place = f"watch_limits[{index}]"
        found = _check_one(item, place, registry)
        if isinstance(found, WatchLimitSpec):
            specs.append(found)
        else:
            problems.extend(found)
    return specs, problems


def _check_label(label: str | None, place: str, *, required: bool) -> tuple[str | None, list[FieldProblem]]:
    if label is None or not label.strip():
        if required:
            return None, [FieldProblem(f"{place}.label", "say what the limit is for, e.g. ESA permitted work")]
        return None, []
    if len(label) > MAX_LABEL:
        return None, [FieldProblem(f"{place}.label", f"must be at most {MAX_LABEL} characters")]
    return label.strip(), []


def _check_one(item: WatchLimitIn, place: str, registry: LimitRegistry) -> WatchLimitSpec | list[FieldProblem]:
    if item.limit is not None:
        if item.amount is not None:
            return [FieldProblem(f"{place}.amount", "give either a named limit or an amount, not both (a named "
                                                    "limit's amount comes from its dated figures)")]
        named = registry.get(item.limit)
        if named is None:
            return [FieldProblem(f"{place}.limit", unknown_limit_message(item.limit, registry))]
        if item.period is not None and item.period != named.period:
            return [FieldProblem(f"{place}.period", f"the {named.label} is a {_period_words(named.period)} limit; "
                                                    "leave period out or give that one")]
        label, problems = _check_label(item.label, place, required=False)
        if problems:
            return problems
        return WatchLimitSpec(named.period, label or named.label, named.currency, limit_key=named.key)
    problems = []
    if item.period is None:
        problems.append(FieldProblem(f"{place}.period", "say week or tax_year (or name a limit with limit)"))
    if item.amount is None:
        allowed = ", ".join(registry.keys())
        problems.append(FieldProblem(f"{place}.amount", f"give an amount such as \"195.50\", or name a limit "
                                                        f"with limit (one of: {allowed})"))
        return problems
    if too_large(item.amount):  # before parsing: a huge one was a 500
        return [*problems, FieldProblem(f"{place}.amount", TOO_LARGE)]
    try:
        amount = parse_amount(item.amount, WATCH_CURRENCY, what=f"{place}.amount")
    except MoneyError as exc:
        return [*problems, FieldProblem(f"{place}.amount", str(exc))]
    if amount <= 0:
        problems.append(FieldProblem(f"{place}.amount", "must be more than 0"))
    label, label_problems = _check_label(item.label, place, required=True)
    problems.extend(label_problems)
    if problems or label is None or item.period is None:
        return problems
    return WatchLimitSpec(item.period, label, WATCH_CURRENCY, amount_minor=Money(amount, WATCH_CURRENCY).minor)


def _period_words(period: str) -> str:
    return "weekly" if period == "week" else "tax-year"


def watch_limit_out(limit: WatchLimit, today: date) -> WatchLimitOut:
    """A limit as responses show it: a named limit with its amount in force ``today`` and its source."""
    found = limit_in_force(limit, today)
    return WatchLimitOut(
        period=limit.period,
        amount=Money(found.amount, found.currency).text() if found is not None else None,
        currency=limit.currency,
        label=limit.label,
        limit=limit.limit_key,
        amount_from=found.effective_from if found is not None else None,
        source=found.source if found is not None else None,
    )


def watch_limit_snapshot(limit: WatchLimit) -> dict[str, object]:
    """What the audit trail keeps about a watch limit."""
    return {"period": limit.period, "amount_minor": limit.amount_minor, "limit_key": limit.limit_key,
            "currency": limit.currency, "label": limit.label}
