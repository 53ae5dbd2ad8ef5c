"""Assemble a participant's statement (``ledger.reports.statement_data.Statement``) from the ledger.

Where each figure comes from, so it can be checked by hand:

* an activity is one approved (or later reversed) record whose activity date is in the period; its
  lines are the record lines fixed at approval, with the rate engine's own explanations;
* ``declined`` means the fee went to the participant's FOREGONE account (they chose not to be paid for
  their time); the value is still shown. ``expenses_declined`` is the expenses on that account (the
  "decline" choice declines the costs too): neither paid nor owed;
* paid / owed, per record AND per category (fee, expense), because the two are paid apart (an
  organisation payee's fee goes in an organisation batch, their own costs in a bank transfer batch):
  what the record made payable (approval and reversal legs) against what of it sits in paid batch lines
  (``ledger.involvement.paid``, the one rule balances and the spend report use too). Nothing left owed
  -> status ``paid``; otherwise ``owed``;
* ``bank_details_needed``: money owed to them that a bank transfer batch would take (``payable_by``,
  the one routing rule) while we hold no confirmed bank details, so it cannot come "in a later payment";
* payments are the participant's paid batch lines whose paid date is in the period (a returned payment
  was never received, so it is not listed; the amount shows as owed again);
* totals per tax year always; per week (Monday to Sunday) only when they asked us to watch a weekly limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, selectinload

from ledger import clock
from ledger.db.models import (
    AccountKind,
    Activity,
    Batch,
    BatchItem,
    BatchLine,
    BatchLineStatus,
    BatchMethod,
    Category,
    EntryKind,
    JournalEntry,
    Participant,
    Posting,
    Project,
    Record,
    RecordStatus,
    WatchLimit,
)
from ledger.db.models_recognition import Outcome
from ledger.errors import NotFound, invalid_field
from ledger.involvement.paid import paid_by_record_and_category
from ledger.involvement.watch import counts_as_earnings, limit_in_force
from ledger.money import Money
from ledger.organisation import Organisation, get_organisation
from ledger.payments.batches import OWED_ENTRY_KINDS, payable_by
from ledger.payments.payee_seal import seal_matches
from ledger.rates.registry import default_registry
from ledger.rates.taxyear import resolve_period, tax_year_end, tax_year_label, tax_year_start, week_end, week_start
from ledger.recognition.data import OutcomeItem
from ledger.recognition.outcomes import _rows as outcome_rows
from ledger.recognition.outcomes import outcomes_for_participant
from ledger.reports.activity_labels import activity_label
from ledger.reports.statement_data import (
    METHOD_LABELS,
    STATEMENT_STYLES,
    PeriodTotal,
    Statement,
    StatementActivity,
    StatementLine,
    StatementPayment,
    StatementStyle,
    WatchLimitInfo,
)


def card_source(rate_card: str, versions: Sequence[date | None]) -> str:
    """One line per rate card with every version used: "NIHR-style rates, versions from 31 August 2022 and
    16 December 2025: <source>" (dates in words; one line per card keeps a statement short)."""
    registry = default_registry()
    dated = sorted({v for v in versions if v is not None})
    since = ""
    if dated:
        words = " and ".join(f"{v.day} {v:%B %Y}" for v in dated)
        since = f", version{'s' if len(dated) > 1 else ''} from {words}"
    if rate_card in registry:
        card = registry.get(rate_card)
        return f"{card.name}{since}: {card.source}"
    return f"Rate card {rate_card}{since}"


def _money(minor: int, currency: str) -> Decimal:
    return Money.from_minor(int(minor), currency).amount


def _check_style(style: str | None, participant: Participant) -> StatementStyle:
    chosen = style or participant.statement_style or "standard"
    if chosen not in STATEMENT_STYLES:
        raise invalid_field("style", f"{chosen!r} is not a statement style; use one of: {', '.join(STATEMENT_STYLES)}")
    return chosen  # type: ignore[return-value]


