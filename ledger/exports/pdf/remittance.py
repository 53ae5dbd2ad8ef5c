"""Payment advice (remittance advice) PDFs, one per payee per batch, and a zip of all of them.

Why "payment advice" on the page: the people paid are mostly participants, not suppliers, so the title
says what the paper is for ("a payment we have made to you and what it is for"); "remittance advice"
appears once, in brackets, for finance teams who file it under that name.

The zip is deterministic like the PDFs: entries sorted by file name, a fixed timestamp, fixed
permissions, so the same batch always gives the same bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from io import BytesIO
from typing import Any

from reportlab.platypus import Flowable, Spacer

from ledger.errors import FieldProblem, invalid_field
from ledger.exports.pdf.base import PdfRenderer
from ledger.exports.pdf.statement import COSTS_HEADING, TIME_HEADING
from ledger.exports.pdf.statement_text import EXPENSES_NOTE
from ledger.exports.pdf.text import markup, money, plain_date, short_date
from ledger.organisation import SETUP_HINT, Organisation, OrganisationNotSet
from ledger.reports.remittance_data import Remittance
from ledger.reports.statement_data import METHOD_LABELS

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def reference_label(r: Remittance) -> str:
    """The reference's label: only a bank transfer puts it on a bank statement (a voucher or cash has none)."""
    by_bank = r.method_label == METHOD_LABELS["bank_transfer"]
    return "Reference on the bank statement" if by_bank else "Payment reference"


