"""Build and issue a participant's record of involvement (the data; ``ledger.exports.pdf.recognition`` draws it).

Where each figure comes from (the ledger's one-place rules, never a second copy):

* **time**: the ``minutes`` on each approval's fee leg (project side), netted by reversals: the time the
  ledger recognised, paid or declined, exactly what the spend report counts. Reversed records net to
  nothing and are left out.
* **declined**: the fee leg went to the FOREGONE accounts (approval does this for "decline" and "expenses
  only"): time given without pay, still fully counted.
* **paid to an organisation / paid to them**: the one watch rule, ``counts_as_earnings`` on the payment
  choice at approval: bank transfer or voucher is paid to them, otherwise (organisation) paid to the
  organisation they chose.
* **amounts** (only when asked): what was paid is ``ledger.involvement.paid``; declined value is the
  FOREGONE fee.
* **role**: the record's role ("chair") or else what the activity asks of people (interview panel,
  co-facilitating, reviewing documents): :func:`role_label`.
* **training**: an activity whose type or description mentions training (:func:`is_training`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.audit import record_event
from ledger.db.models import AccountKind, Activity, Category, Participant, Posting, Project, Record, RecordStatus, Role
from ledger.db.models_recognition import InvolvementRecord
from ledger.errors import Conflict, NotFound, invalid_field
from ledger.involvement.access import ensure_role
from ledger.involvement.membership import ensure_participant_visible
from ledger.involvement.paid import paid_by_record_and_category
from ledger.involvement.watch import counts_as_earnings
from ledger.money import Money
from ledger.organisation import get_organisation
from ledger.recognition.codes import code_hash, new_code
from ledger.recognition.data import (
    RECORD_STYLES,
    InvolvementActivity,
    InvolvementAmounts,
    InvolvementSummary,
    PaidHow,
    RecordOfInvolvement,
    TimeTotal,
)
from ledger.recognition.outcomes import outcomes_for_participant
from ledger.reports.activity_labels import activity_label
from ledger.security.actor import Actor
from ledger.users.settings import WEB_ADDRESS_VARIABLE, configured_web_address

PUBLIC_URL_VARIABLE = WEB_ADDRESS_VARIABLE  # the same public address as sign-in links

#: What the activity asks of people, when the record's own role is the ordinary "member".
ACTIVITY_ROLES = {
    "interview_panel": "Interview panel member",
    "co_facilitation": "Co-facilitator",
    "document_review": "Reviewer",
}
RECORD_ROLES = {"member": "Member", "chair": "Chair"}
_TRAINING = re.compile(r"\btrain(ing|ed)?\b|\bco-training\b", re.IGNORECASE)


def role_label(record_role: str | None, activity_key: str) -> str:
    """THE role rule for records of involvement: a named role on the record (chair) wins; otherwise the
    activity says it (interview panel member, co-facilitator, reviewer); otherwise "Member"."""
    role = (record_role or "member").strip().lower()
    if role != "member":
        return RECORD_ROLES.get(role, role.replace("_", " ").capitalize())
    return ACTIVITY_ROLES.get(activity_key, "Member")


def is_training(activity_key: str, label: str, description: str | None) -> bool:
    """Training (given or received): the activity's type, its label or its description says so."""
    return any(_TRAINING.search(text or "") for text in (activity_key.replace("_", " "), label, description))


def check_address(code: str) -> str:
    """Where a reader checks a code: ``LEDGER_WEB_ADDRESS`` + ``/verify/CODE`` (just the path when unset: a
    made-up local address on paper would send readers nowhere)."""
    return f"{configured_web_address() or ''}/verify/{code}"


def _check_style(style: str | None, participant: Participant) -> str:
    chosen = style or participant.statement_style or "standard"
    if chosen not in RECORD_STYLES:
        raise invalid_field("style", f"{chosen!r} is not a style; use one of: {', '.join(RECORD_STYLES)}")
    return chosen


def _fee_time(session: Session, participant_id: int) -> dict[int, tuple[int, bool, int]]:
    """Per record: net minutes on the fee legs, whether the fee was declined, the declined fee (minor)."""
    foregone = Posting.account_kind == AccountKind.PROJECT_FOREGONE.value
    rows = session.execute(
        select(Posting.record_id, func.sum(func.coalesce(Posting.minutes, 0)),
               func.sum(case((foregone, 1), else_=0)), func.sum(case((foregone, Posting.amount_minor), else_=0)))
        .where(Posting.participant_id == participant_id, Posting.category == Category.FEE.value,
               Posting.account_kind.in_([AccountKind.PROJECT_SPEND.value, AccountKind.PROJECT_FOREGONE.value]),
               Posting.record_id.is_not(None))
        .group_by(Posting.record_id)
    )
    return {int(rid): (int(minutes or 0), bool(declined), int(value or 0)) for rid, minutes, declined, value in rows}