def build_statement(
    session: Session,
    participant_id: int,
    period_from: date | None = None,
    period_to: date | None = None,
    style: str | None = None,
    *,
    today: date | None = None,
) -> Statement:
    """The statement for one participant and period (default: the current UK tax year)."""
    today = today or clock.today()
    participant = session.scalar(
        select(Participant).where(Participant.id == participant_id).options(selectinload(Participant.watch_limits))
    )
    if participant is None:
        raise NotFound(f"there is no participant with id {participant_id}")
    period_from, period_to = resolve_period(period_from, period_to, today)  # one rule with spend reports
    chosen_style = _check_style(style, participant)
    organisation = get_organisation(session)  # before any work: a missing contact stops the statement

    records = session.scalars(
        select(Record)
        .join(Activity, Activity.id == Record.activity_id)
        .where(
            Record.participant_id == participant.id,
            Record.status.in_([RecordStatus.APPROVED.value, RecordStatus.REVERSED.value]),
            Activity.date >= period_from,
            Activity.date <= period_to,
        )
        .options(selectinload(Record.lines), selectinload(Record.activity).selectinload(Activity.project))
        .order_by(Activity.date, Record.id)
    ).all()
    currency = _currency(records, participant)
    return _assemble(
        participant, records, _record_money(session, [r.id for r in records]), chosen_style, organisation,
        period_from, period_to, today, currency,
        bank_details_needed=_bank_details_needed(session, participant),
        payments=_payments(session, participant.id, period_from, period_to, currency),
        outcomes=outcomes_for_participant(session, participant.id, period_from, period_to),  # recognition
    )


def build_statements(
    session: Session,
    participant_ids: Sequence[int],
    period_from: date | None = None,
    period_to: date | None = None,
    style: str | None = None,
    *,
    today: date | None = None,
) -> list[Statement]:
    """The statements of many participants (in the order given), each the same as :func:`build_statement`
    makes, from a few queries for all of them instead of several for each.

    Why: ``ledger statements --all`` for a region is tens of thousands of statements; one person's data is
    seven queries (person, records, their lines and activities, money, bank details, payments, outcomes),
    so the queries cost more than the documents. Here each of those is one query per 500 people (the
    lists of ids stay within every database's limit on bound values), and the figures are worked out by
    the same code (:func:`_assemble`). ``tests/reports/test_statements_many.py`` compares the two on a
    generated ledger, on SQLite and PostgreSQL.
    """
    today = today or clock.today()
    period_from, period_to = resolve_period(period_from, period_to, today)
    organisation = get_organisation(session)
    ids = list(participant_ids)
    statements: list[Statement] = []
    for start in range(0, len(ids), _MANY):
        statements.extend(_build_chunk(session, ids[start : start + _MANY], period_from, period_to, style, today,
                                       organisation))
    return statements


_MANY = 500


def _build_chunk(
    session: Session, ids: list[int], period_from: date, period_to: date, style: str | None, today: date,
    organisation: Organisation,
) -> list[Statement]:
    people = {
        p.id: p
        for p in session.scalars(
            select(Participant).where(Participant.id.in_(ids)).options(selectinload(Participant.watch_limits))
        )
    }
    for pid in ids:
        if pid not in people:
            raise NotFound(f"there is no participant with id {pid}")
    styles = {pid: _check_style(style, people[pid]) for pid in ids}
    records: dict[int, list[Record]] = defaultdict(list)
    for record in session.scalars(
        select(Record)
        .join(Activity, Activity.id == Record.activity_id)
        .where(
            Record.participant_id.in_(ids),
            Record.status.in_([RecordStatus.APPROVED.value, RecordStatus.REVERSED.value]),
            Activity.date >= period_from,
            Activity.date <= period_to,
        )
        .options(selectinload(Record.lines), selectinload(Record.activity).selectinload(Activity.project))
        .order_by(Record.participant_id, Activity.date, Record.id)
    ):
        records[record.participant_id].append(record)
    currencies = {pid: _currency(records[pid], people[pid]) for pid in ids}
    money_state = _record_money(session, [r.id for pid in ids for r in records[pid]])
    waiting = _bank_details_needed_many(session, [people[pid] for pid in ids])
    payments = _payments_many(session, ids, period_from, period_to, currencies)
    outcomes = _outcomes_many(session, ids, period_from, period_to)
    return [
        _assemble(people[pid], records[pid], money_state, styles[pid], organisation, period_from, period_to, today,
                  currencies[pid], bank_details_needed=pid in waiting, payments=payments.get(pid, ()),
                  outcomes=outcomes.get(pid, ()))
        for pid in ids
    ]


