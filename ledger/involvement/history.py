"""What a participant has already had approved, for rules that depend on it.

Two rate-card rules look back: mileage drops to a lower rate after a threshold of miles in the UK tax
year, and a daily cap limits a day's fees across activities. The client never sends these figures (it
could not know them, and must not be trusted with them): the ledger counts them here from approved,
not reversed, records.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import Activity, Record, RecordStatus
from ledger.rates.taxyear import tax_year_start


def miles_earlier_in_tax_year(
    session: Session, participant_id: int, vehicle: str, on: date, *, exclude_record_id: int | None = None
) -> int:
    """Miles approved for ``vehicle`` from 6 April up to and including ``on`` (other records only)."""
    query = (
        select(func.coalesce(func.sum(Record.mileage_miles), 0))
        .join(Activity, Activity.id == Record.activity_id)
        .where(
            Record.participant_id == participant_id,
            Record.status == RecordStatus.APPROVED,
            Record.mileage_vehicle == vehicle,
            Activity.date >= tax_year_start(on),
            Activity.date <= on,
        )
    )
    if exclude_record_id is not None:
        query = query.where(Record.id != exclude_record_id)
    return int(session.scalar(query) or 0)


def fees_approved_on(
    session: Session, participant_id: int, on: date, currency: str, *, exclude_record_id: int | None = None
) -> int:
    """Fees (minor units) approved for the participant's activities dated ``on``, for the daily cap."""
    query = (
        select(func.coalesce(func.sum(Record.fees_minor), 0))
        .join(Activity, Activity.id == Record.activity_id)
        .where(
            Record.participant_id == participant_id,
            Record.status == RecordStatus.APPROVED,
            Record.currency == currency,
            Activity.date == on,
        )
    )
    if exclude_record_id is not None:
        query = query.where(Record.id != exclude_record_id)
    return int(session.scalar(query) or 0)