def build_record(
    session: Session,
    participant_id: int,
    *,
    style: str | None = None,
    include_amounts: bool = False,
    period_from: date | None = None,
    period_to: date | None = None,
    today: date | None = None,
) -> RecordOfInvolvement:
    """The record of involvement for one person (all their involvement, or within the period given)."""
    today = today or clock.today()
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound(f"there is no participant with id {participant_id}")
    if participant.erased_at is not None:
        raise Conflict(f"participant {participant_id}'s personal details were erased; no record can name them")
    if period_from and period_to and period_from > period_to:
        raise invalid_field("from", "the period starts after it ends; swap the dates")
    chosen = _check_style(style, participant)
    organisation = get_organisation(session)
    time = _fee_time(session, participant.id)
    query = (
        select(Record, Activity, Project)
        .join(Activity, Activity.id == Record.activity_id)
        .join(Project, Project.id == Activity.project_id)
        .where(Record.participant_id == participant.id, Record.status == RecordStatus.APPROVED.value)
        .order_by(Activity.date, Record.id)
    )
    if period_from:
        query = query.where(Activity.date >= period_from)
    if period_to:
        query = query.where(Activity.date <= period_to)
    rows = session.execute(query).all()

    activities: list[InvolvementActivity] = []
    record_how: dict[int, PaidHow] = {}
    declined_minor = 0
    for record, activity, project in rows:
        minutes, declined, declined_value = time.get(record.id, (0, False, 0))
        how: PaidHow = ("declined" if declined else
                        "paid" if counts_as_earnings(record.payment_preference_at_approval) else "organisation")
        record_how[record.id] = how
        declined_minor += declined_value
        label = activity_label(record.rate_card or project.rate_card, activity.activity, activity.date)
        activities.append(InvolvementActivity(
            date=activity.date, project_name=project.name, activity_label=label,
            role_label=role_label(record.role, activity.activity), minutes=minutes, paid_how=how,
            training=is_training(activity.activity, label, activity.description), description=activity.description,
        ))
    outcomes = outcomes_for_participant(session, participant.id, period_from, period_to)
    summary = summarise(activities, participant, organisation.name, today, len(outcomes))
    amounts = None
    if include_amounts:
        amounts = _amounts(session, rows, record_how, declined_minor)
    return RecordOfInvolvement(summary=summary, activities=tuple(activities), outcomes=outcomes, style=chosen,
                               contact=organisation, amounts=amounts)


def summarise(
    activities: list[InvolvementActivity], participant: Participant, organisation_name: str, today: date,
    outcome_count: int,
) -> InvolvementSummary:
    def totals(key: str) -> tuple[TimeTotal, ...]:
        minutes: dict[str, int] = defaultdict(int)
        counts: dict[str, int] = defaultdict(int)
        for item in activities:
            label = str(item.date.year) if key == "year" else getattr(item, key)
            minutes[label] += item.minutes
            counts[label] += 1
        order = sorted(minutes) if key == "year" else sorted(minutes, key=lambda k: (-minutes[k], k))
        return tuple(TimeTotal(label, minutes[label], counts[label]) for label in order)

    def by_how(how: str) -> int:
        return sum(a.minutes for a in activities if a.paid_how == how)

    training = tuple(dict.fromkeys(f"{a.activity_label}: {a.description}" if a.description else a.activity_label
                                   for a in activities if a.training))
    return InvolvementSummary(
        participant_name=participant.preferred_name or participant.name,
        participant_reference=participant.reference, organisation_name=organisation_name, issued_on=today,
        first_date=activities[0].date if activities else None, last_date=activities[-1].date if activities else None,
        activity_count=len(activities), total_minutes=sum(a.minutes for a in activities),
        minutes_paid=by_how("paid"), minutes_paid_to_organisation=by_how("organisation"),
        minutes_declined=by_how("declined"), by_year=totals("year"), by_project=totals("project_name"),
        by_role=totals("role_label"), training=training, outcome_count=outcome_count,
    )


def _amounts(
    session: Session, rows: Sequence[tuple[Record, Activity, Project]], how: dict[int, PaidHow], declined_minor: int
) -> InvolvementAmounts:
    currencies = {r.currency for r, _a, _p in rows if r.currency}
    if len(currencies) > 1:
        raise invalid_field("include_amounts", "these records are in several currencies; ask for a record "
                                               "without amounts, or for a shorter period")
    currency = currencies.pop() if currencies else "GBP"
    paid = paid_by_record_and_category(session, [r.id for r, _a, _p in rows])  # the one "what was paid" rule
    to_them = sum(paid.get(rid, {}).get(Category.FEE.value, 0) for rid, h in how.items() if h == "paid")
    to_organisation = sum(paid.get(rid, {}).get(Category.FEE.value, 0) for rid, h in how.items()
                          if h == "organisation")

    def money(minor: int) -> Decimal:
        return Money.from_minor(minor, currency).amount

    return InvolvementAmounts(currency=currency, paid_to_them=money(to_them),
                              paid_to_organisation=money(to_organisation), declined_value=money(declined_minor))