def _assemble(
    participant: Participant,
    records: Sequence[Record],
    money_state: dict[int, _RecordMoney],
    chosen_style: StatementStyle,
    organisation: Organisation,
    period_from: date,
    period_to: date,
    today: date,
    currency: str,
    *,
    bank_details_needed: bool,
    payments: tuple[StatementPayment, ...],
    outcomes: tuple[OutcomeItem, ...],
) -> Statement:
    """One statement from what was read for it (the same figures whether read for one person or many)."""
    activities: list[StatementActivity] = []
    sources: dict[str, dict[date | None, None]] = {}
    for record in records:
        act = record.activity
        project: Project = act.project
        if record.rate_card:
            sources.setdefault(record.rate_card, {})[record.version_from] = None
        lines = tuple(
            StatementLine(kind=line.kind, explanation=line.explanation,
                          amount=_money(line.amount_minor, currency), is_fee=line.category == Category.FEE,
                          minutes=line.minutes, quantity=line.quantity)
            for line in record.lines
        )
        fees = _money(record.fees_minor or 0, currency)
        expenses = _money(record.expenses_minor or 0, currency)
        state = money_state.get(record.id, _RecordMoney())
        declined = state.fee_declined
        fees_paid = min(_money(state.paid_fee, currency), fees)
        expenses_declined = _money(state.declined_expenses, currency)
        expenses_paid = min(_money(state.paid_expense, currency), expenses - expenses_declined)
        owed = (fees - fees_paid if not declined else 0) + (expenses - expenses_declined - expenses_paid)
        if record.status == RecordStatus.REVERSED:
            status = "reversed"
        elif owed > 0:
            status = "owed"
        elif fees_paid > 0 or expenses_paid > 0:
            status = "paid"
        elif declined:
            status = "declined"
        else:
            status = "owed"  # nothing to pay and nothing paid: as before, never "paid"
        minutes = sum(line.minutes or 0 for line in record.lines if line.category == Category.FEE)
        activities.append(StatementActivity(
            date=act.date, project_name=project.name,
            activity_label=activity_label(record.rate_card, act.activity, act.date),
            role=record.role, mode=act.mode, minutes=minutes, lines=lines, fees=fees, expenses=expenses,
            declined=declined, status=status,  # type: ignore[arg-type]
            own_earnings=counts_as_earnings(record.payment_preference_at_approval),
            fees_paid=fees_paid if not declined else Decimal(0), expenses_paid=expenses_paid,
            expenses_declined=expenses_declined,
        ))

    # Each limit as it stands at the end of the period (a named limit's amount is dated data).
    in_force = [(limit, limit_in_force(limit, period_to)) for limit in participant.watch_limits]
    limits = tuple(
        WatchLimitInfo(period=found.period, amount=found.amount, label=limit.label)  # type: ignore[arg-type]
        for limit, found in in_force
        if found is not None and found.currency == currency
    )
    return Statement(
        participant_reference=participant.reference,
        participant_name=participant.preferred_name or participant.name,
        fees_paid_to=(participant.organisation_name or "").strip() or None,
        bank_details_needed=bank_details_needed,
        organisation_name=organisation.name,
        period_from=period_from,
        period_to=period_to,
        currency=currency,
        style=chosen_style,
        rate_card_sources=tuple(card_source(card, list(versions)) for card, versions in sources.items()),
        activities=tuple(activities),
        payments=payments,
        tax_years=_totals(activities, participant.watch_limits, "tax_year", currency, period_to),
        weeks=(_totals(activities, participant.watch_limits, "week", currency, period_to)
               if any(lim.period == "week" for lim in limits) else ()),
        watch_limits=limits,
        generated_on=today,
        contact=organisation,
        outcomes=outcomes,
    )


