"""What was paid: ONE definition that balances, statements and the spend report all use.

Money counts as paid when the payable posting that made it owed (an approval, a reversal netted off, or
the credit of a returned payment) is locked in a batch line that finance marked **paid**. A line that
was returned is not paid (the return makes the amount owed again, and it is paid when a later batch
is). The date it was paid is the batch's ``paid_on``.

Before this module "paid" was worked out three ways (payment entries for balances, batch lines per
record for statements, batch lines per project for spend). They agreed only by accident; now each view
adds its own grouping to :func:`paid_select` and sums :func:`paid_amount`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from ledger.db.models import AccountKind, Batch, BatchItem, BatchLine, BatchLineStatus, Posting

_CHUNK = 500


def paid_select(*columns: Any) -> Select[Any]:
    """``SELECT columns`` over the paid payable postings, with ``Posting``, ``BatchLine`` and ``Batch``
    joined; add ``where``/``group_by`` (and joins to ``Record``/``Activity``) for a view's grouping."""
    return (
        select(*columns)
        .select_from(Posting)
        .join(BatchItem, BatchItem.posting_id == Posting.id)
        .join(BatchLine, and_(BatchLine.id == BatchItem.batch_line_id, BatchLine.status == BatchLineStatus.PAID.value))
        .join(Batch, Batch.id == BatchLine.batch_id)
        .where(Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE.value)
    )


def paid_amount() -> Any:
    """The paid sum in minor units (payable postings are credits, so paid is minus their sum)."""
    return func.coalesce(func.sum(-Posting.amount_minor), 0)


def paid_by_currency_and_category(session: Session, participant_id: int) -> dict[str, dict[str, int]]:
    """For a balance: per currency, per category (``fee``/``expense``), what was paid (minor units)."""
    rows = session.execute(
        paid_select(Posting.currency, Posting.category, paid_amount())
        .where(Posting.participant_id == participant_id)
        .group_by(Posting.currency, Posting.category)
    )
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for currency, category, total in rows:
        result[str(currency)][str(category)] = int(total or 0)
    return result


def paid_by_record_and_category(session: Session, record_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """For a statement: per record, per category (``fee``/``expense``), what of the money it made owed
    was paid (minor units).

    Per category because a record's fee and its expenses can be paid apart: someone whose fees go to an
    organisation gets the fee in an organisation batch and their own costs in a bank transfer batch
    (``ledger.payments.batches.payable_by``), so "the record is paid" is not one fact.
    """
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for start in range(0, len(record_ids), _CHUNK):
        chunk = list(record_ids[start : start + _CHUNK])
        rows = session.execute(
            paid_select(Posting.record_id, Posting.category, paid_amount())
            .where(Posting.record_id.in_(chunk))
            .group_by(Posting.record_id, Posting.category)
        )
        for record_id, category, total in rows:
            result[int(record_id)][str(category)] = int(total or 0)
    return dict(result)


def last_paid_on(session: Session, participant_id: int) -> date | None:
    """The date of the participant's most recent payment (for retention rules), or ``None``."""
    found = session.scalar(paid_select(func.max(Batch.paid_on)).where(Posting.participant_id == participant_id))
    return found if isinstance(found, date) else None