def ensure_may_issue(session: Session, actor: Actor, participant_id: int, doing: str) -> None:
    """Leads of the person's projects, administrators, and the person themself (a participant token)."""
    ensure_role(actor, Role.LEAD, Role.PARTICIPANT, doing=doing)
    if session.get(Participant, participant_id) is None:
        raise NotFound(f"there is no participant with id {participant_id}")
    ensure_participant_visible(session, actor, participant_id, doing=doing)


def issue_record(
    session: Session,
    actor: Actor,
    participant_id: int,
    *,
    style: str | None = None,
    include_amounts: bool = False,
    period_from: date | None = None,
    period_to: date | None = None,
    today: date | None = None,
) -> RecordOfInvolvement:
    """Build the record, give it a new verification code (its keyed hash stored with the summary) and say
    so in the audit trail. The code is in the returned record only: show it once, it cannot be read back."""
    ensure_may_issue(session, actor, participant_id, "issue records of involvement for")
    record = build_record(session, participant_id, style=style, include_amounts=include_amounts,
                          period_from=period_from, period_to=period_to, today=today)
    code = new_code()
    row = InvolvementRecord(
        participant_id=participant_id, code_hash=code_hash(code), style=record.style, include_amounts=include_amounts,
        summary=record.summary.to_json(), issued_by=actor.name, issued_by_token_id=actor.token_id, check_count=0,
    )
    session.add(row)
    session.flush()
    record_event(session, actor, "involvement_record.issue", "involvement_record", row.id, None,
                 {"participant_id": participant_id, "style": record.style, "include_amounts": include_amounts})
    return replace(record, code=code, check_address=check_address(code), record_id=row.id)


def list_records(session: Session, actor: Actor, participant_id: int) -> list[InvolvementRecord]:
    """The records issued for a person (newest first): when, by whom, withdrawn or not, checks counted."""
    ensure_role(actor, Role.LEAD, Role.PARTICIPANT, Role.AUDITOR, doing="list records of involvement of")
    if session.get(Participant, participant_id) is None:
        raise NotFound(f"there is no participant with id {participant_id}")
    ensure_participant_visible(session, actor, participant_id, doing="list records of involvement of")
    return list(session.scalars(select(InvolvementRecord).where(InvolvementRecord.participant_id == participant_id)
                                .order_by(InvolvementRecord.id.desc())))


def withdraw_record(session: Session, actor: Actor, record_id: int, reason: str) -> InvolvementRecord:
    """Withdraw an issued record: its code then answers "withdrawn" and shows no summary. Cannot be undone."""
    row = session.get(InvolvementRecord, record_id, with_for_update=True)
    if row is None:
        raise NotFound(f"there is no record of involvement with id {record_id}")
    ensure_may_issue(session, actor, row.participant_id, "withdraw records of involvement of")
    words = " ".join(reason.split())
    if not words:
        raise invalid_field("reason", "say why the record is withdrawn (for example: issued by mistake)")
    if row.withdrawn_at is not None:
        raise Conflict(f"record of involvement {record_id} was already withdrawn")
    row.withdrawn_at = clock.now()
    row.withdrawn_by = actor.name
    row.withdrawn_reason = words
    session.flush()
    record_event(session, actor, "involvement_record.withdraw", "involvement_record", row.id, None,
                 {"reason": words})
    return row


ERASED_REASON = "the person's details were erased (end of the retention period)"


def forget_records_of_involvement(session: Session, participant_id: int, tombstone: str) -> int:
    """On erasure (``ledger.involvement.erasure``): every record issued for the person is withdrawn and its
    stored summary no longer names them (the tombstone instead, training descriptions dropped). A check of
    its code then says "withdrawn" and shows nothing. Returns how many records were changed."""
    rows = session.scalars(select(InvolvementRecord).where(InvolvementRecord.participant_id == participant_id)).all()
    for row in rows:
        row.summary = {**row.summary, "participant_name": tombstone, "training": []}
        if row.withdrawn_at is None:
            row.withdrawn_at = clock.now()
            row.withdrawn_by = "erasure"
            row.withdrawn_reason = ERASED_REASON
    session.flush()
    return len(rows)