def _currency(records: Sequence[Record], participant: Participant) -> str:
    found = {r.currency for r in records if r.currency}
    if len(found) > 1:
        raise invalid_field("from", f"this period has records in several currencies ({', '.join(sorted(found))}); "
                                    "ask for a shorter period")
    if found:
        return found.pop()
    return next((lim.currency for lim in participant.watch_limits), "GBP")


class _RecordMoney:
    """One record's money per category, in minor units: made payable, paid, declined."""

    __slots__ = ("declined_expenses", "fee_declined", "paid_expense", "paid_fee")

    def __init__(self, paid_fee: int = 0, paid_expense: int = 0, declined_expenses: int = 0,
                 fee_declined: bool = False) -> None:
        self.paid_fee = paid_fee
        self.paid_expense = paid_expense
        self.declined_expenses = declined_expenses
        self.fee_declined = fee_declined


def _record_money(session: Session, record_ids: list[int]) -> dict[int, _RecordMoney]:
    """Per record and category, in SQL: what of the money it made payable is paid, and what was declined.

    Declined comes from the declined (FOREGONE) postings themselves, per category: approval
    (``approval_legs``) puts a decliner's fee AND expenses there, an "expenses only" person's fee only.
    Paid is the one rule in ``ledger.involvement.paid``, per category (a fee can be paid while the
    costs wait)."""
    if not record_ids:
        return {}
    foregone = Posting.account_kind == AccountKind.PARTICIPANT_FOREGONE
    fee = Posting.category == Category.FEE.value
    declined_fee = func.sum(case((foregone & fee, 1), else_=0))
    declined_expenses = func.sum(case((foregone & ~fee, -Posting.amount_minor), else_=0))
    paid = paid_by_record_and_category(session, record_ids)  # the one "what was paid" rule
    result: dict[int, _RecordMoney] = {}
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        rows = session.execute(
            select(Posting.record_id, declined_fee, declined_expenses)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(Posting.record_id.in_(chunk), JournalEntry.kind != EntryKind.PAYMENT.value)
            .group_by(Posting.record_id)
        )
        for record_id, fee_count, expenses_minor in rows:
            by_category = paid.get(int(record_id), {})
            result[int(record_id)] = _RecordMoney(
                paid_fee=by_category.get(Category.FEE.value, 0),
                paid_expense=by_category.get(Category.EXPENSE.value, 0),
                declined_expenses=int(expenses_minor or 0), fee_declined=bool(fee_count),
            )
    return result


def has_confirmed_bank_details(participant: Participant) -> bool:
    """Whether we hold bank details a transfer could use: the participant row holds only confirmed ones,
    and a batch leaves out details whose seal does not match (changed outside the ledger)."""
    return bool(participant.bank_sort_code and participant.bank_account_number
                and (participant.bank_account_name or "").strip() and seal_matches(participant))


def _bank_details_needed(session: Session, participant: Participant) -> bool:
    """True when money owed to them waits for a bank transfer batch (``payable_by``, the one routing rule)
    and we have no confirmed bank details, so no batch will ever take it until they give them."""
    if has_confirmed_bank_details(participant):
        return False
    waiting = session.scalar(
        select(func.coalesce(func.sum(-Posting.amount_minor), 0))
        .select_from(Posting)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(Participant, Participant.id == Posting.participant_id)
        .where(
            Posting.participant_id == participant.id,
            Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE.value,
            JournalEntry.kind.in_([k.value for k in OWED_ENTRY_KINDS]),
            ~exists().where(BatchItem.posting_id == Posting.id),
            payable_by(BatchMethod.BANK_TRANSFER),
        )
    )
    return int(waiting or 0) > 0


