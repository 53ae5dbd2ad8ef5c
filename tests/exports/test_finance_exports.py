"""Every finance export parsed back and checked against the batch, plus the errors finance can meet."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.errors import Invalid
from ledger.exports.finance import (
    EXPORTERS,
    BankCsvExporter,
    BankProfile,
    ControlTotalMismatch,
    Exporter,
    XeroBillsExporter,
    XeroSettings,
    bank_detail_problems,
    export_to_path,
    get_exporter,
)
from ledger.exports.finance.base import CHUNK_BYTES
from ledger.exports.finance.sage import SageAuditTrailExporter, SageSettings
from ledger.exports.finance.sample import sample_batch
from ledger.exports.safety import is_neutral
from ledger.reports.batch_data import BatchExport, BatchExportLine

D = Decimal


def make_line(n: int = 1, **changes: object) -> BatchExportLine:
    fees = D("90.00") + n
    expenses = D("12.50")
    line = BatchExportLine(
        line_id=n,
        participant_reference=f"P-{n:04d}",
        payee_name=f"Payee Number{n}",
        amount=fees + expenses,
        fees=fees,
        expenses=expenses,
        payment_reference=f"INV P-{n:04d}",
        sort_code="08-99-99",
        account_number="66374958",
        account_name=f"Payee Number{n}",
        organisation_reference=None,
        project_codes=("DIAB-01",),
        cost_codes=("CC-1",),
        description="Involvement fees and expenses, 3 activities, Oct 2026",
        record_ids=(n * 10, n * 10 + 1),
    )
    return replace(line, **changes)  # type: ignore[arg-type]


def make_batch(lines: Iterable[BatchExportLine], **changes: object) -> BatchExport:
    items = list(lines)
    batch = BatchExport(
        reference="B-0007",
        method="bank_transfer",
        currency="GBP",
        created_on=date(2026, 11, 2),
        paid_on=date(2026, 11, 5),
        organisation_name="Northshire Health & Care",
        project_code=None,
        lines=items,
        line_count=len(items),
        total=sum((line.amount for line in items), D(0)),
    )
    return replace(batch, **changes)  # type: ignore[arg-type]


def export(name: str, batch: BatchExport) -> bytes:
    return b"".join(get_exporter(name).iter_chunks(batch))


def rows(data: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


LINES = [make_line(1), make_line(2, expenses=D("0.00"), amount=D("92.00")), make_line(3, fees=D("0.00"),
                                                                                      amount=D("12.50"))]


# ---------------------------------------------------------------------------------------------- registry


def test_registry_names_and_protocol() -> None:
    assert set(EXPORTERS) == {"csv", "bank-csv", "xero", "xero-zip", "sage", "json"}
    for name, exporter in EXPORTERS.items():
        assert isinstance(exporter, Exporter)
        assert exporter.name == name
        assert exporter.filename(make_batch(LINES)).endswith("." + exporter.file_extension)


def test_unknown_format_names_the_allowed_ones() -> None:
    with pytest.raises(Invalid) as caught:
        get_exporter("xls")
    assert "'xls'" in caught.value.detail
    for name in ("csv", "bank-csv", "xero", "sage", "json"):
        assert name in caught.value.detail
    assert caught.value.problems[0].field == "format"


# ---------------------------------------------------------------------------------------------- csv


def test_listing_csv_every_line_and_the_control_row() -> None:
    data = export("csv", make_batch(LINES))
    assert data.startswith(b"\xef\xbb\xbf")
    table = rows(data)
    header, body, control = table[0], table[1:-1], table[-1]
    assert header[:8] == ["Record type", "Participant reference", "Payee", "Method", "Amount", "Fees",
                          "Expenses", "Currency"]
    assert len(body) == len(LINES)
    for row, line in zip(body, LINES, strict=True):
        record = dict(zip(header, row, strict=True))
        assert record["Record type"] == "payment"
        assert record["Participant reference"] == line.participant_reference
        assert record["Payee"] == line.payee_name
        assert D(record["Amount"]) == line.amount
        assert D(record["Fees"]) == line.fees
        assert D(record["Expenses"]) == line.expenses
        assert record["Payment reference"] == line.payment_reference
        assert record["Projects"] == "DIAB-01"
        assert record["Line ID"] == str(line.line_id)
    assert control[0] == "control total"
    assert control[2] == "3 payments"
    assert D(control[4]) == sum(line.amount for line in LINES) == D(control[5]) + D(control[6])
    assert control[4] == "208.00"


# ---------------------------------------------------------------------------------------------- bank


def test_bank_csv_records_and_totals() -> None:
    table = rows(export("bank-csv", make_batch(LINES)), "ascii")
    assert table[0] == ["H", "NORTHSHIRE HEALTH", "B-0007", "05/11/2026", "3", "208.00"]
    assert table[-1] == ["T", "3", "208.00"]
    details = table[1:-1]
    assert [r[0] for r in details] == ["D", "D", "D"]
    for row, line in zip(details, LINES, strict=True):
        assert row[1:3] == ["089999", "66374958"]
        assert row[3] == line.payee_name.upper()
        assert D(row[4]) == line.amount
        assert row[5] == line.payment_reference.upper()
    assert sum(D(r[4]) for r in details) == D(table[-1][2])


def test_bank_csv_truncates_and_cleans_names_and_references() -> None:
    line = make_line(
        1,
        account_name="Siân O'Brien-Śmith, née Łukasz (Mrs)",
        payment_reference="ref: involve/Oct_26 #4 extra words",
    )
    row = rows(export("bank-csv", make_batch([line])), "ascii")[1]
    assert row[3] == "SIAN OBRIEN-SMITH"  # accents dropped, apostrophe removed, 18 characters at most
    assert len(row[3]) <= 18
    assert row[5] == "REF INVOLVE/OCT 26"
    assert len(row[5]) <= 18
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 &./-")
    assert set(row[3]) <= allowed and set(row[5]) <= allowed


def test_bank_csv_uses_payee_name_when_no_account_name() -> None:
    row = rows(export("bank-csv", make_batch([make_line(1, account_name=None, payee_name="Grace Hopper")])),
               "ascii")[1]
    assert row[3] == "GRACE HOPPER"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sort_code": None}, "sort_code"),
        ({"account_number": None}, "account_number"),
        ({"account_number": "1234567"}, "account_number"),
        ({"sort_code": "08-99-9"}, "sort_code"),
        ({"account_number": "66374959"}, "account_number"),  # fails the modulus check
    ],
)
def test_bank_csv_refuses_a_line_without_usable_bank_details(changes: dict[str, object], field: str) -> None:
    bad = make_line(2, **changes)
    with pytest.raises(Invalid) as caught:
        export("bank-csv", make_batch([make_line(1), bad]))
    assert "P-0002" in caught.value.detail
    assert caught.value.problems[0].field == f"lines[P-0002].{field}"
    problems = bank_detail_problems([make_line(1), bad, make_line(3, sort_code="")])
    assert [p.field.split(".")[0] for p in problems] == ["lines[P-0002]", "lines[P-0003]"]


def test_bank_profile_can_allow_modulus_failures_and_change_layout() -> None:
    profile = BankProfile(name="Test bank", payee_name_length=10, header=False, trailer=False,
                          amount_in_pence=True, refuse_modulus_failures=False)
    data = b"".join(BankCsvExporter(profile).iter_chunks(
        make_batch([make_line(1, account_number="66374959")])))
    assert rows(data, "ascii") == [["D", "089999", "66374959", "PAYEE NUMB", "10350", "INV P-0001"]]


@pytest.mark.parametrize(
    ("changes", "words"),
    [({"method": "voucher"}, "only for bank_transfer"), ({"currency": "EUR"}, "GBP only")],
)
def test_bank_csv_refuses_other_methods_and_currencies(changes: dict[str, object], words: str) -> None:
    with pytest.raises(Invalid, match=words):
        export("bank-csv", make_batch(LINES, **changes))


def test_bank_csv_refuses_an_empty_batch() -> None:
    with pytest.raises(Invalid, match="no payments"):
        export("bank-csv", make_batch([]))


def test_bank_csv_refuses_a_reference_with_nothing_a_bank_accepts() -> None:
    with pytest.raises(Invalid, match=r"P-0001.*payment reference"):
        export("bank-csv", make_batch([make_line(1, payment_reference="★★★")]))


# ---------------------------------------------------------------------------------------------- xero


def test_xero_one_bill_per_payee_with_fee_and_expense_rows() -> None:
    table = rows(export("xero", make_batch(LINES)))
    header, body = table[0], table[1:]
    for column in ("ContactName", "InvoiceNumber", "InvoiceDate", "DueDate", "Description", "Quantity",
                   "UnitAmount", "AccountCode", "TaxType", "Reference", "TrackingName1", "TrackingOption1",
                   "Currency"):
        assert column in header
    records = [dict(zip(header, row, strict=True)) for row in body]
    # Line 1 has fees and expenses, line 2 fees only, line 3 expenses only.
    assert [r["AccountCode"] for r in records] == ["6100", "6110", "6100", "6110"]
    bills: dict[tuple[str, str], Decimal] = {}
    for record in records:
        key = (record["InvoiceNumber"], record["ContactName"])
        bills[key] = bills.get(key, D(0)) + D(record["Quantity"]) * D(record["UnitAmount"])
        assert record["TaxType"] == "No VAT"
        assert record["InvoiceDate"] == "02/11/2026" and record["DueDate"] == "05/11/2026"
        assert record["TrackingName1"] == "Project" and record["TrackingOption1"] == "DIAB-01"
        assert record["Currency"] == "GBP"
    assert bills == {(f"B-0007-{line.participant_reference}", f"{line.payee_name} ({line.participant_reference})"):
                     line.amount for line in LINES}


def test_xero_refuses_more_than_500_bills_and_points_to_zip() -> None:
    batch = sample_batch(501)
    with pytest.raises(Invalid, match=r"at most 500.*xero-zip"):
        export("xero", batch)


def test_xero_zip_splits_into_files_of_at_most_500_bills() -> None:
    batch = sample_batch(1203)
    archive = zipfile.ZipFile(io.BytesIO(export("xero-zip", batch)))
    names = archive.namelist()
    assert names == [f"batch-B-0042-xero-part-{n}-of-3.csv" for n in (1, 2, 3)]
    seen: list[str] = []
    total = D(0)
    for name in names:
        body = rows(archive.read(name))[1:]
        numbers = {r[1] for r in body}
        assert len(numbers) <= 500
        seen.extend(sorted(numbers))
        total += sum(D(r[7]) for r in body)
    assert len(set(seen)) == 1203
    assert total == batch.total


def test_xero_parts_must_be_read_in_order_and_check_totals() -> None:
    good = sample_batch(12)
    exporter = XeroBillsExporter(XeroSettings(max_bills=5))
    numbers = []
    for part in exporter.iter_parts(good):
        numbers.append((part.number, part.total_parts))
        b"".join(part.chunks)
    assert numbers == [(1, 3), (2, 3), (3, 3)]
    with pytest.raises(RuntimeError, match="to the end"):
        list(exporter.iter_parts(sample_batch(12)))  # asking for part 2 before reading part 1
    bills = [len({r[1] for r in rows(b"".join(p.chunks))[1:]}) for p in exporter.iter_parts(sample_batch(12))]
    assert bills == [5, 5, 2]
    bad = replace(sample_batch(12), total=good.total + D("0.01"))
    with pytest.raises(ControlTotalMismatch):
        for part in exporter.iter_parts(bad):
            b"".join(part.chunks)


# ---------------------------------------------------------------------------------------------- sage


def test_sage_bank_payments_per_fee_and_expense() -> None:
    table = rows(export("sage", make_batch(LINES)), "utf-8-sig")
    header, body = table[0], table[1:]
    assert header == ["Type", "Account Ref", "Nominal Code", "Department", "Date", "Reference", "Details",
                      "Net", "Tax Code", "VAT", "Exchange Rate", "Extra Reference", "User Name", "Project",
                      "Cost Code"]
    records = [dict(zip(header, row, strict=True)) for row in body]
    assert [r["Nominal Code"] for r in records] == ["6100", "6110", "6100", "6110"]
    for record in records:
        assert record["Type"] == "BP" and record["Account Ref"] == "1200"
        assert record["Date"] == "05/11/2026"
        assert record["Tax Code"] == "T9" and record["VAT"] == "0.00"
        assert record["Project"] == "DIAB-01" and record["Cost Code"] == "CC-1"
        assert record["Extra Reference"] == "B-0007"
        assert len(record["Details"]) <= 60
    by_reference: dict[str, Decimal] = {}
    for record in records:
        by_reference[record["Reference"]] = by_reference.get(record["Reference"], D(0)) + D(record["Net"])
    assert by_reference == {line.payment_reference: line.amount for line in LINES}


def test_sage_writes_utf8_with_a_byte_order_mark_and_keeps_every_name() -> None:
    names = ["Zoë Łukasz 李", "Nguyễn Văn An", "محمد علي"]
    data = export("sage", make_batch([make_line(i, payee_name=n) for i, n in enumerate(names, start=1)]))
    assert data.startswith(b"\xef\xbb\xbf")
    table = rows(data, "utf-8-sig")
    details = [row[6] for row in table[1:]]
    for name in names:
        assert any(d.startswith(name) for d in details), (name, details)
    assert not any("?" in d for d in details)
    assert SageAuditTrailExporter().media_type == "text/csv; charset=utf-8"


def test_sage_for_windows_1252_drops_accents_it_cannot_hold() -> None:
    exporter = SageAuditTrailExporter(SageSettings(encoding="cp1252"))
    data = b"".join(exporter.iter_chunks(make_batch([make_line(1, payee_name="Zoë Łukasz 李")])))
    assert not data.startswith(b"\xef\xbb\xbf")
    assert rows(data, "cp1252")[1][6].startswith("Zoë Lukasz ?")
    assert exporter.media_type == "text/csv; charset=windows-1252"


def test_xero_is_utf8_and_keeps_every_name() -> None:
    data = export("xero", make_batch([make_line(1, payee_name="محمد علي"), make_line(2, payee_name="Łukasiewicz")]))
    text_seen = data.decode("utf-8")
    assert "محمد علي" in text_seen and "Łukasiewicz" in text_seen


def test_multi_project_line_is_left_untracked() -> None:
    line = make_line(1, project_codes=("A", "B"), cost_codes=("X", "Y"))
    sage = rows(export("sage", make_batch([line])), "utf-8-sig")[1]
    assert sage[13:] == ["", ""]
    xero = rows(export("xero", make_batch([line])))[1]
    assert xero[10:12] == ["", ""]
    assert "projects A, B" in xero[5]


# ---------------------------------------------------------------------------------------------- json


def test_json_round_trip_with_money_as_strings() -> None:
    document = json.loads(export("json", make_batch(LINES)))
    assert document["reference"] == "B-0007"
    assert document["paid_on"] == "2026-11-05"
    assert document["line_count"] == 3
    assert document["total"] == "208.00"
    assert len(document["lines"]) == 3
    for written, line in zip(document["lines"], LINES, strict=True):
        assert written["amount"] == f"{line.amount:.2f}"
        assert isinstance(written["fees"], str) and D(written["fees"]) == line.fees
        assert D(written["expenses"]) == line.expenses
        assert written["record_ids"] == list(line.record_ids)
        assert written["payee_name"] == line.payee_name
    assert sum(D(w["amount"]) for w in document["lines"]) == D(document["total"])


def test_json_uses_the_currency_decimal_places() -> None:
    line = make_line(1, fees=D("1000"), expenses=D("0"), amount=D("1000"))
    document = json.loads(export("json", make_batch([line], currency="JPY")))
    assert document["lines"][0]["amount"] == "1000"
    assert document["total"] == "1000"


def test_json_of_an_empty_batch_is_valid() -> None:
    assert json.loads(export("json", make_batch([])))["lines"] == []


# ---------------------------------------------------------------------------------------------- all formats

TEXT_FORMATS = ["csv", "bank-csv", "xero", "sage", "json"]
CSV_FORMATS = {"csv": "utf-8-sig", "bank-csv": "ascii", "xero": "utf-8", "sage": "utf-8-sig"}
INJECTIONS = ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(1+1)", "\t=1+1", "\r=2+2"]


@pytest.mark.parametrize("name", list(CSV_FORMATS))
@pytest.mark.parametrize("attack", INJECTIONS)
def test_no_cell_can_start_a_formula(name: str, attack: str) -> None:
    line = make_line(1, payee_name=attack, account_name=attack + " X", payment_reference=attack + "R",
                     description=attack, project_codes=(attack,), cost_codes=(attack,))
    batch = make_batch([line], organisation_name=attack + " Org")
    data = export(name, batch)
    table = rows(data, CSV_FORMATS[name])
    for row in table:
        for value in row:
            assert is_neutral(value), (name, value)
            assert "\r" not in value and "\t" not in value


@pytest.mark.parametrize("name", TEXT_FORMATS)
def test_control_total_mismatch_is_an_error_not_a_file(name: str, tmp_path: Path) -> None:
    for bad in (make_batch(LINES, total=D("208.01")), make_batch(LINES, line_count=4),
                make_batch(LINES, line_count=2)):
        with pytest.raises(ControlTotalMismatch, match="no file has been produced"):
            export(name, bad)
        target = tmp_path / f"out-{name}"
        with pytest.raises(ControlTotalMismatch):
            export_to_path(get_exporter(name), bad, target)
        assert not target.exists()
        assert list(tmp_path.iterdir()) == []


def test_export_to_path_writes_the_whole_file(tmp_path: Path) -> None:
    target = export_to_path(get_exporter("json"), make_batch(LINES), tmp_path / "batch.json")
    assert json.loads(target.read_text())["total"] == "208.00"
    assert [p.name for p in tmp_path.iterdir()] == ["batch.json"]


@pytest.mark.parametrize("name", TEXT_FORMATS)
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"amount": D("1.00")}, "do not equal the amount"),
        ({"fees": D("1.001"), "amount": D("13.501")}, "more than 2 decimal places"),
        ({"fees": D("-5.00"), "amount": D("7.50")}, "negative"),
        ({"fees": D("0"), "expenses": D("0"), "amount": D("0")}, "more than zero"),
    ],
)
def test_bad_line_money_is_refused_naming_the_payee(name: str, changes: dict[str, object], words: str) -> None:
    line = make_line(5, **changes)
    with pytest.raises(Invalid, match=words) as caught:
        export(name, make_batch([line]))
    assert "P-0005" in caught.value.detail


def test_float_money_is_refused_at_construction() -> None:
    with pytest.raises(Invalid, match="Decimal"):
        make_line(1, amount=1.5)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(Invalid, match="unknown payment method"):
        make_batch(LINES, method="cash")


# ---------------------------------------------------------------------------------------------- streaming


class CountingLines:
    """A one-pass line source that records how many lines had been read when each chunk appeared."""

    def __init__(self, count: int) -> None:
        self.read = 0
        self.source = sample_batch(count).lines

    def __iter__(self) -> Iterator[BatchExportLine]:
        for line in self.source:
            self.read += 1
            yield line


@pytest.mark.parametrize(
    ("name", "count"), [("csv", 1000), ("sage", 1000), ("json", 1000), ("bank-csv", 3000), ("xero-zip", 6000)]
)
def test_lines_stream_in_chunks(name: str, count: int) -> None:
    """1,000 lines (more for the compact formats, so the file is bigger than one chunk)."""
    template = sample_batch(count)
    lines = CountingLines(count)
    batch = replace(template, lines=lines)
    read_at_chunk: list[int] = []
    size = 0
    for chunk in get_exporter(name).iter_chunks(batch):
        read_at_chunk.append(lines.read)
        size += len(chunk)
        assert len(chunk) < CHUNK_BYTES * 2
    assert len(read_at_chunk) > 1
    assert read_at_chunk[0] < count  # the first chunk left before the last line was read
    assert lines.read == count
