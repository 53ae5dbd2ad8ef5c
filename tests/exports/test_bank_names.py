"""Account names and the bank file's character set: checked on entry, transliterated or refused, and
the exports: the bank file writes the bank's letters, JSON masks the account, Xero and Sage keep names."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from ledger.banknames import UK_BANK_CHARACTERS, bank_form, bank_name_problem, check_account_name
from ledger.errors import Invalid
from ledger.exports.finance import get_exporter
from ledger.reports.batch_data import BatchExport, BatchExportLine


@pytest.mark.parametrize(("entered", "suggested"), [
    ("Łukasiewicz", "LUKASIEWICZ"),
    ("Ødegård", "ODEGARD"),
    ("Nguyễn", "NGUYEN"),
    ("Siân Jones", "SIAN JONES"),
    ("Straße", "STRASSE"),
    ("Æsa Đorđević", "AESA DORDEVIC"),
    ("Zoë O'Brien-Müller", "ZOE OBRIEN-MULLER"),
])
def test_latin_letters_beyond_a_to_z_are_refused_with_a_suggestion(entered: str, suggested: str) -> None:
    check = check_account_name(entered)
    assert not check.ok and check.suggestion == suggested
    assert check.problem is not None and suggested in check.problem and "as the bank holds it" in check.problem
    assert set(suggested) <= UK_BANK_CHARACTERS


@pytest.mark.parametrize("entered", ["محمد علي", "王小明", "Σωκράτης", "Иван Петров", "Ahmed محمد", "٤٥٦"])
def test_names_with_no_spelling_in_a_to_z_get_a_request_for_the_bank_s_name(entered: str) -> None:
    check = check_account_name(entered)
    assert not check.ok and check.suggestion is None
    assert check.problem is not None and "exactly as the bank holds it" in check.problem


@pytest.mark.parametrize("entered", ["J SMITH", "j smith", "J O'Brien", "Smith & Sons Ltd.", "A/C 2 (joint)"])
def test_names_a_bank_file_can_carry_are_accepted(entered: str) -> None:
    assert check_account_name(entered).ok


def test_batch_building_rule_never_fails_and_says_why_a_payee_is_left_out() -> None:
    assert bank_name_problem("Łukasiewicz") is None  # written as LUKASIEWICZ
    assert bank_name_problem("J SMITH") is None
    for impossible in ("محمد علي", "Ahmed محمد"):
        reason = bank_name_problem(impossible)
        assert reason is not None and "as the bank holds it" in reason
    assert bank_name_problem(None) == "there is no name on the account"
    assert bank_form("  Siân  O'Brien ") == "SIAN OBRIEN"


def _line(n: int, account_name: str | None, payee_name: str = "Payee") -> BatchExportLine:
    return BatchExportLine(
        line_id=n, participant_reference=f"P-{n:04d}", payee_name=payee_name, amount=Decimal("10.00"),
        fees=Decimal("10.00"), expenses=Decimal("0"), payment_reference=f"B-0001-{n}", sort_code="089999",
        account_number="66374958", account_name=account_name, organisation_reference=None, project_codes=(),
        cost_codes=(), description="", record_ids=(n,),
    )


def _batch(*lines: BatchExportLine) -> BatchExport:
    return BatchExport(
        reference="B-0001", method="bank_transfer", currency="GBP", created_on=date(2026, 10, 1), paid_on=None,
        organisation_name="Health Trust", project_code=None, lines=list(lines), line_count=len(lines),
        total=sum((line.amount for line in lines), Decimal(0)),
    )


def _export(name: str, batch: BatchExport) -> bytes:
    return b"".join(get_exporter(name).iter_chunks(batch))


def test_the_bank_file_writes_the_transliterated_name() -> None:
    text = _export("bank-csv", _batch(_line(1, "Łukasiewicz"), _line(2, "Nguyễn Văn"))).decode("ascii")
    assert ",LUKASIEWICZ," in text and ",NGUYEN VAN," in text


def test_an_approved_line_whose_name_has_no_spelling_is_named_clearly() -> None:
    with pytest.raises(Invalid) as refused:
        _export("bank-csv", _batch(_line(1, "J SMITH"), _line(2, "محمد علي")))
    assert "P-0002" in refused.value.detail and "as the bank holds it" in refused.value.detail


def test_the_json_export_masks_the_account_and_only_the_bank_file_has_it_in_full() -> None:
    batch = _batch(_line(1, "J SMITH"))
    document = json.loads(_export("json", batch))
    assert document["lines"][0]["sort_code"] == "**-**-99"
    assert document["lines"][0]["account_number"] == "****4958"
    for name in ("json", "csv", "xero", "sage"):
        data = _export(name, batch)
        assert b"66374958" not in data and b"089999" not in data and b"08-99-99" not in data, name
    assert b"66374958" in _export("bank-csv", batch)


def test_xero_and_sage_are_utf8_and_keep_names_the_bank_file_cannot_carry() -> None:
    batch = _batch(_line(1, None, payee_name="محمد علي"), _line(2, None, payee_name="Łukasiewicz"))
    for name in ("xero", "sage"):
        text = _export(name, batch).decode("utf-8-sig")
        assert "محمد علي" in text and "Łukasiewicz" in text, name