class RemittanceRenderer(PdfRenderer):
    """One payee's advice: the payment, where it went, and each record it covers."""

    def __init__(self, remittance: Remittance) -> None:
        self.remittance = remittance

    def title(self) -> str:
        r = self.remittance
        return f"Payment advice {r.batch_reference} for {r.payee_reference}"

    def author(self) -> str:
        return self.remittance.organisation_name

    def subject(self) -> str:
        return "A payment made to you and what it is for"

    def footer_text(self) -> str:
        r = self.remittance
        return f"Payment advice {r.batch_reference} for {r.payee_reference}"

    def money(self, amount: Any) -> str:
        return money(amount, self.remittance.currency)

    def story(self) -> list[Flowable]:
        return [*self.heading_block(), *self.details_block(), *self.items_block(), *self.notes_block()]

    def require_contact(self) -> Organisation:
        """Advice is never sent without a person to ask (``ledger setup``)."""
        if self.remittance.contact is None:
            raise OrganisationNotSet(
                f"the payment advice has no contact person to name; {SETUP_HINT}",
                [FieldProblem("contact", f"missing; {SETUP_HINT}")],
            )
        return self.remittance.contact

    @property
    def time_words(self) -> str:
        """"your time", or "Sam's time" when the money went to an organisation for Sam."""
        person = self.remittance.for_person
        return f"{person}’s time" if person else "your time"

    @property
    def costs_words(self) -> str:
        person = self.remittance.for_person
        return f"{person}’s travel and other costs" if person else "travel and other costs"

    def heading_block(self) -> list[Flowable]:
        r = self.remittance
        contact = self.require_contact()
        flow = [
            self.para("Payment advice", "title"),
            self.para(f"From <b>{markup(r.organisation_name)}</b>, {markup(', '.join(contact.address_lines))}"),
            self.para(f"To <b>{markup(r.payee_name)}</b> (reference {markup(r.payee_reference)})"),
        ]
        if r.for_person:
            flow.append(self.para(
                f"This payment is for the time <b>{markup(r.for_person)}</b> gave us. {markup(r.for_person)} "
                "asked us to pay it to you."
            ))
        flow.append(self.para(markup(self.summary_sentence())))
        flow.append(self.para(
            f"<b>Questions?</b> If anything here looks wrong, please tell us. Ask "
            f"<b>{markup(contact.contact_name)}</b> on <b>{markup(contact.contact_phone)}</b> or email "
            f"<b>{markup(contact.contact_email)}</b>."
        ))
        return flow

    def summary_sentence(self) -> str:
        r = self.remittance
        when = (
            f"We paid this on {plain_date(r.paid_on)}."
            if r.paid_on is not None
            else f"We expect it to arrive by {plain_date(r.expected_on)}."
            if r.expected_on is not None
            else ""
        )
        parts = [f"This payment is {self.money(r.amount)}."]
        if r.fees and r.expenses:
            parts.append(
                f"It is {self.money(r.fees)} for {self.time_words} and {self.money(r.expenses)} "
                f"paid back for {self.costs_words}."
            )
        elif r.fees:
            parts.append(f"It is {self.money(r.fees)} for {self.time_words}.")
        else:
            parts.append(f"It is {self.money(r.expenses)} paid back for {self.costs_words}.")
        parts.append(when)
        return " ".join(parts)

    def details_block(self) -> list[Flowable]:
        r = self.remittance
        date_label, date_value = ("Date paid", r.paid_on) if r.paid_on is not None else ("Expected by", r.expected_on)
        time_heading = f"For {self.time_words}" if r.for_person else TIME_HEADING
        rows: list[tuple[str, str]] = [
            ("Amount", self.money(r.amount)),
            (time_heading, self.money(r.fees)),
            (COSTS_HEADING, self.money(r.expenses)),
            ("How", f"To an organisation, at {r.for_person}\u2019s request" if r.for_person else r.method_label),
            ("Paid to", r.paid_to),
            (date_label, plain_date(date_value) if date_value is not None else ""),
            (reference_label(r), r.payment_reference),
            ("Our payment run", r.batch_reference),
        ]
        table_rows: list[list[Any]] = [self.header_cells(["Payment", "Details"])]
        table_rows.extend([self.para(label, "cell_bold"), self.para(markup(value), "cell")] for label, value in rows)
        return self.starts_together([self.para("The payment", "heading")], self.table(table_rows, (0.35, 0.65)))

    def items_block(self) -> list[Flowable]:
        r = self.remittance
        time_heading = f"For {self.time_words}" if r.for_person else TIME_HEADING
        rows: list[list[Any]] = [
            self.header_cells(["Date", "Project", "Activity", time_heading, COSTS_HEADING], money_from=3)
        ]
        for item in r.items:
            rows.append(
                [
                    self.para(short_date(item.date), "cell"),
                    self.para(markup(item.project_name), "cell"),
                    self.para(markup(item.activity_label), "cell"),
                    self.money(item.fees),
                    self.money(item.expenses),
                ]
            )
        rows.append([self.para("Total", "cell_bold"), "", "", self.money(r.fees), self.money(r.expenses)])
        return self.starts_together(
            [self.para("What this payment is for", "heading")],
            self.table(rows, (0.13, 0.29, 0.3, 0.14, 0.14), money_from=3, bold_rows=[len(rows) - 1]),
        )

    def notes_block(self) -> list[Flowable]:
        # The note speaks to the person who had the costs; an organisation gets no "you" it does not mean.
        note = [self.para(markup(EXPENSES_NOTE))] if self.remittance.expenses and not self.remittance.for_person else []
        return [
            Spacer(1, self.paragraph_space * 2),
            *note,
        ]


def render_remittance(remittance: Remittance) -> bytes:
    """One payee's payment advice as PDF bytes."""
    return RemittanceRenderer(remittance).render()


def render_remittance_zip(remittances: Iterable[Remittance]) -> bytes:
    """A zip with one advice PDF per payee, named ``<batch>_<payee>.pdf`` and sorted by that name."""
    by_name: dict[str, Remittance] = {}
    for remittance in remittances:
        name = remittance.file_name
        if name in by_name:
            raise invalid_field("remittances", f"two advices would share the file name {name}")
        by_name[name] = remittance
    if not by_name:
        raise invalid_field("remittances", "there are no payment advices to put in the zip")
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(by_name):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, render_remittance(by_name[name]))
    return buffer.getvalue()
