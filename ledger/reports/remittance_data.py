"""Payment advice (remittance advice) for one payee in one payment batch, as plain data.

Why: when money arrives in someone's account with a short bank reference, they need to know what it is
for. The advice lists every piece of involvement the payment covers, fees and expenses apart. The data
is built by the reports layer from the batch and rendered elsewhere; it checks that it adds up (the
amount is fees plus expenses, and both are the sums of the items) so a wrong advice is never sent.

``paid_to`` is what the payee sees about where the money went: a masked account ("****5678"), the
voucher ("Love2shop e-voucher sent to your email"), or the organisation paid at their request. Full bank
details never appear here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.errors import invalid_field
from ledger.money import MoneyError, minor_units
from ledger.organisation import Organisation
from ledger.reports.statement_data import check_money, check_text


@dataclass(frozen=True, slots=True)
class RemittanceItem:
    """One record (one piece of involvement) covered by the payment."""

    record_id: int
    date: date
    project_name: str
    activity_label: str
    fees: Decimal
    expenses: Decimal

    @property
    def total(self) -> Decimal:
        return self.fees + self.expenses


@dataclass(frozen=True, slots=True)
class Remittance:
    """One payee's share of one batch: the amount sent, how, and what it is for.

    Exactly one of ``paid_on`` (the batch was marked paid) and ``expected_on`` (advice sent ahead of the
    money) is set.
    """

    organisation_name: str
    batch_reference: str
    payee_name: str
    payee_reference: str
    method_label: str
    payment_reference: str
    currency: str
    amount: Decimal
    fees: Decimal
    expenses: Decimal
    paid_to: str
    items: tuple[RemittanceItem, ...]
    paid_on: date | None = None
    expected_on: date | None = None
    # Who sent it and whom to ask (``ledger setup``); every rendered advice names the contact person.
    contact: Organisation | None = None
    # When the money went to an organisation at the person's request: the person whose time it pays for.
    for_person: str | None = None

    def __post_init__(self) -> None:
        for name in (
            "organisation_name",
            "batch_reference",
            "payee_name",
            "payee_reference",
            "method_label",
            "payment_reference",
            "paid_to",
        ):
            check_text(getattr(self, name), name)
        try:
            minor_units(self.currency)
        except MoneyError as exc:
            raise invalid_field("currency", str(exc)) from None
        if (self.paid_on is None) == (self.expected_on is None):
            raise invalid_field("paid_on", "give exactly one of paid_on (money sent) or expected_on (not yet)")
        for name in ("amount", "fees", "expenses"):
            check_money(getattr(self, name), self.currency, name)
        if not isinstance(self.items, tuple) or not self.items:
            raise invalid_field("items", "must be a non-empty tuple: advice explains at least one record")
        for i, item in enumerate(self.items):
            where = f"items[{i}]"
            if not isinstance(item.record_id, int) or isinstance(item.record_id, bool):
                raise invalid_field(f"{where}.record_id", "must be the record's integer id")
            if not isinstance(item.date, date):
                raise invalid_field(f"{where}.date", "must be a date")
            check_text(item.project_name, f"{where}.project_name")
            check_text(item.activity_label, f"{where}.activity_label")
            check_money(item.fees, self.currency, f"{where}.fees")
            check_money(item.expenses, self.currency, f"{where}.expenses")
        if self.fees + self.expenses != self.amount:
            raise invalid_field("amount", f"{self.amount} is not fees plus expenses ({self.fees + self.expenses})")
        item_fees = sum((item.fees for item in self.items), Decimal(0))
        item_expenses = sum((item.expenses for item in self.items), Decimal(0))
        if item_fees != self.fees:
            raise invalid_field("fees", f"{self.fees} is not the sum of the items' fees ({item_fees})")
        if item_expenses != self.expenses:
            raise invalid_field("expenses", f"{self.expenses} is not the sum of the items' expenses ({item_expenses})")
        if self.amount <= 0:
            raise invalid_field("amount", "a payment advice is for an amount above zero")

    @property
    def file_name(self) -> str:
        """Stable name inside a zip of advices: ``B-0001_P-0003.pdf`` (unsafe characters replaced)."""
        return f"{_safe(self.batch_reference)}_{_safe(self.payee_reference)}.pdf"


def _safe(text: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-.") else "-" for ch in text.strip())
