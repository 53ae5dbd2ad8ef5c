"""``sage``: a Sage 50 Accounts audit-trail import (File > Import > Audit Trail Transactions).

Type ``BP`` (bank payment), not ``PI`` (purchase invoice). Why: a purchase invoice needs every
participant set up as a supplier account in Sage (and puts their personal details on the supplier
ledger) and then needs a second step to pay it; a bank payment records the spend and the money leaving
the bank in one step, matches the line on the bank statement, and needs no supplier records. So
``Account Ref`` is the bank account's nominal code (default 1200) and ``Nominal Code`` the cost
(fees default 6100, expenses default 6110); all are settings in :class:`SageSettings`.

Fees and expenses are separate rows (different nominal codes) sharing the payment reference; a zero
row is left out. A payee paid across several projects gets those rows per project, each with the
project's code and cost code (``BatchExportLine.projects``), so every project's cost is booked to it.
Tax code ``T9`` (outside the scope of VAT) and VAT ``0.00``. Dates are DD/MM/YYYY:
the paid date when known, otherwise the day the batch was made.

Columns follow Sage's audit-trail import order. Exchange Rate, Extra Reference and User Name sit between
VAT and Project there, so they are included (Extra Reference carries the batch reference) and the
Project and Cost Code columns land where Sage expects them.

The file is UTF-8 with a byte-order mark, which current Sage 50 Accounts reads (the mark is how it tells
UTF-8 from the Windows "ANSI" code page), so every name arrives as written: Łukasiewicz, Nguyễn and
names in Arabic script included (a Windows-1252 file showed those as ``????``). For an old Sage that
reads only Windows-1252, set ``SageSettings(encoding="cp1252")``: then a character it cannot hold is
written without its accent (ő -> o) or as ``?``.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from ledger.exports.finance.base import ControlTotals, CsvChunker, StreamingExporter, cells, check_line
from ledger.exports.finance.xero import project_parts
from ledger.exports.safety import fold_accents
from ledger.money import format_amount
from ledger.reports.batch_data import BatchExport

SAGE_COLUMNS: tuple[str, ...] = (
    "Type",
    "Account Ref",
    "Nominal Code",
    "Department",
    "Date",
    "Reference",
    "Details",
    "Net",
    "Tax Code",
    "VAT",
    "Exchange Rate",
    "Extra Reference",
    "User Name",
    "Project",
    "Cost Code",
)


@dataclass(frozen=True, slots=True)
class SageSettings:
    """Nominal codes and field lengths for your Sage 50 company."""

    transaction_type: str = "BP"
    bank_account: str = "1200"
    fees_nominal: str = "6100"
    expenses_nominal: str = "6110"
    department: str = "0"
    tax_code: str = "T9"
    reference_length: int = 30
    details_length: int = 60
    extra_reference_length: int = 30
    date_format: str = "%d/%m/%Y"
    encoding: str = "utf-8"  # "cp1252" for a Sage that reads only Windows-1252 (see the module notes)


def _fold_unencodable(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a character the encoding lacks is written without its accent, else ``?``."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    piece = error.object[error.start : error.end]
    folded = fold_accents(piece)
    replacement = "".join(ch if _encodable(ch, error.encoding) else "?" for ch in folded)
    return replacement, error.end


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


codecs.register_error("ledger-fold-accents", _fold_unencodable)


def encode_legacy(text: str, encoding: str) -> bytes:
    """``text`` in a single-byte encoding, dropping accents it cannot hold and writing ``?`` otherwise."""
    return text.encode(encoding, errors="ledger-fold-accents")


class SageAuditTrailExporter(StreamingExporter):
    name = "sage"
    media_type = "text/csv; charset=utf-8"
    file_extension = "csv"
    description = "Sage 50 audit-trail import: one bank payment (BP) row each for fees and for expenses."
    filename_suffix = "sage"

    def __init__(self, settings: SageSettings | None = None) -> None:
        self.settings = settings or SageSettings()
        if self.settings.encoding.replace("_", "-").lower() in ("cp1252", "windows-1252"):
            self.media_type = "text/csv; charset=windows-1252"

    def iter_chunks(self, batch: BatchExport) -> Iterator[bytes]:
        settings = self.settings
        currency = batch.currency
        date_text = batch.value_date.strftime(settings.date_format)
        extra = batch.reference[: settings.extra_reference_length]
        utf8_file = codecs.lookup(settings.encoding).name == "utf-8"
        out = CsvChunker(
            lambda text: encode_legacy(text, settings.encoding),
            prefix=codecs.BOM_UTF8 if utf8_file else b"",
        )
        out.add(SAGE_COLUMNS)
        totals = ControlTotals(batch)
        for line in batch.lines:
            check_line(line, currency)
            totals.add(line)
            reference = line.payment_reference[: settings.reference_length]
            rows = [
                (project, cost_code, label, value, nominal)
                for project, cost_code, fees, expenses in project_parts(line, batch)
                for label, value, nominal in (
                    ("fees", fees, settings.fees_nominal),
                    ("expenses", expenses, settings.expenses_nominal),
                )
            ]
            for project, cost_code, label, value, nominal in rows:
                if value == 0:
                    continue
                details = f"{line.payee_name} {line.participant_reference} {label}"
                if len(details) > settings.details_length:
                    keep = settings.details_length - len(line.participant_reference) - len(label) - 2
                    details = f"{line.payee_name[: max(keep, 0)]} {line.participant_reference} {label}"
                row = [
                    *cells([settings.transaction_type, settings.bank_account, nominal, settings.department]),
                    date_text,
                    *cells([reference, details[: settings.details_length]]),
                    format_amount(value, currency),
                    *cells([settings.tax_code]),
                    format_amount(Decimal(0), currency),
                    "",
                    *cells([extra, "", project, cost_code]),
                ]
                chunk = out.add(row)
                if chunk:
                    yield chunk
        totals.verify()
        yield out.finish()
