"""Personal data with an end (UK GDPR): how long a participant's details are kept, and erasing them after.

Why the period is what it is: payments are records HMRC may ask about for six years after the end of the
tax year they fall in, so a person's name, contact and bank details are kept until then and no longer.
The period counts from the person's **last payment** (``ledger.involvement.paid.last_paid_on``, the one
rule for what was paid). Their ledger may hold something later than that payment: an activity whose fee
they declined, a rejected claim, a reversal, or (for someone never paid) only the day they were added.
Those are records of the organisation's dealings with them too, so the period counts from the latest of
the last payment and the last activity or booking for them, whichever is later; for a person never paid
and never involved, from the day they were added. The number of years is ``LEDGER_RETENTION_YEARS``
(default 6, ``ledger.settings.retention_years``).

Erasing replaces the name with a tombstone ("Erased participant P-0012") and removes the preferred name,
email, phone, bank details, organisation reference, watch limits and accessibility choice; it blanks the
same details in pending payee changes and payment batch lines, and revokes and renames the person's own
API tokens. Amounts, references, records, postings and batches stay exactly as they were, so every
total and balance is unchanged. Someone still owed money, or with a claim waiting for a decision, is
never erased: their records are still in use. The audit event names the participant by reference only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.orm import Session, object_session

from ledger.audit import record_event
from ledger.clock import now, today
from ledger.db.models import (
    AccountKind,
    Activity,
    ApiToken,
    Batch,
    BatchLine,
    IdempotencyRecord,
    JournalEntry,
    Participant,
    Posting,
    Record,
    RecordStatus,
    StatementStyle,
)
from ledger.errors import Conflict, NotFound
from ledger.involvement.access import ensure_role
from ledger.involvement.paid import paid_select
from ledger.involvement.payee_changes import forget_payee_changes
from ledger.messages.outbox import forget_messages
from ledger.money import Money
from ledger.rates.taxyear import tax_year_end, tax_year_label
from ledger.recognition.record import forget_records_of_involvement
from ledger.security.actor import Actor
from ledger.settings import retention_years

TOMBSTONE = "Erased participant {reference}"
# A batch line's copy of the payee's details (the batch snapshot): blanked, the name gets the tombstone.
BATCH_LINE_PERSONAL = ("bank_account_name", "bank_sort_code", "bank_account_number", "organisation_reference")


@dataclass
class RetentionNotEnded(Conflict):
    """Erasure asked for before the retention period ends (HTTP 409, CLI exit 1); names the first date."""

    erasable_from: date | None = None
    title: str = "Retention period not ended"


@dataclass(frozen=True)
class Retention:
    """How long one participant's personal details are kept, and whether they can be erased now."""

    participant_id: int
    reference: str
    last_payment: date | None  # the last day they were paid (None: never paid)
    last_activity: date  # latest activity, booking, or the day they were added
    counted_from: date  # the later of the two: the period counts from the end of its tax year
    retention_ends: date  # the last day the details must be kept (a 5 April)
    blocked_by: str | None  # why they cannot be erased whatever the date (money owed, claims waiting)
    erased_at: datetime | None

    @property
    def erasable_from(self) -> date:
        """The first day erasure is possible (the 6 April after the period ends)."""
        return self.retention_ends + timedelta(days=1)

    @property
    def basis(self) -> str:
        """In words, what the period counts from."""
        if self.last_payment is not None and self.last_payment >= self.last_activity:
            return f"last payment on {_day(self.last_payment)}"
        if self.last_payment is None:
            return f"never paid; last activity on {_day(self.last_activity)}"
        return f"last activity on {_day(self.last_activity)} (after the last payment on {_day(self.last_payment)})"

    def erasable(self, on: date | None = None) -> bool:
        return self.erased_at is None and self.blocked_by is None and (on or today()) >= self.erasable_from

    def refusal(self, on: date | None = None) -> Conflict | None:
        """Why erasure is refused on ``on`` (``None`` when it is allowed)."""
        if self.erased_at is not None:
            return Conflict(f"{self.reference} was already erased on {_day(self.erased_at.date())}.")
        if self.blocked_by is not None:
            return Conflict(f"{self.reference} cannot be erased: {self.blocked_by}.")
        if (on or today()) < self.erasable_from:
            years = retention_years()
            return RetentionNotEnded(
                f"{self.reference} cannot be erased before {_day(self.erasable_from)}: their details are kept "
                f"for {years} years after the end of the tax year ({tax_year_label(self.counted_from)}) of their "
                f"{self.basis}, that is until {_day(self.retention_ends)}.",
                erasable_from=self.erasable_from,
            )
        return None


