"""``bank-csv``: a UK bank bulk-payment upload file, with the bank's layout as a pluggable profile.

Banks' bulk-payment CSVs differ in small ways (header and trailer records, name and reference
lengths, allowed characters, how the amount is written), so the layout lives in a :class:`BankProfile`
and the exporter is the same for all. To support another bank, add a profile (see docs/finance.md,
"Adding another bank") and register ``BankCsvExporter(profile=...)`` under a new format name.

The default profile writes three kinds of record::

    H,<organisation>,<batch reference>,<DD/MM/YYYY>,<payment count>,<total>
    D,<sort code>,<account number>,<payee name>,<amount>,<reference>
    T,<payment count>,<total>

Text is made bank-safe by :meth:`BankProfile.clean`: accents are dropped (é -> E, Ł -> L), apostrophes and
quotation marks removed (O'Brien -> OBRIEN), other characters the bank does not accept become spaces,
everything is upper-cased and cut to the allowed length. Leading hyphens are removed too: an
apostrophe cannot be used to neutralise a formula in a bank file (the bank refuses it), so a
cell never starts with one of = + - @ instead.

Every payment needs bank details whose format is right and that do not fail the modulus check; a
line without them stops the export with an error naming the payee (it is never skipped).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ledger.banknames import UK_BANK_CHARACTERS, bank_form, untranslatable
from ledger.errors import FieldProblem, Invalid
from ledger.exports.bankcheck import BankCheck, Modulus, validate_uk_bank
from ledger.exports.finance.base import ControlTotals, CsvChunker, StreamingExporter, check_line
from ledger.exports.safety import neutralise, strip_control
from ledger.money import format_amount
from ledger.reports.batch_data import BatchExport, BatchExportLine

# The bank character set, and the rule for names in it (bank_form), live in ledger.banknames: entry
# checks, batch building and the bank file use the same rule.


@dataclass(frozen=True, slots=True)
class BankProfile:
    """One bank's bulk-payment CSV layout."""

    name: str
    payee_name_length: int = 18
    reference_length: int = 18
    header_name_length: int = 18
    allowed_characters: frozenset[str] = UK_BANK_CHARACTERS
    uppercase: bool = True
    header: bool = True
    trailer: bool = True
    date_format: str = "%d/%m/%Y"
    amount_in_pence: bool = False  # False: "96.25"; True: "9625"
    refuse_modulus_failures: bool = True
    currency: str = "GBP"

    def clean(self, text: str, length: int) -> str:
        """Text as this bank accepts it: allowed characters only, upper-cased, at most ``length``."""
        text = bank_form(strip_control(text), self.allowed_characters, upper=self.uppercase)
        # A formula trigger cannot be escaped with an apostrophe here (banks refuse it): drop it.
        text = text.lstrip(" -+=@")
        text = text[:length].rstrip(" ")
        return neutralise(text)

    def amount(self, value_text: str) -> str:
        """An amount already formatted with two decimals ("96.25"), in this bank's style."""
        if not self.amount_in_pence:
            return value_text
        return str(int(value_text.replace(".", "")))


DEFAULT_BANK_PROFILE = BankProfile(name="UK bank bulk payment (generic CSV)")


def _who(line: BatchExportLine) -> str:
    return f"payee {line.participant_reference} (batch line {line.line_id})"


def check_bank_details(line: BatchExportLine, profile: BankProfile = DEFAULT_BANK_PROFILE) -> BankCheck:
    """The bank check for one line, raising :class:`Invalid` naming the payee when it cannot be paid."""
    result = validate_uk_bank(line.sort_code, line.account_number)
    if not result.format_ok:
        raise Invalid(
            f"{_who(line)} cannot be paid by bank transfer: {result.message} "
            "Correct their bank details or take them out of this batch.",
            [FieldProblem(f"lines[{line.participant_reference}].{p.field}", p.message) for p in result.problems],
        )
    if result.modulus is Modulus.FAILED and profile.refuse_modulus_failures:
        raise Invalid(
            f"{_who(line)} cannot be paid by bank transfer: {result.message}",
            [FieldProblem(f"lines[{line.participant_reference}].account_number", p.message)
             for p in result.problems],
        )
    return result


