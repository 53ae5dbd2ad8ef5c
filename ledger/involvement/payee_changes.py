"""Four eyes on where money goes: a change of payee details waits until a second person confirms it.

Changing a payee's bank details is the most common payment fraud in UK organisations, so a change of
bank details, payee organisation or payment choice never takes effect when it is made. It is kept here
as a *pending* change; the participant row keeps the last confirmed details, and those are all that
approvals and payment batches ever read. A second person with the finance or admin role, not the one
who proposed it, confirms it (it is copied onto the participant) or refuses it (it never takes effect).

* A change always holds the complete payee details proposed (payment choice, bank, organisation), not a
  difference, so what is confirmed is exactly what was shown.
* A newer proposal for the same person supersedes the pending one (never merged into it: otherwise a
  confirmer could end up confirming details they had proposed themselves). The database allows one
  pending change per participant.
* The audit trail names both people and holds the old and new details masked (``**-**-56``,
  ``****5678``, account names reduced to initials), never a full sort code or account number.

These functions are used by the API, the CLI, the demo and a future spreadsheet import alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock import now
from ledger.db.models import Participant, PayeeChange, PayeeChangeStatus, Role
from ledger.errors import Conflict, Forbidden, NotFound, invalid_field
from ledger.involvement.access import ensure_role
from ledger.involvement.schemas import BankOut, OrganisationOut, PayeeChangeOut, PayeeDetailsOut
from ledger.security.actor import Actor
from ledger.security.actor import same_person as same_actor
from ledger.security.masking import mask_bank

CONFIRMERS = (Role.FINANCE,)  # and admin (``ensure_role`` always lets an administrator through)
PROPOSERS = (Role.LEAD, Role.FINANCE)
READERS = (Role.FINANCE, Role.AUDITOR)
MAX_REASON = 1000


@dataclass(frozen=True)
class PayeeDetails:
    """How a person is paid: the part of a participant that only changes with four eyes."""

    payment_preference: str
    bank_account_name: str | None = None
    bank_sort_code: str | None = None
    bank_account_number: str | None = None
    organisation_name: str | None = None
    organisation_reference: str | None = None

    @classmethod
    def confirmed(cls, participant: Participant) -> PayeeDetails:
        """What the participant row holds now: the last confirmed details."""
        return cls._of(participant)

    @classmethod
    def proposed(cls, change: PayeeChange) -> PayeeDetails:
        return cls._of(change)

    @classmethod
    def _of(cls, row: Participant | PayeeChange) -> PayeeDetails:
        return cls(
            payment_preference=row.payment_preference,
            bank_account_name=row.bank_account_name,
            bank_sort_code=row.bank_sort_code,
            bank_account_number=row.bank_account_number,
            organisation_name=row.organisation_name,
            organisation_reference=row.organisation_reference,
        )

    def write_to(self, row: Participant | PayeeChange) -> None:
        row.payment_preference = self.payment_preference
        row.bank_account_name = self.bank_account_name
        row.bank_sort_code = self.bank_sort_code
        row.bank_account_number = self.bank_account_number
        row.organisation_name = self.organisation_name
        row.organisation_reference = self.organisation_reference

    def changed_fields(self, other: PayeeDetails) -> list[str]:
        """Which parts differ, in words a person checks: ``payment_preference``, ``bank``, ``organisation``."""
        changed = []
        if self.payment_preference != other.payment_preference:
            changed.append("payment_preference")
        if (self.bank_account_name, self.bank_sort_code, self.bank_account_number) != (
                other.bank_account_name, other.bank_sort_code, other.bank_account_number):
            changed.append("bank")
        if (self.organisation_name, self.organisation_reference) != (
                other.organisation_name, other.organisation_reference):
            changed.append("organisation")
        return changed

    def masked(self) -> dict[str, Any]:
        """For the audit trail: numbers masked and the account name reduced to initials."""
        sort_code, account = mask_bank(self.bank_sort_code, self.bank_account_number)
        return {
            "payment_preference": self.payment_preference,
            "bank_account_name": mask_account_name(self.bank_account_name),
            "bank_sort_code": sort_code,
            "bank_account_number": account,
            "organisation_name": self.organisation_name,
            "organisation_reference": self.organisation_reference,
        }

    def out(self) -> PayeeDetailsOut:
        """For people (API, CLI): numbers masked, the account name in full so it can be checked."""
        bank = None
        if self.bank_account_number is not None:
            sort_code, account = mask_bank(self.bank_sort_code, self.bank_account_number)
            bank = BankOut(account_name=self.bank_account_name or "", sort_code=sort_code or "",
                           account_number=account or "")
        organisation = None
        if self.organisation_name is not None:
            organisation = OrganisationOut(name=self.organisation_name, reference=self.organisation_reference)
        return PayeeDetailsOut(payment_preference=self.payment_preference, bank=bank, organisation=organisation)


def mask_account_name(name: str | None) -> str | None:
    """``"JO SMITH"`` -> ``"J* S****"``: enough to see that a name changed, not to keep the name."""
    if name is None:
        return None
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


def same_person(change: PayeeChange, actor: Actor) -> bool:
    """Whether ``actor`` is whoever proposed ``change``: same token OR same name (case and spacing ignored).

    A token id alone would let one person confirm their own change with a second token under the same
    name, or through the CLI (``--as``) for a change they proposed over the API. The one rule is
    :func:`ledger.security.actor.same_person`, also used for batch approval.
    """
    return same_actor(change.proposed_by_token_id, change.proposed_by, actor.token_id, actor.name)


# -------------------------------------------------------------------------------------- services


def pending_for(session: Session, participant_id: int) -> PayeeChange | None:
    """The participant's pending change, if any."""
    return session.scalars(select(PayeeChange).where(
        PayeeChange.participant_id == participant_id, PayeeChange.status == PayeeChangeStatus.PENDING)).first()