def _payments(
    session: Session, participant_id: int, start: date, end: date, currency: str
) -> tuple[StatementPayment, ...]:
    rows = session.execute(
        select(BatchLine, Batch)
        .join(Batch, Batch.id == BatchLine.batch_id)
        .where(
            BatchLine.participant_id == participant_id,
            BatchLine.status == BatchLineStatus.PAID.value,
            Batch.paid_on >= start,
            Batch.paid_on <= end,
            Batch.currency == currency,
        )
        .order_by(Batch.paid_on, BatchLine.id)
    ).all()
    return tuple(
        StatementPayment(
            date=batch.paid_on, method_label=METHOD_LABELS.get(batch.method, batch.method),
            reference=line.payment_reference, fees=_money(line.fees_minor, currency),
            expenses=_money(line.expenses_minor, currency), total=_money(line.amount_minor, currency),
        )
        for line, batch in rows
        if batch.paid_on is not None
    )


def _bank_details_needed_many(session: Session, people: Sequence[Participant]) -> set[int]:
    """:func:`_bank_details_needed` for many people in one query: the ids whose owed money waits for bank
    details."""
    asking = [p.id for p in people if not has_confirmed_bank_details(p)]
    if not asking:
        return set()
    waiting = func.coalesce(func.sum(-Posting.amount_minor), 0)
    rows = session.execute(
        select(Posting.participant_id, waiting)
        .select_from(Posting)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(Participant, Participant.id == Posting.participant_id)
        .where(
            Posting.participant_id.in_(asking),
            Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE.value,
            JournalEntry.kind.in_([k.value for k in OWED_ENTRY_KINDS]),
            ~exists().where(BatchItem.posting_id == Posting.id),
            payable_by(BatchMethod.BANK_TRANSFER),
        )
        .group_by(Posting.participant_id)
    )
    return {int(pid) for pid, total in rows if pid is not None and int(total or 0) > 0}


def _payments_many(
    session: Session, ids: list[int], start: date, end: date, currencies: dict[int, str]
) -> dict[int, tuple[StatementPayment, ...]]:
    """:func:`_payments` for many people in one query (each keeps the payments in their statement's currency)."""
    rows = session.execute(
        select(BatchLine, Batch)
        .join(Batch, Batch.id == BatchLine.batch_id)
        .where(
            BatchLine.participant_id.in_(ids),
            BatchLine.status == BatchLineStatus.PAID.value,
            Batch.paid_on >= start,
            Batch.paid_on <= end,
        )
        .order_by(BatchLine.participant_id, Batch.paid_on, BatchLine.id)
    ).all()
    found: dict[int, list[StatementPayment]] = defaultdict(list)
    for line, batch in rows:
        currency = currencies[line.participant_id]
        if batch.paid_on is None or batch.currency != currency:
            continue
        found[line.participant_id].append(StatementPayment(
            date=batch.paid_on, method_label=METHOD_LABELS.get(batch.method, batch.method),
            reference=line.payment_reference, fees=_money(line.fees_minor, currency),
            expenses=_money(line.expenses_minor, currency), total=_money(line.amount_minor, currency),
        ))
    return {pid: tuple(payments) for pid, payments in found.items()}