@dataclass(frozen=True)
class Erasure:
    """What one erasure did (counts only: nothing personal)."""

    participant_id: int
    reference: str
    erased_at: datetime
    retention_ended: date
    payee_changes: int
    batch_lines: int
    tokens: int
    replays: int


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def retention_end_for(counted_from: date, years: int | None = None) -> date:
    """The 5 April ``years`` tax years after the end of the tax year of ``counted_from``."""
    end = tax_year_end(counted_from)
    return date(end.year + (retention_years() if years is None else years), 4, 5)


# ------------------------------------------------------------------------------------------ queries


def last_paid_on_by_participant(session: Session, ids: list[int] | None) -> dict[int, date]:
    """Per participant: the last day they were paid, by the one rule for what was paid
    (``ledger.involvement.paid``: payable postings in a batch line marked paid, dated the batch's payment)."""
    query = paid_select(Posting.participant_id, func.max(Batch.paid_on)).group_by(Posting.participant_id)
    if ids is not None:
        query = query.where(Posting.participant_id.in_(ids))
    return {pid: on for pid, on in session.execute(query).all() if on is not None}


def _latest_by_participant(session: Session, ids: list[int] | None) -> dict[int, date]:
    """Per participant: the latest activity date or booking date in their ledger."""
    latest: dict[int, date] = {}

    def merge(rows: object) -> None:
        for pid, on in rows:  # type: ignore[attr-defined]
            if on is not None and (pid not in latest or on > latest[pid]):
                latest[pid] = on

    activity = select(Record.participant_id, func.max(Activity.date)).join(
        Activity, Activity.id == Record.activity_id).group_by(Record.participant_id)
    booked = select(Posting.participant_id, func.max(JournalEntry.booked_on)).join(
        JournalEntry, JournalEntry.id == Posting.entry_id).where(Posting.participant_id.is_not(None)).group_by(
        Posting.participant_id)
    if ids is not None:
        activity = activity.where(Record.participant_id.in_(ids))
        booked = booked.where(Posting.participant_id.in_(ids))
    merge(session.execute(activity).all())
    merge(session.execute(booked).all())
    return latest


def _blocks_by_participant(session: Session, ids: list[int] | None) -> dict[int, str]:
    """Per participant: money still owed (per currency) or claims waiting for a decision."""
    owed_query = (
        select(Posting.participant_id, Posting.currency, func.sum(Posting.amount_minor))
        .where(Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE, Posting.participant_id.is_not(None))
        .group_by(Posting.participant_id, Posting.currency)
    )
    waiting_query = (
        select(Record.participant_id, func.count(Record.id))
        .where(Record.status == RecordStatus.SUBMITTED).group_by(Record.participant_id)
    )
    if ids is not None:
        owed_query = owed_query.where(Posting.participant_id.in_(ids))
        waiting_query = waiting_query.where(Record.participant_id.in_(ids))
    reasons: dict[int, list[str]] = {}
    for pid, currency, total in session.execute(owed_query).all():
        if total and pid is not None:
            owed = Money.from_minor(-int(total), currency)
            reasons.setdefault(pid, []).append(f"{owed.display()} is still owed to them (pay or reverse it first)")
    for pid, count in session.execute(waiting_query).all():
        if count:
            claims = "claim is" if count == 1 else "claims are"
            reasons.setdefault(int(pid), []).append(f"{count} {claims} waiting for a decision")
    return {pid: "; ".join(found) for pid, found in reasons.items()}


def _retentions(session: Session, participants: list[Participant], *, all_rows: bool) -> list[Retention]:
    ids = None if all_rows else [p.id for p in participants]
    paid = last_paid_on_by_participant(session, ids)
    latest = _latest_by_participant(session, ids)
    blocks = _blocks_by_participant(session, ids)
    years = retention_years()
    found = []
    for participant in participants:
        added = participant.created_at.date()
        last_activity = max(added, latest.get(participant.id, added))
        last_payment = paid.get(participant.id)
        counted_from = max(last_activity, last_payment) if last_payment is not None else last_activity
        found.append(Retention(
            participant_id=participant.id,
            reference=participant.reference,
            last_payment=last_payment,
            last_activity=last_activity,
            counted_from=counted_from,
            retention_ends=retention_end_for(counted_from, years),
            blocked_by=blocks.get(participant.id),
            erased_at=participant.erased_at,
        ))
    return found


def retention_of(session: Session, participant: Participant) -> Retention:
    """The retention facts for one participant."""
    return _retentions(session, [participant], all_rows=False)[0]


def retention_ends(participant: Participant) -> date:
    """The last day ``participant``'s personal details must be kept (a 5 April); erasable the day after."""
    session = object_session(participant)
    if session is None:
        raise ValueError("retention_ends needs a participant loaded from a session")
    return retention_of(session, participant).retention_ends