def pending_by_participant(session: Session, participant_ids: list[int]) -> dict[int, PayeeChange]:
    """Pending changes of many participants in one query (for lists)."""
    if not participant_ids:
        return {}
    rows = session.scalars(select(PayeeChange).where(
        PayeeChange.participant_id.in_(participant_ids), PayeeChange.status == PayeeChangeStatus.PENDING))
    return {row.participant_id: row for row in rows}


def propose(session: Session, actor: Actor, participant: Participant, details: PayeeDetails) -> PayeeChange | None:
    """Record ``details`` as the participant's pending payee change; nothing on the participant changes.

    ``details`` must already be checked (``ledger.involvement.participants`` does it). Returns ``None``
    when they equal the confirmed details: nothing to confirm (a pending change is then withdrawn, as
    the newest wish is to keep what is confirmed). A pending change is superseded by the new one.
    """
    ensure_role(actor, *PROPOSERS, doing="change how someone is paid")
    lock_participant(session, participant.id)
    confirmed = PayeeDetails.confirmed(participant)
    older = pending_for(session, participant.id)
    if details == confirmed:
        if older is not None:
            _close(session, actor, older, PayeeChangeStatus.SUPERSEDED,
                   "withdrawn: the details were set back to the confirmed ones")
        return None
    if older is not None and PayeeDetails.proposed(older) == details and same_person(older, actor):
        return older  # the same proposal sent again (a retry): keep it
    if older is not None:
        _close(session, actor, older, PayeeChangeStatus.SUPERSEDED, "replaced by a newer proposed change")
    change = PayeeChange(participant_id=participant.id, status=PayeeChangeStatus.PENDING,
                         proposed_by=actor.name, proposed_by_token_id=actor.token_id)
    details.write_to(change)
    session.add(change)
    session.flush()
    record_event(session, actor, "payee_change.propose", "payee_change", change.id, confirmed.masked(), {
        **details.masked(),
        "participant_id": participant.id,
        "participant_reference": participant.reference,
        "changed": details.changed_fields(confirmed),
        "proposed_by": actor.name,
        "supersedes": older.id if older is not None else None,
    })
    return change


def confirm(session: Session, actor: Actor, change_id: int) -> PayeeChange:
    """A second person confirms a pending change: the participant is paid with it from now on.

    Writing the details onto the participant also writes their keyed seal (``participants.payee_fingerprint``,
    by the hook in ``ledger.db.models`` calling ``ledger.payments.payee_seal``), the only way details become
    payable again after someone changed them outside the ledger.
    """
    ensure_role(actor, *CONFIRMERS, doing="confirm a change of payee details")
    change = _load_pending(session, change_id, doing="confirmed")
    if same_person(change, actor):
        raise Forbidden(
            "You proposed this change of payee details, so you cannot confirm it yourself. "
            "Another person with the finance or admin role must confirm it (four eyes)."
        )
    participant = change.participant
    old = PayeeDetails.confirmed(participant)
    new = PayeeDetails.proposed(change)
    new.write_to(participant)
    change.status = PayeeChangeStatus.CONFIRMED
    _decided(change, actor)
    session.flush()
    record_event(session, actor, "payee_change.confirm", "payee_change", change.id, old.masked(), {
        **new.masked(),
        "participant_id": participant.id,
        "participant_reference": participant.reference,
        "changed": new.changed_fields(old),
        "proposed_by": change.proposed_by,
        "confirmed_by": actor.name,
    })
    return change


def refuse(session: Session, actor: Actor, change_id: int, reason: str) -> PayeeChange:
    """Refuse a pending change with a reason: it never takes effect.

    The proposer may refuse (withdraw) their own change: refusing never moves money.
    """
    ensure_role(actor, *CONFIRMERS, doing="refuse a change of payee details")
    reason = reason.strip()
    if not reason:
        raise invalid_field("reason", "say why the change is refused, e.g. 'the participant did not ask for it'")
    if len(reason) > MAX_REASON:
        raise invalid_field("reason", f"must be at most {MAX_REASON} characters")
    change = _load_pending(session, change_id, doing="refused")
    _close(session, actor, change, PayeeChangeStatus.REFUSED, reason)
    return change


