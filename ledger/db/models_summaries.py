"""Roll-up summaries: project spend postings summed per day and activity, approved people per day (and
per tax year), and what of each record was paid and when (``PaidSummary``, ``PaymentTime``, and the same
per project and day in ``PaidDay``, ``PaymentDay``: see their docstrings).

The spend report reads these rows instead of the postings, so a project's figures for a year come from a
few hundred rows however many postings there are. The first two are never written by Python: triggers
(migration 0015) add every new project posting to its row in the same statement that inserts it, so a
committed posting is always in the summary and a rolled-back one never is. ``ledger report check``
(``ledger.reports.spend_summaries.check``) re-sums the postings and compares them row by row.

Which postings count: those on the project spend and project foregone accounts with a project and an
activity date (the only ones the spend report ever reads). ``activity`` and ``rate_card`` come from the
posting's record ('' when it has none), so the report's "by activity" table needs no join either.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db.base import Base, BigId, IdMixin, MinorUnits

# The postings a summary row adds up (also the triggers' WHERE clause in migration 0015).
SUMMARY_ACCOUNTS = ("project_spend", "project_foregone")
SUMMARY_KEY = ("project_id", "activity_date", "account_kind", "category", "currency", "activity", "rate_card")


class SpendSummary(IdMixin, Base):
    """The sum of one group of project postings. Maintained only by the database's triggers.

    No foreign keys on purpose: the posting it sums already checked them, and the trigger runs on the
    approval hot path.
    """

    __tablename__ = "spend_summaries"
    __table_args__ = (UniqueConstraint(*SUMMARY_KEY, name="uq_spend_summaries_key"),)

    project_id: Mapped[int] = mapped_column(BigId)
    activity_date: Mapped[date] = mapped_column(Date)
    account_kind: Mapped[str] = mapped_column(String(24))
    category: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    activity: Mapped[str] = mapped_column(String(80))  # the record's activity key, '' without a record
    rate_card: Mapped[str] = mapped_column(String(80))  # the record's rate card, '' without one
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    minutes: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    postings: Mapped[int] = mapped_column(Integer)


class ParticipantDay(IdMixin, Base):
    """How many approved records one person has on one project on one activity date (rows at zero are
    deleted). Counting distinct people over a period reads these instead of joining records and
    activities. Maintained only by the database's triggers on ``records`` (migration 0015).
    """

    __tablename__ = "participant_days"
    __table_args__ = (
        UniqueConstraint("project_id", "activity_date", "participant_id", name="uq_participant_days_key"),
    )

    project_id: Mapped[int] = mapped_column(BigId)
    activity_date: Mapped[date] = mapped_column(Date)
    participant_id: Mapped[int] = mapped_column(BigId)
    approved_records: Mapped[int] = mapped_column(Integer)


class SharedStoreEntry(Base):
    """One value of the key-value store that several server processes share (``ledger serve --workers``):
    rate-limit counts live here instead of in one process's memory (``ledger.api.shared_store``)."""

    __tablename__ = "shared_store"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column()  # None: kept until deleted


class PaidSummary(IdMixin, Base):
    """What of one record's money was paid, per activity date (the date the spend report's period picks:
    the posting's activity date, else the activity's). Kept by ``ledger.payments.paid_summaries`` in the
    same transaction as marking a batch paid or returning a line, recomputed for the records involved
    from the one "what was paid" rule (``ledger.involvement.paid``); ``ledger report check`` proves it.
    """

    __tablename__ = "paid_summaries"
    __table_args__ = (
        UniqueConstraint("record_id", "activity_date", name="uq_paid_summaries_key"),
        Index("ix_paid_summaries_project_date", "project_id", "activity_date", "paid_minor"),  # index-only
    )

    record_id: Mapped[int] = mapped_column(BigId)
    activity_date: Mapped[date] = mapped_column(Date)
    project_id: Mapped[int] = mapped_column(BigId)
    paid_minor: Mapped[int] = mapped_column(MinorUnits)


class PaymentTime(IdMixin, Base):
    """When one record was (last) paid: its activity's date and the latest ``paid_on`` of a batch that
    paid any of its money. The spend report's days to payment counts these rows per number of days
    instead of joining postings to batches. Kept like :class:`PaidSummary`."""

    __tablename__ = "payment_times"
    __table_args__ = (
        UniqueConstraint("record_id", name="uq_payment_times_record"),
        Index("ix_payment_times_project_date", "project_id", "activity_date", "paid_on"),  # index-only
    )

    record_id: Mapped[int] = mapped_column(BigId)
    project_id: Mapped[int] = mapped_column(BigId)
    activity_date: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date] = mapped_column(Date)


class PaidDay(IdMixin, Base):
    """What was paid of one project's money with one activity date: the sum of its :class:`PaidSummary`
    rows. The spend report's "paid" reads one row per project and day instead of one per record. Kept
    with :class:`PaidSummary` (``ledger.payments.paid_summaries``, migration 0016)."""

    __tablename__ = "paid_days"
    __table_args__ = (UniqueConstraint("project_id", "activity_date", name="uq_paid_days_key"),)

    project_id: Mapped[int] = mapped_column(BigId)
    activity_date: Mapped[date] = mapped_column(Date)
    paid_minor: Mapped[int] = mapped_column(MinorUnits)


class PaymentDay(IdMixin, Base):
    """How many paid records of one project with one activity date were (last) paid on one day: the
    :class:`PaymentTime` rows counted. Days to payment reads these (a few per project and day) instead of
    one row per record. Kept with :class:`PaymentTime` (migration 0016)."""

    __tablename__ = "payment_days"
    __table_args__ = (UniqueConstraint("project_id", "activity_date", "paid_on", name="uq_payment_days_key"),)

    project_id: Mapped[int] = mapped_column(BigId)
    activity_date: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date] = mapped_column(Date)
    records: Mapped[int] = mapped_column(Integer)


class ParticipantYear(IdMixin, Base):
    """On how many days of one UK tax year (``tax_year`` is the year it starts: 2025 for 6 April 2025 to
    5 April 2026) one person had an approved record on one project: the :class:`ParticipantDay` rows of
    that year counted (rows at zero are deleted). "Distinct people" over a period reads these for the
    whole tax years inside it and ``participant_days`` only for the days outside them, so a year's count
    reads one row per person and project instead of one per person, project and day. Maintained only by
    the database's triggers on ``participant_days`` (migration 0016)."""

    __tablename__ = "participant_years"
    __table_args__ = (
        UniqueConstraint("project_id", "tax_year", "participant_id", name="uq_participant_years_key"),
    )

    project_id: Mapped[int] = mapped_column(BigId)
    tax_year: Mapped[int] = mapped_column(Integer)
    participant_id: Mapped[int] = mapped_column(BigId)
    days: Mapped[int] = mapped_column(Integer)