def retention_report(session: Session, actor: Actor) -> list[Retention]:
    """Every participant not yet erased, with when they become erasable (soonest first). Administrators only."""
    ensure_role(actor, doing="read retention dates")
    participants = list(session.scalars(
        select(Participant).where(Participant.erased_at.is_(None)).order_by(Participant.id)))
    found = _retentions(session, participants, all_rows=True)
    return sorted(found, key=lambda r: (r.erasable_from, r.participant_id))


def erasable_participants(session: Session, actor: Actor, on: date | None = None) -> list[Retention]:
    """Participants whose retention period has ended and who can be erased now (nothing owed or waiting)."""
    day = on or today()
    return [r for r in retention_report(session, actor) if r.erasable(day)]


# ------------------------------------------------------------------------------------------- erasure


def _scrub_replays(session: Session, needles: list[str]) -> int:
    """Delete stored idempotent responses that hold any of the person's details (they are only replays)."""
    forms = {form for needle in needles if needle for form in (
        needle.encode(), json.dumps(needle)[1:-1].encode(), needle.lower().encode())}
    if not forms:
        return 0
    doomed = []
    stored = select(IdempotencyRecord.id, IdempotencyRecord.response_body).execution_options(yield_per=500)
    for record_id, body in session.execute(stored):
        raw = bytes(body or b"")
        lowered = raw.lower()
        if any(form in raw or form.lower() in lowered for form in forms):
            doomed.append(record_id)
    for start in range(0, len(doomed), 500):
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(doomed[start:start + 500])))
    return len(doomed)


def _updated(result: Result[Any]) -> int:
    """Rows an UPDATE changed."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def erase(session: Session, actor: Actor, participant_id: int, *, on: date | None = None) -> Erasure:
    """Replace a participant's personal details by a tombstone, if their retention period has ended.

    Refused (``RetentionNotEnded``, 409) before the period ends, naming the first date it is possible;
    refused (``Conflict``) while money is owed to them or a claim waits, and when already erased.
    Administrators only. Works inside the caller's transaction: all of it happens or none of it.
    """
    ensure_role(actor, doing="erase participants' personal details")
    session.execute(select(Participant.id).where(Participant.id == participant_id).with_for_update())
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound(f"There is no participant with id {participant_id}.")
    retention = retention_of(session, participant)
    refusal = retention.refusal(on)
    if refusal is not None:
        raise refusal
    tombstone = TOMBSTONE.format(reference=participant.reference)
    needles = [value for value in (participant.name, participant.preferred_name, participant.email,
                                   participant.phone, participant.bank_account_name,
                                   participant.postal_address) if value]

    participant.name = tombstone
    participant.preferred_name = None
    participant.email = None
    participant.phone = None
    participant.postal_address = None
    forget_messages(session, participant.id)  # the outbox's copies of the address (ledger.messages.outbox)
    forget_records_of_involvement(session, participant.id, tombstone)  # their name in issued records (recognition)
    participant.bank_account_name = None
    participant.bank_sort_code = None
    participant.bank_account_number = None
    participant.organisation_reference = None
    participant.statement_style = StatementStyle.STANDARD
    participant.watch_limits = []
    participant.erased_at = now()

    changes = forget_payee_changes(session, participant.id)
    line_values: dict[str, object] = {"payee_name": tombstone}
    line_values.update({column: None for column in BATCH_LINE_PERSONAL if column in BatchLine.__table__.c})
    lines = _updated(session.execute(
        update(BatchLine).where(BatchLine.participant_id == participant.id).values(line_values)))
    tokens = _updated(session.execute(
        update(ApiToken)
        .where(ApiToken.participant_id == participant.id)
        .values(name=f"token of {tombstone.lower()}", revoked_at=func.coalesce(ApiToken.revoked_at, now()))))
    replays = _scrub_replays(session, needles)
    session.flush()
    record_event(session, actor, "participant.erase", "participant", participant.id, None, {
        "reference": participant.reference,
        "retention_ended": retention.retention_ends,
        "counted_from": retention.counted_from,
        "payee_changes_blanked": changes,
        "batch_lines_blanked": lines,
        "tokens_revoked": tokens,
    })
    return Erasure(participant_id=participant.id, reference=participant.reference, erased_at=participant.erased_at,
                   retention_ended=retention.retention_ends, payee_changes=changes, batch_lines=lines,
                   tokens=tokens, replays=replays)


__all__ = [
    "Erasure",
    "Retention",
    "RetentionNotEnded",
    "erasable_participants",
    "erase",
    "retention_end_for",
    "retention_ends",
    "retention_of",
    "retention_report",
]
