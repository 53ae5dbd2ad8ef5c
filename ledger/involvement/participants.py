"""Participants: the people paid for involvement, how they want to be paid, and what to warn them about.

Bank details are kept only because the bank file needs them. Everything that leaves this module for a
person (responses, audit events) carries them masked (``mask_bank``), so an account number can never be
read back through the API, the audit trail or a log line.

How a person is paid (payment choice, bank details, organisation) never changes here directly: a create
or a change that touches it records a pending change (``ledger.involvement.payee_changes``) that a
second person must confirm. The participant row always holds the last confirmed details. Other fields
(name, contact, watch limits, statement style) change at once.

A lead limited to some projects reads and changes only people who belong to those projects
(``ledger.involvement.membership``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemySyncRepository
from msgspec import UNSET
from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from ledger import clock
from ledger.audit import record_event
from ledger.banknames import check_account_name
from ledger.db.models import Participant, ParticipantProject, PayeeChange, PaymentPreference, Role
from ledger.email_address import PROBLEM as EMAIL_PROBLEM
from ledger.email_address import usable_address
from ledger.errors import Conflict, FieldProblem, Invalid, NotFound
from ledger.involvement.access import ensure_role
from ledger.involvement.membership import (
    ensure_participant_visible,
    ensure_projects_for_new_participant,
    visible_participants,
)
from ledger.involvement.payee_changes import PayeeDetails, lock_participant, pending_for, propose, same_person
from ledger.involvement.schemas import (
    BankIn,
    BankOut,
    OrganisationIn,
    OrganisationOut,
    ParticipantCreate,
    ParticipantOut,
    ParticipantUpdate,
    PendingPayeeChangeOut,
    WatchLimitIn,
)
from ledger.involvement.watch_limits import WatchLimitSpec, check_watch_limits, watch_limit_out, watch_limit_snapshot
from ledger.messages.contact import contact_problems
from ledger.security.actor import Actor
from ledger.security.masking import mask_bank

NEEDS_BANK = (PaymentPreference.BANK_TRANSFER, PaymentPreference.EXPENSES_ONLY)
_SEPARATORS = re.compile(r"[\s-]")
MAX_TEXT = {"name": 200, "preferred_name": 200, "email": 320, "phone": 40}


class ParticipantRepository(SQLAlchemySyncRepository[Participant]):
    model_type = Participant


@dataclass(frozen=True)
class ParticipantPage:
    items: list[Participant]
    total: int


@dataclass
class _Desired:
    """The participant as it should be after a create or patch, before it is checked and written."""

    name: str
    preferred_name: str | None
    email: str | None
    phone: str | None
    payment_preference: str
    bank: BankIn | None
    organisation: OrganisationIn | None
    watch_limits: list[WatchLimitIn] | None  # None: keep the stored ones
    statement_style: str
    contact_preference: str = "email"
    postal_address: str | None = None
    # False when a change leaves the payee details alone: a person whose bank details await confirmation
    # must still be able to have their name corrected.
    check_payee: bool = True


# ----------------------------------------------------------------------------------------- checks


def normalise_sort_code(raw: str) -> str | None:
    digits = _SEPARATORS.sub("", raw)
    # ASCII only: str.isdigit() also takes "١٢٣٤٥٦" (Arabic-Indic) and "²", which no bank file can carry.
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else None


def normalise_account_number(raw: str) -> str | None:
    digits = _SEPARATORS.sub("", raw)
    return digits if len(digits) == 8 and digits.isascii() and digits.isdigit() else None


def _check(want: _Desired) -> tuple[tuple[str, str, str] | None, list[WatchLimitSpec] | None]:
    """Every rule at once; returns the normalised bank details and watch limits (amounts in pence)."""
    problems: list[FieldProblem] = []
    if not want.name.strip():
        problems.append(FieldProblem("name", "must not be empty"))
    for field_name, longest in MAX_TEXT.items():
        value = getattr(want, field_name)
        if value is not None and len(value) > longest:
            problems.append(FieldProblem(field_name, f"must be at most {longest} characters"))
    if want.email is not None and want.email.strip() and not usable_address(want.email.strip()):
        problems.append(FieldProblem("email", EMAIL_PROBLEM))
    problems.extend(contact_problems(want.contact_preference, want.email, want.postal_address))
    preference = PaymentPreference(want.payment_preference)
    bank: tuple[str, str, str] | None = None
    if want.bank is None:
        if preference in NEEDS_BANK and want.check_payee:
            why = "to pay by bank transfer" if preference == PaymentPreference.BANK_TRANSFER else (
                "because expenses are paid back by bank transfer")
            problems.append(FieldProblem("bank", f"bank details are needed {why}"))
    else:
        sort_code = normalise_sort_code(want.bank.sort_code)
        account = normalise_account_number(want.bank.account_number)
        if not want.bank.account_name.strip():
            problems.append(FieldProblem("bank.account_name", "the name on the account is needed"))
        elif len(want.bank.account_name) > 200:
            problems.append(FieldProblem("bank.account_name", "must be at most 200 characters"))
        elif (name_check := check_account_name(want.bank.account_name)).problem:  # the bank file's letters (P3)
            problems.append(FieldProblem("bank.account_name", name_check.problem))
        if sort_code is None:
            problems.append(FieldProblem("bank.sort_code", "must be 6 digits, such as 12-34-56"))
        if account is None:
            problems.append(FieldProblem("bank.account_number", "must be 8 digits"))
        if sort_code and account:
            bank = (want.bank.account_name.strip(), sort_code, account)
    if preference == PaymentPreference.ORGANISATION and want.check_payee:
        if want.organisation is None:
            problems.append(FieldProblem("organisation", "say which organisation should be paid (its name)"))
        elif not want.organisation.name.strip():
            problems.append(FieldProblem("organisation.name", "must not be empty"))
    if want.organisation is not None and len(want.organisation.name) > 200:
        problems.append(FieldProblem("organisation.name", "must be at most 200 characters"))
    if want.organisation is not None and want.organisation.reference and len(want.organisation.reference) > 100:
        problems.append(FieldProblem("organisation.reference", "must be at most 100 characters"))
    limits: list[WatchLimitSpec] | None = None
    if want.watch_limits is not None:  # the rules live in ledger.involvement.watch_limits (P7)
        limits, limit_problems = check_watch_limits(want.watch_limits)
        problems.extend(limit_problems)
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
    return bank, limits


def _apply(session: Session, participant: Participant, want: _Desired) -> PayeeDetails:
    """Check everything, write the fields that change at once, and return the payee details wanted.

    The payee details (payment choice, bank, organisation) are not written: the caller proposes them.
    """
    bank, limits = _check(want)
    participant.name = want.name.strip()
    participant.preferred_name = _blank_to_none(want.preferred_name)
    participant.email = _blank_to_none(want.email)
    participant.phone = _blank_to_none(want.phone)
    participant.statement_style = want.statement_style
    participant.contact_preference = want.contact_preference
    participant.postal_address = _blank_to_none(want.postal_address)
    bank_name, sort_code, account = bank if bank is not None else (None, None, None)
    org = want.organisation
    if limits is not None:
        participant.watch_limits = [spec.row() for spec in limits]
    return PayeeDetails(
        payment_preference=want.payment_preference,
        bank_account_name=bank_name,
        bank_sort_code=sort_code,
        bank_account_number=account,
        organisation_name=org.name.strip() if org is not None else None,
        organisation_reference=_blank_to_none(org.reference) if org is not None else None,
    )


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


# -------------------------------------------------------------------------------------- services


def create_participant(session: Session, actor: Actor, data: ParticipantCreate) -> Participant:
    """Add a participant with a generated reference (P-0001) and audit it (bank details masked).

    The payment choice is set at once (there is no earlier one to protect), but bank details and a payee
    organisation are a pending change like any other: a made-up person with someone else's account is
    exactly what a second person must catch. Until it is confirmed the person is owed money but left out
    of bank and organisation batches. A lead limited to some projects must name one of them
    (``projects``), so the new person belongs to it.
    """
    ensure_role(actor, Role.LEAD, doing="add participants")
    projects = ensure_projects_for_new_participant(session, actor, list(data.projects))
    participant = Participant(reference=f"new-{secrets.token_hex(6)}", watch_limits=[])
    wanted = _apply(session, participant, _Desired(
        name=data.name, preferred_name=data.preferred_name, email=data.email, phone=data.phone,
        payment_preference=data.payment_preference, bank=data.bank, organisation=data.organisation,
        watch_limits=data.watch_limits, statement_style=data.statement_style,
        contact_preference=data.contact_preference, postal_address=data.postal_address,
    ))
    PayeeDetails(payment_preference=wanted.payment_preference).write_to(participant)
    session.add(participant)
    session.flush()
    participant.reference = f"P-{participant.id:04d}"
    for project_id in projects:
        session.add(ParticipantProject(participant_id=participant.id, project_id=project_id, added_by=actor.name))
    session.flush()
    record_event(session, actor, "participant.create", "participant", participant.id, None,
                 {**snapshot(participant), "projects": projects})
    propose(session, actor, participant, wanted)
    return participant


def get_participant(session: Session, actor: Actor, participant_id: int) -> Participant:
    """One participant; a participant token may read only its own."""
    ensure_role(actor, Role.LEAD, Role.AUDITOR, Role.PARTICIPANT, doing="read participants")
    actor.ensure_participant(participant_id)
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound(f"There is no participant with id {participant_id}.")
    ensure_participant_visible(session, actor, participant_id, doing="read")
    return participant


def list_participants(
    session: Session,
    actor: Actor,
    *,
    limit: int,
    offset: int,
    payment_preference: str | None = None,
    search: str | None = None,
) -> ParticipantPage:
    """Participants by id, filtered by payment preference and by a name or reference search.

    A lead limited to some projects sees only the people who belong to them; a participant only itself.
    """
    ensure_role(actor, Role.LEAD, Role.AUDITOR, Role.PARTICIPANT, doing="read participants")
    filters: list[ColumnElement[bool]] = []
    visible = visible_participants(actor)
    if visible is not None:
        filters.append(visible)
    if payment_preference is not None:
        filters.append(Participant.payment_preference == payment_preference)
    if search is not None and search.strip():
        pattern = f"%{_escape_like(search.strip().lower())}%"
        filters.append(or_(
            Participant.name.ilike(pattern, escape="\\"),
            Participant.preferred_name.ilike(pattern, escape="\\"),
            Participant.reference.ilike(pattern, escape="\\"),
        ))
    repo = ParticipantRepository(session=session, auto_commit=False)
    items, total = repo.get_many_and_count(
        *filters, LimitOffset(limit=limit, offset=offset), OrderBy(field_name="id", sort_order="asc")
    )
    return ParticipantPage(items=list(items), total=total)


def update_participant(session: Session, actor: Actor, participant_id: int, data: ParticipantUpdate) -> Participant:
    """Change only the fields sent; the result must still satisfy every rule. Audited before and after.

    A change of payment choice, bank details or organisation does not take effect: it becomes the
    pending payee change (see ``pending_for``), checked against the confirmed details, for a second
    person to confirm. Everything else changes at once.
    """
    ensure_role(actor, Role.LEAD, doing="change participants")
    participant = lock_participant(session, participant_id)  # read after any decision committed meanwhile
    if participant is None:
        raise NotFound(f"There is no participant with id {participant_id}.")
    ensure_participant_visible(session, actor, participant_id, doing="change")
    if participant.erased_at is not None:  # a tombstone stays a tombstone (ledger.involvement.erasure)
        raise Conflict(f"{participant.reference} was erased; their details cannot be changed or added back.")
    before = snapshot(participant)
    # The fields not sent keep their confirmed values, or the values of the caller's own pending change
    # (two edits by one person add up). Never someone else's pending values: confirming them would then
    # look like a second person's check of details they had proposed themselves.
    pending = pending_for(session, participant.id)
    base = (PayeeDetails.proposed(pending) if pending is not None and same_person(pending, actor)
            else PayeeDetails.confirmed(participant))
    stored_bank = (
        BankIn(base.bank_account_name or "", base.bank_sort_code or "", base.bank_account_number or "")
        if base.bank_account_number is not None else None
    )
    stored_org = (
        OrganisationIn(base.organisation_name, base.organisation_reference)
        if base.organisation_name is not None else None
    )
    payee_sent = data.payment_preference is not UNSET or data.bank is not UNSET or data.organisation is not UNSET
    wanted = _apply(session, participant, _Desired(
        name=participant.name if data.name is UNSET else data.name,
        preferred_name=participant.preferred_name if data.preferred_name is UNSET else data.preferred_name,
        email=participant.email if data.email is UNSET else data.email,
        phone=participant.phone if data.phone is UNSET else data.phone,
        payment_preference=(base.payment_preference if data.payment_preference is UNSET
                            else data.payment_preference),
        bank=stored_bank if data.bank is UNSET else data.bank,
        organisation=stored_org if data.organisation is UNSET else data.organisation,
        watch_limits=None if data.watch_limits is UNSET else data.watch_limits,
        statement_style=participant.statement_style if data.statement_style is UNSET else data.statement_style,
        contact_preference=(participant.contact_preference if data.contact_preference is UNSET
                            else data.contact_preference),
        postal_address=participant.postal_address if data.postal_address is UNSET else data.postal_address,
        check_payee=payee_sent,
    ))
    session.flush()
    after = snapshot(participant)
    if after != before:
        record_event(session, actor, "participant.update", "participant", participant.id, before, after)
    if payee_sent:
        propose(session, actor, participant, wanted)
    return participant


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ---------------------------------------------------------------------------------------- output


def pending_out(change: PayeeChange) -> PendingPayeeChangeOut:
    """What a lead sees of a change they made: masked, and plainly not in effect yet."""
    proposed = PayeeDetails.proposed(change)
    return PendingPayeeChangeOut(
        id=change.id,
        status=change.status,
        changed=proposed.changed_fields(PayeeDetails.confirmed(change.participant)),
        proposed=proposed.out(),
        proposed_by=change.proposed_by,
        proposed_at=change.created_at,
        message=("Not in effect yet: payments use the confirmed details until a second person (finance or an "
                 f"administrator, not {change.proposed_by}) confirms this change."),
    )


def participant_with_pending(session: Session, participant: Participant) -> ParticipantOut:
    """``participant_out`` plus the pending payee change, if there is one."""
    return participant_out(participant, pending_for(session, participant.id))


def participant_out(participant: Participant, pending: PayeeChange | None = None) -> ParticipantOut:
    """The participant as the API shows it: bank details masked, always."""
    bank = None
    if participant.bank_account_number is not None:
        sort_code, account = mask_bank(participant.bank_sort_code, participant.bank_account_number)
        bank = BankOut(
            account_name=participant.bank_account_name or "",
            sort_code=sort_code or "",
            account_number=account or "",
        )
    organisation = None
    if participant.organisation_name is not None:
        organisation = OrganisationOut(name=participant.organisation_name,
                                       reference=participant.organisation_reference)
    return ParticipantOut(
        id=participant.id,
        reference=participant.reference,
        name=participant.name,
        preferred_name=participant.preferred_name,
        email=participant.email,
        phone=participant.phone,
        payment_preference=participant.payment_preference,
        bank=bank,
        organisation=organisation,
        watch_limits=[watch_limit_out(w, clock.today()) for w in participant.watch_limits],
        statement_style=participant.statement_style,
        contact_preference=participant.contact_preference,
        postal_address=participant.postal_address,
        created_at=participant.created_at,
        updated_at=participant.updated_at,
        pending_payee_change=pending_out(pending) if pending is not None else None,
    )


def snapshot(participant: Participant) -> dict[str, Any]:
    """What the audit trail keeps about a participant: masked bank details, never the full numbers."""
    sort_code, account = mask_bank(participant.bank_sort_code, participant.bank_account_number)
    return {
        "reference": participant.reference,
        "name": participant.name,
        "preferred_name": participant.preferred_name,
        "email": participant.email,
        "phone": participant.phone,
        "payment_preference": participant.payment_preference,
        "bank_account_name": participant.bank_account_name,
        "bank_sort_code": sort_code,
        "bank_account_number": account,
        "organisation_name": participant.organisation_name,
        "organisation_reference": participant.organisation_reference,
        "statement_style": participant.statement_style,
        "contact_preference": participant.contact_preference,
        "postal_address": participant.postal_address,
        "watch_limits": [watch_limit_snapshot(w) for w in participant.watch_limits],
    }
