"""Named benefit and tax limits as dated data (Carer's Allowance, ESA permitted work, the trading allowance).

Why data and not a typed amount: these limits change every April, and a figure someone typed once goes
stale without anyone noticing (the Carer's Allowance earnings limit rose from 196.00 to 204.00 a week in
April 2026). A participant's watch limit can name a limit by key; the amount used is the one in force on
the activity date. The files ship in ``ledger/rates/limits`` and an administrator adds folders of their
own with ``LEDGER_LIMITS`` (like ``LEDGER_RATE_CARDS``). A new year's figure is one more dated entry:

    [[limits.carers_allowance.amounts]]
    effective_from = 2027-04-12
    amount = "212.00"
    source = "gov.uk Benefit and pension rates 2027 to 2028"

A limit is *defined* (label, period, currency) in exactly one file; other files may add dated amounts to
it, so a new year can sit in its own file. The reader collects every problem (file and key) at once.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from ledger.errors import FieldProblem, Invalid
from ledger.money import MoneyError, parse_amount
from ledger.rates.loader import CardError, CardProblem

PRESET_LIMITS = Path(__file__).parent / "limits"
PERIODS = ("week", "tax_year")
DEFINITION_KEYS = {"label", "period", "currency", "description", "amounts"}
AMOUNT_KEYS = {"effective_from", "amount", "source"}


@dataclass(frozen=True)
class LimitAmount:
    effective_from: date
    amount: Decimal
    source: str


@dataclass(frozen=True)
class NamedLimit:
    """One named limit with its dated amounts (oldest first)."""

    key: str
    label: str
    period: str  # "week" (Monday to Sunday) or "tax_year" (6 April to 5 April)
    currency: str
    description: str
    amounts: tuple[LimitAmount, ...]

    def in_force(self, on: date) -> LimitAmount | None:
        """The amount in force on ``on``; ``None`` before the first dated amount (nothing is known)."""
        chosen: LimitAmount | None = None
        for entry in self.amounts:
            if entry.effective_from <= on:
                chosen = entry
            else:
                break
        return chosen


class LimitError(CardError):
    """Limit files could not be loaded; ``problems`` lists every problem with its file and key.

    A kind of ``CardError`` so the CLI reports it the same way (every problem, with its place).
    """


class LimitRegistry:
    """Named limits by key."""

    def __init__(self, limits: Iterable[NamedLimit]) -> None:
        self._limits = {limit.key: limit for limit in limits}

    def get(self, key: str) -> NamedLimit | None:
        return self._limits.get(key)

    def require(self, key: str, field: str = "limit") -> NamedLimit:
        """The limit, or a 422 naming the field and every key that is allowed."""
        found = self._limits.get(key)
        if found is None:
            raise Invalid(f"{field}: {unknown_limit_message(key, self)}",
                          [FieldProblem(field, unknown_limit_message(key, self))])
        return found

    def keys(self) -> list[str]:
        return sorted(self._limits)

    def limits(self) -> list[NamedLimit]:
        return [self._limits[key] for key in self.keys()]

    @classmethod
    def from_folders(cls, folders: Iterable[Path]) -> LimitRegistry:
        return cls(load_limit_files(path for folder in folders for path in _files_in(folder)))


def unknown_limit_message(key: str, registry: LimitRegistry) -> str:
    return f"there is no named limit {key!r}; the limits are: {', '.join(registry.keys()) or 'none'}"


def _files_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise LimitError([CardProblem(str(folder), "", "", "limits folder not found (LEDGER_LIMITS)")])
    return sorted(folder.glob("*.toml"))


def extra_limit_dirs() -> list[Path]:
    """Folders of the organisation's own limit files (``LEDGER_LIMITS``, separated by ``os.pathsep``)."""
    raw = os.environ.get("LEDGER_LIMITS", "")
    return [Path(part) for part in raw.split(os.pathsep) if part]


@lru_cache(maxsize=1)
def default_limits() -> LimitRegistry:
    """The shipped limits plus the folders in ``LEDGER_LIMITS`` (read once per process)."""
    return LimitRegistry.from_folders([PRESET_LIMITS, *extra_limit_dirs()])


# ------------------------------------------------------------------------------------------ reading


@dataclass
class _Partial:
    file: str
    label: str | None = None
    period: str | None = None
    currency: str | None = None
    description: str = ""


