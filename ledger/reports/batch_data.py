"""A payment batch as plain data: what every finance exporter reads.

Why a separate shape: the batch service reads the database once and hands exporters these frozen
values, so an exporter can never change the ledger and can be tested without a database. ``lines`` is
any iterable (a list, or a generator reading rows in chunks) so a batch of 100,000 payees is streamed
rather than held in memory; ``line_count`` and ``total`` are the batch's own control figures, which
every exporter checks against the lines it actually wrote.

Money is ``Decimal`` only: a float anywhere here is refused at construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.errors import Invalid
from ledger.money import MoneyError, minor_units

#: The payment methods a batch can have (``ledger.db.models.BatchMethod`` values).
BATCH_METHODS: tuple[str, ...] = ("bank_transfer", "voucher", "organisation")


def _require_decimal(value: object, what: str) -> None:
    if not isinstance(value, Decimal):
        raise Invalid(f"{what} must be an exact Decimal amount, got {type(value).__name__}")
    if not value.is_finite():
        raise Invalid(f"{what} must be a finite amount, got {value}")


@dataclass(frozen=True, slots=True)
class ProjectAmount:
    """The part of one payee's payment that belongs to one project (for one accounting row per project)."""

    project_code: str
    cost_code: str | None
    fees: Decimal
    expenses: Decimal
    # How many records (one person's part in one activity) of this project the part pays for; None when
    # not known (then an exporter says nothing of the count rather than the whole payment's count).
    activities: int | None = None


def activities_description(count: int) -> str:
    """The words an accounting row uses for what a payment covers: "Involvement fees and expenses, 2 activities"."""
    return f"Involvement fees and expenses, {count} {'activity' if count == 1 else 'activities'}"


@dataclass(frozen=True, slots=True)
class BatchExportLine:
    """What one payee is paid in one batch, with everything any export format needs.

    ``amount`` is what is sent and must equal ``fees + expenses`` (exporters check this, because the
    accounting formats write fees and expenses as separate rows that must add up to the payment).
    """

    line_id: int
    participant_reference: str
    payee_name: str
    amount: Decimal
    fees: Decimal
    expenses: Decimal
    payment_reference: str
    sort_code: str | None = None
    account_number: str | None = None
    account_name: str | None = None
    organisation_reference: str | None = None
    project_codes: tuple[str, ...] = ()
    cost_codes: tuple[str, ...] = ()
    description: str = ""
    record_ids: tuple[int, ...] = ()
    # One part per project the payment covers (Xero and Sage write a row per project with its codes);
    # empty when not known, then the single project/cost code above is used.
    projects: tuple[ProjectAmount, ...] = ()

    def __post_init__(self) -> None:
        label = f"batch line {self.line_id} ({self.participant_reference})"
        _require_decimal(self.amount, f"{label} amount")
        _require_decimal(self.fees, f"{label} fees")
        _require_decimal(self.expenses, f"{label} expenses")
        if self.projects:
            for part in self.projects:
                _require_decimal(part.fees, f"{label} fees for project {part.project_code}")
                _require_decimal(part.expenses, f"{label} expenses for project {part.project_code}")
            fees = sum((part.fees for part in self.projects), Decimal(0))
            expenses = sum((part.expenses for part in self.projects), Decimal(0))
            if (fees, expenses) != (self.fees, self.expenses):
                raise Invalid(
                    f"{label}: the per-project parts (fees {fees}, expenses {expenses}) do not add up to the "
                    f"payment (fees {self.fees}, expenses {self.expenses})"
                )


@dataclass(frozen=True, slots=True)
class BatchExport:
    """A whole payment batch: header facts, the lines (streamed), and the control figures."""

    reference: str
    method: str
    currency: str
    created_on: date
    paid_on: date | None
    organisation_name: str
    project_code: str | None
    lines: Iterable[BatchExportLine]
    line_count: int
    total: Decimal

    def __post_init__(self) -> None:
        if self.method not in BATCH_METHODS:
            allowed = ", ".join(BATCH_METHODS)
            raise Invalid(f"batch {self.reference}: unknown payment method {self.method!r}; use {allowed}")
        try:
            minor_units(self.currency)
        except MoneyError as exc:
            raise Invalid(f"batch {self.reference}: {exc}") from None
        _require_decimal(self.total, f"batch {self.reference} total")
        if isinstance(self.line_count, bool) or not isinstance(self.line_count, int) or self.line_count < 0:
            raise Invalid(f"batch {self.reference}: line_count must be a whole number of 0 or more")

    @property
    def value_date(self) -> date:
        """The date money moves: the paid date when known, otherwise the date the batch was made."""
        return self.paid_on or self.created_on
