"""What a finance officer checks before approving a batch: per line, who, where the money goes, how much.

Why masked: the approver must be able to tell that a line pays the right person into the account they
expect ("**-**-99 ****4958"), which is how a changed account is noticed, but the full numbers belong only
in the bank file (``ledger.security.masking``). The values come from the batch line's copy of the
payee's details taken when the batch was built, which is exactly what the export will write.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.db.models import Batch, BatchLine, BatchMethod, Participant
from ledger.money import Money
from ledger.payments.lines import line_id_chunks
from ledger.security.masking import mask_account_number, mask_sort_code

_CHUNK = 1000


def masked_destination(
    method: str,
    sort_code: str | None,
    account_number: str | None,
    organisation_name: str | None = None,
    account_name: str | None = None,
) -> str:
    """Where a line's money goes, safe to show: ``"DANIEL OKAFOR **-**-99 ****4958"``, the organisation, or
    voucher. The account name is shown in full (with ``account_name``) so an approver sees a line for
    Margaret Ellis paying into DANIEL OKAFOR's account."""
    if method == BatchMethod.BANK_TRANSFER:
        masked = f"{mask_sort_code(sort_code) or '**-**-**'} {mask_account_number(account_number) or '********'}"
        return f"{account_name} {masked}" if account_name else masked
    if method == BatchMethod.ORGANISATION:
        return f"organisation: {organisation_name or '(none named)'}"
    return "voucher"


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """One line as the approver sees it."""

    line_id: int
    participant_reference: str
    participant_name: str  # who is owed the money, beside the account it goes to (``paid_to``)
    payee_name: str
    paid_to: str
    amount: Decimal
    status: str


def review_lines(session: Session, batch: Batch) -> Iterator[ReviewLine]:
    """The batch's lines in order, read in chunks (a batch can have 100,000 lines)."""
    for chunk in line_id_chunks(session, batch.id, size=_CHUNK):
        rows = session.execute(
            select(BatchLine.id, Participant.reference, Participant.name, BatchLine.payee_name,
                   BatchLine.bank_sort_code, BatchLine.bank_account_number, BatchLine.organisation_name,
                   BatchLine.amount_minor, BatchLine.status, BatchLine.bank_account_name)
            .join(Participant, Participant.id == BatchLine.participant_id)
            .where(BatchLine.id.in_(chunk))
            .order_by(BatchLine.id)
        ).all()
        for line_id, reference, name, payee, sort_code, account, organisation, amount, status, holder in rows:
            yield ReviewLine(
                line_id=line_id,
                participant_reference=reference,
                participant_name=name,
                payee_name=payee,
                paid_to=masked_destination(batch.method, sort_code, account, organisation, holder),
                amount=Money.from_minor(amount, batch.currency).amount,
                status=status,
            )
