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

    @property
    def share_paid(self) -> Decimal | None:
        return share(self.minutes_paid, self.minutes)

    @property
    def share_paid_to_organisation(self) -> Decimal | None:
        return share(self.minutes_paid_to_organisation, self.minutes)

    @property
    def share_declined(self) -> Decimal | None:
        return share(self.minutes_declined, self.minutes)

    @property
    def share_reported_back(self) -> Decimal | None:
        return share(self.activities_reported_back, self.activities)