def bank_detail_problems(
    lines: Iterable[BatchExportLine], profile: BankProfile = DEFAULT_BANK_PROFILE
) -> list[FieldProblem]:
    """Every line that cannot go into a bank file, as field problems (for a check before exporting).

    The exporter itself stops at the first such line; the batch service can call this first to list
    them all at once (for example when a batch is approved).
    """
    problems: list[FieldProblem] = []
    for line in lines:
        try:
            check_bank_details(line, profile)
        except Invalid as exc:
            problems.extend(exc.problems or [FieldProblem(f"lines[{line.participant_reference}]", exc.detail)])
    return problems


class BankCsvExporter(StreamingExporter):
    name = "bank-csv"
    media_type = "text/csv; charset=us-ascii"
    file_extension = "csv"
    description = "Bulk-payment upload for your bank: header, one record per payment, trailer."
    filename_suffix = "bank"

    def __init__(self, profile: BankProfile = DEFAULT_BANK_PROFILE, name: str = "bank-csv") -> None:
        self.profile = profile
        self.name = name

    def iter_chunks(self, batch: BatchExport) -> Iterator[bytes]:
        profile = self.profile
        if batch.method != "bank_transfer":
            raise Invalid(
                f"batch {batch.reference} is paid by {batch.method}; a bank file is only for bank_transfer "
                "batches. Use the csv, xero or sage export instead."
            )
        if batch.currency != profile.currency:
            raise Invalid(
                f"batch {batch.reference} is in {batch.currency}; the {profile.name} file takes "
                f"{profile.currency} only"
            )
        if batch.line_count == 0:
            raise Invalid(f"batch {batch.reference} has no payments, so there is no bank file to make")
        currency = batch.currency
        out = CsvChunker(lambda text: text.encode("ascii"))
        if profile.header:
            out.add(
                [
                    "H",
                    profile.clean(batch.organisation_name, profile.header_name_length),
                    profile.clean(batch.reference, profile.reference_length),
                    batch.value_date.strftime(profile.date_format),
                    str(batch.line_count),
                    profile.amount(format_amount(batch.total, currency)),
                ]
            )
        totals = ControlTotals(batch)
        for line in batch.lines:
            check_line(line, currency)
            bank = check_bank_details(line, profile)
            account_name = line.account_name or line.payee_name
            impossible = untranslatable(line.account_name or "", profile.allowed_characters)
            if impossible:
                # Batches leave such payees out when they are built (ledger.banknames.bank_name_problem);
                # a line approved before that rule cannot be dropped here without changing the total.
                raise Invalid(
                    f"{_who(line)}: the name on the account uses letters a bank file cannot carry "
                    f"({' '.join(impossible)}). Confirm the name exactly as the bank holds it, in the letters "
                    "A-Z, then cancel this batch and build it again.",
                    [FieldProblem(f"lines[{line.participant_reference}].account_name",
                                  "uses letters a bank file cannot carry")],
                )
            name = profile.clean(account_name, profile.payee_name_length)
            reference = profile.clean(line.payment_reference, profile.reference_length)
            if not name:
                raise Invalid(f"{_who(line)}: the name on the account has no letters or digits a bank accepts")
            if not reference:
                raise Invalid(f"{_who(line)}: the payment reference has no letters or digits a bank accepts")
            totals.add(line)
            assert bank.sort_code is not None and bank.account_number is not None  # format_ok checked
            chunk = out.add(
                [
                    "D",
                    bank.sort_code,
                    bank.account_number,
                    name,
                    profile.amount(format_amount(line.amount, currency)),
                    reference,
                ]
            )
            if chunk:
                yield chunk
        totals.verify()
        if profile.trailer:
            out.add(["T", str(totals.count), profile.amount(totals.total_text)])
        yield out.finish()