def load_limit_files(paths: Iterable[Path]) -> list[NamedLimit]:
    """Read limit files and merge them: one definition per key, dated amounts from any file."""
    problems: list[CardProblem] = []
    definitions: dict[str, _Partial] = {}
    amounts: dict[str, list[tuple[LimitAmount, str]]] = {}
    for path in paths:
        name = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            problems.append(CardProblem(name, "", "", f"not valid TOML: {exc}"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(CardProblem(name, "", "", f"cannot be read: {exc}"))
            continue
        _read_file(name, data, definitions, amounts, problems)
    for key, entries in amounts.items():
        if key not in definitions:
            files = ", ".join(sorted({file for _, file in entries}))
            problems.append(CardProblem(files, "", f"limits.{key}",
                                        "adds amounts to a limit no file defines (give label, period and currency)"))
    limits: list[NamedLimit] = []
    for key, partial in definitions.items():
        dated = sorted(amounts.get(key, []), key=lambda item: item[0].effective_from)
        if not dated:
            problems.append(CardProblem(partial.file, "", f"limits.{key}.amounts",
                                        "at least one dated amount is needed"))
            continue
        for (first, _), (second, file) in pairwise(dated):
            if first.effective_from == second.effective_from:
                problems.append(CardProblem(file, "", f"limits.{key}.amounts",
                                            f"two amounts start on {second.effective_from.isoformat()}"))
        assert partial.label is not None and partial.period is not None and partial.currency is not None
        limits.append(NamedLimit(key, partial.label, partial.period, partial.currency, partial.description,
                                 tuple(entry for entry, _ in dated)))
    if problems:
        raise LimitError(problems)
    return limits


def _read_file(
    name: str,
    data: dict[str, Any],
    definitions: dict[str, _Partial],
    amounts: dict[str, list[tuple[LimitAmount, str]]],
    problems: list[CardProblem],
) -> None:
    def problem(key: str, message: str) -> None:
        problems.append(CardProblem(name, "", key, message))

    for key in data:
        if key != "limits":
            problem(key, "unknown key; a limits file holds [limits.<key>] tables")
    table = data.get("limits")
    if not isinstance(table, dict) or not table:
        problem("limits", "at least one [limits.<key>] table is needed")
        return
    for key, spec in table.items():
        where = f"limits.{key}"
        if not isinstance(spec, dict):
            problem(where, "must be a table")
            continue
        for unknown in spec.keys() - DEFINITION_KEYS:
            problem(f"{where}.{unknown}", f"unknown key; allowed here: {', '.join(sorted(DEFINITION_KEYS))}")
        if any(k in spec for k in ("label", "period", "currency")):
            _read_definition(name, key, spec, definitions, problem)
        raw_amounts = spec.get("amounts", [])
        if not isinstance(raw_amounts, list):
            problem(f"{where}.amounts", "must be a list of [[limits.<key>.amounts]] tables")
            continue
        currency = definitions[key].currency if key in definitions else None
        for index, entry in enumerate(raw_amounts):
            read = _read_amount(entry, f"{where}.amounts[{index}]", currency or "GBP", problem)
            if read is not None:
                amounts.setdefault(key, []).append((read, name))


def _read_definition(name: str, key: str, spec: dict[str, Any], definitions: dict[str, _Partial], problem: Any) -> None:
    where = f"limits.{key}"
    if key in definitions:
        problem(where, f"is already defined in {definitions[key].file}; another file may only add amounts")
        return
    partial = _Partial(name)
    for field in ("label", "currency"):
        value = spec.get(field)
        if not isinstance(value, str) or not value.strip():
            problem(f"{where}.{field}", "must be a non-empty string")
        else:
            setattr(partial, field, value.strip())
    period = spec.get("period")
    if period not in PERIODS:
        problem(f"{where}.period", f"must be one of {', '.join(PERIODS)}")
    else:
        partial.period = period
    description = spec.get("description", "")
    if not isinstance(description, str):
        problem(f"{where}.description", "must be a string")
    else:
        partial.description = description.strip()
    if partial.label and partial.period and partial.currency:
        definitions[key] = partial


def _read_amount(entry: Any, where: str, currency: str, problem: Any) -> LimitAmount | None:
    if not isinstance(entry, dict):
        problem(where, "must be a table with effective_from, amount and source")
        return None
    for unknown in entry.keys() - AMOUNT_KEYS:
        problem(f"{where}.{unknown}", f"unknown key; allowed here: {', '.join(sorted(AMOUNT_KEYS))}")
    day = entry.get("effective_from")
    if isinstance(day, datetime) or not isinstance(day, date):
        problem(f"{where}.effective_from", "must be a date such as 2026-04-06 (unquoted)")
        day = None
    raw = entry.get("amount")
    amount: Decimal | None = None
    if not isinstance(raw, str):
        problem(f"{where}.amount", 'must be a quoted money string such as "204.00"')
    else:
        try:
            amount = parse_amount(raw, currency, what=f"{where}.amount")
        except MoneyError as exc:
            problem(f"{where}.amount", str(exc))
        else:
            if amount <= 0:
                problem(f"{where}.amount", "must be more than 0")
                amount = None
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        problem(f"{where}.source", "say where the figure comes from (a limit without a source cannot be checked)")
        source = None
    if day is None or amount is None or source is None:
        return None
    return LimitAmount(day, amount, source.strip())
