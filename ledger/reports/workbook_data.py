"""The plain shape of the ledger workbook (``ledger export workbook``): sheets of rows, nothing that reads
or changes the ledger. The rows are iterators, so the renderer streams them and memory stays flat.

Bank details in here are already masked; amounts are ``Decimal``; dates are dates. Text is as stored:
the renderer neutralises anything a spreadsheet could run as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Cell = Any  # str | Decimal | int | date | datetime | None


@dataclass
class Sheet:
    title: str
    headings: list[str]
    rows: Iterable[list[Cell]]
    about: str  # one line for the About sheet: what the rows are
    count: int = 0  # filled in by the renderer as it writes


@dataclass
class WorkbookData:
    organisation: str
    made_on: str  # ISO date
    sheets: list[Sheet] = field(default_factory=list)