def get_change(session: Session, actor: Actor, change_id: int) -> PayeeChange:
    ensure_role(actor, *READERS, doing="read changes of payee details")
    change = session.get(PayeeChange, change_id)
    if change is None:
        raise NotFound(f"There is no payee change with id {change_id}.")
    return change


@dataclass(frozen=True)
class ChangePage:
    items: list[PayeeChange]
    total: int


def list_changes(
    session: Session, actor: Actor, *, limit: int, offset: int, status: str | None = PayeeChangeStatus.PENDING,
    participant_id: int | None = None,
) -> ChangePage:
    """Changes oldest first (the longest-waiting pending change on top); ``status=None`` lists all."""
    ensure_role(actor, *READERS, doing="read changes of payee details")
    conditions: list[ColumnElement[bool]] = []
    if status is not None:
        if status not in {s.value for s in PayeeChangeStatus}:
            raise invalid_field("status", "must be one of " + ", ".join(s.value for s in PayeeChangeStatus))
        conditions.append(PayeeChange.status == status)
    if participant_id is not None:
        conditions.append(PayeeChange.participant_id == participant_id)
    total = session.scalar(select(func.count()).select_from(PayeeChange).where(*conditions)) or 0
    rows = session.scalars(select(PayeeChange).where(*conditions).order_by(PayeeChange.id)
                           .limit(limit).offset(offset)).all()
    return ChangePage(items=list(rows), total=total)


def list_pending(session: Session, actor: Actor, *, limit: int = 100, offset: int = 0) -> ChangePage:
    """The changes waiting for a second person, longest waiting first."""
    return list_changes(session, actor, limit=limit, offset=offset, status=PayeeChangeStatus.PENDING)


def forget_payee_changes(session: Session, participant_id: int) -> int:
    """Blank the bank and organisation details kept in a person's changes (for erasure); returns how many."""
    rows = session.scalars(select(PayeeChange).where(PayeeChange.participant_id == participant_id)).all()
    for row in rows:
        row.bank_account_name = row.bank_sort_code = row.bank_account_number = None
        row.organisation_name = row.organisation_reference = None
        if row.status == PayeeChangeStatus.PENDING:
            row.status = PayeeChangeStatus.SUPERSEDED
            row.reason = "the person's details were erased"
            row.decided_at = now()
    session.flush()
    return len(rows)


# ---------------------------------------------------------------------------------------- output


def change_out(change: PayeeChange) -> PayeeChangeOut:
    """One change with the confirmed details now and the proposed ones side by side (numbers masked)."""
    participant = change.participant
    current = PayeeDetails.confirmed(participant)
    proposed = PayeeDetails.proposed(change)
    return PayeeChangeOut(
        id=change.id,
        participant=participant.id,
        participant_reference=participant.reference,
        participant_name=participant.name,
        status=change.status,
        changed=proposed.changed_fields(current),
        current=current.out(),
        proposed=proposed.out(),
        proposed_by=change.proposed_by,
        proposed_by_token_id=change.proposed_by_token_id,
        proposed_at=change.created_at,
        decided_by=change.decided_by,
        decided_by_token_id=change.decided_by_token_id,
        decided_at=change.decided_at,
        reason=change.reason,
    )


# --------------------------------------------------------------------------------------- helpers


def lock_participant(session: Session, participant_id: int) -> Participant | None:
    """Serialise proposals and decisions for one person, and re-read the row once it is ours.

    ``SELECT ... FOR UPDATE`` on PostgreSQL (SQLite's write lock already serialises). The row is read
    again after locking, so a confirmation committed meanwhile is what a new proposal starts from.
    """
    session.flush()
    return session.scalars(
        select(Participant).where(Participant.id == participant_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def _load_pending(session: Session, change_id: int, *, doing: str) -> PayeeChange:
    change = session.get(PayeeChange, change_id)
    if change is None:
        raise NotFound(f"There is no payee change with id {change_id}.")
    lock_participant(session, change.participant_id)
    session.refresh(change)
    if change.status != PayeeChangeStatus.PENDING:
        who = f" by {change.decided_by}" if change.decided_by else ""
        raise Conflict(f"Payee change {change_id} was already {change.status}{who}; only a pending change can be "
                       f"{doing}.")
    return change


def _decided(change: PayeeChange, actor: Actor) -> None:
    change.decided_by = actor.name
    change.decided_by_token_id = actor.token_id
    change.decided_at = now()


def _close(session: Session, actor: Actor, change: PayeeChange, status: PayeeChangeStatus, reason: str) -> None:
    change.status = status
    change.reason = reason
    _decided(change, actor)
    session.flush()
    action = "payee_change.refuse" if status == PayeeChangeStatus.REFUSED else "payee_change.supersede"
    record_event(session, actor, action, "payee_change", change.id, {"status": PayeeChangeStatus.PENDING}, {
        "status": status.value,
        "participant_id": change.participant_id,
        "proposed": PayeeDetails.proposed(change).masked(),
        "proposed_by": change.proposed_by,
        "decided_by": actor.name,
        "reason": reason,
    })
