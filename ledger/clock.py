"""The ledger's idea of "now", in one place.

Normally the real time. The demo (and tests that tell a story over months) can run a block of work
"as of" a given moment, so a pay run made in the story's March is dated March everywhere: in batch
dates, postings, audit events and reports. Nothing else may read the system clock directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time

_as_of: ContextVar[datetime | None] = ContextVar("ledger_as_of", default=None)


def now() -> datetime:
    """The current moment, timezone-aware UTC (or the moment set by :func:`as_of`)."""
    return _as_of.get() or datetime.now(UTC)


def today() -> date:
    return now().date()


@contextmanager
def as_of(moment: datetime | date) -> Iterator[None]:
    """Run the block as if it were ``moment`` (a date means 10:00 UTC that day)."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(10, 0), tzinfo=UTC)
    token = _as_of.set(moment)
    try:
        yield
    finally:
        _as_of.reset(token)
