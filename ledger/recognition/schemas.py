"""Wire shapes of the recognition API (msgspec Structs), shared by the API, the CLI and the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from ledger.involvement.schemas import Id

OUTCOME_TEXT_MAX = 2000


class OutcomeIn(msgspec.Struct, forbid_unknown_fields=True):
    """An outcome: what was decided or changed because of participants' input, in plain words.

    Give ``activity`` (the outcome of one activity) or ``project`` (of the whole project), not both.
    ``date`` is when it was decided or changed (today or earlier).
    """

    text: Annotated[str, msgspec.Meta(max_length=OUTCOME_TEXT_MAX)]
    date: dt.date
    activity: Id | None = None
    project: Id | None = None


class OutcomeOut(msgspec.Struct, kw_only=True):
    id: int
    project: int
    project_name: str
    activity: int | None
    activity_label: str | None
    activity_date: dt.date | None
    date: dt.date
    text: str
    added_by: str


class OutcomeList(msgspec.Struct, kw_only=True):
    items: list[OutcomeOut]
    total: int


class OverdueOut(msgspec.Struct, kw_only=True):
    activity: int
    project: int
    project_name: str
    date: dt.date
    activity_label: str
    description: str | None
    people: int
    weeks_waiting: int


class OverdueList(msgspec.Struct, kw_only=True):
    weeks: int
    items: list[OverdueOut]
    total: int


class RecordRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Issue a record of involvement. ``include_amounts``: show money too (only when the person asks)."""

    style: Literal["standard", "large_print", "easy_read"] | None = None
    include_amounts: bool = False
    format: Literal["pdf", "json"] = "pdf"


class TimeTotalOut(msgspec.Struct, kw_only=True):
    label: str
    minutes: int
    activities: int


class SummaryOut(msgspec.Struct, kw_only=True):
    """The summary a record states, and all that a verification check shows (never money)."""

    participant_name: str
    # The organisation's own reference for the person: on the record, left out of a public check (None there).
    participant_reference: str | None
    organisation_name: str
    issued_on: dt.date
    first_date: dt.date | None
    last_date: dt.date | None
    activity_count: int
    total_minutes: int
    minutes_paid: int
    minutes_paid_to_organisation: int
    minutes_declined: int
    by_year: list[TimeTotalOut]
    by_project: list[TimeTotalOut]
    by_role: list[TimeTotalOut]
    training: list[str]
    outcome_count: int


class IssuedRecordOut(msgspec.Struct, kw_only=True):
    """A record just issued: the code is shown here once (only its keyed hash is kept)."""

    id: int
    code: str
    check_address: str
    style: str
    include_amounts: bool
    summary: SummaryOut


class RecordListItem(msgspec.Struct, kw_only=True):
    id: int
    issued_at: dt.datetime
    issued_by: str
    style: str
    include_amounts: bool
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None
    check_count: int
    last_checked_at: dt.datetime | None


class RecordList(msgspec.Struct, kw_only=True):
    items: list[RecordListItem]
    total: int


class WithdrawIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)]


class VerificationOut(msgspec.Struct, kw_only=True):
    """What anyone with the code may see: that the organisation issued it, when, and its summary."""

    status: Literal["valid"]
    issued_by: str
    issued_on: dt.date
    summary: SummaryOut


class ProjectGlanceOut(msgspec.Struct, kw_only=True):
    """Involvement at a glance for one project (shares are percentages with one decimal, as text)."""

    code: str
    name: str
    people: int
    minutes: int
    minutes_paid: int
    minutes_paid_to_organisation: int
    minutes_declined: int
    days_to_payment_median: str | None
    activities: int
    activities_reported_back: int
    share_paid: str | None
    share_paid_to_organisation: str | None
    share_declined: str | None
    share_reported_back: str | None


class GlanceOut(msgspec.Struct, kw_only=True):
    period_from: dt.date
    period_to: dt.date
    projects: list[ProjectGlanceOut]
