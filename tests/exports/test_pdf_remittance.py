"""Payment advice PDFs and the zip of them, read back as text."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from statement_samples import NAMES, ORGANISATION

from ledger.errors import Invalid
from ledger.exports.pdf import render_remittance, render_remittance_zip
from ledger.organisation import OrganisationNotSet
from ledger.reports.remittance_data import Remittance, RemittanceItem

D = Decimal


def advice(payee: str = "P-0003", name: str = "Sam Okafor", **changes: object) -> Remittance:
    items = (
        RemittanceItem(101, date(2025, 11, 3), "Better Discharge", "Meeting", D("75.00"), D("6.40")),
        RemittanceItem(117, date(2025, 11, 17), "Better Discharge", "Steering group", D("81.25"), D("18.00")),
        RemittanceItem(118, date(2025, 11, 20), "Young Carers Voice", "Document review", D("0.00"), D("5.00")),
    )
    base = Remittance(
        organisation_name="Northshire Health & Care",
        batch_reference="B-0001",
        payee_name=name,
        payee_reference=payee,
        method_label="Bank transfer",
        payment_reference="NHCP PAY B0001",
        currency="GBP",
        amount=D("185.65"),
        fees=D("156.25"),
        expenses=D("29.40"),
        paid_to="Bank account ****5678",
        items=items,
        paid_on=date(2025, 11, 28),
        contact=ORGANISATION,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def flat(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages).split())


def test_advice_shows_payment_reference_amount_and_each_record() -> None:
    text = flat(render_remittance(advice()))
    assert text.startswith("Payment advice From Northshire Health & Care, 1 Riverside Way, Northtown, NT1 4AB")
    assert (
        "This payment is £185.65. It is £156.25 for your time and £29.40 paid back for travel and other "
        "costs. We paid this on 28 November 2025."
    ) in text
    assert "Reference on the bank statement NHCP PAY B0001" in text
    assert "Our payment run B-0001" in text
    assert "Paid to Bank account ****5678" in text
    assert "Date paid 28 November 2025" in text
    for activity, amounts in (("Meeting", "£75.00 £6.40"), ("Steering group", "£81.25 £18.00"),
                              ("Document review", "£0.00 £5.00")):
        assert f"{activity} {amounts}" in text
    # no internal ids: the record numbers are not printed anywhere
    assert "Record" not in text and not any(f" {n} " in f" {text} " for n in ("101", "117", "118"))
    assert "Ask Amira Khan on 0161 496 0123 or email involvement@northshire.example." in text
    assert "Total £156.25 £29.40" in text
    assert "They are not income" in text
    assert "Page 1 of 1" in text


def test_expected_date_and_expenses_only_wording() -> None:
    only_costs = advice(
        items=(RemittanceItem(7, date(2025, 11, 3), "Better Discharge", "Meeting", D("0.00"), D("12.30")),),
        amount=D("12.30"),
        fees=D("0.00"),
        expenses=D("12.30"),
        paid_on=None,
        expected_on=date(2025, 12, 2),
        method_label="Voucher",
        paid_to="e-voucher sent to your email address",
    )
    text = flat(render_remittance(only_costs))
    assert "It is £12.30 paid back for travel and other costs. We expect it to arrive by 2 December 2025." in text
    assert "Expected by 2 December 2025" in text


def test_advice_is_deterministic() -> None:
    assert render_remittance(advice()) == render_remittance(advice())


def test_long_advice_repeats_header_and_numbers_pages() -> None:
    items = tuple(
        RemittanceItem(1000 + i, date(2025, 11, 3), "Better Discharge", f"Review round {i}", D("10.00"), D("1.00"))
        for i in range(120)
    )
    pdf = render_remittance(advice(items=items, amount=D("1320.00"), fees=D("1200.00"), expenses=D("120.00")))
    pages = [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    header = "Date Project Activity For your time Costs paid back"
    assert sum(header in " ".join(page.split()) for page in pages) >= len(pages) - 1
    text = flat(pdf)
    for i in range(120):
        assert f"Review round {i} £10.00" in text


def test_zip_holds_one_pdf_per_payee_with_stable_names() -> None:
    advices = [advice("P-0010", "Ray"), advice("P-0003", "Sam"), advice("P-0007", "Lee")]
    data = render_remittance_zip(advices)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert archive.namelist() == ["B-0001_P-0003.pdf", "B-0001_P-0007.pdf", "B-0001_P-0010.pdf"]
        assert "Ray" in flat(archive.read("B-0001_P-0010.pdf"))
        assert "Sam" in flat(archive.read("B-0001_P-0003.pdf"))
        assert archive.read("B-0001_P-0007.pdf") == render_remittance(advices[2])
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    # the same advices in another order give the same bytes
    assert render_remittance_zip(list(reversed(advices))) == data


def test_zip_refuses_duplicates_and_nothing() -> None:
    with pytest.raises(Invalid, match=r"share the file name B-0001_P-0003\.pdf"):
        render_remittance_zip([advice(), advice()])
    with pytest.raises(Invalid, match="no payment advices"):
        render_remittance_zip([])


def test_unsafe_references_make_safe_file_names() -> None:
    assert advice(payee="P/../0003").file_name == "B-0001_P-..-0003.pdf"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": D("185.66")}, "amount", "not fees plus expenses"),
        ({"fees": D("150.00"), "amount": D("179.40")}, "fees", "not the sum of the items' fees"),
        ({"paid_on": None}, "paid_on", "exactly one of"),
        ({"expected_on": date(2025, 12, 1)}, "paid_on", "exactly one of"),
        ({"items": ()}, "items", "non-empty"),
        ({"payment_reference": ""}, "payment_reference", "non-empty"),
        ({"amount": 185.65}, "amount", "must be a Decimal"),
        ({"currency": "ABC"}, "currency", "unknown currency"),
    ],
)
def test_bad_advice_is_refused(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as info:
        advice(**changes)
    assert info.value.problems[0].field == field


def test_fees_paid_to_an_organisation_say_whose_time_they_are_for() -> None:
    text = flat(render_remittance(advice(
        name="Carers Together CIC", for_person="Sam", method_label="Paid to an organisation for you",
        paid_to="Carers Together CIC, the organisation Sam asked us to pay",
        items=(RemittanceItem(101, date(2025, 11, 3), "Better Discharge", "Meeting", D("75.00"), D("0.00")),),
        amount=D("75.00"), fees=D("75.00"), expenses=D("0.00"),
    )))
    assert "To Carers Together CIC" in text
    assert "This payment is for the time Sam gave us. Sam asked us to pay it to you." in text
    assert "It is £75.00 for Sam’s time." in text
    assert "your time" not in text and "for you" not in text
    assert "How To an organisation, at Sam\u2019s request" in text


def test_advice_without_a_contact_is_refused() -> None:
    with pytest.raises(OrganisationNotSet, match="ledger setup"):
        render_remittance(advice(contact=None))


@pytest.mark.parametrize("name", NAMES)
def test_every_listed_name_prints_on_advice(name: str) -> None:
    text = flat(render_remittance(advice(name=name, items=(
        RemittanceItem(101, date(2025, 11, 3), f"Voices of {name}", "Meeting", D("75.00"), D("6.40")),
    ), amount=D("81.40"), fees=D("75.00"), expenses=D("6.40"))))
    assert f"To {name}" in text and f"Voices of {name}" in text
