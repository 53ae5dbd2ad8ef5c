"""What a participant has already had approved, for rules that depend on it.

Two rate-card rules look back: mileage drops to a lower rate after a threshold of miles in the UK tax
year, and a daily cap limits a day's fees across activities. The client never sends these figures (it
could not know them, and must not be trusted with them): the ledger counts them here from approved,
not reversed, records.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ledger.db.models import Activity, Record, RecordStatus
from ledger.rates.taxyear import tax_year_start


def approved_sum(
    session: Session,
    column: InstrumentedAttribute[int | None],
    participant_id: int,
    *conditions: ColumnElement[bool],
    exclude_record_id: int | None = None,
) -> int:
    """Sum ``column`` over the participant's approved (not reversed) records matching ``conditions``.

    The one look-back query shape behind mileage thresholds, the daily fee cap and watch limits; the
    activity table is joined so conditions can filter on the activity date.
    """
    query = (
        select(func.coalesce(func.sum(column), 0))
        .join(Activity, Activity.id == Record.activity_id)
        .where(Record.participant_id == participant_id, Record.status == RecordStatus.APPROVED, *conditions)
    )
    if exclude_record_id is not None:
        query = query.where(Record.id != exclude_record_id)
    return int(session.scalar(query) or 0)


def miles_earlier_in_tax_year(
    session: Session, participant_id: int, vehicle: str, on: date, *, exclude_record_id: int | None = None
) -> int:
    """Miles approved for ``vehicle`` from 6 April up to and including ``on`` (other records only)."""
    return approved_sum(
        session, Record.mileage_miles, participant_id,
        Record.mileage_vehicle == vehicle, Activity.date >= tax_year_start(on), Activity.date <= on,
        exclude_record_id=exclude_record_id,
    )


def fees_approved_on(
    session: Session, participant_id: int, on: date, currency: str, *, exclude_record_id: int | None = None
) -> int:
    """Fees (minor units) approved for the participant's activities dated ``on``, for the daily cap."""
    return approved_sum(
        session, Record.fees_minor, participant_id, Record.currency == currency, Activity.date == on,
        exclude_record_id=exclude_record_id,
    )


def earlier_miles_and_same_day_fees(
    session: Session, participant_id: int, vehicle: str, on: date, currency: str,
    *, exclude_record_id: int | None = None,
) -> tuple[int, int]:
    """:func:`miles_earlier_in_tax_year` and :func:`fees_approved_on` in ONE query, for a quote with a
    mileage claim (approval is a hot path). Each sum keeps its own conditions inside a ``CASE``; the rows
    read are the participant's approved records from 6 April to ``on``, which hold both."""
    same_vehicle = Record.mileage_vehicle == vehicle
    fees_that_day = and_(Record.currency == currency, Activity.date == on)
    query = (
        select(func.coalesce(func.sum(case((same_vehicle, Record.mileage_miles), else_=0)), 0),
               func.coalesce(func.sum(case((fees_that_day, Record.fees_minor), else_=0)), 0))
        .select_from(Record)
        .join(Activity, Activity.id == Record.activity_id)
        .where(Record.participant_id == participant_id, Record.status == RecordStatus.APPROVED,
               Activity.date >= tax_year_start(on), Activity.date <= on)
    )
    if exclude_record_id is not None:
        query = query.where(Record.id != exclude_record_id)
    miles, fees = session.execute(query).one()
    return int(miles or 0), int(fees or 0)
