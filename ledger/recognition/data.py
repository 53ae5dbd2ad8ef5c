"""A record of involvement and outcomes as plain frozen data (renderers never query).

Why a summary apart from the full record: the summary (time given by year, project and role; how the
time was paid; training; who issued it) is printed on the record AND stored with the verification code,
so ``/verify/{code}`` shows exactly what the paper says. It never holds amounts of money: a checker (an
employer, a college, a benefits assessor) learns that the organisation vouches for the time, nothing else.

Time is in whole minutes, from the ledger's own figure (the ``minutes`` on each approval's fee leg, netted
by reversals: the same time the spend report counts), so the record and the ledger cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from ledger.organisation import Organisation

#: How a piece of time was paid: to the person, to an organisation they chose, or given without pay.
PaidHow = Literal["paid", "organisation", "declined"]
RECORD_STYLES = ("standard", "large_print", "easy_read")


@dataclass(frozen=True, slots=True)
class TimeTotal:
    """Time given under one heading (a year, a project, a role)."""

    label: str
    minutes: int
    activities: int


@dataclass(frozen=True, slots=True)
class InvolvementSummary:
    """What the record says in short, and all a verification check shows. No amounts, ever."""

    participant_name: str
    participant_reference: str
    organisation_name: str
    issued_on: date
    first_date: date | None
    last_date: date | None
    activity_count: int
    total_minutes: int
    minutes_paid: int
    minutes_paid_to_organisation: int
    minutes_declined: int
    by_year: tuple[TimeTotal, ...]
    by_project: tuple[TimeTotal, ...]
    by_role: tuple[TimeTotal, ...]
    training: tuple[str, ...]
    outcome_count: int = 0

    def to_json(self) -> dict[str, Any]:
        """The stored form (JSON column): dates as ISO text."""
        def total(items: tuple[TimeTotal, ...]) -> list[dict[str, Any]]:
            return [{"label": t.label, "minutes": t.minutes, "activities": t.activities} for t in items]

        return {
            "participant_name": self.participant_name, "participant_reference": self.participant_reference,
            "organisation_name": self.organisation_name, "issued_on": self.issued_on.isoformat(),
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "activity_count": self.activity_count, "total_minutes": self.total_minutes,
            "minutes_paid": self.minutes_paid, "minutes_paid_to_organisation": self.minutes_paid_to_organisation,
            "minutes_declined": self.minutes_declined, "by_year": total(self.by_year),
            "by_project": total(self.by_project), "by_role": total(self.by_role), "training": list(self.training),
            "outcome_count": self.outcome_count,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InvolvementSummary:
        def totals(items: list[dict[str, Any]]) -> tuple[TimeTotal, ...]:
            return tuple(TimeTotal(str(i["label"]), int(i["minutes"]), int(i["activities"])) for i in items)

        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            participant_name=str(data["participant_name"]), participant_reference=str(data["participant_reference"]),
            organisation_name=str(data["organisation_name"]), issued_on=date.fromisoformat(data["issued_on"]),
            first_date=day(data.get("first_date")), last_date=day(data.get("last_date")),
            activity_count=int(data["activity_count"]), total_minutes=int(data["total_minutes"]),
            minutes_paid=int(data["minutes_paid"]),
            minutes_paid_to_organisation=int(data["minutes_paid_to_organisation"]),
            minutes_declined=int(data["minutes_declined"]), by_year=totals(data["by_year"]),
            by_project=totals(data["by_project"]), by_role=totals(data["by_role"]),
            training=tuple(str(t) for t in data.get("training", [])), outcome_count=int(data.get("outcome_count", 0)),
        )


@dataclass(frozen=True, slots=True)
class OutcomeItem:
    """One outcome: what changed, when, and what it came from (an activity, or the whole project)."""

    id: int
    project_id: int
    project_name: str
    outcome_date: date
    text: str
    activity_id: int | None = None
    activity_label: str | None = None
    activity_date: date | None = None
    added_by: str = ""


@dataclass(frozen=True, slots=True)
class InvolvementActivity:
    """One piece of involvement on the record (one approved record of the ledger)."""

    date: date
    project_name: str
    activity_label: str
    role_label: str
    minutes: int
    paid_how: PaidHow
    training: bool
    description: str | None = None


@dataclass(frozen=True, slots=True)
class InvolvementAmounts:
    """Money, shown only when the person asks for it (``include_amounts``). Fees only: costs paid back are
    not payment for time. ``paid_to_them`` and ``paid_to_organisation`` are what was actually paid
    (``ledger.involvement.paid``); ``declined_value`` is what the declined time was worth."""

    currency: str
    paid_to_them: Decimal
    paid_to_organisation: Decimal
    declined_value: Decimal


@dataclass(frozen=True, slots=True)
class RecordOfInvolvement:
    """Everything printed on one record of involvement."""

    summary: InvolvementSummary
    activities: tuple[InvolvementActivity, ...]
    outcomes: tuple[OutcomeItem, ...]
    style: str
    contact: Organisation
    code: str | None = None  # set when the record is issued (shown once; only its hash is kept)
    check_address: str | None = None  # where a reader checks the code (LEDGER_WEB_ADDRESS + /verify/CODE)
    amounts: InvolvementAmounts | None = None
    record_id: int | None = None
