"""Involvement at a glance, per project, as plain data (the spend report and its PDF show it).

Shares are percentages with one decimal place (``Decimal``), ``None`` when there is nothing to share out
(no time given, no activities). Time is whole minutes. Nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")


def share(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a percentage to one decimal place (half up), or ``None`` when ``whole`` is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class ProjectGlance:
    """Is involvement in this project real, and where is it slipping?"""

    code: str
    name: str
    people: int
    minutes: int
    minutes_paid: int
    minutes_paid_to_organisation: int
    minutes_declined: int
    days_to_payment_median: Decimal | None
    activities: int
    activities_reported_back: int
    # Shares as percentages (see :func:`share`), worked out once so JSON readers get them too.
    share_paid: Decimal | None = None
    share_paid_to_organisation: Decimal | None = None
    share_declined: Decimal | None = None
    share_reported_back: Decimal | None = None

    @classmethod
    def of(cls, code: str, name: str, people: int, minutes: tuple[int, int, int], days: Decimal | None,
           activities: int, reported_back: int) -> ProjectGlance:
        """Build a row from its counts; ``minutes`` is (paid to people, paid to organisations, declined)."""
        total = sum(minutes)
        return cls(code=code, name=name, people=people, minutes=total, minutes_paid=minutes[0],
                   minutes_paid_to_organisation=minutes[1], minutes_declined=minutes[2], days_to_payment_median=days,
                   activities=activities, activities_reported_back=reported_back,
                   share_paid=share(minutes[0], total), share_paid_to_organisation=share(minutes[1], total),
                   share_declined=share(minutes[2], total), share_reported_back=share(reported_back, activities))
