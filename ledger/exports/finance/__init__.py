"""Finance exports of a payment batch: one small exporter per format behind one interface.

Use::

    from ledger.exports.finance import get_exporter
    exporter = get_exporter("bank-csv")          # Invalid naming the allowed formats if unknown
    for chunk in exporter.iter_chunks(batch):    # batch: ledger.reports.batch_data.BatchExport
        send(chunk)

Every exporter streams, checks each line, neutralises every text cell against spreadsheet formulas,
and checks the control totals (count and total) against the batch before the file is complete.
"""

from __future__ import annotations

from ledger.errors import FieldProblem, Invalid
from ledger.exports.finance.bank import (
    DEFAULT_BANK_PROFILE,
    BankCsvExporter,
    BankProfile,
    bank_detail_problems,
    check_bank_details,
)
from ledger.exports.finance.base import (
    ControlTotalMismatch,
    Exporter,
    ExportPart,
    StreamingExporter,
    export_to_path,
)
from ledger.exports.finance.json_export import JsonExporter
from ledger.exports.finance.listing import ListingCsvExporter
from ledger.exports.finance.sage import SageAuditTrailExporter, SageSettings
from ledger.exports.finance.xero import XERO_MAX_BILLS, XeroBillsExporter, XeroSettings, XeroZipExporter

#: The formats, by the name used in ``GET /batches/{id}/export?format=``.
EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter
    for exporter in (
        ListingCsvExporter(),
        BankCsvExporter(),
        XeroBillsExporter(),
        XeroZipExporter(),
        SageAuditTrailExporter(),
        JsonExporter(),
    )
}


def get_exporter(name: str) -> Exporter:
    """The exporter for format ``name``; :class:`Invalid` naming the allowed formats otherwise."""
    try:
        return EXPORTERS[name]
    except KeyError:
        allowed = ", ".join(EXPORTERS)
        raise Invalid(
            f"unknown export format {name!r}; choose one of: {allowed}",
            [FieldProblem("format", f"must be one of: {allowed}")],
        ) from None


__all__ = [
    "DEFAULT_BANK_PROFILE",
    "EXPORTERS",
    "XERO_MAX_BILLS",
    "BankCsvExporter",
    "BankProfile",
    "ControlTotalMismatch",
    "ExportPart",
    "Exporter",
    "JsonExporter",
    "ListingCsvExporter",
    "SageAuditTrailExporter",
    "SageSettings",
    "StreamingExporter",
    "XeroBillsExporter",
    "XeroSettings",
    "XeroZipExporter",
    "bank_detail_problems",
    "check_bank_details",
    "export_to_path",
    "get_exporter",
]