def _outcomes_many(
    session: Session, ids: list[int], period_from: date, period_to: date
) -> dict[int, tuple[OutcomeItem, ...]]:
    """``outcomes_for_participant`` for many people in three queries: who may see which outcome (the same
    rule: an activity's outcome for those with an approved record of it, dated by the activity; a whole
    project's for those with an approved record in it on or before the outcome's date, dated by the
    outcome), then the outcomes themselves, oldest first."""
    approved = Record.status == RecordStatus.APPROVED.value
    of_activity = session.execute(
        select(Record.participant_id, Outcome.id)
        .join(Record, Record.activity_id == Outcome.activity_id)
        .join(Activity, Activity.id == Outcome.activity_id)
        .where(Record.participant_id.in_(ids), approved, Activity.date >= period_from, Activity.date <= period_to)
    ).all()
    project_activity = Activity.__table__.alias("project_activity")
    of_project = session.execute(
        select(Record.participant_id, Outcome.id)
        .join(project_activity, and_(project_activity.c.project_id == Outcome.project_id,
                                     project_activity.c.date <= Outcome.outcome_date))
        .join(Record, Record.activity_id == project_activity.c.id)
        .where(Outcome.activity_id.is_(None), Record.participant_id.in_(ids), approved,
               Outcome.outcome_date >= period_from, Outcome.outcome_date <= period_to)
    ).all()
    seen: dict[int, set[int]] = defaultdict(set)
    for pid, outcome_id in (*of_activity, *of_project):
        seen[int(pid)].add(int(outcome_id))
    wanted = sorted({outcome_id for outcome_ids in seen.values() for outcome_id in outcome_ids})
    items: list[OutcomeItem] = []
    for start in range(0, len(wanted), _MANY):
        items.extend(outcome_rows(session, Outcome.id.in_(wanted[start : start + _MANY])))
    items.sort(key=lambda item: (item.outcome_date, item.id))  # the order outcomes_for_participant gives
    return {pid: tuple(item for item in items if item.id in outcome_ids) for pid, outcome_ids in seen.items()}


def _totals(
    activities: list[StatementActivity], watch_limits: Sequence[WatchLimit], period: str, currency: str,
    statement_end: date,
) -> tuple[PeriodTotal, ...]:
    """Per tax year or per week: the fees that are the person's own earnings (the one watch-limit rule,
    ``counts_as_earnings``: what quotes and approvals warn on), fees paid to an organisation for them,
    expenses paid back or to be (not declined ones), declined value of time and declined costs, with the
    limit in force in that period beside them."""
    zero = Money.zero(currency).amount
    fees: dict[date, Decimal] = defaultdict(lambda: zero)
    to_organisation: dict[date, Decimal] = defaultdict(lambda: zero)
    expenses: dict[date, Decimal] = defaultdict(lambda: zero)
    declined: dict[date, Decimal] = defaultdict(lambda: zero)
    declined_expenses: dict[date, Decimal] = defaultdict(lambda: zero)
    for activity in activities:
        if not activity.counted:
            continue
        key = tax_year_start(activity.date) if period == "tax_year" else week_start(activity.date)
        if activity.declined:
            declined[key] += activity.fees
        elif activity.own_earnings:
            fees[key] += activity.fees
        else:
            to_organisation[key] += activity.fees
        expenses[key] += activity.expenses - activity.expenses_declined  # costs paid back or to be
        declined_expenses[key] += activity.expenses_declined
        fees[key] += zero
    watched = [limit for limit in watch_limits if limit.period == period]
    totals = []
    for key in sorted(fees):
        if period == "tax_year":
            label = f"Tax year {tax_year_label(key)}"
            last_day = tax_year_end(key)
        else:
            label = f"Week {key.day} {key:%B %Y} to {week_end(key).day} {week_end(key):%B %Y}"
            last_day = week_end(key)
        found = next((f for f in (limit_in_force(lim, min(last_day, statement_end)) for lim in watched)
                      if f is not None and f.currency == currency), None)
        totals.append(PeriodTotal(label=label, fees=fees[key], expenses=expenses[key], declined=declined[key],
                                  limit=found.amount if found else None, limit_label=found.label if found else None,
                                  paid_to_organisation=to_organisation[key],
                                  declined_expenses=declined_expenses[key]))
    return tuple(totals)


def statement_json(statement: Statement) -> bytes:
    """The statement as JSON: the same data as the PDF, money as strings, plus the summary figures."""
    document: dict[str, Any] = msgspec.to_builtins(statement)
    document["summary"] = msgspec.to_builtins(statement.summary)
    return msgspec.json.encode(document)
